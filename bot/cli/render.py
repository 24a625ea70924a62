"""How the CLI shows things: JSON for scripts, rich tables and progress bars for people.

Every command with `--json` declares it as `JsonOpt` and prints through `show`, so a command
says once what its data is and how a person sees it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn, TaskID
from rich.table import Table

out = Console(soft_wrap=False)
# messages are never wrapped: a path or a command in them stays whole to copy (and to grep)
err = Console(stderr=True, soft_wrap=True)

STATUS_STYLE = {
    "pending": "yellow", "flagged": "magenta", "approved": "cyan", "posting": "blue",
    "posted": "green", "rejected": "red", "skipped": "dim", "failed": "bold red",
}




def json_option(help: str = "Print JSON.") -> Any:
    return typer.Option("--json", help=help)


#: the `--json` flag of every command that has one
JsonOpt = Annotated[bool, json_option()]


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def show(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    """`data` as JSON on stdout for scripts, or `human()` renders it for people."""
    if as_json:
        emit_json(data)
    else:
        human()


@contextmanager
def progress_bar(description: str, *columns: ProgressColumn | str, console: Console = err,
                 disable: bool = False) -> Iterator[Callable[[int, int | None], None]]:
    """A bar that a use case moves through its `progress(done, total)` callback. It is drawn
    from the first report on, so a use case with nothing to do draws none."""
    bar = Progress(*columns, console=console, disable=disable)
    task: TaskID | None = None

    def moved(done: int, total: int | None) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(description, total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield moved
    finally:
        if task is not None:
            bar.stop()


def safe(text: object) -> str:
    """Text from viewers or models, shown as it is: rich markup in it is not interpreted."""
    return escape(str(text)) if text is not None else ""


def short(text: str | None, width: int = 60) -> str:
    flat = " ".join((text or "").split())
    return safe(flat if len(flat) <= width else flat[: width - 1] + "…")


def losses(metrics: dict[str, Any]) -> str:
    """A fine-tuning job's latest losses, for people."""
    parts = [f"{name.replace('_', ' ')} {metrics[name]:.3f}"
             for name in ("train_loss", "valid_loss", "full_valid_loss") if name in metrics]
    return ", ".join(parts)


def status_text(status: str) -> str:
    style = STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/]" if style else status


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
          empty: str = "nothing to show") -> None:
    if not rows:
        out.print(f"[dim]{empty}[/]")
        return
    grid = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(str(cell) if cell is not None else "" for cell in row))
    out.print(grid)
