"""YouTube quota: units spent per idle day and per 1,000 new comments.

Runs the real connector (and the real google-api-python-client over HTTP) against the fake
YouTube from the tests, with a simulated clock: 288 polls, one every 5 minutes, is one day.

    python bench/youtube_quota.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.youtube import Settings, YouTubeConnector  # noqa: E402
from tests.connectors.test_youtube import write_token  # noqa: E402
from tests.fakes.youtube_server import CHANNEL, FakeYouTube  # noqa: E402

POLL_S = 300
POLLS_PER_DAY = 86_400 // POLL_S


def channel(videos: int, old_threads: int) -> FakeYouTube:
    fake = FakeYouTube().start()
    for n in range(videos):
        fake.add_video(f"v{n}", f"video {n}")
    for n in range(old_threads):
        fake.add_thread(f"v{n % videos}", f"old comment {n}")
    return fake


def connector(fake: FakeYouTube, folder: Path, backfill_days: float = 0) -> YouTubeConnector:
    token = write_token(folder / "token.json", fake, valid_for_s=10 * 86_400)
    settings = Settings(channel_id=CHANNEL, token_file=token, token_uri=fake.token_uri,
                        api_endpoint=fake.base_url, backfill_days=backfill_days)
    return YouTubeConnector(settings, clock=lambda: fake.now)


def run_day(fake: FakeYouTube, yt: YouTubeConnector, cursor: str | None,
            arrivals: list[int] | None = None) -> tuple[int, int, str | None]:
    """One day of polls; `arrivals[i]` new threads appear before poll i. Units, comments."""
    before = fake.total_units
    seen = 0
    rng = random.Random(7)
    for poll in range(POLLS_PER_DAY):
        for _ in range(arrivals[poll] if arrivals else 0):
            thread = fake.add_thread(f"v{rng.randrange(len(fake.videos))}", "new question?")
            if rng.random() < 0.3:
                fake.add_reply(thread, "a follow-up")
        fake.advance(POLL_S)
        result = yt.fetch_new(cursor)
        cursor = result.cursor
        seen += len(result.comments)
    return fake.total_units - before, seen, cursor


def idle_day(videos: int) -> int:
    fake = channel(videos, old_threads=2_000)
    with tempfile.TemporaryDirectory() as folder:
        yt = connector(fake, Path(folder))
        _, _, cursor = run_day(fake, yt, None)  # settle in: the first poll sets the mark
        units, _, _ = run_day(fake, yt, cursor)
    fake.stop()
    return units


def busy_then_idle() -> dict[str, float]:
    """1,000 new comments in a day, then the quiet day after (recent threads still watched)."""
    fake = channel(500, old_threads=2_000)
    rng = random.Random(11)
    arrivals = [0] * POLLS_PER_DAY
    for _ in range(1_000):
        arrivals[rng.randrange(POLLS_PER_DAY)] += 1
    with tempfile.TemporaryDirectory() as folder:
        yt = connector(fake, Path(folder))
        _, _, cursor = run_day(fake, yt, None)
        busy_units, comments, cursor = run_day(fake, yt, cursor, arrivals)
        idle_units, _, _ = run_day(fake, yt, cursor)
    fake.stop()
    return {"busy_units": busy_units, "comments_read": comments, "idle_after_units": idle_units}


def main() -> None:
    started = time.perf_counter()
    idle = {videos: idle_day(videos) for videos in (50, 500, 5_000)}
    busy = busy_then_idle()
    per_thousand = busy["busy_units"] / busy["comments_read"] * 1_000
    print("YouTube quota, one poll every 5 minutes (288 polls a day)")
    for videos, units in idle.items():
        print(f"  idle day, {videos:>5} videos, 2,000 old threads: {units:4d} units (goal ≤ 300)")
    print(f"  busy day, 1,000 new threads (+30% with a reply): {busy['busy_units']} units for "
          f"{busy['comments_read']} comments read")
    print(f"    = {per_thousand:.0f} units per 1,000 new comments read "
          "(polling, paging, follow-up checks, video titles)")
    print("    replying costs 50 units each: 1,000 replies = 50,000 units, 5 days of the "
          "default 10,000-unit quota")
    print(f"  the idle day after it, recent threads watched for follow-ups: "
          f"{busy['idle_after_units']} units")
    print(f"  ({time.perf_counter() - started:.1f} s)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "youtube-quota.json").write_text(json.dumps({
        "idle_day_units_by_videos": idle, **busy,
        "units_per_1000_comments_read": round(per_thousand, 1)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
