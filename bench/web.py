"""The approval page and notifications: how long the queue takes to load with 500 drafts
waiting, and how long a new draft takes to reach the creator's notification endpoint.

    python bench/web.py [--drafts 500] [--runs 20]

Both run on this machine over 127.0.0.1: the page through uvicorn and a real HTTP client
(logged in, cookies and all), the notification from a daemon cycle to a fake webhook server.
Prints a table and writes bench/results/web.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain import Status  # noqa: E402
from bot.log import configure  # noqa: E402
from bot.service.daemon import Daemon  # noqa: E402
from bot.web import server  # noqa: E402
from bot.web.auth import hash_password  # noqa: E402
from tests.fakes.connector import FakeConnector, RecordingModel  # noqa: E402
from tests.fakes.drafts import add_draft  # noqa: E402
from tests.fakes.notify_server import FakeNotifyServer  # noqa: E402
from tests.web.conftest import log_in  # noqa: E402

PASSWORD = "bench password"


def settings_in(data: Path, **extra: Any) -> Settings:
    return Settings(data_dir=data, policy={"min_spacing_s": 0},
                    web={"password_hash": SecretStr(hash_password(PASSWORD))}, **extra)


def timed_get(client: httpx.Client, path: str, runs: int) -> tuple[list[float], int]:
    client.get(path)  # warm: templates compiled, connections open
    seconds = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - started)
        size = len(answer.content)
        assert answer.status_code == 200
    return seconds, size


def page_load(root: Path, drafts: int, runs: int) -> dict[str, Any]:
    app = App(settings_in(root / "page"), actor="web:creator",
              connectors={"fake": FakeConnector()}, model=RecordingModel())
    for n in range(drafts):
        add_draft(app, f"c{n}", f"Comment {n}: what grind size for a V60, and why?",
                  author=f"viewer{n}", reply=f"Medium-fine, about 24 clicks. — Lina ({n})")
    running = server.start(app, "127.0.0.1", 0)
    try:
        client = log_in(running.url, PASSWORD)
        results = {}
        for name, path in (("first 100 (default)", "/"), (f"all {drafts}", f"/?limit={drafts}"),
                           ("one draft with its audit", "/drafts/1")):
            seconds, size = timed_get(client, path, runs)
            results[name] = {"median_ms": statistics.median(seconds) * 1000,
                             "p95_ms": sorted(seconds)[int(0.95 * (len(seconds) - 1))] * 1000,
                             "kib": size / 1024}
        return results
    finally:
        running.stop()
        app.close()


def notification_latency(root: Path, runs: int) -> list[float]:
    """Seconds from a draft's row being written in a cycle to its message at the webhook."""
    fake = FakeNotifyServer().start()
    settings = settings_in(root / "notify", notify={"webhook": {"url": fake.url},
                                                    "batch_interval_s": 0})
    connector = FakeConnector()
    app = App(settings, actor="daemon", connectors={"fake": connector}, model=RecordingModel())
    daemon = Daemon(app)
    latencies = []
    try:
        for n in range(runs):
            connector.push_comment(f"What grind size for a V60, part {n}?", author="Tom")
            daemon.run_once()
            [got] = fake.wait_for(n + 1)[n:]
            draft = app.store.drafts(Status.PENDING, newest=True, limit=1)[0]
            arrived = time.time() - (time.perf_counter() - got.at)
            latencies.append(arrived - draft.created_at.timestamp())
    finally:
        app.close()
        fake.stop()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--drafts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    configure("WARNING", "console")
    with tempfile.TemporaryDirectory() as tmp:
        pages = page_load(Path(tmp), args.drafts, args.runs)
        latency = notification_latency(Path(tmp), args.runs)
    print(f"queue page, {args.drafts} drafts waiting, {args.runs} loads each "
          "(server render + HTTP on 127.0.0.1):")
    for name, row in pages.items():
        print(f"  {name:28} median {row['median_ms']:7.1f} ms   p95 {row['p95_ms']:7.1f} ms"
              f"   {row['kib']:7.1f} KiB")
    print(f"draft queued → notification at the webhook ({args.runs} cycles): "
          f"median {statistics.median(latency) * 1000:.1f} ms, max {max(latency) * 1000:.1f} ms")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web.json").write_text(json.dumps(
        {"drafts": args.drafts, "runs": args.runs, "pages": pages,
         "notify_latency_ms": [round(s * 1000, 2) for s in latency]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
