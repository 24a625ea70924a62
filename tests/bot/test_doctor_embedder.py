"""`replybot doctor` says whether the bundled embedder still gives the shipped vectors."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from bot import doctor
from bot.pipeline.classify import ExampleVectors, bundled_examples
from knowledge.embeddings import E5Embedder

TEXTS = [e.text for e in bundled_examples()]
SHIPPED = ExampleVectors(E5Embedder.name).load(TEXTS)


def app_embedding(moved: float) -> Any:
    """An app whose bundled embedder gives each example's shipped vector, moved by `moved`
    in every coordinate (alternating signs)."""
    assert SHIPPED is not None

    def queries(texts: Sequence[str]) -> np.ndarray:
        rows = SHIPPED[[TEXTS.index(t) for t in texts]]
        return rows + moved * np.where(np.arange(rows.shape[1]) % 2, 1.0, -1.0)

    return SimpleNamespace(bundled_embedder=SimpleNamespace(name=E5Embedder.name,
                                                            queries=queries))


def test_the_same_vectors_or_another_processors_rounding_pass() -> None:
    same = doctor.embedder(app_embedding(0.0))
    assert same.status == doctor.PASS and "cosine 1.00000" in same.detail
    rounded = doctor.embedder(app_embedding(0.0013))  # AVX2 against AVX-512, measured
    assert rounded.status == doctor.PASS and "cosine 0.999" in rounded.detail


def test_vectors_of_another_engine_are_a_warning_with_how_to_fix_it() -> None:
    moved = doctor.embedder(app_embedding(0.01))
    assert moved.status == doctor.WARN and "below 0.999" in moved.detail
    assert "make install" in moved.fix


def test_without_the_shipped_vectors_there_is_nothing_to_compare() -> None:
    other = SimpleNamespace(bundled_embedder=SimpleNamespace(
        name="another/embedder", queries=lambda texts: np.ones((len(texts), 3))))
    found = doctor.embedder(other)  # type: ignore[arg-type]
    assert found.status == doctor.WARN and "no shipped vectors" in found.detail
