"""The creator's replies as a bank of voice examples: imported, synthesized, and chosen by
similarity as few-shot examples at draft time.

- `import_history` reads the channel's past threads where the creator answered a viewer, with
  the notes the knowledge base holds for each comment now: examples from day one.
- `synthesize` has a stronger model write replies for real past comments; they wait for review
  (`voice accept`) before they count for training or few-shot.
- `bot.pipeline.fewshot` picks, at draft time, the replies most like a new comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from bot.config import PersonaConfig
from bot.domain import ExampleSource, ExampleStatus
from bot.errors import ModelRejected
from bot.llm import ChatModel
from bot.pipeline.fewshot import context_rows
from bot.pipeline.guard import Guard
from bot.pipeline.prompt import build_messages, finish, shape_of
from bot.state.store import Store
from connectors.base import Comment
from knowledge.store import Hit


class Retriever(Protocol):
    def search(self, query: str, k: int = 3, min_score: float | None = None,
               video_id: str | None = None, hybrid: bool = True) -> list[Hit]: ...


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
            "source": ExampleSource.HISTORY, "platform": comment.platform,
            "comment_id": comment.comment_id, "author": comment.author,
            "comment": comment.text, "video_title": comment.video_title,
            "reply": reply.text.strip(), "context": context_rows(_retrieve(retriever, comment)),
            "status": ExampleStatus.READY, "model": None}])
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
            "source": ExampleSource.SYNTHESIZED, "platform": comment.platform,
            "comment_id": comment.comment_id, "author": comment.author,
            "comment": comment.text, "video_title": comment.video_title, "reply": reply,
            "context": context_rows(hits), "status": ExampleStatus.REVIEW,
            "model": completion.model}])
    return written, held
