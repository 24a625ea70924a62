"""`replybot quarantine …`: items a platform sent that could not be stored as comments."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.render import emit_json, err, out, safe, short, table
from bot.usecases import quarantine

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

IdArg = Annotated[int, typer.Argument(help="Item id (see `replybot quarantine list`).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("list")
def list_items(
    ctx: typer.Context,
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Quarantined items, oldest first."""
    items = quarantine.listing(ctx.obj.store, platform, limit)
    if as_json:
        emit_json([i.to_json() for i in items])
        return
    rows = [(i.id, i.platform, i.item_id or "—", i.retries, f"{i.created_at:%Y-%m-%d %H:%M}",
             short(i.error, 60)) for i in items]
    table("quarantine", ["id", "platform", "item", "retries", "since (UTC)", "error"], rows,
          empty="nothing quarantined")


@app.command()
def show(ctx: typer.Context, item_id: IdArg, as_json: JsonOpt = False) -> None:
    """One item: its error and raw form."""
    item = quarantine.show(ctx.obj.store, item_id)
    if as_json:
        emit_json(item.to_json())
        return
    out.print(f"[bold]item {item.id}[/]  {safe(item.platform)}/{safe(item.feed)}  "
              f"{safe(item.item_id or '')}")
    out.print(f"[dim]error:[/] {safe(item.error)}\n[dim]retries:[/] {item.retries}")
    out.print(f"[dim]raw:[/]\n{safe(item.raw[:4000])}")


@app.command()
def retry(ctx: typer.Context, item_id: IdArg, as_json: JsonOpt = False) -> None:
    """Read an item again (after an upgrade); stored as a comment if it now can be."""
    result = quarantine.retry(ctx.obj, item_id)
    if as_json:
        emit_json({"item": result.item.to_json(), "stored": result.stored,
                   "message": result.message})
    else:
        (out if result.stored else err).print(f"item {item_id}: {safe(result.message)}")
    raise typer.Exit(0 if result.stored else 1)


@app.command()
def drop(ctx: typer.Context, item_id: IdArg, as_json: JsonOpt = False) -> None:
    """Forget an item for good."""
    item = quarantine.drop(ctx.obj.store, item_id)
    if as_json:
        emit_json({"dropped": item.to_json()})
    else:
        out.print(f"item {item_id} dropped")
