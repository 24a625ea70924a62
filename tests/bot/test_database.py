"""Opening the database: migrations are atomic and safe to race, and a missing driver is one
line of advice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from bot.state import migrate
from bot.state.database import make_engine
from bot.state.store import Store
from tests.conftest import ON_EVERY_ENGINE
from tests.fakes.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]

# Waits for the go-file so that every process migrates at the same moment, not as each is ready.
OPEN_ON_GO = """
import sys, time
from pathlib import Path
from bot.state.store import Store
print("ready", flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.005)
Store.open(sys.argv[1], schema=sys.argv[3] if len(sys.argv) > 3 else None).close()
"""


def python(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def open_at_once(go: Path, arguments: list[list[str]]) -> list[tuple[int, str]]:
    """Open the store in one process per [url] or [url, schema], all at the same moment;
    each one's exit code and error output."""
    processes = [python("-c", OPEN_ON_GO, args[0], str(go), *args[1:]) for args in arguments]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    go.touch()
    return [(process.wait(timeout=120), process.stderr.read()) for process in processes
            if process.stderr is not None]


@ON_EVERY_ENGINE
def test_processes_migrating_one_empty_database_at_once_all_succeed(
        database_url: str, tmp_path: Path) -> None:
    assert open_at_once(tmp_path / "go", [[database_url]] * 3) == [(0, "")] * 3
    engine = create_engine(database_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert [v for (v,) in versions] == [migrate.head_revision()]


def test_connections_switching_one_new_sqlite_database_to_wal_at_once_all_succeed(
        tmp_path: Path) -> None:
    # SQLite answers one of two connections switching at once "database is locked" without
    # waiting (it would deadlock); 8 at once hit that in about a quarter of new databases
    def connect(url: str, barrier: threading.Barrier, modes: list[str]) -> None:
        engine = make_engine(url)
        barrier.wait()
        try:
            with engine.connect() as connection:
                modes.append(connection.exec_driver_sql("PRAGMA journal_mode").scalar_one())
        except OperationalError as exc:
            modes.append(str(exc.orig))
        finally:
            engine.dispose()

    for trial in range(40):
        url = f"sqlite:///{tmp_path}/{trial}.db"
        barrier, modes = threading.Barrier(8), []
        threads = [threading.Thread(target=connect, args=(url, barrier, modes))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert modes == ["wal"] * 8, f"database {trial}"


def test_workspaces_migrate_their_own_schemas_at_once(postgres: PostgresServer,
                                                      tmp_path: Path) -> None:
    url = postgres.create_database()
    opened = [[url, schema] for schema in ["replybot_ana", "replybot_ben"] * 2]
    assert open_at_once(tmp_path / "go", opened) == [(0, "")] * 4
    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names(schema="public") == []
        with engine.connect() as connection:
            for schema in ("replybot_ana", "replybot_ben"):
                versions = connection.execute(
                    text(f"SELECT version_num FROM {schema}.alembic_version")).all()
                assert [v for (v,) in versions] == [migrate.head_revision()]
                assert "comments" in inspect(engine).get_table_names(schema=schema)
    finally:
        engine.dispose()


@ON_EVERY_ENGINE
def test_a_failed_migration_leaves_the_schema_as_it_was(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:  # the 7th migration will find its table taken
        connection.execute(text("CREATE TABLE voice_examples (id INTEGER PRIMARY KEY)"))
        # a version table with no version: a database replybot started on, not a half-created one
        connection.execute(text("CREATE TABLE alembic_version "
                                "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    with pytest.raises(Exception, match="voice_examples"):  # noqa: B017 - either engine's error
        Store.open(database_url)
    # no half-migrated schema: the six migrations before the failing one left nothing behind
    assert sorted(inspect(engine).get_table_names()) == ["alembic_version", "voice_examples"]
    engine.dispose()


def test_postgresql_without_its_driver_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    without_psycopg = ("import sys; sys.modules['psycopg'] = None; "
                       "sys.argv = ['replybot', 'queue', 'list']; "
                       "from bot.cli import main; main()")
    process = python("-c", without_psycopg, REPLYBOT_DATA_DIR=str(tmp_path),
                     REPLYBOT_DATABASE_URL="postgresql://replybot@127.0.0.1:9/replybot")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert stderr == ("error: database_url is PostgreSQL but psycopg is not installed: "
                      "pip install 'replybot[postgres]'\n")
