"""Is replybot working? Its last successful cycle must be recent, and with workers configured,
none of the workers on the database may have stopped heartbeating (one that died is reported,
not hidden by another's success)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.clock import utcnow
from bot.config import WorkersConfig
from bot.service.workers import workers_health
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
    workers: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "last_success": self.last_success.isoformat()
                if self.last_success else None, "age_s": self.age_s,
                "max_age_s": self.max_age_s, "message": self.message, "workers": self.workers}


def default_max_age(poll_interval_s: float) -> float:
    """Three missed cycles, and never less than five minutes (a cycle can be long)."""
    return max(300.0, 3 * poll_interval_s)


def check(store: Store, max_age_s: float, now: datetime | None = None,
          workers: WorkersConfig | None = None) -> Health:
    """The last cycle's age; with `workers`, also every worker's heartbeat on the database."""
    now = now or utcnow()
    health = _last_cycle(store, max_age_s, now)
    if workers is None:
        return health
    view = workers_health(store, workers, now)
    if view.ok:
        return replace(health, workers=view.to_json())
    return replace(health, ok=False, workers=view.to_json(),
                   message="; ".join([*view.reasons(), health.message]))


def _last_cycle(store: Store, max_age_s: float, now: datetime) -> Health:
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
