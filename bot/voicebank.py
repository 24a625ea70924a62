"""The creator's replies as a bank of voice examples: imported, synthesized, and chosen by
similarity as few-shot examples at draft time.

- `import_history` reads the channel's past threads where the creator answered a viewer, with
  the notes the knowledge base holds for each comment now: examples from day one.
- `synthesize` has a stronger model write replies for real past comments; they wait for review
  (`voice accept`) before they count for training or few-shot.
- `FewShot` picks, for each new comment, the creator's replies to the most similar comments
  (approved replies and ready examples), so a new install already sounds like the creator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.classify import unit_rows
from bot.config import PersonaConfig
from bot.errors import ModelRejected
from bot.guard import Guard
from bot.llm import ChatModel
from bot.store import Store
from bot.voice import build_messages, finish, shape_of
from connectors.base import Comment
from knowledge.store import Hit

HISTORY, SYNTHESIZED = "history", "synthesized"
READY, REVIEW, DROPPED = "ready", "review", "dropped"


class Retriever(Protocol):
    def search(self, query: str, k: int = 3, min_score: float | None = None,
               video_id: str | None = None, hybrid: bool = True) -> list[Hit]: ...


@dataclass(frozen=True)
class Shot:
    """A comment and the creator's reply to it."""

    comment: str
    reply: str


def context_rows(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [{"source": h.source, "text": h.text, "score": h.score, "chunk_id": h.chunk_id}
            for h in hits]


def _retrieve(retriever: Retriever | None, comment: Comment) -> list[Hit]:
    if retriever is None:
        return []
    return retriever.search(comment.text, video_id=comment.video_id)


def import_history(pairs: Iterable[tuple[Comment, Comment]], store: Store,
                   retriever: Retriever | None,
                   on_pair: Callable[[], None] = lambda: None) -> tuple[int, int]:
    """Store (comment, creator's reply) pairs as ready examples, each as it is read (an error
    part way keeps what came before); returns (read, new). Replies replybot posted are the
    model's words, not the creator's, and are left out."""
    read = added = 0
    ours: dict[str, set[str]] = {}
    for comment, reply in pairs:
        posted = ours.setdefault(comment.platform, store.posted_reply_ids(comment.platform))
        if reply.comment_id in posted:
            continue
        read += 1
        added += store.add_voice_examples([{
            "source": HISTORY, "platform": comment.platform,
            "comment_id": comment.comment_id, "author": comment.author,
            "comment": comment.text, "video_title": comment.video_title,
            "reply": reply.text.strip(), "context": context_rows(_retrieve(retriever, comment)),
            "status": READY, "model": None}])
        on_pair()
    return read, added


def synthesize(comments: Sequence[Comment], store: Store, retriever: Retriever | None,
               teacher: ChatModel, persona: PersonaConfig, guard_for: Callable[[Comment], Guard],
               max_tokens: int,
               on_comment: Callable[[], None] = lambda: None) -> tuple[int, int]:
    """A stronger model's replies to real comments, stored for review as they come; returns
    (written, held back by the guard or refused by the model)."""
    written = held = 0
    for comment in comments:
        hits = _retrieve(retriever, comment)
        guard = guard_for(comment)
        shape = shape_of(comment.text, max_tokens)
        messages = build_messages(persona, comment, hits, shape, guard.canary)
        try:
            completion = teacher.complete(messages, shape.max_tokens)
        except ModelRejected:
            held += 1
            on_comment()
            continue
        reply = finish(completion.text, persona.signature, guard.max_chars)
        verdict = guard.check(reply, comment.text, [h.text for h in hits],
                              messages[0]["content"])
        on_comment()
        if not verdict.ok:
            held += 1
            continue
        written += store.add_voice_examples([{
            "source": SYNTHESIZED, "platform": comment.platform,
            "comment_id": comment.comment_id, "author": comment.author,
            "comment": comment.text, "video_title": comment.video_title, "reply": reply,
            "context": context_rows(hits), "status": REVIEW, "model": completion.model}])
    return written, held


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

    def pool(self) -> list[Shot]:
        shots = {s.comment: s for s in (
            Shot(e.comment, e.reply) for e in self.store.voice_examples(status=READY))}
        for draft in self.store.approved_by_person():
            if draft.reply_text:
                shots[draft.comment.text] = Shot(draft.comment.text, draft.reply_text)
        return list(shots.values())

    def choose(self, text: str) -> list[Shot]:
        if self.k <= 0:
            return []
        shots = self.pool()
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

