"""The quota ledger's rows: units and calls spent per platform and day, added in one statement
so processes sharing the database never lose each other's spending."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.state.database import Repository
from bot.state.schema import QuotaRow


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
