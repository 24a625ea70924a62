"""Notifications: what needs the creator is told through webhook and ntfy, over real HTTP to
fake servers on 127.0.0.1; failed deliveries are retried and never hold up the daemon."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.config import Settings
from bot.domain import Status
from bot.service.daemon import Daemon
from bot.service.health import LAST_SUCCESS
from bot.service.notify import Dispatcher, Message, Notifier, NtfyChannel, WebhookChannel
from bot.state.store import Store
from knowledge.store import KnowledgeBase
from tests.conftest import build_app, make_settings
from tests.fakes.connector import FakeConnector, RecordingModel
from tests.fakes.drafts import add_draft
from tests.fakes.notify_server import FakeNotifyServer

PUBLIC = "https://bot.example.net"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fake_server() -> Iterator[FakeNotifyServer]:
    server = FakeNotifyServer().start()
    yield server
    server.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def to_webhook(server: FakeNotifyServer, client: httpx.Client, **options: int) -> Dispatcher:
    """A dispatcher to the fake webhook that retries quickly."""
    return Dispatcher([WebhookChannel(server.url, client)], retry_base_s=0.01, **options)


def message(title: str = "2 drafts waiting for you") -> Message:
    return Message("drafts_waiting", title, "Tom: What grind?", f"{PUBLIC}/drafts/7", 3)


def test_the_webhook_gets_the_message_as_json(fake_server: FakeNotifyServer,
                                              client: httpx.Client) -> None:
    dispatcher = Dispatcher([WebhookChannel(f"{fake_server.url}/hook", client)])
    dispatcher.send(message())
    [got] = fake_server.wait_for(1)
    dispatcher.close()
    assert got.path == "/hook" and got.headers["Content-Type"] == "application/json"
    assert got.json() == {"kind": "drafts_waiting", "title": "2 drafts waiting for you",
                          "body": "Tom: What grind?", "url": f"{PUBLIC}/drafts/7",
                          "priority": 3, "draft_id": None}


def test_ntfy_gets_the_body_with_title_priority_click_and_token(
        fake_server: FakeNotifyServer, client: httpx.Client) -> None:
    ntfy = NtfyChannel(fake_server.url + "/", "lina-replies", client, token="tk_secret")
    dispatcher = Dispatcher([ntfy])
    dispatcher.send(message("Flagged on youtube: 小雨 ☕"))
    [got] = fake_server.wait_for(1)
    dispatcher.close()
    assert got.path == "/lina-replies" and got.body.decode() == "Tom: What grind?"
    assert got.headers["Priority"] == "3" and got.headers["Click"] == f"{PUBLIC}/drafts/7"
    assert got.headers["Authorization"] == "Bearer tk_secret"
    assert got.headers["Tags"] == "drafts_waiting"
    # a title beyond Latin-1 travels RFC 2047-encoded, which ntfy decodes
    encoded = got.headers["Title"]
    assert encoded.startswith("=?UTF-8?B?") and encoded.endswith("?=")
    assert base64.b64decode(encoded[10:-2]).decode() == "Flagged on youtube: 小雨 ☕"


def test_a_failing_server_is_retried_with_backoff_until_it_answers(
        fake_server: FakeNotifyServer, client: httpx.Client) -> None:
    fake_server.fail_next = 2
    dispatcher = to_webhook(fake_server, client, max_tries=5)
    dispatcher.send(message())
    [got] = fake_server.wait_for(1)
    dispatcher.close()
    assert fake_server.attempts == 3 and got.json()["title"] == "2 drafts waiting for you"
    assert dispatcher.couriers[0].delivered == 1


def test_a_server_that_keeps_failing_is_given_up_after_max_tries(
        fake_server: FakeNotifyServer, client: httpx.Client) -> None:
    fake_server.fail_next = 100
    dispatcher = to_webhook(fake_server, client, max_tries=3)
    dispatcher.send(message())
    dispatcher.send(message("the next one"))
    dispatcher.close(timeout=10)
    courier = dispatcher.couriers[0]
    assert (courier.delivered, courier.given_up) == (0, 2)
    assert fake_server.received == []


def test_a_hung_channel_never_blocks_the_sender_and_keeps_the_newest(
        fake_server: FakeNotifyServer, client: httpx.Client) -> None:
    fake_server.hold.clear()  # the server takes requests and does not answer
    dispatcher = to_webhook(fake_server, client, size=2)
    for n in range(6):
        dispatcher.send(message(f"message {n}"))  # returns at once although nothing is sent
    courier = dispatcher.couriers[0]
    assert courier.delivered == 0 and courier.dropped >= 2
    fake_server.hold.set()
    dispatcher.close(timeout=10)
    titles = [r.json()["title"] for r in fake_server.received]
    assert titles[-2:] == ["message 4", "message 5"] and len(titles) <= 4


# -- what the notifier tells ----------------------------------------------------------------------


def waiting(store: Store, cid: str, status: Status = Status.PENDING, author: str = "Tom",
            label: str = "question") -> int:
    reply = None if status == Status.FLAGGED else "24 clicks."
    return add_draft(store, cid, f"comment {cid}", author=author, status=status, label=label,
                     reply=reply)


@pytest.fixture
def told(fake_server: FakeNotifyServer, client: httpx.Client, settings: Settings,
         store: Store) -> Iterator[tuple[Notifier, Clock]]:
    settings.web.public_url = PUBLIC + "/"
    settings.notify.batch_interval_s = 600
    clock = Clock()
    store.set_state(LAST_SUCCESS, START.isoformat())  # a healthy daemon
    notifier = Notifier(Dispatcher([WebhookChannel(fake_server.url, client)]), settings, clock)
    yield notifier, clock
    notifier.close()


def test_new_drafts_are_batched_to_one_message_an_interval(
        told: tuple[Notifier, Clock], store: Store, fake_server: FakeNotifyServer) -> None:
    notifier, clock = told
    waiting(store, "a")
    waiting(store, "b")
    notifier.after_cycle(store, {})
    [first] = fake_server.wait_for(1)
    assert first.json()["title"] == "2 drafts waiting for you"
    assert first.json()["url"] == PUBLIC + "/"
    assert first.json()["body"] == "Tom: comment a\nTom: comment b"

    third = waiting(store, "c")
    clock.now += timedelta(seconds=60)
    notifier.after_cycle(store, {})
    notifier.after_cycle(store, {})  # nothing new is told twice
    clock.now += timedelta(seconds=600)
    store.set_state(LAST_SUCCESS, clock.now.isoformat())
    notifier.after_cycle(store, {})
    notifier.close()
    assert [r.json()["title"] for r in fake_server.received] == \
        ["2 drafts waiting for you", "1 draft waiting for you"]
    assert fake_server.received[1].json()["url"] == f"{PUBLIC}/drafts/{third}"


def test_a_flagged_comment_is_told_at_once_within_the_batch_interval(
        told: tuple[Notifier, Clock], store: Store, fake_server: FakeNotifyServer) -> None:
    notifier, _ = told
    waiting(store, "a")
    notifier.after_cycle(store, {})
    flagged = waiting(store, "h", Status.FLAGGED, author="Sam", label="needs_human")
    notifier.after_cycle(store, {})
    _, got = fake_server.wait_for(2)
    assert got.json() == {"kind": "flagged", "title": "Flagged on fake: Sam",
                          "body": "comment h\n\nWhy: flagged: needs a person",
                          "url": f"{PUBLIC}/drafts/{flagged}", "priority": 4,
                          "draft_id": flagged}


def test_in_auto_mode_a_held_reply_is_told_at_once(
        told: tuple[Notifier, Clock], store: Store, settings: Settings,
        fake_server: FakeNotifyServer) -> None:
    notifier, _ = told
    settings.mode = "auto"
    settings.policy.actions.feedback = "queue"
    held = waiting(store, "q", label="question")  # would have posted on its own
    waiting(store, "f", label="feedback")  # queued by the policy: batched as usual
    notifier.after_cycle(store, {})
    notifier.close()
    kinds = {r.json()["kind"]: r.json() for r in fake_server.received}
    assert set(kinds) == {"held", "drafts_waiting"}
    assert kinds["held"]["url"] == f"{PUBLIC}/drafts/{held}"
    assert "Held: awaiting approval" in kinds["held"]["body"]
    assert kinds["drafts_waiting"]["title"] == "1 draft waiting for you"


def test_a_stopped_connector_and_an_unhealthy_daemon_are_told_once(
        told: tuple[Notifier, Clock], store: Store, fake_server: FakeNotifyServer) -> None:
    notifier, clock = told
    stopped = {"youtube": "YouTube refused the token: run `replybot auth youtube`"}
    notifier.after_cycle(store, stopped)
    notifier.after_cycle(store, stopped)
    clock.now += timedelta(hours=1)  # no successful cycle for an hour
    notifier.after_cycle(store, stopped)
    notifier.after_cycle(store, stopped)
    store.set_state(LAST_SUCCESS, clock.now.isoformat())
    notifier.after_cycle(store, {})
    notifier.close()
    got = [r.json() for r in fake_server.received]
    assert [(m["kind"], m["priority"]) for m in got] == \
        [("connector_stopped", 4), ("unhealthy", 5), ("recovered", 2)]
    assert got[0]["title"] == "youtube stopped" and got[0]["body"] == stopped["youtube"]
    assert got[0]["url"] == f"{PUBLIC}/?platform=youtube"
    assert "last successful cycle was 3600 s ago" in got[1]["body"]


def test_the_daemon_tells_from_its_cycle_and_a_hung_channel_does_not_hold_it(
        tmp_path: Path, fake_server: FakeNotifyServer, kb: KnowledgeBase) -> None:
    settings = make_settings(tmp_path / "data", web={"public_url": PUBLIC},
                             notify={"webhook": {"url": f"{fake_server.url}/hook"},
                                     "batch_interval_s": 0})
    connector = FakeConnector()
    app: App = build_app(settings, {connector.name: connector}, RecordingModel(), kb)
    fake_server.hold.clear()
    try:
        connector.push_comment("What grind size for a V60?", author="Tom")
        counters = Daemon(app).run_once()  # returns while the webhook has not answered
        assert counters.queued == 1 and fake_server.received == []
        fake_server.hold.set()
        [got] = fake_server.wait_for(1)
    finally:
        app.close()
    [draft] = app.store.drafts(Status.PENDING)
    assert got.json()["title"] == "1 draft waiting for you"
    assert got.json()["url"] == f"{PUBLIC}/drafts/{draft.id}"
    assert got.json()["body"] == "Tom: What grind size for a V60?"
