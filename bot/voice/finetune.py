"""Fine-tuning jobs on the `[finetune]` endpoint (else `[llm]`'s): upload, start, follow, cancel.

Every job is recorded in the `models` table with its data sizes, and its status, trained tokens
and last training metrics as they come in. `promote` makes a model the one drafts are written
with; a new job starts from the active fine-tuned model, so each round of training builds on
the last one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.domain import ModelView
from bot.errors import ModelError, NotFound, ReplybotError
from bot.llm import openai_client
from bot.state.store import Store

ACTIVE_MODEL = "active_model"
ENDED = ("succeeded", "failed", "cancelled")


def active_model(store: Store, settings: Settings) -> str:
    """The model drafts are written with: the promoted one, else `[llm] model`."""
    state = store.state(ACTIVE_MODEL)
    return state[0] if state else settings.llm.model


def default_base(store: Store, settings: Settings) -> str:
    """Continue from the active fine-tuned model; else start from `[finetune] base_model`."""
    active = active_model(store, settings)
    return active if active.startswith("ft:") else settings.finetune.base_model


@dataclass(frozen=True)
class Progress:
    """What a look at a job found: the job, events not seen before, the latest metrics."""

    record: ModelView
    new_events: list[dict[str, Any]]
    metrics: dict[str, float]


class FineTuner:
    def __init__(self, settings: Settings, store: Store) -> None:
        import openai

        self._openai = openai
        self.settings = settings
        self.store = store
        llm = settings.llm
        base_url, key = settings.endpoint(settings.finetune.base_url, settings.finetune.api_key)
        self.client = openai_client(base_url, key, llm.timeout_s, llm.max_retries)
        self._seen: dict[str, set[str]] = {}

    def _call(self, what: str, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except self._openai.AuthenticationError:
            raise ModelError(f"{what}: the endpoint refused the API key; set [finetune] "
                             "api_key or [llm] api_key (REPLYBOT_LLM__API_KEY)") from None
        except self._openai.NotFoundError as exc:
            raise NotFound(f"{what}: not found ({exc.message})") from None
        except self._openai.APIStatusError as exc:
            raise ModelError(f"{what}: the endpoint said {exc.status_code}: {exc.message}") \
                from None
        except self._openai.APIError as exc:
            raise ModelError(f"{what}: {exc}") from None

    def default_base(self) -> str:
        return default_base(self.store, self.settings)

    def upload(self, path: Path) -> str:
        with path.open("rb") as handle:
            uploaded = self._call(f"uploading {path.name}", lambda: self.client.files.create(
                file=(path.name, handle), purpose="fine-tune"))
        return str(uploaded.id)

    def start(self, train: Path, valid: Path | None, base: str, method: str,
              suffix: str | None, epochs: int | None, train_examples: int,
              valid_examples: int, train_tokens: int) -> ModelView:
        training_file = self.upload(train)
        validation_file = self.upload(valid) if valid else None
        hyper: dict[str, Any] = {"n_epochs": epochs} if epochs else {}
        request: dict[str, Any] = {"model": base, "training_file": training_file,
                                   "method": {"type": method,
                                              method: {"hyperparameters": hyper}}}
        if validation_file:
            request["validation_file"] = validation_file
        if suffix:
            request["suffix"] = suffix
        job = self._call("starting the fine-tuning job",
                         lambda: self.client.fine_tuning.jobs.create(**request))
        return self.store.add_model(
            job_id=job.id, base_model=base, method=method, suffix=suffix, status=job.status,
            training_file=training_file, validation_file=validation_file,
            train_examples=train_examples, valid_examples=valid_examples,
            train_tokens=train_tokens, epochs=epochs)

    def record(self, job_id: str | None) -> ModelView:
        """The stored record of a job; the newest job when none is named."""
        if job_id is None:
            jobs = [m for m in self.store.models() if m.job_id]
            if not jobs:
                raise NotFound("no fine-tuning job yet: start one with `replybot finetune "
                               "start`")
            return jobs[-1]
        found = self.store.model_record(job_id)
        if found is None or found.job_id is None:
            raise NotFound(f"no fine-tuning job {job_id!r} recorded here: see `replybot voice "
                           "models`")
        return found

    def look(self, job_id: str | None = None) -> Progress:
        """Retrieve a job, its new events and its latest metrics; update the record."""
        record = self.record(job_id)
        job_ref = str(record.job_id)
        job = self._call(f"reading job {job_ref}",
                         lambda: self.client.fine_tuning.jobs.retrieve(job_ref))
        events = self._call("reading the job's events", lambda: list(
            self.client.fine_tuning.jobs.list_events(job_ref, limit=100)))
        seen = self._seen.setdefault(job_ref, set())
        fresh = [e for e in reversed(events) if e.id not in seen]
        seen.update(e.id for e in fresh)
        metrics = dict(record.metrics or {})
        for event in fresh:
            data = event.data if isinstance(getattr(event, "data", None), dict) else {}
            metrics.update({k: v for k, v in data.items() if isinstance(v, int | float)})
        if job.status == "succeeded":
            metrics.update(self._checkpoint_metrics(job_ref))
        error = job.error.message if job.error and job.error.message else None
        finished = datetime.fromtimestamp(job.finished_at, UTC) if job.finished_at else None
        updated = self.store.update_model(
            record.id, status=job.status, model=job.fine_tuned_model,
            train_tokens=job.trained_tokens or record.train_tokens,
            epochs=_epochs(job) or record.epochs, metrics=metrics or None, error=error,
            finished_at=finished)
        return Progress(updated, [_event(e) for e in fresh], metrics)

    def _checkpoint_metrics(self, job_id: str) -> dict[str, float]:
        try:
            checkpoints = list(self.client.fine_tuning.jobs.checkpoints.list(job_id))
        except self._openai.APIError:
            return {}  # not every compatible server keeps checkpoints
        if not checkpoints:
            return {}
        last = max(checkpoints, key=lambda c: c.step_number)
        values = last.metrics.model_dump(exclude_none=True)
        return {k: float(v) for k, v in values.items() if isinstance(v, int | float)}

    def wait(self, job_id: str | None, on_progress: Callable[[Progress], None],
             sleep: Callable[[float], Any] = time.sleep) -> ModelView:
        while True:
            progress = self.look(job_id)
            on_progress(progress)
            if progress.record.status in ENDED:
                return progress.record
            job_id = progress.record.job_id
            sleep(self.settings.finetune.poll_s)

    def cancel(self, job_id: str) -> ModelView:
        record = self.record(job_id)
        self._call(f"cancelling job {job_id}",
                   lambda: self.client.fine_tuning.jobs.cancel(job_id))
        return self.look(record.job_id).record


def promote(store: Store, model: str, force_unknown: bool = False,
            clock: Clock = utcnow) -> ModelView:
    """Make `model` the one drafts are written with, and note when in its record."""
    record = store.model_record(model)
    if record is None:
        if not force_unknown:
            raise NotFound(f"no model {model!r} recorded here: check `replybot voice models`, "
                           "or pass --any to use a model trained elsewhere")
        record = store.add_model(base_model=model, model=model, method="external",
                                 status="succeeded")
    elif record.status != "succeeded" or not record.model:
        raise ReplybotError(f"{model} has not finished training (status {record.status}): "
                            "see `replybot finetune status`")
    store.set_state(ACTIVE_MODEL, str(record.model))  # the model, even when named by its job
    return store.update_model(record.id, promoted_at=clock())


def _epochs(job: Any) -> int | None:
    try:
        value = job.method.supervised.hyperparameters.n_epochs  # type: ignore[union-attr]
    except AttributeError:
        value = None
    if not isinstance(value, int):
        value = getattr(job.hyperparameters, "n_epochs", None)
    return value if isinstance(value, int) else None


def _event(event: Any) -> dict[str, Any]:
    return {"at": datetime.fromtimestamp(event.created_at, UTC).isoformat(),
            "level": event.level, "message": event.message,
            "data": event.data if isinstance(getattr(event, "data", None), dict) else {}}
