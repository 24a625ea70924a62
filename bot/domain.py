"""The vocabulary every layer shares: draft statuses, triage labels, policy actions, and the plain
records that pass between the stages and the store.

Values are `StrEnum`s, so they are stored, logged and printed as the same strings as before
(`Status.PENDING == "pending"`), and a typo is a NameError instead of a silent mismatch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from connectors.base import Comment


class Status(StrEnum):
    """Where a draft is (DESIGN.md's state machine)."""

    PENDING = "pending"
    #: set aside for a person by the policy, with no draft: they write the reply or dismiss it
    FLAGGED = "flagged"
    APPROVED = "approved"
    POSTING = "posting"
    POSTED = "posted"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    FAILED = "failed"


#: what waits for a person: drafts to approve and comments flagged for them
WAITING = (Status.PENDING, Status.FLAGGED)

#: Where a draft may go from each state (None: the draft is being created).
TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.PENDING, Status.APPROVED, Status.SKIPPED, Status.FAILED,
                     Status.FLAGGED}),
    Status.PENDING: frozenset({Status.APPROVED, Status.REJECTED}),
    Status.FLAGGED: frozenset({Status.APPROVED, Status.REJECTED}),
    # approved/failed → posted only when the platform shows an earlier attempt went through
    Status.APPROVED: frozenset({Status.POSTING, Status.REJECTED, Status.PENDING, Status.POSTED}),
    Status.POSTING: frozenset({Status.POSTED, Status.APPROVED, Status.FAILED}),
    Status.FAILED: frozenset({Status.APPROVED, Status.REJECTED, Status.POSTED}),
    Status.SKIPPED: frozenset({Status.PENDING}),
    Status.REJECTED: frozenset(),
    Status.POSTED: frozenset(),
}


class Label(StrEnum):
    """What triage calls a comment. The first eight are classes the policy acts on; the rest
    are outcomes that are never answered, whatever the policy says."""

    QUESTION = "question"
    PRAISE = "praise"
    FEEDBACK = "feedback"
    REQUEST = "request"
    OFF_TOPIC = "off_topic"
    SPAM = "spam"
    TOXIC = "toxic"
    NEEDS_HUMAN = "needs_human"
    OWN = "own"
    CANNOT_REPLY = "cannot_reply"
    EMPTY = "empty"
    #: this viewer already has a reply in the thread and is not asking again
    ANSWERED = "answered"


#: the classes `[policy.actions]` sets an action for (and the classifier's labels)
CLASSES = (Label.QUESTION, Label.PRAISE, Label.FEEDBACK, Label.REQUEST, Label.OFF_TOPIC,
           Label.SPAM, Label.TOXIC, Label.NEEDS_HUMAN)
#: never answered, whatever the policy says
NOT_CLASSES = (Label.OWN, Label.CANNOT_REPLY, Label.EMPTY, Label.ANSWERED)
#: a classifier calls these on its own only when it is sure
HARMFUL = (Label.SPAM, Label.TOXIC, Label.NEEDS_HUMAN)
#: the classes a reply is drafted for when the policy lets it
ANSWERED_CLASSES = (Label.QUESTION, Label.PRAISE, Label.FEEDBACK, Label.REQUEST)


class Action(StrEnum):
    """What the policy does with a class: draft and maybe post (auto), draft for a person
    (queue), leave it (skip), or set it aside for a person with no draft (flag)."""

    AUTO = "auto"
    QUEUE = "queue"
    SKIP = "skip"
    FLAG = "flag"


class Mode(StrEnum):
    APPROVE = "approve"
    AUTO = "auto"


class ExampleStatus(StrEnum):
    """A voice example: ready for few-shot and training, waiting for review, or dropped."""

    READY = "ready"
    REVIEW = "review"
    DROPPED = "dropped"


class ExampleSource(StrEnum):
    HISTORY = "history"
    SYNTHESIZED = "synthesized"


@dataclass(frozen=True)
class Moderation:
    """A moderation endpoint's verdict on a text."""

    flagged: bool
    categories: tuple[str, ...] = ()


def sources_from(rows: list[dict[str, Any]]) -> list[str]:
    """Distinct sources of a draft's context, in order of first appearance."""
    return list(dict.fromkeys(str(row.get("source", "")) for row in rows))


@dataclass(frozen=True)
class StoredComment:
    """A comment as stored, with its row id."""

    pk: int
    comment: Comment
    fetched_at: datetime


@dataclass(frozen=True)
class DraftView:
    """A draft and the comment it answers."""

    id: int
    status: str
    comment: Comment
    comment_pk: int
    reply_text: str | None
    draft_text: str | None
    model: str | None
    context: list[dict[str, Any]]
    triage_label: str | None
    triage_reason: str | None
    reason: str | None
    reply_id: str | None
    posted_at: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    attempted_texts: tuple[str, ...] = ()

    @property
    def sources(self) -> list[str]:
        return sources_from(self.context)

    def to_json(self) -> dict[str, Any]:
        c = self.comment
        return {
            "id": self.id, "platform": c.platform, "comment_id": c.comment_id,
            "author": c.author, "comment": c.text, "video_id": c.video_id,
            "video_title": c.video_title, "reply": self.reply_text,
            "draft": self.draft_text, "status": self.status, "sources": self.sources,
            "triage": self.triage_label, "triage_reason": self.triage_reason,
            "reason": self.reason, "model": self.model, "reply_id": self.reply_id,
            "attempts": self.attempts, "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
        }


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    draft_id: int | None
    from_status: str | None
    to_status: str
    actor: str
    reason: str
    detail: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True)
class NewDraft:
    """What the pipeline decided for a comment, ready to be stored."""

    status: Status
    reason: str
    reply_text: str | None = None
    model: str | None = None
    context: list[dict[str, Any]] = field(default_factory=list)
    triage_label: str | None = None
    triage_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    #: triage, guard and policy, with reasons: kept in the audit log
    decisions: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelView:
    """A fine-tuning job and its model, as stored."""

    id: int
    job_id: str | None
    base_model: str
    model: str | None
    method: str
    suffix: str | None
    status: str
    training_file: str | None
    validation_file: str | None
    train_examples: int | None
    valid_examples: int | None
    train_tokens: int | None
    epochs: int | None
    metrics: dict[str, Any] | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    promoted_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created_at", "finished_at", "promoted_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class VoiceExample:
    """A reply in the creator's voice from outside the queue (see VoiceExampleRow)."""

    id: int
    source: str
    platform: str
    comment_id: str
    author: str
    comment: str
    video_title: str | None
    reply: str
    context: list[dict[str, Any]]
    status: str
    model: str | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data
