"""The one JSONL reader: every JSON-lines file replybot reads (evaluation sets, triage examples,
backups, training files, evaluation results) goes through `rows`, so blank lines are skipped
the same way everywhere and a bad line is reported by file and line number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, ReplybotError

#: called with (line number, what is wrong) for a line that is not JSON; the line is skipped
OnBadLine = Callable[[int, str], None]


def rows(lines: Iterable[str], origin: str, error: type[ReplybotError] = ConfigError,
         on_bad_line: OnBadLine | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for every non-blank line; numbers count from 1 and include
    blank lines, so they match an editor's. A line that is not JSON raises `error` naming
    `origin` and the line, or, with `on_bad_line`, is reported there and skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if on_bad_line is None:
                raise error(f"{origin} line {number}: not valid JSON ({exc.msg})") from None
            on_bad_line(number, f"not JSON ({exc.msg})")
            continue
        yield number, value


def read(path: Path, what: str, error: type[ReplybotError] = ConfigError
         ) -> Iterator[tuple[int, Any]]:
    """`rows` of a file; `what` names the file in the message when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise error(f"cannot read {what} {path}: {reason}") from None
    return rows(text.splitlines(), str(path), error)

