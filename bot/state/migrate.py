"""Bring a database up to the newest schema with the Alembic migrations shipped in the package.

An upgrade is one transaction on either engine, so a failed migration leaves the schema as it
was. Processes starting together on one empty database take turns: PostgreSQL's advisory lock
(released at commit) or SQLite's write lock (BEGIN IMMEDIATE) makes the others wait, and they
find the schema already at head.

A data dir left half-created by an older replybot (tables, but no schema version) is rebuilt if
its tables are empty, and refused with how to repair it if they are not.
"""

from __future__ import annotations

import os
import signal
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from bot.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK = threading.Lock()
# pg_advisory_xact_lock key shared by every replybot process: "replybot" as bytes, as a bigint
ADVISORY_KEY = int.from_bytes(b"replybot", "big") - 2**63
#: tests only: SIGKILL this process just after the Nth statement of an upgrade
KILL_AT_STEP = "REPLYBOT_TEST_MIGRATION_KILL_AT_STEP"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def advisory_key(schema: str | None) -> int:
    """The lock a schema's migrations take: one per workspace, so creators migrate side by side."""
    if schema is None:
        return ADVISORY_KEY
    return ADVISORY_KEY + zlib.crc32(schema.encode())


def create_schema(url: str, schema: str) -> None:
    """Create a workspace's PostgreSQL schema if it is missing (processes starting together
    take turns under its advisory lock: CREATE SCHEMA IF NOT EXISTS alone can still collide)."""
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": advisory_key(schema)})
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()


def upgrade(engine: Engine, schema: str | None = None) -> None:
    """Apply missing migrations. Alembic's context is process-global, hence the thread lock."""
    with _LOCK:
        if current_revision(engine) == head_revision():
            return
        with _exclusive(engine, advisory_key(schema)) as connection:
            # another process may have migrated while this one waited for the lock
            if MigrationContext.configure(connection).get_current_revision() != head_revision():
                _kill_hook(connection)
                _repair_half_created(connection)
                command.upgrade(alembic_config(connection), "head")


@contextmanager
def _exclusive(engine: Engine, key: int = ADVISORY_KEY) -> Iterator[Connection]:
    """A connection in a transaction that no other process can migrate alongside."""
    if engine.dialect.name == "sqlite":
        with _sqlite_immediate(engine) as connection:
            yield connection
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield connection


@contextmanager
def _sqlite_immediate(engine: Engine) -> Iterator[Connection]:
    """One SQLite transaction holding the write lock, DDL included.

    Python's sqlite3 module opens a transaction only before INSERT, UPDATE and DELETE, so each
    CREATE and ALTER would commit on its own; with its handling off, this BEGIN spans them all.
    """
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        level = driver.isolation_level
        driver.isolation_level = None
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
        finally:
            driver.isolation_level = level


def _repair_half_created(connection: Connection) -> None:
    """Tables without a schema version: drop them if empty, else refuse with the fix."""
    names = set(inspect(connection).get_table_names())
    if not names or "alembic_version" in names:
        return
    tables = MetaData()
    tables.reflect(connection)
    rows = {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in tables.sorted_tables}
    if any(rows.values()):
        raise StoreError(
            f"the database has replybot tables ({', '.join(sorted(names))}) but no schema "
            "version, and they hold data: an older replybot was stopped while creating it. "
            "Stop replybot, move the database file aside and start again (then `replybot "
            "import` an export if you have one)")
    for table in reversed(tables.sorted_tables):
        table.drop(connection)


def _kill_hook(connection: Connection) -> None:
    step = os.environ.get(KILL_AT_STEP)
    if not step:
        return
    count = [0]

    @event.listens_for(connection, "after_cursor_execute")
    def _after(*_args: Any) -> None:
        count[0] += 1
        if count[0] == int(step):
            os.kill(os.getpid(), signal.SIGKILL)
