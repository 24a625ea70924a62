"""Few-shot examples by similarity: for each new comment, the creator's replies to the most
similar earlier comments (approved replies and ready voice examples), so a new install already
sounds like the creator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.domain import ExampleStatus
from bot.pipeline.classify import unit_rows
from bot.state.store import Store
from knowledge.store import Hit


@dataclass(frozen=True)
class Shot:
    """A comment and the creator's reply to it."""

    comment: str
    reply: str


def context_rows(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [{"source": h.source, "text": h.text, "score": h.score, "chunk_id": h.chunk_id}
            for h in hits]


class FewShot:
    """The creator's replies to the comments most like a new one."""

    def __init__(self, store: Store, embed: Callable[[Sequence[str]], np.ndarray], k: int,
                 min_similarity: float) -> None:
        self.store = store
        self.embed = embed
        self.k = k
        self.min_similarity = min_similarity
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._batch: list[Shot] | None = None

    def refresh(self) -> None:
        """Read the pool once for the batch of comments about to be drafted (two queries a
        comment otherwise); a reply approved meanwhile joins it at the next batch."""
        self._batch = self.pool() if self.k > 0 else []

    def pool(self) -> list[Shot]:
        shots = {s.comment: s for s in (
            Shot(e.comment,
                 e.reply) for e in self.store.voice_examples(status=ExampleStatus.READY))}
        for draft in self.store.approved_by_person():
            if draft.reply_text:
                shots[draft.comment.text] = Shot(draft.comment.text, draft.reply_text)
        return list(shots.values())

    def choose(self, text: str) -> list[Shot]:
        if self.k <= 0:
            return []
        shots = self._batch if self._batch is not None else self.pool()
        if not shots:
            return []
        with self._lock:
            missing = [s.comment for s in shots if s.comment not in self._vectors]
            if missing:
                for comment, vector in zip(missing, unit_rows(self.embed(missing)), strict=True):
                    self._vectors[comment] = vector
            matrix = np.stack([self._vectors[s.comment] for s in shots])
        query = unit_rows(self.embed([text]))[0]
        sims = matrix @ query
        order = np.argsort(-sims)[: self.k]
        # most similar last: nearest the comment being answered
        return [shots[i] for i in reversed(order)
                if sims[i] >= self.min_similarity and shots[i].comment != text]

