"""Spam as channels see it: a multinomial naive Bayes over character n-grams, shipped as data.

Character n-grams (1 to 4, on NFKC-folded lower-case text) work alike for English, Chinese,
links and spaced-out lookalikes ("s u b 4 s u b"), with no tokeniser. The model is trained on
the development part of `bench/decisions` (plus the red-team corpus and the bundled triage
examples) by `bench/decisions.py --train` and stored in `bot/data/spam_model.json`; scoring a
comment is a few dictionary look-ups, no model call.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

ORDERS = (1, 2, 3, 4)
#: the log-odds above which a comment is called spam when no fitted one is stored
THRESHOLD = 0.0
#: the share of other comments the fitted threshold may call spam (out of fold, on development)
FALSE_ALARMS = 0.03


def grams(text: str) -> list[str]:
    folded = " " + " ".join(unicodedata.normalize("NFKC", text).lower().split()) + " "
    return [folded[i:i + n] for n in ORDERS for i in range(len(folded) - n + 1)]


@dataclass(frozen=True)
class SpamModel:
    """Log-probabilities of each n-gram in spam and in other comments, and the priors."""

    spam: dict[str, float]
    ham: dict[str, float]
    unseen: tuple[float, float]
    prior: float
    threshold: float = THRESHOLD

    def features(self, text: str) -> list[str]:
        return grams(text)

    def log_odds(self, text: str) -> float:
        """How much more likely the comment is spam than not, in nats (0 is even)."""
        return self.prior + sum(self.spam.get(g, self.unseen[0]) - self.ham.get(g, self.unseen[1])
                                for g in self.features(text))

    def is_spam(self, text: str) -> bool:
        return self.log_odds(text) > self.threshold

    def to_json(self) -> dict[str, Any]:
        return {"spam": self.spam, "ham": self.ham, "unseen": list(self.unseen),
                "prior": self.prior, "threshold": self.threshold}


def train(texts: Sequence[str], spam: Sequence[bool], min_count: int = 1, alpha: float = 0.1,
          features: Callable[[str], list[str]] = grams) -> SpamModel:
    """Multinomial naive Bayes with additive smoothing; rare features are left out."""
    counts = (Counter[str](), Counter[str]())
    for text, is_spam in zip(texts, spam, strict=True):
        counts[0 if is_spam else 1].update(features(text))
    vocabulary = {g for g, n in (counts[0] + counts[1]).items() if n >= min_count}
    tables = [_log_probs(c, vocabulary, alpha) for c in counts]
    totals = [sum(c[g] for g in vocabulary) + alpha * len(vocabulary) for c in counts]
    n_spam = sum(spam)
    prior = math.log(max(1, n_spam) / max(1, len(spam) - n_spam))
    return SpamModel(tables[0][0], tables[1][0], (math.log(alpha / totals[0]),
                                                  math.log(alpha / totals[1])), prior)


def _log_probs(counts: Counter[str], vocabulary: Iterable[str],
               alpha: float) -> tuple[dict[str, float], float]:
    words = list(vocabulary)
    total = sum(counts[g] for g in words) + alpha * len(words)
    return {g: round(math.log((counts[g] + alpha) / total), 4) for g in words}, total


def fitted(texts: Sequence[str], spam: Sequence[bool], folds: int = 5) -> SpamModel:
    """Trained on everything, with the threshold that calls at most `FALSE_ALARMS` of the other
    comments spam when each is scored by a model trained without it (k-fold)."""
    scores = [0.0] * len(texts)
    for fold in range(folds):
        keep = [i for i in range(len(texts)) if i % folds != fold]
        model = train([texts[i] for i in keep], [spam[i] for i in keep])
        for i in range(fold, len(texts), folds):
            scores[i] = model.log_odds(texts[i])
    ham = sorted(s for s, is_spam in zip(scores, spam, strict=True) if not is_spam)
    threshold = ham[min(len(ham) - 1, int(len(ham) * (1 - FALSE_ALARMS)))] if ham else THRESHOLD
    whole = train(texts, spam)
    return SpamModel(whole.spam, whole.ham, whole.unseen, whole.prior, threshold)


def from_json(data: dict[str, Any]) -> SpamModel:
    return SpamModel(data["spam"], data["ham"], tuple(data["unseen"]),  # type: ignore[arg-type]
                     data["prior"], data.get("threshold", THRESHOLD))


@cache
def bundled() -> SpamModel:
    """The shipped model (read once a process)."""
    text = resources.files("bot").joinpath("data/spam_model.json").read_text("utf-8")
    return from_json(json.loads(text))
