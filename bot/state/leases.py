"""Claims to post are leases: an owner token (random per process) and an expiry.

Only the expiry says whether a claim may be settled by someone else; process ids and host
names are never consulted (both are reused, and containers share them). The owner renews its
lease while it works on the claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import Status
from bot.state.schema import DraftRow


class Leases:
    def __init__(self, sessions: sessionmaker[Session], default_lease_s: float = 300.0) -> None:
        self._sessions = sessions
        self.default_lease_s = default_lease_s

    def renew(self, draft_id: int, owner: str, until: datetime) -> bool:
        """Extend `owner`'s lease; False if the claim is no longer theirs."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(DraftRow).where(DraftRow.id == draft_id,
                                       DraftRow.status == Status.POSTING,
                                       DraftRow.claimed_by == owner)
                .values(lease_until=until))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def expired(self, now: datetime, lease_s: float | None = None) -> list[int]:
        """Drafts in `posting` whose lease ran out (claims without one: by their age)."""
        old = now - timedelta(seconds=lease_s or self.default_lease_s)
        query = (select(DraftRow.id).where(
            DraftRow.status == Status.POSTING,
            or_(DraftRow.lease_until < now,
                and_(DraftRow.lease_until.is_(None),
                     or_(DraftRow.claimed_at.is_(None), DraftRow.claimed_at < old))))
            .order_by(DraftRow.id))
        with self._sessions.begin() as session:
            return list(session.scalars(query))

    def not_due(self, now: datetime) -> set[int]:
        """Approved drafts waiting out a backoff after a failed try."""
        query = select(DraftRow.id).where(DraftRow.status == Status.APPROVED,
                                          DraftRow.next_attempt_at > now)
        with self._sessions.begin() as session:
            return set(session.scalars(query))
