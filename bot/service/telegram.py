"""Telegram: messages to allow-listed chats, with approve and reject buttons on a draft.

The channel only sends; the buttons' presses are read by `bot.chat.telegram` in the process
that serves the page, which calls the same queue use cases as the page and the CLI.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.service.notify import Message


class TelegramError(Exception):
    """The Bot API said no (`ok: false`) or could not be reached."""


class TelegramApi:
    """The few Bot API methods replybot calls, as JSON POSTs to API_URL/bot<TOKEN>/<method>."""

    def __init__(self, api_url: str, token: str, client: httpx.Client) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self.client = client

    def call(self, method: str, wait_s: float | None = None, **params: Any) -> Any:
        """`wait_s`: how long to wait for the answer (a long poll needs longer)."""
        try:
            answer = self.client.post(f"{self.base}/{method}", json=params,
                                      timeout=wait_s or self.client.timeout)
            body = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TelegramError(f"{method}: {type(exc).__name__}") from None  # no token in it
        if not body.get("ok"):
            raise TelegramError(f"{method}: {body.get('error_code')} {body.get('description')}")
        return body.get("result")


def buttons(message: Message) -> list[list[dict[str, str]]]:
    """Approve and reject for a drafted reply; only dismiss for a flagged comment (answering
    it needs the person's own words, on the page)."""
    if message.draft_id is None:
        return []
    reject = {"text": "✖ Reject", "callback_data": f"reject:{message.draft_id}"}
    if message.kind == "flagged":
        return [[{**reject, "text": "✖ Dismiss"}]]
    return [[{"text": "✅ Approve", "callback_data": f"approve:{message.draft_id}"}, reject]]


class TelegramChannel:
    """Sends each message to every allow-listed chat, as plain text (nothing is parsed)."""

    name = "telegram"

    def __init__(self, api: TelegramApi, chat_ids: list[int]) -> None:
        self.api = api
        self.chat_ids = chat_ids

    def send(self, message: Message) -> None:
        text = f"{message.title}\n\n{message.body}\n\n{message.url}"
        markup = {"inline_keyboard": buttons(message)}
        for chat_id in self.chat_ids:
            self.api.call("sendMessage", chat_id=chat_id, text=text[:4096],
                          reply_markup=markup, link_preview_options={"is_disabled": True})
