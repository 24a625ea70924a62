"""Start-up cannot half-happen: a process killed at any statement of the first migration leaves
no schema or the whole one, and every later start succeeds (real subprocesses, real SIGKILL)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.state import migrate
from bot.state.store import Store

# One process imports the store once, then forks a real process for each start: a start costs
# a fork, not an interpreter and its imports (the kill test makes about a hundred starts).
FORKER = """
import os, sys
from bot.state.store import Store
for line in sys.stdin:
    url, kill_at = line.split()
    pid = os.fork()
    if pid == 0:
        if kill_at != "-":
            os.environ[sys.argv[1]] = kill_at
        try:
            Store.open(url).close()
        except BaseException:
            os._exit(1)
        os._exit(0)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class Starts:
    """Starts of replybot's store in real processes, each optionally SIGKILLed by the migration
    at its n-th statement."""

    def __init__(self) -> None:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])}
        self.process = subprocess.Popen([sys.executable, "-c", FORKER, migrate.KILL_AT_STEP],
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def __call__(self, url: str, kill_at: int | None = None) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{url} {kill_at or '-'}\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture
def open_in_subprocess() -> Iterator[Starts]:
    starts = Starts()
    yield starts
    starts.close()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def version(path: Path) -> str | None:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None


def statements_in_first_upgrade(open_in_subprocess: Starts, tmp_path: Path) -> int:
    """How many statements the upgrade of a fresh database runs (the kill points)."""
    kill_at = 1
    while open_in_subprocess(f"sqlite:///{tmp_path / f'count{kill_at}.db'}", kill_at) \
            == -signal.SIGKILL:
        kill_at += 8
    return kill_at


def test_a_kill_at_every_step_of_the_first_migration_leaves_old_or_new_schema(
        open_in_subprocess: Starts, tmp_path: Path) -> None:
    full = None
    steps = statements_in_first_upgrade(open_in_subprocess, tmp_path)
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
