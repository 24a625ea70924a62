"""The connector interface: platform I/O only.

A connector fetches new comments after a cursor, posts a reply under a comment and finds a reply
of ours under a parent. Retries, backoff, quota pacing, cursors and deduplication live outside
connectors (in `bot`), once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Purpose = Literal["read", "write"]


class QuotaMeter(Protocol):
    """Budget of a platform's API units, kept by the bot (persistent, per quota day).

    A connector charges each call before making it; `charge` raises QuotaExceeded when the call
    would overspend (reads also stop short of the units reserved for replies).
    """

    def charge(self, units: int, purpose: Purpose, what: str) -> None: ...

    def exhausted(self) -> None:
        """The platform said the quota is spent: stop until it resets."""


class Unmetered:
    """For platforms without a quota."""

    def charge(self, units: int, purpose: Purpose, what: str) -> None:
        return None

    def exhausted(self) -> None:
        return None


@dataclass(frozen=True)
class Comment:
    """A viewer's comment as a platform reports it."""

    platform: str
    comment_id: str
    author: str
    text: str
    author_id: str = ""
    video_id: str | None = None
    video_title: str | None = None
    published_at: datetime | None = None
    parent_id: str | None = None
    # The platform comment a reply must be posted under (YouTube only allows top-level parents).
    reply_to: str | None = None
    is_own: bool = False
    can_reply: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def reply_target(self) -> str:
        return self.reply_to or self.parent_id or self.comment_id


@dataclass(frozen=True)
class FetchResult:
    """New comments plus the cursor to store once they are committed.

    `problems` are inputs the connector could not read (with where and why); they are reported,
    never fatal, and never block the other comments.
    """

    comments: list[Comment]
    cursor: str | None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PostedReply:
    """A reply that exists on the platform."""

    reply_id: str
    parent_id: str
    text: str
    posted_at: datetime | None = None


class Connector(ABC):
    """One platform. Subclasses implement only the platform calls."""

    #: Platform name used in the store, logs and config (`[connectors.NAME]`).
    name: str = ""
    #: Longest reply the platform accepts, in characters.
    max_reply_chars: int = 10_000

    @abstractmethod
    def fetch_new(self, cursor: str | None) -> FetchResult:
        """Comments newer than `cursor` (None: from the beginning)."""

    @abstractmethod
    def post_reply(self, comment: Comment, text: str) -> PostedReply:
        """Post `text` as a reply to `comment`; raise a `ConnectorError` on failure."""

    @abstractmethod
    def find_reply(self, comment: Comment, texts: Sequence[str]) -> PostedReply | None:
        """Our reply to `comment` with any of `texts` (every text a post was tried with).

        Asked before any retry after a crash or timeout, so a reply is never posted twice, even
        when its text was edited between the attempts.
        """

    def open(self) -> None:  # noqa: B027 - optional hook
        """Check the connector can work at all (credentials present, platform supported).

        Raises a ConnectorError saying what is missing; the daemon then runs without it.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""
