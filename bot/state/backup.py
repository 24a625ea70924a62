"""The whole state as JSONL, for backups and for moving to another machine.

Each line is `{"table": NAME, "row": {...}}`, parents before children; times are written as
`{"$time": ISO-8601}` so they come back as times. Importing needs an empty database, so ids and
links stay exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from bot import jsonl
from bot.errors import StoreError
from bot.state.store import Store

FORMAT = "replybot-export/1"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$time"}:
        return datetime.fromisoformat(value["$time"])
    return value


def export_state(store: Store, out: IO[str]) -> dict[str, int]:
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


def import_state(store: Store, lines: Iterable[str]) -> dict[str, int]:
    if not store.is_empty():
        raise StoreError("the database already holds data: import into a fresh data dir "
                         "(set REPLYBOT_DATA_DIR to an empty folder) so ids stay as they were")
    return store.import_rows(_rows(lines))
