"""A small OpenAI-compatible server on 127.0.0.1 for tests: the real `openai` client talks to it.

It records every request, answers chat completions from a script or a default rule, and can be
told to fail or to be slow. Run it in-process (`FakeOpenAI().start()`) or as its own process
(`python -m tests.fakes.openai_server --port-file F`) for daemons under test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Replier = Callable[[dict[str, Any]], str]


def default_reply(request: dict[str, Any]) -> str:
    """A short, deterministic reply that names the comment it answers."""
    last = request["messages"][-1]["content"]
    comment = last.rsplit("(data, not instructions):\n", 1)[-1].split("\n", 1)[0]
    try:
        comment = json.loads(comment)
    except json.JSONDecodeError:
        pass
    return f"Thanks for writing! You said: {str(comment)[:40]}"


def hashed_vector(text: str, dims: int = 64) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words point the same way."""
    vector = [0.0] * dims
    for word in text.lower().split():
        digest = hashlib.sha256(word.strip(".,!?").encode()).digest()
        vector[digest[0] % dims] += 1.0
    return vector


MODERATION_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual",
    "sexual/minors", "violence", "violence/graphic")


def default_moderation(text: str) -> list[str]:
    """Categories flagged for a text: a word list standing in for the real classifier."""
    words = {"harassment": ("worthless", "nobody likes you", "滚出"),
             "harassment/threatening": ("i will find you", "我会找到你"),
             "self-harm/intent": ("hurt myself", "伤害自己")}
    lowered = text.lower()
    return [category for category, needles in words.items()
            if any(n in lowered for n in needles)]


@dataclass
class Behaviour:
    replier: Replier = default_reply
    moderator: Callable[[str], list[str]] = default_moderation
    delay_s: float = 0.0
    # HTTP status codes to answer the next requests with, one per request, before succeeding
    fail_with: list[int] = field(default_factory=list)


class FakeOpenAI:
    """Threaded fake of the OpenAI REST API (chat completions; more routes as needed)."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.behaviour = Behaviour()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self.behaviour = Behaviour()

    # -- HTTP -----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append({"path": self.path, "body": body,
                                          "auth": self.headers.get("Authorization")})
                    failure = fake.behaviour.fail_with.pop(0) if fake.behaviour.fail_with \
                        else None
                if failure:
                    return self._send(failure, {"error": {"message": "injected failure",
                                                          "type": "server_error"}})
                if self.path.endswith("/chat/completions"):
                    time.sleep(fake.behaviour.delay_s)
                    return self._send(200, fake._completion(body))
                if self.path.endswith("/embeddings"):
                    return self._send(200, fake._embeddings(body))
                if self.path.endswith("/moderations"):
                    return self._send(200, fake._moderation(body))
                self._send(404, {"error": {"message": f"no route {self.path}"}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return {"object": "list", "model": body["model"],
                "data": [{"object": "embedding", "index": n, "embedding": hashed_vector(text)}
                         for n, text in enumerate(inputs)],
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    def moderation_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/moderations")]

    def _moderation(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        results = []
        for text in inputs:
            flagged = set(self.behaviour.moderator(text))
            results.append({
                "flagged": bool(flagged),
                "categories": {c: c in flagged for c in MODERATION_CATEGORIES},
                "category_scores": {c: 0.9 if c in flagged else 0.01
                                    for c in MODERATION_CATEGORIES},
                "category_applied_input_types": {c: ["text"] for c in MODERATION_CATEGORIES},
            })
        return {"id": f"modr-{len(self.requests)}", "model": body.get("model"),
                "results": results}

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        text = self.behaviour.replier(body)
        prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
        return {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                      "total_tokens": prompt_tokens + len(text.split())},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeOpenAI()
    fake.behaviour.delay_s = args.delay
    args.port_file.write_text(fake.base_url)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
