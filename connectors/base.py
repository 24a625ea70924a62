"""The connector interface: platform I/O only.

A connector fetches new comments after a cursor, posts a reply under a comment and finds a reply
of ours under a parent. Retries, backoff, quota pacing, cursors and deduplication live outside
connectors (in `bot`), once.

A connector also declares what `bot` must know of its platform without naming it:
`quota_rules` when the platform meters its API by the day, and the optional capabilities
`VideoLister` (the channel's videos, for the knowledge base) and `HistoryReader` (the creator's
past answers, for their voice).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from connectors.sanitize import Rejected

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
class QuotaRules:
    """How a platform meters its API: a budget of units per day, where the day is a date in
    `timezone` and resets at its midnight (YouTube: Pacific time)."""

    timezone: ZoneInfo
    daily_quota: int
    #: what each call costs, in units; a call not listed costs 1
    costs: dict[str, int] = field(default_factory=dict)

    def day(self, now: datetime) -> str:
        """The quota day `now` falls in."""
        return now.astimezone(self.timezone).date().isoformat()

    def next_reset(self, now: datetime) -> datetime:
        """When the budget is next renewed: the next midnight in the platform's time zone."""
        local = now.astimezone(self.timezone)
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
        return midnight.astimezone(UTC)


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
    #: items that could not be made into comments: quarantined by the bot, the cursor moves on
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class PostedReply:
    """A reply that exists on the platform."""

    reply_id: str
    parent_id: str
    text: str
    posted_at: datetime | None = None


@dataclass(frozen=True)
class Video:
    """One of the channel's videos, as the knowledge base keeps it."""

    video_id: str
    title: str
    description: str
    published_at: str


@runtime_checkable
class VideoLister(Protocol):
    """A connector that can list the channel's videos."""

    name: str

    def videos(self) -> Iterator[Video]:
        """Every video of the channel, newest first."""


@runtime_checkable
class HistoryReader(Protocol):
    """A connector that can read the creator's past answers to viewers."""

    name: str

    def answered_threads(self, max_threads: int = 2_000) -> Iterator[tuple[Comment, Comment]]:
        """(a viewer's comment, the creator's first reply to it), newest first."""


#: Between a platform and an account in a source's name: `youtube:second` is the YouTube account
#: `second`; the first account of a platform is the platform's bare name, `youtube`.
ACCOUNT_SEPARATOR = ":"


def platform_of(source: str) -> str:
    """The platform a source (a platform or one of its accounts) belongs to."""
    return source.partition(ACCOUNT_SEPARATOR)[0]


def source_name(platform: str, account: str | None) -> str:
    """The name a platform's account goes by in the store, logs and metrics."""
    return f"{platform}{ACCOUNT_SEPARATOR}{account}" if account else platform


class Connector(ABC):
    """One platform. Subclasses implement only the platform calls."""

    #: Platform name used in config (`[connectors.NAME]`); an instance serving another account
    #: of the platform goes by its source name (`youtube:second`) in the store, logs and metrics.
    name: str = ""
    #: Longest reply the platform accepts, in characters.
    max_reply_chars: int = 10_000
    #: How the platform meters its API (None: it does not); `bot` keeps the ledger.
    quota_rules: ClassVar[QuotaRules | None] = None

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

    def revive(self, raw: str) -> Comment:
        """A quarantined item's raw form read again as a comment (after a fix), or raise
        ValueError saying why it still cannot be."""
        raise ValueError(f"{self.name} cannot read quarantined items again")

    def open(self) -> None:  # noqa: B027 - optional hook
        """Check the connector can work at all (credentials present, platform supported).

        Raises a ConnectorError saying what is missing; the daemon then runs without it.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""
