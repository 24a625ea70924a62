"""Retries with exponential backoff and jitter, in one place for every connector call."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from bot.log import log
from connectors.errors import TransientError

T = TypeVar("T")


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("retrying", attempt=state.attempt_number, error=str(error),
                wait_s=round(state.next_action.sleep, 2) if state.next_action else None)


def with_retries(call: Callable[[], T], attempts: int = 4, max_wait_s: float = 30.0) -> T:
    """Run `call`, retrying TransientError with backoff; other errors pass straight through.

    Only for calls that are safe to repeat (reads). Posting is never retried blindly: a timeout
    may hide a reply that was created, so the poster asks the platform first.
    """
    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        wait=wait_random_exponential(multiplier=0.5, max=max_wait_s),
        stop=stop_after_attempt(attempts),
        before_sleep=_log_retry,
        reraise=True,
    )
    return retrying(call)
