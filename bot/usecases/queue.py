"""The approval queue's use cases: approve (and post), edit, reject. The CLI, the web page and
chat buttons all call these, so the rules live once.

An earlier attempt to post may already be live on the platform (a timeout can hide a reply that
was created), so before a person rejects, edits or re-approves a draft that was tried, the
platform is asked first; a reply found there settles the draft as posted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain import WAITING, DraftView, Status
from bot.errors import InvalidRequest
from bot.service.posting import Poster
from bot.state.store import Store
from connectors.base import Connector


class QueueParts(Protocol):
    """What the queue needs: the store, the enabled connectors and the poster."""

    @property
    def store(self) -> Store: ...
    @property
    def connectors(self) -> Mapping[str, Connector]: ...
    @property
    def poster(self) -> Poster: ...


@dataclass(frozen=True)
class Result:
    """A draft after a person's action, and whether that action did what was asked."""

    draft: DraftView
    #: the reply is out (or was meant to wait, with `later`), or the draft was rejected
    done: bool
    #: what a person should know beyond the draft's status
    note: str | None = None

    @property
    def summary(self) -> str:
        """One line for a person: the draft's status (and reply id), and the note."""
        said = f"draft {self.draft.id}: {self.draft.status}"
        if self.draft.status == Status.POSTED and self.draft.reply_id:
            said += f" as {self.draft.reply_id}"
        return f"{said} — {self.note}" if self.note else said


def listing(store: Store, status: str = "waiting", limit: int = 200,
            platform: str | None = None) -> list[DraftView]:
    """Drafts in a status (`waiting`: pending and flagged, `all`, or one status). The queue
    reads oldest first; history (posted, all, …) shows the most recent."""
    if status not in ("all", "waiting") and status not in set(Status):
        raise InvalidRequest(f"unknown status {status!r}: use waiting, "
                             f"{', '.join(Status)} or all")
    wanted = {"all": None, "waiting": WAITING}.get(status, status)
    newest = status not in ("waiting", Status.PENDING, Status.FLAGGED)
    return store.drafts(wanted, limit=limit, platform=platform, newest=newest)


def approve(parts: QueueParts, draft_id: int, actor: str, text: str | None = None,
            later: bool = False) -> Result:
    """Approve a draft (with the person's own text, if given) and post it now unless `later`."""
    if text is not None and not text.strip():
        raise InvalidRequest("the reply text is empty")
    current = parts.store.draft(draft_id)
    if current.status == Status.FLAGGED and text is None:
        raise InvalidRequest(f"draft {draft_id} was flagged with no reply drafted: give yours "
                             "with --text, or `queue reject` it")
    fields: dict[str, Any] = {"reply_text": text} if text is not None else {}
    if current.status == Status.FAILED:
        fields["attempts"] = 0  # a fresh set of tries; earlier texts are still checked first
        settled = _settle(parts, current)
        if settled is not None:
            return Result(settled, True, "an earlier attempt is already on the platform")
    reason = "approved with edits" if text is not None else "approved"
    draft = parts.store.transition(draft_id, Status.APPROVED, reason, actor,
                                   from_=[Status.PENDING, Status.FLAGGED, Status.FAILED],
                                   **fields)
    if later:
        return Result(draft, True)
    if draft.comment.platform not in parts.connectors:
        return Result(draft, True, f"approved; not posted now: connector "
                      f"{draft.comment.platform!r} is not enabled here")
    posted = parts.poster.post(draft)
    return Result(posted, posted.status == Status.POSTED)


def edit(parts: QueueParts, draft_id: int, text: str, actor: str) -> DraftView:
    """Replace a draft's reply; it stays in the queue until approved."""
    if not text.strip():
        raise InvalidRequest("the edited reply is empty; use `queue reject` to drop it")
    return parts.store.edit_text(draft_id, text.strip(), actor)


def reject(parts: QueueParts, draft_id: int, actor: str, reason: str = "rejected") -> Result:
    """Reject a draft so it is never posted, unless an earlier attempt is already live."""
    current = parts.store.draft(draft_id)
    settled = _settle(parts, current)
    if settled is not None:
        return Result(settled, False, "not rejected: an earlier attempt is already on the "
                      "platform")
    draft = parts.store.transition(draft_id, Status.REJECTED, reason, actor,
                                   from_=[Status.PENDING, Status.FLAGGED, Status.APPROVED,
                                          Status.FAILED])
    return Result(draft, True)


def _settle(parts: QueueParts, draft: DraftView) -> DraftView | None:
    """The draft as posted, if an earlier attempt of it is live on the platform."""
    if not draft.attempted_texts or draft.comment.platform not in parts.connectors:
        return None
    return parts.poster.settle(draft)
