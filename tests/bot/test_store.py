"""The store: dedup on (platform, id), cursors with their comments, a guarded state machine."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.domain import NewDraft, Status
from bot.errors import InvalidTransition, NotFound
from bot.state import migrate
from bot.state.store import Store
from connectors.base import Comment


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
    [kept] = store.quarantine.list()
    assert (kept.platform, kept.item_id) == ("fake", "c9") and "IntegrityError" in kept.error
    store.ingest("fake", "default", [bad], "again")  # read twice, kept once
    assert store.quarantine.count() == 1


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


def test_concurrent_claims_have_exactly_one_winner(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
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
