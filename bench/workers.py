"""Several workers on one PostgreSQL database: does adding a worker add throughput, and is each
job still done once?

    python bench/workers.py [--comments 60] [--workers 1 2 4] [--model-delay 0.5]

For each worker count, real `replybot run` processes (mode auto, each with its own data dir)
share a fresh database on a throwaway local PostgreSQL, read one channel on the fake YouTube
and draft with the fake OpenAI server, which answers after `--model-delay` seconds like a
hosted model. Prints comments drafted per minute (from the first stored comment to the last
draft), model calls per comment (goal 1.00), read quota units per poll of the one feed and its
polls per minute (goal: the same as one worker; the channel's poll_interval_s is 10 s), replies
posted twice and comments lost (goal 0).
Figures depend on the machine and its load; the comments are synthetic.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain import Status  # noqa: E402
from bot.state.store import Store  # noqa: E402
from tests.connectors.test_youtube import write_token  # noqa: E402
from tests.e2e.harness import REPLYBOT, Daemon  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.postgres import PostgresServer  # noqa: E402
from tests.fakes.youtube_server import CHANNEL, FakeYouTube  # noqa: E402

READS = ("commentThreads.list", "comments.list", "videos.list", "channels.list",
         "playlistItems.list")


@dataclass
class Result:
    workers: int
    per_minute: float
    calls_per_comment: float
    units_per_poll: float
    polls_per_minute: float
    duplicates: int
    lost: int


def config(root: Path, youtube: FakeYouTube, model_url: str) -> Path:
    path = root / "replybot.toml"
    path.write_text(f"""
mode = "auto"
[schedule]
poll_interval_s = 1
[connectors.youtube]
enabled = true
channel_id = "{CHANNEL}"
token_file = "token.json"
token_uri = "{youtube.token_uri}"
api_endpoint = "{youtube.base_url}"
poll_interval_s = 10
daily_quota = 1000000
[persona]
name = "Lina Brews"
signature = "— Lina"
[policy]
min_spacing_s = 0
max_replies_per_hour = 10000
max_replies_per_day = 10000
[llm]
base_url = "{model_url}"
api_key = "sk-test"
model = "fake-model"
max_retries = 0
[log]
format = "json"
""", encoding="utf-8")
    return path


def start_worker(root: Path, n: int, cfg: Path, url: str) -> Daemon:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYBOT_")}
    env.update(REPLYBOT_DATA_DIR=str(root / f"worker{n}"), REPLYBOT_CONFIG=str(cfg),
               REPLYBOT_DATABASE_URL=url)
    return Daemon(subprocess.Popen([REPLYBOT, "run"], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE))


def wait(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():  # type: ignore[operator]
        time.sleep(0.1)


def run(workers: int, comments: int, delay: float, server: PostgresServer) -> Result:
    root = Path(tempfile.mkdtemp(prefix=f"replybot-bench-workers{workers}-"))
    youtube, model = FakeYouTube().start(), FakeOpenAI().start()
    model.behaviour.delay_s = delay
    youtube.add_video("vid1", "V60 Basics")
    for i in range(comments):
        youtube.add_thread("vid1", f"Question {i}: which grinder setting for a V60?",
                           author=f"viewer{i}")
    write_token(root / "token.json", youtube)
    url = server.create_database()
    store = Store.open(url)
    cfg = config(root, youtube, model.base_url)
    daemons = [start_worker(root, n, cfg, url) for n in range(workers)]
    wait(lambda: store.comment_count() > 0, 300)
    started = time.monotonic()
    wait(lambda: drafted(store) >= comments, 600)
    elapsed = time.monotonic() - started
    wait(lambda: not store.drafts([Status.APPROVED, Status.POSTING]), 120)
    for daemon in daemons:
        daemon.stop(signal.SIGTERM)
    result = measure(workers, comments, (elapsed, time.monotonic() - started), store, youtube,
                     model)
    store.close()
    youtube.stop()
    model.stop()
    return result


def drafted(store: Store) -> int:
    """Viewers' comments with a draft (our own replies, read back, are skipped drafts too)."""
    return sum(not d.comment.is_own for d in store.drafts(None, limit=100_000))


def measure(workers: int, comments: int, seconds: tuple[float, float], store: Store,
            youtube: FakeYouTube, model: FakeOpenAI) -> Result:
    """`seconds`: from the first stored comment to the last draft, and to the stop."""
    done = drafted(store)
    posted = Counter(r.id.split(".")[0] for r in youtube.our_replies())
    polls = sum(1 for method, query in youtube.calls
                if method == "commentThreads.list" and "id" not in query)
    read_units = sum(units for method, units in youtube.units.items() if method in READS)
    return Result(workers, done / (seconds[0] / 60), len(model.chat_requests()) / comments,
                  read_units / max(polls, 1), polls / (seconds[1] / 60),
                  sum(n - 1 for n in posted.values()), comments - done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--model-delay", type=float, default=0.5)
    args = parser.parse_args()
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="replybot-bench-pg-"))).start()
    print(f"workers on PostgreSQL: {args.comments} synthetic comments on the fake YouTube, "
          f"fake model answering in {args.model_delay} s")
    print(f"  {'workers':>7} {'drafted/min':>11} {'calls/comment':>13} {'units/poll':>10} "
          f"{'polls/min':>9} {'duplicates':>10} {'lost':>4}")
    try:
        for n in args.workers:
            r = run(n, args.comments, args.model_delay, server)
            print(f"  {r.workers:>7} {r.per_minute:>11.1f} {r.calls_per_comment:>13.2f} "
                  f"{r.units_per_poll:>10.2f} {r.polls_per_minute:>9.1f} {r.duplicates:>10} "
                  f"{r.lost:>4}", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
