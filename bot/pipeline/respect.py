"""Respect: the reply speaks of the viewer and of other people as the creator's replies do.

Contempt in ordinary words ("Decent is a generous word for it", "your café is clearly still
there", "看了你的拉花，感觉离第一个爱心还很远") carries no insult word and often a warm one, so
neither a word list nor a sentiment lexicon reads it. A logistic regression on the reply's
vector in the bundled embedding space (the vector relevance already computes, so the check adds
one dot product) reads it instead. It is trained by `bench/decisions.py --train` on the
development part of `bench/decisions` (the replies of its insult families against the careful
and the everyday replies of every part, and the persona's examples) and shipped as
`bot/data/respect_probe.json`.

The check holds only at or below the line that at most `FALSE_ALARMS` of those careful
replies cross when each is scored by a probe trained without it (k-fold): a reply reads as
respectful as they do, or a person reads it. No probe, no evidence: if the shipped data cannot
be read, the check fails and auto mode holds every draft.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from bot.pipeline.decide import Check

#: the share of the careful development replies the fitted line may hold (out of fold)
FALSE_ALARMS = 0.01
#: the fit's settings, chosen on development by k-fold (see `bench/decisions/README.md`)
SCALE = 10.0  # unit vectors times this: cosines are small, the weights need room
L2 = 1.0
STEPS = 1500
RATE = 0.5
PROBE = "data/respect_probe.json"


@dataclass(frozen=True)
class RespectProbe:
    """A line in the embedding space: above it a reply belittles someone."""

    weights: np.ndarray
    bias: float
    threshold: float  # a score above this fails the check
    embedder: str = ""

    def score(self, vector: np.ndarray) -> float:
        """The log-odds that the reply belittles someone (as the belittling development replies
        read, against the careful ones)."""
        return float(SCALE * vector @ self.weights + self.bias)

    def check(self, vector: np.ndarray) -> Check:
        score = self.score(vector)
        if score > self.threshold:
            return Check("respect", False, score, f"reads as belittling someone ({score:.2f}, "
                         f"above {self.threshold:.2f})")
        return Check("respect", True, score, f"speaks of people as the creator's replies do "
                     f"({score:.2f}, at or below {self.threshold:.2f})")

    def to_json(self) -> dict[str, Any]:
        return {"embedder": self.embedder, "bias": self.bias, "threshold": self.threshold,
                "weights": [round(float(w), 6) for w in self.weights]}


def unmeasured(why: str) -> Check:
    return Check("respect", False, 0.0, f"not measured: {why}")


def train(vectors: np.ndarray, ill: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression, each class weighed half
    (there are far more careful replies than belittling ones), by gradient descent."""
    x = SCALE * vectors
    y = ill.astype(np.float64)
    share = float(y.mean())
    if not 0.0 < share < 1.0:
        raise ValueError("the respect probe needs belittling and careful replies to learn from")
    weigh = np.where(y == 1, 0.5 / share, 0.5 / (1 - share))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * weigh
        w -= RATE * (x.T @ g / len(y) + L2 * w / len(y))
        b -= RATE * float(g.mean())
    return w, b


def fitted(vectors: np.ndarray, ill: Sequence[bool], careful: Sequence[bool],
           embedder: str, folds: int = 5) -> tuple[RespectProbe, np.ndarray]:
    """Trained on every row, with the line that at most `FALSE_ALARMS` of the `careful` rows
    cross when each is scored by a probe trained without it; and the out-of-fold scores."""
    labels = np.array(ill, dtype=bool)
    out = np.zeros(len(labels))
    rows = np.arange(len(labels))
    for fold in range(folds):
        trained = rows % folds != fold
        w, b = train(vectors[trained], labels[trained])
        out[~trained] = [RespectProbe(w, b, 0.0).score(v) for v in vectors[~trained]]
    others = np.sort(out[np.array(careful, dtype=bool)])
    threshold = float(others[min(len(others) - 1, int(len(others) * (1 - FALSE_ALARMS)))])
    w, b = train(vectors, labels)
    return RespectProbe(w, b, threshold, embedder), out


def from_json(data: dict[str, Any]) -> RespectProbe:
    return RespectProbe(np.array(data["weights"], dtype=np.float64), float(data["bias"]),
                        float(data["threshold"]), str(data.get("embedder", "")))


@cache
def bundled_probe() -> RespectProbe | None:
    """The shipped probe (read once a process); None when its data is missing or damaged."""
    try:
        data = json.loads(resources.files("bot").joinpath(PROBE).read_text("utf-8"))
        probe = from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return probe if probe.weights.ndim == 1 and len(probe.weights) else None
