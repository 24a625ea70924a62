"""The creator's voice on record: voice examples, fine-tuned models, and the posted replies
that training may learn from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.domain import DraftView, ModelView, Status, VoiceExample
from bot.errors import NotFound
from bot.state.database import Repository
from bot.state.records import draft_view, model_view
from bot.state.schema import AuditRow, CommentRow, DraftRow, ModelRow, VoiceExampleRow


class VoiceRepository(Repository):
    """Voice examples and model records, and the replies a person stood behind."""

    def approved_by_person(self, since: datetime | None = None) -> list[DraftView]:
        """Posted replies a person approved (perhaps edited): drafts that started out waiting
        in the queue. Auto-posted replies are the model's own words, not the creator's."""
        waited = (select(AuditRow.draft_id)
                  .where(AuditRow.from_status.is_(None),
                         AuditRow.to_status.in_([Status.PENDING, Status.FLAGGED])))
        query = (select(DraftRow, CommentRow)
                 .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                 .where(DraftRow.status == Status.POSTED, DraftRow.id.in_(waited))
                 .order_by(DraftRow.id))
        if since is not None:
            query = query.where(DraftRow.posted_at >= since)
        with self.db.transaction() as session:
            return [draft_view(d, c) for d, c in session.execute(query).all()]

    def posted_reply_ids(self, platform: str) -> set[str]:
        """Ids of the replies replybot posted on a platform."""
        query = (select(DraftRow.reply_id).join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                 .where(CommentRow.platform == platform, DraftRow.reply_id.is_not(None)))
        with self.db.transaction() as session:
            return {str(r) for r in session.scalars(query)}

    def add_voice_examples(self, examples: Iterable[dict[str, Any]]) -> int:
        """Store examples; one per platform, comment and source. Returns how many were new."""
        added = 0
        with self.db.transaction() as session:
            for values in examples:
                statement = (self.db.insert_ignore(VoiceExampleRow.__table__)
                             .values(created_at=self.clock(), **values)
                             .returning(VoiceExampleRow.id))
                added += session.execute(statement).first() is not None
        return added

    def voice_examples(self, status: str | None = None,
                       source: str | None = None) -> list[VoiceExample]:
        query = select(VoiceExampleRow).order_by(VoiceExampleRow.id)
        if status is not None:
            query = query.where(VoiceExampleRow.status == status)
        if source is not None:
            query = query.where(VoiceExampleRow.source == source)
        with self.db.transaction() as session:
            return [VoiceExample(**{f: getattr(r, f) for f in VoiceExample.__dataclass_fields__})
                    for r in session.scalars(query)]

    def set_voice_status(self, ids: Iterable[int], status: str, from_: str) -> int:
        """Move examples from one status to another; returns how many moved."""
        with self.db.transaction() as session:
            moved = session.execute(update(VoiceExampleRow)
                                    .where(VoiceExampleRow.id.in_(list(ids)),
                                           VoiceExampleRow.status == from_)
                                    .values(status=status).returning(VoiceExampleRow.id))
            return len(moved.all())

    def add_model(self, **fields: Any) -> ModelView:
        with self.db.transaction() as session:
            row = ModelRow(**{"created_at": self.clock(), **fields})
            session.add(row)
            session.flush()
            return model_view(row)

    def update_model(self, model_id: int, **fields: Any) -> ModelView:
        with self.db.transaction() as session:
            row = session.get(ModelRow, model_id)
            if row is None:
                raise NotFound(f"no model record {model_id}: see `replybot voice models`")
            for key, value in fields.items():
                setattr(row, key, value)
            session.flush()
            return model_view(row)

    def models(self) -> list[ModelView]:
        with self.db.transaction() as session:
            return [model_view(r) for r in session.scalars(select(ModelRow).order_by(ModelRow.id))]

    def model_record(self, job_or_model: str) -> ModelView | None:
        """The record of a job id or a model id (the newest, if a model was recorded twice)."""
        with self.db.transaction() as session:
            row = session.scalars(
                select(ModelRow).where((ModelRow.job_id == job_or_model)
                                       | (ModelRow.model == job_or_model))
                .order_by(ModelRow.id.desc())).first()
            return model_view(row) if row else None
