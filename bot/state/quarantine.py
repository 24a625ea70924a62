"""The dead-letter store: items a platform sent that could not be stored as comments.

An item lands here with its raw form, the platform and feed it came from and the error, so the
feed's cursor can move past it and the items around it are answered. `replybot quarantine`
lists, shows, retries (reads the raw form again, e.g. after an upgrade) and drops them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.errors import NotFound
from bot.state.database import Repository, dialect_insert
from bot.state.schema import Base, UTCDateTime, utcnow
from connectors.sanitize import Rejected, clean_text


class QuarantineRow(Base):
    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("platform", "feed", "key", name="uq_quarantine_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    feed: Mapped[str] = mapped_column(String(255))
    # the item's platform id, or a hash of its raw form: the same item is kept once
    key: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str | None] = mapped_column(String(255))
    raw: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class QuarantinedItem:
    id: int
    platform: str
    feed: str
    item_id: str | None
    raw: str
    error: str
    retries: int
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(created_at=self.created_at.isoformat(), updated_at=self.updated_at.isoformat())
        return data


def _item(row: QuarantineRow) -> QuarantinedItem:
    return QuarantinedItem(row.id, row.platform, row.feed, row.item_id, row.raw, row.error,
                           row.retries, row.created_at, row.updated_at)


def key_of(rejected: Rejected) -> str:
    if rejected.item_id:
        return "id:" + hashlib.sha256(rejected.item_id.encode()).hexdigest()[:32]
    return "raw:" + hashlib.sha256(rejected.raw.encode("utf-8", "replace")).hexdigest()[:32]


def add(session: Session, now: datetime, platform: str, feed: str, rejected: Rejected) -> bool:
    """Keep `rejected` in the caller's transaction; False if it was already kept."""
    table: Any = QuarantineRow.__table__
    values = {"platform": platform, "feed": feed, "key": key_of(rejected),
              "item_id": clean_text(rejected.item_id, "item_id", 255) or None,
              "raw": rejected.raw, "error": rejected.error, "retries": 0,
              "created_at": now, "updated_at": now}
    insert = dialect_insert(session.get_bind().dialect.name, table)
    # RETURNING, not rowcount: a row comes back only if this insert made it
    statement = insert.values(values).on_conflict_do_nothing().returning(table.c.id)
    return session.execute(statement).first() is not None


class QuarantineRepository(Repository):
    """Reading and settling quarantined items."""

    def put(self, platform: str, feed: str, items: Sequence[Rejected]) -> int:
        with self.db.transaction() as session:
            return sum(add(session, self.clock(), platform, feed, item) for item in items)

    def list(self, platform: str | None = None, limit: int = 200) -> list[QuarantinedItem]:
        query = select(QuarantineRow).order_by(QuarantineRow.id).limit(limit)
        if platform is not None:
            query = query.where(QuarantineRow.platform == platform)
        with self.db.transaction() as session:
            return [_item(r) for r in session.scalars(query)]

    def get(self, item_id: int) -> QuarantinedItem:
        with self.db.transaction() as session:
            row = session.get(QuarantineRow, item_id)
            if row is None:
                raise NotFound(f"no quarantined item {item_id}: see `replybot quarantine list`")
            return _item(row)

    def count(self) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(QuarantineRow)) or 0)

    def failed_again(self, item_id: int, error: str) -> QuarantinedItem:
        with self.db.transaction() as session:
            session.execute(update(QuarantineRow).where(QuarantineRow.id == item_id)
                            .values(retries=QuarantineRow.retries + 1, updated_at=self.clock(),
                                    error=clean_text(error, "error", 1_000)))
        return self.get(item_id)

    def drop(self, item_id: int) -> bool:
        with self.db.transaction() as session:
            statement = (delete(QuarantineRow).where(QuarantineRow.id == item_id)
                         .returning(QuarantineRow.id))
            return session.execute(statement).first() is not None
