"""Health tells the truth: stuck claims make the service unhealthy; quarantined items and a feed
that cannot move on make it degraded, each with its reason; the daemon's counters match the
store."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from bot.domain import Status
from bot.service.daemon import Daemon
from bot.service.health import DEGRADED, HEALTHY, LAST_SUCCESS, STALLED, UNHEALTHY, check
from bot.state.store import Store
from connectors.errors import TransientError
from connectors.sanitize import Rejected
from tests.bot.test_posting import age_claim, approved_draft, claim_as
from tests.fakes.connector import FakeConnector


def fresh_cycle(store: Store) -> None:
    store.set_state(LAST_SUCCESS, datetime.now(UTC).isoformat())


def test_a_claim_past_its_lease_is_unhealthy_with_its_draft(store: Store,
                                                            connector: FakeConnector) -> None:
    fresh_cycle(store)
    assert check(store, 300).status == HEALTHY
    draft_id = approved_draft(store, connector)
    claim_as(store, draft_id, "someone:1:token", -1)
    result = check(store, 300)
    assert (result.ok, result.status) == (False, UNHEALTHY)
    assert f"drafts {draft_id}" in result.problems[0]


def test_quarantined_items_make_health_degraded_with_the_fix(store: Store) -> None:
    fresh_cycle(store)
    store.ingest("fake", "default", [], "1", [Rejected("{bad", "not JSON", None)])
    result = check(store, 300)
    assert (result.ok, result.status) == (True, DEGRADED)
    assert "replybot quarantine list" in result.problems[0]


def test_a_feed_that_cannot_move_on_is_degraded_and_healthy_again_once_it_does(
        daemon: Daemon, connector: FakeConnector) -> None:
    store = daemon.app.store
    connector.push_comment("What grinder?")
    connector.fail_fetch.extend(TransientError("503") for _ in range(8))
    daemon.run_once()
    later = datetime.now(UTC) + timedelta(seconds=600)
    store.set_state(LAST_SUCCESS, later.isoformat())  # cycles go on; the feed does not
    stalled = check(store, 300, later)
    assert stalled.status == DEGRADED and "feed fake/default has not moved" in stalled.problems[0]
    assert check(store, 300, later - timedelta(seconds=590)).status == HEALTHY  # not yet long
    connector.fail_fetch.clear()
    daemon.run_once()
    store.set_state(LAST_SUCCESS, later.isoformat())
    assert check(store, 300, later).status == HEALTHY


def test_a_stall_keeps_its_start_across_restarts_and_a_later_run_that_reads_clears_it(
        daemon: Daemon, connector: FakeConnector) -> None:
    store = daemon.app.store
    connector.fail_fetch.extend(TransientError("503") for _ in range(16))
    daemon.run_once()
    [(first, _)] = store.states_with_prefix(STALLED).values()
    daemon.worker.deregister()  # the process ends; the next knows of the stall only the store
    restarted = Daemon(daemon.app)
    restarted.run_once()
    [(again, _)] = store.states_with_prefix(STALLED).values()
    assert again.split(" ", 1)[0] == first.split(" ", 1)[0]
    connector.fail_fetch.clear()
    restarted.worker.deregister()
    Daemon(daemon.app).run_once()
    assert store.states_with_prefix(STALLED) == {}


def test_healthz_reports_degraded_as_200_and_stuck_claims_as_503(
        daemon: Daemon, connector: FakeConnector) -> None:
    store = daemon.app.store
    fresh_cycle(store)
    store.quarantine_repo.put("fake", "default", [Rejected("{bad", "not JSON", None)])
    port = daemon.metrics.serve(0, health=daemon.health)
    try:
        body = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5))
        assert body["status"] == DEGRADED
        claim_as(store, approved_draft(store, connector), "someone:1:token", -1)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            raise AssertionError("expected 503")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503 and json.load(exc)["status"] == UNHEALTHY
    finally:
        daemon.metrics.stop()


def test_posts_made_while_reconciling_count_in_the_summary(daemon: Daemon,
                                                          connector: FakeConnector) -> None:
    store = daemon.app.store
    draft_id = approved_draft(store, connector)
    claim_as(store, draft_id, "gone:1:token", 60)
    connector.post_reply(store.draft(draft_id).comment, "Thanks! — Lina")  # it went through
    age_claim(store, draft_id)  # the process died before recording it; its lease ran out
    daemon.run_once()
    assert store.draft(draft_id).status == Status.POSTED
    assert daemon.counters.posted == store.counts()[Status.POSTED] == 1
