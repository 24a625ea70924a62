"""How training files and fine-tuning jobs look to people: a file's checks, a job's record,
and a live bar while a job runs."""

from __future__ import annotations

from collections.abc import Callable

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.render import losses, out, safe, show
from bot.domain import ModelView
from bot.voice.finetune import ENDED, FineTuner
from bot.voice.finetune import Progress as JobProgress
from bot.voice.training import Validation


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


def show_look(progress: JobProgress) -> None:
    show_record(progress.record)
    for event in progress.new_events[-10:]:
        out.print(f"  [dim]{event['at'][11:19]}[/] {safe(event['message'])}")


def follow(tuner: FineTuner, job: str | None, as_json: bool,
            announce: Callable[[], None] = lambda: None) -> ModelView:
    """Wait for the job to end: quietly for scripts, with a live bar for people."""
    record = tuner.wait(job, lambda _p: None) if as_json else watch(tuner, job, announce)
    show(record.to_json(), as_json, lambda: show_record(record))
    return record


def watch(tuner: FineTuner, job: str | None, announce: Callable[[], None]) -> ModelView:
    announce()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[loss]}"),
                  TimeElapsedColumn(), console=out, transient=False) as bar:
        task = bar.add_task("validating_files", total=None, loss="")

        def shown(progress: JobProgress) -> None:
            for event in progress.new_events:
                bar.console.print(f"  [dim]{event['at'][11:19]}[/] {safe(event['message'])}")
            step, steps = progress.metrics.get("step"), progress.metrics.get("total_steps")
            bar.update(task, description=progress.record.status, loss=losses(progress.metrics),
                       completed=step or 0, total=steps or None)
            if progress.record.status in ENDED:
                bar.update(task, total=1, completed=1)

        return tuner.wait(job, shown)


def show_record(record: ModelView) -> None:
    colour = {"succeeded": "green", "failed": "red", "cancelled": "red"}.get(record.status,
                                                                           "yellow")
    out.print(f"job {safe(str(record.job_id))}: [{colour}]{record.status}[/] "
              f"({record.method} on {safe(record.base_model)})")
    if record.model:
        out.print(f"  model: {safe(record.model)}  — make it the drafting model with "
                  f"`replybot finetune promote {safe(record.model)}`")
    if record.metrics:
        out.print(f"  {losses(record.metrics) or 'no loss reported'}")
    if record.train_tokens:
        out.print(f"  trained tokens: {record.train_tokens:,}")
    if record.error:
        out.print(f"  [red]error: {safe(record.error)}[/]")
