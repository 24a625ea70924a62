"""Word tables kept in one SQLite file, read a key at a time.

The cross-language dictionary (`knowledge.crosslingual`) takes seconds to build from CC-CEDICT
and some 100 MB as Python dictionaries; a search looks up a few dozen words. So it is built once,
written here, and opened in a millisecond by every later start: each lookup is one indexed query.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path


class Table(Mapping[str, list[str]]):
    """One table of words to their list of words, read-only."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, name: str) -> None:
        self._db, self._lock, self._name = db, lock, name

    def __getitem__(self, key: str) -> list[str]:
        with self._lock:  # one connection serves every thread; a query at a time
            row = self._db.execute(f"SELECT v FROM {self._name} WHERE k = ?",  # noqa: S608
                                   (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        value: list[str] = json.loads(row[0])
        return value

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return self._db.execute(f"SELECT 1 FROM {self._name} WHERE k = ?",  # noqa: S608
                                    (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            keys = [k for (k,) in self._db.execute(f"SELECT k FROM {self._name}")]  # noqa: S608
        return iter(keys)

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute(f"SELECT count(*) FROM {self._name}").fetchone()[0])


def write(path: Path, tables: Mapping[str, Mapping[str, list[str]]]) -> bool:
    """Write the tables whole (a temporary file renamed, so a crash leaves none or the old one);
    False if the folder cannot be written (the caller keeps its tables in memory)."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        db = sqlite3.connect(temporary)
        with db:
            for name, rows in tables.items():
                db.execute(f"CREATE TABLE {name} (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
                db.executemany(f"INSERT INTO {name} VALUES (?, ?)",  # noqa: S608
                               ((k, json.dumps(v, ensure_ascii=False)) for k, v in rows.items()))
        db.close()
        os.chmod(temporary, 0o644)  # a cache, not a secret: mkstemp makes it owner-only
        os.replace(temporary, path)
    except (OSError, sqlite3.Error):
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return False
    return True


def read(path: Path, names: tuple[str, ...]) -> dict[str, Table] | None:
    """The named tables of a file `write` wrote, or None if it is missing or damaged."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        found = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return None
    if not set(names) <= found:
        db.close()
        return None
    lock = threading.Lock()
    return {name: Table(db, lock, name) for name in names}
