"""Drive the real `replybot` executable in subprocesses on a temporary data dir."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPLYBOT = str(Path(sys.executable).parent / "replybot")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@dataclass
class Sandbox:
    """A config, inbox and data dir for one test."""

    root: Path
    llm_url: str | None
    mode: str = "approve"
    poll_interval_s: float = 1.0

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.inbox = self.root / "inbox.jsonl"
        self.outbox = self.root / "outbox.jsonl"
        self.config = self.root / "replybot.toml"
        self.write_config()

    def write_config(self, extra: str = "") -> None:
        llm = f'base_url = "{self.llm_url}"\napi_key = "sk-test"\nmodel = "fake-model"\n' \
            f"max_retries = 0\n" if self.llm_url else 'backend = "local"\nmax_tokens = 40\n'
        self.config.write_text(f"""
mode = "{self.mode}"
[schedule]
poll_interval_s = {self.poll_interval_s}
[connectors.local]
enabled = true
inbox = "inbox.jsonl"
outbox = "outbox.jsonl"
own_authors = ["LinaBrews"]
[persona]
name = "Lina Brews"
signature = "— Lina"
[posting]
lease_s = 5
retry_after_s = 0.1
[guard]
# these tests are about posting and crashes: auto mode posts on the guard and the obedience
# check alone (the positive checks have their own tests)
auto_checks = []
[policy]
min_spacing_s = 0
[llm]
{llm}
{extra}
""", encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYBOT_")}
        env.update(REPLYBOT_DATA_DIR=str(self.data), REPLYBOT_CONFIG=str(self.config))
        return env

    def add_comments(self, records: list[dict[str, Any]]) -> None:
        with self.inbox.open("a", encoding="utf-8") as handle:
            handle.write(jsonl(records))

    def cli(self, *args: str, check: bool = True, extra_env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = self.env() | (extra_env or {})
        result = subprocess.run([REPLYBOT, *args], capture_output=True, text=True, env=env,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"replybot {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json").stdout)

    def outbox_records(self) -> list[dict[str, Any]]:
        if not self.outbox.exists():
            return []
        return [json.loads(x) for x in self.outbox.read_text(encoding="utf-8").splitlines()]

    def daemon(self) -> Daemon:
        return Daemon(subprocess.Popen([REPLYBOT, "run"], env=self.env(), text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE))


@dataclass
class Daemon:
    """A `replybot run` process whose JSON log lines are collected as they come."""

    process: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.raw.append(line)
            try:
                self.events.append(json.loads(line))
            except json.JSONDecodeError:
                continue

    def count(self, event: str) -> int:
        return sum(1 for e in list(self.events) if e.get("event") == event)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"daemon exited early:\n{''.join(self.raw)}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting; log so far:\n{''.join(self.raw[-30:])}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code
