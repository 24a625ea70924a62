"""The whole state as JSONL, for backups and for moving to another machine.

Each line is `{"table": NAME, "row": {...}}`, parents before children; times are written as
`{"$time": ISO-8601}` so they come back as times. Importing needs an empty database, so ids and
links stay exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, Protocol

from sqlalchemy import Integer, func, select

from bot import jsonl
from bot.errors import StoreError
from bot.state.database import Repository
from bot.state.schema import Base

FORMAT = "replybot-export/1"

Rows = Iterable[tuple[str, dict[str, Any]]]


class BackupRepository(Repository):
    """Every table's rows, out and (into an empty database) back in."""

    def export_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every row of every table, parents before children, as plain values."""
        with self.db.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                for row in connection.execute(table.select().order_by(*table.primary_key)):
                    yield table.name, dict(row._mapping)

    def is_empty(self) -> bool:
        with self.db.engine.connect() as connection:
            return all(connection.execute(select(func.count()).select_from(t)).scalar() == 0
                       for t in Base.metadata.sorted_tables)

    def import_rows(self, rows: Rows) -> dict[str, int]:
        """Insert exported rows into this (empty) database in one transaction."""
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        counts: dict[str, int] = {}
        with self.db.engine.begin() as connection:
            for name, row in rows:
                if name not in tables:
                    raise StoreError(f"the backup has an unknown table {name!r}: is it from a "
                                     "newer replybot? Upgrade first")
                connection.execute(tables[name].insert().values(**row))
                counts[name] = counts.get(name, 0) + 1
            if self.db.dialect == "postgresql":  # keep id sequences ahead of the rows
                for table in tables.values():
                    for column in table.primary_key:
                        if column.autoincrement is True or isinstance(column.type, Integer):
                            connection.exec_driver_sql(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                f"'{column.name}'), COALESCE(MAX({column.name}), 1)) "
                                f"FROM {table.name}")
        return counts


class Backupable(Protocol):
    """What export and import need: a `Store` or its `BackupRepository`."""

    def export_rows(self) -> Iterator[tuple[str, dict[str, Any]]]: ...

    def is_empty(self) -> bool: ...

    def import_rows(self, rows: Rows) -> dict[str, int]: ...


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$time"}:
        return datetime.fromisoformat(value["$time"])
    return value


def export_state(store: Backupable, out: IO[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    out.write(json.dumps({"format": FORMAT}) + "\n")
    for table, row in store.export_rows():
        line = {"table": table, "row": {k: _encode(v) for k, v in row.items()}}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        counts[table] = counts.get(table, 0) + 1
    return counts


def _rows(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, data in jsonl.rows(lines, "backup", StoreError):
        if number == 1:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise StoreError(f"not a replybot export (expected {FORMAT!r} on line 1)")
            continue
        yield data["table"], {k: _decode(v) for k, v in data["row"].items()}


def import_state(store: Backupable, lines: Iterable[str]) -> dict[str, int]:
    if not store.is_empty():
        raise StoreError("the database already holds data: import into a fresh data dir "
                         "(set REPLYBOT_DATA_DIR to an empty folder) so ids stay as they were")
    return store.import_rows(_rows(lines))
