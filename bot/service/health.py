"""Is the daemon working? Its last successful cycle must be recent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.state.store import Store

#: the service-state key the daemon sets after each successful cycle
LAST_SUCCESS = "last_successful_cycle"


@dataclass(frozen=True)
class Health:
    ok: bool
    last_success: datetime | None
    age_s: float | None
    max_age_s: float
    message: str

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "last_success": self.last_success.isoformat()
                if self.last_success else None, "age_s": self.age_s,
                "max_age_s": self.max_age_s, "message": self.message}


def default_max_age(poll_interval_s: float) -> float:
    """Three missed cycles, and never less than five minutes (a cycle can be long)."""
    return max(300.0, 3 * poll_interval_s)


def check(store: Store, max_age_s: float, now: datetime | None = None) -> Health:
    now = now or utcnow()
    state = store.state(LAST_SUCCESS)
    if state is None:
        return Health(False, None, None, max_age_s, "no successful cycle yet: is `replybot run` "
                      "running? Its log says why cycles fail")
    last = datetime.fromisoformat(state[0])
    age = (now - last).total_seconds()
    if age > max_age_s:
        return Health(False, last, round(age, 1), max_age_s,
                      f"the last successful cycle was {age:.0f} s ago (limit {max_age_s:.0f} s): "
                      "check the daemon's log")
    return Health(True, last, round(age, 1), max_age_s, f"last successful cycle {age:.0f} s ago")
