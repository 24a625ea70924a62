"""`replybot finetune …` and `replybot voice models`: from approved replies to a promoted model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.app import App
from bot.cli.render import emit_json, err, out, safe, short, table
from bot.domain import ANSWERED_CLASSES, ModelView
from bot.llm import OpenAIChat
from bot.usecases.knowledge import history_reader
from bot.voice.bank import import_history
from bot.voice.bank import synthesize as synthesize_replies
from bot.voice.finetune import ENDED, FineTuner, active_model
from bot.voice.finetune import Progress as JobProgress
from bot.voice.finetune import promote as promote_model
from bot.voice.training import Validation, collect, export, valid_path, validate_file

#: classes worth a reply in the creator's voice
ANSWERED = ANSWERED_CLASSES

app = typer.Typer(no_args_is_help=True)
voice_app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
JobArg = Annotated[str | None, typer.Argument(help="Job id (default: the newest).")]


def _cache(application: App) -> Path:
    return application.settings.data_dir / "cache" / "tiktoken"


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
    settings = application.settings
    examples = collect(application.store, settings.persona, settings.llm.max_tokens,
                       _since(since))
    done = export(examples, out_path, dpo, settings.finetune.validation_share)
    summary = {"train": str(done.train), "valid": str(done.valid) if done.valid else None,
               "train_examples": done.train_examples, "valid_examples": done.valid_examples,
               "method": done.method}
    if as_json:
        emit_json(summary)
        return
    out.print(f"{done.train_examples} training and {done.valid_examples} validation examples "
              f"({done.method}) → {safe(str(done.train))}"
              + (f", {safe(str(done.valid))}" if done.valid else ""))
    if done.train_examples < 10:
        err.print("[yellow]fewer than 10 examples: approve more replies first (or import your "
                  "history) before training[/]")


def show_validation(report: Validation) -> None:
    mark = "[green]ok[/]" if report.ok else "[bold red]not accepted[/]"
    out.print(f"{safe(report.path)}: {mark} — {report.examples} {report.format} examples")
    for line, message in report.errors[:50]:
        where = f"line {line}: " if line else ""
        out.print(f"  [red]{where}{safe(message)}[/]")
    if len(report.errors) > 50:
        out.print(f"  [red]… and {len(report.errors) - 50} more[/]")
    for warning in report.warnings[:20]:
        out.print(f"  [yellow]{safe(warning)}[/]")
    if report.tokens:
        data = report.to_json()
        tokens = data["tokens"]
        cost = f"${report.cost_usd:.2f}" if report.cost_usd is not None else "unknown"
        out.print(f"  tokens ({report.encoding}): {tokens['total']:,} in all, "
                  f"{tokens['min']}–{tokens['max']} per example (mean {tokens['mean']})")
        out.print(f"  training on {report.base_model} for {report.epochs} epochs: "
                  f"{report.billed_tokens:,} billed tokens, about {cost}")


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
    tuner_base = base or _default_base(application)
    report = validate_file(path, tuner_base, application.settings.finetune, _cache(application),
                           epochs)
    if as_json:
        emit_json(report.to_json())
    else:
        show_validation(report)
    if not report.ok:
        raise typer.Exit(1)


def _default_base(application: App) -> str:
    active = active_model(application.store, application.settings)
    return active if active.startswith("ft:") else application.settings.finetune.base_model


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
    wait: Annotated[bool, typer.Option("--wait", help="Follow the job until it ends.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Upload training data and start a fine-tuning job."""
    application: App = ctx.obj
    settings = application.settings
    if method not in ("supervised", "dpo"):
        raise typer.BadParameter("use supervised or dpo", param_hint="--method")
    if suffix is not None and (len(suffix) > 64 or not suffix.replace("-", "").isalnum()):
        raise typer.BadParameter("up to 64 letters, digits and dashes", param_hint="--suffix")
    if file is None:
        file = settings.data_dir / "finetune" / \
            f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{method}.jsonl"
        examples = collect(application.store, settings.persona, settings.llm.max_tokens)
        export(examples, file, method == "dpo", settings.finetune.validation_share)
    valid = valid_path(file) if valid_path(file).exists() else None
    tuner = FineTuner(settings, application.store)
    base = base or tuner.default_base()
    epochs = epochs or settings.finetune.epochs
    report = validate_file(file, base, settings.finetune, _cache(application), epochs)
    wanted = "dpo" if method == "dpo" else "chat"
    if report.ok and report.format != wanted:
        report.errors.append((0, f"a {report.format} file cannot train with --method {method}"))
    if not report.ok:
        if as_json:
            emit_json({"uploaded": False, "validation": report.to_json()})
        else:
            show_validation(report)
        err.print("[red]not uploaded: fix the file first[/]")
        raise typer.Exit(1)
    if valid is not None:
        held = validate_file(valid, base, settings.finetune, _cache(application), epochs,
                             minimum=1)
        if not held.ok:
            show_validation(held)
            err.print("[red]not uploaded: fix the validation file first[/]")
            raise typer.Exit(1)
        valid_examples = held.examples
    else:
        valid_examples = 0
    record = tuner.start(file, valid, base, method, suffix, epochs, report.examples,
                         valid_examples, sum(report.tokens))
    if not as_json:
        cost = f" (about ${report.cost_usd:.2f})" if report.cost_usd is not None else ""
        out.print(f"started {safe(str(record.job_id))}: {method} on {safe(base)} with "
                  f"{report.examples} examples{cost}")
    if wait:
        record = _follow(tuner, record.job_id, as_json)
    elif as_json:
        emit_json(record.to_json())
    if record.status in ("failed", "cancelled"):
        raise typer.Exit(1)


@app.command()
def status(
    ctx: typer.Context,
    job: JobArg = None,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the job until it ends.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A job's status, events and training metrics (train and validation loss)."""
    application: App = ctx.obj
    tuner = FineTuner(application.settings, application.store)
    if wait:
        record = _follow(tuner, job, as_json)
    else:
        progress = tuner.look(job)
        record = progress.record
        if as_json:
            emit_json({**record.to_json(), "events": progress.new_events})
        else:
            _show_record(record)
            for event in progress.new_events[-10:]:
                out.print(f"  [dim]{event['at'][11:19]}[/] {safe(event['message'])}")
    if record.status in ("failed", "cancelled"):
        raise typer.Exit(1)


def _follow(tuner: FineTuner, job: str | None, as_json: bool) -> ModelView:
    if as_json:
        return _emit_when_done(tuner.wait(job, lambda _p: None))
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[loss]}"),
                  TimeElapsedColumn(), console=out, transient=False) as bar:
        task = bar.add_task("validating_files", total=None, loss="")

        def shown(progress: JobProgress) -> None:
            for event in progress.new_events:
                bar.console.print(f"  [dim]{event['at'][11:19]}[/] {safe(event['message'])}")
            loss = _losses(progress.metrics)
            step, steps = progress.metrics.get("step"), progress.metrics.get("total_steps")
            bar.update(task, description=progress.record.status, loss=loss,
                       completed=step or 0, total=steps or None)
            if progress.record.status in ENDED:
                bar.update(task, total=1, completed=1)

        record = tuner.wait(job, shown)
    _show_record(record)
    return record


def _emit_when_done(record: ModelView) -> ModelView:
    emit_json(record.to_json())
    return record


def _losses(metrics: dict[str, Any]) -> str:
    parts = [f"{name.replace('_', ' ')} {metrics[name]:.3f}"
             for name in ("train_loss", "valid_loss", "full_valid_loss") if name in metrics]
    return ", ".join(parts)


def _show_record(record: ModelView) -> None:
    colour = {"succeeded": "green", "failed": "red", "cancelled": "red"}.get(record.status,
                                                                           "yellow")
    out.print(f"job {safe(str(record.job_id))}: [{colour}]{record.status}[/] "
              f"({record.method} on {safe(record.base_model)})")
    if record.model:
        out.print(f"  model: {safe(record.model)}  — make it the drafting model with "
                  f"`replybot finetune promote {safe(record.model)}`")
    if record.metrics:
        out.print(f"  {_losses(record.metrics) or 'no loss reported'}")
    if record.train_tokens:
        out.print(f"  trained tokens: {record.train_tokens:,}")
    if record.error:
        out.print(f"  [red]error: {safe(record.error)}[/]")


@app.command()
def cancel(ctx: typer.Context,
           job: Annotated[str, typer.Argument(help="Job id.")],
           as_json: JsonOpt = False) -> None:
    """Cancel a running fine-tuning job."""
    application: App = ctx.obj
    record = FineTuner(application.settings, application.store).cancel(job)
    if as_json:
        emit_json(record.to_json())
    else:
        _show_record(record)


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
    settings = application.settings
    record = application.store.model_record(model)
    candidate = record.model if record and record.model else model
    if settings.eval.set is not None and not force:
        _gate(application, settings.eval.set, candidate)
    trained_at = settings.finetune.base_url
    if trained_at and trained_at != settings.llm.base_url:
        err.print(f"[yellow]models are trained at {safe(trained_at)} but drafts are written "
                  f"through [llm] base_url ({safe(str(settings.llm.base_url))}): the model must "
                  "be served there too[/]")
    record = promote_model(application.store, model, any_model)
    if as_json:
        emit_json(record.to_json())
    else:
        out.print(f"drafting with {safe(model)} from the next cycle")


def _gate(application: App, set_path: Path, candidate: str) -> None:
    from bot.cli.evaluate import evaluate
    from bot.evaluation.report import overall, summarize
    from bot.evaluation.runner import read_set

    current = active_model(application.store, application.settings)
    if current == candidate:
        return
    rows = evaluate(application, read_set(set_path), [current, candidate])
    summary = summarize(rows)
    old, new = overall(summary[current]), overall(summary[candidate])
    err.print(f"on {safe(set_path.name)}: {safe(current)} scores {old or 0:.3f}, "
              f"{safe(candidate)} {new or 0:.3f}")
    if (new or 0) < (old or 0):
        err.print(f"[red]not promoted: {safe(candidate)} scores below the active model "
                  "(see `replybot eval run`); --force promotes it anyway[/]")
        raise typer.Exit(1)


@voice_app.command("models")
def models(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every fine-tuning job and model, with data sizes and metrics; the active one marked."""
    application: App = ctx.obj
    records = application.store.models()
    active = active_model(application.store, application.settings)
    if as_json:
        emit_json({"active": active, "models": [r.to_json() for r in records]})
        return
    rows = [("▶" if r.model and r.model == active else "", r.job_id or "—", r.status,
             r.model or "—", r.base_model, r.method,
             f"{r.train_examples or 0}/{r.valid_examples or 0}",
             f"{r.train_tokens:,}" if r.train_tokens else "—",
             _losses(r.metrics or {}) or "—", f"{r.created_at:%Y-%m-%d}") for r in records]
    table(f"models (drafting with {active})",
          ["", "job", "status", "model", "base", "method", "train/valid", "tokens", "loss",
           "created"], rows, empty=f"no fine-tuned models yet; drafting with {active}")


@voice_app.command("import-history")
def import_history_cmd(
    ctx: typer.Context,
    max_threads: Annotated[int, typer.Option(help="Read at most this many past threads "
                                             "(1 quota unit per 100).")] = 2_000,
    as_json: JsonOpt = False,
) -> None:
    """Import your past YouTube replies (threads where you answered a viewer) as examples."""
    application: App = ctx.obj
    connector = application.connector("youtube")
    connector.open()
    youtube = history_reader(connector)
    with Progress(TextColumn("{task.description}"), TextColumn("{task.completed} pairs"),
                  TimeElapsedColumn(), console=err, disable=as_json) as bar:
        task = bar.add_task("reading your answered threads", total=None)
        read, added = import_history(youtube.answered_threads(max_threads), application.store,
                                     application.knowledge,
                                     lambda: bar.advance(task))
    if as_json:
        emit_json({"pairs": read, "new": added})
        return
    out.print(f"{read} of your replies found, {added} new examples; they count for few-shot "
              "and training from now on")


@voice_app.command("examples")
def examples_cmd(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="ready, review, dropped or all.")] = "review",
    as_json: JsonOpt = False,
) -> None:
    """Imported and synthesized examples (by default: the ones waiting for your review)."""
    if status not in ("ready", "review", "dropped", "all"):
        raise typer.BadParameter("use ready, review, dropped or all", param_hint="--status")
    rows = ctx.obj.store.voice_examples(None if status == "all" else status)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    table(f"voice examples: {status}", ["id", "source", "status", "comment", "reply"],
          [(r.id, r.source, r.status, short(r.comment, 40), short(r.reply, 60)) for r in rows],
          empty=f"no {status} examples")


IdsArg = Annotated[list[int] | None, typer.Argument(help="Example ids.")]


@voice_app.command("accept")
def accept(ctx: typer.Context, ids: IdsArg = None,
           every: Annotated[bool, typer.Option("--all", help="Every example in "
                                               "review.")] = False) -> None:
    """Accept synthesized examples: they count for few-shot and training."""
    store = ctx.obj.store
    chosen = [e.id for e in store.voice_examples("review")] if every else (ids or [])
    if not chosen:
        raise typer.BadParameter("name example ids, or --all", param_hint="IDS")
    moved = store.set_voice_status(chosen, "ready", "review")
    out.print(f"{moved} accepted")
    if moved < len(chosen):
        err.print("[yellow]some ids were not in review: see `replybot voice examples`[/]")
        raise typer.Exit(1)


@voice_app.command("drop")
def drop(ctx: typer.Context, ids: Annotated[list[int], typer.Argument(help="Example ids.")]
         ) -> None:
    """Drop examples under review: they never count."""
    moved = ctx.obj.store.set_voice_status(ids, "dropped", "review")
    out.print(f"{moved} dropped")
    if moved < len(ids):
        err.print("[yellow]some ids were not in review: see `replybot voice examples`[/]")
        raise typer.Exit(1)


@app.command()
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
    settings = application.settings
    cfg = settings.finetune
    llm = settings.llm.model_copy(update={
        "base_url": cfg.base_url or settings.llm.base_url,
        "api_key": cfg.api_key or settings.llm.api_key})
    teacher = OpenAIChat(llm, model or settings.voice.teacher_model)
    done = {(e.platform, e.comment_id) for e in application.store.voice_examples()}
    personal = {d.id for d in application.store.approved_by_person()}
    comments = [d.comment for d in application.store.drafts(None, limit=5_000, newest=True)
                if d.triage_label in ANSWERED and d.id not in personal
                and (d.comment.platform, d.comment.comment_id) not in done][-limit:]
    if not comments:
        if as_json:
            emit_json({"comments": 0, "written": 0, "held_by_guard": 0})
        else:
            out.print("no past comments to write for")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=err,
                  disable=as_json) as bar:
        task = bar.add_task(f"writing with {teacher.model_id}", total=len(comments))
        written, held = synthesize_replies(
            comments, application.store, application.knowledge, teacher, settings.persona,
            application.pipeline.guard, settings.llm.max_tokens, lambda: bar.advance(task))
    if as_json:
        emit_json({"comments": len(comments), "written": written, "held_by_guard": held})
        return
    out.print(f"{written} replies written for review, {held} held back by the guard; review "
              "them with `replybot voice examples` and `replybot voice accept`")
