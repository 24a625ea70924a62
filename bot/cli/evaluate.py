"""`replybot eval run` and `eval compare`: measure replies before they reach viewers."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.app import App
from bot.cli.render import emit_json, err, out, safe, table
from bot.config import PersonaConfig
from bot.evaluation.judge import Judge
from bot.evaluation.report import (
    compare,
    fmt,
    read_results,
    summarize,
    write_charts,
    write_html,
    write_markdown,
    write_results,
)
from bot.evaluation.runner import Item, Runner, Scorer, Variant, read_set
from bot.llm import OpenAIChat
from bot.voice.finetune import active_model

app = typer.Typer(no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def judge_of(application: App) -> Judge:
    settings = application.settings
    cfg = settings.eval
    base_url, key = settings.endpoint(cfg.base_url, cfg.api_key)
    return Judge(cfg.judge_model, base_url, key, settings.llm.timeout_s,
                 settings.llm.max_retries)


def read_prompt(spec: str) -> tuple[str, PersonaConfig]:
    """NAME=FILE: a TOML file with a [persona] table (description, signature, examples)."""
    name, _, file = spec.partition("=")
    if not name or not file:
        raise typer.BadParameter("use NAME=FILE.toml", param_hint="--prompt")
    try:
        data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        return name, PersonaConfig(**data.get("persona", data))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise typer.BadParameter(f"{file}: {exc}", param_hint="--prompt") from None


def evaluate(application: App, items: list[Item], models: list[str],
             show_progress: bool = True,
             prompts: list[tuple[str, PersonaConfig]] | None = None) -> list[dict[str, Any]]:
    """Every item through triage, retrieval, drafting and the guard, once per model, and once
    per prompt variant (with the first model)."""
    settings = application.settings
    variants = [Variant(m, OpenAIChat(settings.llm, m), settings.eval.price(m)) for m in models]
    variants += [Variant(name, variants[0].model, variants[0].prices, persona)
                 for name, persona in prompts or []]
    scorer = Scorer(judge_of(application), application.bundled_embedder.queries,
                    settings.persona.signature, settings.eval.questions)
    pipeline = application.pipeline
    original = pipeline.model
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err, disable=not show_progress) as bar:
        task = bar.add_task("evaluating", total=len(items) * len(variants))
        try:
            return Runner(pipeline, scorer, lambda: bar.advance(task)).run(items, variants)
        finally:
            pipeline.model = original


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    set_path: Annotated[Path, typer.Option("--set", help="Evaluation set (JSONL).",
                                           dir_okay=False)],
    models: Annotated[list[str] | None, typer.Option(
        "--model", help="A model to evaluate; repeat to compare (default: the drafting "
        "model).")] = None,
    prompts: Annotated[list[str] | None, typer.Option(
        "--prompt", help="A prompt variant, NAME=FILE.toml with a [persona] table; drafted "
        "with the first model. Repeat to compare.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report folder (default: "
                                                 "DATA_DIR/eval/TIMESTAMP).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run an evaluation set through the real pipeline and write results and reports."""
    application: App = ctx.obj
    settings = application.settings
    if settings.llm.resolved_backend() != "openai":
        raise typer.BadParameter("evaluation drafts through an OpenAI-compatible endpoint: set "
                                 "[llm] base_url", param_hint="--model")
    items = read_set(set_path)
    chosen = models or [active_model(application.store, settings)]
    variants = [read_prompt(spec) for spec in prompts or []]
    rows = evaluate(application, items, chosen, not as_json, variants)
    folder = out_dir or settings.data_dir / "eval" / f"{datetime.now(UTC):%Y%m%d-%H%M%S}"
    write_results(folder, rows)
    write_markdown(folder, rows, set_path.name)
    write_html(folder, rows, set_path.name, write_charts(folder, rows))
    summary = summarize(rows)
    if as_json:
        emit_json({"out": str(folder), "summary": summary})
        return
    names = ["drafted", "faithfulness", "answer_relevancy", "voice_similarity", "signature",
             "length_fit", "facts", "guard_pass", "latency_ms", "cost_usd"]
    table(f"evaluation of {set_path.name} ({len(items)} comments)", ["variant", *names],
          [(v, *(fmt(e[n], 6 if n == "cost_usd" else 1 if n == "latency_ms" else 3)
                 for n in names)) for v, e in summary.items()])
    out.print(f"reports in {safe(str(folder))}: report.md, report.html, results.jsonl")


@app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    old: Annotated[Path, typer.Argument(help="Earlier run: its folder or results.jsonl.")],
    new: Annotated[Path, typer.Argument(help="Later run: its folder or results.jsonl.")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two runs, per metric, with a 95% paired bootstrap interval."""
    deltas = compare(read_results(old), read_results(new))
    if as_json:
        emit_json([d.to_json() for d in deltas])
        return
    table(f"{old.name} → {new.name}", ["metric", "old", "new", "change", "95% interval",
                                        "n", "significant"],
          [(d.metric, fmt(d.old, 2), fmt(d.new, 2), f"{d.new - d.old:+.2f}",
            f"{d.low:+.2f}…{d.high:+.2f}", d.pairs, "yes" if d.significant else "no")
           for d in deltas], empty="no comments scored in both runs")
