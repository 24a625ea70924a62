"""The daemon as a real process: new lines picked up, SIGTERM is clean, SIGKILL loses nothing."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.harness import Sandbox
from tests.fakes.openai_server import FakeOpenAI


def comments(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"id": f"{prefix}{i}", "author": f"viewer{i}",
             "text": f"Question {prefix}{i}: which grinder setting for a V60?"} for i in range(n)]


def test_lines_appended_while_running_are_picked_up_and_sigterm_is_clean(
        tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.add_comments(comments("a", 2))
    daemon = box.daemon()
    daemon.wait_for(lambda: daemon.count("comment handled") == 2)
    box.add_comments(comments("b", 3))
    daemon.wait_for(lambda: daemon.count("comment handled") == 5)
    assert daemon.stop(signal.SIGTERM) == 0
    [summary] = [e for e in daemon.events if e.get("event") == "replybot stopped"]
    assert summary["new"] == 5 and summary["queued"] == 5 and summary["errors"] == 0
    assert all(e.get("platform") == "local" and e.get("comment_id")
               for e in daemon.events if e.get("event") == "comment handled")


def test_sigterm_mid_cycle_finishes_the_comment_in_flight(tmp_path: Path,
                                                          fake_openai: FakeOpenAI) -> None:
    fake_openai.behaviour.delay_s = 0.4
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.add_comments(comments("c", 30))
    daemon = box.daemon()
    daemon.wait_for(lambda: daemon.count("comment handled") >= 2)
    assert daemon.stop(signal.SIGTERM) == 0
    handled = daemon.count("comment handled")
    assert handled < 30  # it stopped intake instead of finishing the backlog
    drafts = box.json("queue", "list", "--status", "all")
    assert len(drafts) == handled  # the one in flight was finished and stored
    summary = next(e for e in daemon.events if e.get("event") == "replybot stopped")
    assert summary["queued"] == handled
    box.cli("run", "--once")  # the rest is still there for the next run
    assert len(box.json("queue", "list")) == 30


@pytest.mark.parametrize("kill_after", [3, 11])
def test_kill_mid_cycle_then_restart_loses_nothing_and_doubles_nothing(
        tmp_path: Path, fake_openai: FakeOpenAI, kill_after: int) -> None:
    fake_openai.behaviour.delay_s = 0.1
    box = Sandbox(tmp_path, fake_openai.base_url, mode="auto")
    box.add_comments(comments("k", 20))
    first = box.daemon()
    first.wait_for(lambda: first.count("comment handled") >= kill_after)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    box.add_comments(comments("late", 3))
    second = box.daemon()
    second.wait_for(lambda: len(box.outbox_records()) >= 23, timeout=120)
    second.wait_for(lambda: second.count("cycle done") >= 2)
    assert second.stop(signal.SIGTERM) == 0

    posted = Counter(r["comment_id"] for r in box.outbox_records())
    assert set(posted) == {f"k{i}" for i in range(20)} | {f"late{i}" for i in range(3)}
    assert max(posted.values()) == 1
    statuses = Counter(d["status"] for d in box.json("queue", "list", "--status", "all"))
    assert statuses == {"posted": 23}


def test_a_killed_post_is_reconciled_not_repeated(tmp_path: Path,
                                                  fake_openai: FakeOpenAI) -> None:
    """The row says `posting` but the reply reached the outbox: the next run must not post."""
    import json
    import sqlite3

    box = Sandbox(tmp_path, fake_openai.base_url, mode="auto")
    box.add_comments(comments("r", 1))
    box.cli("run", "--once")
    [record] = box.outbox_records()
    db = sqlite3.connect(box.data / "replybot.db")
    with db:  # rewind the row to the moment between the platform call and the commit
        db.execute("UPDATE drafts SET status='posting', reply_id=NULL, posted_at=NULL, "
                   "claimed_by='elsewhere:1:x', claimed_at='2020-01-01 00:00:00', "
                   "lease_until='2020-01-01 00:05:00'")  # its lease ran out long ago
    db.close()
    run = box.cli("run", "--once")
    assert len(box.outbox_records()) == 1
    [draft] = box.json("queue", "list", "--status", "posted")
    assert draft["reply_id"] == record["reply_id"]
    assert "after an interruption" in draft["reason"]
    assert json.loads([x for x in run.stderr.splitlines() if "replybot stopped" in x][0]
                      )["reconciled"] == 1
