"""Ingesting many files shows how far it got: files, chunks, chunks per second and time left."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bot.cli.kb import _progress, _stepper
from knowledge.store import AddResult, KnowledgeBase


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
