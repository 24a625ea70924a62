"""Bring a database up to the newest schema with the Alembic migrations shipped in the package.

An upgrade is one transaction on either engine, so a failed migration leaves the schema as it
was. Processes starting together on one empty database take turns: PostgreSQL's advisory lock
(released at commit) or SQLite's write lock (BEGIN IMMEDIATE) makes the others wait, and they
find the schema already at head.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK = threading.Lock()
# pg_advisory_xact_lock key shared by every replybot process: "replybot" as bytes, as a bigint
ADVISORY_KEY = int.from_bytes(b"replybot", "big") - 2**63


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


def upgrade(engine: Engine) -> None:
    """Apply missing migrations. Alembic's context is process-global, hence the thread lock."""
    with _LOCK:
        if current_revision(engine) == head_revision():
            return
        with _exclusive(engine) as connection:
            # another process may have migrated while this one waited for the lock
            if MigrationContext.configure(connection).get_current_revision() != head_revision():
                command.upgrade(alembic_config(connection), "head")


@contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process can migrate alongside."""
    if engine.dialect.name == "sqlite":
        with _sqlite_immediate(engine) as connection:
            yield connection
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
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
