"""Per-comment stages: triage, policy, prompt, guard and the one decision; no I/O of their own."""
