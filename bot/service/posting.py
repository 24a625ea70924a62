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
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock, utcnow
from bot.domain import DraftView, Status
from bot.errors import InvalidTransition
from bot.log import comment_context, log
from bot.service.pacing import Pacing
from bot.state.store import Store
from connectors.base import Connector, PostedReply
from connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    QuotaExceeded,
)

#: the longest wait between tries of a post that failed in a way that may clear up
MAX_BACKOFF_S = 3600.0


def owner_token() -> str:
    """Who holds a claim: a random token per process. Host and pid are in it for people
    reading the audit; they are never used to judge a claim (both are reused, and containers
    share them). Only the lease's expiry is."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def backoff_s(attempts: int, first_s: float = 30.0) -> float:
    return float(min(MAX_BACKOFF_S, first_s * 2 ** max(0, attempts - 1)))


@dataclass
class PostReport:
    posted: int = 0
    failed: int = 0
    deferred: int = 0
    posted_by_platform: dict[str, int] = field(default_factory=dict)

    def count(self, result: DraftView) -> None:
        self.posted += result.status == Status.POSTED
        self.failed += result.status == Status.FAILED
        if result.status == Status.POSTED:
            platform = result.comment.platform
            self.posted_by_platform[platform] = self.posted_by_platform.get(platform, 0) + 1


class Poster:
    """Moves approved drafts to posted (or failed, with a reason)."""

    def __init__(self, store: Store, connectors: dict[str, Connector], actor: str,
                 max_attempts: int = 5, lease_s: float = 300.0, clock: Clock = utcnow,
                 retry_after_s: float = 30.0) -> None:
        self.store = store
        self.retry_after_s = retry_after_s
        self.connectors = connectors
        self.actor = actor
        self.max_attempts = max_attempts
        self.lease_s = lease_s
        self.clock = clock
        self.owner = owner_token()
        #: platforms whose quota is spent, until when: their drafts are not claimed meanwhile
        self.paused_until: dict[str, datetime] = {}
        #: what the last reconcile found posted (counted with the cycle's posts)
        self.reconciled = PostReport()

    def post(self, draft: DraftView) -> DraftView:
        """Post one approved draft. Raises AuthError/QuotaExceeded for the caller to pause."""
        with comment_context(draft.comment.platform, draft.comment.comment_id, draft_id=draft.id):
            connector = self.connectors.get(draft.comment.platform)
            if connector is None:
                log.warning("connector not enabled; reply stays approved")
                return draft
            claimed = self.store.claim(draft.id, self.owner, self.actor,
                                       lease_until=self._lease_end())
            if claimed is None:
                log.info("claimed elsewhere; not posting")
                return self.store.draft(draft.id)
            with self._renewing(claimed):
                return self._post_claimed(claimed, connector)

    def _lease_end(self) -> datetime:
        return self.clock() + timedelta(seconds=self.lease_s)

    @contextmanager
    def _renewing(self, draft: DraftView) -> Iterator[None]:
        """Renew the lease every third of it while the platform call runs."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.lease_s / 3):
                try:
                    self.store.claims_repo.renew(draft.id, self.owner, self._lease_end())
                except Exception:  # a missed renewal only shortens the lease
                    log.warning("could not renew the lease", exc_info=True)

        thread = threading.Thread(target=renew, daemon=True, name=f"lease-{draft.id}")
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    def _post_claimed(self, draft: DraftView, connector: Connector) -> DraftView:
        claim = draft.claimed_by
        checked = False
        try:
            if len(draft.attempted_texts) > 1:  # tried before: that try may have gone through
                existing = connector.find_reply(draft.comment, draft.attempted_texts)
                checked = True
                if existing:
                    return self._posted(draft, existing, "found on the platform before retrying",
                                        claim)
            self.store.claims_repo.renew(draft.id, self.owner, self._lease_end())
            reply = connector.post_reply(draft.comment, draft.reply_text or "")
        except (AuthError, QuotaExceeded) as exc:
            self._pause(draft, exc, claim)
            raise
        except PermanentError as exc:
            log.warning("reply refused by platform", error=str(exc), code=exc.code)
            return self.store.transition(draft.id, Status.FAILED, str(exc), self.actor,
                                         from_=[Status.POSTING],
                                         claim=claim)
        except Exception as exc:  # transient, or a failure of unexpected type: try again later
            return self._retry_later(draft, exc, claim, checked)
        return self._posted(draft, reply, "posted", claim)

    def _pause(self, draft: DraftView, exc: AuthError | QuotaExceeded, claim: str | None) -> None:
        """Give the claim back as if it never happened: the platform was not reached, or it
        refused before posting, so neither the attempt nor its text counts."""
        if isinstance(exc, QuotaExceeded):
            self.paused_until[draft.comment.platform] = exc.resume_at
        self.store.transition(draft.id, Status.APPROVED, f"paused: {exc}", self.actor,
                              from_=[Status.POSTING], claim=claim, attempts=draft.attempts - 1,
                              attempted_texts=list(draft.attempted_texts[:-1]))

    def _retry_later(self, draft: DraftView, exc: Exception, claim: str | None,
                     checked: bool) -> DraftView:
        """Back to approved, not before a backoff. Given up only after `max_attempts` tries
        where the platform was asked and had no reply of ours: a failed existence check never
        fails a draft (the reply may be live)."""
        error = str(exc) if isinstance(exc, ConnectorError) else f"{type(exc).__name__}: {exc}"
        if draft.attempts >= self.max_attempts and checked:
            log.error("giving up after retries", attempts=draft.attempts, error=error)
            return self.store.transition(draft.id, Status.FAILED, f"gave up after {draft.attempts} "
                                         f"attempts: {error}", self.actor, from_=[Status.POSTING],
                                         claim=claim)
        wait = backoff_s(draft.attempts, self.retry_after_s)
        log.warning("post failed; will retry", attempts=draft.attempts, error=error,
                    retry_in_s=wait, exc_info=not isinstance(exc, ConnectorError))
        return self.store.transition(draft.id, Status.APPROVED, f"retry later: {error}",
                                     self.actor, from_=[Status.POSTING], claim=claim,
                                     next_attempt_at=self.clock() + timedelta(seconds=wait))

    def _posted(self, draft: DraftView, reply: PostedReply, reason: str,
                claim: str | None,
                from_: tuple[str, ...] = (Status.POSTING,)) -> DraftView:
        log.info("reply posted", reply_id=reply.reply_id, reason=reason)
        return self.store.transition(draft.id, Status.POSTED, reason, self.actor, from_=list(from_),
                                     claim=claim, reply_id=reply.reply_id, reply_text=reply.text,
                                     posted_at=reply.posted_at or self.clock())

    def settle(self, draft: DraftView) -> DraftView | None:
        """For a draft whose earlier post attempt may have gone through: posted if it did.

        Used before a person rejects or edits a draft that was already tried.
        """
        connector = self.connectors.get(draft.comment.platform)
        if connector is None or not draft.attempted_texts or draft.status == Status.POSTING:
            return None
        existing = connector.find_reply(draft.comment, draft.attempted_texts)
        if existing is None:
            return None
        return self._posted(draft, existing, "found on the platform", None,
                            from_=(draft.status,))

    # -- recovery -------------------------------------------------------------------------------

    def reconcile(self) -> int:
        """Settle `posting` rows whose lease ran out, whoever held them (this process too):
        posted if the platform has our reply, else approved again."""
        settled = 0
        self.reconciled = PostReport()
        expired = set(self.store.claims_repo.expired(self.clock(), self.lease_s))
        for draft in self.store.drafts(Status.POSTING):
            connector = self.connectors.get(draft.comment.platform)
            if draft.id not in expired or connector is None:
                continue
            with comment_context(draft.comment.platform, draft.comment.comment_id,
                                 draft_id=draft.id):
                settled += self._settle(draft, connector)
        return settled

    def _settle(self, draft: DraftView, connector: Connector) -> int:
        claim = draft.claimed_by  # only if nobody has claimed it since
        try:
            existing = connector.find_reply(draft.comment, draft.attempted_texts
                                            or (draft.reply_text or "",))
        except Exception as exc:  # unknown is not absent: try again next cycle
            log.warning("cannot check the platform yet", error=f"{type(exc).__name__}: {exc}")
            return 0
        try:
            if existing:
                self.reconciled.count(self._posted(
                    draft, existing, "found on the platform after an interruption", claim))
            else:
                self.store.transition(draft.id, Status.APPROVED, "not on the platform after an "
                                      "interruption; will post again", "reconcile",
                                      from_=[Status.POSTING], claim=claim)
                log.info("interrupted post not found; back to approved")
        except InvalidTransition:
            return 0
        return 1

    def post_approved(self, should_stop: object = None, pacing: Pacing | None = None,
                      wait: Callable[[float], bool] | None = None) -> PostReport:
        """Post every approved draft, paced, until asked to stop.

        `wait(seconds)` sleeps between posts and returns True when asked to stop.
        """
        report = PostReport()
        paused: set[str] = self._quota_paused()
        posted_before = False
        waiting = self.store.claims_repo.not_due(self.clock())
        for draft in self.store.drafts(Status.APPROVED):
            if callable(should_stop) and should_stop():
                break
            platform = draft.comment.platform
            if draft.id in waiting:
                report.deferred += 1
                continue
            if platform not in paused and pacing is not None:
                limit = pacing.blocked(platform)
                if limit:
                    log.info("posting paced; the rest waits", platform=platform, limit=limit)
                    paused.add(platform)
                elif posted_before and wait is not None and wait(pacing.gap_s()):
                    break
            if platform in paused:
                report.deferred += 1
                continue
            try:
                result = self.post(draft)
            except InvalidTransition as exc:  # another process moved it meanwhile
                log.info("draft changed elsewhere while posting", draft_id=draft.id,
                         error=str(exc))
                continue
            except (AuthError, QuotaExceeded) as exc:
                log.error("posting paused for platform", platform=draft.comment.platform,
                          error=str(exc))
                paused.add(draft.comment.platform)
                report.deferred += 1
                continue
            report.count(result)
            posted_before = posted_before or result.status == Status.POSTED
        return report

    def _quota_paused(self) -> set[str]:
        """Platforms whose quota is still spent: their drafts stay approved, unclaimed."""
        now = self.clock()
        self.paused_until = {p: t for p, t in self.paused_until.items() if t > now}
        return set(self.paused_until)
