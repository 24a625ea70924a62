"""Telegram: messages to allow-listed chats with approve and reject buttons, and presses that
call the same use cases as the page, against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.app import App
from bot.chat.telegram import TelegramButtons
from bot.domain import Status
from bot.service.notify import Dispatcher, Message
from bot.service.telegram import TelegramApi, TelegramChannel, TelegramError
from tests.fakes.connector import FakeConnector
from tests.fakes.drafts import add_draft
from tests.fakes.telegram_server import FakeTelegram

CREATOR = 4242  # the creator's own chat with the bot (a private chat's id is the user's)
STRANGER = 999


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def api(telegram: FakeTelegram) -> Iterator[TelegramApi]:
    with httpx.Client(timeout=5) as client:
        yield TelegramApi(telegram.url, telegram.token, client)


@pytest.fixture
def buttons(web_app: App, api: TelegramApi) -> Iterator[TelegramButtons]:
    running = TelegramButtons(web_app, api, [CREATOR], poll_s=1).start()
    yield running
    running.stop()


def test_a_held_reply_goes_to_each_allowed_chat_with_approve_and_reject(
        telegram: FakeTelegram, api: TelegramApi) -> None:
    dispatcher = Dispatcher([TelegramChannel(api, [CREATOR, 77])])
    dispatcher.send(Message("held", "Held on youtube: reply to Tom", "What grind?\n\nReply: "
                            "24 clicks.", "https://bot.example.net/drafts/7", 4, 7))
    dispatcher.send(Message("flagged", "Flagged on youtube: Sam", "I feel awful",
                            "https://bot.example.net/drafts/8", 4, 8))
    sent = telegram.wait_for("sendMessage", 4)
    dispatcher.close()
    assert [m["chat_id"] for m in sent] == [CREATOR, 77, CREATOR, 77]
    held, flagged = sent[0], sent[2]
    assert held["text"] == ("Held on youtube: reply to Tom\n\nWhat grind?\n\nReply: 24 clicks."
                            "\n\nhttps://bot.example.net/drafts/7")
    assert "parse_mode" not in held  # viewer text is sent as plain text, never as markup
    assert held["reply_markup"] == {"inline_keyboard": [[
        {"text": "✅ Approve", "callback_data": "approve:7"},
        {"text": "✖ Reject", "callback_data": "reject:7"}]]}
    assert flagged["reply_markup"] == {"inline_keyboard": [[
        {"text": "✖ Dismiss", "callback_data": "reject:8"}]]}


def test_approve_from_the_allowed_chat_posts_once(telegram: FakeTelegram, web_app: App,
                                                  connector: FakeConnector,
                                                  buttons: TelegramButtons) -> None:
    draft_id = add_draft(web_app, "q1", "What grind?", reply="24 clicks. — Lina")
    telegram.press(CREATOR, CREATOR, f"approve:{draft_id}", text="Held: reply to Tom")
    telegram.press(CREATOR, CREATOR, f"approve:{draft_id}", text="Held: reply to Tom")
    first, second = telegram.wait_for("answerCallbackQuery", 2)
    assert first["text"].startswith(f"draft {draft_id}: posted as ")
    assert second["text"] == f"draft {draft_id} is posted; it cannot become approved"
    assert [p.text for p in connector.posted] == ["24 clicks. — Lina"]
    edited = telegram.wait_for("editMessageText", 2)[0]
    assert edited["text"].startswith(f"Held: reply to Tom\n\n→ draft {draft_id}: posted")
    actors = [e.actor for e in web_app.store.audit(draft_id=draft_id)]
    assert actors[1] == f"telegram:{CREATOR}"


def test_a_press_from_another_chat_does_nothing(telegram: FakeTelegram, web_app: App,
                                               connector: FakeConnector,
                                               buttons: TelegramButtons) -> None:
    draft_id = add_draft(web_app, "q1", "What grind?")
    telegram.press(STRANGER, STRANGER, f"approve:{draft_id}")
    [answer] = telegram.wait_for("answerCallbackQuery", 1)
    assert answer["text"] == "This chat may not act on drafts."
    assert web_app.store.draft(draft_id).status == Status.PENDING and connector.posted == []
    assert telegram.sent("editMessageText") == []


def test_reject_from_telegram(telegram: FakeTelegram, web_app: App,
                             buttons: TelegramButtons) -> None:
    draft_id = add_draft(web_app, "q1", "First!")
    telegram.press(CREATOR, CREATOR, f"reject:{draft_id}")
    [answer] = telegram.wait_for("answerCallbackQuery", 1)
    assert answer["text"] == f"draft {draft_id}: rejected"
    draft = web_app.store.draft(draft_id)
    assert (draft.status, draft.reason) == (Status.REJECTED, "rejected from Telegram")


def test_a_wrong_token_is_an_error_that_does_not_show_the_token(telegram: FakeTelegram) -> None:
    with httpx.Client(timeout=5) as client:
        wrong = TelegramApi(telegram.url, "555:wrong", client)
        with pytest.raises(TelegramError) as raised:
            wrong.call("sendMessage", chat_id=CREATOR, text="hi")
    assert str(raised.value) == "sendMessage: 401 Unauthorized"
    assert "wrong" not in str(raised.value)
