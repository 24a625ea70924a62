"""Metric definitions (also in the README):

- faithfulness (ragas): the reply's claims supported by the retrieved context, divided by its
  claims. A reply with no factual claims (a plain thank-you) has none: no score.
- answer relevancy (ragas, embedding method): the judge writes n questions the reply answers;
  the score is the mean cosine similarity of each to the comment (bundled embedder), and 0 for
  an evasive (noncommittal) reply.
- voice similarity: cosine similarity of the reply to the reference reply (the creator's own),
  when the set gives one.
- signature: the reply ends with the persona's signature (1 or 0).
- length fit: 1 when the reply's length suits the comment (a short thanks for short praise, a
  few sentences for a question), falling off linearly to 0 at twice or half the range.
- facts: the share of the item's required facts that appear in the reply (case-insensitive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from bot.evaluation.judge import Judge
from bot.pipeline.classify import unit_rows
from bot.pipeline.prompt import shape_of, text_size

Embed = Callable[[Sequence[str]], np.ndarray]

#: words a reply of each comment shape should have (see bot.voice.shape_of)
LENGTH_RANGE = {"short": (2, 25), "question": (15, 90), "long": (8, 60)}


def faithfulness(judge: Judge, comment: str, reply: str,
                 context: Sequence[str]) -> tuple[float | None, list[str], list[bool]]:
    claims = judge.claims(comment, reply)
    if not claims:
        return None, [], []
    verdicts = judge.verdicts(claims, context)
    return sum(verdicts) / len(claims), claims, verdicts


def answer_relevancy(judge: Judge, embed: Embed, comment: str, reply: str,
                     n: int = 3) -> tuple[float, list[str]]:
    questions, noncommittal = judge.questions(reply, n)
    if not questions or noncommittal:
        return 0.0, questions
    vectors = unit_rows(embed([comment, *questions]))
    return float(np.mean(vectors[1:] @ vectors[0])), questions


def voice_similarity(embed: Embed, reply: str, reference: str) -> float:
    vectors = unit_rows(embed([reply, reference]))
    return float(vectors[0] @ vectors[1])


def has_signature(reply: str, signature: str) -> float:
    return 1.0 if signature and reply.rstrip().endswith(signature) else 0.0


def length_fit(comment: str, reply: str, signature: str = "") -> float:
    low, high = LENGTH_RANGE[shape_of(comment, 300).kind]
    size = text_size(reply.replace(signature, "") if signature else reply)
    if low <= size <= high:
        return 1.0
    if size < low:
        return max(0.0, (size - low / 2) / (low / 2))
    return max(0.0, 1 - (size - high) / high)


def facts_present(reply: str, facts: Sequence[str]) -> float | None:
    if not facts:
        return None
    lowered = reply.lower()
    return sum(f.lower() in lowered for f in facts) / len(facts)
