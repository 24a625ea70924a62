"""Several `replybot run` workers on one PostgreSQL database: each comment is drafted once, no
reply is posted twice, and a worker killed while holding leases loses nothing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from bot.domain import Status
from bot.state.store import Store
from bot.state.workers import feed_lease
from tests.e2e.harness import REPLYBOT, Daemon, Sandbox, free_port
from tests.e2e.test_daemon import comments
from tests.fakes.openai_server import FakeOpenAI

ON_POSTGRES = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
# short leases so a takeover happens within the test's patience
FAST_LEASES = "[workers]\nheartbeat_s = 0.5\nlease_s = 2\nstale_after_s = 3\n"


def worker(box: Sandbox, n: int, database_url: str) -> Daemon:
    """A `replybot run` with its own data dir (its own Chroma folder), on the shared database."""
    env = box.env() | {"REPLYBOT_DATA_DIR": str(box.root / f"worker{n}"),
                       "REPLYBOT_DATABASE_URL": database_url}
    return Daemon(subprocess.Popen([REPLYBOT, "run"], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE))


def drafted(store: Store) -> int:
    return sum(store.counts().values())


def workers_json(box: Sandbox, database_url: str) -> list[dict[str, object]]:
    result = box.cli("workers", "--json", extra_env={"REPLYBOT_DATABASE_URL": database_url})
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def probe_worker(port: int) -> tuple[tuple[int, dict[str, object]], str]:
    """A worker's /healthz (status, body) and its /metrics text."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as page:
            probe = (page.status, json.loads(page.read()))
    except urllib.error.HTTPError as exc:
        probe = (exc.code, json.loads(exc.read()))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:
        return probe, page.read().decode()


@ON_POSTGRES
def test_workers_started_together_draft_each_comment_once_and_post_each_reply_once(
        tmp_path: Path, fake_openai: FakeOpenAI, database_url: str) -> None:
    fake_openai.behaviour.delay_s = 0.05
    box = Sandbox(tmp_path, fake_openai.base_url, mode="auto")
    box.add_comments(comments("w", 12))
    store = Store.open(database_url)
    daemons = [worker(box, n, database_url) for n in range(2)]
    daemons[0].wait_for(lambda: store.counts()[Status.POSTED] == 12, timeout=240)
    listed = workers_json(box, database_url)
    assert all(d.stop(signal.SIGTERM) == 0 for d in daemons)

    assert len(fake_openai.chat_requests()) == 12  # one model call per comment
    posted = Counter(r["comment_id"] for r in box.outbox_records())
    assert set(posted) == {f"w{i}" for i in range(12)} and max(posted.values()) == 1
    assert len(listed) == 2 and all(w["alive"] for w in listed)
    assert sum(len(w["feeds"]) for w in listed) == 1  # type: ignore[arg-type]
    handled = [d.count("comment handled") for d in daemons]
    assert sum(handled) == 12
    assert store.workers_repo.workers() == []  # a clean stop deregisters
    store.close()


@ON_POSTGRES
def test_a_worker_killed_holding_the_feed_and_a_draft_is_taken_over_and_nothing_is_lost(
        tmp_path: Path, fake_openai: FakeOpenAI, database_url: str) -> None:
    fake_openai.behaviour.delay_s = 30  # the first worker hangs in its first model call
    box = Sandbox(tmp_path, fake_openai.base_url)
    port = free_port()
    box.write_config(FAST_LEASES + f"[metrics]\nport = {port}\n")
    box.add_comments(comments("k", 5))
    store = Store.open(database_url)
    first = worker(box, 1, database_url)
    first.wait_for(lambda: len(fake_openai.chat_requests()) == 1, timeout=120)
    [dead] = store.workers_repo.workers()
    assert dead.feeds == (feed_lease("local", "default"),) and dead.drafting == 1
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    fake_openai.behaviour.delay_s = 0
    box.add_comments(comments("late", 2))  # only a worker that took the feed over reads these
    second = worker(box, 2, database_url)
    second.wait_for(lambda: drafted(store) == 7, timeout=120)
    time.sleep(1)  # a few more heartbeats: the dead one is well past stale_after_s
    listed = {w["id"]: w for w in workers_json(box, database_url)}
    health = box.cli("health", "--json", check=False,
                     extra_env={"REPLYBOT_DATABASE_URL": database_url})
    probe, metrics = probe_worker(port)
    assert second.stop(signal.SIGTERM) == 0

    assert listed[dead.id]["alive"] is False and listed[dead.id]["feeds"] == []
    [alive] = [w for w in listed.values() if w["alive"]]
    assert alive["feeds"] == ["feed:local:default"]
    assert health.returncode == 1 and dead.id in health.stdout
    # the survivor's own probe and metrics report the dead worker, not just its own success
    assert probe[0] == 503 and [w["id"] for w in probe[1]["workers"]["stale"]] == [dead.id]
    assert 'replybot_workers{state="stale"} 1.0' in metrics
    ids = sorted(d.comment.comment_id for d in store.drafts(None))
    assert ids == sorted([f"k{i}" for i in range(5)] + ["late0", "late1"])
    # the killed call, then one call per comment by the survivor
    assert len(fake_openai.chat_requests()) == 1 + 7
    store.close()


def test_a_second_daemon_on_one_data_dir_with_local_chroma_stops_at_start(
        tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.add_comments(comments("c", 3))
    first = box.daemon()
    first.wait_for(lambda: first.count("comment handled") == 3)
    second = box.cli("run", check=False, timeout=120)
    box.add_comments(comments("d", 2))
    first.wait_for(lambda: first.count("comment handled") == 5)
    assert first.stop(signal.SIGTERM) == 0

    assert second.returncode != 0
    assert "is in use by another replybot process" in second.stderr
    assert "chroma_url" in second.stderr
    drafts = box.json("queue", "list", "--status", "all")
    assert len(drafts) == 5 and {d["status"] for d in drafts} == {"pending"}


def unshare_works() -> bool:
    """Whether this machine lets a test start a process in its own PID namespace."""
    try:
        probe = subprocess.run(["unshare", "--pid", "--fork", "true"], capture_output=True,
                               timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


class Contained(Daemon):
    """A worker as `docker --network host` runs it: the host's name, pid 1 in its own PID
    namespace. Signals go to the worker itself (`unshare` does not pass them on)."""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        pid = self.process.pid
        [child] = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        os.kill(int(child), sig)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code


def contained_worker(box: Sandbox, n: int, database_url: str) -> Contained:
    env = box.env() | {"REPLYBOT_DATA_DIR": str(box.root / f"worker{n}"),
                       "REPLYBOT_DATABASE_URL": database_url}
    return Contained(subprocess.Popen(["unshare", "--pid", "--fork", REPLYBOT, "run"], env=env,
                                      text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE))


@ON_POSTGRES
@pytest.mark.skipif(not unshare_works(), reason="needs `unshare --pid` (root or CAP_SYS_ADMIN)")
def test_two_workers_with_one_hostname_and_one_pid_in_separate_namespaces_post_each_reply_once(
        tmp_path: Path, fake_openai: FakeOpenAI, database_url: str) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.add_comments(comments("ns", 12))
    store = Store.open(database_url)
    daemons = [contained_worker(box, n, database_url) for n in range(2)]
    daemons[0].wait_for(lambda: store.counts()[Status.PENDING] == 12, timeout=240)
    twins = store.workers_repo.workers()
    for draft in store.drafts(Status.PENDING):  # the creator approves all twelve at once
        store.transition(draft.id, Status.APPROVED, "approved", "cli", from_=[Status.PENDING])
    daemons[0].wait_for(lambda: store.counts()[Status.POSTED] == 12, timeout=240)
    time.sleep(2)  # more cycles of both: a live claim taken over would post again now
    assert all(d.stop(signal.SIGTERM) == 0 for d in daemons)

    assert [(w.host, w.pid) for w in twins] == [(socket.gethostname(), 1)] * 2
    assert twins[0].id != twins[1].id
    posted = Counter(r["comment_id"] for r in box.outbox_records())
    assert set(posted) == {f"ns{i}" for i in range(12)} and max(posted.values()) == 1
    store.close()
