"""Chunks: about N tokens, sentence boundaries, overlap, Chinese without spaces, headings."""

from __future__ import annotations

import pytest

from knowledge.chunking import chunk_text, split_sentences
from knowledge.embeddings import E5Embedder


@pytest.fixture(scope="module")
def count(embedder: E5Embedder):  # noqa: ANN201
    return embedder.count_tokens


def test_chinese_sentences_split_without_spaces() -> None:
    assert split_sentences("水温93度。粉水比1:15！可以吗？好的") == \
        ["水温93度。", "粉水比1:15！", "可以吗？", "好的"]


def test_chunks_stay_near_size_and_overlap_on_sentences(count) -> None:  # noqa: ANN001
    text = " ".join(f"Sentence number {n} talks about coffee extraction." for n in range(80))
    chunks = chunk_text(text, count, size=64, overlap=12)
    assert len(chunks) > 5
    for chunk in chunks:
        assert count(chunk.text) <= 64 + 8  # joins add a few tokens the units don't count
        assert chunk.text.endswith(".")  # never cut inside a sentence
    for first, second in zip(chunks, chunks[1:], strict=False):
        last_sentence = first.text.rsplit(". ", 1)[-1]
        assert second.text.startswith(last_sentence.rstrip("."))  # the overlap carries over


def test_chinese_text_is_chunked_by_sentences(count) -> None:  # noqa: ANN001
    text = "冷萃的粉水比是一比十。" * 60
    chunks = chunk_text(text, count, size=48, overlap=10)
    assert len(chunks) > 3
    assert all(c.text.endswith("。") and count(c.text) <= 56 for c in chunks)


def test_headings_start_chunks_and_stay_with_them(count) -> None:  # noqa: ANN001
    text = "# Gear\n\nMy grinder is a Comandante C40.\n\n## Camera\n\nI film with a ZV-E10."
    chunks = chunk_text(text, count, size=256, overlap=25)
    assert [c.heading for c in chunks] == ["Gear", "Camera"]
    assert chunks[1].text == "## Camera\n\nI film with a ZV-E10."


def test_an_over_long_sentence_is_cut_to_fit(count) -> None:  # noqa: ANN001
    chunks = chunk_text("无标点的长句子" * 200, count, size=50, overlap=5)
    assert len(chunks) > 5 and all(count(c.text) <= 50 for c in chunks)


def test_overlap_must_be_smaller_than_size(count) -> None:  # noqa: ANN001
    with pytest.raises(ValueError):
        chunk_text("x", count, size=10, overlap=10)
