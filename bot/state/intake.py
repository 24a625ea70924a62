"""Intake: comments as fetched, each feed's cursor, and which comments still await a draft."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session

from bot.domain import StoredComment
from bot.errors import LeaseLost, StoreError
from bot.state import quarantine
from bot.state.database import Repository
from bot.state.records import comment_of
from bot.state.schema import CommentRow, CursorRow, DraftRow
from connectors.base import Comment
from connectors.sanitize import Rejected, reject

#: what the database raises for one item it cannot take (not for the database itself)
BAD_ITEM = (StatementError, ValueError, TypeError, OverflowError)


#: whether this worker still leads the feed, asked inside the transaction that stores
Fence = Callable[[Session], bool]


def _hold(session: Session, platform: str, feed: str, fence: Fence | None) -> None:
    if fence is not None and not fence(session):
        raise LeaseLost(f"{platform} feed {feed!r} is led by another worker now; it reads "
                        "these comments again itself")


class IntakeRepository(Repository):
    """Stored comments (one per platform and id) and the per-feed cursors."""

    def ingest(self, platform: str, feed: str, comments: Sequence[Comment],
               cursor: str | None, rejected: Sequence[Rejected] = (),
               fence: Fence | None = None) -> int:
        """Store new comments, quarantine `rejected` items and advance the feed's cursor.

        Comments already stored are left as they are. A comment the database refuses is
        quarantined too, so one bad item never holds back the feed. Returns how many were new.
        With a `fence` (the feed's lease), nothing is stored unless it still holds: `LeaseLost`.
        """
        try:
            with self.db.transaction() as session:
                new = sum(self._insert_comment(session, c) for c in comments)
                self._finish_batch(session, platform, feed, cursor, rejected, fence)
            return new
        except OperationalError:
            raise  # the database itself (locked, full): nothing stored, read again later
        except BAD_ITEM:
            pass  # one item is bad: store them one by one below
        with self.db.transaction() as session:
            _hold(session, platform, feed, fence)
        new = 0
        for comment in comments:  # each in its own transaction; the cursor moves after all
            new += self._ingest_one(platform, feed, comment)
        with self.db.transaction() as session:
            self._finish_batch(session, platform, feed, cursor, rejected, fence)
        return new

    def _insert_comment(self, session: Session, comment: Comment) -> int:
        statement = (self.db.insert_ignore(CommentRow.__table__)
                     .values(self._comment_values(comment)).returning(CommentRow.id))
        # RETURNING, not rowcount: a row comes back only if this insert made it
        return int(session.execute(statement).first() is not None)

    def _ingest_one(self, platform: str, feed: str, comment: Comment) -> int:
        try:
            with self.db.transaction() as session:
                return self._insert_comment(session, comment)
        except OperationalError:
            raise
        except BAD_ITEM as exc:
            item = reject(comment.raw or repr(comment), exc, comment.comment_id)
            with self.db.transaction() as session:
                quarantine.add(session, self.clock(), platform, feed, item)
            return 0

    def add_comment(self, comment: Comment) -> bool:
        """Store one comment (e.g. released from quarantine); False if it was there already."""
        try:
            with self.db.transaction() as session:
                return bool(self._insert_comment(session, comment))
        except BAD_ITEM as exc:
            raise StoreError(f"the database refused comment {comment.comment_id!r}: "
                             f"{type(exc).__name__}") from None

    def _finish_batch(self, session: Session, platform: str, feed: str, cursor: str | None,
                      rejected: Sequence[Rejected], fence: Fence | None) -> None:
        _hold(session, platform, feed, fence)
        for item in rejected:
            quarantine.add(session, self.clock(), platform, feed, item)
        self._set_cursor(session, platform, feed, cursor)

    def _comment_values(self, c: Comment) -> dict[str, Any]:
        return {
            "platform": c.platform, "comment_id": c.comment_id, "parent_id": c.parent_id,
            "reply_to": c.reply_to, "author": c.author, "author_id": c.author_id,
            "text": c.text, "video_id": c.video_id, "video_title": c.video_title,
            "published_at": c.published_at, "fetched_at": self.clock(), "is_own": c.is_own,
            "can_reply": c.can_reply, "raw": c.raw,
        }

    def _set_cursor(self, session: Session, platform: str, feed: str, value: str | None) -> None:
        now = self.clock()
        session.execute(self.db.upsert(
            CursorRow.__table__, ["platform", "feed"],
            {"platform": platform, "feed": feed, "value": value, "updated_at": now},
            {"value": value, "updated_at": now}))

    def cursor(self, platform: str, feed: str = "default") -> str | None:
        with self.db.transaction() as session:
            row = session.get(CursorRow, (platform, feed))
            return row.value if row else None

    def unprocessed(self, limit: int = 100, platforms: Iterable[str] | None = None,
                    after_pk: int = 0) -> list[StoredComment]:
        """Comments with no draft yet, oldest first, after row `after_pk`."""
        query = (select(CommentRow).outerjoin(DraftRow, DraftRow.comment_pk == CommentRow.id)
                 .where(DraftRow.id.is_(None), CommentRow.id > after_pk)
                 .order_by(CommentRow.id).limit(limit))
        if platforms is not None:
            query = query.where(CommentRow.platform.in_(list(platforms)))
        with self.db.transaction() as session:
            rows = session.scalars(query).all()
            return [StoredComment(r.id, comment_of(r), r.fetched_at) for r in rows]

    def comment_failed(self, comment_pk: int, error: str) -> int:
        """Count a failed drafting attempt for a comment; returns the attempts so far."""
        with self.db.transaction() as session:
            return int(session.execute(
                update(CommentRow).where(CommentRow.id == comment_pk)
                .values(tries=CommentRow.tries + 1, last_error=error)
                .returning(CommentRow.tries)).scalar_one())

    def comments(self, platform: str | None = None) -> list[Comment]:
        query = select(CommentRow).order_by(CommentRow.id)
        if platform is not None:
            query = query.where(CommentRow.platform == platform)
        with self.db.transaction() as session:
            return [comment_of(row) for row in session.scalars(query).all()]

    def comment_count(self) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(CommentRow)) or 0)
