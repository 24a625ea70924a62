"""YouTube Data API v3: channel-wide comment polling and replies, within the daily quota.

Polling asks `commentThreads.list(allThreadsRelatedToChannelId=…, order=time)` for the newest
threads and pages back only until the newest thread it already knows (the high-water mark), so
an idle poll costs 1 unit however many videos the channel has. `order=time` sorts threads by when
they were started, so a reply in an older thread does not bring it back to the first page. The
connector therefore remembers recent threads with their reply counts, re-reads them in batches of
50 ids (1 unit a batch) every `follow_up_check_s` (threads quiet for a day every 6 rounds, for 3
days every 24), and fetches the replies of any thread whose `totalReplyCount` grew
(`comments.list(parentId=…)`, 1 unit per 100 replies).

All of that state travels in the cursor, which the bot stores only after the comments are
committed, so a crash mid-poll re-reads instead of skipping.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.base import (
    Comment,
    Connector,
    FetchResult,
    PostedReply,
    Purpose,
    QuotaMeter,
    QuotaRules,
    Unmetered,
    Video,
)
from connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    QuotaExceeded,
    TransientError,
)
from connectors.sanitize import (
    InvalidItem,
    Rejected,
    bounded_int,
    clean_text,
    loads,
    optional_text,
    plausible_time,
    reject,
    safe_json,
)
from connectors.youtube_auth import REAUTH, load_credentials, refresh_if_needed, save_credentials
from connectors.youtube_wire import bounded_json_model, error_reason, items_of, next_token

#: Quota cost of each method, in units (YouTube Data API v3 cost table).
COSTS = {
    "commentThreads.list": 1, "comments.list": 1, "videos.list": 1, "channels.list": 1,
    "playlistItems.list": 1,
    "comments.insert": 50, "comments.update": 50, "comments.setModerationStatus": 50,
    "comments.delete": 50,
}
MAX_REPLY_CHARS = 10_000
#: Error reasons that mean this one request can never succeed: recorded on the draft.
PERMANENT = {"commentsDisabled", "forbidden", "processingFailure", "commentTextTooLong",
             "parentNotFound", "commentNotFound", "videoNotFound", "invalidCommentMetadata",
             "operationNotSupported", "ineligibleAccount", "channelNotFound"}
QUOTA = {"quotaExceeded", "dailyLimitExceeded", "userRateLimitExceeded"}
PACIFIC_NOTE = "the quota resets at midnight Pacific time"


PACIFIC = ZoneInfo("America/Los_Angeles")
#: 10,000 units a day by default, and the day is a Pacific-time date
QUOTA_RULES = QuotaRules(PACIFIC, daily_quota=10_000, costs=COSTS)


def quota_day(now: datetime) -> str:
    """YouTube's quota day: the date in Pacific time."""
    return QUOTA_RULES.day(now)


def next_reset(now: datetime) -> datetime:
    """When YouTube's quota resets: the next midnight Pacific time."""
    return QUOTA_RULES.next_reset(now)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ResponseLost(ConnectionError):
    """A request that changes something was sent, and no response came back."""


def one_shot_http(timeout_s: float) -> Any:
    """An httplib2.Http that never sends a POST (or any non-read) twice.

    httplib2 re-sends a request once when the response is lost ("the connection just went
    stale"), even a POST; for comments.insert that would post a reply twice if the server saved
    it before the connection dropped. Reads keep httplib2's behaviour; writes get one attempt,
    and a lost response becomes ResponseLost, which the poster settles by asking the platform.
    """
    import httplib2

    class OneShotHttp(httplib2.Http):  # type: ignore[misc]
        def _conn_request(self, conn: Any, request_uri: str, method: str, body: Any,
                          headers: Any) -> Any:
            if method in ("GET", "HEAD"):
                return super()._conn_request(conn, request_uri, method, body, headers)
            conn.close()  # a fresh connection: a stale keep-alive cannot be the excuse
            connect = conn.connect
            sent = False

            def connect_once() -> None:
                nonlocal sent
                if sent:
                    raise ResponseLost(f"{method} {request_uri}: no response; not sent again")
                sent = True
                connect()

            conn.connect = connect_once
            try:
                return super()._conn_request(conn, request_uri, method, body, headers)
            finally:
                conn.connect = connect

    return OneShotHttp(timeout=timeout_s)


@dataclass
class ThreadState:
    """What we know of a thread: its reply count and when it last saw activity."""

    replies: int
    active: str  # ISO time of the newest comment seen in it

    def dump(self) -> list[Any]:
        return [self.replies, self.active]


@dataclass
class YouTubeCursor:
    hwm: str | None = None  # publishedAt of the newest thread seen
    hwm_ids: list[str] = field(default_factory=list)  # threads published exactly at hwm
    threads: dict[str, ThreadState] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    checked: str | None = None  # when recent threads were last re-read
    rounds: int = 0  # re-read rounds so far (older threads are re-read every few rounds)

    @classmethod
    def parse(cls, raw: str | None) -> YouTubeCursor:
        if not raw:
            return cls()
        data = json.loads(raw)
        threads = {k: ThreadState(int(v[0]), str(v[1])) for k, v in data.get("threads", {}).items()}
        return cls(data.get("hwm"), list(data.get("hwm_ids", [])), threads,
                   dict(data.get("titles", {})), data.get("checked"), int(data.get("rounds", 0)))

    def dump(self) -> str:
        return json.dumps({"hwm": self.hwm, "hwm_ids": self.hwm_ids,
                           "threads": {k: v.dump() for k, v in self.threads.items()},
                           "titles": self.titles, "checked": self.checked,
                           "rounds": self.rounds},
                          ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Settings:
    """What the connector needs from `[connectors.youtube]`."""

    channel_id: str
    token_file: Path
    token_uri: str
    api_endpoint: str | None = None
    backfill_days: float = 3
    follow_up_days: float = 7
    follow_up_check_s: float = 3600
    max_watched_threads: int = 500
    timeout_s: float = 30


class YouTubeConnector(Connector):
    """Polls one channel's comments and posts replies as that channel."""

    name = "youtube"
    max_reply_chars = MAX_REPLY_CHARS
    quota_rules = QUOTA_RULES

    def __init__(self, settings: Settings, meter: QuotaMeter | None = None,
                 clock: Callable[[], datetime] | None = None, source: str | None = None) -> None:
        if source is not None:  # another channel of the creator: `youtube:second`
            self.name = source
        self.settings = settings
        self.meter: QuotaMeter = meter or Unmetered()
        self.clock = clock or (lambda: datetime.now(UTC))
        self._service: Any = None
        self._credentials: Any = None
        self._http: Any = None
        self._saved_token: str | None = None

    # -- the client -----------------------------------------------------------------------------

    def open(self) -> None:
        self.service()

    def service(self) -> Any:
        if self._service is None:
            import google_auth_httplib2
            from googleapiclient.discovery import build

            s = self.settings
            self._credentials = load_credentials(s.token_file, s.token_uri)
            self._http = one_shot_http(s.timeout_s)
            refresh_if_needed(self._credentials, s.token_file, self._http)
            self._saved_token = self._credentials.token
            authed = google_auth_httplib2.AuthorizedHttp(self._credentials, http=self._http)
            options = {"api_endpoint": s.api_endpoint} if s.api_endpoint else None
            self._service = build("youtube", "v3", http=authed, static_discovery=True,
                                  client_options=options, cache_discovery=False,
                                  model=bounded_json_model())
        return self._service

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        self._service = None

    def _call(self, method: str, purpose: Purpose, **params: Any) -> Any:
        """Charge the quota, run one API call (`resource.verb`), map its failure."""
        service = self.service()
        refresh_if_needed(self._credentials, self.settings.token_file, self._http)
        self.meter.charge(COSTS[method], purpose, method)
        resource, verb = method.split(".")
        params = {k: v for k, v in params.items() if v is not None}
        try:
            result = getattr(getattr(service, resource)(), verb)(**params).execute(num_retries=0)
            items_of(result)
            return result
        except Exception as exc:  # every transport and API failure is mapped below
            raise self._map_error(method, exc) from exc
        finally:
            self._save_if_refreshed()

    def _save_if_refreshed(self) -> None:
        # AuthorizedHttp refreshes by itself on a 401; keep the file current when it does.
        if self._credentials is not None and self._credentials.token != self._saved_token:
            save_credentials(self._credentials, self.settings.token_file)
            self._saved_token = self._credentials.token

    def _map_error(self, method: str, exc: Exception) -> ConnectorError:
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        if isinstance(exc, RefreshError):
            return AuthError(f"the YouTube token was refused ({exc}): {REAUTH}",
                             platform=self.name)
        if isinstance(exc, HttpError):
            return self._map_http_error(method, exc)
        if isinstance(exc, ValueError | AttributeError | TypeError | RecursionError):
            return TransientError(f"{method}: a damaged response ({type(exc).__name__}: "
                                  f"{str(exc)[:200]})", platform=self.name, code="badResponse")
        if isinstance(exc, TransportError | socket.timeout | TimeoutError | ConnectionError
                      | OSError) or type(exc).__module__.startswith("httplib2"):
            return TransientError(f"{method}: {type(exc).__name__}: {exc}", platform=self.name)
        return TransientError(f"{method}: unexpected {type(exc).__name__}: {exc}",
                              platform=self.name)

    def _map_http_error(self, method: str, exc: Any) -> ConnectorError:
        status, reason, message = error_reason(exc)
        text = f"{method}: {reason or status}: {message}"
        if reason in QUOTA:
            self.meter.exhausted()
            return QuotaExceeded(f"YouTube quota exceeded ({text}); {PACIFIC_NOTE}",
                                 resume_at=self._next_reset(), platform=self.name)
        if status == 401:
            return AuthError(f"YouTube refused the credentials ({text}): {REAUTH}",
                             platform=self.name)
        if status >= 500 or status == 429 or reason in {"rateLimitExceeded", "backendError"}:
            return TransientError(text, platform=self.name, code=reason or str(status))
        if reason in PERMANENT or status in {400, 403, 404}:
            return PermanentError(text, platform=self.name, code=reason or str(status))
        return TransientError(text, platform=self.name, code=reason or str(status))

    def _next_reset(self) -> datetime:
        return next_reset(self.clock())

    # -- fetching -------------------------------------------------------------------------------

    def _thread_pages(self) -> Iterator[list[dict[str, Any]]]:
        token: str | None = None
        while True:
            page = self._call(
                "commentThreads.list", "read", part="snippet,replies",
                allThreadsRelatedToChannelId=self.settings.channel_id, order="time",
                maxResults=100, textFormat="plainText", pageToken=token)
            yield items_of(page)
            token = next_token(page)
            if not token:
                return

    def _started(self, item: Any) -> datetime | None:
        """When a thread started, or None (and the thread rejected) if that cannot be read."""
        try:
            return plausible_time(item["snippet"]["topLevelComment"]["snippet"]["publishedAt"],
                                  "publishedAt")
        except (InvalidItem, KeyError, TypeError) as exc:
            self._reject(item, exc)
            return None

    def _reject(self, item: Any, exc: Exception) -> None:
        item_id = item.get("id") if isinstance(item, dict) else None
        self._rejected.append(reject(item, exc, item_id))

    def _new_threads(self, state: YouTubeCursor, now: datetime
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Threads started since the high-water mark (or within the backfill on a first run),
        and the older threads that came on the same last page (free to check for new replies).
        """
        floor = parse_time(state.hwm) if state.hwm \
            else now - timedelta(days=self.settings.backfill_days)
        known_at_floor = set(state.hwm_ids)
        found: list[dict[str, Any]] = []
        for items in self._thread_pages():
            for n, item in enumerate(items):
                published = self._started(item)
                if published is None:
                    continue  # quarantined; its time cannot say where the known threads begin
                if published < floor:
                    return found, items[n:]
                if published == floor and item.get("id") in known_at_floor:
                    continue  # threads started in the same second may come in any order
                found.append(item)
        return found, []

    def fetch_new(self, cursor: str | None) -> FetchResult:
        state = YouTubeCursor.parse(cursor)
        now = self.clock()
        self._rejected: list[Rejected] = []
        first_run = state.hwm is None
        threads, older = self._new_threads(state, now)
        comments: list[Comment] = []
        if not (first_run and self.settings.backfill_days == 0):
            for item in threads:
                comments.extend(self._safe_thread(item, state, new=True))
        for item in older:
            if isinstance(item, dict) and item.get("id") in state.threads:
                comments.extend(self._safe_thread(item, state, new=False))
        seen = {str(t.get("id")) for t in threads} | {str(t.get("id")) for t in older
                                                     if isinstance(t, dict)}
        comments.extend(self._follow_ups(state, now, skip=seen))
        self._advance(state, threads, now)
        self._name_videos(comments, state)
        comments = [self._with_title(c, state) for c in comments]
        return FetchResult(comments, state.dump(), rejected=self._rejected)

    def _safe_thread(self, item: Any, state: YouTubeCursor, new: bool) -> list[Comment]:
        """A thread's new comments; a thread that cannot be read is rejected, not fatal."""
        try:
            return self._thread_comments(item, state, new)
        except (InvalidItem, KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, ConnectorError):
                raise
            self._reject(item, exc)
            return []

    def _advance(self, state: YouTubeCursor, threads: list[dict[str, Any]],
                 now: datetime) -> None:
        if threads:
            times = [t["snippet"]["topLevelComment"]["snippet"]["publishedAt"] for t in threads]
            newest = max(times, key=parse_time)
            at_newest = [str(t.get("id")) for t, p in zip(threads, times, strict=True)
                         if parse_time(p) == parse_time(newest)]
            same_mark = state.hwm is not None and parse_time(state.hwm) == parse_time(newest)
            state.hwm_ids = (state.hwm_ids if same_mark else []) + at_newest
            state.hwm = newest
        elif state.hwm is None:
            state.hwm = iso(now)
        self._prune(state, now)

    def _prune(self, state: YouTubeCursor, now: datetime) -> None:
        horizon = now - timedelta(days=self.settings.follow_up_days)
        live = {k: v for k, v in state.threads.items() if parse_time(v.active) >= horizon}
        newest = sorted(live.items(), key=lambda kv: parse_time(kv[1].active), reverse=True)
        state.threads = dict(newest[: self.settings.max_watched_threads])

    def _thread_comments(self, item: dict[str, Any], state: YouTubeCursor,
                         new: bool) -> list[Comment]:
        """The thread's comments we have not seen: its top comment if new, and new replies."""
        snippet = item["snippet"]
        top = snippet["topLevelComment"]
        thread_id = clean_text(item["id"], "id", 255, required=True)
        known = state.threads.get(thread_id)
        total = bounded_int(snippet.get("totalReplyCount", 0), "totalReplyCount")
        out = [self._comment(top, snippet)] if new else []
        last_seen = parse_time(known.active) if known else None
        active = iso(plausible_time(top["snippet"]["publishedAt"], "publishedAt")) \
            if known is None else known.active
        if total > (known.replies if known else 0):
            for reply in self._replies(item, total):
                try:
                    comment = self._comment(reply, snippet, parent=top["id"])
                except (InvalidItem, KeyError, TypeError, AttributeError) as exc:
                    self._reject(reply, exc)  # one bad reply; the thread's others still count
                    continue
                if last_seen is None or (comment.published_at and
                                         comment.published_at > last_seen):
                    out.append(comment)
                if comment.published_at and comment.published_at > parse_time(active):
                    active = iso(comment.published_at)
        state.threads[thread_id] = ThreadState(total, active)
        return out

    def _replies(self, item: dict[str, Any], total: int) -> list[dict[str, Any]]:
        included = (item.get("replies") or {}).get("comments", [])
        if isinstance(included, list) and len(included) >= total:
            return list(included)
        replies: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._call("comments.list", "read", part="snippet", parentId=item["id"],
                              maxResults=100, textFormat="plainText", pageToken=token)
            replies.extend(items_of(page))
            token = next_token(page)
            if not token:
                return replies

    def answered_threads(self, max_threads: int = 2_000) -> Iterator[tuple[Comment, Comment]]:
        """The channel's past threads where it answered a viewer: (comment, the creator's first
        reply), newest thread first, reading at most `max_threads` threads (1 unit per 100,
        plus 1 per thread with more replies than the listing includes)."""
        read = 0
        state = YouTubeCursor()
        for items in self._thread_pages():
            for item in items:
                read += 1
                if read > max_threads:
                    return
                snippet = item["snippet"]
                top = self._comment(snippet["topLevelComment"], snippet)
                total = int(snippet.get("totalReplyCount", 0))
                if top.is_own or total == 0:
                    continue
                replies = [self._comment(r, snippet, parent=top.comment_id)
                           for r in self._replies(item, total)]
                own = sorted((r for r in replies if r.is_own and r.text.strip()),
                             key=lambda r: r.published_at or datetime.min.replace(tzinfo=UTC))
                if own:
                    self._name_videos([top], state)
                    yield self._with_title(top, state), own[0]

    def _follow_ups(self, state: YouTubeCursor, now: datetime, skip: set[str]) -> list[Comment]:
        """Re-read recent threads (50 per call) for replies added since we last looked."""
        due = state.checked is None or (now - parse_time(state.checked)).total_seconds() \
            >= self.settings.follow_up_check_s
        if not due:
            return []
        state.checked = iso(now)
        state.rounds += 1
        watched = [tid for tid, thread in state.threads.items()
                   if tid not in skip and self._recheck_now(thread, state.rounds, now)]
        out: list[Comment] = []
        for start in range(0, len(watched), 50):
            batch = ",".join(watched[start:start + 50])
            page = self._call("commentThreads.list", "read", part="snippet,replies", id=batch,
                              textFormat="plainText")
            for item in items_of(page):
                out.extend(self._safe_thread(item, state, new=False))
        return out

    @staticmethod
    def _recheck_now(thread: ThreadState, round_: int, now: datetime) -> bool:
        """Follow-ups come soon or not at all: re-read a thread less often as it quietens."""
        quiet_days = (now - parse_time(thread.active)).total_seconds() / 86_400
        every = 1 if quiet_days < 1 else 6 if quiet_days < 3 else 24
        return round_ % every == 0

    def _comment(self, raw: dict[str, Any], thread: dict[str, Any],
                 parent: str | None = None) -> Comment:
        s = raw["snippet"]
        comment_id = clean_text(raw["id"], "id", 255, required=True)
        author_id = clean_text((s.get("authorChannelId") or {}).get("value", ""),
                               "authorChannelId", 255)
        text = s.get("textOriginal")
        text = s.get("textDisplay") if text is None else text
        return Comment(
            platform=self.name, comment_id=comment_id,
            author=clean_text(s.get("authorDisplayName", ""), "authorDisplayName", 255),
            author_id=author_id, text=clean_text(text, "textOriginal"),
            video_id=optional_text(thread.get("videoId") or s.get("videoId"), "videoId", 255),
            published_at=plausible_time(s["publishedAt"], "publishedAt"),
            parent_id=optional_text(parent, "parentId", 255),
            reply_to=optional_text(parent, "parentId", 255) or comment_id,
            is_own=author_id == self.settings.channel_id,
            can_reply=thread.get("canReply", True) is not False,
            raw={"id": comment_id, "snippet": safe_json(s)},
        )

    def revive(self, raw: str) -> Comment:
        """A quarantined thread (its top comment) or comment, read again."""
        item = loads(raw)
        try:
            if isinstance(item, dict) and "topLevelComment" in (item.get("snippet") or {}):
                return self._comment(item["snippet"]["topLevelComment"], item["snippet"])
            snippet = item["snippet"]
            return self._comment(item, snippet, parent=snippet.get("parentId"))
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidItem(f"{type(exc).__name__}: {exc}") from None

    def _name_videos(self, comments: list[Comment], state: YouTubeCursor) -> None:
        missing = sorted({c.video_id for c in comments
                          if c.video_id and c.video_id not in state.titles})
        for start in range(0, len(missing), 50):
            ids = ",".join(missing[start:start + 50])
            page = self._call("videos.list", "read", part="snippet", id=ids, maxResults=50)
            for video in items_of(page):
                try:
                    state.titles[clean_text(video["id"], "id", 255)] = \
                        clean_text(video["snippet"].get("title", ""), "title", 1_000)
                except (InvalidItem, KeyError, TypeError, AttributeError):
                    continue  # no title is no harm: the comment is answered without it
        if len(state.titles) > 5000:  # keep the cursor small on very large channels
            state.titles = dict(list(state.titles.items())[-2000:])

    @staticmethod
    def _with_title(comment: Comment, state: YouTubeCursor) -> Comment:
        if not comment.video_id or comment.video_id not in state.titles:
            return comment
        from dataclasses import replace

        return replace(comment, video_title=state.titles[comment.video_id])

    # -- replies --------------------------------------------------------------------------------

    def post_reply(self, comment: Comment, text: str) -> PostedReply:
        body = {"snippet": {"parentId": comment.reply_target,
                            "textOriginal": text[: self.max_reply_chars]}}
        result = self._call("comments.insert", "write", part="snippet", body=body)
        try:
            snippet = result.get("snippet") or {}
            published = snippet.get("publishedAt")
            return PostedReply(reply_id=clean_text(result["id"], "id", 255, required=True),
                               parent_id=comment.reply_target,
                               text=clean_text(snippet.get("textOriginal", text), "text"),
                               posted_at=plausible_time(published, "publishedAt")
                               if published else None)
        except (InvalidItem, KeyError, TypeError, AttributeError) as exc:
            # the reply was most likely saved: the poster asks the platform before any retry
            raise TransientError(f"comments.insert: a damaged response ({exc})",
                                 platform=self.name, code="badResponse") from exc

    def find_reply(self, comment: Comment, texts: Sequence[str]) -> PostedReply | None:
        wanted = {" ".join(text[: self.max_reply_chars].split()) for text in texts}
        token: str | None = None
        while True:
            # "write": this read guards a post, so it may use the units reserved for replies
            page = self._call("comments.list", "write", part="snippet",
                              parentId=comment.reply_target, maxResults=100,
                              textFormat="plainText", pageToken=token)
            for item in items_of(page):
                try:
                    found = self._ours(item, comment.reply_target, wanted)
                except (InvalidItem, KeyError, TypeError, AttributeError):
                    continue  # a damaged item is not our reply: ours are well formed
                if found:
                    return found
            token = next_token(page)
            if not token:
                return None

    def _ours(self, item: Any, parent: str, wanted: set[str]) -> PostedReply | None:
        reply = self._comment(item, {}, parent=parent)
        body = " ".join(reply.text.split())
        if reply.is_own and body in wanted:
            return PostedReply(reply.comment_id, parent, reply.text or body, reply.published_at)
        return None

    def check(self) -> str:
        """Credentials work and the channel exists (1 unit)."""
        channel = self._call("channels.list", "read", part="contentDetails",
                             id=self.settings.channel_id)
        if not channel.get("items"):
            raise PermanentError(f"channel {self.settings.channel_id} not found: check "
                                 "[connectors.youtube] channel_id", platform=self.name)
        return f"authorised for channel {self.settings.channel_id}"

    # -- videos ---------------------------------------------------------------------------------

    def videos(self) -> Iterator[Video]:
        """Every upload of the channel, newest first (1 unit per 50 videos, twice)."""
        channel = self._call("channels.list", "read", part="contentDetails",
                             id=self.settings.channel_id)
        items = channel.get("items", [])
        if not items:
            raise PermanentError(f"channel {self.settings.channel_id} not found: check "
                                 "[connectors.youtube] channel_id", platform=self.name)
        uploads = items[0]["contentDetails"]["relatedPlaylists"]["uploads"]
        token: str | None = None
        while True:
            page = self._call("playlistItems.list", "read", part="contentDetails",
                              playlistId=uploads, maxResults=50, pageToken=token)
            ids = [i["contentDetails"]["videoId"] for i in page.get("items", [])]
            if ids:
                found = self._call("videos.list", "read", part="snippet", id=",".join(ids),
                                   maxResults=50)
                for video in found.get("items", []):
                    snippet = video["snippet"]
                    yield Video(video["id"], snippet.get("title", ""),
                                snippet.get("description", ""), snippet.get("publishedAt", ""))
            token = page.get("nextPageToken")
            if not token:
                return
