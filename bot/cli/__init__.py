"""The `replybot` command line: thin wrappers over the library, one-line errors, exit codes."""

from __future__ import annotations

import sys

from bot.cli.main import app
from bot.errors import ReplybotError
from connectors.errors import ConnectorError
from knowledge.errors import KnowledgeError


def main() -> None:
    """Console entry point: user-facing errors become one line on stderr and an exit code."""
    try:
        app()
    except ReplybotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except (ConnectorError, KnowledgeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)


__all__ = ["main", "app"]
