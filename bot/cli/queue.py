"""`replybot queue …`: list, show, approve, edit and reject drafts."""

from __future__ import annotations

from typing import Annotated, Any

import click
import typer

from bot.cli.render import JsonOpt, err, out, safe, short, show, status_text, table
from bot.domain import DraftView, Status
from bot.usecases import queue

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

IdArg = Annotated[int, typer.Argument(help="Draft id (see `replybot queue list`).")]


@app.command("list")
def list_drafts(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(
        help=f"waiting (pending and flagged), one of {', '.join(tuple(Status))}, or all.")
    ] = "waiting",
    limit: Annotated[int, typer.Option(help="At most this many.")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Drafts waiting for you (or in another status)."""
    drafts = queue.listing(ctx.obj.store, status, limit)
    show([d.to_json() for d in drafts], as_json, lambda: table(
        f"drafts: {status}", ["id", "status", "platform", "author", "comment", "reply"],
        [(d.id, status_text(d.status), d.comment.platform, short(d.comment.author, 16),
          short(d.comment.text, 40), short(d.reply_text or d.reason, 50)) for d in drafts],
        empty=f"no {status} drafts"))


def show_draft(draft: DraftView, audit: list[dict[str, Any]]) -> None:
    c = draft.comment
    out.print(f"[bold]draft {draft.id}[/]  {status_text(draft.status)}  "
              f"{safe(c.platform)}:{safe(c.comment_id)}")
    if c.video_title or c.video_id:
        video = f"{c.video_title or ''} {f'({c.video_id})' if c.video_id else ''}"
        out.print(f"[dim]video:[/] {safe(video)}")
    out.print(f"[dim]from:[/] {safe(c.author)}\n[dim]comment:[/] {safe(c.text)}")
    out.print(f"[dim]triage:[/] {safe(draft.triage_label)} — {safe(draft.triage_reason)}")
    decisions = next((e["detail"] for e in audit if e.get("detail")), None) or {}
    show_decisions(decisions)
    if draft.status == Status.FLAGGED:
        out.print("[dim]reply:[/] (none drafted: write one with "
                  f"`replybot queue approve {draft.id} --text ...`, or reject it)")
    else:
        out.print(f"[dim]reply:[/]\n{safe(draft.reply_text or '(none)')}")
    if draft.draft_text and draft.draft_text != draft.reply_text:
        out.print(f"[dim]model's draft:[/]\n{safe(draft.draft_text)}")
    for n, ctx_row in enumerate(draft.context, start=1):
        out.print(f"[dim]\\[{n}] {ctx_row.get('score')} {safe(ctx_row.get('source'))}[/]")
    out.print(f"[dim]reason:[/] {safe(draft.reason)}")
    for entry in audit:
        out.print(f"[dim]  {entry['at']}  {entry['from_status'] or '—'} → {entry['to_status']}"
                  f"  ({safe(entry['actor'])}) {safe(entry['reason'])}[/]")


def show_decisions(decisions: dict[str, Any]) -> None:
    triage = decisions.get("triage") or {}
    if triage:
        found = triage.get("classifier")
        if found:
            out.print(f"[dim]  classifier: {safe(found['label'])} "
                      f"{found['confidence']:.0%}, nearest {found['similarity']:.2f} "
                      f"{safe(short(found['nearest'], 50))}[/]")
        if "moderation" in triage:
            out.print(f"[dim]  moderation: {safe(', '.join(triage['moderation']) or 'clear')}[/]")
        if "moderation_error" in triage:
            out.print(f"[dim]  moderation: unavailable ({safe(triage['moderation_error'])})[/]")
    policy = decisions.get("policy")
    if policy:
        out.print(f"[dim]policy:[/] {safe(policy['action'])} ({safe(policy['rule'])})")
    guard = decisions.get("guard")
    if guard:
        verdict = "pass" if guard["ok"] else "; ".join(guard["reasons"])
        out.print(f"[dim]guard:[/] {safe(verdict)}")
    for name, check in (decisions.get("checks") or {}).items():
        mark = "holds" if check["ok"] else "FAILS"
        out.print(f"[dim]check {safe(name)}:[/] {mark} {check['score']:.2f} {safe(check['why'])}")


@app.command("show")
def show_cmd(ctx: typer.Context, draft_id: IdArg, as_json: JsonOpt = False) -> None:
    """One draft: the comment, the reply, its sources and its history."""
    draft = ctx.obj.store.draft(draft_id)
    audit = [e.to_json() for e in ctx.obj.store.audit(draft_id=draft_id)]
    show({**draft.to_json(), "context": draft.context, "audit": audit}, as_json,
         lambda: show_draft(draft, audit))


@app.command()
def approve(
    ctx: typer.Context,
    draft_id: IdArg,
    text: Annotated[str | None, typer.Option("--text", help="Post this text instead.")] = None,
    later: Annotated[bool, typer.Option("--later", help="Leave posting to the daemon.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Approve a draft (optionally with your text) and post it now unless --later."""
    result = queue.approve(ctx.obj, draft_id, "cli", text=text, later=later)
    _finish(result, as_json)


@app.command()
def edit(ctx: typer.Context, draft_id: IdArg, as_json: JsonOpt = False) -> None:
    """Edit a draft's reply in $EDITOR; it stays in the queue until approved."""
    draft = ctx.obj.store.draft(draft_id)
    edited = click.edit(draft.reply_text or "", extension=".txt", require_save=True)
    if edited is None or edited.strip() == (draft.reply_text or "").strip():
        err.print("no change")
        raise typer.Exit(0)
    _report(queue.edit(ctx.obj, draft_id, edited, "cli"), as_json)


@app.command()
def reject(
    ctx: typer.Context,
    draft_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "rejected",
    as_json: JsonOpt = False,
) -> None:
    """Reject a draft: it is never posted."""
    _finish(queue.reject(ctx.obj, draft_id, "cli", reason), as_json)


def _finish(result: queue.Result, as_json: bool) -> None:
    """Show the draft; scripts learn from the exit code whether the action did what it said."""
    if result.note:
        err.print(f"[yellow]{safe(result.note)}[/]")
    _report(result.draft, as_json)
    if not result.done:
        raise typer.Exit(1)


def _report(draft: DraftView, as_json: bool) -> None:
    show(draft.to_json(), as_json, lambda: _say(draft))


def _say(draft: DraftView) -> None:
    extra = f" as {safe(draft.reply_id)}" if draft.status == Status.POSTED else ""
    why = f" — {safe(draft.reason)}" if draft.status in (Status.FAILED, Status.APPROVED) else ""
    out.print(f"draft {draft.id}: {status_text(draft.status)}{extra}{why}")
