"""The `local` sandbox connector: comments from a JSONL inbox, replies to a JSONL outbox.

It lets the whole flow run with no account and no network. Lines appended to the inbox while the
daemon runs are read on the next cycle; the cursor is the byte offset after the last complete
line, so a line still being written is left for the next read.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import Comment, Connector, FetchResult, PostedReply
from connectors.errors import PermanentError, TransientError
from connectors.sanitize import (
    InvalidItem,
    Rejected,
    clean_text,
    loads,
    optional_text,
    plausible_time,
    reject,
    safe_json,
)

REQUIRED = ("id", "author", "text")
OPTIONAL = ("video_id", "video_title", "published_at", "parent_id", "author_id")


FINGERPRINT_BYTES = 64
TAIL_PATIENCE = 2  # fetches a last line may go without its newline before it is reported


@dataclass(frozen=True)
class InboxCursor:
    """Where reading stopped: byte offset and line number after the last complete line.

    `fp` fingerprints the bytes just before the offset, so an inbox replaced by another file
    (of any size) is noticed and read from the start. `tail` and `tail_seen` track a last line
    that has no newline yet, to report it if it never gets one.
    """

    offset: int = 0
    line: int = 0
    fp: str = ""
    tail: str = ""
    tail_seen: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> InboxCursor:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(offset=int(data["offset"]), line=int(data["line"]), fp=data.get("fp", ""),
                   tail=data.get("tail", ""), tail_seen=int(data.get("tail_seen", 0)))

    def dump(self) -> str:
        return json.dumps({"offset": self.offset, "line": self.line, "fp": self.fp,
                           "tail": self.tail, "tail_seen": self.tail_seen})


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


class LineError(InvalidItem):
    """A line of the inbox that is not a valid comment."""


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def comment_from_line(line: str, own_authors: frozenset[str]) -> Comment:
    """One inbox line as a Comment, or InvalidItem saying what is wrong with it."""
    try:
        data = loads(line)
    except ValueError as exc:
        raise LineError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise LineError("expected a JSON object")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise LineError(f"missing field(s) {', '.join(missing)}")
    for key in REQUIRED:
        if not isinstance(data[key], str):
            raise LineError(f"field {key!r} must be a string, not {json.dumps(data[key])[:40]}")
    for key in OPTIONAL:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise LineError(f"field {key!r} must be a string or null")
    if not data["id"].strip():
        raise LineError("field 'id' is empty")
    published = plausible_time(data["published_at"], "published_at") \
        if data.get("published_at") else None
    author = clean_text(data["author"], "author", 255)
    author_id = optional_text(data.get("author_id"), "author_id", 255) or author
    return Comment(
        platform=LocalConnector.name,
        comment_id=clean_text(data["id"], "id", 255),
        author=author,
        author_id=author_id,
        text=clean_text(data["text"], "text"),
        video_id=optional_text(data.get("video_id"), "video_id", 255),
        video_title=optional_text(data.get("video_title"), "video_title"),
        published_at=published,
        parent_id=optional_text(data.get("parent_id"), "parent_id", 255),
        is_own=author in own_authors or author_id in own_authors,
        raw=safe_json(data),
    )


def _line_id(line: str) -> str | None:
    """The `id` of a line that could not be read, when it can be found at all."""
    try:
        data = loads(line)
    except ValueError:
        return None
    return data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None


class LocalConnector(Connector):
    """Reads `inbox`, appends replies to `outbox`."""

    name = "local"

    def __init__(
        self,
        inbox: Path,
        outbox: Path,
        own_authors: frozenset[str] = frozenset(),
        max_reply_chars: int = 10_000,
    ) -> None:
        self.inbox = Path(inbox)
        self.outbox = Path(outbox)
        self.own_authors = own_authors
        self.max_reply_chars = max_reply_chars

    def fetch_new(self, cursor: str | None) -> FetchResult:
        start = InboxCursor.parse(cursor)
        try:
            with self.inbox.open("rb") as handle:
                handle.seek(max(0, start.offset - FINGERPRINT_BYTES))
                before = handle.read(min(start.offset, FINGERPRINT_BYTES))
                data = handle.read()
        except FileNotFoundError:
            return FetchResult([], cursor, [f"{self.inbox}: inbox file does not exist yet"])
        except OSError as exc:
            raise TransientError(f"cannot read inbox {self.inbox}: {exc}",
                                 platform=self.name) from exc
        if start.offset and fingerprint(before) != start.fp:
            # The inbox was replaced or truncated: read it again; the store drops repeats.
            return self.fetch_new(None)
        complete = data[: data.rfind(b"\n") + 1]
        result = self._parse(complete, start)
        return self._watch_tail(result, data[len(complete):], complete, before, start)

    def _watch_tail(self, result: FetchResult, tail: bytes, complete: bytes, before: bytes,
                    start: InboxCursor) -> FetchResult:
        end = InboxCursor.parse(result.cursor)
        fp = fingerprint((before + complete)[-FINGERPRINT_BYTES:]) if complete else start.fp
        tail_fp = fingerprint(tail) if tail.strip() else ""
        seen = start.tail_seen + 1 if tail_fp and tail_fp == start.tail and not complete else 1
        problems = list(result.problems)
        if tail_fp and seen == TAIL_PATIENCE:
            problems.append(f"{self.inbox}:{end.line + 1}: the last line has no newline at the "
                            "end; it is read once a newline follows it")
        cursor = InboxCursor(end.offset, end.line, fp, tail_fp, seen if tail_fp else 0)
        return FetchResult(result.comments, cursor.dump(), problems, result.rejected)

    def _parse(self, data: bytes, start: InboxCursor) -> FetchResult:
        comments: list[Comment] = []
        problems: list[str] = []
        rejected: list[Rejected] = []
        lines = data.split(b"\n")[:-1]
        for number, raw in enumerate(lines, start=start.line + 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(f"{self.inbox}:{number}: not UTF-8 text; line quarantined")
                rejected.append(reject(raw, InvalidItem(f"line {number}: not UTF-8 ({exc})")))
                continue
            try:
                comments.append(comment_from_line(line, self.own_authors))
            except InvalidItem as exc:
                problems.append(f"{self.inbox}:{number}: {exc}; line quarantined")
                rejected.append(reject(line, InvalidItem(f"line {number}: {exc}"),
                                       _line_id(line)))
        end = InboxCursor(offset=start.offset + len(data), line=start.line + len(lines),
                          fp=start.fp)
        return FetchResult(comments, end.dump(), problems, rejected)

    def revive(self, raw: str) -> Comment:
        return comment_from_line(raw, self.own_authors)

    def check(self) -> str:
        state = "exists" if self.inbox.exists() else "does not exist yet (created by whoever " \
            "writes comments)"
        return f"inbox {self.inbox} {state}; replies go to {self.outbox}"

    def post_reply(self, comment: Comment, text: str) -> PostedReply:
        if not text.strip():
            raise PermanentError("refusing to post an empty reply", platform=self.name)
        if len(text) > self.max_reply_chars:
            raise PermanentError(
                f"reply is {len(text)} characters; the limit is {self.max_reply_chars}",
                platform=self.name,
                code="commentTextTooLong",
            )
        reply = PostedReply(
            reply_id=f"r-{uuid.uuid4().hex[:12]}",
            parent_id=comment.comment_id,
            text=text,
            posted_at=datetime.now(UTC),
        )
        self._append(reply)
        return reply

    def _append(self, reply: PostedReply) -> None:
        record: dict[str, Any] = {
            "comment_id": reply.parent_id,
            "reply_id": reply.reply_id,
            "text": reply.text,
            "posted_at": reply.posted_at.isoformat() if reply.posted_at else None,
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.outbox.parent.mkdir(parents=True, exist_ok=True)
            # One O_APPEND write per reply keeps lines whole when two processes post at once.
            fd = os.open(self.outbox, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, line)
                if written != len(line):  # a full disk: the line is torn, the post not done
                    raise OSError(f"only {written} of {len(line)} bytes written")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise TransientError(f"cannot write outbox {self.outbox}: {exc}",
                                 platform=self.name) from exc

    def find_reply(self, comment: Comment, texts: Sequence[str]) -> PostedReply | None:
        wanted = set(texts)
        for record in self.posted():
            if record.get("comment_id") == comment.comment_id and record.get("text") in wanted:
                posted = record.get("posted_at")
                try:
                    when = parse_time(posted) if isinstance(posted, str) else None
                except ValueError:
                    when = None
                return PostedReply(reply_id=str(record.get("reply_id", "")),
                                   parent_id=comment.comment_id, text=str(record["text"]),
                                   posted_at=when)
        return None

    def posted(self) -> list[dict[str, Any]]:
        """Every reply in the outbox; damaged lines (a torn write, stray text) are passed over."""
        try:
            content = self.outbox.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise TransientError(f"cannot read outbox {self.outbox}: {exc}",
                                 platform=self.name) from exc
        records = []
        for line in content.decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records
