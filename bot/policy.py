"""Not spam: pacing of posts, no repeated replies, one reply per viewer per thread.

Pacing applies to what the daemon posts on its own: at most `max_replies_per_hour` and
`max_replies_per_day` per platform, and a random gap of `min_spacing_s` to twice that between
posts, so replies do not arrive in machine-like bursts. A reply a person approves with
`queue approve` is posted at once.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import PolicyConfig
from bot.store import Store

WORD = re.compile(r"\w+")


def words(text: str, signature: str = "") -> set[str]:
    body = text.replace(signature, "") if signature else text
    tokens = WORD.findall(body.lower())
    # Chinese has no spaces: compare character pairs instead of "words"
    return {t for t in tokens if t.isascii()} | {
        t[i:i + 2] for t in tokens if not t.isascii() for i in range(max(1, len(t) - 1))}


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def repeats(text: str, recent: list[str], signature: str, threshold: float) -> str | None:
    """The earlier reply this one (nearly) repeats, if any."""
    mine = words(text, signature)
    for earlier in recent:
        if similarity(mine, words(earlier, signature)) >= threshold:
            return earlier
    return None


@dataclass
class Pacing:
    """Whether the daemon may post on a platform now, and how long to wait between posts."""

    store: Store
    config: PolicyConfig
    rng: random.Random

    def blocked(self, platform: str, now: datetime | None = None) -> str | None:
        now = now or datetime.now(UTC)
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
