"""The daemon as a service: metrics and health over HTTP and CLI, doctor, backup round trip."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from bot.state.migrate import head_revision
from tests.e2e.harness import Sandbox, free_port
from tests.fakes.openai_server import FakeOpenAI


def test_metrics_and_health_of_a_running_daemon(tmp_path: Path,
                                                fake_openai: FakeOpenAI) -> None:
    port = free_port()
    box = Sandbox(tmp_path, fake_openai.base_url, mode="auto")
    box.write_config(extra=f"[metrics]\nport = {port}\n")
    box.add_comments([{"id": "a", "author": "Ann", "text": "What kettle do you use?"},
                      {"id": "s", "author": "Bot", "text": "earn $500/day on telegram"},
                      {"id": "g", "author": "Eve", "text": "is www.beans.shop any good?"}])
    before = box.cli("health", check=False)
    assert before.returncode == 1 and "no successful cycle yet" in before.stderr
    daemon = box.daemon()
    daemon.wait_for(lambda: daemon.count("cycle done") >= 1)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    health = box.json("health")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        over_http = (response.status, json.loads(response.read()))
    assert daemon.stop() == 0
    assert over_http[0] == 200 and over_http[1]["ok"] is True
    assert 'replybot_comments_fetched_total{platform="local"} 3.0' in metrics
    assert 'replybot_guard_blocks_total{kind="link"} 1.0' in metrics  # the echoed link
    assert 'replybot_replies_posted_total{platform="local"} 1.0' in metrics
    assert 'replybot_comments_skipped_total{label="spam"} 1.0' in metrics
    assert 'replybot_drafts{status="posted"} 1.0' in metrics
    assert "replybot_cycle_seconds_count" in metrics
    assert "replybot_last_success_timestamp_seconds" in metrics
    assert 'replybot_workers{state="live"} 1.0' in metrics
    assert health["ok"] is True and health["age_s"] < 60
    assert len(health["workers"]["live"]) == 1 and health["workers"]["stale"] == []
    stale = box.cli("health", "--max-age", "0.001", check=False)
    assert stale.returncode == 1 and "limit" in stale.stderr


def test_doctor_reports_each_check(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.write_config(extra="[connectors.kuaishou]\nenabled = true\n")
    result = box.cli("doctor", "--json", check=False)
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.returncode == 1  # the kuaishou stub cannot work
    assert checks["connector kuaishou"]["status"] == "fail"
    assert checks["connector local"]["status"] == "pass"
    assert checks["database"]["status"] == "pass" and f"migration {head_revision()}" in \
        checks["database"]["detail"]
    assert checks["data dir"]["status"] == "pass"
    # the bundled embedder, really run, gives the shipped examples' vectors on this processor
    assert checks["embedder"]["status"] == "pass", checks["embedder"]
    assert checks["knowledge base"]["status"] == "warn"  # empty, with how to fix it
    assert "kb add" in checks["knowledge base"]["fix"]
    assert checks["daemon"]["status"] == "warn"


def test_export_then_import_gives_back_the_same_state(tmp_path: Path,
                                                      fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path / "one", fake_openai.base_url)
    box.add_comments([{"id": "a", "author": "Ann", "text": "What kettle?"},
                      {"id": "b", "author": "小雨", "text": "冷萃泡多久？"}])
    box.cli("run", "--once")
    first = box.json("queue", "list")[0]["id"]
    box.cli("queue", "approve", str(first))
    dump = tmp_path / "backup.jsonl"
    box.cli("export", str(dump))
    moved = Sandbox(tmp_path / "two", fake_openai.base_url)
    moved.cli("import", str(dump))
    again = moved.cli("export").stdout
    assert again == dump.read_text(encoding="utf-8")
    assert moved.json("queue", "list", "--status", "all") == box.json("queue", "list",
                                                                       "--status", "all")
    refused = moved.cli("import", str(dump), check=False)
    assert refused.returncode == 1 and "already holds data" in refused.stderr
