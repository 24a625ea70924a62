"""Top-level commands: run, queue, kb, audit, workspaces."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from bot import __version__
from bot.app import App
from bot.cli import (
    evaluate,
    finetune,
    kb,
    platforms,
    quarantine,
    queue,
    service,
    voice,
    web,
    workers,
)
from bot.cli.render import JsonOpt, json_option, short, show, table
from bot.cli.workspaces import EVERY_WORKSPACE, WorkspaceGroup, selection
from bot.cli.workspaces import workspaces as workspaces_command
from bot.domain import NewDraft, Status, StoredComment
from bot.log import configure, log
from bot.service.daemon import Daemon, install_signal_handlers
from bot.service.fleet import Fleet
from bot.workspaces import load_workspaces
from knowledge.embeddings import E5Embedder

app = typer.Typer(
    name="replybot", no_args_is_help=True, add_completion=False, cls=WorkspaceGroup,
    pretty_exceptions_enable=False, rich_markup_mode=None,  # "[llm] base_url" is text, not markup
    help="Answer comments on your channels in your own voice.",
)
app.add_typer(queue.app, name="queue", help="Work the approval queue.")
app.add_typer(quarantine.app, name="quarantine",
              help="Items a platform sent that could not be stored as comments.")
app.add_typer(kb.app, name="kb", help="Manage the knowledge base.")
app.add_typer(finetune.app, name="finetune", help="Train your voice into a model.")
finetune.app.command()(voice.synthesize)
app.add_typer(voice.app, name="voice", help="Your voice: examples and models.")
app.add_typer(evaluate.app, name="eval", help="Measure replies before they reach viewers.")
app.add_typer(platforms.auth_app, name="auth", help="Connect replybot to a platform account.")
app.command("quota")(platforms.quota)
app.command("health")(service.health)
app.command("doctor")(service.doctor)
app.command("export")(service.export)
app.command("import")(service.import_)
app.command("serve")(web.serve)
app.command("workers")(workers.workers)
app.command("workspaces")(workspaces_command)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config (default: ./replybot.toml if present).",
                 envvar="REPLYBOT_CONFIG", dir_okay=False),
]


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"replybot {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: ConfigOption = None,
    workspace: Annotated[list[str] | None, typer.Option(
        "--workspace", envvar="REPLYBOT_WORKSPACE", help="The creator to work on (may also "
        "follow the command); `run` and `workspaces` take several. Default: the only "
        "workspace, or the one named default.")] = None,
    version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                          is_eager=True, help="Show the version.")] = False,
) -> None:
    if ctx.resilient_parsing or any(arg in ("--help", "-h") for arg in sys.argv[1:]):
        return  # help needs no configuration, and must work when the configuration is broken
    found = load_workspaces(config)
    configure(found.base.log.level, found.base.log.format)
    names = workspace or []
    ctx.meta[EVERY_WORKSPACE] = found.select(names)
    if ctx.invoked_subcommand in ("run", "workspaces"):
        return
    if ctx.invoked_subcommand == "health" and len(ctx.meta[EVERY_WORKSPACE]) > 1:
        return  # every workspace named (or all of them) is checked
    ctx.obj = App(found.one(selection(names)))
    ctx.call_on_close(ctx.obj.close)


@app.command()
def run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Fetch and decide, then show what would be done: nothing is "
        "drafted into the queue or posted.")] = False,
    mode: Annotated[str | None, typer.Option(
        help="approve or auto: overrides the configured mode for this run.")] = None,
    limit: Annotated[int, typer.Option(help="With --dry-run: at most this many "
                                       "comments.")] = 100,
    as_json: Annotated[bool, json_option("With --dry-run: print JSON.")] = False,
) -> None:
    """Fetch, draft and post: one cycle with --once, otherwise on the schedule until stopped.

    Serves every workspace, or those named with --workspace."""
    if mode is not None and mode not in ("approve", "auto"):
        raise typer.BadParameter("use approve or auto", param_hint="--mode")
    chosen = ctx.meta[EVERY_WORKSPACE]
    bundled = E5Embedder()  # loaded on first use, once for every workspace
    applications = {s.workspace: App(s, actor="daemon", bundled=bundled) for s in chosen}
    for application in applications.values():
        ctx.call_on_close(application.close)
        if mode is not None:
            application.settings.mode = mode  # type: ignore[assignment]
    if dry_run:
        for application in applications.values():
            application.actor = "cli"
            show_dry_run(Daemon(application).dry_run(limit), as_json)
        return
    stopping = threading.Event()
    install_signal_handlers(stopping)  # before the store is opened (and migrated)
    if len(applications) == 1:
        [application] = applications.values()
        run_one(application, Daemon(application, stopping), once)
        return
    run_fleet(Fleet({n: Daemon(a, stopping) for n, a in applications.items()}, stopping), once)


def run_one(application: App, daemon: Daemon, once: bool) -> None:
    """One workspace: the daemon on its own, as before workspaces."""
    if once:
        daemon.start()
        try:
            counters = daemon.run_once()
        finally:
            daemon.worker.deregister()
        daemon.log_summary()
        raise typer.Exit(1 if counters.errors else 0)
    with web.beside_daemon(application):
        daemon.run_forever()


def run_fleet(fleet: Fleet, once: bool) -> None:
    """Several workspaces in one process, each cycle taking them in turn."""
    if once:
        fleet.start()
        try:
            counters = fleet.run_once()
        finally:
            fleet.stop_workers()
        fleet.log_summary()
        raise typer.Exit(1 if counters.errors else 0)
    base = next(iter(fleet.daemons.values())).app.settings
    if base.web.enabled:
        log.warning("the approval page serves one workspace: start `replybot serve "
                    "--workspace NAME` for each creator instead of [web] enabled")
    fleet.run_forever(base.schedule.poll_interval_s, base.metrics.port, base.metrics.host)


WOULD = {Status.APPROVED: "post", Status.PENDING: "queue", Status.FLAGGED: "flag",
         Status.SKIPPED: "skip"}


def show_dry_run(decided: list[tuple[StoredComment, NewDraft | str]], as_json: bool) -> None:
    rows: list[dict[str, Any]] = []
    for stored, new in decided:
        c = stored.comment
        row: dict[str, Any] = {"platform": c.platform, "comment_id": c.comment_id,
                               "author": c.author, "comment": c.text}
        if isinstance(new, str):
            row.update(would="error", reason=new)
        else:
            policy = (new.decisions or {}).get("policy", {})
            row.update(would=WOULD.get(new.status, new.status), reason=new.reason,
                       triage=new.triage_label, triage_reason=new.triage_reason,
                       action=policy.get("action"), rule=policy.get("rule"),
                       reply=new.reply_text, decisions=new.decisions)
        rows.append(row)
    show(rows, as_json, lambda: table(
        "dry run: nothing was drafted into the queue or posted",
        ["platform", "author", "comment", "class", "would", "reply / reason"],
        [(r["platform"], short(r["author"], 14), short(r["comment"], 36),
          r.get("triage") or "—", r["would"], short(r.get("reply") or r["reason"], 60))
         for r in rows], empty="no new comments"))


@app.command()
def audit(
    ctx: typer.Context,
    draft: Annotated[int | None, typer.Option("--draft", help="Only this draft.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent entries to show.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Every decision and transition, with its reason."""
    entries = ctx.obj.store.audit(draft_id=draft, limit=limit)
    show([e.to_json() for e in entries], as_json, lambda: table(
        "audit", ["at (UTC)", "draft", "from", "to", "by", "reason"],
        [(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.draft_id, e.from_status or "—", e.to_status,
          e.actor, short(e.reason, 70)) for e in entries]))
