"""What a person asks for, once for every front end: the queue, training, knowledge sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.config import Settings
from bot.pipeline.pipeline import Pipeline
from bot.state.store import Store

#: how a long use case reports progress: (done so far, total when known); front ends draw it
OnProgress = Callable[[int, int | None], None]


class PipelineParts(Protocol):
    """What the use cases that draft need: settings, the store and the pipeline."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> Store: ...
    @property
    def pipeline(self) -> Pipeline: ...


def no_progress(done: int, total: int | None) -> None:
    """For callers that show no progress."""


def counter(progress: OnProgress, total: int | None = None) -> Callable[[], None]:
    """A step function for parts that report one finished item at a time."""
    done = 0
    progress(done, total)

    def step() -> None:
        nonlocal done
        done += 1
        progress(done, total)

    return step
