"""Run an evaluation set through the real stages (triage, retrieval, draft, guard) once per
model, and measure every reply. Nothing is stored or posted.

An evaluation set is JSONL, one comment a line:
    {"id": "q1", "comment": "How long does cold brew steep?", "video_title": "Cold Brew",
     "video_id": "vid2", "reference": "14 hours in the fridge! — Lina",
     "facts": ["14 hours"]}
Only `comment` is required; `reference` is the creator's own reply, `facts` must appear.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import jsonl
from bot.config import PersonaConfig
from bot.domain import ANSWERED_CLASSES, Label
from bot.errors import ConfigError, ModelError
from bot.evaluation import metrics
from bot.evaluation.judge import Judge
from bot.llm import ChatModel
from bot.pipeline.pipeline import Pipeline
from connectors.base import Comment

#: classes the pipeline drafts for (the others are never answered, or wait for a person)
DRAFTED = (*ANSWERED_CLASSES, Label.OFF_TOPIC)


@dataclass(frozen=True)
class Item:
    id: str
    comment: str
    video_id: str | None = None
    video_title: str | None = None
    reference: str | None = None
    facts: tuple[str, ...] = ()
    author: str = "viewer"


def read_set(path: Path) -> list[Item]:
    items, seen = [], set()
    for number, row in jsonl.read(path, "the evaluation set"):
        text = row.get("comment") if isinstance(row, dict) else None
        if text is None:
            raise ConfigError(f"{path} line {number}: expected a JSON object with at least "
                              '"comment"')
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{path} line {number}: empty comment")
        item_id = str(row.get("id") or f"line{number}")
        if item_id in seen:
            raise ConfigError(f"{path} line {number}: id {item_id!r} used twice")
        seen.add(item_id)
        facts = row.get("facts") or []
        items.append(Item(item_id, text, row.get("video_id"), row.get("video_title"),
                          row.get("reference"), tuple(str(f) for f in facts),
                          str(row.get("author") or "viewer")))
    if not items:
        raise ConfigError(f"{path}: no comments")
    return items


@dataclass
class Variant:
    name: str
    model: ChatModel
    #: US dollars per million prompt and completion tokens
    prices: tuple[float, float] | None = None
    #: a prompt variant: the persona (description, length rules' owner, signature, examples)
    persona: PersonaConfig | None = None


@dataclass
class Scorer:
    judge: Judge
    embed: metrics.Embed
    signature: str
    questions: int = 3

    def score(self, item: Item, reply: str, context: Sequence[str],
              signature: str | None = None) -> dict[str, Any]:
        signature = self.signature if signature is None else signature
        faithful, claims, verdicts = metrics.faithfulness(self.judge, item.comment, reply,
                                                          context)
        relevancy, generated = metrics.answer_relevancy(self.judge, self.embed, item.comment,
                                                        reply, self.questions)
        return {
            "faithfulness": faithful, "answer_relevancy": relevancy,
            "voice_similarity": metrics.voice_similarity(self.embed, reply, item.reference)
            if item.reference else None,
            "signature": metrics.has_signature(reply, signature),
            "length_fit": metrics.length_fit(item.comment, reply, signature),
            "facts": metrics.facts_present(reply, item.facts),
            "claims": [{"claim": c, "supported": v} for c, v in
                       zip(claims, verdicts, strict=True)],
            "generated_questions": generated,
        }


@dataclass
class Runner:
    pipeline: Pipeline
    scorer: Scorer
    on_item: Callable[[], None] = field(default=lambda: None)

    def run(self, items: Sequence[Item], variants: Sequence[Variant]) -> list[dict[str, Any]]:
        rows = []
        settings, model = self.pipeline.settings, self.pipeline.model
        try:
            for variant in variants:
                self.pipeline.model = variant.model
                self.pipeline.settings = settings.model_copy(
                    update={"persona": variant.persona}) if variant.persona else settings
                for item in items:
                    rows.append(self.one(item, variant))
                    self.on_item()
        finally:
            self.pipeline.settings, self.pipeline.model = settings, model
        return rows

    def one(self, item: Item, variant: Variant) -> dict[str, Any]:
        comment = Comment(platform="eval", comment_id=item.id, author=item.author,
                          text=item.comment, video_id=item.video_id,
                          video_title=item.video_title)
        row: dict[str, Any] = {"id": item.id, "variant": variant.name, "comment": item.comment,
                               "reference": item.reference}
        triaged = self.pipeline.triager(comment)
        row["triage"] = triaged.label
        if triaged.label not in DRAFTED:
            row.update(drafted=False, reason=triaged.reason)
            return row
        started = time.perf_counter()
        hits = self.pipeline.notes(comment, triaged.label)
        try:
            drafted = self.pipeline.draft(comment, hits)
        except ModelError as exc:
            row.update(drafted=False, reason=f"model error: {exc}")
            return row
        latency = time.perf_counter() - started
        verdict = self.pipeline.check(comment, hits, drafted)
        context = [h.text for h in hits]
        prompt, completion = drafted.prompt_tokens or 0, drafted.completion_tokens or 0
        cost = None
        if variant.prices is not None:
            cost = (prompt * variant.prices[0] + completion * variant.prices[1]) / 1_000_000
        row.update(
            drafted=True, reply=drafted.text, model=drafted.model, context=context,
            guard_pass=1.0 if verdict.ok else 0.0, guard_reasons=list(verdict.reasons),
            latency_ms=round(latency * 1000, 1), prompt_tokens=prompt,
            completion_tokens=completion, cost_usd=cost,
            **self.scorer.score(item, drafted.text, context,
                                self.pipeline.settings.persona.signature))
        return row
