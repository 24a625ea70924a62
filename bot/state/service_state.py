"""Small named values the service keeps between runs (heartbeats, pauses), with their time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.state.database import Repository
from bot.state.schema import ServiceState


class ServiceStateRepository(Repository):
    """A key → value table; each write stamps the time."""

    def set_state(self, key: str, value: str) -> None:
        now = self.clock()
        statement = self.db.upsert(ServiceState.__table__, ["key"],
                                   {"key": key, "value": value, "updated_at": now},
                                   {"value": value, "updated_at": now})
        with self.db.transaction() as session:
            session.execute(statement)

    def state(self, key: str) -> tuple[str, datetime] | None:
        with self.db.transaction() as session:
            row = session.get(ServiceState, key)
            return (row.value, row.updated_at) if row else None

    def states_with_prefix(self, prefix: str) -> dict[str, tuple[str, datetime]]:
        with self.db.transaction() as session:
            rows = session.scalars(select(ServiceState)
                                   .where(ServiceState.key.startswith(prefix)))
            return {r.key: (r.value, r.updated_at) for r in rows}

    def clear_state(self, key: str) -> None:
        with self.db.transaction() as session:
            session.execute(delete(ServiceState).where(ServiceState.key == key))
