"""Prompt size per draft on the demo inbox and the eval set, without and with the budget.

    python bench/prompt.py

Tokens are counted with tiktoken for `[llm] model` (offline vocabularies), as billed: every
message's text plus its framing. The model is a recorder (no model call is timed here), so the
figures are the prompts the pipeline would send.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import App, build_token_counter  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.log import configure  # noqa: E402
from bot.pipeline.prompt import prompt_tokens  # noqa: E402
from connectors.base import Comment  # noqa: E402
from knowledge.loaders import expand, load  # noqa: E402
from tests.fakes.connector import RecordingModel  # noqa: E402

DEMO = ROOT / "deploy" / "demo"


def comments(path: Path, text_key: str) -> list[Comment]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [Comment("bench", row["id"], row.get("author", "viewer"), row[text_key],
                    video_id=row.get("video_id"), video_title=row.get("video_title"))
            for row in rows]


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sizes(app: App, split: list[Comment], budget: int | None) -> list[int]:
    pipeline, model = app.pipeline, app.model
    assert isinstance(model, RecordingModel)
    count = build_token_counter(app.settings)
    app.settings.llm.prompt_budget = budget
    found = []
    for comment in split:
        triaged = pipeline.triager(comment)
        if not triaged.answerable:
            continue
        pipeline.draft(comment, pipeline.notes(comment, triaged.label))
        found.append(prompt_tokens(model.calls[-1], count))
    return found


def line(values: list[int]) -> str:
    return (f"n={len(values):<3} p50 {statistics.median(values):6.0f}  "
            f"p95 {percentile(values, 0.95):5d}  max {max(values):5d}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REPLYBOT_DATA_DIR"] = tmp
        settings = load_settings(DEMO / "replybot.toml")
        configure("WARNING", "json")
        app = App(settings, actor="bench", model=RecordingModel())
        for path in expand([DEMO / "knowledge"]):
            app.knowledge.add(load(path))
        budget = settings.llm.prompt_budget
        splits = {"demo inbox": comments(DEMO / "inbox.jsonl", "text"),
                  "eval set": comments(DEMO / "eval.jsonl", "comment")}
        print(f"prompt tokens per draft ({settings.llm.model}'s encoding), budget {budget}")
        for name, split in splits.items():
            before, after = sizes(app, split, None), sizes(app, split, budget)
            print(f"  {name:<10} before  {line(before)}")
            print(f"  {name:<10} after   {line(after)}  "
                  f"(p95 ratio {percentile(after, .95) / percentile(before, .95):.2f})")
        app.close()


if __name__ == "__main__":
    main()
