"""Training files: the provider's format checks, token counts and cost, the validation split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import FinetuneConfig
from bot.voice.tokens import encoding_for
from bot.voice.training import Example, export, split, validate_file


def chat(reply: str = "Thanks! — Lina") -> dict[str, object]:
    return {"messages": [{"role": "system", "content": "You are Lina."},
                         {"role": "user", "content": "Love this!"},
                         {"role": "assistant", "content": reply}]}


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_tokens_and_cost_match_a_hand_count(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    report = validate_file(write(tmp_path / "t.jsonl", [chat()] * 10), "gpt-4o-mini-2024-07-18",
                           FinetuneConfig(), cache, epochs=2)
    encoding = encoding_for("gpt-4o-mini", cache)
    per_message = [3 + len(encoding.encode(role)) + len(encoding.encode(content)) for role,
                   content in (("system", "You are Lina."), ("user", "Love this!"),
                               ("assistant", "Thanks! — Lina"))]
    expected = 3 + sum(per_message)
    assert report.ok and report.tokens == [expected] * 10
    assert report.billed_tokens == expected * 10 * 2
    assert report.cost_usd == round(expected * 20 / 1_000_000 * 3.0, 4)
    assert any("50 to 100" in w for w in report.warnings)


@pytest.mark.parametrize(("row", "message"), [
    ({"messages": [{"role": "user", "content": "hi"}]}, "no assistant message"),
    ({"messages": [{"role": "bot", "content": "hi"}, {"role": "assistant", "content": "x"}]},
     "message 1 has unrecognised role 'bot'"),
    ({"messages": [{"role": "user", "content": "hi", "mood": 1},
                   {"role": "assistant", "content": "x"}]},
     "message 1 has unrecognised key 'mood'"),
    ({"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]},
     "message 1 has no role or no content"),
    ({"prompt": "old format", "completion": "x"}, 'missing "messages" list'),
    ([1, 2], "not a JSON object"),
    ({"messages": [{"role": ["user"], "content": "hi"}, {"role": "assistant", "content": "x"}]},
     "message 1 has unrecognised role ['user']"),
])
def test_format_errors_name_the_line(tmp_path: Path, row: object, message: str) -> None:
    rows: list[object] = [chat()] * 10
    rows.insert(3, row)
    report = validate_file(write(tmp_path / "t.jsonl", rows), "gpt-4o-mini-2024-07-18",
                           FinetuneConfig(), tmp_path / "cache")
    assert not report.ok and (4, message) in report.errors


def test_dpo_rows_are_checked(tmp_path: Path) -> None:
    good = Example("You are Lina.", "Love this?", "Yes! — Lina", "Indeed.").dpo()
    bad = {**good, "non_preferred_output": []}
    report = validate_file(write(tmp_path / "d.jsonl", [good] * 10 + [bad, chat()]),
                           "gpt-4o-mini-2024-07-18", FinetuneConfig(), tmp_path / "cache")
    assert report.format == "dpo" and report.examples == 10
    assert (11, "non_preferred_output must be a list of one assistant message") in report.errors
    assert (12, "a chat example in a dpo file") in report.errors


def test_too_few_examples_and_over_long_ones(tmp_path: Path) -> None:
    config = FinetuneConfig(max_example_tokens=256)
    rows = [chat()] * 9 + [chat("word " * 400)]
    report = validate_file(write(tmp_path / "t.jsonl", rows), "gpt-4o-mini-2024-07-18", config,
                           tmp_path / "cache")
    assert report.ok and report.over_limit == 1 and max(report.tokens) == 256
    few = validate_file(write(tmp_path / "f.jsonl", [chat()] * 3), "ft:gpt-4.1-mini-2025-04-"
                        "14:org::x", FinetuneConfig(), tmp_path / "cache")
    assert few.errors == [(0, "3 examples; at least 10 are required")]
    assert few.price_per_million == 5.0


def test_the_validation_split_is_stable() -> None:
    examples = [Example("s", f"comment {n}", f"reply {n}") for n in range(40)]
    train, valid = split(examples, 0.1)
    assert len(valid) == 4 and len(train) == 36
    again_train, again_valid = split(list(reversed(examples)), 0.1)
    assert again_valid == valid
    # training keeps the 10 examples it needs; the rest may be held out
    assert [len(part) for part in split(examples[:10], 0.1)] == [10, 0]
    assert [len(part) for part in split(examples[:11], 0.2)] == [10, 1]
    assert [len(part) for part in split(examples[:13], 0.3)] == [10, 3]


def test_an_export_without_a_split_removes_an_older_one(tmp_path: Path) -> None:
    examples = [Example("s", f"comment {n}", f"reply {n}") for n in range(40)]
    out = tmp_path / "train.jsonl"
    assert export(examples, out, dpo=False, share=0.1).valid == tmp_path / "train.valid.jsonl"
    assert export(examples[:10], out, dpo=False, share=0.1).valid is None
    assert not (tmp_path / "train.valid.jsonl").exists()
