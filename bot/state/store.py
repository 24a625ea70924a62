"""All reads and writes of replybot's state. Only this module touches the database.

Drafts move through the states of DESIGN.md; every move is one transaction that changes the row
only if it is still in an allowed state (compare-and-set) and writes an audit row with a reason.
Two processes approving or posting the same draft therefore cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, create_engine, delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import (
    TRANSITIONS,
    AuditEntry,
    DraftView,
    ModelView,
    NewDraft,
    Status,
    StoredComment,
    VoiceExample,
)
from bot.errors import InvalidTransition, NotFound, StoreError
from bot.state import leases, migrate, quarantine
from bot.state.schema import (
    AuditRow,
    Base,
    CommentRow,
    CursorRow,
    DraftRow,
    ModelRow,
    QuotaRow,
    ServiceState,
    VoiceExampleRow,
    utcnow,
)
from connectors.base import Comment
from connectors.sanitize import Rejected, reject


def _model_view(row: ModelRow) -> ModelView:
    return ModelView(**{f: getattr(row, f) for f in ModelView.__dataclass_fields__})


def _comment_of(row: CommentRow) -> Comment:
    return Comment(
        platform=row.platform, comment_id=row.comment_id, author=row.author,
        author_id=row.author_id, text=row.text, video_id=row.video_id,
        video_title=row.video_title, published_at=row.published_at, parent_id=row.parent_id,
        reply_to=row.reply_to, is_own=row.is_own, can_reply=row.can_reply, raw=row.raw or {},
    )


def _view(draft: DraftRow, comment: CommentRow) -> DraftView:
    return DraftView(
        id=draft.id, status=draft.status, comment=_comment_of(comment), comment_pk=comment.id,
        reply_text=draft.reply_text, draft_text=draft.draft_text, model=draft.model,
        context=list(draft.context or []), triage_label=draft.triage_label,
        triage_reason=draft.triage_reason, reason=draft.reason, reply_id=draft.reply_id,
        posted_at=draft.posted_at, claimed_by=draft.claimed_by, claimed_at=draft.claimed_at,
        attempts=draft.attempts, created_at=draft.created_at, updated_at=draft.updated_at,
        attempted_texts=tuple(draft.attempted_texts or ()),
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI read while the daemon writes; the timeout makes writers wait, not fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Store:
    """replybot's state: comments, drafts, the audit log and per-feed cursors."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.quarantine = quarantine.Quarantine(self._sessions)
        self.leases = leases.Leases(self._sessions)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open the database at `url` and apply any migrations it lacks."""
        engine = make_engine(url)
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        try:
            migrate.upgrade(engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open database {engine.url!r}: {exc.orig}; check "
                             "database_url and that the data dir is writable") from None
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # -- intake ---------------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table)
        if dialect == "postgresql":
            return postgresql.insert(table)
        raise StoreError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")

    def _insert_ignore(self, table: Any) -> Any:
        return self._insert(table).on_conflict_do_nothing()

    def ingest(self, platform: str, feed: str, comments: Sequence[Comment],
               cursor: str | None, rejected: Sequence[Rejected] = ()) -> int:
        """Store new comments, quarantine `rejected` items and advance the feed's cursor.

        Comments already stored are left as they are. A comment the database refuses is
        quarantined too, so one bad item never holds back the feed. Returns how many were new.
        """
        try:
            with self._tx() as session:
                new = sum(self._insert_comment(session, c) for c in comments)
                self._finish_batch(session, platform, feed, cursor, rejected)
            return new
        except OperationalError:
            raise  # the database itself (locked, full): nothing stored, read again later
        except (StatementError, ValueError, TypeError, OverflowError):
            pass  # one item is bad: store them one by one below
        new = 0
        for comment in comments:  # each in its own transaction; the cursor moves after all
            new += self._ingest_one(platform, feed, comment)
        with self._tx() as session:
            self._finish_batch(session, platform, feed, cursor, rejected)
        return new

    def _insert_comment(self, session: Session, comment: Comment) -> int:
        result = session.execute(self._insert_ignore(CommentRow.__table__)
                                 .values(self._comment_values(comment)))
        return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]

    def _ingest_one(self, platform: str, feed: str, comment: Comment) -> int:
        try:
            with self._tx() as session:
                return self._insert_comment(session, comment)
        except OperationalError:
            raise
        except (StatementError, ValueError, TypeError, OverflowError) as exc:
            item = reject(comment.raw or repr(comment), exc, comment.comment_id)
            with self._tx() as session:
                quarantine.add(session, platform, feed, item)
            return 0

    def add_comment(self, comment: Comment) -> bool:
        """Store one comment (e.g. released from quarantine); False if it was there already."""
        try:
            with self._tx() as session:
                return bool(self._insert_comment(session, comment))
        except (StatementError, ValueError, TypeError, OverflowError) as exc:
            raise StoreError(f"the database refused comment {comment.comment_id!r}: "
                             f"{type(exc).__name__}") from None

    def _finish_batch(self, session: Session, platform: str, feed: str, cursor: str | None,
                      rejected: Sequence[Rejected]) -> None:
        for item in rejected:
            quarantine.add(session, platform, feed, item)
        self._set_cursor(session, platform, feed, cursor)

    @staticmethod
    def _comment_values(c: Comment) -> dict[str, Any]:
        return {
            "platform": c.platform, "comment_id": c.comment_id, "parent_id": c.parent_id,
            "reply_to": c.reply_to, "author": c.author, "author_id": c.author_id,
            "text": c.text, "video_id": c.video_id, "video_title": c.video_title,
            "published_at": c.published_at, "fetched_at": utcnow(), "is_own": c.is_own,
            "can_reply": c.can_reply, "raw": c.raw,
        }

    def _set_cursor(self, session: Session, platform: str, feed: str, value: str | None) -> None:
        statement = self._insert(CursorRow.__table__).values(
            platform=platform, feed=feed, value=value, updated_at=utcnow())
        session.execute(statement.on_conflict_do_update(
            index_elements=["platform", "feed"], set_={"value": value, "updated_at": utcnow()}))

    def cursor(self, platform: str, feed: str = "default") -> str | None:
        with self._tx() as session:
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
        with self._tx() as session:
            rows = session.scalars(query).all()
            return [StoredComment(r.id, _comment_of(r), r.fetched_at) for r in rows]

    def comment_failed(self, comment_pk: int, error: str) -> int:
        """Count a failed drafting attempt for a comment; returns the attempts so far."""
        with self._tx() as session:
            return int(session.execute(
                update(CommentRow).where(CommentRow.id == comment_pk)
                .values(tries=CommentRow.tries + 1, last_error=error)
                .returning(CommentRow.tries)).scalar_one())

    # -- drafts ---------------------------------------------------------------------------------

    def create_draft(self, comment_pk: int, new: NewDraft, actor: str = "pipeline") -> int | None:
        """Record the outcome for a comment. None if it already has one (another run won)."""
        if new.status not in TRANSITIONS[None]:
            raise InvalidTransition(f"a draft cannot start as {new.status!r}")
        now = utcnow()
        values = {
            "comment_pk": comment_pk, "status": new.status, "reply_text": new.reply_text,
            "draft_text": new.reply_text, "model": new.model, "context": new.context,
            "triage_label": new.triage_label, "triage_reason": new.triage_reason,
            "reason": new.reason, "attempts": 0, "prompt_tokens": new.prompt_tokens,
            "completion_tokens": new.completion_tokens, "created_at": now, "updated_at": now,
        }
        with self._tx() as session:
            result = session.execute(self._insert_ignore(DraftRow.__table__).values(values))
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            draft_id = session.scalar(select(DraftRow.id).where(DraftRow.comment_pk == comment_pk))
            session.add(AuditRow(draft_id=draft_id, comment_pk=comment_pk, from_status=None,
                                 to_status=new.status, actor=actor, reason=new.reason, at=now,
                                 detail=new.decisions))
            return draft_id

    def transition(self, draft_id: int, to: str, reason: str, actor: str,
                   from_: Iterable[str] | None = None,
                   claim: str | None = None,
                   **fields: Any) -> DraftView:
        """Move a draft to `to` if it is in one of `from_` (default: every state allowing it).

        With `claim` (an owner token), the move also requires the draft to still carry that
        claim, so a process never settles a `posting` row someone else has claimed since. Owner
        tokens are unique per process, so the token alone identifies the claim.
        Raises InvalidTransition when the draft is elsewhere, e.g. already handled by another
        process; nothing changes then.
        """
        allowed = [s for s, targets in TRANSITIONS.items() if s and to in targets]
        sources = [s for s in (from_ or allowed) if s in allowed]
        now = utcnow()
        with self._tx() as session:
            # One compare-and-set per source state: the first write takes SQLite's write lock
            # (no read-then-write upgrade that could fail under contention) and tells us exactly
            # which state the draft left.
            for source in sources:
                query = update(DraftRow).where(DraftRow.id == draft_id, DraftRow.status == source)
                if claim is not None:
                    query = query.where(DraftRow.claimed_by == claim)
                comment_pk = session.execute(
                    query.values(status=to, reason=reason, updated_at=now, **fields)
                    .returning(DraftRow.comment_pk)
                ).scalar()
                if comment_pk is not None:
                    session.add(AuditRow(draft_id=draft_id, comment_pk=comment_pk,
                                         from_status=source, to_status=to, actor=actor,
                                         reason=reason, at=now))
                    break
            else:
                current = session.scalar(select(DraftRow.status).where(DraftRow.id == draft_id))
                if current is None:
                    raise NotFound(f"no draft {draft_id}: see `replybot queue list --status all`")
                if current in sources and claim is not None:
                    raise InvalidTransition(f"draft {draft_id} was claimed by another process")
                raise InvalidTransition(f"draft {draft_id} is {current}; it cannot become {to}")
        return self.draft(draft_id)

    def claim(self, draft_id: int, owner: str, actor: str,
              lease_until: datetime | None = None) -> DraftView | None:
        """approved → posting for `owner` until `lease_until`, counting the attempt and
        remembering its text.

        None if the draft is no longer approved (another process got it first).
        """
        now = utcnow()
        with self._tx() as session:
            row = session.execute(
                update(DraftRow)
                .where(DraftRow.id == draft_id, DraftRow.status == Status.APPROVED)
                .values(status=Status.POSTING, reason="posting", updated_at=now, claimed_by=owner,
                        claimed_at=now, lease_until=lease_until,
                        attempts=DraftRow.attempts + 1)
                .returning(DraftRow.comment_pk, DraftRow.reply_text, DraftRow.attempted_texts)
            ).first()
            if row is None:
                return None
            texts = [*(row.attempted_texts or []), row.reply_text or ""]
            session.execute(update(DraftRow).where(DraftRow.id == draft_id)
                            .values(attempted_texts=texts))
            session.add(AuditRow(draft_id=draft_id, comment_pk=row.comment_pk,
                                 from_status=Status.APPROVED, to_status=Status.POSTING, actor=actor,
                                 reason="posting", at=now))
        return self.draft(draft_id)

    def edit_text(self, draft_id: int, text: str, actor: str) -> DraftView:
        """Replace the reply text of a draft that has not been posted yet."""
        with self._tx() as session:
            result = session.execute(
                update(DraftRow)
                .where(DraftRow.id == draft_id,
                       DraftRow.status.in_([Status.PENDING, Status.APPROVED, Status.FAILED]))
                .values(reply_text=text, updated_at=utcnow())
                .returning(DraftRow.status, DraftRow.comment_pk)
            )
            row = result.first()
            if row is None:
                self.draft(draft_id)  # NotFound if missing
                raise InvalidTransition(f"draft {draft_id} can no longer be edited")
            session.add(AuditRow(draft_id=draft_id, comment_pk=row.comment_pk,
                                 from_status=row.status, to_status=row.status, actor=actor,
                                 reason="reply text edited"))
        return self.draft(draft_id)

    def draft(self, draft_id: int) -> DraftView:
        with self._tx() as session:
            row = session.execute(
                select(DraftRow, CommentRow).join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(DraftRow.id == draft_id)
            ).first()
            if row is None:
                raise NotFound(f"no draft {draft_id}: see `replybot queue list --status all`")
            return _view(*row)

    def drafts(self, status: str | Sequence[str] | None = Status.PENDING, limit: int = 200,
               platform: str | None = None, newest: bool = False) -> list[DraftView]:
        """Drafts in `status` (one or several; None: all) in id order: the oldest `limit`, or
        the newest."""
        order = DraftRow.id.desc() if newest else DraftRow.id
        query = (select(DraftRow, CommentRow)
                 .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                 .order_by(order).limit(limit))
        if isinstance(status, str):
            query = query.where(DraftRow.status == status)
        elif status is not None:
            query = query.where(DraftRow.status.in_(list(status)))
        if platform is not None:
            query = query.where(CommentRow.platform == platform)
        with self._tx() as session:
            views = [_view(d, c) for d, c in session.execute(query).all()]
        return sorted(views, key=lambda v: v.id) if newest else views

    def posted_since(self, platform: str, since: datetime) -> int:
        with self._tx() as session:
            return int(session.scalar(
                select(func.count()).select_from(DraftRow)
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == platform, DraftRow.status == Status.POSTED,
                       DraftRow.posted_at >= since)) or 0)

    def last_posted_at(self, platform: str) -> datetime | None:
        with self._tx() as session:
            value = session.scalar(
                select(func.max(DraftRow.posted_at))
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == platform, DraftRow.status == Status.POSTED))
            if value is None:
                return None
            from bot.state.schema import UTCDateTime

            return UTCDateTime().process_result_value(value, self.engine.dialect)

    def recent_replies(self, platform: str, since: datetime) -> list[str]:
        """Reply texts posted, approved or waiting since `since` on a platform."""
        with self._tx() as session:
            return [t for t in session.scalars(
                select(DraftRow.reply_text)
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == platform, DraftRow.created_at >= since,
                       DraftRow.status.in_([Status.PENDING, Status.APPROVED, Status.POSTING,
                                            Status.POSTED]))).all() if t]

    def replied_in_thread(self, comment: Comment, exclude_pk: int) -> bool:
        """Whether this viewer already has a reply (posted or on its way) in this thread."""
        target = func.coalesce(CommentRow.reply_to, CommentRow.parent_id, CommentRow.comment_id)
        with self._tx() as session:
            return bool(session.scalar(
                select(func.count()).select_from(DraftRow)
                .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(CommentRow.platform == comment.platform,
                       CommentRow.author_id == comment.author_id,
                       target == comment.reply_target, CommentRow.id != exclude_pk,
                       DraftRow.status.in_([Status.PENDING, Status.APPROVED, Status.POSTING,
                                            Status.POSTED]))))

    def counts(self) -> dict[str, int]:
        with self._tx() as session:
            rows = session.execute(select(DraftRow.status, func.count()).group_by(DraftRow.status))
            counts: dict[str, int] = {status: 0 for status in Status}
            counts.update({status: n for status, n in rows.all()})
            return counts

    def comments(self, platform: str | None = None) -> list[Comment]:
        query = select(CommentRow).order_by(CommentRow.id)
        if platform is not None:
            query = query.where(CommentRow.platform == platform)
        with self._tx() as session:
            return [_comment_of(row) for row in session.scalars(query).all()]

    def comment_count(self) -> int:
        with self._tx() as session:
            return int(session.scalar(select(func.count()).select_from(CommentRow)) or 0)

    def audit(self, draft_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if draft_id is not None:
            query = query.where(AuditRow.draft_id == draft_id)
        with self._tx() as session:
            rows = list(reversed(session.scalars(query).all()))
            return [AuditEntry(r.at, r.draft_id, r.from_status, r.to_status, r.actor, r.reason,
                               r.detail) for r in rows]

    # -- quota ----------------------------------------------------------------------------------

    def quota_add(self, platform: str, day: str, units: int) -> int:
        """Add units to a platform's day in one statement; returns the day's new total."""
        table = QuotaRow.__table__
        statement = self._insert(table).values(platform=platform, day=day, units=units, calls=1,
                                               updated_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "day"],
            set_={"units": table.c.units + units, "calls": table.c.calls + 1,
                  "updated_at": utcnow()},
        ).returning(table.c.units)
        with self._tx() as session:
            return int(session.execute(statement).scalar_one())

    def quota_raise_to(self, platform: str, day: str, units: int) -> None:
        """Make the day's total at least `units` (the platform said the quota is spent)."""
        table = QuotaRow.__table__
        statement = self._insert(table).values(platform=platform, day=day, units=units, calls=0,
                                               updated_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "day"],
            set_={"units": func.max(table.c.units, units) if self.engine.dialect.name == "sqlite"
                  else func.greatest(table.c.units, units), "updated_at": utcnow()},
        )
        with self._tx() as session:
            session.execute(statement)

    def quota_used(self, platform: str, day: str) -> tuple[int, int]:
        """Units and calls spent by a platform on a day."""
        with self._tx() as session:
            row = session.get(QuotaRow, (platform, day))
            return (row.units, row.calls) if row else (0, 0)

    def quota_platforms(self) -> list[str]:
        with self._tx() as session:
            return sorted(set(session.scalars(select(QuotaRow.platform)).all()))

    # -- service state --------------------------------------------------------------------------

    def set_state(self, key: str, value: str) -> None:
        statement = self._insert(ServiceState.__table__).values(key=key, value=value,
                                                                updated_at=utcnow())
        with self._tx() as session:
            session.execute(statement.on_conflict_do_update(
                index_elements=["key"], set_={"value": value, "updated_at": utcnow()}))

    def states_with_prefix(self, prefix: str) -> dict[str, tuple[str, datetime]]:
        with self._tx() as session:
            rows = session.scalars(select(ServiceState)
                                   .where(ServiceState.key.startswith(prefix)))
            return {r.key: (r.value, r.updated_at) for r in rows}

    def clear_state(self, key: str) -> None:
        with self._tx() as session:
            session.execute(delete(ServiceState).where(ServiceState.key == key))

    def expired_claims(self, now: datetime) -> list[int]:
        return self.leases.expired(now)

    def state(self, key: str) -> tuple[str, datetime] | None:
        with self._tx() as session:
            row = session.get(ServiceState, key)
            return (row.value, row.updated_at) if row else None

    # -- training data and models ---------------------------------------------------------------

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
        with self._tx() as session:
            return [_view(d, c) for d, c in session.execute(query).all()]

    def posted_reply_ids(self, platform: str) -> set[str]:
        """Ids of the replies replybot posted on a platform."""
        query = (select(DraftRow.reply_id).join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                 .where(CommentRow.platform == platform, DraftRow.reply_id.is_not(None)))
        with self._tx() as session:
            return {str(r) for r in session.scalars(query)}

    def add_voice_examples(self, examples: Iterable[dict[str, Any]]) -> int:
        """Store examples; one per platform, comment and source. Returns how many were new."""
        added = 0
        with self._tx() as session:
            for values in examples:
                result = session.execute(self._insert_ignore(VoiceExampleRow.__table__)
                                         .values(created_at=utcnow(), **values))
                added += result.rowcount  # type: ignore[attr-defined]
        return added

    def voice_examples(self, status: str | None = None,
                       source: str | None = None) -> list[VoiceExample]:
        query = select(VoiceExampleRow).order_by(VoiceExampleRow.id)
        if status is not None:
            query = query.where(VoiceExampleRow.status == status)
        if source is not None:
            query = query.where(VoiceExampleRow.source == source)
        with self._tx() as session:
            return [VoiceExample(**{f: getattr(r, f) for f in VoiceExample.__dataclass_fields__})
                    for r in session.scalars(query)]

    def set_voice_status(self, ids: Iterable[int], status: str, from_: str) -> int:
        """Move examples from one status to another; returns how many moved."""
        with self._tx() as session:
            result = session.execute(update(VoiceExampleRow)
                                     .where(VoiceExampleRow.id.in_(list(ids)),
                                            VoiceExampleRow.status == from_)
                                     .values(status=status))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def add_model(self, **fields: Any) -> ModelView:
        with self._tx() as session:
            row = ModelRow(**fields)
            session.add(row)
            session.flush()
            return _model_view(row)

    def update_model(self, model_id: int, **fields: Any) -> ModelView:
        with self._tx() as session:
            row = session.get(ModelRow, model_id)
            if row is None:
                raise NotFound(f"no model record {model_id}: see `replybot voice models`")
            for key, value in fields.items():
                setattr(row, key, value)
            session.flush()
            return _model_view(row)

    def models(self) -> list[ModelView]:
        with self._tx() as session:
            return [_model_view(r) for r in session.scalars(select(ModelRow).order_by(ModelRow.id))]

    def model_record(self, job_or_model: str) -> ModelView | None:
        """The record of a job id or a model id (the newest, if a model was recorded twice)."""
        with self._tx() as session:
            row = session.scalars(
                select(ModelRow).where((ModelRow.job_id == job_or_model)
                                       | (ModelRow.model == job_or_model))
                .order_by(ModelRow.id.desc())).first()
            return _model_view(row) if row else None

    # -- backup ---------------------------------------------------------------------------------

    def export_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every row of every table, parents before children, as plain values."""
        with self.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                for row in connection.execute(table.select().order_by(*table.primary_key)):
                    yield table.name, dict(row._mapping)

    def is_empty(self) -> bool:
        with self.engine.connect() as connection:
            return all(connection.execute(select(func.count()).select_from(t)).scalar() == 0
                       for t in Base.metadata.sorted_tables)

    def import_rows(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Insert exported rows into this (empty) database in one transaction."""
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        counts: dict[str, int] = {}
        with self.engine.begin() as connection:
            for name, row in rows:
                if name not in tables:
                    raise StoreError(f"the backup has an unknown table {name!r}: is it from a "
                                     "newer replybot? Upgrade first")
                connection.execute(tables[name].insert().values(**row))
                counts[name] = counts.get(name, 0) + 1
            if self.engine.dialect.name == "postgresql":  # keep id sequences ahead of the rows
                for table in tables.values():
                    for column in table.primary_key:
                        if column.autoincrement is True or isinstance(column.type, Integer):
                            connection.exec_driver_sql(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                f"'{column.name}'), COALESCE(MAX({column.name}), 1)) "
                                f"FROM {table.name}")
        return counts
