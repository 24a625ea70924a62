"""A stateful fake of the YouTube Data API v3 and Google's OAuth endpoints, on 127.0.0.1.

The real `google-api-python-client` talks to it through `api_endpoint`. It keeps a channel with
videos, threads and replies, pages with tokens, counts the quota units each call would cost on
YouTube, and can inject quota errors, 5xx bursts, disabled comments and a response lost after a
reply was saved. Its clock is the test's to move.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

CHANNEL = "UCreplybotTestChannel0001"
COSTS = {"commentThreads.list": 1, "comments.list": 1, "videos.list": 1, "comments.insert": 50,
         "channels.list": 1, "playlistItems.list": 1}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: placeholder string → the raw JSON text the server sends in its place (poison a JSON parser
#: cannot be made to produce: 5,000-digit numbers, nesting 100,000 deep)
RAW: dict[str, str] = {}


@dataclass
class FakeComment:
    id: str
    author: str
    author_channel: str
    text: str
    published: datetime
    #: snippet fields sent as this raw JSON text instead of their value
    raw_fields: dict[str, str] = field(default_factory=dict)

    def resource(self, video_id: str, parent: str | None = None) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "videoId": video_id, "textDisplay": self.text, "textOriginal": self.text,
            "authorDisplayName": self.author,
            "authorChannelId": {"value": self.author_channel},
            "canRate": True, "viewerRating": "none", "likeCount": 0,
            "publishedAt": iso(self.published), "updatedAt": iso(self.published),
        }
        if parent:
            snippet["parentId"] = parent
        for name, raw in self.raw_fields.items():
            RAW[placeholder := f"@@raw:{self.id}:{name}@@"] = raw
            snippet[name] = placeholder
        return {"kind": "youtube#comment", "id": self.id, "snippet": snippet}


@dataclass
class FakeThread:
    top: FakeComment
    video_id: str
    can_reply: bool = True
    replies: list[FakeComment] = field(default_factory=list)

    def resource(self, channel: str) -> dict[str, Any]:
        included = [r.resource(self.video_id, self.top.id) for r in self.replies[:5]]
        item: dict[str, Any] = {
            "kind": "youtube#commentThread", "id": self.top.id,
            "snippet": {"channelId": channel, "videoId": self.video_id,
                        "topLevelComment": self.top.resource(self.video_id),
                        "canReply": self.can_reply, "totalReplyCount": len(self.replies),
                        "isPublic": True},
        }
        if included:
            item["replies"] = {"comments": included}
        return item


@dataclass
class Injected:
    method: str  # "comments.insert", "*" for any
    status: int
    reason: str
    count: int = 1


class FakeYouTube:
    """The fake API. `start()` serves it; `base_url` is the `api_endpoint` to configure."""

    def __init__(self, channel: str = CHANNEL) -> None:
        self.channel = channel
        # an hour ago, so clients on the real clock see these comments as recent
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self.videos: dict[str, dict[str, Any]] = {}
        self.threads: list[FakeThread] = []
        self.units: dict[str, int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.injected: list[Injected] = []
        self.quota_exceeded = False
        self.calls_before_quota_runs_out: int | None = None
        self.drop_insert_responses = 0
        #: bodies to send instead of the real one, per method: cut off or not JSON at all
        self.damaged: dict[str, list[bytes]] = {}
        self.access_tokens: dict[str, datetime] = {}
        self.refresh_tokens = {"refresh-1"}
        self.token_requests: list[dict[str, str]] = []
        self.codes: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    # -- the world ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def token_uri(self) -> str:
        return self.base_url + "token"

    def start(self) -> FakeYouTube:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self.now += timedelta(seconds=seconds)
            return self.now

    def add_video(self, video_id: str, title: str, comments_disabled: bool = False,
                  description: str = "") -> None:
        with self._lock:
            self.videos[video_id] = {"title": title, "disabled": comments_disabled,
                                     "description": description,
                                     "published": iso(self.now)}

    def add_thread(self, video_id: str, text: str, author: str = "viewer",
                   author_channel: str | None = None, can_reply: bool = True) -> FakeThread:
        with self._lock:
            self.now += timedelta(seconds=1)
            comment = FakeComment(f"Ug{next(self._ids):06d}", author,
                                  author_channel or f"UCviewer{author}", text, self.now)
            thread = FakeThread(comment, video_id, can_reply)
            self.threads.append(thread)
            return thread

    def add_reply(self, thread: FakeThread, text: str, author: str = "viewer",
                  author_channel: str | None = None) -> FakeComment:
        with self._lock:
            self.now += timedelta(seconds=1)
            reply = FakeComment(f"{thread.top.id}.r{next(self._ids):06d}", author,
                                author_channel or f"UCviewer{author}", text, self.now)
            thread.replies.append(reply)
            return reply

    def thread(self, thread_id: str) -> FakeThread:
        return next(t for t in self.threads if t.top.id == thread_id)

    def our_replies(self, thread_id: str | None = None) -> list[FakeComment]:
        threads = [self.thread(thread_id)] if thread_id else self.threads
        return [r for t in threads for r in t.replies if r.author_channel == self.channel]

    def inject(self, method: str, status: int, reason: str, count: int = 1) -> None:
        with self._lock:
            self.injected.append(Injected(method, status, reason, count))

    def issue_token(self, valid_for_s: float = 3600) -> str:
        with self._lock:
            token = f"access-{next(self._ids)}"
            self.access_tokens[token] = datetime.now(UTC) + timedelta(seconds=valid_for_s)
            return token

    @property
    def total_units(self) -> int:
        return sum(self.units.values())

    # -- the API --------------------------------------------------------------------------------

    def _authorised(self, header: str | None) -> bool:
        token = (header or "").removeprefix("Bearer ")
        expiry = self.access_tokens.get(token)
        return expiry is not None and expiry > datetime.now(UTC)

    def _take_injection(self, method: str) -> Injected | None:
        for injected in self.injected:
            if injected.method in (method, "*") and injected.count > 0:
                injected.count -= 1
                return injected
        return None

    def api(self, method: str, query: dict[str, str], body: dict[str, Any] | None,
            auth: str | None) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((method, query))
            if not self._authorised(auth):
                return 401, error(401, "authError", "Invalid Credentials")
            self.units[method] = self.units.get(method, 0) + COSTS[method]
            if self.calls_before_quota_runs_out is not None:
                self.quota_exceeded = self.calls_before_quota_runs_out <= 0
                self.calls_before_quota_runs_out -= 1
            if self.quota_exceeded:
                return 403, error(403, "quotaExceeded", "The request cannot be completed "
                                  "because you have exceeded your quota.")
            injected = self._take_injection(method)
            if injected:
                return injected.status, error(injected.status, injected.reason, "injected")
            handler = {"commentThreads.list": self._threads, "comments.list": self._comments,
                       "videos.list": self._videos, "comments.insert": self._insert,
                       "channels.list": self._channels,
                       "playlistItems.list": self._playlist}[method]
            return handler(query, body)

    def _threads(self, query: dict[str, str], _: Any) -> tuple[int, dict[str, Any]]:
        if "id" in query:
            wanted = query["id"].split(",")
            found = [t for t in self.threads if t.top.id in wanted]
            return 200, {"items": [t.resource(self.channel) for t in found]}
        if query.get("allThreadsRelatedToChannelId") != self.channel:
            return 404, error(404, "channelNotFound", "unknown channel")
        ordered = sorted(self.threads, key=lambda t: t.top.published, reverse=True)
        return 200, page(ordered, query, lambda t: t.resource(self.channel))

    def _comments(self, query: dict[str, str], _: Any) -> tuple[int, dict[str, Any]]:
        thread = next((t for t in self.threads if t.top.id == query.get("parentId")), None)
        if thread is None:
            return 404, error(404, "commentNotFound", "no such parent")
        return 200, page(thread.replies, query,
                         lambda r: r.resource(thread.video_id, thread.top.id))

    def _videos(self, query: dict[str, str], _: Any) -> tuple[int, dict[str, Any]]:
        ids = query.get("id", "").split(",")
        return 200, {"items": [{"id": v, "snippet": {
            "title": self.videos[v]["title"], "description": self.videos[v]["description"],
            "publishedAt": self.videos[v]["published"]}} for v in ids if v in self.videos]}

    def _channels(self, query: dict[str, str], _: Any) -> tuple[int, dict[str, Any]]:
        if query.get("id") != self.channel:
            return 200, {"items": []}
        return 200, {"items": [{"id": self.channel, "contentDetails": {
            "relatedPlaylists": {"uploads": "UU" + self.channel[2:]}}}]}

    def _playlist(self, query: dict[str, str], _: Any) -> tuple[int, dict[str, Any]]:
        if query.get("playlistId") != "UU" + self.channel[2:]:
            return 404, error(404, "playlistNotFound", "no such playlist")
        newest = sorted(self.videos, key=lambda v: self.videos[v]["published"], reverse=True)
        return 200, page(newest, query, lambda v: {"contentDetails": {"videoId": v}})

    def _insert(self, _: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        snippet = (body or {}).get("snippet", {})
        thread = next((t for t in self.threads if t.top.id == snippet.get("parentId")), None)
        if thread is None:
            return 400, error(400, "operationNotSupported", "parentId must be a top-level "
                              "comment")
        if self.videos.get(thread.video_id, {}).get("disabled"):
            return 403, error(403, "commentsDisabled", "comments are disabled")
        text = snippet.get("textOriginal", "")
        if len(text) > 10_000:
            return 400, error(400, "commentTextTooLong", "too long")
        self.now += timedelta(seconds=1)
        reply = FakeComment(f"{thread.top.id}.r{next(self._ids):06d}", "Channel", self.channel,
                            text, self.now)
        thread.replies.append(reply)
        return 200, reply.resource(thread.video_id, thread.top.id)

    # -- OAuth ----------------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.token_requests.append(form)
            grant = form.get("grant_type")
            if grant == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
                return 200, {"access_token": self.issue_token(), "expires_in": 3600,
                             "token_type": "Bearer", "scope": form.get("scope", SCOPE)}
            if grant == "authorization_code" and form.get("code") in self.codes:
                self.refresh_tokens.add("refresh-from-code")
                return 200, {"access_token": self.issue_token(), "expires_in": 3600,
                             "refresh_token": "refresh-from-code", "token_type": "Bearer",
                             "scope": SCOPE}
            return 400, {"error": "invalid_grant", "error_description": "Token has been "
                         "expired or revoked."}

    def authorize(self, query: dict[str, str]) -> str:
        """The consent page: approve at once and send the browser back with a code."""
        with self._lock:
            code = f"code-{next(self._ids)}"
            self.codes.add(code)
        params = {"code": code, "state": query.get("state", ""), "scope": SCOPE}
        return f"{query['redirect_uri']}?{urlencode(params)}"

    # -- HTTP -----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        routes = {("GET", "commentThreads"): "commentThreads.list",
                  ("GET", "comments"): "comments.list", ("GET", "videos"): "videos.list",
                  ("POST", "comments"): "comments.insert", ("GET", "channels"): "channels.list",
                  ("GET", "playlistItems"): "playlistItems.list"}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out without a 40 ms stall

            def log_message(self, *args: Any) -> None:
                pass

            def _route(self, verb: str) -> None:
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if url.path == "/token":
                    form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                    return self._send(*fake.token(form))
                if url.path == "/auth":
                    self.send_response(302)
                    self.send_header("Location", fake.authorize(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                method = routes.get((verb, url.path.rsplit("/", 1)[-1]))
                if method is None or not url.path.startswith("/youtube/v3/"):
                    return self._send(404, error(404, "notFound", f"no route {url.path}"))
                body = json.loads(raw) if raw else None
                status, payload = fake.api(method, query, body,
                                           self.headers.get("Authorization"))
                damaged = fake.damaged.get(method)
                if damaged:
                    return self._send_bytes(status, damaged.pop(0))
                if method == "comments.insert" and status == 200 and fake.drop_insert_responses:
                    fake.drop_insert_responses -= 1
                    self.close_connection = True  # saved, but the client never hears of it
                    return None
                return self._send(status, payload)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                text = json.dumps(payload)
                for placeholder, raw in RAW.items():
                    text = text.replace(json.dumps(placeholder), raw)
                self._send_bytes(status, text.encode("utf-8", "surrogatepass"))

            def _send_bytes(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"


def error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message,
                      "errors": [{"reason": reason, "domain": "youtube.api", "message": message}]}}


def page(items: list[Any], query: dict[str, str], render: Any) -> dict[str, Any]:
    size = int(query.get("maxResults", 20))
    start = int(query.get("pageToken") or 0)
    body: dict[str, Any] = {"items": [render(i) for i in items[start:start + size]],
                            "pageInfo": {"totalResults": len(items), "resultsPerPage": size}}
    if start + size < len(items):
        body["nextPageToken"] = str(start + size)
    return body
