"""One daemon cycle over the demo inbox: time per comment by stage, and peak memory.

    python bench/cycle.py                 # the bundled local model (the default install)
    python bench/cycle.py --fake-model    # an instant OpenAI-compatible fake: the bot's overhead

Prints a table and writes bench/results/cycle-<model>.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.log import configure  # noqa: E402
from bot.service.daemon import Daemon  # noqa: E402
from knowledge.loaders import expand, load  # noqa: E402

DEMO = ROOT / "deploy" / "demo"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ms(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{statistics.mean(values) * 1000:8.1f} (p50 {statistics.median(values) * 1000:.1f})"


def prepare(data_dir: Path, fake_url: str | None) -> App:
    import os

    os.environ["REPLYBOT_DATA_DIR"] = str(data_dir)
    if fake_url:
        os.environ["REPLYBOT_LLM__BASE_URL"] = fake_url
        os.environ["REPLYBOT_LLM__API_KEY"] = "sk-bench"
    settings = load_settings(DEMO / "replybot.toml")
    configure("WARNING", "json")
    shutil.copy(DEMO / "inbox.jsonl", data_dir / "inbox.jsonl")
    app = App(settings, actor="bench")
    for path in expand([DEMO / "knowledge"]):
        app.knowledge.add(load(path))
    return app


def run(fake: bool) -> dict[str, object]:
    server = None
    if fake:
        from tests.fakes.openai_server import FakeOpenAI

        server = FakeOpenAI().start()
    with tempfile.TemporaryDirectory() as tmp:
        app = prepare(Path(tmp), server.base_url if server else None)
        started = time.perf_counter()
        app.model.complete([{"role": "user", "content": "hi"}], max_tokens=1)  # load weights
        app.knowledge.search("warm up")
        warm_up = time.perf_counter() - started
        daemon = Daemon(app)
        started = time.perf_counter()
        counters = daemon.run_once()
        cycle = time.perf_counter() - started
        drafted = [o.timings for o in daemon.outcomes if o.status != "skipped"]
        every = [o.timings for o in daemon.outcomes]
        app.close()
    if server:
        server.stop()
    return {
        "model": "fake (instant)" if fake else "bundled SmolLM2-135M (llama.cpp, CPU)",
        "comments": len(every), "drafted": len(drafted), "skipped": counters.skipped,
        "cycle_s": round(cycle, 3), "warm_up_s": round(warm_up, 3),
        "per_drafted_comment_ms": {
            "retrieve": round(statistics.mean(t.retrieve for t in drafted) * 1000, 1),
            "draft": round(statistics.mean(t.draft for t in drafted) * 1000, 1),
            "rest": round(statistics.mean(t.rest for t in drafted) * 1000, 1),
            "total": round(statistics.mean(t.total for t in drafted) * 1000, 1),
        },
        "per_comment_ms_all": round(statistics.mean(t.total for t in every) * 1000, 1),
        "fetch_and_post_s": round(cycle - sum(t.total for t in every), 3),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "_timings": drafted,
    }


def report(result: dict[str, object]) -> None:
    drafted = result.pop("_timings")
    print(f"one cycle over the demo inbox — model: {result['model']}")
    print(f"  comments {result['comments']}: drafted {result['drafted']}, "
          f"skipped {result['skipped']}; cycle {result['cycle_s']} s "
          f"(model load + warm-up before it: {result['warm_up_s']} s)")
    print("  per drafted comment, ms, mean (p50):")
    for stage in ("retrieve", "draft", "rest", "total"):
        values = [getattr(t, stage) for t in drafted]  # type: ignore[attr-defined]
        print(f"    {stage:<9}{ms(values)}")
    print(f"  fetch + store + post outside the pipeline: {result['fetch_and_post_s']} s")
    print(f"  peak memory (max RSS): {result['peak_rss_mib']} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fake-model", action="store_true",
                        help="use an instant fake endpoint to measure the bot's own overhead")
    args = parser.parse_args()
    result = run(args.fake_model)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = "fake" if args.fake_model else "local"
    serialisable = {k: v for k, v in result.items() if not k.startswith("_")}
    (out / f"cycle-{name}.json").write_text(json.dumps(serialisable, indent=2) + "\n")
    report(result)


if __name__ == "__main__":
    main()
