"""Hybrid retrieval: dense vectors and BM25, fused by reciprocal rank, gated on relative evidence.

Dense similarity finds paraphrases and crosses languages; BM25 finds exact names, models and
numbers that embeddings blur ("C40", "93°C"). Reciprocal rank fusion combines the two rankings
without having to calibrate one score against the other. Whether a chunk may be used at all is
decided on evidence that means the same on any material (the two rankings agreeing, a margin
over the query's other near chunks, the question's words found), so that a question the material
cannot answer gets no context rather than the least bad one.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import structlog

LATIN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from have how i if in is it its me my "
    "of on or so that the this to was we what when where which who why will with you your "
    "的 了 是 我 你 吗 呢 在 和 也 都 就 吧 啊".split()
)
KNOWN_TERMS = 50  # distinct terms in a script before the material counts as using it
OTHER_LANGUAGE_SHARE = 0.05  # share of chunks in the other language before it is searched
RRF_K = 60  # the usual constant: ranks beyond a few dozen contribute little


def script(text: str) -> str | None:
    """"zh" for mostly Chinese text, "en" for mostly Latin, None for neither. A Chinese question
    may name a Latin brand or model (Gaggia, V60), so a character counts as three letters."""
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    latin = sum(len(word) for word in LATIN.findall(text.lower()))
    if cjk == latin == 0:
        return None
    return "zh" if cjk >= latin / 3 else "en"


def tokenize(text: str) -> list[str]:
    """Lowercased words for alphabetic scripts; overlapping character pairs for Chinese."""
    lowered = text.lower()
    tokens = [t for t in LATIN.findall(lowered) if t not in STOPWORDS]
    for run in CJK_RUN.findall(lowered):
        if len(run) == 1:
            tokens.append(run)
        tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


Words = list[list[list[str]]]
"""A query's words, each as its alternatives, each alternative as the tokens it needs: a word
of the query itself is its one token; a translated word is any of its dictionary senses."""


def words_of(query: str) -> Words:
    return [[[token]] for token in dict.fromkeys(tokenize(query))]


@dataclass(frozen=True)
class Evidence:
    """How well a chunk matches one form of the query (as asked, or translated)."""

    dense: float | None  # cosine similarity; None when it could not reach the gate (not fetched)
    coverage: float  # share of the query's word weight the chunk contains


class Ranked:
    """Where a chunk ranked in each ranking it made: dense, bm25, dense_translated…"""

    ranks: Mapping[str, int]

    @property
    def dense_rank(self) -> int | None:
        return self.ranks.get("dense")

    @property
    def bm25_rank(self) -> int | None:
        return self.ranks.get("bm25")


@dataclass(frozen=True)
class Scored(Ranked):
    """One chunk's evidence for a query."""

    chunk_id: str
    bm25: float  # the query's own BM25 score
    ranks: Mapping[str, int]  # its rank in each ranking it made: dense, bm25, dense_translated…
    evidence: Mapping[str, Evidence]  # by form of the query: "" as asked, "translated"

    @property
    def dense(self) -> float:
        return max((e.dense for e in self.evidence.values() if e.dense is not None), default=0.0)

    @property
    def coverage(self) -> float:
        return max(e.coverage for e in self.evidence.values())

    @property
    def fused(self) -> float:
        return sum(1.0 / (RRF_K + rank) for rank in self.ranks.values())


@dataclass(frozen=True)
class Verdict:
    """Why a chunk passed the gate, or did not, in the parts `kb search --explain` shows."""

    passed: bool
    form: str  # the form of the query it passed by ("" as asked, "translated"), or the best
    agree: bool  # dense and BM25 both rank it within `agree_rank` for that form
    margin: float  # its cosine minus the median cosine of that form's nearest chunks
    coverage: float
    #: with the answerability gate, the question's score (above the model's threshold: the
    #: material answers it), which every chunk of the search shares
    answerable: float | None = None

    def explain(self) -> dict[str, Any]:
        parts: dict[str, Any] = {"passed": self.passed, "form": self.form or "asked",
                                 "agree": self.agree, "margin": round(self.margin, 4),
                                 "coverage": round(self.coverage, 3)}
        if self.answerable is not None:
            parts["answerable"] = round(self.answerable, 3)
        return parts


#: what the answerability model reads of a search, per form of the query (`question_evidence`)
FEATURES = ("top", "margin", "gap", "coverage_fused", "coverage_nearest", "agree_first",
            "agree_top3", "unseen")


def question_evidence(scored: Sequence[Scored], form: str, unseen: float
                      ) -> dict[str, float] | None:
    """How a search by one form of the query went, as numbers that mean much the same on any
    material: the best cosine and its lead over the median of the nearest chunks and over the
    second; the share of the question's word weight held by the best fused chunks and by the
    nearest; whether dense and BM25 put the same chunk first, or share one in their first three;
    and the share of the question's words the material never uses. None when the form ranked
    nothing by meaning."""
    suffix = f"_{form}" if form else ""
    dense = sorted((s for s in scored if f"dense{suffix}" in s.ranks),
                   key=lambda s: s.ranks[f"dense{suffix}"])
    cosines = [c for s in dense if (c := s.evidence[form].dense) is not None]
    if not cosines:
        return None
    sparse = sorted((s for s in scored if f"bm25{suffix}" in s.ranks),
                    key=lambda s: s.ranks[f"bm25{suffix}"])
    first = dense[0]
    return {"top": cosines[0], "margin": cosines[0] - _median_nearest(scored, form),
            "gap": cosines[0] - cosines[1] if len(cosines) > 1 else 0.0,
            "coverage_fused": max(s.evidence[form].coverage for s in scored[:3]),
            "coverage_nearest": first.evidence[form].coverage,
            "agree_first": float(bool(sparse) and sparse[0].chunk_id == first.chunk_id),
            "agree_top3": float(any(s.ranks[f"dense{suffix}"] <= 3 and s in sparse[:3]
                                    for s in dense)),
            "unseen": unseen}


@dataclass(frozen=True)
class Answerability:
    """Whether the material answers a question, judged from how its search went: a logistic
    model over `FEATURES`, each standardised by `centre` and `scale`, fitted by
    `bench/gate_fit.py` on the development split for one embedder (its cosines are
    the model's scale). A question is answerable when some admitted form of it scores above
    `threshold`."""

    embedder: str
    centre: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def score(self, evidence: Mapping[str, float]) -> float:
        return self.bias + sum(w * (evidence[name] - c) / s for name, c, s, w in zip(
            FEATURES, self.centre, self.scale, self.weights, strict=True))

    def to_json(self) -> dict[str, Any]:
        return {"embedder": self.embedder, "features": list(FEATURES),
                "centre": list(self.centre), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Answerability:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"the answerability model reads {data['features']}, not "
                             f"{list(FEATURES)}: refit it (bench/gate_fit.py)")
        model = cls(str(data["embedder"]), tuple(map(float, data["centre"])),
                    tuple(map(float, data["scale"])), tuple(map(float, data["weights"])),
                    float(data["bias"]), float(data["threshold"]))
        numbers = (*model.centre, *model.scale, *model.weights, model.bias, model.threshold)
        if not (len(model.centre) == len(model.scale) == len(model.weights) == len(FEATURES)
                and all(math.isfinite(n) for n in numbers) and min(model.scale) > 0):
            raise ValueError(f"the answerability model needs {len(FEATURES)} finite centres, "
                             "positive scales and weights: refit it (bench/gate_fit.py)")
        return model


def fitted_answerability(embedder: str) -> Answerability | None:
    """The shipped answerability model, if it was fitted for this embedder's vectors; None
    (the floor decides) when it is missing, for another embedder or cannot be read."""
    from importlib import resources

    try:
        text = resources.files("knowledge").joinpath("data/answerability.json").read_text(
            "utf-8")
        model = Answerability.from_json(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        structlog.get_logger().warning("no answerability gate: the floor decides",
                                       error=str(exc))
        return None
    return model if model.embedder == embedder else None


@dataclass(frozen=True)
class Gate:
    """When a chunk is good enough to be context.

    By default (`mode = "evidence"`) a chunk passes on evidence relative to the material, not on
    a cosine fitted to one corpus, for some form of the query the gate admits:
    - the two rankings agree: dense and BM25 both rank it within the best `agree_rank`, and it
      holds at least `agree_coverage` of the question's word weight; or
    - it stands out: its cosine exceeds the median cosine of the query's nearest chunks by
      `margin`, and it holds at least `margin_coverage` of the word weight.
    A match that is neither gives no context. The four values were fitted on bench/retrieval's
    coffee questions and reported on a bicycle-repair set written before the fit.

    `mode = "answerable"` decides per question, not per chunk: the `answerability` model reads
    how the search went (`question_evidence`) and, when it judges the material answers the
    question, the best `k` chunks are context. It is fitted on every development set of
    bench/retrieval at once (three materials: the coffee notes with three question sets,
    bicycle repair and SQuAD articles) for one embedder, and needs hybrid search.

    `mode = "floor"` is the earlier gate, kept to compare with: `dense + coverage_weight *
    coverage` must reach `min_score`, a cosine calibrated per embedder.

    Whether there is context is decided per question: once one chunk passes, the question's
    best-ranked chunks fill the rest of its `k` (`fill`; off, only the chunks that pass are
    context). On every development set this kept more answers and gave no more context to
    questions the material does not answer.

    Either way a question gets no context at all when `max_unseen` or more of its words never
    occur anywhere in the material, counted only in scripts the material uses: a question about
    things the creator never wrote about should be answered without borrowed facts. A translated
    question is admitted or not on its own, held to the stricter `max_unseen_translated`: a
    dictionary brings several senses of every word, so a question the material does not answer
    still finds some of them.
    """

    min_score: float
    coverage_weight: float = 0.1
    max_unseen: float = 0.7
    max_unseen_translated: float = 0.5
    mode: str = "evidence"
    agree_rank: int = 1
    agree_coverage: float = 0.15
    margin: float = 0.02
    margin_coverage: float = 0.3
    fill: bool = True
    answerability: Answerability | None = None

    def __post_init__(self) -> None:
        if self.mode == "answerable" and self.answerability is None:
            raise ValueError("the answerability gate needs a model fitted for the embedder "
                             "(bench/gate_fit.py); use the floor or evidence gate")

    def select(self, scored: Sequence[Scored], forms: Mapping[str, float] | None = None
               ) -> dict[str, Verdict]:
        """Each chunk's verdict, by chunk id, judged by the admitted `forms` (each with the
        share of its words the material never uses)."""
        forms = {"": 0.0} if forms is None else forms
        if self._model is not None:
            return self._answerable(scored, forms, self._model)
        background = {form: _median_nearest(scored, form) for form in forms}
        return {s.chunk_id: self.verdict(s, background) for s in scored}

    def _answerable(self, scored: Sequence[Scored], forms: Mapping[str, float],
                    model: Answerability) -> dict[str, Verdict]:
        """One verdict for the question, by its best-scoring admitted form, shared by every
        chunk (each with its own agreement, margin and coverage for that form)."""
        judged = [(model.score(evidence), form) for form, unseen in forms.items()
                  if (evidence := question_evidence(scored, form, unseen)) is not None]
        if not judged:
            return {s.chunk_id: Verdict(False, "", False, 0.0, s.coverage) for s in scored}
        score, form = max(judged)
        passed = score > model.threshold
        nearest = _median_nearest(scored, form)
        return {s.chunk_id: replace(self._by_form(s, form, nearest), passed=passed,
                                    answerable=score) for s in scored}

    @property
    def _model(self) -> Answerability | None:
        """The answerability model, when it is the one that decides."""
        return self.answerability if self.mode == "answerable" else None

    def context(self, scored: Sequence[Scored], verdicts: Mapping[str, Verdict], k: int
                ) -> list[Scored]:
        """The chunks that are context, best fused first: those that pass, and with `fill`,
        once one passes, the next best up to `k` (the question is answerable); with the
        answerability gate, the best `k` of a question it judges answerable."""
        if self._model is not None:
            # the question is judged once: when it passes, its best `k` are the context (the
            # commented video's chunks come first among them, never in their place)
            return list(scored[:k]) if any(v.passed for v in verdicts.values()) else []
        passing = [s for s in scored if verdicts[s.chunk_id].passed]
        if passing and self.fill:
            passing += [s for s in scored
                        if not verdicts[s.chunk_id].passed][:max(0, k - len(passing))]
        return passing

    def verdict(self, scored: Scored, background: Mapping[str, float]) -> Verdict:
        verdicts = [self._by_form(scored, form, nearest)
                    for form, nearest in background.items() if form in scored.evidence]
        passed = [v for v in verdicts if v.passed]
        if passed or verdicts:
            return max(passed or verdicts, key=lambda v: (v.margin, v.coverage))
        return Verdict(False, "", False, 0.0, scored.coverage)

    def _by_form(self, scored: Scored, form: str, nearest: float) -> Verdict:
        evidence = scored.evidence[form]
        suffix = f"_{form}" if form else ""
        dense_rank = scored.ranks.get(f"dense{suffix}")
        bm25_rank = scored.ranks.get(f"bm25{suffix}")
        agree = (dense_rank is not None and bm25_rank is not None
                 and max(dense_rank, bm25_rank) <= self.agree_rank)
        margin = (evidence.dense - nearest) if evidence.dense is not None else 0.0
        if self.mode == "floor":
            passed = evidence.dense is not None and self.reaches(evidence.dense,
                                                                 evidence.coverage)
        else:
            passed = ((agree and evidence.coverage >= self.agree_coverage)
                      or (dense_rank is not None and margin >= self.margin
                          and evidence.coverage >= self.margin_coverage))
        return Verdict(passed, form, agree, margin, evidence.coverage)

    def reaches(self, dense: float, coverage: float) -> bool:
        """Whether a chunk this close, with this share of the words, could pass. With the
        evidence gate, a chunk outside the nearest ones never can: it is ranked by neither
        dense search nor above their median."""
        if self.mode == "floor":
            return dense + self.coverage_weight * coverage >= self.min_score
        return False

    def admits(self, unseen_share: float, translated: bool = False) -> bool:
        return unseen_share < (self.max_unseen_translated if translated else self.max_unseen)


def _median_nearest(scored: Sequence[Scored], form: str) -> float:
    """The median cosine of the chunks the form's dense search ranked: what any chunk of this
    material scores against this query, so a margin over it means the same on any corpus."""
    suffix = f"_{form}" if form else ""
    cosines = [e.dense for s in scored if f"dense{suffix}" in s.ranks
               for f, e in s.evidence.items() if f == form and e.dense is not None]
    return float(np.median(cosines)) if cosines else 1.0


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
        self._chinese_chunks = 0

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
            self._chinese_chunks = sum(1 for t in texts if script(t) == "zh")
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
        scores = self._retriever.get_scores(known)  # type: ignore[attr-defined]
        # only chunks with a query word can rank: selecting among them, not among every
        # chunk, keeps a search at 100k chunks quick
        matching = np.flatnonzero(scores)  # in index order
        if len(matching) > k:  # the k best; of chunks tied with the k-th, the first indexed
            kth = np.partition(scores[matching], len(matching) - k)[len(matching) - k]
            above = matching[scores[matching] > kth]
            matching = np.concatenate([above, matching[scores[matching] == kth][:k - len(above)]])
        best = matching[np.lexsort((matching, -scores[matching]))]
        return [(self.ids[int(d)], float(scores[d])) for d in best]

    def other_language(self, query: str) -> str | None:
        """"en" or "zh" when the query is in one language and a real part of the material is
        in the other (so a passage there may answer it); None otherwise. English material with
        a Chinese question counts; English material with one Chinese notice and an English
        question does not."""
        asked = script(query)
        if asked is None or not self.ids:
            return None
        into = "en" if asked == "zh" else "zh"
        chunks = self._chinese_chunks if into == "zh" else len(self.ids) - self._chinese_chunks
        terms = self._cjk_terms if into == "zh" else self._latin_terms
        if terms < KNOWN_TERMS or chunks < OTHER_LANGUAGE_SHARE * len(self.ids):
            return None
        return into

    def unseen_share(self, words: Words) -> float:
        """Share of the query's words the material never uses, in scripts it does use."""
        counted = [w for w in words if w and self._script_known(w[0][0])]
        if not counted:
            return 0.0
        return sum(1 for w in counted if not self._in_material(w)) / len(counted)

    def _script_known(self, token: str) -> bool:
        cjk = bool(CJK_RUN.match(token))
        return (self._cjk_terms if cjk else self._latin_terms) >= KNOWN_TERMS

    def _in_material(self, word: list[list[str]]) -> list[list[str]]:
        return [alt for alt in word if alt and all(t in self._idf for t in alt)]

    def coverage(self, words: Words, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Each chunk's share of the query's IDF weight whose words occur in it (0 to 1).

        A word weighs as much as its most distinctive alternative the material uses (an
        alternative, as much as its rarest token), or the most of all if the material uses none.
        A chunk is credited with the weight of the best alternative it contains: a translated
        word found only by a common sense counts for little."""
        # a word the material never uses is the most distinctive of all: its absence counts
        unseen = float(np.log(1 + (len(self.ids) + 0.5) / 0.5))
        weighed = []
        for word in words:
            known = [(set(alt), max(self._idf[t] for t in alt)) for alt in self._in_material(word)]
            weighed.append((max((w for _, w in known), default=unseen), known))
        total = sum(weight for weight, _ in weighed)
        result = {}
        for cid in chunk_ids:
            position = self._position.get(cid)
            if position is None or total <= 0:
                result[cid] = 0.0
                continue
            have = self._tokens[position]
            found = sum(max((w for alt, w in known if alt <= have), default=0.0)
                        for _, known in weighed)
            result[cid] = found / total
        return result


def fuse(rankings: Mapping[str, Sequence[tuple[str, float]]],
         evidence: Mapping[str, Mapping[str, Evidence]]) -> list[Scored]:
    """Every candidate from any ranking with all its evidence, best fused first."""
    rank_in = {name: {cid: n for n, (cid, _) in enumerate(ranking, start=1)}
               for name, ranking in rankings.items()}
    sparse_score = dict(rankings.get("bm25", ()))
    candidates = dict.fromkeys(cid for ranking in rankings.values() for cid, _ in ranking)
    scored = [Scored(cid, sparse_score.get(cid, 0.0),
                     {name: ranks[cid] for name, ranks in rank_in.items() if cid in ranks},
                     evidence[cid])
              for cid in candidates]
    return sorted(scored, key=lambda s: s.fused, reverse=True)
