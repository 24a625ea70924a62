"""The database itself: the engine, transactions, dialect-aware inserts, opening and migrating.

Every repository is handed one `Database` and one clock. Only SQLite and PostgreSQL are
supported; the few statements that differ between them (upserts) are built here.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, utcnow
from bot.errors import MissingDriver, StoreError
from bot.state import migrate

#: how long a connection waits for another's lock, in seconds (SQLite's busy timeout)
SQLITE_PATIENCE = 30.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # the timeout makes writers wait, not fail; WAL lets the CLI read while the daemon writes
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_PATIENCE * 1000)}")
    _write_ahead(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _write_ahead(cursor: Any) -> None:
    """Put the database in WAL mode, waiting out other connections doing the same.

    Connections switching one new database at once can each hold a read lock the other's
    switch must wait for; SQLite then tells one of them "database is locked" at once rather
    than wait for ever, so it tries again until the others are done (or the patience runs out).
    """
    deadline = time.monotonic() + SQLITE_PATIENCE
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


def make_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for `url`; a PostgreSQL URL without its driver installed is one line of advice.

    With `schema` (PostgreSQL), every connection sees only that schema: its tables are created
    there and no statement can reach another workspace's tables.
    """
    try:
        engine = create_engine(url, future=True)
    except ImportError as exc:
        if make_url(url).get_backend_name() != "postgresql":
            raise
        raise MissingDriver(f"database_url is PostgreSQL but {exc.name or 'its driver'} is not "
                            "installed: pip install 'replybot[postgres]'") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if schema is not None and engine.dialect.name == "postgresql":
        # first of the connect hooks: the dialect asks for current_schema() right after
        event.listen(engine, "connect", _search_path(schema), insert=True)
    return engine


def _search_path(schema: str) -> Any:
    def set_search_path(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET outside any transaction lasts the session
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.autocommit = autocommit
    return set_search_path


def dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT that understands ON CONFLICT on `dialect`."""
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise StoreError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


class Database:
    """One engine and its sessions; each `transaction()` commits or rolls back as a whole."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, schema: str | None = None) -> Database:
        """Open the database at `url` (on PostgreSQL, its `schema`: a workspace's tables) and
        apply any migrations it lacks."""
        engine = make_engine(url, schema)
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        try:
            if schema is not None and engine.dialect.name == "postgresql":
                migrate.create_schema(url, schema)
            migrate.upgrade(engine, schema)
        except OperationalError as exc:
            raise StoreError(f"cannot open database {engine.url!r}: {exc.orig}; check "
                             "database_url and that the data dir is writable") from None
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session

    def insert(self, table: Any) -> Any:
        """An INSERT that understands ON CONFLICT on this dialect."""
        return dialect_insert(self.dialect, table)

    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING: add `.returning(...)` to learn whether it inserted."""
        return self.insert(table).on_conflict_do_nothing()

    def upsert(self, table: Any, keys: list[str], values: dict[str, Any],
               update: dict[str, Any]) -> Any:
        """INSERT `values`, or apply `update` to the row already holding these `keys`."""
        return self.insert(table).values(**values).on_conflict_do_update(
            index_elements=keys, set_=update)

    def greatest(self, *values: Any) -> Any:
        """The larger of SQL values (SQLite's two-argument max, PostgreSQL's greatest)."""
        return func.max(*values) if self.dialect == "sqlite" else func.greatest(*values)


class Repository:
    """Base of the repositories: one database, one clock."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
