"""`replybot serve`: the approval page; `--init` makes its password."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from bot.app import App, build_telegram
from bot.chat.telegram import TelegramButtons
from bot.web import server
from bot.web.auth import init_password, password_file, stored_hash


def serve(
    ctx: typer.Context,
    init: Annotated[bool, typer.Option(
        "--init", help="Make a password, print it once and keep only its hash.")] = False,
    host: Annotated[str | None, typer.Option(
        help="Address to bind (default: web.host in the config).")] = None,
    port: Annotated[int | None, typer.Option(
        help="Port (default: web.port in the config).")] = None,
) -> None:
    """Serve the approval queue as a web page (127.0.0.1 unless told otherwise)."""
    application: App = ctx.obj
    settings = application.settings
    if init:
        password = init_password(settings)
        typer.echo(f"web password for {settings.web.user} (shown once; only its hash is kept "
                   f"in {password_file(settings)}):\n{password}")
        return
    stored_hash(settings)  # no password, no page: say so before binding
    application.actor = f"web:{settings.web.user}"
    with telegram_buttons(application):
        server.serve(application, host or settings.web.host,
                     settings.web.port if port is None else port)


@contextmanager
def telegram_buttons(application: App) -> Iterator[None]:
    """With `[notify.telegram]`, the process that serves the page also acts on its buttons
    (one reader of a bot's updates at a time: Telegram refuses a second)."""
    api = build_telegram(application.settings)
    cfg = application.settings.notify.telegram
    if api is None or cfg is None:
        yield
        return
    buttons = TelegramButtons(application, api, cfg.chat_ids).start()
    try:
        yield
    finally:
        buttons.stop()


@contextmanager
def beside_daemon(application: App) -> Iterator[None]:
    """With `[web] enabled`, `replybot run` serves the page on a thread of its own.

    The page gets parts of its own, as `replybot serve` would: platform clients are not shared
    between threads (the YouTube client is not thread-safe), and the database's
    compare-and-set transitions keep the page and the daemon from posting a draft twice.
    """
    settings = application.settings
    if not settings.web.enabled:
        yield
        return
    stored_hash(settings)
    page = App(settings, actor=f"web:{settings.web.user}", clock=application.clock)
    running = server.start(page, settings.web.host, settings.web.port)
    try:
        with telegram_buttons(page):
            yield
    finally:
        running.stop()
        page.close()
