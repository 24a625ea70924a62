"""The local sandbox connector reads a JSONL inbox incrementally and writes an outbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.base import Comment
from connectors.errors import PermanentError
from connectors.local import LocalConnector


def line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False) + "\n"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "inbox.jsonl"
    path.write_text(line(id="a", author="Ann", text="What grinder?", video_id="v1",
                         video_title="Grinders", published_at="2026-11-01T10:00:00Z")
                    + line(id="b", author="LinaBrews", text="Thanks all!"), encoding="utf-8")
    return path


@pytest.fixture
def local(inbox: Path, tmp_path: Path) -> LocalConnector:
    return LocalConnector(inbox, tmp_path / "out" / "outbox.jsonl", frozenset({"LinaBrews"}))


def test_reads_all_fields_and_marks_own_comments(local: LocalConnector) -> None:
    result = local.fetch_new(None)
    first, own = result.comments
    assert (first.comment_id, first.author, first.text) == ("a", "Ann", "What grinder?")
    assert (first.video_id, first.video_title) == ("v1", "Grinders")
    assert first.published_at is not None and first.published_at.isoformat() \
        == "2026-11-01T10:00:00+00:00"
    assert not first.is_own and own.is_own
    assert result.problems == []


def test_cursor_returns_only_lines_appended_later(local: LocalConnector, inbox: Path) -> None:
    first = local.fetch_new(None)
    assert local.fetch_new(first.cursor).comments == []
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write(line(id="c", author="Bo", text="冷萃泡多久？"))
    later = local.fetch_new(first.cursor)
    assert [c.comment_id for c in later.comments] == ["c"]
    assert later.comments[0].text == "冷萃泡多久？"


def test_half_written_line_waits_for_its_newline(local: LocalConnector, inbox: Path) -> None:
    cursor = local.fetch_new(None).cursor
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "d", "author": "Cy", "te')
    partial = local.fetch_new(cursor)
    assert partial.comments == [] and partial.problems == []
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write('xt": "hello"}\n')
    assert [c.comment_id for c in local.fetch_new(partial.cursor).comments] == ["d"]


def test_malformed_lines_are_reported_with_line_numbers_and_skipped(
        local: LocalConnector, inbox: Path) -> None:
    cursor = local.fetch_new(None).cursor
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")  # line 3
        handle.write(line(author="x", text="no id"))  # line 4
        handle.write(line(id="e", author="Di", text=5))  # line 5
        handle.write(line(id="f", author="Ed", text="fine", published_at="yesterday"))  # 6
        handle.write(line(id="g", author="Fa", text="still read"))  # line 7
    result = local.fetch_new(cursor)
    assert [c.comment_id for c in result.comments] == ["g"]
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in result.problems] == \
        ["3", "4", "5", "6"]
    assert "missing field(s) id" in result.problems[1]
    assert "'text' must be a string" in result.problems[2]


def test_a_replaced_inbox_is_read_again_from_the_start(local: LocalConnector,
                                                        inbox: Path) -> None:
    cursor = local.fetch_new(None).cursor
    inbox.write_text(line(id="z", author="Zed", text="new file"), encoding="utf-8")
    assert [c.comment_id for c in local.fetch_new(cursor).comments] == ["z"]


def test_missing_inbox_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    local = LocalConnector(tmp_path / "nope.jsonl", tmp_path / "out.jsonl")
    result = local.fetch_new(None)
    assert result.comments == [] and "does not exist" in result.problems[0]


def test_post_appends_to_outbox_and_find_reply_sees_it(local: LocalConnector) -> None:
    comment = local.fetch_new(None).comments[0]
    reply = local.post_reply(comment, "24 clicks on the C40. — Lina ☕")
    records = [json.loads(x) for x in local.outbox.read_text(encoding="utf-8").splitlines()]
    assert records == [{"comment_id": "a", "reply_id": reply.reply_id,
                        "text": "24 clicks on the C40. — Lina ☕",
                        "posted_at": records[0]["posted_at"]}]
    found = local.find_reply(comment, ["24 clicks on the C40. — Lina ☕"])
    assert found is not None and found.reply_id == reply.reply_id
    assert local.find_reply(comment, ["something else"]) is None


def test_post_refuses_empty_and_over_long_replies(tmp_path: Path) -> None:
    local = LocalConnector(tmp_path / "in", tmp_path / "out", max_reply_chars=10)
    comment = Comment(platform="local", comment_id="a", author="A", text="hi")
    with pytest.raises(PermanentError):
        local.post_reply(comment, "   ")
    with pytest.raises(PermanentError) as info:
        local.post_reply(comment, "x" * 11)
    assert info.value.code == "commentTextTooLong"


def test_null_in_a_required_field_is_a_reported_line_not_a_crash(local: LocalConnector,
                                                                 inbox: Path) -> None:
    cursor = local.fetch_new(None).cursor
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write(line(id=None, author="A", text="x"))
        handle.write(line(id="n2", author=None, text="x"))
        handle.write(line(id="n3", author="C", text=None))
        handle.write(line(id="n4", author="D", text="fine", video_id=None))
    result = local.fetch_new(cursor)
    assert [c.comment_id for c in result.comments] == ["n4"]
    assert len(result.problems) == 3 and "'id' must be a string, not null" in result.problems[0]


def test_a_larger_replacement_inbox_is_read_from_its_start(local: LocalConnector,
                                                           inbox: Path) -> None:
    cursor = local.fetch_new(None).cursor
    inbox.write_text("".join(line(id=f"n{i}", author="Zed", text=f"new {i}") for i in range(8)),
                     encoding="utf-8")
    result = local.fetch_new(cursor)
    assert [c.comment_id for c in result.comments] == [f"n{i}" for i in range(8)]
    assert result.problems == []


def test_a_last_line_without_newline_is_reported_once_then_read_when_finished(
        local: LocalConnector, inbox: Path) -> None:
    cursor = local.fetch_new(None).cursor
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "t", "author": "T", "text": "no newline"}))
    first = local.fetch_new(cursor)
    assert first.comments == [] and first.problems == []
    second = local.fetch_new(first.cursor)
    assert len(second.problems) == 1 and ":3: the last line has no newline" in second.problems[0]
    third = local.fetch_new(second.cursor)
    assert third.problems == []  # said once
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert [c.comment_id for c in local.fetch_new(third.cursor).comments] == ["t"]


def test_a_damaged_outbox_does_not_stop_find_reply(local: LocalConnector) -> None:
    comment = local.fetch_new(None).comments[0]
    local.outbox.parent.mkdir(parents=True, exist_ok=True)
    local.outbox.write_bytes(b'[]\n{"comment_id": "a", "te\xe2\x82\n')
    local.post_reply(comment, "ok")
    assert local.find_reply(comment, ["ok"]) is not None
