"""`replybot finetune …`: from approved replies to a promoted model (bot.usecases.training)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli import evaluate
from bot.cli.render import JsonOpt, err, out, progress_bar, safe, show
from bot.cli.training_view import follow, show_look, show_record, show_validation
from bot.domain import ModelView
from bot.usecases import training
from bot.voice.finetune import FineTuner
from bot.voice.training import Exported

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

JobArg = Annotated[str | None, typer.Argument(help="Job id (default: the newest).")]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Follow the job until it ends.")]


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter("use a date like 2026-11-01", param_hint="--since") from None


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Option("--out", help="Training file (JSONL); the "
                                           "validation split goes next to it as NAME.valid.jsonl.",
                                           dir_okay=False)],
    dpo: Annotated[bool, typer.Option("--dpo", help="Preference pairs from edited replies, "
                                      "for DPO.")] = False,
    since: Annotated[str | None, typer.Option(help="Only replies posted on or after this "
                                              "date (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write your approved replies as training data, with a held-out validation split."""
    application: App = ctx.obj
    done = training.export_examples(application.store, application.settings, out_path, dpo,
                                    _since(since))
    summary = {"train": str(done.train), "valid": str(done.valid) if done.valid else None,
               "train_examples": done.train_examples, "valid_examples": done.valid_examples,
               "method": done.method}
    show(summary, as_json, lambda: _show_export(done))


def _show_export(done: Exported) -> None:
    out.print(f"{done.train_examples} training and {done.valid_examples} validation examples "
              f"({done.method}) → {safe(str(done.train))}"
              + (f", {safe(str(done.valid))}" if done.valid else ""))
    if done.train_examples < 10:
        err.print("[yellow]fewer than 10 examples: approve more replies first (or import your "
                  "history) before training[/]")


@app.command()
def validate(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A training file (chat or DPO JSONL).",
                                         dir_okay=False)],
    base: Annotated[str | None, typer.Option(help="Base model (for the encoding and the "
                                             "price).")] = None,
    epochs: Annotated[int | None, typer.Option(help="Epochs for the estimate.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a training file the way the provider will, and estimate what training costs."""
    application: App = ctx.obj
    report = training.validate(application.store, application.settings, path, base, epochs)
    show(report.to_json(), as_json, lambda: show_validation(report))
    if not report.ok:
        raise typer.Exit(1)


def _check_start_options(method: str, suffix: str | None) -> None:
    if method not in training.METHODS:
        raise typer.BadParameter("use supervised or dpo", param_hint="--method")
    if suffix is not None and (len(suffix) > 64 or not suffix.replace("-", "").isalnum()):
        raise typer.BadParameter("up to 64 letters, digits and dashes", param_hint="--suffix")


@app.command()
def start(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Option("--file", help="Training file (default: export "
                                              "your approved replies now).",
                                              dir_okay=False)] = None,
    base: Annotated[str | None, typer.Option(help="Model to train from (default: the active "
                                             "fine-tuned model, else [finetune] "
                                             "base_model).")] = None,
    suffix: Annotated[str | None, typer.Option(help="Added to the new model's name.")] = None,
    method: Annotated[str, typer.Option(help="supervised or dpo.")] = "supervised",
    epochs: Annotated[int | None, typer.Option(help="Training epochs.")] = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Upload training data and start a fine-tuning job."""
    application: App = ctx.obj
    _check_start_options(method, suffix)
    tuner = FineTuner(application.settings, application.store)
    started = training.start(application.store, application.settings, tuner, file, base,
                             method, suffix, epochs)
    record = _started(started, as_json)
    announce = partial(_announce, started, record)
    if wait:
        record = follow(tuner, record.job_id, as_json, announce)
    else:
        show(record.to_json(), as_json, announce)
    if record.status in ("failed", "cancelled"):
        raise typer.Exit(1)


def _started(started: training.Started, as_json: bool) -> ModelView:
    """The new job's record; the files' problems and exit 1 when nothing was uploaded."""
    report, held = started.report, started.held
    if not report.ok:
        show({"uploaded": False, "validation": report.to_json()}, as_json,
             lambda: show_validation(report))
        err.print("[red]not uploaded: fix the file first[/]")
        raise typer.Exit(1)
    if held is not None and not held.ok:
        show_validation(held)
        err.print("[red]not uploaded: fix the validation file first[/]")
        raise typer.Exit(1)
    assert started.record is not None  # both files passed, so the job was created
    return started.record


def _announce(started: training.Started, record: ModelView) -> None:
    report = started.report
    cost = f" (about ${report.cost_usd:.2f})" if report.cost_usd is not None else ""
    out.print(f"started {safe(str(record.job_id))}: {started.method} on {safe(started.base)} "
              f"with {report.examples} examples{cost}")


@app.command()
def status(ctx: typer.Context, job: JobArg = None, wait: WaitOpt = False,
           as_json: JsonOpt = False) -> None:
    """A job's status, events and training metrics (train and validation loss)."""
    application: App = ctx.obj
    tuner = FineTuner(application.settings, application.store)
    if wait:
        record = follow(tuner, job, as_json)
    else:
        progress = tuner.look(job)
        record = progress.record
        show({**record.to_json(), "events": progress.new_events}, as_json,
             lambda: show_look(progress))
    if record.status in ("failed", "cancelled"):
        raise typer.Exit(1)


@app.command()
def cancel(ctx: typer.Context,
           job: Annotated[str, typer.Argument(help="Job id.")],
           as_json: JsonOpt = False) -> None:
    """Cancel a running fine-tuning job."""
    application: App = ctx.obj
    record = FineTuner(application.settings, application.store).cancel(job)
    show(record.to_json(), as_json, lambda: show_record(record))


@app.command()
def promote(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model id (ft:…).")],
    any_model: Annotated[bool, typer.Option("--any", help="Allow a model not trained "
                                            "through replybot.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Promote even if it scores below "
                                        "the active model on [eval] set.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Draft with this model from now on (the daemon picks it up on its next cycle).

    With `[eval] set` configured, the model is first evaluated next to the active one and
    refused if it scores lower, unless --force."""
    application: App = ctx.obj
    if not force:
        _gate(application, model)
    trained_at = training.served_elsewhere(application.settings)
    if trained_at:
        err.print(f"[yellow]models are trained at {safe(trained_at)} but drafts are written "
                  f"through \\[llm] base_url ({safe(str(application.settings.llm.base_url))}): "
                  "the model must be served there too[/]")
    record = training.promote(application.store, model, any_model)
    show(record.to_json(), as_json,
         lambda: out.print(f"drafting with {safe(model)} from the next cycle"))


def _gate(application: App, model: str) -> None:
    """Refuse (exit 1) a model that scores below the active one on `[eval] set`."""
    with progress_bar("evaluating", *evaluate.COLUMNS) as moved:
        gate = training.promotion_gate(application, model, moved)
    if gate is None:
        return
    err.print(f"on {safe(gate.set_name)}: {safe(gate.current)} scores "
              f"{gate.current_score:.3f}, {safe(gate.candidate)} {gate.candidate_score:.3f}")
    if not gate.passed:
        err.print(f"[red]not promoted: {safe(gate.candidate)} scores below the active model "
                  "(see `replybot eval run`); --force promotes it anyway[/]")
        raise typer.Exit(1)
