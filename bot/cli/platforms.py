"""`replybot auth …` and `replybot quota`: platform credentials and API budgets."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import App
from bot.cli.render import JsonOpt, err, out, show, table
from bot.errors import ConfigError
from bot.service.quota import QuotaLedger
from connectors.youtube_auth import authorize

auth_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@auth_app.command("youtube")
def auth_youtube(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Local port the browser is sent back to.")] = 8765,
    bind: Annotated[str | None, typer.Option(
        help="Address to listen on (e.g. 0.0.0.0 in a container); default: localhost.")] = None,
    timeout: Annotated[int, typer.Option(help="Seconds to wait for the browser.")] = 600,
    account: Annotated[str | None, typer.Option(
        help="Another channel of yours: its NAME in connectors.youtube.accounts.NAME.")] = None,
) -> None:
    """Authorise replybot to read and answer comments on your YouTube channel.

    Prints a URL: open it in any browser and allow access. On a server, first forward the port
    from your machine: ssh -L 8765:localhost:8765 you@server
    """
    application: App = ctx.obj
    token_file = application.settings.youtube_token_file(account)  # checks the account
    cfg = application.settings.connectors.youtube
    cfg = cfg.accounts[account] if account else cfg
    if cfg.client_secrets_file is None:
        raise ConfigError("set [connectors.youtube] client_secrets_file to the OAuth client JSON "
                          "(type Desktop app) from the Google Cloud console")
    err.print(f"Waiting on port {port}; the token will be saved to {token_file}")
    authorize(cfg.client_secrets_file, token_file, cfg.token_uri, port=port, bind=bind,
              timeout_s=timeout)
    out.print(f"authorised: token saved to {token_file} (readable by you only)")


def ledgers(application: App) -> list[QuotaLedger]:
    sources = set(application.store.quota_platforms())
    sources.update(application.settings.connectors.sources())
    found = [application.ledger(p) for p in sorted(sources)]
    return [ledger for ledger in found if ledger is not None]


def quota(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """API units used today, left, and kept for replies, per account (`youtube:NAME` for
    another channel)."""
    statuses = [ledger.status() for ledger in ledgers(ctx.obj)]
    show([s.to_json() for s in statuses], as_json, lambda: table(
        "API quota (today)", ["platform", "day", "used", "remaining", "kept for replies",
                              "calls", "resets (UTC)"],
        [(s.platform, s.day, s.used, s.remaining, s.reply_reserve, s.calls,
          s.resets_at.strftime("%Y-%m-%d %H:%M")) for s in statuses],
        empty="no metered platform is enabled"))
