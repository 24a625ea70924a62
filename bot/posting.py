"""Post approved replies at most once.

A draft is claimed (approved → posting, compare-and-set) before the platform call, so two
processes cannot post it both. If a process dies during the call, the row stays `posting`; the
next cycle reconciles it by asking the platform whether our reply exists under the parent. Any
retry after a failure asks the platform first too, because a timeout can hide a reply that was
created.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import InvalidTransition
from bot.log import comment_context, log
from bot.store import APPROVED, FAILED, POSTED, POSTING, DraftView, Store
from connectors.base import Connector, PostedReply
from connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    QuotaExceeded,
    TransientError,
)


def owner_token() -> str:
    """Who holds a claim: host, process and a per-process nonce (PIDs are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class PostReport:
    posted: int = 0
    failed: int = 0
    deferred: int = 0


class Poster:
    """Moves approved drafts to posted (or failed, with a reason)."""

    def __init__(self, store: Store, connectors: dict[str, Connector], actor: str,
                 max_attempts: int = 5, lease_s: float = 300.0) -> None:
        self.store = store
        self.connectors = connectors
        self.actor = actor
        self.max_attempts = max_attempts
        self.lease_s = lease_s
        self.owner = owner_token()

    def post(self, draft: DraftView) -> DraftView:
        """Post one approved draft. Raises AuthError/QuotaExceeded for the caller to pause."""
        with comment_context(draft.comment.platform, draft.comment.comment_id, draft_id=draft.id):
            connector = self.connectors.get(draft.comment.platform)
            if connector is None:
                log.warning("connector not enabled; reply stays approved")
                return draft
            try:
                claimed = self.store.transition(
                    draft.id, POSTING, "posting", self.actor, from_=[APPROVED],
                    claimed_by=self.owner, claimed_at=datetime.now(UTC),
                    attempts=draft.attempts + 1)
            except InvalidTransition:
                log.info("claimed elsewhere; not posting")
                return self.store.draft(draft.id)
            return self._post_claimed(claimed, connector)

    def _post_claimed(self, draft: DraftView, connector: Connector) -> DraftView:
        text = draft.reply_text or ""
        try:
            if draft.attempts > 1:  # a retry: the earlier try may have gone through
                existing = connector.find_reply(draft.comment, text)
                if existing:
                    return self._posted(draft, existing, "found on the platform before retrying")
            reply = connector.post_reply(draft.comment, text)
        except (AuthError, QuotaExceeded) as exc:
            self.store.transition(draft.id, APPROVED, f"paused: {exc}", self.actor,
                                  from_=[POSTING], attempts=draft.attempts - 1)
            raise
        except PermanentError as exc:
            log.warning("reply refused by platform", error=str(exc), code=exc.code)
            return self.store.transition(draft.id, FAILED, str(exc), self.actor, from_=[POSTING])
        except (TransientError, ConnectorError) as exc:
            return self._retry_later(draft, exc)
        return self._posted(draft, reply, "posted")

    def _retry_later(self, draft: DraftView, exc: Exception) -> DraftView:
        if draft.attempts >= self.max_attempts:
            log.error("giving up after retries", attempts=draft.attempts, error=str(exc))
            return self.store.transition(draft.id, FAILED, f"gave up after {draft.attempts} "
                                         f"attempts: {exc}", self.actor, from_=[POSTING])
        log.warning("post failed; will retry next cycle", attempts=draft.attempts, error=str(exc))
        return self.store.transition(draft.id, APPROVED, f"retry later: {exc}", self.actor,
                                     from_=[POSTING])

    def _posted(self, draft: DraftView, reply: PostedReply, reason: str) -> DraftView:
        log.info("reply posted", reply_id=reply.reply_id, reason=reason)
        return self.store.transition(draft.id, POSTED, reason, self.actor, from_=[POSTING],
                                     reply_id=reply.reply_id,
                                     posted_at=reply.posted_at or datetime.now(UTC))

    # -- recovery -------------------------------------------------------------------------------

    def _claim_is_live(self, draft: DraftView) -> bool:
        if draft.claimed_at and (datetime.now(UTC) - draft.claimed_at).total_seconds() \
                > self.lease_s:
            return False
        host, _, rest = (draft.claimed_by or "").partition(":")
        pid_text, _, _nonce = rest.partition(":")
        if host != socket.gethostname() or not pid_text.isdigit():
            return True  # another machine's claim: trust it until the lease runs out
        pid = int(pid_text)
        if pid == os.getpid():
            return draft.claimed_by == self.owner
        return _pid_alive(pid)

    def reconcile(self) -> int:
        """Settle `posting` rows whose owner died: posted if the platform has our reply."""
        settled = 0
        for draft in self.store.drafts(POSTING):
            if self._claim_is_live(draft):
                continue
            connector = self.connectors.get(draft.comment.platform)
            if connector is None:
                continue
            with comment_context(draft.comment.platform, draft.comment.comment_id,
                                 draft_id=draft.id):
                settled += self._settle(draft, connector)
        return settled

    def _settle(self, draft: DraftView, connector: Connector) -> int:
        try:
            existing = connector.find_reply(draft.comment, draft.reply_text or "")
        except ConnectorError as exc:
            log.warning("cannot check the platform yet", error=str(exc))
            return 0
        try:
            if existing:
                self._posted(draft, existing, "found on the platform after an interruption")
            else:
                self.store.transition(draft.id, APPROVED, "not on the platform after an "
                                      "interruption; will post again", "reconcile",
                                      from_=[POSTING])
                log.info("interrupted post not found; back to approved")
        except InvalidTransition:
            return 0
        return 1

    def post_approved(self, should_stop: object = None) -> PostReport:
        """Post every approved draft, connector by connector, until asked to stop."""
        report = PostReport()
        paused: set[str] = set()
        for draft in self.store.drafts(APPROVED):
            if callable(should_stop) and should_stop():
                break
            if draft.comment.platform in paused:
                report.deferred += 1
                continue
            try:
                result = self.post(draft)
            except (AuthError, QuotaExceeded) as exc:
                log.error("posting paused for platform", platform=draft.comment.platform,
                          error=str(exc))
                paused.add(draft.comment.platform)
                report.deferred += 1
                continue
            report.posted += result.status == POSTED
            report.failed += result.status == FAILED
        return report
