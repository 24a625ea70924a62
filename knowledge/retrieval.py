"""Hybrid retrieval: dense vectors and BM25, fused by reciprocal rank, gated by a score floor.

Dense similarity finds paraphrases and crosses languages; BM25 finds exact names, models and
numbers that embeddings blur ("C40", "93°C"). Reciprocal rank fusion combines the two rankings
without having to calibrate one score against the other. Whether a chunk may be used at all is
decided on absolute evidence, so that a question the material cannot answer gets no context
rather than the least bad one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LATIN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from have how i if in is it its me my "
    "of on or so that the this to was we what when where which who why will with you your "
    "的 了 是 我 你 吗 呢 在 和 也 都 就 吧 啊".split()
)
RRF_K = 60  # the usual constant: ranks beyond a few dozen contribute little


def tokenize(text: str) -> list[str]:
    """Lowercased words for alphabetic scripts; overlapping character pairs for Chinese."""
    lowered = text.lower()
    tokens = [t for t in LATIN.findall(lowered) if t not in STOPWORDS]
    for run in CJK_RUN.findall(lowered):
        if len(run) == 1:
            tokens.append(run)
        tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


@dataclass(frozen=True)
class Scored:
    """One chunk's evidence for a query."""

    chunk_id: str
    dense: float  # cosine similarity
    dense_rank: int | None
    bm25: float
    bm25_rank: int | None
    coverage: float  # share of the query's term weight the chunk contains

    @property
    def fused(self) -> float:
        return sum(1.0 / (RRF_K + rank) for rank in (self.dense_rank, self.bm25_rank)
                   if rank is not None)


@dataclass(frozen=True)
class Gate:
    """When a chunk is good enough to be context.

    A chunk passes when `dense + coverage_weight * coverage` reaches `min_score`: words of the
    question found in the chunk add to what the embedding says. And a question gets no context
    at all when `max_unseen` or more of its words never occur anywhere in the material, counted
    only in scripts the material uses: a question about things the creator never wrote about
    should be answered without borrowed facts.
    """

    min_score: float
    coverage_weight: float = 0.1
    max_unseen: float = 0.7

    def passes(self, scored: Scored) -> bool:
        return scored.dense + self.coverage_weight * scored.coverage >= self.min_score

    def admits(self, unseen_share: float) -> bool:
        return unseen_share < self.max_unseen


class Bm25Index:
    """BM25 over every chunk in the collection, rebuilt when the collection changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation: object = None
        self.ids: list[str] = []
        self._position: dict[str, int] = {}
        self._retriever: object = None
        self._idf: dict[str, float] = {}
        self._tokens: list[set[str]] = []
        self._cjk_terms = self._latin_terms = 0

    def build(self, generation: object, ids: Sequence[str], texts: Sequence[str]) -> None:
        import bm25s

        with self._lock:
            tokenized = [tokenize(t) for t in texts]
            retriever = bm25s.BM25()
            if ids:
                retriever.index([t or ["\u0000"] for t in tokenized], show_progress=False)
            self._retriever = retriever
            self.ids = list(ids)
            self._position = {cid: n for n, cid in enumerate(self.ids)}
            self._tokens = [set(t) for t in tokenized]
            self._idf = self._inverse_frequencies(self._tokens)
            self._cjk_terms = sum(1 for t in self._idf if CJK_RUN.match(t))
            self._latin_terms = len(self._idf) - self._cjk_terms
            self.generation = generation

    @staticmethod
    def _inverse_frequencies(docs: list[set[str]]) -> dict[str, float]:
        counts: dict[str, int] = {}
        for tokens in docs:
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
        total = len(docs)
        return {t: float(np.log(1 + (total - n + 0.5) / (n + 0.5))) for t, n in counts.items()}

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The `k` best chunks by BM25 with their scores (nothing for an empty index)."""
        tokens = tokenize(query)
        if not self.ids or not tokens or self._retriever is None:
            return []
        known = [t for t in tokens if t in self._idf]
        if not known:
            return []
        docs, scores = self._retriever.retrieve(  # type: ignore[attr-defined]
            [known], k=min(k, len(self.ids)), show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True)
                if s > 0]

    def unseen_share(self, query: str) -> float:
        """Share of the query's words the material never uses, in scripts it does use."""
        tokens = set(tokenize(query))
        counted = [t for t in tokens if self._script_known(t)]
        if not counted:
            return 0.0
        return sum(1 for t in counted if t not in self._idf) / len(counted)

    def _script_known(self, token: str) -> bool:
        cjk = bool(CJK_RUN.match(token))
        return self._cjk_terms >= 50 if cjk else self._latin_terms >= 50

    def coverage(self, query: str, chunk_id: str) -> float:
        """Share of the query's IDF weight whose terms occur in the chunk (0 to 1)."""
        position = self._position.get(chunk_id)
        tokens = set(tokenize(query))
        if position is None or not tokens:
            return 0.0
        # a term the material never uses is the most distinctive of all: its absence counts
        unseen = float(np.log(1 + (len(self.ids) + 0.5) / 0.5))
        weights = {t: self._idf.get(t, unseen) for t in tokens}
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        have = self._tokens[position]
        return sum(w for t, w in weights.items() if t in have) / total


def fuse(dense: Sequence[tuple[str, float]], sparse: Sequence[tuple[str, float]],
         dense_of: dict[str, float], coverage_of: dict[str, float]) -> list[Scored]:
    """Every candidate from either list with both kinds of evidence, best fused first."""
    dense_rank = {cid: n for n, (cid, _) in enumerate(dense, start=1)}
    sparse_rank = {cid: n for n, (cid, _) in enumerate(sparse, start=1)}
    sparse_score = dict(sparse)
    candidates = list(dict.fromkeys([cid for cid, _ in dense] + [cid for cid, _ in sparse]))
    scored = [Scored(cid, dense_of.get(cid, 0.0), dense_rank.get(cid), sparse_score.get(cid, 0.0),
                     sparse_rank.get(cid), coverage_of.get(cid, 0.0)) for cid in candidates]
    return sorted(scored, key=lambda s: s.fused, reverse=True)
