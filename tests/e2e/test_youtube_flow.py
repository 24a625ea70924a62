"""The real CLI with YouTube enabled, against the fake YouTube and the fake model server."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.test_youtube import write_token
from tests.e2e.harness import REPLYBOT, Sandbox, free_port
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.youtube_server import CHANNEL, FakeYouTube


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    server = FakeYouTube().start()
    server.add_video("vid1", "V60 Basics")
    yield server
    server.stop()


@pytest.fixture
def box(tmp_path: Path, fake: FakeYouTube, fake_openai: FakeOpenAI) -> Sandbox:
    sandbox = Sandbox(tmp_path, fake_openai.base_url)
    write_token(tmp_path / "token.json", fake)
    sandbox.write_config(extra=youtube_config(fake))
    return sandbox


def youtube_config(fake: FakeYouTube, **extra: object) -> str:
    lines = [f'channel_id = "{CHANNEL}"', 'token_file = "token.json"',
             f'token_uri = "{fake.token_uri}"', f'api_endpoint = "{fake.base_url}"',
             "poll_interval_s = 10", *(f"{k} = {json.dumps(v)}" for k, v in extra.items())]
    return "[connectors.youtube]\nenabled = true\n" + "\n".join(lines) + "\n"


def drafts(box: Sandbox, status: str = "pending") -> dict[str, dict[str, object]]:
    return {d["comment_id"]: d for d in box.json("queue", "list", "--status", status)}


def test_comments_are_drafted_and_an_approval_replies_under_the_thread(
        box: Sandbox, fake: FakeYouTube) -> None:
    thread = fake.add_thread("vid1", "What water temperature?", author="Tom")
    fake.add_reply(thread, "Thanks everyone!", author="Lina", author_channel=CHANNEL)
    box.cli("run", "--once")
    pending = drafts(box)
    assert list(pending) == [thread.top.id]
    assert pending[thread.top.id]["video_title"] == "V60 Basics"
    assert [d["triage"] for d in drafts(box, "skipped").values()] == ["own"]
    posted = box.json("queue", "approve", str(pending[thread.top.id]["id"]))
    [reply] = [r for r in fake.our_replies(thread.top.id) if r.text != "Thanks everyone!"]
    assert posted["reply_id"] == reply.id and reply.text == pending[thread.top.id]["reply"]
    quota = {q["platform"]: q for q in box.json("quota")}
    assert quota["youtube"]["used"] == fake.total_units
    assert quota["youtube"]["reserved_for_replies"] == 2500


def test_a_lost_response_then_retry_posts_once(box: Sandbox, fake: FakeYouTube) -> None:
    thread = fake.add_thread("vid1", "Which grinder?")
    box.cli("run", "--once")
    draft_id = str(drafts(box)[thread.top.id]["id"])
    fake.drop_insert_responses = 1
    result = box.cli("queue", "approve", draft_id, "--json", check=False)
    assert result.returncode == 1 and json.loads(result.stdout)["status"] == "approved"
    second = box.cli("run", "--once", check=False)
    assert len(fake.our_replies(thread.top.id)) == 1, second.stderr[-3000:]
    [done] = drafts(box, "posted").values()
    assert done["reason"] == "found on the platform before retrying"


def test_a_crash_after_insert_before_the_store_recorded_it(box: Sandbox,
                                                          fake: FakeYouTube) -> None:
    thread = fake.add_thread("vid1", "Which grinder?")
    box.cli("run", "--once")
    draft_id = str(drafts(box)[thread.top.id]["id"])
    box.cli("queue", "approve", draft_id)
    db = sqlite3.connect(box.data / "replybot.db")
    with db:  # back to the moment between comments.insert and the commit
        db.execute("UPDATE drafts SET status='posting', reply_id=NULL, posted_at=NULL, "
                   "claimed_by='other-host:1:x', claimed_at='2020-01-01 00:00:00', "
                   "lease_until='2020-01-01 00:05:00'")  # its lease ran out long ago
    db.close()
    box.cli("run", "--once")
    assert len(fake.our_replies(thread.top.id)) == 1
    assert drafts(box, "posted")[thread.top.id]["reply_id"] == fake.our_replies()[0].id


def test_quota_exceeded_pauses_youtube_and_the_rest_keeps_running(
        box: Sandbox, fake: FakeYouTube) -> None:
    box.add_comments([{"id": "l1", "author": "Ann", "text": "What kettle?"}])
    fake.quota_exceeded = True
    run = box.cli("run", "--once")
    assert "quota spent; connector paused" in run.stderr
    assert list(drafts(box)) == ["l1"]
    [quota] = box.json("quota")
    assert quota["used"] == quota["daily_quota"] and quota["remaining"] == 0


def test_stub_platforms_explain_themselves_and_the_rest_keeps_running(
        box: Sandbox, fake: FakeYouTube) -> None:
    box.write_config(extra=youtube_config(fake) + "[connectors.douyin]\nenabled = true\n")
    thread = fake.add_thread("vid1", "Q?")
    run = box.cli("run", "--once", check=False)
    assert run.returncode == 1  # something needs attention...
    assert "item.comment scope" in run.stderr
    assert list(drafts(box)) == [thread.top.id]  # ...and the rest worked


def test_an_expired_token_is_refreshed_and_written_back(box: Sandbox, fake: FakeYouTube,
                                                        tmp_path: Path) -> None:
    token = write_token(tmp_path / "token.json", fake, valid_for_s=-60)
    fake.add_thread("vid1", "Q?")
    box.cli("run", "--once")
    assert json.loads(token.read_text())["token"] in fake.access_tokens
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_a_revoked_token_stops_youtube_with_instructions(box: Sandbox, fake: FakeYouTube,
                                                         tmp_path: Path) -> None:
    write_token(tmp_path / "token.json", fake, valid_for_s=-60, refresh_token="revoked")
    box.add_comments([{"id": "l1", "author": "Ann", "text": "What kettle?"}])
    run = box.cli("run", "--once", check=False)
    assert "run `replybot auth youtube` again" in run.stderr
    assert list(drafts(box)) == ["l1"]



def test_auth_youtube_runs_the_installed_app_flow_headless(box: Sandbox, fake: FakeYouTube,
                                                           tmp_path: Path) -> None:
    (tmp_path / "token.json").unlink()
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps({"installed": {
        "client_id": "client-1", "client_secret": "secret-1",
        "auth_uri": fake.base_url + "auth", "token_uri": fake.token_uri,
        "redirect_uris": ["http://localhost"]}}))
    box.write_config(extra=youtube_config(fake, client_secrets_file="client_secret.json"))
    port = free_port()
    env = box.env() | {"PYTHONUNBUFFERED": "1", "OAUTHLIB_INSECURE_TRANSPORT": "1"}
    flow = subprocess.Popen([REPLYBOT, "auth", "youtube", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert flow.stdout is not None
    url = ""
    deadline = time.monotonic() + 60
    while not url.startswith("http") and time.monotonic() < deadline:
        url = flow.stdout.readline().strip()
    assert url.startswith(fake.base_url + "auth?") and "youtube.force-ssl" in url
    with urllib.request.urlopen(url, timeout=30) as page:  # the browser: consent, redirect back
        assert b"authorised" in page.read()
    assert flow.wait(timeout=60) == 0
    token = tmp_path / "token.json"
    saved = json.loads(token.read_text())
    assert saved["refresh_token"] == "refresh-from-code"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    thread = fake.add_thread("vid1", "Q?")
    box.cli("run", "--once")  # and the new token works
    assert list(drafts(box)) == [thread.top.id]


def test_kb_sync_youtube_imports_videos_and_the_creators_answers(
        box: Sandbox, fake: FakeYouTube) -> None:
    fake.add_video("vid2", "Fridge Cold Brew", description="60 g of coffee to 600 g of water, "
                   "14 hours in the fridge, then dilute 1:1.")
    thread = fake.add_thread("vid2", "Can I leave it for 24 hours?", author="Kev")
    fake.add_reply(thread, "Up to 16 hours is fine; after that it turns woody.", author="Lina",
                   author_channel=CHANNEL)
    box.cli("run", "--once")  # stores the comments, the creator's reply among them
    report = box.json("kb", "sync-youtube")
    assert report["videos"] == 2 and report["answers"] == 1 and report["added"] == 2
    hits = box.json("kb", "search", "how long does cold brew steep", "--video", "vid2")
    assert hits[0]["video_id"] == "vid2"
    answers = box.json("kb", "search", "can I leave the cold brew for 24 hours", "--k", "5")
    assert any("turns woody" in h["text"] for h in answers)
    fake.videos.pop("vid1")  # a video taken down
    again = box.json("kb", "sync-youtube")
    assert again["removed"] >= 1 and again["added"] == 0
    assert fake.units["channels.list"] == 2


def test_voice_import_history_gives_examples_for_training_and_few_shot(
        box: Sandbox, fake: FakeYouTube, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    answered = fake.add_thread("vid1", "Can I leave the cold brew for 24 hours?", author="Kev")
    fake.add_reply(answered, "Up to 16 hours is fine; after that it turns woody. — Lina",
                   author="Lina", author_channel=CHANNEL)
    chatty = fake.add_thread("vid1", "Which grinder is that?", author="Ann")
    for n in range(6):  # more replies than a thread listing carries
        fake.add_reply(chatty, f"viewer reply {n}", author=f"v{n}")
    fake.add_reply(chatty, "It's a hand grinder I bought in Tokyo. — Lina", author="Lina",
                   author_channel=CHANNEL)
    unanswered = fake.add_thread("vid1", "Nice video", author="Bo")
    fake.add_reply(unanswered, "agreed!", author="Cy")
    fake.add_thread("vid1", "New video is up!", author="Lina", author_channel=CHANNEL)

    report = box.json("voice", "import-history")
    assert report == {"pairs": 2, "new": 2}
    assert box.json("voice", "import-history") == {"pairs": 2, "new": 0}
    ready = {e["comment"]: e for e in box.json("voice", "examples", "--status", "ready")}
    assert ready["Which grinder is that?"]["reply"].startswith("It's a hand grinder")
    assert ready["Can I leave the cold brew for 24 hours?"]["source"] == "history"

    train = tmp_path / "train.jsonl"
    exported = box.json("finetune", "export", "--out", str(train))
    assert exported["train_examples"] + exported["valid_examples"] == 2
    assert "turns woody" in train.read_text(encoding="utf-8")

    # a similar new comment is drafted with the creator's own answer as an example
    fake.add_thread("vid1", "Is 24 hours too long for cold brew?", author="Dee")
    box.cli("run", "--once")
    [messages] = [r["messages"] for r in fake_openai.chat_requests()
                  if "Is 24 hours too long" in r["messages"][-1]["content"]]
    shown = [m["content"] for m in messages if m["role"] == "assistant"]
    assert shown == ["Up to 16 hours is fine; after that it turns woody. — Lina"]

    # what replybot posted for the channel is the model's words: never imported as the voice
    [dee] = [d for d in box.json("queue", "list") if d["author"] == "Dee"]
    box.cli("queue", "approve", str(dee["id"]))
    assert box.json("voice", "import-history") == {"pairs": 2, "new": 0}
