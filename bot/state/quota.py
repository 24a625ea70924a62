"""The quota ledger's rows: units and calls spent per platform and day, added in one statement
so processes sharing the database never lose each other's spending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.state.database import Repository
from bot.state.schema import PacingRow, QuotaRow


class QuotaRepository(Repository):
    """One row per platform and quota day."""

    def quota_add(self, platform: str, day: str, units: int) -> int:
        """Add units to a platform's day in one statement; returns the day's new total."""
        table = QuotaRow.__table__
        statement = self._upsert_day(platform, day, units, 1, {
            "units": table.c.units + units, "calls": table.c.calls + 1,
        }).returning(table.c.units)
        with self.db.transaction() as session:
            return int(session.execute(statement).scalar_one())

    def quota_charge(self, platform: str, day: str, units: int, limit: int) -> int | None:
        """Spend units only if the day's total stays within `limit`: the new total, or None.

        One conditional UPDATE after making sure the row exists, so processes charging at once
        can never take the total past the limit between them.
        """
        table = QuotaRow.__table__
        with self.db.transaction() as session:
            session.execute(self.db.insert_ignore(table).values(
                platform=platform, day=day, units=0, calls=0, updated_at=self.clock()))
            total = session.execute(
                update(QuotaRow).where(QuotaRow.platform == platform, QuotaRow.day == day,
                                       QuotaRow.units + units <= limit)
                .values(units=QuotaRow.units + units, calls=QuotaRow.calls + 1,
                        updated_at=self.clock())
                .returning(QuotaRow.units)).scalar_one_or_none()
            return None if total is None else int(total)

    def quota_raise_to(self, platform: str, day: str, units: int) -> None:
        """Make the day's total at least `units` (the platform said the quota is spent)."""
        table = QuotaRow.__table__
        statement = self._upsert_day(platform, day, units, 0, {
            "units": self.db.greatest(table.c.units, units)})
        with self.db.transaction() as session:
            session.execute(statement)

    def _upsert_day(self, platform: str, day: str, units: int, calls: int,
                    update: dict[str, Any]) -> Any:
        """The day's row as (units, calls) if new, else with `update` applied; stamped now."""
        now = self.clock()
        return self.db.upsert(
            QuotaRow.__table__, ["platform", "day"],
            {"platform": platform, "day": day, "units": units, "calls": calls, "updated_at": now},
            {**update, "updated_at": now})

    def quota_used(self, platform: str, day: str) -> tuple[int, int]:
        """Units and calls spent by a platform on a day."""
        with self.db.transaction() as session:
            row = session.get(QuotaRow, (platform, day))
            return (row.units, row.calls) if row else (0, 0)

    def quota_platforms(self) -> list[str]:
        with self.db.transaction() as session:
            return sorted(set(session.scalars(select(QuotaRow.platform)).all()))


class PacingRepository(Repository):
    """One shared next-post time per platform: whoever moves it forward may post now."""

    def take_post_slot(self, platform: str, now: datetime, next_post_at: datetime) -> bool:
        """If the platform's next post is due by `now`, push it to `next_post_at` and say yes."""
        table = PacingRow.__table__
        with self.db.transaction() as session:
            session.execute(self.db.insert_ignore(table).values(platform=platform,
                                                                 next_post_at=now))
            return session.execute(
                update(PacingRow).where(PacingRow.platform == platform,
                                        PacingRow.next_post_at <= now)
                .values(next_post_at=next_post_at).returning(PacingRow.platform)
            ).first() is not None

    def next_post_at(self, platform: str) -> datetime | None:
        with self.db.transaction() as session:
            row = session.get(PacingRow, platform)
            return row.next_post_at if row else None
