"""structlog set-up: readable on a terminal, JSON lines otherwise, always to stderr.

Code about one comment runs inside `comment_context`, so every line it logs carries the
comment's platform and id without passing them around.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

log = structlog.get_logger("replybot")


def configure(level: str = "INFO", fmt: str = "auto") -> None:
    use_console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    exceptions: Any = _identity if use_console else structlog.processors.format_exc_info
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            exceptions,  # the console renderer formats tracebacks itself
            structlog.processors.UnicodeDecoder(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries that log through the standard library stay quiet unless something is wrong.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "apscheduler", "openai", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A cycle longer than the interval makes the scheduler skip a tick: one cycle at a time is
    # the point, not a problem worth a warning every interval.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)


def _identity(logger: Any, name: str, event: dict[str, Any]) -> dict[str, Any]:
    return event


@contextmanager
def comment_context(platform: str, comment_id: str, **extra: Any) -> Iterator[None]:
    """Bind platform and comment id to every log line inside the block."""
    with structlog.contextvars.bound_contextvars(platform=platform, comment_id=comment_id,
                                                 **extra):
        yield
