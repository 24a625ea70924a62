"""The offline classifier: a comment takes the class of the labelled comments nearest to it.

Works with no account and no network: the labelled examples ship with replybot
(`bot/data/triage_examples.jsonl`, English and Chinese) and are embedded with the bundled
multilingual e5 model. A creator can add their own (`[triage] examples`), one JSON object per
line with `label` and `text`. The vote is over the `k` nearest examples, each weighted by
`exp(similarity / temperature)`: e5 similarities crowd into 0.75-0.95, so a small temperature
is what lets the nearest examples decide.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from bot import jsonl
from bot.domain import CLASSES, Label
from bot.errors import ConfigError

LABELS = tuple(str(label) for label in CLASSES)

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Example:
    label: Label
    text: str


@dataclass(frozen=True)
class Guess:
    label: Label
    #: the label's share of the neighbours' weight, 0-1
    confidence: float
    #: cosine similarity of the nearest example with this label
    similarity: float
    nearest: str

    def describe(self) -> str:
        return (f"{self.label} ({self.confidence:.0%} of the nearest examples; closest "
                f"{self.similarity:.2f}: {self.nearest[:50]!r})")


def bundled_examples() -> list[Example]:
    text = resources.files("bot").joinpath("data/triage_examples.jsonl").read_text("utf-8")
    return parse_examples(text, "the bundled examples")


def read_examples(path: Path) -> list[Example]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read triage examples {path}: {exc.strerror}; fix "
                          "[triage] examples") from exc
    return parse_examples(text, str(path))


def parse_examples(text: str, origin: str) -> list[Example]:
    examples = []
    for number, row in jsonl.rows(text.splitlines(), origin):
        try:
            label, body = row["label"], row["text"]
        except (KeyError, TypeError):
            raise ConfigError(f"{origin} line {number}: expected "
                              '{"label": "...", "text": "..."}') from None
        if label not in LABELS:
            raise ConfigError(f"{origin} line {number}: unknown label {label!r}; use one of "
                              f"{', '.join(LABELS)}")
        if not isinstance(body, str) or not body.strip():
            raise ConfigError(f"{origin} line {number}: empty text")
        examples.append(Example(Label(label), body.strip()))
    return examples


_VECTORS: dict[str, np.ndarray] = {}
_VECTORS_LOCK = threading.Lock()


class NearestExamples:
    """k-nearest-neighbour vote over labelled comments in an embedding space."""

    def __init__(self, examples: Sequence[Example], embed: Embed, k: int = 7,
                 temperature: float = 0.02) -> None:
        if not examples:
            raise ConfigError("the triage classifier needs at least one labelled example")
        self.examples = list(examples)
        self.embed = embed
        self.k = min(k, len(self.examples))
        self.temperature = temperature
        self._labels = np.array([e.label for e in self.examples])
        self._matrix: np.ndarray | None = None

    def _vectors(self) -> np.ndarray:
        if self._matrix is None:
            texts = [e.text for e in self.examples]
            key = hashlib.sha256("\n".join(texts).encode()).hexdigest()
            with _VECTORS_LOCK:  # every App in a process shares one embedding of the examples
                if key not in _VECTORS:
                    _VECTORS[key] = unit_rows(self.embed(texts))
                self._matrix = _VECTORS[key]
        return self._matrix

    def classify(self, text: str) -> Guess:
        vector = unit_rows(self.embed([text]))[0]
        sims = self._vectors() @ vector
        top = np.argsort(-sims)[: self.k]
        weights = np.exp((sims[top] - sims[top[0]]) / self.temperature)
        votes: dict[str, float] = {}
        for index, weight in zip(top, weights, strict=True):
            label = str(self._labels[index])
            votes[label] = votes.get(label, 0.0) + float(weight)
        label = max(votes, key=lambda name: votes[name])
        nearest = next(i for i in top if self._labels[i] == label)
        return Guess(Label(label), votes[label] / sum(votes.values()), float(sims[nearest]),
                     self.examples[nearest].text)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (zero rows left as they are)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
