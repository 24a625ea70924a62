"""Rows to the domain's records: what the repositories hand out instead of ORM objects."""

from __future__ import annotations

from bot.domain import DraftView, ModelView
from bot.state.schema import CommentRow, DraftRow, ModelRow
from connectors.base import Comment


def model_view(row: ModelRow) -> ModelView:
    return ModelView(**{f: getattr(row, f) for f in ModelView.__dataclass_fields__})


def comment_of(row: CommentRow) -> Comment:
    return Comment(
        platform=row.platform, comment_id=row.comment_id, author=row.author,
        author_id=row.author_id, text=row.text, video_id=row.video_id,
        video_title=row.video_title, published_at=row.published_at, parent_id=row.parent_id,
        reply_to=row.reply_to, is_own=row.is_own, can_reply=row.can_reply, raw=row.raw or {},
    )


def draft_view(draft: DraftRow, comment: CommentRow) -> DraftView:
    return DraftView(
        id=draft.id, status=draft.status, comment=comment_of(comment), comment_pk=comment.id,
        reply_text=draft.reply_text, draft_text=draft.draft_text, model=draft.model,
        context=list(draft.context or []), triage_label=draft.triage_label,
        triage_reason=draft.triage_reason, reason=draft.reason, reply_id=draft.reply_id,
        posted_at=draft.posted_at, claimed_by=draft.claimed_by, claimed_at=draft.claimed_at,
        attempts=draft.attempts, created_at=draft.created_at, updated_at=draft.updated_at,
        attempted_texts=tuple(draft.attempted_texts or ()),
    )
