"""Telling the creator when something needs them: new drafts waiting (batched), a flagged
comment, a held auto-post, a connector that stopped, the daemon unhealthy.

    Notifier     decides what to say after each cycle, from the store (shared by every process)
    Dispatcher   one bounded queue and worker thread per channel: never blocks the daemon,
                 retries a failed delivery with backoff, drops the oldest message when full
    Channel      one small interface: WebhookChannel (JSON POST), NtfyChannel (ntfy's headers)

Every message links to the page that answers it (`[web] public_url`).
"""

from __future__ import annotations

import base64
import queue
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.domain import WAITING, DraftView, Mode, Status
from bot.log import log
from bot.service.health import check, default_max_age
from bot.state.store import Store

#: the service-state key holding the newest draft id already told about (shared by processes)
LAST_TOLD = "notify.last_draft_id"
#: flagged or held drafts told one by one in a cycle; more are summed up in one message
AT_ONCE = 5


@dataclass(frozen=True)
class Message:
    kind: str  # drafts_waiting, flagged, held, connector_stopped, unhealthy, recovered
    title: str
    body: str
    url: str
    priority: int = 3  # 1 (min) to 5 (urgent), as ntfy counts
    draft_id: int | None = None  # the one draft it is about, if one

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Channel(Protocol):
    """Where messages go; `send` raises on a failed delivery (the dispatcher retries)."""

    name: str

    def send(self, message: Message) -> None: ...


class WebhookChannel:
    """A JSON POST of the message to any URL (a chat bridge, a home automation hook, …)."""

    name = "webhook"

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url
        self.client = client

    def send(self, message: Message) -> None:
        self.client.post(self.url, json=message.to_json()).raise_for_status()


def header_text(text: str) -> str:
    """HTTP headers carry Latin-1; ntfy decodes RFC 2047 for anything else (emoji, 中文)."""
    if text.isascii():
        return text
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


class NtfyChannel:
    """ntfy (self-hostable push to phones): POST the body to SERVER/TOPIC with headers."""

    name = "ntfy"

    def __init__(self, server: str, topic: str, client: httpx.Client,
                 token: str | None = None) -> None:
        self.url = f"{server.rstrip('/')}/{topic}"
        self.client = client
        self.token = token

    def send(self, message: Message) -> None:
        headers = {"Title": header_text(message.title), "Priority": str(message.priority),
                   "Click": message.url, "Tags": message.kind}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.client.post(self.url, content=message.body.encode(),
                         headers=headers).raise_for_status()


class Courier:
    """One channel's bounded queue and the thread that delivers from it, with retries."""

    def __init__(self, channel: Channel, max_tries: int, retry_base_s: float,
                 size: int) -> None:
        self.channel = channel
        self.max_tries = max_tries
        self.retry_base_s = retry_base_s
        self.queue: queue.Queue[Message] = queue.Queue(maxsize=size)
        self.stopping = threading.Event()
        self.delivered = 0
        self.given_up = 0
        self.dropped = 0
        self.thread = threading.Thread(target=self._run, name=f"notify-{channel.name}",
                                       daemon=True)
        self.thread.start()

    def put(self, message: Message) -> None:
        """Queue without waiting; when full, the oldest message makes room (newer news wins)."""
        while True:
            try:
                self.queue.put_nowait(message)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()
                    self.dropped += 1
                    log.warning("notification dropped: the channel is behind",
                                channel=self.channel.name)
                except queue.Empty:
                    continue

    def _run(self) -> None:
        while True:
            try:
                message = self.queue.get(timeout=0.1)
            except queue.Empty:
                if self.stopping.is_set():
                    return
                continue
            self._deliver(message)

    def _deliver(self, message: Message) -> None:
        for attempt in range(self.max_tries):
            try:
                self.channel.send(message)
                self.delivered += 1
                return
            except Exception as exc:  # any failure of the far end is retried the same way
                log.warning("notification not delivered; will retry", channel=self.channel.name,
                            kind=message.kind, attempt=attempt + 1, error=str(exc))
            if self.stopping.wait(self.retry_base_s * 2 ** attempt):
                break
        self.given_up += 1
        log.error("notification given up", channel=self.channel.name, kind=message.kind)

    def close(self, timeout: float) -> None:
        """Deliver what is queued (one try each from now on) and stop."""
        self.stopping.set()
        self.thread.join(timeout)


class Dispatcher:
    """Hands each message to every channel's courier; returns at once."""

    def __init__(self, channels: Sequence[Channel], max_tries: int = 5,
                 retry_base_s: float = 2.0, size: int = 100) -> None:
        self.couriers = [Courier(c, max_tries, retry_base_s, size) for c in channels]

    def send(self, message: Message) -> None:
        for courier in self.couriers:
            courier.put(message)

    def close(self, timeout: float = 5.0) -> None:
        for courier in self.couriers:
            courier.close(timeout)


class Notifier:
    """After each cycle, tells the creator what needs them; never raises into the daemon."""

    def __init__(self, dispatcher: Dispatcher, settings: Settings,
                 clock: Clock = utcnow) -> None:
        self.dispatcher = dispatcher
        self.settings = settings
        self.clock = clock
        self.base_url = settings.web.public_url.rstrip("/")
        self.batch: list[DraftView] = []
        self.last_batch: datetime | None = None
        self.stopped: dict[str, str] = {}
        self.unhealthy = False

    @property
    def active(self) -> bool:
        return bool(self.dispatcher.couriers)

    def after_cycle(self, store: Store, stopped: Mapping[str, str]) -> None:
        if not self.active:
            return
        try:
            self._new_drafts(store)
            self._connectors(stopped)
            self._health(store)
        except Exception:  # telling is a courtesy: it must never stop the replies
            log.exception("notifications failed this cycle")

    def close(self) -> None:
        self.dispatcher.close()

    def link(self, path: str = "/") -> str:
        return self.base_url + path

    def _new_drafts(self, store: Store) -> None:
        told = store.state(LAST_TOLD)
        last = int(told[0]) if told else 0
        fresh = [d for d in store.drafts(WAITING, limit=500, newest=True) if d.id > last]
        if fresh:
            store.set_state(LAST_TOLD, str(fresh[-1].id))
        urgent = [d for d in fresh if d.status == Status.FLAGGED or self._held(d)]
        self._tell_each(urgent)
        self.batch += [d for d in fresh if d not in urgent]
        self._send_batch()

    def _held(self, draft: DraftView) -> bool:
        """In auto mode, a pending draft of a class that posts on its own was held back."""
        if self.settings.mode != Mode.AUTO or draft.status != Status.PENDING:
            return False
        action, _ = self.settings.policy.action(draft.comment.platform,
                                                draft.triage_label or "")
        return action == "auto"

    def _tell_each(self, drafts: list[DraftView]) -> None:
        for draft in drafts[:AT_ONCE]:
            self.dispatcher.send(self._draft_message(draft))
        if len(drafts) > AT_ONCE:
            more = len(drafts) - AT_ONCE
            self.dispatcher.send(Message("flagged", f"{more} more comments need you",
                                         "Flagged comments and held replies are waiting.",
                                         self.link("/?status=flagged"), 4))

    def _draft_message(self, draft: DraftView) -> Message:
        c = draft.comment
        url = self.link(f"/drafts/{draft.id}")
        if draft.status == Status.FLAGGED:
            return Message("flagged", f"Flagged on {c.platform}: {c.author}",
                           f"{c.text}\n\nWhy: {draft.reason}", url, 4, draft.id)
        return Message("held", f"Held on {c.platform}: reply to {c.author}",
                       f"{c.text}\n\nReply: {draft.reply_text}\nHeld: {draft.reason}", url, 4,
                       draft.id)

    def _send_batch(self) -> None:
        now = self.clock()
        interval = self.settings.notify.batch_interval_s
        if not self.batch or (self.last_batch is not None
                              and (now - self.last_batch).total_seconds() < interval):
            return
        count = len(self.batch)
        first = self.batch[0]
        one = first.id if count == 1 else None
        url = self.link(f"/drafts/{one}") if one else self.link("/")
        lines = [f"{d.comment.author}: {d.comment.text[:80]}" for d in self.batch[:5]]
        self.dispatcher.send(Message(
            "drafts_waiting", f"{count} draft{'s' if count > 1 else ''} waiting for you",
            "\n".join(lines) + ("\n…" if count > 5 else ""), url, 3, one))
        self.batch = []
        self.last_batch = now

    def _connectors(self, stopped: Mapping[str, str]) -> None:
        for name, why in stopped.items():
            if self.stopped.get(name) != why:
                self.dispatcher.send(Message("connector_stopped", f"{name} stopped", why,
                                             self.link(f"/?platform={name}"), 4))
        self.stopped = dict(stopped)

    def _health(self, store: Store) -> None:
        limit = default_max_age(self.settings.schedule.poll_interval_s)
        health = check(store, limit, self.clock())
        if not health.ok and not self.unhealthy:
            self.dispatcher.send(Message("unhealthy", "replybot is not healthy",
                                         health.message, self.link("/"), 5))
        elif health.ok and self.unhealthy:
            self.dispatcher.send(Message("recovered", "replybot is healthy again",
                                         health.message, self.link("/"), 2))
        self.unhealthy = not health.ok
