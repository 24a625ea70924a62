"""Bring a database up to the newest schema with the Alembic migrations shipped in the package.

The whole upgrade is one transaction, so a process killed at any instant leaves the old schema
or the new one, never a part. PostgreSQL's DDL is transactional as it is; SQLite's is too, but
Python's sqlite3 driver commits around DDL by itself, so on SQLite the upgrade runs on its own
connection in autocommit mode with an explicit `BEGIN IMMEDIATE` (which also makes a second
process wait instead of migrating alongside). Alembic's `transaction_per_migration` stays off:
every migration joins the one outer transaction.

A data dir left half-created by an older replybot (tables, but no schema version) is rebuilt if
its tables are empty, and refused with how to repair it if they are not.
"""

from __future__ import annotations

import os
import signal
import threading
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, event, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from bot.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK = threading.Lock()
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


def upgrade(engine: Engine) -> None:
    """Apply missing migrations in one transaction. Alembic's context is process-global,
    hence the lock."""
    with _LOCK:
        if current_revision(engine) == head_revision():
            return
        atomic = _atomic_engine(engine)
        try:
            with atomic.begin() as connection:
                _kill_hook(connection)
                _repair_half_created(connection)
                command.upgrade(alembic_config(connection), "head")
        finally:
            if atomic is not engine:
                atomic.dispose()


def _atomic_engine(engine: Engine) -> Engine:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine  # PostgreSQL as it is; an in-memory SQLite lives in its one connection
    atomic = create_engine(engine.url, poolclass=NullPool,
                           connect_args={"isolation_level": None})

    @event.listens_for(atomic, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(atomic, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return atomic


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
