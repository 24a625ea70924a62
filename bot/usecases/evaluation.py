"""Evaluation runs, for every front end: a set of comments through the real pipeline once per
model and prompt variant, scored, and written out as results and reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.clock import Clock, utcnow
from bot.config import PersonaConfig, Settings
from bot.evaluation.judge import Judge
from bot.evaluation.report import (
    summarize,
    write_charts,
    write_html,
    write_markdown,
    write_results,
)
from bot.evaluation.runner import Item, Runner, Scorer, Variant, read_set
from bot.llm import OpenAIChat
from bot.usecases import OnProgress, PipelineParts, counter, no_progress
from bot.voice.finetune import active_model
from knowledge.embeddings import E5Embedder


class EvaluationParts(PipelineParts, Protocol):
    """What an evaluation needs: the pipeline's parts and the bundled embedder."""

    @property
    def bundled_embedder(self) -> E5Embedder: ...


@dataclass(frozen=True)
class Run:
    """A finished evaluation run: where its reports are, its rows and their summary."""

    folder: Path
    items: int
    rows: list[dict[str, Any]]
    summary: dict[str, dict[str, Any]]


def judge_of(settings: Settings) -> Judge:
    cfg = settings.eval
    base_url, key = settings.endpoint(cfg.base_url, cfg.api_key)
    return Judge(cfg.judge_model, base_url, key, settings.llm.timeout_s,
                 settings.llm.max_retries)


def evaluate(parts: EvaluationParts, items: list[Item], models: list[str],
             prompts: list[tuple[str, PersonaConfig]] | None = None,
             progress: OnProgress = no_progress) -> list[dict[str, Any]]:
    """Every item through triage, retrieval, drafting and the guard, once per model, and once
    per prompt variant (with the first model)."""
    settings = parts.settings
    variants = [Variant(m, OpenAIChat(settings.llm, m), settings.eval.price(m)) for m in models]
    variants += [Variant(name, variants[0].model, variants[0].prices, persona)
                 for name, persona in prompts or []]
    scorer = Scorer(judge_of(settings), parts.bundled_embedder.queries,
                    settings.persona.signature, settings.eval.questions)
    step = counter(progress, len(items) * len(variants))
    return Runner(parts.pipeline, scorer, step).run(items, variants)


def run(parts: EvaluationParts, set_path: Path, models: list[str] | None = None,
        prompts: list[tuple[str, PersonaConfig]] | None = None, out_dir: Path | None = None,
        progress: OnProgress = no_progress, clock: Clock = utcnow) -> Run:
    """Evaluate `set_path` (default model: the drafting one) and write results.jsonl,
    report.md and report.html (default folder: DATA_DIR/eval/TIMESTAMP)."""
    settings = parts.settings
    items = read_set(set_path)
    chosen = models or [active_model(parts.store, settings)]
    rows = evaluate(parts, items, chosen, prompts, progress)
    folder = out_dir or settings.data_dir / "eval" / f"{clock():%Y%m%d-%H%M%S}"
    write_results(folder, rows)
    write_markdown(folder, rows, set_path.name)
    write_html(folder, rows, set_path.name, write_charts(folder, rows))
    return Run(folder, len(items), rows, summarize(rows))
