"""Claims to post are leases: an owner token (random per process) and an expiry.

Only the expiry says whether a claim may be settled by someone else; process ids and host
names are never consulted (both are reused, and containers share them). The owner renews its
lease while it works on the claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from bot.domain import Status
from bot.state.database import Repository
from bot.state.schema import DraftRow

# a claim from before leases existed is judged by its age: older than this, it is settled
UNLEASED_CLAIM_S = 300.0


class ClaimRepository(Repository):
    """The leases on drafts in `posting`."""

    def renew(self, draft_id: int, owner: str, until: datetime) -> bool:
        """Extend `owner`'s lease; False if the claim is no longer theirs."""
        with self.db.transaction() as session:
            statement = (update(DraftRow).where(DraftRow.id == draft_id,
                                                DraftRow.status == Status.POSTING,
                                                DraftRow.claimed_by == owner)
                         .values(lease_until=until).returning(DraftRow.id))
            return session.execute(statement).first() is not None

    def expired(self, now: datetime | None = None,
                lease_s: float = UNLEASED_CLAIM_S) -> list[int]:
        """Drafts in `posting` whose lease ran out (claims made before leases: by their age)."""
        now = now or self.clock()
        old = now - timedelta(seconds=lease_s)
        query = (select(DraftRow.id).where(
            DraftRow.status == Status.POSTING,
            or_(DraftRow.lease_until < now,
                and_(DraftRow.lease_until.is_(None),
                     or_(DraftRow.claimed_at.is_(None), DraftRow.claimed_at < old))))
            .order_by(DraftRow.id))
        with self.db.transaction() as session:
            return list(session.scalars(query))

    def not_due(self, now: datetime | None = None) -> set[int]:
        """Approved drafts waiting out a backoff after a failed try."""
        query = select(DraftRow.id).where(DraftRow.status == Status.APPROVED,
                                          DraftRow.next_attempt_at > (now or self.clock()))
        with self.db.transaction() as session:
            return set(session.scalars(query))
