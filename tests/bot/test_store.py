"""The store: dedup on (platform, id), cursors with their comments, a guarded state machine."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect

from bot.domain import NewDraft, Status
from bot.errors import InvalidTransition, NotFound
from bot.state import migrate
from bot.state.backup import export_state, import_state
from bot.state.store import Store
from connectors.base import Comment
from connectors.sanitize import Rejected
from tests.conftest import ON_EVERY_ENGINE

pytestmark = ON_EVERY_ENGINE


def comment(cid: str, text: str = "What grinder?", platform: str = "fake") -> Comment:
    return Comment(platform=platform, comment_id=cid, author="Ann", text=text)


def pending(store: Store, cid: str = "c1") -> int:
    store.ingest("fake", "default", [comment(cid)], cursor=cid)
    stored = next(s for s in store.unprocessed() if s.comment.comment_id == cid)
    draft_id = store.create_draft(stored.pk, NewDraft(Status.PENDING, "awaiting approval",
                                                      reply_text="24 clicks."))
    assert draft_id is not None
    return draft_id


def test_migrations_reach_head_and_are_idempotent(store: Store) -> None:
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    migrate.upgrade(store.engine)  # a second run changes nothing
    tables = set(inspect(store.engine).get_table_names())
    assert {"comments", "drafts", "audit", "cursors", "alembic_version"} <= tables


def test_fetching_the_same_comment_twice_stores_it_once(store: Store) -> None:
    assert store.ingest("fake", "default", [comment("c1"), comment("c2")], "2") == 2
    assert store.ingest("fake", "default", [comment("c1", "edited text")], "3") == 0
    assert store.comment_count() == 2
    texts = {s.comment.comment_id: s.comment.text for s in store.unprocessed()}
    assert texts == {"c1": "What grinder?", "c2": "What grinder?"}
    assert store.ingest("other", "default", [comment("c1", platform="other")], "1") == 1


def test_a_comment_the_database_refuses_is_quarantined_and_the_cursor_moves_on(
        store: Store) -> None:
    bad = Comment(platform="fake", comment_id="c9", author="A", text=None)  # type: ignore[arg-type]
    new = store.ingest("fake", "default", [comment("c1"), bad, comment("c2")], "after-c2")
    assert new == 2 and store.cursor("fake") == "after-c2"
    assert [s.comment.comment_id for s in store.unprocessed()] == ["c1", "c2"]
    [kept] = store.quarantine_repo.list()
    assert (kept.platform, kept.item_id) == ("fake", "c9") and "IntegrityError" in kept.error
    store.ingest("fake", "default", [bad], "again")  # read twice, kept once
    assert store.quarantine_repo.count() == 1


def test_quarantined_items_are_listed_counted_retried_and_dropped(database_url: str) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    store = Store.open(database_url, clock=lambda: now)
    items = [Rejected('{"id": "a"', "not JSON", None), Rejected("{}", "no id", "x1")]
    assert store.quarantine_repo.put("fake", "default", items) == 2
    assert store.quarantine_repo.put("fake", "default", items) == 0  # kept once
    assert store.quarantine_repo.list(platform="other") == []
    first, second = store.quarantine_repo.list()
    assert (first.raw, first.created_at, second.item_id) == ('{"id": "a"', now, "x1")
    again = store.quarantine_repo.failed_again(first.id, "still not JSON")
    assert (again.retries, again.error) == (1, "still not JSON")
    assert store.quarantine_repo.drop(first.id) and not store.quarantine_repo.drop(first.id)
    assert store.quarantine_repo.count() == 1
    with pytest.raises(NotFound, match="replybot quarantine list"):
        store.quarantine_repo.get(first.id)
    store.close()


def test_a_claim_is_a_lease_only_its_owner_renews_and_anyone_finds_expired(
        database_url: str) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    store = Store.open(database_url, clock=lambda: now)
    draft_id = pending(store)
    store.transition(draft_id, Status.APPROVED, "approved", "cli")
    assert store.claim(draft_id, "worker-a", "t", lease_until=now + timedelta(seconds=30))
    claims = store.claims_repo
    assert claims.expired(now) == []
    assert not claims.renew(draft_id, "worker-b", now + timedelta(seconds=90))
    assert claims.renew(draft_id, "worker-a", now + timedelta(seconds=60))
    assert claims.expired(now + timedelta(seconds=59)) == []
    assert claims.expired(now + timedelta(seconds=61)) == [draft_id]
    store.transition(draft_id, Status.POSTED, "posted", "t", from_=[Status.POSTING])
    assert not claims.renew(draft_id, "worker-a", now + timedelta(seconds=120))
    store.close()


def test_one_draft_per_comment(store: Store) -> None:
    pending(store)
    pk = store.draft(1).comment_pk
    assert store.create_draft(pk, NewDraft(Status.PENDING, "again", reply_text="x")) is None
    assert store.unprocessed() == []


def test_transitions_follow_the_state_machine_and_are_audited(store: Store) -> None:
    draft_id = pending(store)
    store.transition(draft_id, Status.APPROVED, "approved", "cli")
    store.transition(draft_id, Status.POSTING, "posting", "daemon", claimed_by="me")
    done = store.transition(draft_id, Status.POSTED, "posted", "daemon", reply_id="r1")
    assert (done.status, done.reply_id) == (Status.POSTED, "r1")
    with pytest.raises(InvalidTransition, match="is posted"):
        store.transition(draft_id, Status.REJECTED, "too late", "cli")
    trail = [(e.from_status, e.to_status, e.actor) for e in store.audit(draft_id)]
    assert trail == [(None, Status.PENDING, "pipeline"), (Status.PENDING, Status.APPROVED, "cli"),
                     (Status.APPROVED, Status.POSTING, "daemon"), (Status.POSTING, Status.POSTED,
                                                                   "daemon")]


def test_unknown_draft_says_how_to_find_one(store: Store) -> None:
    with pytest.raises(NotFound, match="queue list"):
        store.transition(42, Status.APPROVED, "x", "cli")


def test_skipped_drafts_cannot_be_posted_directly(store: Store) -> None:
    store.ingest("fake", "default", [comment("c1")], "1")
    pk = store.unprocessed()[0].pk
    draft_id = store.create_draft(pk, NewDraft(Status.SKIPPED, "spam"))
    assert draft_id is not None
    with pytest.raises(InvalidTransition):
        store.transition(draft_id, Status.POSTING, "x", "daemon")


def test_edit_keeps_the_models_draft(store: Store) -> None:
    draft_id = pending(store)
    edited = store.edit_text(draft_id, "My own words.", "cli")
    assert (edited.reply_text, edited.draft_text, edited.status) == \
        ("My own words.", "24 clicks.", Status.PENDING)
    assert store.audit(draft_id)[-1].reason == "reply text edited"


def race(url: str, workers: int, work: Callable[[Store, threading.Barrier], Any]) -> list[Any]:
    """Run `work` at once in `workers` threads, each with its own Store (like processes)."""
    stores = [Store.open(url) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(n: int) -> None:
        results[n] = work(stores[n], barrier)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    return results


def test_racing_create_draft_has_one_winner_and_one_creation_entry(store: Store,
                                                                   database_url: str) -> None:
    store.ingest("fake", "default", [comment(f"c{n}") for n in range(10)], "10")
    pks = [s.pk for s in store.unprocessed()]

    def create_all(mine: Store, barrier: threading.Barrier) -> list[int | None]:
        won = []
        for pk in pks:
            barrier.wait()  # both connections insert the same comment's draft together
            won.append(mine.create_draft(pk, NewDraft(Status.PENDING, "awaiting approval",
                                                      reply_text="24 clicks.")))
        return won

    first, second = race(database_url, 2, create_all)
    for pk, mine, theirs in zip(pks, first, second, strict=True):
        assert (mine is None) != (theirs is None), f"comment {pk}: {mine=} {theirs=}"
    creations = [e for e in store.audit() if e.from_status is None]
    assert sorted(e.draft_id for e in creations) == sorted(d for d in first + second if d)
    assert store.counts()[Status.PENDING] == len(pks) == len(creations)


def test_voice_examples_count_what_was_new_and_what_moved(store: Store) -> None:
    def example(cid: str) -> dict[str, Any]:
        return {"source": "history", "platform": "fake", "comment_id": cid, "author": "Ann",
                "comment": "What grinder?", "reply": "A burr one.", "status": "candidate"}

    assert store.add_voice_examples([example("c1"), example("c2")]) == 2
    assert store.add_voice_examples([example("c2"), example("c3")]) == 1
    ids = [e.id for e in store.voice_examples()]
    assert store.set_voice_status(ids[:2], "ready", from_="candidate") == 2
    assert store.set_voice_status(ids, "ready", from_="candidate") == 1
    assert [e.status for e in store.voice_examples()] == ["ready"] * 3


def test_concurrent_claims_have_exactly_one_winner(database_url: str) -> None:
    url = database_url
    setup = Store.open(url)
    ids = [pending(setup, f"c{n}") for n in range(20)]
    for draft_id in ids:
        setup.transition(draft_id, Status.APPROVED, "approved", "cli")
    wins: list[int] = []
    lock = threading.Lock()

    def claim_all() -> None:
        store = Store.open(url)  # its own engine and connections, like another process
        for draft_id in ids:
            try:
                store.transition(draft_id, Status.POSTING, "posting", "t", from_=[Status.APPROVED])
            except InvalidTransition:
                continue
            with lock:
                wins.append(draft_id)

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == ids  # every draft claimed exactly once
    assert setup.counts()[Status.POSTING] == 20


def test_every_time_written_comes_from_the_injected_clock(database_url: str) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    store = Store.open(database_url, clock=lambda: now)
    draft_id = pending(store)
    store.set_state("heartbeat", "ok")
    store.ingest("fake", "default", [comment("c2")], cursor="c2")
    assert [s.fetched_at for s in store.unprocessed()] == [now]
    assert store.draft(draft_id).created_at == now
    assert [e.at for e in store.audit(draft_id)] == [now]
    assert store.state("heartbeat") == ("ok", now)
    store.close()


def test_quota_rows_add_up_in_one_statement_and_only_rise_when_spent(store: Store) -> None:
    assert store.quota_add("youtube", "2026-11-21", 30) == 30
    assert store.quota_add("youtube", "2026-11-21", 20) == 50
    store.quota_raise_to("youtube", "2026-11-21", 40)  # never lowers what was spent
    assert store.quota_used("youtube", "2026-11-21") == (50, 2)
    store.quota_raise_to("youtube", "2026-11-21", 10_000)
    store.quota_raise_to("youtube", "2026-11-22", 10_000)
    assert store.quota_used("youtube", "2026-11-21") == (10_000, 2)
    assert store.quota_used("youtube", "2026-11-22") == (10_000, 0)
    assert store.quota_platforms() == ["youtube"]


def test_reply_history_sees_posted_replies_by_time_and_thread(store: Store) -> None:
    posted_at = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    draft_id = pending(store)
    store.transition(draft_id, Status.APPROVED, "approved", "cli")
    store.transition(draft_id, Status.POSTING, "posting", "daemon")
    store.transition(draft_id, Status.POSTED, "posted", "daemon", posted_at=posted_at)
    assert store.last_posted_at("fake") == posted_at and store.last_posted_at("other") is None
    assert store.posted_since("fake", posted_at) == 1
    assert store.posted_since("fake", posted_at + timedelta(seconds=1)) == 0
    assert store.recent_replies("fake", posted_at - timedelta(days=3650)) == ["24 clicks."]
    again = Comment(platform="fake", comment_id="c2", author="Ann", text="And the beans?",
                    parent_id="c1")
    assert store.replied_in_thread(again, exclude_pk=0)
    assert not store.replied_in_thread(comment("c3"), exclude_pk=0)


def test_a_backup_restores_ids_and_new_rows_follow_them(store: Store,
                                                        another_database: str) -> None:
    first, second = pending(store, "c1"), pending(store, "c2")
    out = io.StringIO()
    export_state(store, out)
    restored = Store.open(another_database)
    counts = import_state(restored, out.getvalue().splitlines())
    assert counts["drafts"] == 2 and counts["comments"] == 2
    assert [d.id for d in restored.drafts()] == [first, second]
    assert pending(restored, "c3") == second + 1  # id sequences moved past the restored rows
    restored.close()
