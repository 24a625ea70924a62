"""Several workers on one database: who is alive, and leases that give each job to one of them.

A worker is one `replybot run` process, known by a random id. It heartbeats its row; a row
whose heartbeat stopped is a worker that died. A lease gives one worker a job until it expires:
`feed:PLATFORM:FEED` (poll that feed) in `leases`, and drafting one comment in the comment's own
`drafting_by`/`drafting_until`. Each is taken by one conditional statement with RETURNING, so
of two workers asking at once exactly one gets a row back, on SQLite and PostgreSQL alike; a
dead worker's lease runs out and the next worker to ask takes it over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain import Status
from bot.state.database import Repository
from bot.state.schema import CommentRow, DraftRow, LeaseRow, WorkerRow

#: a check run inside the transaction that stores a feed's read: False if the lease was lost
Fence = Callable[[Session], bool]


def feed_lease(platform: str, feed: str) -> str:
    return f"feed:{platform}:{feed}"


@dataclass(frozen=True)
class WorkerView:
    """A worker as the database sees it, with the jobs it holds."""

    id: str
    host: str
    pid: int
    version: str
    started_at: datetime
    heartbeat_at: datetime
    feeds: tuple[str, ...]
    claims: int
    drafting: int

    def age_s(self, now: datetime) -> float:
        return round((now - self.heartbeat_at).total_seconds(), 1)

    def to_json(self, now: datetime, stale_after_s: float) -> dict[str, object]:
        age = self.age_s(now)
        return {"id": self.id, "host": self.host, "pid": self.pid, "version": self.version,
                "started_at": self.started_at.isoformat(),
                "heartbeat_at": self.heartbeat_at.isoformat(), "heartbeat_age_s": age,
                "alive": age <= stale_after_s, "feeds": list(self.feeds),
                "claims": self.claims, "drafting": self.drafting}


class WorkerRepository(Repository):
    """The `workers` table: register, heartbeat, deregister, list."""

    def register(self, worker_id: str, host: str, pid: int, version: str,
                 claim_owner: str | None) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            session.add(WorkerRow(id=worker_id, host=host, pid=pid, version=version,
                                  claim_owner=claim_owner, started_at=now, heartbeat_at=now))

    def heartbeat(self, worker_id: str, lease_s: float) -> bool:
        """Say this worker is alive and renew every lease it holds; False if it was forgotten."""
        now = self.clock()
        until = now + timedelta(seconds=lease_s)
        with self.db.transaction() as session:
            found = session.execute(update(WorkerRow).where(WorkerRow.id == worker_id)
                                    .values(heartbeat_at=now).returning(WorkerRow.id)).first()
            session.execute(update(LeaseRow).where(LeaseRow.holder == worker_id)
                            .values(expires_at=until))
            session.execute(update(CommentRow).where(CommentRow.drafting_by == worker_id)
                            .values(drafting_until=until))
            return found is not None

    def deregister(self, worker_id: str) -> None:
        """A clean stop: the row goes, and what it held is free at once."""
        with self.db.transaction() as session:
            session.execute(delete(LeaseRow).where(LeaseRow.holder == worker_id))
            session.execute(update(CommentRow).where(CommentRow.drafting_by == worker_id)
                            .values(drafting_by=None, drafting_until=None))
            session.execute(delete(WorkerRow).where(WorkerRow.id == worker_id))

    def forget_stale(self, older_than: datetime) -> list[str]:
        """Remove workers whose last heartbeat is before `older_than`; returns their ids."""
        with self.db.transaction() as session:
            return list(session.scalars(delete(WorkerRow)
                                        .where(WorkerRow.heartbeat_at < older_than)
                                        .returning(WorkerRow.id)).all())

    def workers(self) -> list[WorkerView]:
        """Every known worker, oldest first, with its live feed leases and posting claims."""
        now = self.clock()
        with self.db.transaction() as session:
            rows = session.scalars(select(WorkerRow).order_by(WorkerRow.started_at)).all()
            feeds = session.execute(select(LeaseRow.holder, LeaseRow.name)
                                    .where(LeaseRow.expires_at > now)).all()
            claims = dict(session.execute(
                select(DraftRow.claimed_by, func.count()).where(DraftRow.status == Status.POSTING)
                .group_by(DraftRow.claimed_by)).all())
            drafting = dict(session.execute(
                select(CommentRow.drafting_by, func.count())
                .where(CommentRow.drafting_until > now).group_by(CommentRow.drafting_by)).all())
        return [WorkerView(r.id, r.host, r.pid, r.version, r.started_at, r.heartbeat_at,
                           tuple(sorted(name for holder, name in feeds if holder == r.id)),
                           int(claims.get(r.claim_owner, 0)) if r.claim_owner else 0,
                           int(drafting.get(r.id, 0))) for r in rows]


class LeaseRepository(Repository):
    """Take, keep and give back leases on feeds and on comments being drafted."""

    def take(self, name: str, holder: str, lease_s: float) -> bool:
        """Hold `name` for `lease_s` if it is free, expired or already ours; one statement."""
        now = self.clock()
        table = LeaseRow.__table__
        insert = self.db.insert(table).values(name=name, holder=holder,
                                              expires_at=now + timedelta(seconds=lease_s))
        statement = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=or_(table.c.holder == holder, table.c.expires_at < now),
        ).returning(table.c.holder)
        with self.db.transaction() as session:
            return session.execute(statement).first() is not None

    def fence(self, name: str, holder: str, lease_s: float) -> Fence:
        """A check for the transaction that acts as the lease's holder: renews the lease if still
        ours. On PostgreSQL it also locks the lease row until commit, so nobody takes the lease
        over between the check and the write."""
        def still_ours(session: Session) -> bool:
            until = self.clock() + timedelta(seconds=lease_s)
            return session.execute(
                update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
                .values(expires_at=until).returning(LeaseRow.name)).first() is not None
        return still_ours

    def release(self, name: str, holder: str) -> None:
        with self.db.transaction() as session:
            session.execute(delete(LeaseRow).where(LeaseRow.name == name,
                                                   LeaseRow.holder == holder))

    def holder(self, name: str) -> str | None:
        """Who holds `name` now (None if nobody, or the lease ran out)."""
        with self.db.transaction() as session:
            row = session.get(LeaseRow, name)
            return row.holder if row and row.expires_at > self.clock() else None

    def take_comment(self, comment_pk: int, holder: str, lease_s: float) -> bool:
        """Become the one drafter of a comment that has no draft yet, if nobody else is."""
        now = self.clock()
        has_draft = exists().where(DraftRow.comment_pk == CommentRow.id)
        free = or_(CommentRow.drafting_by.is_(None), CommentRow.drafting_by == holder,
                   CommentRow.drafting_until < now)
        statement = (update(CommentRow)
                     .where(and_(CommentRow.id == comment_pk, free, ~has_draft))
                     .values(drafting_by=holder,
                             drafting_until=now + timedelta(seconds=lease_s))
                     .returning(CommentRow.id))
        with self.db.transaction() as session:
            return session.execute(statement).first() is not None

    def release_all_but(self, holder: str) -> None:
        """Free every feed and drafting lease held by others: for a worker that knows it is
        the only one left on this database."""
        with self.db.transaction() as session:
            session.execute(delete(LeaseRow).where(LeaseRow.holder != holder))
            session.execute(update(CommentRow).where(CommentRow.drafting_by.is_not(None),
                                                     CommentRow.drafting_by != holder)
                            .values(drafting_by=None, drafting_until=None))

    def release_comment(self, comment_pk: int, holder: str) -> None:
        with self.db.transaction() as session:
            session.execute(update(CommentRow).where(CommentRow.id == comment_pk,
                                                     CommentRow.drafting_by == holder)
                            .values(drafting_by=None, drafting_until=None))
