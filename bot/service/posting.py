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
from collections.abc import Callable
from dataclasses import dataclass, field

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
    posted_by_platform: dict[str, int] = field(default_factory=dict)


class Poster:
    """Moves approved drafts to posted (or failed, with a reason)."""

    def __init__(self, store: Store, connectors: dict[str, Connector], actor: str,
                 max_attempts: int = 5, lease_s: float = 300.0, clock: Clock = utcnow) -> None:
        self.store = store
        self.connectors = connectors
        self.actor = actor
        self.max_attempts = max_attempts
        self.lease_s = lease_s
        self.clock = clock
        self.owner = owner_token()

    def post(self, draft: DraftView) -> DraftView:
        """Post one approved draft. Raises AuthError/QuotaExceeded for the caller to pause."""
        with comment_context(draft.comment.platform, draft.comment.comment_id, draft_id=draft.id):
            connector = self.connectors.get(draft.comment.platform)
            if connector is None:
                log.warning("connector not enabled; reply stays approved")
                return draft
            claimed = self.store.claim(draft.id, self.owner, self.actor)
            if claimed is None:
                log.info("claimed elsewhere; not posting")
                return self.store.draft(draft.id)
            return self._post_claimed(claimed, connector)

    def _post_claimed(self, draft: DraftView, connector: Connector) -> DraftView:
        claim = draft.claimed_by
        try:
            if len(draft.attempted_texts) > 1:  # tried before: that try may have gone through
                existing = connector.find_reply(draft.comment, draft.attempted_texts)
                if existing:
                    return self._posted(draft, existing, "found on the platform before retrying",
                                        claim)
            reply = connector.post_reply(draft.comment, draft.reply_text or "")
        except (AuthError, QuotaExceeded) as exc:
            # a pause is not a failed try: give the attempt back
            self.store.transition(draft.id, Status.APPROVED, f"paused: {exc}", self.actor,
                                  from_=[Status.POSTING], claim=claim, attempts=draft.attempts - 1)
            raise
        except PermanentError as exc:
            log.warning("reply refused by platform", error=str(exc), code=exc.code)
            return self.store.transition(draft.id, Status.FAILED, str(exc), self.actor,
                                         from_=[Status.POSTING],
                                         claim=claim)
        except ConnectorError as exc:
            return self._retry_later(draft, exc, claim)
        return self._posted(draft, reply, "posted", claim)

    def _retry_later(self, draft: DraftView, exc: Exception,
                     claim: str | None) -> DraftView:
        if draft.attempts >= self.max_attempts:
            log.error("giving up after retries", attempts=draft.attempts, error=str(exc))
            return self.store.transition(draft.id, Status.FAILED, f"gave up after {draft.attempts} "
                                         f"attempts: {exc}", self.actor, from_=[Status.POSTING],
                                         claim=claim)
        log.warning("post failed; will retry next cycle", attempts=draft.attempts, error=str(exc))
        return self.store.transition(draft.id, Status.APPROVED, f"retry later: {exc}", self.actor,
                                     from_=[Status.POSTING], claim=claim)

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

    def _claim_is_live(self, draft: DraftView) -> bool:
        host, _, rest = (draft.claimed_by or "").partition(":")
        pid_text, _, _nonce = rest.partition(":")
        if host == socket.gethostname() and pid_text.isdigit():
            pid = int(pid_text)
            if pid == os.getpid():  # ours only if it is this poster's; else an earlier life
                return draft.claimed_by == self.owner
            return _pid_alive(pid)  # a live process on this host is trusted however slow
        # another machine's claim (or an unreadable one): trust it until the lease runs out
        age = (self.clock() - draft.claimed_at).total_seconds() if draft.claimed_at \
            else float("inf")
        return age <= self.lease_s

    def reconcile(self) -> int:
        """Settle `posting` rows whose owner died: posted if the platform has our reply."""
        settled = 0
        for draft in self.store.drafts(Status.POSTING):
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
        claim = draft.claimed_by  # only if nobody has claimed it since
        try:
            existing = connector.find_reply(draft.comment, draft.attempted_texts
                                            or (draft.reply_text or "",))
        except ConnectorError as exc:
            log.warning("cannot check the platform yet", error=str(exc))
            return 0
        try:
            if existing:
                self._posted(draft, existing, "found on the platform after an interruption",
                             claim)
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
        paused: set[str] = set()
        posted_before = False
        for draft in self.store.drafts(Status.APPROVED):
            if callable(should_stop) and should_stop():
                break
            platform = draft.comment.platform
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
            report.posted += result.status == Status.POSTED
            report.failed += result.status == Status.FAILED
            posted_before = posted_before or result.status == Status.POSTED
            if result.status == Status.POSTED:
                platform = result.comment.platform
                report.posted_by_platform[platform] = report.posted_by_platform.get(platform, 0) + 1
        return report
