"""`replybot queue …`: list, show, approve, edit and reject drafts."""

from __future__ import annotations

from typing import Annotated, Any

import click
import typer

from bot.app import App
from bot.cli.render import emit_json, err, out, safe, short, status_text, table
from bot.domain import DraftView, Status
from bot.errors import ConnectorUnavailable

app = typer.Typer(no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="Draft id (see `replybot queue list`).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


#: what waits for a person: drafts to approve and comments flagged for them
WAITING = (Status.PENDING, Status.FLAGGED)


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
    if status not in ("all", "waiting") and status not in tuple(Status):
        raise typer.BadParameter(f"use waiting, one of {', '.join(tuple(Status))} or all",
                                 param_hint="--status")
    wanted = {"all": None, "waiting": WAITING}.get(status, status)
    # the queue reads oldest first; history (posted, all, …) shows the most recent
    drafts = ctx.obj.store.drafts(wanted, limit=limit,
                                  newest=status not in ("waiting", Status.PENDING, Status.FLAGGED))
    if as_json:
        emit_json([d.to_json() for d in drafts])
        return
    rows = [(d.id, status_text(d.status), d.comment.platform, short(d.comment.author, 16),
             short(d.comment.text, 40), short(d.reply_text or d.reason, 50)) for d in drafts]
    table(f"drafts: {status}", ["id", "status", "platform", "author", "comment", "reply"], rows,
          empty=f"no {status} drafts")


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


@app.command()
def show(ctx: typer.Context, draft_id: IdArg, as_json: JsonOpt = False) -> None:
    """One draft: the comment, the reply, its sources and its history."""
    draft = ctx.obj.store.draft(draft_id)
    audit = [e.to_json() for e in ctx.obj.store.audit(draft_id=draft_id)]
    if as_json:
        emit_json({**draft.to_json(), "context": draft.context, "audit": audit})
        return
    show_draft(draft, audit)


def _post_now(application: App, draft: DraftView) -> DraftView:
    try:
        application.connector(draft.comment.platform)
    except ConnectorUnavailable as exc:
        err.print(f"[yellow]approved; not posted now: {exc}[/]")
        return draft
    return application.poster.post(draft)


@app.command()
def approve(
    ctx: typer.Context,
    draft_id: IdArg,
    text: Annotated[str | None, typer.Option("--text", help="Post this text instead.")] = None,
    later: Annotated[bool, typer.Option("--later", help="Leave posting to the daemon.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Approve a draft (optionally with your text) and post it now unless --later."""
    application: App = ctx.obj
    if text is not None and not text.strip():
        raise typer.BadParameter("the reply text is empty", param_hint="--text")
    current = application.store.draft(draft_id)
    if current.status == Status.FLAGGED and text is None:
        raise typer.BadParameter(f"draft {draft_id} was flagged with no reply drafted: give "
                                 "yours with --text, or `queue reject` it", param_hint="--text")
    fields: dict[str, Any] = {"reply_text": text} if text is not None else {}
    if current.status == Status.FAILED:
        fields["attempts"] = 0  # a fresh set of tries; earlier texts are still checked first
        if application.connectors.get(current.comment.platform):
            settled = application.poster.settle(current)
            if settled is not None:
                _report(settled, as_json)
                return
    reason = "approved with edits" if text is not None else "approved"
    draft = application.store.transition(draft_id, Status.APPROVED, reason, "cli",
                                         from_=[Status.PENDING, Status.FLAGGED,
                                                Status.FAILED], **fields)
    if not later:
        draft = _post_now(application, draft)
    _report(draft, as_json)
    # scripts learn from the exit code whether the reply is out (or was meant to wait)
    if draft.status not in (Status.POSTED,
                            Status.APPROVED) or (draft.status == Status.APPROVED and not later
                                                   and draft.comment.platform
                                                   in application.connectors):
        raise typer.Exit(1)


@app.command()
def edit(ctx: typer.Context, draft_id: IdArg, as_json: JsonOpt = False) -> None:
    """Edit a draft's reply in $EDITOR; it stays in the queue until approved."""
    store = ctx.obj.store
    draft = store.draft(draft_id)
    edited = click.edit(draft.reply_text or "", extension=".txt", require_save=True)
    if edited is None or edited.strip() == (draft.reply_text or "").strip():
        err.print("no change")
        raise typer.Exit(0)
    if not edited.strip():
        raise typer.BadParameter("the edited reply is empty; use `queue reject` to drop it")
    _report(store.edit_text(draft_id, edited.strip(), "cli"), as_json)


@app.command()
def reject(
    ctx: typer.Context,
    draft_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "rejected",
    as_json: JsonOpt = False,
) -> None:
    """Reject a draft: it is never posted."""
    application: App = ctx.obj
    current = application.store.draft(draft_id)
    if current.attempted_texts and current.comment.platform in application.connectors:
        settled = application.poster.settle(current)  # an earlier try may be live already
        if settled is not None:
            err.print("[yellow]not rejected: an earlier attempt is already on the platform[/]")
            _report(settled, as_json)
            raise typer.Exit(1)
    draft = application.store.transition(draft_id, Status.REJECTED, reason, "cli",
                                         from_=[Status.PENDING, Status.FLAGGED, Status.APPROVED,
                                                Status.FAILED])
    _report(draft, as_json)


def _report(draft: DraftView, as_json: bool) -> None:
    if as_json:
        emit_json(draft.to_json())
        return
    extra = f" as {safe(draft.reply_id)}" if draft.status == Status.POSTED else ""
    why = f" — {safe(draft.reason)}" if draft.status in (Status.FAILED, Status.APPROVED) else ""
    out.print(f"draft {draft.id}: {status_text(draft.status)}{extra}{why}")
