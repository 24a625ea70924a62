"""Every topic set of bench/retrieval holds together: each answer is in its named file only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SETS = Path(__file__).parents[2] / "bench" / "retrieval"
TOPICS = sorted(p for p in SETS.iterdir() if (p / "corpus").is_dir()
                and (p / "questions.jsonl").exists())


def _checker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("check_set", SETS / "check_set.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("topic", TOPICS, ids=lambda p: p.name)
def test_each_answer_occurs_in_its_source_file_only(topic: Path) -> None:
    assert _checker().check(topic) == 0
