"""Three creators with two YouTube channels each, served by one real `replybot run --once`.

Each channel is a fake YouTube of its own that knows only its threads and accepts only the
tokens it issued, so a reply sent through the wrong channel's account would fail there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.connectors.test_youtube import write_token
from tests.e2e.harness import Sandbox
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.youtube_server import FakeThread, FakeYouTube

CREATORS = ("ana", "ben", "cleo")
ACCOUNTS = ("main", "second")


@dataclass
class Channel:
    creator: str
    account: str
    fake: FakeYouTube
    threads: list[FakeThread]

    @property
    def source(self) -> str:
        return "youtube" if self.account == "main" else f"youtube:{self.account}"


@pytest.fixture
def channels(tmp_path: Path) -> Iterator[list[Channel]]:
    found = []
    for creator in CREATORS:
        for account in ACCOUNTS:
            fake = FakeYouTube(channel=f"UC{creator}{account}Channel00001").start()
            fake.add_video(f"{creator}-{account}-v1", f"{creator.title()} {account} video")
            threads = [fake.add_thread(f"{creator}-{account}-v1", f"{text} ({creator} {account})",
                                       author=f"viewer{n}")
                       for n, text in enumerate(["Which grinder do you use?",
                                                 "How hot should the water be?"])]
            write_token(tmp_path / f"{creator}-{account}.json", fake)
            found.append(Channel(creator, account, fake, threads))
    yield found
    for channel in found:
        channel.fake.stop()


def account_table(channel: Channel) -> str:
    fake = channel.fake
    table = "" if channel.account == "main" else f".accounts.{channel.account}"
    return (f"[workspaces.{channel.creator}.connectors.youtube{table}]\n"
            + ("enabled = true\n" if channel.account == "main" else "")
            + f'channel_id = "{fake.channel}"\ntoken_file = "{channel.creator}-'
            f'{channel.account}.json"\ntoken_uri = "{fake.token_uri}"\n'
            f'api_endpoint = "{fake.base_url}"\n')


def write_config(box: Sandbox, channels: list[Channel]) -> None:
    personas = "".join(f'[workspaces.{c}.persona]\nname = "{c.title()}"\n' for c in CREATORS)
    box.config.write_text(f"""
mode = "auto"
[llm]
base_url = "{box.llm_url}"
api_key = "sk-test"
model = "fake-model"
max_retries = 0
[guard]
auto_checks = []
[policy]
min_spacing_s = 0
[connectors.youtube]
poll_interval_s = 10
{personas}
{"".join(account_table(c) for c in channels)}
""", encoding="utf-8")


@pytest.fixture
def box(tmp_path: Path, channels: list[Channel], fake_openai: FakeOpenAI) -> Sandbox:
    sandbox = Sandbox(tmp_path, fake_openai.base_url)
    write_config(sandbox, channels)
    return sandbox


def test_every_channel_is_answered_through_its_own_account_once(
        box: Sandbox, channels: list[Channel]) -> None:
    listed = {w["name"]: [a["source"] for a in w["accounts"]] for w in box.json("workspaces")}
    assert listed == {c: ["youtube", "youtube:second"] for c in CREATORS}

    box.cli("run", "--once")
    box.cli("run", "--once")  # a second cycle finds nothing new and posts nothing again

    for channel in channels:
        for thread in channel.threads:
            [reply] = channel.fake.our_replies(thread.top.id)  # by this channel, exactly once
            assert reply.author_channel == channel.fake.channel
        assert len(thread.replies) == 1
        inserts = [m for m, _ in channel.fake.calls if m == "comments.insert"]
        assert len(inserts) == len(channel.threads)
    for creator in CREATORS:
        mine = [c for c in channels if c.creator == creator]
        posted = box.json("queue", "list", "--status", "posted", "--workspace", creator)
        assert sorted((d["platform"], d["comment_id"]) for d in posted) == sorted(
            (c.source, t.top.id) for c in mine for t in c.threads)
        quota = {q["platform"]: q["used"] for q in box.json("quota", "--workspace", creator)}
        assert quota == {c.source: c.fake.total_units for c in mine}  # each its own ledger
    health = box.json("health")  # the container's check, with no --workspace: all of them
    assert health["ok"] and sorted(health["workspaces"]) == list(CREATORS)
