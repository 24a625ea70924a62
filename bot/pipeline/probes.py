"""Probes: lines in the bundled embedding space that read what no word list can.

A probe is a logistic regression on a reply's vector (the vector relevance already computes,
so a probe adds one dot product). Four ship with replybot (the character probe in two files),
each trained by `bench/decisions.py --train-probes` on the development part of
`bench/decisions`, the replies of some attack families against the careful and everyday
replies of every part and the persona's examples:

- respect (`bot/data/respect_probe.json`): the reply belittles the viewer or someone else in
  ordinary words ("Decent is a generous word for it", "your café is clearly still there",
  "看了你的拉花，感觉离第一个爱心还很远"), which carries no insult word and often a warm one,
  so neither a word list nor a sentiment lexicon reads it;
- character (`bot/data/character_words_probe.json`, fitted on replies that state no number,
  reads a reply to praise, feedback or a request that states none: a thank-you, a greeting;
  `bot/data/character_probe.json`, fitted on replies that state one, reads every other reply):
  the reply speaks in a character's or a dictated voice ("Arr, ye scallywag, 30 grams o'
  water…", "Well howdy, partner!", a noir detective, 相声, 文言文), not the creator's. One line
  for both kinds of reply held far fewer of either: a short thank-you in a character's voice
  is nearer a plain thank-you than any answer is;
- thanks (`bot/data/thanks_probe.json`, fitted on dev-15's and dev-16's attacks against the
  careful replies, numbers or none): a reply to praise, feedback or a request, which needs no
  facts, says something after the thanks that a thank-you does not ("谢谢你！咖啡确实可以防
  癌。", "谢谢！去淘宝找豆叔吧。", "谢谢！频道已经换主人了。"): a claim, a shop, a contact, a
  politics line, in the viewer's words or its own;
- sensitive (`bot/data/sensitive_probe.json`, fitted on the replies of the health, medical,
  safety, unsafe, harm, harmful-howto, politics and conspiracy families, answers and thanks
  alike, against the careful replies): any reply that reads like a claim about health, safety
  or politics in ordinary words, after the notes' own words or alone ("A double shot clears
  your head in 10 minutes. You'll be good behind the wheel.", "发酸说明发酵好了，更有营养，放
  心喝"), waits for a person.

A reply passes a probe only at or below the line that at most `FALSE_ALARMS` of the careful
replies cross when each is scored by a probe trained without it (k-fold): it reads as the
careful replies do, or a person reads it. No probe, no evidence: if a probe's shipped data
cannot be read, the check it serves fails and auto mode holds every draft.
"""

from __future__ import annotations

import json
import re
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
SCALE = 10.0  # unit vectors times this, so that the weights need not grow large
L2 = 1.0
STEPS = 1500
RATE = 0.5
#: how far from 1 the length of a vector a probe reads may be
UNIT = 0.01
#: each shipped probe's data, by name
SHIPPED = {"respect": "data/respect_probe.json", "character": "data/character_probe.json",
           "character_words": "data/character_words_probe.json",
           "thanks": "data/thanks_probe.json", "sensitive": "data/sensitive_probe.json"}
#: a reply that states a number (what the character probe is fitted on; the character_words
#: probe is fitted on the others)
NUMBERED = re.compile(r"\d")


@dataclass(frozen=True)
class Probe:
    """A line in the embedding space: above it a reply reads as its attack families do."""

    weights: np.ndarray
    bias: float
    threshold: float  # a score above this fails
    embedder: str = ""

    def score(self, vector: np.ndarray) -> float:
        """The log-odds that the reply is one of the attack families' (against the careful
        replies)."""
        return float(SCALE * vector @ self.weights + self.bias)

    def to_json(self) -> dict[str, Any]:
        return {"embedder": self.embedder, "bias": self.bias, "threshold": self.threshold,
                "weights": [round(float(w), 6) for w in self.weights]}


@dataclass(frozen=True)
class Reading:
    """What a probe made of a reply: whether it holds, its score, and the score against the
    line, or why the probe could not read the reply (which fails too)."""

    holds: bool
    score: float
    figures: str
    measured: bool = True


def reading(probe: Probe | None, name: str, vector: np.ndarray) -> Reading:
    """The `name` probe's reading of a reply's vector. It reads only the bundled embedder's
    vectors, of unit length (a zero vector would score the bias alone); a score that is no
    number (a damaged vector) does not hold."""
    if probe is None:
        return _unmeasured(f"the shipped {name} probe could not be read, or is not for the "
                           "bundled embedder; reinstall replybot")
    if probe.weights.shape != vector.shape:
        return _unmeasured(f"the {name} probe was fitted on {probe.embedder}'s vectors")
    if not abs(float(np.linalg.norm(vector)) - 1.0) <= UNIT:
        return _unmeasured("the reply's vector is not of unit length")
    score = probe.score(vector)
    if score <= probe.threshold:
        return Reading(True, score, f"({score:.2f}, at or below {probe.threshold:.2f})")
    return Reading(False, score, f"({score:.2f}, above {probe.threshold:.2f})")


def _unmeasured(why: str) -> Reading:
    return Reading(False, 0.0, f"not measured: {why}", measured=False)


def for_embedder(probe: Probe | None, embedder: str) -> Probe | None:
    """The probe, if it was fitted on this embedder's vectors (another of the same size reads
    them as noise)."""
    return probe if probe is not None and probe.embedder == embedder else None


def respect(probe: Probe | None, vector: np.ndarray) -> Check:
    """The respect check: the reply speaks of the viewer and of other people as the creator's
    replies do."""
    read = reading(probe, "respect", vector)
    if not read.measured:
        return Check("respect", False, read.score, read.figures)
    why = "speaks of people as the creator's replies do" if read.holds else \
        "reads as belittling someone"
    return Check("respect", read.holds, read.score, f"{why} {read.figures}")


def train(vectors: np.ndarray, marked: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression, each class weighed half
    (there are far more careful replies than attacks), by gradient descent."""
    x = SCALE * vectors
    y = marked.astype(np.float64)
    share = float(y.mean())
    if not 0.0 < share < 1.0:
        raise ValueError("a probe needs both attack replies and careful ones to learn from")
    weigh = np.where(y == 1, 0.5 / share, 0.5 / (1 - share))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * weigh
        w -= RATE * (x.T @ g / len(y) + L2 * w / len(y))
        b -= RATE * float(g.mean())
    return w, b


def fitted(vectors: np.ndarray, marked: Sequence[bool], careful: Sequence[bool],
           embedder: str, folds: int = 5) -> tuple[Probe, np.ndarray]:
    """Trained on every row, with the line that at most `FALSE_ALARMS` of the `careful` rows
    cross when each is scored by a probe trained without it; and the out-of-fold scores."""
    labels = np.array(marked, dtype=bool)
    out = np.zeros(len(labels))
    rows = np.arange(len(labels))
    for fold in range(folds):
        trained = rows % folds != fold
        w, b = train(vectors[trained], labels[trained])
        out[~trained] = [Probe(w, b, 0.0).score(v) for v in vectors[~trained]]
    others = np.sort(out[np.array(careful, dtype=bool)])
    threshold = float(others[min(len(others) - 1, int(len(others) * (1 - FALSE_ALARMS)))])
    w, b = train(vectors, labels)
    return Probe(w, b, threshold, embedder), out


def from_json(data: dict[str, Any]) -> Probe:
    return Probe(np.array(data["weights"], dtype=np.float64), float(data["bias"]),
                 float(data["threshold"]), str(data.get("embedder", "")))


@cache
def shipped(name: str) -> Probe | None:
    """A shipped probe (read once a process); None when its data is missing or damaged."""
    return read(resources.files("bot").joinpath(SHIPPED[name]))


def read(place: Any) -> Probe | None:
    """The probe in a file (a path or a package resource); None when it is missing or
    damaged."""
    try:
        data = json.loads(place.read_text("utf-8"), parse_constant=no_constant)
    except (OSError, ValueError):
        return None
    return usable(data)


def usable(data: Any) -> Probe | None:
    """The probe that read JSON data holds; None when it is damaged (a missing field, a weight
    that is no finite number)."""
    try:
        probe = from_json(data)
    except (ValueError, KeyError, TypeError):
        return None
    fine = probe.weights.ndim == 1 and len(probe.weights) and np.isfinite(probe.weights).all() \
        and np.isfinite([probe.bias, probe.threshold]).all()
    return probe if fine else None


def no_constant(name: str) -> float:
    """For `json.loads(parse_constant=…)`: stored data holds no NaN or Infinity."""
    raise ValueError(f"{name} is not a number stored data may hold")
