"""What was already replied: the reads behind pacing, the hourly cap and the repeat checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.domain import Status
from bot.state.database import Repository
from bot.state.schema import CommentRow, DraftRow, UTCDateTime
from connectors.base import Comment

# A reply counts as given once it is waiting, approved, on its way or posted.
GIVEN = (Status.PENDING, Status.APPROVED, Status.POSTING, Status.POSTED)


class ReplyHistory(Repository):
    """Replies per platform, by time, text and thread."""

    def posted_since(self, platform: str, since: datetime) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(
                select(func.count()).select_from(DraftRow)
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == platform, DraftRow.status == Status.POSTED,
                       DraftRow.posted_at >= since)) or 0)

    def last_posted_at(self, platform: str) -> datetime | None:
        with self.db.transaction() as session:
            value = session.scalar(
                select(func.max(DraftRow.posted_at))
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == platform, DraftRow.status == Status.POSTED))
            # max() loses the column's type, so the zone is put back as the column would
            return UTCDateTime().process_result_value(value, self.db.engine.dialect)

    def recent_replies(self, platform: str, since: datetime) -> list[str]:
        """Reply texts posted, approved or waiting since `since` on a platform."""
        with self.db.transaction() as session:
            return [t for t in session.scalars(
                select(DraftRow.reply_text)
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == platform, DraftRow.created_at >= since,
                       DraftRow.status.in_(GIVEN))).all() if t]

    def replied_in_thread(self, comment: Comment, exclude_pk: int) -> bool:
        """Whether this viewer already has a reply (posted or on its way) in this thread."""
        target = func.coalesce(CommentRow.reply_to, CommentRow.parent_id, CommentRow.comment_id)
        with self.db.transaction() as session:
            return bool(session.scalar(
                select(func.count()).select_from(DraftRow)
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == comment.platform,
                       CommentRow.author_id == comment.author_id,
                       target == comment.reply_target, CommentRow.id != exclude_pk,
                       DraftRow.status.in_(GIVEN))))
