"""Pacing of what the daemon posts on its own: at most `max_replies_per_hour` and
`max_replies_per_day` per platform, and a random gap of `min_spacing_s` to twice that between
posts, so replies do not arrive in machine-like bursts. A reply a person approves with
`queue approve` is posted at once.

With `wait` given (the daemon), the gap is one next-post time per platform in the database,
shared by every worker: a worker may post when it moves that time forward by one gap (a
conditional update, so two workers never take one slot), and otherwise waits for it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
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
    #: sleeps for seconds, True if asked to stop: with it, the gap is shared by all workers
    wait: Callable[[float], bool] | None = None

    def blocked(self, platform: str, now: datetime | None = None) -> str | None:
        """Why the daemon may not post on `platform` now, or None (with `wait`: a slot is
        taken, waiting for it if another worker posted moments ago)."""
        reason = self._capped(platform, now or self.clock())
        if reason or self.wait is None:
            return reason
        return self._take_slot(platform, self.wait)

    def _take_slot(self, platform: str, wait: Callable[[float], bool]) -> str | None:
        while True:
            now = self.clock()
            slot = now + timedelta(seconds=self.config.min_spacing_s * (1 + self.rng.random()))
            if self.store.pacing_repo.take_post_slot(platform, now, slot):
                return None
            due = self.store.pacing_repo.next_post_at(platform) or now
            if wait(max(0.05, (due - now).total_seconds())):
                return "stopping"

    def _capped(self, platform: str, now: datetime) -> str | None:
        cfg = self.config
        hour = self.store.posted_since(platform, now - timedelta(hours=1))
        if hour >= cfg.max_replies_per_hour:
            return f"{hour} replies in the last hour (limit {cfg.max_replies_per_hour})"
        day = self.store.posted_since(platform, now - timedelta(days=1))
        if day >= cfg.max_replies_per_day:
            return f"{day} replies in the last day (limit {cfg.max_replies_per_day})"
        return None

    def gap_s(self) -> float:
        """The pause before this process's next post (none with `wait`: the slot keeps it)."""
        if self.wait is not None:
            return 0.0
        return self.config.min_spacing_s * (1 + self.rng.random())
