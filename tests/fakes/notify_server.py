"""A fake notification endpoint on 127.0.0.1 that records what it is sent: a webhook receiver
or an ntfy server (both take a POST; the test reads the body and headers it got).

`fail_next` answers the next requests with 503; `hold` keeps requests waiting until released,
as a hung server would.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.local_server import LocalServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.perf_counter() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


class FakeNotifyServer(LocalServer):
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.attempts = 0
        self.fail_next = 0
        self.hold = threading.Event()
        self.hold.set()  # set: answer at once
        self.arrived = threading.Condition()
        super().__init__(self._handler())

    def stop(self) -> None:
        self.hold.set()  # no request is left waiting
        super().stop()

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The first `count` deliveries, waiting for them to arrive."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        assert len(self.received) >= count, f"got {len(self.received)} of {count} messages"
        return self.received[:count]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.hold.wait(30)
                with fake.arrived:
                    fake.attempts += 1
                    failing = fake.fail_next > 0
                    fake.fail_next -= failing
                    if not failing:
                        fake.received.append(Received(self.path, dict(self.headers.items()),
                                                      body, time.perf_counter()))
                        fake.arrived.notify_all()
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        return Handler
