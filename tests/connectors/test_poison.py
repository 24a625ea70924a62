"""Poison items at the connector boundary: each is normalised or rejected on its own, and the
comments around it come through (local inbox and the real YouTube client on the fake)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import NewDraft, Status
from bot.state.store import Store
from connectors.errors import TransientError
from connectors.local import LocalConnector
from connectors.sanitize import loads
from tests.connectors.test_youtube import connector
from tests.fakes.youtube_server import FakeYouTube

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5_000

#: one inbox line per poison kind, and what must be said about it
LOCAL_POISON = {
    "deep": ('{"id": "deep", "author": "A", "text": ' + DEEP + "}", "must be a string"),
    "huge": ('{"id": "huge", "author": "A", "text": "hi", "video_id": ' + HUGE + "}",
             "a number of 5000 digits"),
    "year1": ('{"id": "year1", "author": "A", "text": "hi", '
              '"published_at": "0001-01-01T00:00:00Z"}', "outside 2000..2200"),
    "types": ('{"id": "types", "author": ["A"], "text": {"x": 1}}', "must be a string"),
    "toplevel": (DEEP, "expected a JSON object"),
}


def good(n: int) -> str:
    return f'{{"id": "good{n}", "author": "Ann", "text": "What grinder {n}?"}}'


def test_json_nested_100000_deep_and_huge_numbers_parse_without_crashing() -> None:
    assert loads('{"a": ' + DEEP + ', "b": 1}')["b"] == 1
    assert loads("[" + HUGE + "]")[0] == HUGE
    with pytest.raises(ValueError):
        loads('{"cut off": [1, 2')


def test_each_poison_line_is_rejected_and_the_good_lines_around_it_are_read(
        tmp_path: Path) -> None:
    lines = [good(0)]
    for n, (raw, _) in enumerate(LOCAL_POISON.values(), start=1):
        lines += [raw, good(n)]
    lines.append('{"id": "sur", "author": "A", "text": "hi \\ud83d"}')
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = LocalConnector(inbox, tmp_path / "outbox.jsonl").fetch_new(None)
    ids = [c.comment_id for c in result.comments]
    assert ids == [f"good{n}" for n in range(len(LOCAL_POISON) + 1)] + ["sur"]
    assert result.comments[-1].text == "hi \ufffd"  # a lone surrogate is replaced, not fatal
    assert len(result.rejected) == len(LOCAL_POISON)
    for rejected, (name, (_, reason)) in zip(result.rejected, LOCAL_POISON.items(), strict=True):
        assert reason in rejected.error, (name, rejected.error)
        assert len(rejected.raw) <= 100_000
    assert [r.item_id for r in result.rejected][:4] == ["deep", "huge", "year1", "types"]


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    server = FakeYouTube().start()
    server.add_video("vid1", "V60 Basics")
    yield server
    server.stop()


YOUTUBE_POISON = {
    "deep": {"textOriginal": DEEP, "textDisplay": DEEP},
    "huge": {"likeCount": HUGE, "authorDisplayName": HUGE},
    "year1": {"publishedAt": '"0001-01-01T00:00:00Z"'},
    "types": {"textOriginal": "42", "textDisplay": "42", "authorChannelId": '"x"'},
}


def test_each_poison_thread_is_rejected_and_the_threads_around_it_are_read(
        fake: FakeYouTube, tmp_path: Path) -> None:
    expected = [fake.add_thread("vid1", "first question?").top.id]
    poison = []
    for raw_fields in YOUTUBE_POISON.values():
        thread = fake.add_thread("vid1", "poison")
        thread.top.raw_fields = raw_fields
        poison.append(thread.top.id)
        expected.append(fake.add_thread("vid1", "next question?").top.id)
    surrogate = fake.add_thread("vid1", "hi \ud83d")
    expected.append(surrogate.top.id)
    result = connector(fake, tmp_path).fetch_new(None)
    assert sorted(c.comment_id for c in result.comments) == sorted(expected)
    assert next(c.text for c in result.comments if c.comment_id == surrogate.top.id) \
        == "hi \ufffd"
    assert sorted(r.item_id or "" for r in result.rejected) == sorted(poison)


def test_a_poison_reply_is_rejected_and_its_thread_siblings_are_read(
        fake: FakeYouTube, tmp_path: Path) -> None:
    thread = fake.add_thread("vid1", "question?")
    bad = fake.add_reply(thread, "x")
    bad.raw_fields = {"totalReplyCount": "1", "textOriginal": HUGE, "textDisplay": HUGE}
    sibling = fake.add_reply(thread, "me too!")
    result = connector(fake, tmp_path).fetch_new(None)
    assert {c.comment_id for c in result.comments} == {thread.top.id, sibling.id}
    assert [r.item_id for r in result.rejected] == [bad.id]


@pytest.mark.parametrize("body", [b'{"items": [{"id": "Ug1", "snip', b"<html>502</html>",
                                  b"[]", b'{"items": 7}', b""])
@pytest.mark.parametrize("method", ["commentThreads.list", "comments.list", "comments.insert",
                                    "videos.list"])
def test_a_cut_off_or_non_json_body_is_a_transient_error(fake: FakeYouTube, tmp_path: Path,
                                                         method: str, body: bytes) -> None:
    thread = fake.add_thread("vid1", "question?")
    for n in range(2):
        fake.add_reply(thread, f"reply {n}")
    yt = connector(fake, tmp_path)
    comments = yt.fetch_new(None).comments
    top = next(c for c in comments if c.comment_id == thread.top.id)
    fake.damaged[method] = [body]
    with pytest.raises(TransientError):
        if method == "comments.insert":
            yt.post_reply(top, "hello")
        elif method == "comments.list":
            yt.find_reply(top, ["hello"])
        else:
            yt.fetch_new(None)


@pytest.mark.parametrize("body", [b'{"kind": "youtube#comment", "id": "Ug', b"not json"])
def test_a_damaged_insert_response_leaves_the_draft_retryable_and_posts_once(
        fake: FakeYouTube, tmp_path: Path, store: Store, body: bytes) -> None:
    from bot.service.posting import Poster

    fake.add_thread("vid1", "question?")
    yt = connector(fake, tmp_path)
    result = yt.fetch_new(None)
    store.ingest("youtube", "default", result.comments, result.cursor)
    [stored] = store.unprocessed()
    draft_id = store.create_draft(stored.pk, NewDraft(Status.APPROVED, "auto",
                                                      reply_text="Thanks! — Lina"))
    assert draft_id is not None
    fake.damaged["comments.insert"] = [body]  # the reply is saved; its response is garbage
    clock = [datetime.now(UTC)]
    poster = Poster(store, {"youtube": yt}, actor="test", clock=lambda: clock[0])
    first = poster.post(store.draft(draft_id))
    assert first.status == Status.APPROVED and "damaged response" in (first.reason or "")
    clock[0] += timedelta(hours=1)
    fake.damaged["comments.list"] = [b"<html>502 Bad Gateway</html>"]  # the check fails once
    poster.post_approved()
    assert store.draft(draft_id).status == Status.APPROVED
    clock[0] += timedelta(hours=1)
    poster.post_approved()
    assert store.draft(draft_id).status == Status.POSTED and len(fake.our_replies()) == 1
