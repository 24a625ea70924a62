"""`replybot health | doctor | export | import`: running replybot as a service."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.render import JsonOpt, err, out, safe, show, table
from bot.cli.workspaces import EVERY_WORKSPACE
from bot.doctor import FAIL, PASS, run_checks
from bot.service.health import Health, check, default_max_age
from bot.state.backup import export_state, import_state

MARK = {PASS: "[green]✓[/]", "warn": "[yellow]![/]", FAIL: "[red]✗[/]"}


def health(
    ctx: typer.Context,
    max_age: Annotated[float | None, typer.Option(
        help="Seconds since the last successful cycle that still count as healthy "
             "(default: 3 poll intervals, at least 300).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Exit 0 if the daemon completed a cycle recently and no claim is stuck, 1 otherwise (for
    HEALTHCHECK); `degraded` (exit 0) names what needs a look, e.g. quarantined items. Without
    --workspace, every workspace is checked (healthy only if each is)."""
    if ctx.obj is not None:  # one workspace: named, or the only one
        result = health_of(ctx.obj, max_age)
        show(result.to_json(), as_json, lambda: print_health(result))
        raise typer.Exit(0 if result.ok else 1)
    results = {}
    for settings in ctx.meta[EVERY_WORKSPACE]:
        application = App(settings)
        try:
            results[settings.workspace] = health_of(application, max_age)
        finally:
            application.close()
    ok = all(r.ok for r in results.values())

    def human() -> None:
        for name, result in results.items():
            print_health(result, f"{name}: ")

    show({"ok": ok, "workspaces": {n: r.to_json() for n, r in results.items()}}, as_json, human)
    raise typer.Exit(0 if ok else 1)


def health_of(application: App, max_age: float | None) -> Health:
    limit = max_age or default_max_age(application.settings.schedule.poll_interval_s)
    return check(application.store, limit, workers=application.settings.workers)


def print_health(result: Health, prefix: str = "") -> None:
    console = out if result.ok else err
    console.print(f"{safe(prefix)}{result.status}: {safe(result.message)}")
    for problem in result.problems:
        console.print(f"  - {safe(problem)}")


def doctor(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check configuration, storage, knowledge, model, connectors and quota."""
    checks = run_checks(ctx.obj)
    show([c.to_json() for c in checks], as_json, lambda: table(
        "replybot doctor", ["", "check", "detail", "how to fix"],
        [(MARK[c.status], c.name, safe(c.detail), safe(c.fix)) for c in checks]))
    raise typer.Exit(1 if any(c.status == FAIL for c in checks) else 0)


def export(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="Where to write (default: stdout).",
                                                dir_okay=False)] = None,
) -> None:
    """Write the whole state (comments, drafts, audit, cursors, quota) as JSONL."""
    store = ctx.obj.store
    if file is None:
        counts = export_state(store, sys.stdout)
    else:
        with file.open("w", encoding="utf-8") as handle:
            counts = export_state(store, handle)
    err.print("exported " + ", ".join(f"{n} {t}" for t, n in counts.items()))


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by `replybot export`.",
                                         exists=True, dir_okay=False)],
) -> None:
    """Load a `replybot export` file into an empty data dir."""
    with file.open(encoding="utf-8") as handle:
        counts = import_state(ctx.obj.store, handle)
    err.print("imported " + ", ".join(f"{n} {t}" for t, n in counts.items()))
