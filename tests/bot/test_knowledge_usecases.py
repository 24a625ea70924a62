"""Knowledge use cases called directly, on a real Chroma knowledge base."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.usecases.knowledge import remove_source
from knowledge.errors import KnowledgeError
from knowledge.store import KnowledgeBase


def test_a_source_is_removed_by_the_name_kb_list_shows(kb: KnowledgeBase, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Cold brew\n\nSteep it for 14 hours in the fridge.\n", encoding="utf-8")
    kb.add_files([notes])
    monkeypatch.chdir(tmp_path)  # `kb list` shows paths relative to where you are
    assert remove_source(kb, os.path.relpath(notes)) > 0
    assert kb.sources() == []
    with pytest.raises(KnowledgeError, match="no source 'notes.md' in the knowledge base"):
        remove_source(kb, "notes.md")
