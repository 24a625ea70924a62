"""Ingesting many files shows how far it got: files, chunks, chunks per second and time left."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from bot.cli.kb import _progress, _stepper
from knowledge.embeddings import E5Embedder
from knowledge.errors import KnowledgeError
from knowledge.loaders import load
from knowledge.store import AddResult, KnowledgeBase, open_client


def test_each_file_is_reported_after_it_is_added_or_refused(kb: KnowledgeBase,
                                                           tmp_path: Path) -> None:
    good = tmp_path / "recipe.md"
    good.write_text("# V60\n\nI brew at 93°C with a 1:15 ratio, 15 g to 225 g.\n")
    bad = tmp_path / "photo.heic"
    bad.write_bytes(b"\x00\x01")
    seen: list[tuple[str, int | None]] = []
    results, problems = kb.add_files(
        [good, bad], lambda path, result: seen.append((path.name, result and result.added)))
    assert seen == [("recipe.md", 1), ("photo.heic", None)]
    assert [r.added for r in results] == [1] and len(problems) == 1


def test_the_bar_shows_chunks_per_second_and_time_left(tmp_path: Path) -> None:
    console = Console(record=True, force_terminal=True, width=150)
    with _progress(2, console) as progress:
        step = _stepper(progress, 2)
        step(tmp_path / "one.md", AddResult("one.md", 12, 0, 0))
        progress.refresh()
    shown = console.export_text()
    assert "1/2" in shown and "12 chunks" in shown and "chunks/s" in shown
    assert "0:00:" in shown or "-:--:--" in shown  # the time left column


def test_several_small_files_are_embedded_together_and_written_each_as_alone(
        tmp_path: Path) -> None:
    calls: list[int] = []

    class Recording(E5Embedder):
        def passages(self, texts):  # noqa: ANN001, ANN201
            calls.append(len(texts))
            return super().passages(texts)

    files = []
    for n in range(5):
        path = tmp_path / "notes" / f"note{n}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"# Note {n}\n\nThe kettle for recipe {n} is set to {90 + n}°C.\n")
        files.append(path)
    together = KnowledgeBase(open_client(path=tmp_path / "together"), Recording())
    results, problems = together.add_files(files)
    assert calls == [5] and problems == []  # one call for five files' chunks
    alone = KnowledgeBase(open_client(path=tmp_path / "alone"), E5Embedder())
    for path in files:
        alone.add(load(path))
    assert [r.added for r in results] == [1] * 5
    assert together.sources() and [s.source for s in together.sources()] == [
        s.source for s in alone.sources()]
    mine = together._collection.get(include=["embeddings", "documents"])
    theirs = alone._collection.get(include=["embeddings", "documents"])
    order = sorted(range(len(mine["ids"])), key=mine["ids"].__getitem__)
    other = sorted(range(len(theirs["ids"])), key=theirs["ids"].__getitem__)
    assert [mine["ids"][i] for i in order] == [theirs["ids"][i] for i in other]
    assert np.allclose(np.asarray(mine["embeddings"])[order],
                       np.asarray(theirs["embeddings"])[other], atol=1e-5)
    again, _ = together.add_files(files)  # unchanged: nothing embedded
    assert calls == [5, 0] and [r.kept for r in again] == [1] * 5


def test_a_file_that_cannot_be_read_among_others_loses_none_of_them(tmp_path: Path) -> None:
    kb = KnowledgeBase(open_client(path=tmp_path / "kb"), E5Embedder())
    files = []
    for n, name in enumerate(["a.md", "broken.heic", "b.md"]):
        path = tmp_path / name
        path.write_bytes(b"\x00\x01" if name.endswith("heic") else
                         f"Fact {n}: grind {n + 10} clicks.".encode())
        files.append(path)
    seen: list[str] = []
    results, problems = kb.add_files(files, lambda path, result: seen.append(path.name))
    assert seen == ["a.md", "broken.heic", "b.md"] and len(problems) == 1
    assert [r.added for r in results] == [1, 1] and kb.count() == 2


def test_a_file_named_twice_is_added_once(tmp_path: Path) -> None:
    kb = KnowledgeBase(open_client(path=tmp_path / "kb"), E5Embedder())
    note = tmp_path / "a.md"
    note.write_text("The grinder is set to 24 clicks.")
    results, problems = kb.add_files([note, tmp_path / "." / "a.md", note])
    assert [(r.added, r.kept) for r in results] == [(1, 0)] and problems == []


def test_an_unexpected_error_still_writes_the_files_read_before_it(tmp_path: Path) -> None:
    kb = KnowledgeBase(open_client(path=tmp_path / "kb"), E5Embedder())
    first = tmp_path / "first.md"
    first.write_text("Cold brew steeps for 18 hours.")
    missing = tmp_path / "gone.md"  # expand() saw it; it is gone when read: an OSError
    original = kb._plan

    def plan(document, video_id=None):  # noqa: ANN001, ANN202
        if document.source.endswith("second.md"):
            raise RuntimeError("a parser's own error")
        return original(document, video_id)

    second = tmp_path / "second.md"
    second.write_text("Espresso at 9 bar.")
    kb._plan = plan  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        kb.add_files([first, missing, second])
    assert kb.count() == 1  # first.md, planned before the error, is written


def test_an_embedding_failure_is_each_files_problem_not_a_stop(tmp_path: Path) -> None:
    class Failing(E5Embedder):
        def passages(self, texts):  # noqa: ANN001, ANN201
            if texts:
                raise KnowledgeError("embedding endpoint error (openai/x): 503")
            return super().passages(texts)

    kb = KnowledgeBase(open_client(path=tmp_path / "kb"), Failing())
    files = []
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(f"Note {name}: 93°C.")
        files.append(tmp_path / name)
    seen: list[tuple[str, object]] = []
    results, problems = kb.add_files(files, lambda path, result: seen.append((path.name, result)))
    assert results == [] and len(problems) == 2 and "503" in problems[0]
    assert seen == [("a.md", None), ("b.md", None)] and kb.count() == 0


def test_unchanged_files_report_progress_as_they_go(tmp_path: Path) -> None:
    kb = KnowledgeBase(open_client(path=tmp_path / "kb"), E5Embedder())
    files = []
    for n in range(40):
        (tmp_path / f"n{n}.md").write_text(f"Fact {n}: {n} grams.")
        files.append(tmp_path / f"n{n}.md")
    kb.add_files(files)
    reported: list[int] = []
    original = kb._plan

    def plan(document, video_id=None):  # noqa: ANN001, ANN202
        reported.append(len(seen))
        return original(document, video_id)

    seen: list[str] = []
    kb._plan = plan  # type: ignore[method-assign]
    kb.add_files(files, lambda path, result: seen.append(path.name))
    assert len(seen) == 40 and reported[-1] >= 32  # reported in groups of 16, not all at the end
