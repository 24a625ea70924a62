"""The running service: daemon, posting, pacing, quota, health, metrics, retries."""
