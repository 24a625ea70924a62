"""Training the creator's voice into a model, for every front end: export the approved replies,
validate a training file, start a job (export, validate, upload, create) and the promotion gate
that keeps a model scoring below the active one from drafting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.domain import ModelView
from bot.evaluation.report import overall, summarize
from bot.evaluation.runner import read_set
from bot.state.store import Store
from bot.usecases import OnProgress, no_progress
from bot.usecases.evaluation import EvaluationParts, evaluate
from bot.voice.finetune import FineTuner, active_model, default_base
from bot.voice.finetune import promote as promote_model
from bot.voice.training import Exported, Validation, collect, export, valid_path, validate_file

METHODS = ("supervised", "dpo")


def token_cache(settings: Settings) -> Path:
    """Where tokenizer files are kept between runs."""
    return settings.data_dir / "cache" / "tiktoken"


def export_examples(store: Store, settings: Settings, out: Path, dpo: bool = False,
                    since: datetime | None = None) -> Exported:
    """Approved replies (posted on or after `since`) as training data, with a held-out
    validation split next to `out`."""
    examples = collect(store, settings.persona, settings.llm.max_tokens, since)
    return export(examples, out, dpo, settings.finetune.validation_share)


def validate(store: Store, settings: Settings, path: Path, base: str | None = None,
             epochs: int | None = None) -> Validation:
    """Check a training file as the provider will, with the cost of training on `base`
    (default: what a new job would start from)."""
    return validate_file(path, base or default_base(store, settings), settings.finetune,
                         token_cache(settings), epochs)


@dataclass(frozen=True)
class Started:
    """A training start: the files' checks and, when they passed, the job."""

    base: str
    method: str
    report: Validation
    #: the validation split's check, when there is a split and the training file passed
    held: Validation | None = None
    #: None: nothing was uploaded
    record: ModelView | None = None


def start(store: Store, settings: Settings, tuner: FineTuner, file: Path | None = None,
          base: str | None = None, method: str = "supervised", suffix: str | None = None,
          epochs: int | None = None, clock: Clock = utcnow) -> Started:
    """Export the approved replies now (unless `file` is given), check the training file and
    its validation split, then upload both and create the job; nothing is uploaded unless
    both pass."""
    if file is None:
        file = settings.data_dir / "finetune" / f"{clock():%Y%m%d-%H%M%S}-{method}.jsonl"
        export_examples(store, settings, file, method == "dpo")
    valid = valid_path(file) if valid_path(file).exists() else None
    base = base or tuner.default_base()
    epochs = epochs or settings.finetune.epochs
    report = validate_file(file, base, settings.finetune, token_cache(settings), epochs)
    wanted = "dpo" if method == "dpo" else "chat"
    if report.ok and report.format != wanted:
        report.errors.append((0, f"a {report.format} file cannot train with --method {method}"))
    if not report.ok:
        return Started(base, method, report)
    held = None if valid is None else validate_file(
        valid, base, settings.finetune, token_cache(settings), epochs, minimum=1)
    if held is not None and not held.ok:
        return Started(base, method, report, held)
    record = tuner.start(file, valid, base, method, suffix, epochs, report.examples,
                         held.examples if held else 0, sum(report.tokens))
    return Started(base, method, report, held, record)


@dataclass(frozen=True)
class Gate:
    """The active model and a candidate, scored on `[eval] set`."""

    set_name: str
    current: str
    candidate: str
    current_score: float
    candidate_score: float

    @property
    def passed(self) -> bool:
        return self.candidate_score >= self.current_score


def promotion_gate(parts: EvaluationParts, model: str,
                   progress: OnProgress = no_progress) -> Gate | None:
    """Evaluate `model` next to the active one on `[eval] set`; None when no set is
    configured or `model` is already the active one."""
    settings, store = parts.settings, parts.store
    if settings.eval.set is None:
        return None
    record = store.model_record(model)
    candidate = record.model if record and record.model else model
    current = active_model(store, settings)
    if current == candidate:
        return None
    summary = summarize(evaluate(parts, read_set(settings.eval.set), [current, candidate],
                                 progress=progress))
    return Gate(settings.eval.set.name, current, candidate, overall(summary[current]) or 0,
                overall(summary[candidate]) or 0)


def served_elsewhere(settings: Settings) -> str | None:
    """The endpoint models are trained at, when drafts are written through another one (the
    promoted model must be served there too)."""
    trained_at = settings.finetune.base_url
    return trained_at if trained_at and trained_at != settings.llm.base_url else None


def promote(store: Store, model: str, any_model: bool = False) -> ModelView:
    """Draft with `model` from the next cycle; `any_model` allows one trained elsewhere."""
    return promote_model(store, model, any_model)

