"""Start-up cannot half-happen: a process killed at any statement of the first migration leaves
no schema or the whole one, and every later start succeeds (real subprocesses, real SIGKILL)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.state import migrate
from bot.state.store import Store

OPEN = "import sys; from bot.state.store import Store; Store.open(sys.argv[1]).close()"


def open_in_subprocess(url: str, kill_at: int | None = None) -> int:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])}
    if kill_at is not None:
        env[migrate.KILL_AT_STEP] = str(kill_at)
    return subprocess.run([sys.executable, "-c", OPEN, url], env=env, timeout=60).returncode


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def version(path: Path) -> str | None:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None


def statements_in_first_upgrade(tmp_path: Path) -> int:
    """How many statements the upgrade of a fresh database runs (the kill points)."""
    kill_at = 1
    while open_in_subprocess(f"sqlite:///{tmp_path / f'count{kill_at}.db'}", kill_at) \
            == -signal.SIGKILL:
        kill_at += 8
    return kill_at


def test_a_kill_at_every_step_of_the_first_migration_leaves_old_or_new_schema(
        tmp_path: Path) -> None:
    full = None
    steps = statements_in_first_upgrade(tmp_path)
    assert steps > 20  # the hook fires: a kill at a step past the end is no kill
    for step in range(1, steps + 1):
        path = tmp_path / f"kill{step}.db"
        code = open_in_subprocess(f"sqlite:///{path}", kill_at=step)
        if code == 0:
            break  # past the last statement
        assert code == -signal.SIGKILL
        left = tables(path) if path.exists() else set()
        assert left == set(), f"killed at step {step}, tables left behind: {sorted(left)}"
        assert open_in_subprocess(f"sqlite:///{path}") == 0  # the next start succeeds
        assert version(path) == migrate.head_revision()
        full = full or tables(path)
        assert tables(path) == full


def test_a_half_created_empty_data_dir_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "half.db"
    with sqlite3.connect(path) as db:  # what an older replybot left when killed at start-up
        db.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("CREATE TABLE cursors (platform TEXT, feed TEXT)")
    Store.open(f"sqlite:///{path}").close()
    assert version(path) == migrate.head_revision() and "quarantine" in tables(path)


def test_a_half_created_data_dir_with_data_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "half.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO comments (text) VALUES ('keep me')")
    with pytest.raises(StoreError, match="move the database file aside"):
        Store.open(f"sqlite:///{path}")
    assert tables(path) == {"comments"}  # nothing was changed
