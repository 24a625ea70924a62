"""The store's hot path: comments in, drafts created, approved, claimed and posted.

    python bench/store.py [--comments 300] [--engine sqlite|postgresql|both]

PostgreSQL runs on a throwaway local server (Debian's `postgresql`, as the tests use). Prints
operations per second for each step on each engine; figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.domain import NewDraft, Status  # noqa: E402
from bot.state.store import Store  # noqa: E402
from connectors.base import Comment  # noqa: E402


@contextmanager
def database(engine: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        if engine == "sqlite":
            yield f"sqlite:///{folder}/bench.db"
            return
        from tests.fakes.postgres import PostgresServer

        server = PostgresServer(Path(tempfile.mkdtemp(prefix="replybot-bench-pg-"))).start()
        try:
            yield server.create_database()
        finally:
            server.stop()


def timed(label: str, count: int, step: Callable[[int], object]) -> None:
    started = time.perf_counter()
    for n in range(count):
        step(n)
    elapsed = time.perf_counter() - started
    print(f"  {label:<14} {count / elapsed:8.0f} /s")


def run(url: str, count: int) -> None:
    store = Store.open(url)
    comments = [Comment(platform="bench", comment_id=f"c{n}", author="Ann", text="Grinder?")
                for n in range(count)]
    timed("ingest", count, lambda n: store.ingest("bench", "default", comments[n:n + 1], str(n)))
    pks = [s.pk for s in store.unprocessed(limit=count)]
    draft = NewDraft(Status.APPROVED, "auto mode", reply_text="A burr grinder.")
    ids: list[int] = []
    timed("create_draft", count, lambda n: ids.append(store.create_draft(pks[n], draft) or 0))
    timed("claim", count, lambda n: store.claim(ids[n], "bench:1", "bench"))
    timed("transition", count, lambda n: store.transition(ids[n], Status.POSTED, "posted",
                                                          "bench", reply_id=f"r{n}"))
    timed("drafts(200)", 20, lambda n: store.drafts(Status.POSTED))
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        print(f"{engine}: {args.comments} comments")
        with database(engine) as url:
            run(url, args.comments)


if __name__ == "__main__":
    main()
