"""`replybot eval run` and `eval compare`: measure replies before they reach viewers
(bot.usecases.evaluation)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

from bot.app import App
from bot.cli.render import JsonOpt, out, progress_bar, safe, show, table
from bot.config import PersonaConfig
from bot.evaluation.report import Delta, compare, fmt, read_results
from bot.usecases import evaluation

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

#: the evaluation bar, shared with `finetune promote`'s gate
COLUMNS = (TextColumn("{task.description}"), BarColumn(),
           TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
METRICS = ("drafted", "faithfulness", "answer_relevancy", "voice_similarity", "signature",
           "length_fit", "facts", "guard_pass", "latency_ms", "cost_usd")


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
    if application.settings.llm.resolved_backend() != "openai":
        raise typer.BadParameter("evaluation drafts through an OpenAI-compatible endpoint: set "
                                 "[llm] base_url", param_hint="--model")
    variants = [read_prompt(spec) for spec in prompts or []]
    with progress_bar("evaluating", *COLUMNS, disable=as_json) as moved:
        done = evaluation.run(application, set_path, models, variants, out_dir, moved)
    show({"out": str(done.folder), "summary": done.summary}, as_json,
         lambda: _show_run(done, set_path.name))


def _show_run(done: evaluation.Run, set_name: str) -> None:
    table(f"evaluation of {set_name} ({done.items} comments)", ["variant", *METRICS],
          [(v, *(fmt(e[n], 6 if n == "cost_usd" else 1 if n == "latency_ms" else 3)
                 for n in METRICS)) for v, e in done.summary.items()])
    out.print(f"reports in {safe(str(done.folder))}: report.md, report.html, results.jsonl")


@app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    old: Annotated[Path, typer.Argument(help="Earlier run: its folder or results.jsonl.")],
    new: Annotated[Path, typer.Argument(help="Later run: its folder or results.jsonl.")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two runs, per metric, with a 95% paired bootstrap interval."""
    deltas = compare(read_results(old), read_results(new))
    show([d.to_json() for d in deltas], as_json, lambda: _show_deltas(deltas, old, new))


def _show_deltas(deltas: list[Delta], old: Path, new: Path) -> None:
    table(f"{old.name} → {new.name}", ["metric", "old", "new", "change", "95% interval",
                                        "n", "significant"],
          [(d.metric, fmt(d.old, 2), fmt(d.new, 2), f"{d.new - d.old:+.2f}",
            f"{d.low:+.2f}…{d.high:+.2f}", d.pairs, "yes" if d.significant else "no")
           for d in deltas], empty="no comments scored in both runs")
