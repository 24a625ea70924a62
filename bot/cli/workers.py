"""`replybot workers`: the `replybot run` processes sharing this database, and what each holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from bot.app import App
from bot.cli.render import emit_json, err, table


def workers(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    forget_stale: Annotated[bool, typer.Option(
        "--forget-stale", help="Remove stale workers (after you have seen why they "
        "stopped), so `health` passes again.")] = False,
) -> None:
    """Every worker: host, pid, last heartbeat, alive or stale, feeds led, claims held."""
    application: App = ctx.obj
    cfg = application.settings.workers
    now = application.clock()
    repo = application.store.workers_repo
    if forget_stale:
        gone = repo.forget_stale(now - timedelta(seconds=cfg.stale_after_s))
        err.print(f"forgot {len(gone)} stale worker(s)")
    found = repo.workers()
    if as_json:
        emit_json([w.to_json(now, cfg.stale_after_s) for w in found])
        return
    table("workers", ["id", "host", "pid", "last heartbeat", "state", "feeds led",
                      "claims held", "drafting"],
          [(w.id, w.host, w.pid, f"{w.age_s(now):.0f} s ago",
            "[green]alive[/]" if w.age_s(now) <= cfg.stale_after_s else "[red]stale[/]",
            ", ".join(w.feeds) or "—", w.claims, w.drafting) for w in found],
          empty="no worker is running (`replybot run` registers one)")
