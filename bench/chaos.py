"""A randomized SIGKILL and fault campaign against the real `replybot run` daemon.

The daemon runs in auto mode against the fake YouTube (real google-api-python-client over HTTP)
and the fake OpenAI server. Between kills the campaign adds comments, poison threads (lone
surrogates, nesting 100,000 deep, 5,000-digit numbers, year-1 times, wrong types) and faults:
5xx bursts, comments.insert responses lost after the reply was saved, cut-off and non-JSON
bodies. Each round starts the daemon and SIGKILLs it after a random delay. A last run without
faults drains the backlog, then the platform and the store are compared:

- duplicates: threads with more than one reply of ours
- lost: good comments with no reply of ours on the platform after the drain (in auto mode with
  no cap and no repeat check, every good comment is due one), with their drafts' states
- quarantined: poison items in quarantine (of those sent)
- stuck: drafts still `posting` after the drain

    python bench/chaos.py                # 200 kills, or as many as 30 minutes allow
    python bench/chaos.py --kills 20     # a quick look

Writes bench/results/chaos.json.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.connectors.test_youtube import write_token  # noqa: E402
from tests.e2e.harness import REPLYBOT, Daemon, Sandbox  # noqa: E402
from tests.e2e.test_youtube_flow import youtube_config  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.youtube_server import FakeYouTube  # noqa: E402

POISON: list[dict[str, str]] = [
    {"textOriginal": "[" * 100_000 + "]" * 100_000},
    {"authorDisplayName": "9" * 5_000},
    {"publishedAt": '"0001-01-01T00:00:00Z"'},
    {"textOriginal": "42", "textDisplay": "42", "authorChannelId": '"x"'},
]
DAMAGED = [b'{"items": [{"id": "Ug', b"<html>502 Bad Gateway</html>", b"[]", b""]
METHODS = ["commentThreads.list", "comments.list", "comments.insert", "videos.list"]


class Campaign:
    def __init__(self, root: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.youtube = FakeYouTube().start()
        self.youtube.add_video("vid1", "V60 Basics")
        self.openai = FakeOpenAI().start()
        self.box = Sandbox(root, self.openai.base_url, mode="auto")
        write_token(root / "token.json", self.youtube, valid_for_s=86_400)
        self.box.write_config(extra=youtube_config(self.youtube))
        self.good: list[str] = []
        self.poison: list[str] = []
        self.faults: Counter[str] = Counter()

    def env(self) -> dict[str, str]:
        # short leases and retries, so the drain does not wait out production-length ones; no
        # hourly or daily cap, no repeat check and quota to spare, so every good comment is due
        # a post
        return self.box.env() | {"REPLYBOT_POSTING__LEASE_S": "3",
                                 "REPLYBOT_POSTING__RETRY_AFTER_S": "1",
                                 "REPLYBOT_POLICY__MAX_REPLIES_PER_HOUR": "100000",
                                 "REPLYBOT_POLICY__MAX_REPLIES_PER_DAY": "100000",
                                 "REPLYBOT_POLICY__REPEAT_WINDOW_DAYS": "0",
                                 # 300 replies spend 15,000 units: a default day's quota would
                                 # park the feed until midnight Pacific, which is not loss
                                 "REPLYBOT_CONNECTORS__YOUTUBE__DAILY_QUOTA": "1000000"}

    def add_items(self) -> None:
        for _ in range(self.rng.randint(0, 3)):
            thread = self.youtube.add_thread("vid1", f"Which grind for a V60, take "
                                             f"{len(self.good)}?", author=f"v{len(self.good)}")
            self.good.append(thread.top.id)
        if self.rng.random() < 0.15:
            thread = self.youtube.add_thread("vid1", "poison")
            thread.top.raw_fields = self.rng.choice(POISON)
            self.poison.append(thread.top.id)

    def add_fault(self) -> None:
        kind = self.rng.choice(["5xx", "lost", "damaged", "none", "none"])
        self.faults[kind] += 1
        if kind == "5xx":
            self.youtube.inject("*", 503, "backendError", count=self.rng.randint(1, 6))
        elif kind == "lost":
            self.youtube.drop_insert_responses += 1
        elif kind == "damaged":
            method = self.rng.choice(METHODS)
            self.youtube.damaged.setdefault(method, []).append(self.rng.choice(DAMAGED))

    def kill_round(self) -> None:
        """Start the daemon and SIGKILL it after a random number of its log lines (so the
        kills land inside cycles however slow the machine is) plus a random delay."""
        self.add_items()
        self.add_fault()
        daemon = Daemon(subprocess.Popen([REPLYBOT, "run"], env=self.env(), text=True,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        lines = self.rng.randint(0, 14)
        deadline = time.monotonic() + 20
        while len(daemon.raw) < lines and time.monotonic() < deadline \
                and daemon.process.poll() is None:
            time.sleep(0.01)
        time.sleep(self.rng.uniform(0, 0.4))
        daemon.stop(signal.SIGKILL)

    def drain(self, timeout_s: float) -> None:
        self.youtube.injected.clear()
        self.youtube.damaged.clear()
        self.youtube.drop_insert_responses = 0
        process = subprocess.Popen([REPLYBOT, "run"], env=self.env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline and not self.settled():
                time.sleep(1)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)

    def rows(self, sql: str) -> list[Any]:
        path = self.box.data / "replybot.db"
        if not path.exists():
            return []
        db = sqlite3.connect(path)
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not created yet, or busy: ask again later
            return []
        finally:
            db.close()

    def settled(self) -> bool:
        drafted = {r[0] for r in self.rows("SELECT c.comment_id FROM drafts d JOIN comments c "
                                           "ON c.id = d.comment_pk")}
        busy = self.rows("SELECT count(*) FROM drafts WHERE status IN ('approved', 'posting')")
        return set(self.good) <= drafted and bool(busy) and busy[0][0] == 0

    def figures(self) -> dict[str, Any]:
        ours = Counter(r.id.split(".")[0] for r in self.youtube.our_replies())
        drafts = {r[0]: r[1:] for r in self.rows(
            "SELECT c.comment_id, d.status, d.reason FROM drafts d JOIN comments c "
            "ON c.id = d.comment_pk")}
        statuses = {comment: status for comment, (status, _) in drafts.items()}
        quarantined = {r[0] for r in self.rows("SELECT item_id FROM quarantine")}
        lost = [g for g in self.good if not ours[g]]
        return {
            "good_comments": len(self.good), "poison_sent": len(self.poison),
            "replies_posted": sum(ours.values()),
            "duplicates": sum(n - 1 for n in ours.values() if n > 1), "lost": len(lost),
            "lost_states": dict(Counter(statuses.get(g, "not stored") for g in lost)),
            "lost_reasons": dict(Counter(str(drafts[g][1]) for g in lost if g in drafts)),
            "quarantined": len(quarantined & set(self.poison)),
            "stuck": sum(1 for s in statuses.values() if s == "posting"),
            "drafts_by_status": dict(Counter(statuses.values())),
            # False: the drain ran out of time, so `lost` counts an unfinished backlog
            "drain_settled": self.settled(),
            "faults": dict(self.faults),
        }

    def close(self) -> None:
        self.youtube.stop()
        self.openai.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=30,
                        help="stop killing after this long (then drain), even short of --kills")
    parser.add_argument("--drain-s", type=float, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        campaign = Campaign(Path(tmp), args.seed)
        started = time.monotonic()
        try:
            kills = 0
            while kills < args.kills and time.monotonic() - started < args.minutes * 60:
                campaign.kill_round()
                kills += 1
                if kills % 25 == 0:
                    print(f"{kills} kills, {time.monotonic() - started:.0f} s", flush=True)
            campaign.drain(args.drain_s)
            result = campaign.figures() | {"kills": kills, "seed": args.seed,
                                           "seconds": round(time.monotonic() - started)}
        finally:
            campaign.close()
    for key in ("kills", "good_comments", "replies_posted", "duplicates", "lost",
                "poison_sent", "quarantined", "stuck", "drain_settled"):
        print(f"{key:>15}: {result[key]}")
    print(f"{'lost, by state':>15}: {result['lost_states']} {result['lost_reasons']}")
    print(f"{'drafts':>15}: {result['drafts_by_status']}\n{'faults':>15}: {result['faults']}")
    out = ROOT / "bench" / "results" / "chaos.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
