"""`replybot voice …` and `replybot finetune synthesize`: your voice's examples and models
(bot.usecases.voice)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

from bot.app import App
from bot.cli.render import JsonOpt, err, losses, out, progress_bar, short, show, table
from bot.domain import ModelView
from bot.usecases import voice

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

IdsArg = Annotated[list[int] | None, typer.Argument(help="Example ids.")]
STATUSES = ("ready", "review", "dropped", "all")


@app.command("models")
def models(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every fine-tuning job and model, with data sizes and metrics; the active one marked."""
    application: App = ctx.obj
    active, records = voice.models(application.store, application.settings)
    show({"active": active, "models": [r.to_json() for r in records]}, as_json,
         lambda: _show_models(active, records))


def _show_models(active: str, records: list[ModelView]) -> None:
    rows = [("▶" if r.model and r.model == active else "", r.job_id or "—", r.status,
             r.model or "—", r.base_model, r.method,
             f"{r.train_examples or 0}/{r.valid_examples or 0}",
             f"{r.train_tokens:,}" if r.train_tokens else "—",
             losses(r.metrics or {}) or "—", f"{r.created_at:%Y-%m-%d}") for r in records]
    table(f"models (drafting with {active})",
          ["", "job", "status", "model", "base", "method", "train/valid", "tokens", "loss",
           "created"], rows, empty=f"no fine-tuned models yet; drafting with {active}")


@app.command("import-history")
def import_history_cmd(
    ctx: typer.Context,
    max_threads: Annotated[int, typer.Option(help="Read at most this many past threads "
                                             "(1 quota unit per 100).")] = 2_000,
    as_json: JsonOpt = False,
) -> None:
    """Import your past YouTube replies (threads where you answered a viewer) as examples."""
    application: App = ctx.obj
    with progress_bar("reading your answered threads", TextColumn("{task.description}"),
                      TextColumn("{task.completed} pairs"), TimeElapsedColumn(),
                      disable=as_json) as moved:
        done = voice.import_history(application.connector("youtube"), application.store,
                                    application.knowledge, max_threads, moved)
    show(done.to_json(), as_json,
         lambda: out.print(f"{done.pairs} of your replies found, {done.new} new examples; they "
                           "count for few-shot and training from now on"))


@app.command("examples")
def examples_cmd(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="ready, review, dropped or all.")] = "review",
    as_json: JsonOpt = False,
) -> None:
    """Imported and synthesized examples (by default: the ones waiting for your review)."""
    if status not in STATUSES:
        raise typer.BadParameter("use ready, review, dropped or all", param_hint="--status")
    rows = ctx.obj.store.voice_examples(None if status == "all" else status)
    show([r.to_json() for r in rows], as_json, lambda: table(
        f"voice examples: {status}", ["id", "source", "status", "comment", "reply"],
        [(r.id, r.source, r.status, short(r.comment, 40), short(r.reply, 60)) for r in rows],
        empty=f"no {status} examples"))


@app.command("accept")
def accept(ctx: typer.Context, ids: IdsArg = None,
           every: Annotated[bool, typer.Option("--all", help="Every example in "
                                               "review.")] = False) -> None:
    """Accept synthesized examples: they count for few-shot and training."""
    reviewed = voice.accept(ctx.obj.store, ids or [], every)
    if not reviewed.asked:
        raise typer.BadParameter("name example ids, or --all", param_hint="IDS")
    _reviewed(reviewed, "accepted")


@app.command("drop")
def drop(ctx: typer.Context, ids: Annotated[list[int], typer.Argument(help="Example ids.")]
         ) -> None:
    """Drop examples under review: they never count."""
    _reviewed(voice.drop(ctx.obj.store, ids), "dropped")


def _reviewed(reviewed: voice.Reviewed, done: str) -> None:
    out.print(f"{reviewed.moved} {done}")
    if not reviewed.complete:
        err.print("[yellow]some ids were not in review: see `replybot voice examples`[/]")
        raise typer.Exit(1)


def synthesize(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Real past comments to write replies for.")] = 50,
    model: Annotated[str | None, typer.Option(help="The stronger model (default: [voice] "
                                              "teacher_model).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A stronger model writes replies to real past comments, for your review
    (`voice examples`, `voice accept`) before they count."""
    application: App = ctx.obj
    writer = voice.teacher(application.settings, model)
    comments = voice.unanswered(application.store, limit)
    with progress_bar(f"writing with {writer.model_id}", TextColumn("{task.description}"),
                      BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      disable=as_json) as moved:
        done = voice.synthesize(application, writer, comments, moved)
    show(done.to_json(), as_json, lambda: _show_synthesis(done))


def _show_synthesis(done: voice.Synthesis) -> None:
    if not done.comments:
        out.print("no past comments to write for")
        return
    out.print(f"{done.written} replies written for review, {done.held_by_guard} held back by "
              "the guard; review them with `replybot voice examples` and `replybot voice "
              "accept`")
