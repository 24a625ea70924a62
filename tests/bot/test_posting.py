"""A reply is posted at most once, whatever fails and whenever the process dies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.domain import NewDraft, Status
from bot.service.posting import Poster
from bot.state.schema import DraftRow
from bot.state.store import Store
from connectors.errors import AuthError, PermanentError, TransientError
from tests.conftest import ON_EVERY_ENGINE
from tests.fakes.connector import FakeConnector

pytestmark = ON_EVERY_ENGINE


def age_claim(store: Store, draft_id: int, owner: str | None = None) -> None:
    """Make a `posting` claim look an hour old (and, optionally, owned by someone else)."""
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    values: dict[str, object] = {"claimed_at": an_hour_ago, "lease_until": an_hour_ago}
    if owner:
        values["claimed_by"] = owner
    with store.engine.begin() as connection:
        connection.execute(update(DraftRow).where(DraftRow.id == draft_id).values(**values))


class ProcessDied(BaseException):
    """Stands in for SIGKILL: nothing after it runs, no except Exception catches it."""


def approved_draft(store: Store, connector: FakeConnector, text: str = "Thanks! — Lina") -> int:
    comment = connector.push_comment("Love it", comment_id=f"c{len(connector.inbox) + 1}")
    store.ingest(connector.name, "default", [comment], str(len(connector.inbox)))
    stored = next(s for s in store.unprocessed() if s.comment.comment_id == comment.comment_id)
    draft_id = store.create_draft(stored.pk, NewDraft(Status.APPROVED, "auto mode",
                                                      reply_text=text))
    assert draft_id is not None
    return draft_id


@pytest.fixture
def poster(store: Store, connector: FakeConnector) -> Poster:
    return Poster(store, {connector.name: connector}, actor="test", max_attempts=3)


def test_posts_an_approved_draft_once(store: Store, connector: FakeConnector,
                                      poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    result = poster.post(store.draft(draft_id))
    assert result.status == Status.POSTED and result.reply_id == "r1"
    poster.post(store.draft(draft_id))  # posted: nothing to claim
    poster.post_approved()
    assert len(connector.posted) == 1 and connector.post_calls == 1


def test_a_second_poster_cannot_post_a_claimed_draft(store: Store, connector: FakeConnector,
                                                      poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    stale_view = store.draft(draft_id)
    other = Poster(store, {connector.name: connector}, actor="other")
    other.post(stale_view)
    assert poster.post(stale_view).status == Status.POSTED  # reports the state, posts nothing
    assert connector.post_calls == 1


def test_death_after_posting_is_reconciled_without_a_second_post(
        store: Store, connector: FakeConnector) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_after_post.append(ProcessDied())
    dying = Poster(store, {connector.name: connector}, actor="daemon")
    with pytest.raises(ProcessDied):
        dying.post(store.draft(draft_id))
    assert store.draft(draft_id).status == Status.POSTING and len(connector.posted) == 1

    age_claim(store, draft_id, owner="gone-host:1:dead")
    fresh = Poster(store, {connector.name: connector}, actor="daemon", lease_s=60)
    assert fresh.reconcile() == 1
    settled = store.draft(draft_id)
    assert settled.status == Status.POSTED and settled.reply_id == connector.posted[0].reply_id
    assert "after an interruption" in (settled.reason or "")
    fresh.post_approved()
    assert connector.post_calls == 1 and len(connector.posted) == 1


def test_death_before_posting_is_reconciled_into_exactly_one_post(
        store: Store, connector: FakeConnector) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_before_post.append(ProcessDied())
    with pytest.raises(ProcessDied):
        Poster(store, {connector.name: connector}, actor="daemon").post(store.draft(draft_id))
    age_claim(store, draft_id)
    fresh = Poster(store, {connector.name: connector}, actor="daemon", lease_s=60)
    assert fresh.reconcile() == 1
    assert store.draft(draft_id).status == Status.APPROVED
    fresh.post_approved()
    assert store.draft(draft_id).status == Status.POSTED and len(connector.posted) == 1


def test_a_live_claim_in_this_process_is_left_alone(store: Store, connector: FakeConnector,
                                                    poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    store.transition(draft_id, Status.POSTING, "in flight", "test", claimed_by=poster.owner,
                     claimed_at=datetime.now(UTC))
    assert poster.reconcile() == 0 and connector.find_calls == 0


def test_timeout_that_actually_posted_is_found_before_retrying(
        store: Store, connector: FakeConnector, poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_after_post.append(TransientError("read timed out"))
    assert poster.post(store.draft(draft_id)).status == Status.APPROVED  # retry later
    result = poster.post(store.draft(draft_id))
    assert result.status == Status.POSTED and "found on the platform" in (result.reason or "")
    assert len(connector.posted) == 1 and connector.post_calls == 1


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_transient_failures_back_off_then_give_up_after_max_attempts(
        store: Store, connector: FakeConnector) -> None:
    clock = Clock()
    poster = Poster(store, {connector.name: connector}, actor="test", max_attempts=3,
                    clock=clock)
    draft_id = approved_draft(store, connector)
    connector.fail_before_post.extend(TransientError("503") for _ in range(3))
    for attempt in range(1, 4):
        poster.post_approved()
        if attempt < 3:
            assert poster.post_approved().deferred == 1  # waiting out its backoff
            assert connector.post_calls == attempt
        clock.now += timedelta(hours=1)
    failed = store.draft(draft_id)
    assert failed.status == Status.FAILED and "gave up after 3 attempts" in (failed.reason or "")
    assert connector.posted == []


def test_permanent_errors_fail_with_the_platform_reason(store: Store, connector: FakeConnector,
                                                        poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_before_post.append(PermanentError("comments are disabled",
                                                     code="commentsDisabled"))
    result = poster.post(store.draft(draft_id))
    assert (result.status, result.reason) == (Status.FAILED, "comments are disabled")


def test_auth_errors_pause_the_platform_and_keep_drafts_approved(
        store: Store, connector: FakeConnector, poster: Poster) -> None:
    first, second = approved_draft(store, connector), approved_draft(store, connector)
    connector.fail_before_post.append(AuthError("token revoked: run `replybot auth youtube`"))
    report = poster.post_approved()
    assert report.deferred == 2 and report.posted == 0
    assert {store.draft(first).status, store.draft(second).status} == {Status.APPROVED}
    assert store.draft(first).attempts == 0


def test_pending_drafts_are_never_posted(store: Store, connector: FakeConnector,
                                         poster: Poster) -> None:
    comment = connector.push_comment("Hi")
    store.ingest("fake", "default", [comment], "1")
    store.create_draft(store.unprocessed()[0].pk, NewDraft(Status.PENDING, "awaiting",
                                                           reply_text="x"))
    assert poster.post_approved().posted == 0 and connector.post_calls == 0


def claim_as(store: Store, draft_id: int, owner: str, lease_s: float) -> None:
    store.claim(draft_id, owner, "other", datetime.now(UTC) + timedelta(seconds=lease_s))


def test_a_claim_whose_pid_was_reused_is_settled_once_its_lease_ends(
        store: Store, connector: FakeConnector) -> None:
    import os
    import socket

    draft_id = approved_draft(store, connector)
    # the owner died; its pid now belongs to a live process (here: our parent)
    claim_as(store, draft_id, f"{socket.gethostname()}:{os.getppid()}:dead0token", -1)
    fresh = Poster(store, {connector.name: connector}, actor="daemon", lease_s=3600)
    assert fresh.reconcile() == 1 and store.draft(draft_id).status == Status.APPROVED


def test_two_daemons_sharing_a_hostname_and_pid_leave_each_others_live_claims_alone(
        store: Store, connector: FakeConnector) -> None:
    import os
    import socket

    draft_id = approved_draft(store, connector)
    # another container: same hostname, same pid in its own namespace, a live lease
    twin = f"{socket.gethostname()}:{os.getpid()}:{'f' * 32}"
    claim_as(store, draft_id, twin, 60)
    us = Poster(store, {connector.name: connector}, actor="daemon", lease_s=1)
    assert us.reconcile() == 0 and store.draft(draft_id).claimed_by == twin
    assert us.post_approved().posted == 0 and connector.post_calls == 0


def test_a_stuck_claim_of_the_live_process_itself_is_settled_after_its_lease(
        store: Store, connector: FakeConnector, poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    claim_as(store, draft_id, poster.owner, -1)  # ours, and its lease ran out
    assert poster.reconcile() == 1 and store.draft(draft_id).status == Status.APPROVED


def test_an_edit_after_a_timeout_that_posted_does_not_post_again(
        store: Store, connector: FakeConnector, poster: Poster) -> None:
    draft_id = approved_draft(store, connector, text="24 clicks.")
    connector.fail_after_post.append(TransientError("read timed out"))
    assert poster.post(store.draft(draft_id)).status == Status.APPROVED
    store.edit_text(draft_id, "24 clicks on the C40.", "cli")  # the person edits meanwhile
    result = poster.post(store.draft(draft_id))
    assert result.status == Status.POSTED and result.reply_text == "24 clicks."  # what is live
    assert [r.text for r in connector.posted] == ["24 clicks."]


def test_a_reconciler_with_an_old_snapshot_cannot_steal_a_fresh_claim(
        store: Store, connector: FakeConnector) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_before_post.append(ProcessDied())
    with pytest.raises(ProcessDied):
        Poster(store, {connector.name: connector}, actor="dead").post(store.draft(draft_id))
    age_claim(store, draft_id, owner="gone-host:1:dead")
    stale_snapshot = store.draft(draft_id)  # the reconciler read this...
    store.transition(draft_id, Status.APPROVED, "settled by someone else", "test",
                     from_=[Status.POSTING])
    fresh = Poster(store, {connector.name: connector}, actor="other")
    store.claim(draft_id, fresh.owner, "other")  # ...then another process claimed it anew
    reconciler = Poster(store, {connector.name: connector}, actor="reconcile", lease_s=1)
    assert reconciler._settle(stale_snapshot, connector) == 0
    current = store.draft(draft_id)
    assert current.status == Status.POSTING and current.claimed_by == fresh.owner


def test_a_slow_post_renews_its_lease_so_no_one_settles_it_meanwhile(
        store: Store, connector: FakeConnector) -> None:
    import threading

    draft_id = approved_draft(store, connector)
    connector.post_delay_s = 1.5
    slow = Poster(store, {connector.name: connector}, actor="slow", lease_s=0.6)
    posting = threading.Thread(target=slow.post, args=(store.draft(draft_id),))
    posting.start()
    other = Poster(store, {connector.name: connector}, actor="other", lease_s=0.6)
    settled = 0
    while posting.is_alive():
        settled += other.reconcile()
    posting.join()
    assert settled == 0 and store.draft(draft_id).status == Status.POSTED
    assert len(connector.posted) == 1


def test_an_unexpected_exception_while_posting_leaves_the_draft_retryable(
        store: Store, connector: FakeConnector, poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_before_post.append(AttributeError("'str' object has no attribute 'get'"))
    result = poster.post(store.draft(draft_id))
    assert result.status == Status.APPROVED and "AttributeError" in (result.reason or "")
    assert store.audit(draft_id)[-1].to_status == Status.APPROVED


def test_a_failing_existence_check_never_fails_a_draft(store: Store,
                                                       connector: FakeConnector) -> None:
    clock = Clock()
    poster = Poster(store, {connector.name: connector}, actor="test", max_attempts=2,
                    clock=clock)
    draft_id = approved_draft(store, connector)
    connector.fail_after_post.append(TransientError("read timed out"))  # it went through
    connector.fail_find.extend(TransientError("503") for _ in range(5))
    for _ in range(6):
        poster.post_approved()
        clock.now += timedelta(hours=2)
    assert store.draft(draft_id).status == Status.APPROVED  # retryable, not failed
    poster.post_approved()  # the check works again: the live reply is found
    assert store.draft(draft_id).status == Status.POSTED and len(connector.posted) == 1


def test_a_quota_pause_parks_drafts_without_churn(store: Store, connector: FakeConnector,
                                                 poster: Poster) -> None:
    from connectors.errors import QuotaExceeded

    draft_id = approved_draft(store, connector)
    resume = datetime.now(UTC) + timedelta(hours=3)
    connector.fail_before_post.append(QuotaExceeded("quota spent", resume_at=resume))
    poster.post_approved()
    audit_before = len(store.audit(draft_id))
    for _ in range(5):
        assert poster.post_approved().deferred == 1
    draft = store.draft(draft_id)
    assert len(store.audit(draft_id)) == audit_before and connector.post_calls == 1
    assert (draft.status, draft.attempts, draft.attempted_texts) == (Status.APPROVED, 0, ())


def test_settle_finds_an_earlier_attempt_before_a_rejection(
        store: Store, connector: FakeConnector, poster: Poster) -> None:
    draft_id = approved_draft(store, connector)
    connector.fail_after_post.append(TransientError("read timed out"))
    poster.post(store.draft(draft_id))
    settled = poster.settle(store.draft(draft_id))
    assert settled is not None and settled.status == Status.POSTED
