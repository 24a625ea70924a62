"""How the CLI shows things: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

out = Console(soft_wrap=False)
err = Console(stderr=True)

STATUS_STYLE = {
    "pending": "yellow", "flagged": "magenta", "approved": "cyan", "posting": "blue",
    "posted": "green", "rejected": "red", "skipped": "dim", "failed": "bold red",
}


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def safe(text: object) -> str:
    """Text from viewers or models, shown as it is: rich markup in it is not interpreted."""
    return escape(str(text)) if text is not None else ""


def short(text: str | None, width: int = 60) -> str:
    flat = " ".join((text or "").split())
    return safe(flat if len(flat) <= width else flat[: width - 1] + "…")


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
