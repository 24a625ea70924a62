"""Poison items against the real `replybot`: the comments around them are all answered, the
poison waits in quarantine, health says so, and the quarantine commands settle it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.connectors.test_poison import LOCAL_POISON, YOUTUBE_POISON, good
from tests.connectors.test_youtube import write_token
from tests.e2e.harness import Sandbox
from tests.e2e.test_youtube_flow import youtube_config
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.youtube_server import FakeYouTube


def drafted(box: Sandbox) -> set[str]:
    return {d["comment_id"] for d in box.json("queue", "list", "--status", "all")}


def test_poison_lines_never_block_the_local_feed(tmp_path: Path,
                                                 fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    lines = [good(0)]
    for n, (raw, _) in enumerate(LOCAL_POISON.values(), start=1):
        lines += [raw, good(n)]
    box.inbox.write_text("\n".join(lines) + "\n", encoding="utf-8")
    box.cli("run", "--once")
    assert drafted(box) == {f"good{n}" for n in range(len(LOCAL_POISON) + 1)}
    items = box.json("quarantine", "list")
    assert len(items) == len(LOCAL_POISON) and all(i["platform"] == "local" for i in items)
    health = json.loads(box.cli("health", "--json").stdout)
    assert health["status"] == "degraded" and "quarantine" in health["problems"][0]
    box.add_comments([{"id": "after", "author": "Bo", "text": "And the ratio?"}])
    box.cli("run", "--once")  # the cursor moved past the poison: only the new line is read
    assert "after" in drafted(box) and len(box.json("quarantine", "list")) == len(LOCAL_POISON)
    first = items[0]
    assert box.json("quarantine", "show", str(first["id"]))["error"] == first["error"]
    retried = box.cli("quarantine", "retry", str(first["id"]), "--json", check=False)
    assert retried.returncode == 1 and json.loads(retried.stdout)["item"]["retries"] == 1
    for item in items:
        box.cli("quarantine", "drop", str(item["id"]))
    assert box.json("quarantine", "list") == []
    assert json.loads(box.cli("health", "--json").stdout)["status"] == "healthy"


def test_poison_threads_never_block_the_youtube_feed(tmp_path: Path, fake_openai: FakeOpenAI,
                                                    ) -> None:
    fake = FakeYouTube().start()
    try:
        fake.add_video("vid1", "V60 Basics")
        box = Sandbox(tmp_path, fake_openai.base_url)
        write_token(tmp_path / "token.json", fake)
        box.write_config(extra=youtube_config(fake))
        good_ids = {fake.add_thread("vid1", "first question?").top.id}
        for raw_fields in YOUTUBE_POISON.values():
            fake.add_thread("vid1", "poison").top.raw_fields = raw_fields
            good_ids.add(fake.add_thread("vid1", "next question?").top.id)
        box.cli("run", "--once")
        assert drafted(box) == good_ids
        assert len(box.json("quarantine", "list", "--platform", "youtube")) \
            == len(YOUTUBE_POISON)
    finally:
        fake.stop()
