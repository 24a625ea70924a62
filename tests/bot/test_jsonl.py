"""The one JSONL reader: numbered rows, blank lines skipped, bad lines named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import jsonl
from bot.errors import ConfigError, StoreError


def test_rows_are_numbered_as_an_editor_numbers_lines() -> None:
    lines = ['{"a": 1}', "", "   ", '[2]', '"three"']
    assert list(jsonl.rows(lines, "x.jsonl")) == [(1, {"a": 1}), (4, [2]), (5, "three")]


def test_a_bad_line_names_the_file_and_the_line() -> None:
    with pytest.raises(ConfigError, match=r"^set\.jsonl line 3: not valid JSON \(Expecting"):
        list(jsonl.rows(['{"a": 1}', "", "{oops"], "set.jsonl"))


def test_the_caller_chooses_the_error() -> None:
    with pytest.raises(StoreError, match="backup line 1"):
        list(jsonl.rows(["nope"], "backup", StoreError))


def test_bad_lines_can_be_reported_one_by_one_and_skipped() -> None:
    problems: list[tuple[int, str]] = []
    found = list(jsonl.rows(["{", '{"ok": true}', "", "x"], "t.jsonl",
                            on_bad_line=lambda n, p: problems.append((n, p))))
    assert found == [(2, {"ok": True})]
    assert [n for n, _ in problems] == [1, 4]
    assert all(p.startswith("not JSON (") for _, p in problems)


def test_read_a_file(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"comment": "hi"}\n\n{"comment": "你好"}\n', encoding="utf-8")
    assert list(jsonl.read(path, "the set")) == [(1, {"comment": "hi"}), (3, {"comment": "你好"})]


def test_a_missing_file_says_which(tmp_path: Path) -> None:
    missing = tmp_path / "gone.jsonl"
    with pytest.raises(ConfigError, match=f"cannot read the evaluation set {missing}: "):
        list(jsonl.read(missing, "the evaluation set"))
