"""API quota: a persistent ledger per platform and quota day, and pacing that respects it.

The platform's connector declares its quota rules (`connectors.base.QuotaRules`): when its day
starts (YouTube: midnight Pacific) and its daily budget. Reads may spend up to
`daily_quota - reply_reserve`; replies may spend the rest. The pacer spreads the read budget
left over the time left until the reset, so polling slows down before it runs dry instead of
stopping at noon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock, utcnow
from bot.log import log
from bot.state.store import Store
from connectors.base import Purpose, QuotaRules
from connectors.errors import QuotaExceeded
from connectors.registry import quota_rules

#: for a platform that declares no rules of its own: days are UTC dates
UTC_DAYS = QuotaRules(ZoneInfo("UTC"), daily_quota=0)


@dataclass(frozen=True)
class QuotaStatus:
    platform: str
    day: str
    used: int
    calls: int
    daily_quota: int
    reply_reserve: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.daily_quota - self.used)

    @property
    def read_remaining(self) -> int:
        return max(0, self.daily_quota - self.reply_reserve - self.used)

    def to_json(self) -> dict[str, object]:
        return {"platform": self.platform, "day": self.day, "used": self.used,
                "calls": self.calls, "daily_quota": self.daily_quota,
                "reserved_for_replies": self.reply_reserve, "remaining": self.remaining,
                "read_remaining": self.read_remaining, "resets_at": self.resets_at.isoformat()}


class QuotaLedger:
    """The `QuotaMeter` a metered connector charges before each call."""

    def __init__(self, store: Store, platform: str, daily_quota: int, reply_reserve: int,
                 clock: Clock = utcnow, rules: QuotaRules | None = None) -> None:
        self.store = store
        self.platform = platform
        self.daily_quota = daily_quota
        self.reply_reserve = reply_reserve
        self.clock = clock
        self.rules = rules or quota_rules(platform) or UTC_DAYS

    def limit(self, purpose: Purpose) -> int:
        return self.daily_quota - (self.reply_reserve if purpose == "read" else 0)

    def charge(self, units: int, purpose: Purpose, what: str) -> None:
        """Spend units, or raise QuotaExceeded; atomic, so workers sharing the ledger cannot
        overrun the limit (or the reply reserve) between them."""
        now = self.clock()
        day = self.rules.day(now)
        if self.store.quota_charge(self.platform, day, units, self.limit(purpose)) is not None:
            return
        used, _ = self.store.quota_used(self.platform, day)
        kept = " (the rest is kept for replies)" if purpose == "read" else ""
        raise QuotaExceeded(
            f"{self.platform}: {used} of {self.daily_quota} units spent today{kept}; "
            f"{what} needs {units}; resumes at {self.rules.next_reset(now).isoformat()}",
            resume_at=self.rules.next_reset(now), platform=self.platform)

    def exhausted(self) -> None:
        self.store.quota_raise_to(self.platform, self.rules.day(self.clock()), self.daily_quota)

    def status(self) -> QuotaStatus:
        now = self.clock()
        used, calls = self.store.quota_used(self.platform, self.rules.day(now))
        return QuotaStatus(self.platform, self.rules.day(now), used, calls, self.daily_quota,
                           self.reply_reserve, self.rules.next_reset(now))


class Pacer:
    """When a connector may poll next: its interval, stretched to fit the quota left."""

    def __init__(self, interval_s: float, ledger: QuotaLedger | None = None,
                 clock: Clock = utcnow) -> None:
        self.interval_s = interval_s
        self.ledger = ledger
        self.clock = clock
        self.last_poll: datetime | None = None
        self.units_per_poll = 1.0  # running average, starts at an idle poll's cost

    def delay_s(self) -> float:
        """Seconds to wait between polls so that reads last until the quota resets."""
        if self.ledger is None:
            return self.interval_s
        status = self.ledger.status()
        if status.read_remaining <= 0:
            return (status.resets_at - self.clock()).total_seconds()
        seconds_left = (status.resets_at - self.clock()).total_seconds()
        polls_affordable = status.read_remaining / max(self.units_per_poll, 1.0)
        return max(self.interval_s, seconds_left / polls_affordable)

    def due(self) -> bool:
        if self.last_poll is None:
            return True
        return (self.clock() - self.last_poll).total_seconds() >= self.delay_s()

    def polled(self, units_spent: int) -> None:
        self.last_poll = self.clock()
        self.units_per_poll = 0.8 * self.units_per_poll + 0.2 * max(units_spent, 1)
        if self.ledger is None:
            return
        delay = self.delay_s()
        if delay > self.interval_s * 1.5:
            log.info("polling slowed to fit the quota", platform=self.ledger.platform,
                     every_s=round(delay), read_units_left=self.ledger.status().read_remaining)
