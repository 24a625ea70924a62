"""Telegram's approve and reject buttons: long-polls the Bot API for presses and acts on those
from allow-listed chats through the queue's use cases, audited as `telegram:<user id>`."""

from __future__ import annotations

import threading
from typing import Any

from bot.errors import ReplybotError
from bot.log import log
from bot.service.telegram import TelegramApi, TelegramError
from bot.usecases import queue

POLL_S = 25  # Telegram holds a getUpdates call open this long when nothing happens


class TelegramButtons:
    def __init__(self, parts: queue.QueueParts, api: TelegramApi, chat_ids: list[int],
                 poll_s: float = POLL_S) -> None:
        self.parts = parts
        self.api = api
        self.chat_ids = set(chat_ids)
        self.poll_s = poll_s
        self.offset = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="telegram", daemon=True)

    def start(self) -> TelegramButtons:
        self.thread.start()
        return self

    def stop(self, timeout: float = 5) -> None:
        self.stopping.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once()
            except TelegramError as exc:
                log.warning("telegram: cannot read button presses; will retry", error=str(exc))
                self.stopping.wait(5)

    def poll_once(self) -> None:
        updates = self.api.call("getUpdates", wait_s=self.poll_s + 10, offset=self.offset,
                                timeout=int(self.poll_s), allowed_updates=["callback_query"])
        for update in updates or []:
            self.offset = max(self.offset, int(update["update_id"]) + 1)
            press = update.get("callback_query")
            if press:
                self.handle(press)

    def handle(self, press: dict[str, Any]) -> None:
        chat = (press.get("message") or {}).get("chat", {}).get("id")
        user = press.get("from", {}).get("id")
        if chat not in self.chat_ids:
            log.warning("telegram: a press from a chat not allowed was ignored", chat=chat)
            self.api.call("answerCallbackQuery", callback_query_id=press["id"],
                          text="This chat may not act on drafts.")
            return
        said = self.act(str(press.get("data", "")), f"telegram:{user}")
        self.api.call("answerCallbackQuery", callback_query_id=press["id"], text=said)
        message = press["message"]
        self.api.call("editMessageText", chat_id=chat, message_id=message["message_id"],
                      text=f"{message.get('text', '')}\n\n→ {said}"[:4096])

    def act(self, data: str, actor: str) -> str:
        action, _, draft = data.partition(":")
        if not draft.isdigit() or action not in ("approve", "reject"):
            return "unknown button"
        try:
            if action == "approve":
                result = queue.approve(self.parts, int(draft), actor)
            else:
                result = queue.reject(self.parts, int(draft), actor, "rejected from Telegram")
        except ReplybotError as exc:
            return str(exc)
        return result.summary
