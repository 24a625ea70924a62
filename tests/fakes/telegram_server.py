"""A fake Telegram Bot API on 127.0.0.1: JSON POSTs to /bot<TOKEN>/<method>, answered as
Telegram answers (`{"ok": true, "result": ...}`), with button presses a test makes."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.local_server import LocalServer


class FakeTelegram(LocalServer):
    def __init__(self, token: str = "123:secret") -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self._ids = itertools.count(1)
        super().__init__(self._handler())

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in list(self.calls) if name == method]

    def wait_for(self, method: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.sent(method)) >= count, timeout)
        found = self.sent(method)
        assert len(found) >= count, f"{method}: {len(found)} of {count} calls"
        return found

    def press(self, chat_id: int, user_id: int, data: str, text: str = "a draft") -> None:
        """Someone presses an inline button under a message in `chat_id`."""
        with self.changed:
            update_id = next(self._ids)
            self.updates.append({"update_id": update_id, "callback_query": {
                "id": f"cq{update_id}", "from": {"id": user_id, "is_bot": False},
                "message": {"message_id": 100 + update_id, "chat": {"id": chat_id},
                            "text": text},
                "chat_instance": "1", "data": data}})
            self.changed.notify_all()

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            with self.changed:
                offset = int(params.get("offset", 0))
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                self.changed.wait_for(lambda: bool(self.updates),
                                      min(float(params.get("timeout", 0)), 1.0))
                return list(self.updates)
        if method == "sendMessage":
            return {"message_id": next(self._ids), "chat": {"id": params["chat_id"]},
                    "text": params["text"]}
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    self._reply(401, {"ok": False, "error_code": 401,
                                      "description": "Unauthorized"})
                    return
                method = self.path.removeprefix(prefix)
                params = json.loads(body or b"{}")
                result = fake._answer(method, params)
                with fake.changed:
                    fake.calls.append((method, params))
                    fake.changed.notify_all()
                self._reply(200, {"ok": True, "result": result})

            def _reply(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
