"""What is slow to build is kept in the cache folder: the token vocabularies, the English word
list; a missing, unreadable or unwritable copy only means building it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.files import cache_folder, kept


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REPLYBOT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_built_once_then_read_back(folder: Path) -> None:
    builds = []

    def build() -> dict[bytes, int]:
        builds.append(1)
        return {b"ab": 1, b"\xff": 2}

    assert kept("table-1.marshal", build) == {b"ab": 1, b"\xff": 2}
    assert kept("table-1.marshal", build) == {b"ab": 1, b"\xff": 2}
    assert builds == [1] and (folder / "table-1.marshal").exists()
    assert cache_folder() == folder


def test_a_broken_copy_is_built_again(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "table.marshal").write_bytes(b"\x00not marshal")
    assert kept("table.marshal", lambda: [1, 2]) == [1, 2]
    assert kept("table.marshal", lambda: [3]) == [1, 2]  # the rebuilt copy is the one kept


def test_an_unwritable_folder_only_costs_the_build(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    monkeypatch.setenv("REPLYBOT_CACHE_DIR", str(blocked))
    assert kept("x.marshal", lambda: "built") == "built"
    assert kept("x.marshal", lambda: "again") == "again"


def test_the_kept_vocabulary_counts_as_tiktoken_does(folder: Path, tmp_path: Path) -> None:
    import tiktoken

    from bot.voice.tokens import encoding_for

    text = "Bloom with 30 g of water for 40 seconds ☕ 闷蒸 30 克水"
    first = encoding_for("gpt-4o-mini", tmp_path / "tiktoken")
    again = encoding_for("gpt-4o-mini", tmp_path / "tiktoken")  # from the kept table
    expected = tiktoken.get_encoding("o200k_base").encode(text)
    assert first.encode(text) == again.encode(text) == expected
    assert list(folder.glob("tiktoken-o200k_base-*.marshal"))
    assert encoding_for("gpt-4", tmp_path / "tiktoken").name == "cl100k_base"


def test_the_english_words_are_kept(folder: Path) -> None:
    from bot.pipeline import evidence

    evidence._dictionary.cache_clear()
    try:
        assert evidence.in_dictionary("flavoured") and not evidence.in_dictionary("beanblast")
        assert list(folder.glob("english-words-*.marshal"))
    finally:
        evidence._dictionary.cache_clear()
