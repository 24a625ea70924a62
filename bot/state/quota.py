"""The quota ledger's rows: units and calls spent per platform and day, added in one statement
so processes sharing the database never lose each other's spending."""

from __future__ import annotations

from sqlalchemy import select

from bot.state.database import Repository
from bot.state.schema import QuotaRow


class QuotaRepository(Repository):
    """One row per platform and quota day."""

    def quota_add(self, platform: str, day: str, units: int) -> int:
        """Add units to a platform's day in one statement; returns the day's new total."""
        table = QuotaRow.__table__
        now = self.clock()
        statement = self.db.upsert(
            table, ["platform", "day"],
            {"platform": platform, "day": day, "units": units, "calls": 1, "updated_at": now},
            {"units": table.c.units + units, "calls": table.c.calls + 1, "updated_at": now},
        ).returning(table.c.units)
        with self.db.transaction() as session:
            return int(session.execute(statement).scalar_one())

    def quota_raise_to(self, platform: str, day: str, units: int) -> None:
        """Make the day's total at least `units` (the platform said the quota is spent)."""
        table = QuotaRow.__table__
        now = self.clock()
        statement = self.db.upsert(
            table, ["platform", "day"],
            {"platform": platform, "day": day, "units": units, "calls": 0, "updated_at": now},
            {"units": self.db.greatest(table.c.units, units), "updated_at": now},
        )
        with self.db.transaction() as session:
            session.execute(statement)

    def quota_used(self, platform: str, day: str) -> tuple[int, int]:
        """Units and calls spent by a platform on a day."""
        with self.db.transaction() as session:
            row = session.get(QuotaRow, (platform, day))
            return (row.units, row.calls) if row else (0, 0)

    def quota_platforms(self) -> list[str]:
        with self.db.transaction() as session:
            return sorted(set(session.scalars(select(QuotaRow.platform)).all()))
