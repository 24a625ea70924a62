"""The creator's voice examples, for every front end: import past replies from a platform,
have a stronger model write replies for review, accept or drop them, list the models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from bot.config import Settings
from bot.domain import ANSWERED_CLASSES, ExampleStatus, ModelView
from bot.llm import OpenAIChat
from bot.state.store import Store
from bot.usecases import OnProgress, PipelineParts, counter, no_progress
from bot.usecases.knowledge import history_reader
from bot.voice import bank
from bot.voice.finetune import active_model
from connectors.base import Comment, Connector
from knowledge.store import KnowledgeBase


class VoiceParts(PipelineParts, Protocol):
    """What writing examples needs: the pipeline's parts (its guard checks every written
    reply) and the knowledge base."""

    @property
    def knowledge(self) -> KnowledgeBase: ...


@dataclass(frozen=True)
class Imported:
    pairs: int
    new: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def import_history(connector: Connector, store: Store, knowledge: KnowledgeBase | None,
                   max_threads: int = 2_000, progress: OnProgress = no_progress) -> Imported:
    """The creator's past replies on the platform (threads where they answered a viewer) as
    ready examples; `progress` counts the pairs read."""
    connector.open()
    threads = history_reader(connector).answered_threads(max_threads)
    read, added = bank.import_history(threads, store, knowledge, counter(progress))
    return Imported(read, added)


@dataclass(frozen=True)
class Synthesis:
    comments: int
    written: int
    held_by_guard: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def teacher(settings: Settings, model: str | None = None) -> OpenAIChat:
    """The stronger model (default: `[voice] teacher_model`) on the fine-tuning endpoint."""
    cfg = settings.finetune
    llm = settings.llm.model_copy(update={"base_url": cfg.base_url or settings.llm.base_url,
                                          "api_key": cfg.api_key or settings.llm.api_key})
    return OpenAIChat(llm, model or settings.voice.teacher_model)


def unanswered(store: Store, limit: int = 50) -> list[Comment]:
    """The newest `limit` past comments worth a reply that no person answered and no example
    covers yet."""
    done = {(e.platform, e.comment_id) for e in store.voice_examples()}
    personal = {d.id for d in store.approved_by_person()}
    return [d.comment for d in store.drafts(None, limit=5_000, newest=True)
            if d.triage_label in ANSWERED_CLASSES and d.id not in personal
            and (d.comment.platform, d.comment.comment_id) not in done][-limit:]


def synthesize(parts: VoiceParts, writer: OpenAIChat, comments: Sequence[Comment],
               progress: OnProgress = no_progress) -> Synthesis:
    """`writer`'s replies to `comments`, stored for review; the guard holds back bad ones."""
    if not comments:
        return Synthesis(0, 0, 0)
    settings = parts.settings
    written, held = bank.synthesize(comments, parts.store, parts.knowledge, writer,
                                    settings.persona, parts.pipeline.guard,
                                    settings.llm.max_tokens, counter(progress, len(comments)))
    return Synthesis(len(comments), written, held)


@dataclass(frozen=True)
class Reviewed:
    asked: int
    moved: int

    @property
    def complete(self) -> bool:
        """Every example asked for was under review and moved."""
        return self.moved == self.asked


def accept(store: Store, ids: Sequence[int] = (), every: bool = False) -> Reviewed:
    """Examples under review (all of them with `every`) count for few-shot and training."""
    chosen = [e.id for e in store.voice_examples(ExampleStatus.REVIEW)] if every else list(ids)
    return _review(store, chosen, ExampleStatus.READY)


def drop(store: Store, ids: Sequence[int]) -> Reviewed:
    """Examples under review never count."""
    return _review(store, list(ids), ExampleStatus.DROPPED)


def _review(store: Store, ids: list[int], status: str) -> Reviewed:
    if not ids:
        return Reviewed(0, 0)
    return Reviewed(len(ids), store.set_voice_status(ids, status, ExampleStatus.REVIEW))


def models(store: Store, settings: Settings) -> tuple[str, list[ModelView]]:
    """The model drafts are written with, and every fine-tuning job and model."""
    return active_model(store, settings), store.models()
