"""Pacing of what the daemon posts on its own: at most `max_replies_per_hour` and
`max_replies_per_day` per platform, and a random gap of `min_spacing_s` to twice that between
posts, so replies do not arrive in machine-like bursts. A reply a person approves with
`queue approve` is posted at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, utcnow
from bot.config import PolicyConfig
from bot.state.store import Store


@dataclass
class Pacing:
    """Whether the daemon may post on a platform now, and how long to wait between posts."""

    store: Store
    config: PolicyConfig
    rng: random.Random
    clock: Clock = utcnow

    def blocked(self, platform: str, now: datetime | None = None) -> str | None:
        now = now or self.clock()
        cfg = self.config
        hour = self.store.posted_since(platform, now - timedelta(hours=1))
        if hour >= cfg.max_replies_per_hour:
            return f"{hour} replies in the last hour (limit {cfg.max_replies_per_hour})"
        day = self.store.posted_since(platform, now - timedelta(days=1))
        if day >= cfg.max_replies_per_day:
            return f"{day} replies in the last day (limit {cfg.max_replies_per_day})"
        return None

    def gap_s(self) -> float:
        return self.config.min_spacing_s * (1 + self.rng.random())
