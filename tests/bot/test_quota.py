"""The quota ledger keeps Pacific days; the pacer stretches polling to fit what is left."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.service.quota import Pacer, QuotaLedger
from bot.state.store import Store
from connectors.errors import QuotaExceeded
from connectors.youtube import next_reset, quota_day


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_quota_days_follow_pacific_time() -> None:
    late_utc = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)  # 23:30 the day before in California
    assert quota_day(late_utc) == "2026-11-21"
    assert next_reset(late_utc) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # PST is UTC-8
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert next_reset(summer) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)  # PDT is UTC-7


def test_the_ledger_persists_and_resets_with_the_day(store: Store) -> None:
    clock = Clock(datetime(2026, 11, 22, 7, 0, tzinfo=UTC))
    ledger = QuotaLedger(store, "youtube", 100, 50, clock=clock)
    ledger.charge(30, "read", "commentThreads.list")
    again = QuotaLedger(store, "youtube", 100, 50, clock=clock)  # a restart
    assert again.status().used == 30 and again.status().calls == 1
    with pytest.raises(QuotaExceeded, match="kept for replies"):
        again.charge(21, "read", "commentThreads.list")
    again.charge(50, "write", "comments.insert")
    clock.now = datetime(2026, 11, 22, 8, 0, 1, tzinfo=UTC)  # just after Pacific midnight
    assert again.status().used == 0
    again.charge(50, "read", "commentThreads.list")


def test_polling_slows_to_make_the_read_budget_last_the_day(store: Store) -> None:
    clock = Clock(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))  # Pacific midnight: 24 h to go
    ledger = QuotaLedger(store, "youtube", 10_000, 2_500, clock=clock)
    pacer = Pacer(300, ledger, clock=clock)
    assert pacer.delay_s() == 300  # 7,500 read units for 288 one-unit polls: no need to slow
    store.quota_add("youtube", ledger.status().day, 7_400)  # a busy morning
    assert pacer.delay_s() == pytest.approx(86_400 / 100)  # 100 units left for 24 h
    store.quota_add("youtube", ledger.status().day, 100)
    assert pacer.delay_s() == pytest.approx(86_400)  # nothing left: wait for the reset


def test_the_pacer_polls_when_due(store: Store) -> None:
    clock = Clock(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    pacer = Pacer(300, None, clock=clock)
    assert pacer.due()
    pacer.polled(1)
    assert not pacer.due()
    clock.now = clock.now.replace(minute=5)
    assert pacer.due()
