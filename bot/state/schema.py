"""Database tables. Changes go in a new Alembic migration under bot/migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.clock import utcnow  # column defaults only: the repositories stamp rows with their clock


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the zone, so it is put back)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CommentRow(Base):
    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("platform", "comment_id", name="uq_comments_platform_id"),
                      Index("ix_comments_drafting_by", "drafting_by"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[str | None] = mapped_column(String(255))
    reply_to: Mapped[str | None] = mapped_column(String(255))
    author: Mapped[str] = mapped_column(String(255))
    author_id: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)
    video_id: Mapped[str | None] = mapped_column(String(255))
    video_title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    can_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # failed drafting attempts (a comment that keeps failing is marked failed, not retried forever)
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # the worker drafting this comment now, and until when its lease holds (one model call each)
    drafting_by: Mapped[str | None] = mapped_column(String(64))
    drafting_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DraftRow(Base):
    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_pk: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    reply_text: Mapped[str | None] = mapped_column(Text)
    draft_text: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(255))
    context: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    triage_label: Mapped[str | None] = mapped_column(String(32))
    triage_reason: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    reply_id: Mapped[str | None] = mapped_column(String(255))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a claim is a lease: another process may settle it only after this time
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # after a failure that may clear up, the draft is not tried again before this time
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the text of every claim to post, so a retry recognises an earlier attempt that went through
    attempted_texts: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditRow(Base):
    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_draft", "draft_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    comment_pk: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the decisions behind a new draft: triage, guard, policy (with their reasons)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CursorRow(Base):
    __tablename__ = "cursors"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    feed: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuotaRow(Base):
    """API units a platform has spent on one quota day (YouTube: a Pacific-time date)."""

    __tablename__ = "quota_usage"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ServiceState(Base):
    """Small facts about the running service (last successful cycle, …), for health checks."""

    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelRow(Base):
    """A fine-tuning job and the model it made (or a model promoted by hand: no job)."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    base_model: Mapped[str] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(16))
    suffix: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    training_file: Mapped[str | None] = mapped_column(String(255))
    validation_file: Mapped[str | None] = mapped_column(String(255))
    train_examples: Mapped[int | None] = mapped_column(Integer)
    valid_examples: Mapped[int | None] = mapped_column(Integer)
    train_tokens: Mapped[int | None] = mapped_column(Integer)
    epochs: Mapped[int | None] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VoiceExampleRow(Base):
    """A reply in the creator's voice that did not come through the queue: imported from the
    platform (`history`, ready) or written by a stronger model (`synthesized`, for review)."""

    __tablename__ = "voice_examples"
    __table_args__ = (UniqueConstraint("platform", "comment_id", "source",
                                       name="uq_voice_example"),
                      Index("ix_voice_examples_status", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[str] = mapped_column(String(255))
    author: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text)
    video_title: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    context: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkerRow(Base):
    """A running `replybot run` process, as it last said it was alive."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random per process
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(32))
    # the owner token its poster writes into drafts.claimed_by, so claims join to workers
    claim_owner: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeaseRow(Base):
    """Who may do a job alone (`feed:PLATFORM:FEED`: poll that feed) and until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PacingRow(Base):
    """When the next reply may be posted on its own on a platform, shared by every worker."""

    __tablename__ = "pacing"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_post_at: Mapped[datetime] = mapped_column(UTCDateTime())
