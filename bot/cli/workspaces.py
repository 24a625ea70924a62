"""`--workspace NAME` wherever it is written, and `replybot workspaces`: the creators served."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from bot.cli.render import emit_json, table
from bot.config import Settings, YouTubeConfig
from bot.errors import ConfigError

#: ctx.meta key: the settings of every workspace the command works on
EVERY_WORKSPACE = "replybot.workspaces"
OPTION = "--workspace"


class WorkspaceGroup(TyperGroup):
    """The root command: `--workspace NAME` after a command (`replybot queue list --workspace
    ana`) is read as if written before it, where the root option takes it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist(args))


def hoist(args: list[str]) -> list[str]:
    """`args` with every `--workspace NAME` (or `--workspace=NAME`) moved to the front; what
    follows `--` is left alone."""
    moved: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == OPTION and index + 1 < len(args):
            moved += args[index:index + 2]
            index += 2
            continue
        if arg.startswith(OPTION + "="):
            moved.append(arg)
        else:
            rest.append(arg)
        index += 1
    return moved + rest


def selection(names: list[str]) -> str | None:
    """The one workspace a command on one creator's data works on (None: the default)."""
    if len(names) > 1:
        raise ConfigError(f"this command works on one workspace; {OPTION} was given "
                          f"{len(names)} times ({', '.join(names)})")
    return names[0] if names else None


def accounts(settings: Settings) -> list[dict[str, Any]]:
    """A workspace's enabled accounts: source name, platform and what identifies it."""
    found = []
    for source, cfg in settings.connectors.sources().items():
        entry: dict[str, Any] = {"source": source, "platform": source.partition(":")[0]}
        if isinstance(cfg, YouTubeConfig):
            entry["channel_id"] = cfg.channel_id
            entry["token_file"] = str(settings.youtube_token_file(
                source.partition(":")[2] or None))
        elif source == "local":
            entry["inbox"] = str(settings.local_inbox())
        found.append(entry)
    return found


def describe(settings: Settings) -> dict[str, Any]:
    return {"name": settings.workspace, "persona": settings.persona.name,
            "mode": settings.mode, "data_dir": str(settings.data_dir),
            "schema": settings.db_schema if settings.database_url else None,
            "accounts": accounts(settings)}


def workspaces(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The creators this install serves, with their accounts."""
    found = [describe(s) for s in ctx.meta[EVERY_WORKSPACE]]
    if as_json:
        emit_json(found)
        return
    table("workspaces", ["name", "persona", "mode", "accounts", "data"],
          [(w["name"], w["persona"], w["mode"],
            ", ".join(a["source"] + (f" ({a['channel_id']})" if "channel_id" in a else "")
                      for a in w["accounts"]) or "—",
            w["schema"] or w["data_dir"]) for w in found])
