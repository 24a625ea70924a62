"""The `local` sandbox connector: comments from a JSONL inbox, replies to a JSONL outbox.

It lets the whole flow run with no account and no network. Lines appended to the inbox while the
daemon runs are read on the next cycle; the cursor is the byte offset after the last complete
line, so a line still being written is left for the next read.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import Comment, Connector, FetchResult, PostedReply
from connectors.errors import PermanentError, TransientError

REQUIRED = ("id", "author", "text")
OPTIONAL = ("video_id", "video_title", "published_at", "parent_id", "author_id")


@dataclass(frozen=True)
class InboxCursor:
    offset: int = 0
    line: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> InboxCursor:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(offset=int(data["offset"]), line=int(data["line"]))

    def dump(self) -> str:
        return json.dumps({"offset": self.offset, "line": self.line})


class LineError(ValueError):
    """A line of the inbox that is not a valid comment."""


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def comment_from_line(line: str, own_authors: frozenset[str]) -> Comment:
    """One inbox line as a Comment, or LineError saying what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise LineError("expected a JSON object")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise LineError(f"missing field(s) {', '.join(missing)}")
    for key in (*REQUIRED, *OPTIONAL):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise LineError(f"field {key!r} must be a string")
    if not data["id"].strip():
        raise LineError("field 'id' is empty")
    try:
        published = parse_time(data["published_at"]) if data.get("published_at") else None
    except ValueError:
        raise LineError(f"published_at {data['published_at']!r} is not ISO 8601") from None
    return Comment(
        platform=LocalConnector.name,
        comment_id=data["id"],
        author=data["author"],
        author_id=data.get("author_id") or data["author"],
        text=data["text"],
        video_id=data.get("video_id"),
        video_title=data.get("video_title"),
        published_at=published,
        parent_id=data.get("parent_id"),
        is_own=data["author"] in own_authors or data.get("author_id") in own_authors,
        raw=data,
    )


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
        if not self.inbox.exists():
            return FetchResult([], cursor, [f"{self.inbox}: inbox file does not exist yet"])
        if self.inbox.stat().st_size < start.offset:
            # The inbox was replaced or truncated: read it again; the store drops repeats.
            start = InboxCursor()
        with self.inbox.open("rb") as handle:
            handle.seek(start.offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        return self._parse(complete, start)

    def _parse(self, data: bytes, start: InboxCursor) -> FetchResult:
        comments: list[Comment] = []
        problems: list[str] = []
        lines = data.split(b"\n")[:-1]
        for number, raw in enumerate(lines, start=start.line + 1):
            if not raw.strip():
                continue
            try:
                comments.append(comment_from_line(raw.decode("utf-8"), self.own_authors))
            except UnicodeDecodeError:
                problems.append(f"{self.inbox}:{number}: not UTF-8 text; line skipped")
            except LineError as exc:
                problems.append(f"{self.inbox}:{number}: {exc}; line skipped")
        end = InboxCursor(offset=start.offset + len(data), line=start.line + len(lines))
        return FetchResult(comments, end.dump(), problems)

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
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise TransientError(f"cannot write outbox {self.outbox}: {exc}",
                                 platform=self.name) from exc

    def find_reply(self, comment: Comment, text: str) -> PostedReply | None:
        for record in self.posted():
            if record.get("comment_id") == comment.comment_id and record.get("text") == text:
                posted = record.get("posted_at")
                return PostedReply(
                    reply_id=str(record.get("reply_id", "")),
                    parent_id=comment.comment_id,
                    text=text,
                    posted_at=parse_time(posted) if posted else None,
                )
        return None

    def posted(self) -> list[dict[str, Any]]:
        """Every reply in the outbox (lines that do not parse are ignored)."""
        if not self.outbox.exists():
            return []
        records = []
        for line in self.outbox.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records
