"""Is the daemon working? Its last successful cycle must be recent, and no work may be stuck.

`unhealthy` (exit 1, HTTP 503): no recent successful cycle, claims to post held past their
lease (a reply in limbo), or, with workers configured, a worker on the database that stopped
heartbeating (one that died is reported, not hidden by another's success). `degraded` (exit 0,
HTTP 200, with the reasons): items in quarantine, or a feed whose cursor has not moved for a
long time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import utcnow
from bot.config import WorkersConfig
from bot.service.workers import workers_health
from bot.state.store import Store

#: the service-state key the daemon sets after each successful cycle
LAST_SUCCESS = "last_successful_cycle"
#: service-state key prefix: a feed whose cursor cannot move (its fetch or its storing fails),
#: valued "since-ISO-time reason"
STALLED = "stalled_feed:"

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"


@dataclass(frozen=True)
class Health:
    ok: bool
    last_success: datetime | None
    age_s: float | None
    max_age_s: float
    message: str
    #: what is wrong besides the cycle's age, one line each with how to fix it
    problems: list[str] = field(default_factory=list)
    status: str = HEALTHY
    #: every worker on the database, when workers are configured
    workers: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "status": self.status, "last_success":
                self.last_success.isoformat() if self.last_success else None,
                "age_s": self.age_s, "max_age_s": self.max_age_s, "message": self.message,
                "problems": self.problems, "workers": self.workers}


def default_max_age(poll_interval_s: float) -> float:
    """Three missed cycles, and never less than five minutes (a cycle can be long)."""
    return max(300.0, 3 * poll_interval_s)


def _cycle(store: Store, max_age_s: float, now: datetime) -> tuple[bool, datetime | None,
                                                                     float | None, str]:
    state = store.state(LAST_SUCCESS)
    if state is None:
        return False, None, None, ("no successful cycle yet: is `replybot run` running? Its "
                                   "log says why cycles fail")
    last = datetime.fromisoformat(state[0])
    age = (now - last).total_seconds()
    if age > max_age_s:
        return False, last, round(age, 1), (f"the last successful cycle was {age:.0f} s ago "
                                            f"(limit {max_age_s:.0f} s): check the daemon's log")
    return True, last, round(age, 1), f"last successful cycle {age:.0f} s ago"


def stuck_work(store: Store, now: datetime, max_age_s: float) -> tuple[list[str], list[str]]:
    """(reasons that make the service unhealthy, reasons that make it degraded)."""
    bad, degraded = [], []
    expired = store.expired_claims(now)
    if expired:
        bad.append(f"{len(expired)} claim(s) to post held past their lease (drafts "
                   f"{', '.join(map(str, expired[:10]))}): the daemon settles them on its next "
                   "cycle; if this persists, check its log")
    quarantined = store.quarantine_repo.count()
    if quarantined:
        degraded.append(f"{quarantined} item(s) in quarantine: see `replybot quarantine list`")
    for key, (value, _) in store.states_with_prefix(STALLED).items():
        since_text, _, reason = value.partition(" ")
        since = datetime.fromisoformat(since_text)
        if (now - since).total_seconds() > max_age_s:
            degraded.append(f"feed {key.removeprefix(STALLED)} has not moved since "
                            f"{since:%Y-%m-%d %H:%M} UTC: {reason}; see the daemon's log")
    return bad, degraded


def check(store: Store, max_age_s: float, now: datetime | None = None,
          workers: WorkersConfig | None = None) -> Health:
    """The last cycle's age, stuck work, and with `workers` every worker's heartbeat."""
    now = now or utcnow()
    ok, last, age, message = _cycle(store, max_age_s, now)
    bad, degraded = stuck_work(store, now, max_age_s)
    seen: dict[str, object] = {}
    if workers is not None:
        view = workers_health(store, workers, now)
        seen = view.to_json()
        bad.extend(view.reasons())
    ok = ok and not bad
    status = UNHEALTHY if not ok else DEGRADED if degraded else HEALTHY
    return Health(ok, last, age, max_age_s, message, bad + degraded, status, seen)
