"""Several workers on one database: leases give each job to one worker, a dead worker's lease
runs out, and quota and pacing are shared atomically (on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import PolicyConfig, WorkersConfig
from bot.domain import NewDraft, Status
from bot.errors import LeaseLost
from bot.service.pacing import Pacing
from bot.service.quota import QuotaLedger
from bot.service.workers import workers_health
from bot.state.store import Store
from bot.state.workers import feed_lease
from connectors.base import Comment
from tests.conftest import ON_EVERY_ENGINE

pytestmark = ON_EVERY_ENGINE

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(database_url: str, clock: Clock) -> Store:
    store = Store.open(database_url, clock=clock)
    yield store  # type: ignore[misc]
    store.close()


def comment(cid: str) -> Comment:
    return Comment(platform="fake", comment_id=cid, author="A", text=f"hi {cid}")


def test_a_feed_lease_has_one_holder_until_it_runs_out(timed: Store, clock: Clock) -> None:
    leases, name = timed.leases_repo, feed_lease("fake", "default")
    assert leases.take(name, "w1", lease_s=10)
    assert not leases.take(name, "w2", lease_s=10)
    clock.advance(5)
    assert leases.take(name, "w1", lease_s=10)  # the holder renews
    clock.advance(9)
    assert not leases.take(name, "w2", lease_s=10)
    clock.advance(2)  # w1 stopped renewing: its lease ran out
    assert leases.take(name, "w2", lease_s=10)
    assert leases.holder(name) == "w2"


def test_a_worker_that_lost_its_feed_stores_nothing_and_the_cursor_stays(
        timed: Store, clock: Clock) -> None:
    leases, name = timed.leases_repo, feed_lease("fake", "default")
    assert leases.take(name, "w1", lease_s=10)
    fence = leases.fence(name, "w1", lease_s=10)
    timed.ingest("fake", "default", [comment("c1")], "after-c1", fence=fence)
    clock.advance(11)  # w1 hangs in a slow read; w2 takes the feed over and reads on
    assert leases.take(name, "w2", lease_s=10)
    timed.ingest("fake", "default", [comment("c2")], "after-c2",
                 fence=leases.fence(name, "w2", lease_s=10))
    with pytest.raises(LeaseLost):  # w1's late read would move the cursor back
        timed.ingest("fake", "default", [comment("c1")], "after-c1", fence=fence)
    assert timed.cursor("fake") == "after-c2" and timed.comment_count() == 2


def test_one_drafter_per_comment_and_none_once_it_has_a_draft(timed: Store,
                                                              clock: Clock) -> None:
    timed.ingest("fake", "default", [comment("c1")], None)
    [stored] = timed.unprocessed()
    leases = timed.leases_repo
    assert leases.take_comment(stored.pk, "w1", lease_s=30)
    assert not leases.take_comment(stored.pk, "w2", lease_s=30)
    clock.advance(31)  # w1 was killed mid-draft
    assert leases.take_comment(stored.pk, "w2", lease_s=30)
    timed.create_draft(stored.pk, NewDraft(Status.PENDING, "drafted", reply_text="hello"))
    leases.release_comment(stored.pk, "w2")
    assert not leases.take_comment(stored.pk, "w1", lease_s=30)  # a stale batch: already done


def test_heartbeats_keep_leases_and_a_silent_worker_is_reported_stale(
        timed: Store, clock: Clock) -> None:
    workers, config = timed.workers_repo, WorkersConfig(lease_s=10, stale_after_s=30)
    workers.register("w1", "host-a", 101, "0.1.0", "host-a:101:abcd")
    workers.register("w2", "host-b", 202, "0.1.0", None)
    assert timed.leases_repo.take(feed_lease("fake", "default"), "w1", lease_s=10)
    for _ in range(4):  # w1 beats; w2 died right after it started
        clock.advance(8)
        workers.heartbeat("w1", lease_s=10)
    health = workers_health(timed, config, clock())
    assert [w.id for w in health.live] == ["w1"] and [w.id for w in health.stale] == ["w2"]
    assert health.live[0].feeds == ("feed:fake:default",)  # renewed by every beat
    assert not health.ok and "worker w2 (host host-b, pid 202)" in health.reasons()[0]
    workers.deregister("w1")
    assert timed.leases_repo.holder(feed_lease("fake", "default")) is None


def test_the_next_post_slot_is_taken_by_one_worker_at_a_time(timed: Store,
                                                             clock: Clock) -> None:
    config = PolicyConfig(min_spacing_s=10)
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock.advance(seconds)
        return False

    first = Pacing(timed, config, random.Random(1), clock, wait=wait)
    second = Pacing(timed, config, random.Random(2), clock, wait=wait)
    assert first.blocked("fake") is None and waits == []
    assert second.blocked("fake") is None  # waited for the slot the first one left
    assert len(waits) == 1 and 10 <= waits[0] <= 20
    assert second.gap_s() == 0.0  # the shared slot is the gap


QUOTA_CHARGER = """
import sys
from bot.service.quota import QuotaLedger
from bot.state.store import Store
from connectors.errors import QuotaExceeded
store = Store.open(sys.argv[1])
ledger = QuotaLedger(store, "youtube", daily_quota=150, reply_reserve=30)
spent = 0
for _ in range(60):
    try:
        ledger.charge(1, "read", "commentThreads.list")
        spent += 1
    except QuotaExceeded:
        pass
print(spent)
"""


def test_processes_charging_at_once_never_pass_the_limit(database_url: str) -> None:
    Store.open(database_url).close()  # migrated before the race
    processes = [subprocess.Popen([sys.executable, "-c", QUOTA_CHARGER, database_url],
                                  cwd=ROOT, text=True, stdout=subprocess.PIPE,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
                 for _ in range(3)]
    spent = [int(p.communicate(timeout=120)[0]) for p in processes]
    store = Store.open(database_url)
    used = QuotaLedger(store, "youtube", daily_quota=150, reply_reserve=30).status().used
    store.close()
    assert sum(spent) == used == 120  # 180 asked for; the 30 kept for replies stayed
