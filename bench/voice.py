"""Training data in numbers: tokens per example and what training would cost, from the demo.

The demo inbox is drafted with an instant fake model, every drafted reply is approved as a person
would, and the approvals are exported and validated exactly as `replybot finetune export` and
`validate` do. Prints tokens per example (with the retrieved notes, which make up most of it),
and the estimated cost of training 100 examples like these on each priced base model, plus the
time few-shot selection adds per draft.

    python bench/voice.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cycle import prepare  # noqa: E402
from bot.domain import Status  # noqa: E402
from bot.pipeline.fewshot import FewShot  # noqa: E402
from bot.service.daemon import Daemon  # noqa: E402
from bot.voice.training import collect, export, validate_file  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402


def main() -> None:
    server = FakeOpenAI().start()
    with tempfile.TemporaryDirectory() as tmp:
        app = prepare(Path(tmp), server.base_url)
        Daemon(app).run_once()
        for draft in app.store.drafts(Status.PENDING):
            app.store.transition(draft.id, "approved", "bench", "cli")
            app.poster.post(app.store.draft(draft.id))
        settings = app.settings
        examples = collect(app.store, settings.persona, settings.llm.max_tokens)
        out = Path(tmp) / "train.jsonl"
        export(examples, out, dpo=False, share=0.0)
        cache = Path(tmp) / "cache"
        report = validate_file(out, settings.finetune.base_model, settings.finetune, cache,
                               epochs=3, minimum=1)
        per_example = statistics.mean(report.tokens)
        print(f"voice: {report.examples} approved demo replies exported, {report.encoding}")
        print(f"  tokens per example: mean {per_example:.0f}, min {min(report.tokens)}, "
              f"max {max(report.tokens)}")
        print("  training 100 such examples for 3 epochs "
              f"({per_example * 100 * 3:,.0f} billed tokens):")
        for model, price in settings.finetune.training_prices.items():
            print(f"    {model:<26} ${per_example * 100 * 3 / 1e6 * price:6.2f}  "
                  f"(${price:.2f} per 1M tokens)")
        few = FewShot(app.store, app.bundled_embedder.queries, 3, 0.85)
        few.choose("warm up")
        times = []
        for draft in app.store.approved_by_person():
            started = time.perf_counter()
            few.choose(draft.comment.text)
            times.append(time.perf_counter() - started)
        print(f"  few-shot selection over {len(few.pool())} replies: "
              f"{statistics.median(times) * 1000:.1f} ms per draft (median)")
        app.close()
    server.stop()


if __name__ == "__main__":
    main()
