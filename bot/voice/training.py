"""Training data for the creator's voice: from what they approved, to files a provider accepts.

Every reply a person approved becomes a chat example: the system prompt the bot drafts with, the
comment with the notes it was drafted from, and the reply as posted. A reply the creator edited
also makes a preference pair for DPO: their words preferred, the model's draft not.

`validate_file` applies the checks OpenAI applies to fine-tuning files before anything is
uploaded, and counts tokens with the base model's encoding to estimate the cost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import jsonl
from bot.config import FinetuneConfig, PersonaConfig
from bot.domain import DraftView, VoiceExample
from bot.pipeline.prompt import shape_of, system_prompt, user_prompt
from bot.state.store import Store
from bot.voice.tokens import base_of, encoding_for
from connectors.base import Comment
from knowledge.store import Hit

MIN_EXAMPLES = 10  # OpenAI refuses fewer
GOOD_EXAMPLES = 50
ROLES = {"system", "user", "assistant", "tool", "function", "developer"}
MESSAGE_KEYS = {"role", "content", "name", "weight", "tool_calls", "function_call",
                "tool_call_id"}


@dataclass(frozen=True)
class Example:
    """One reply the creator stands behind, with what it answered."""

    system: str
    user: str
    reply: str
    #: the model's draft when the creator changed it (a preference pair for DPO)
    rejected: str | None = None

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.user}\x00{self.reply}".encode()).hexdigest()

    def chat(self) -> dict[str, Any]:
        return {"messages": [{"role": "system", "content": self.system},
                             {"role": "user", "content": self.user},
                             {"role": "assistant", "content": self.reply}]}

    def dpo(self) -> dict[str, Any]:
        return {"input": {"messages": [{"role": "system", "content": self.system},
                                       {"role": "user", "content": self.user}]},
                "preferred_output": [{"role": "assistant", "content": self.reply}],
                "non_preferred_output": [{"role": "assistant", "content": self.rejected}]}


def example_of(draft: DraftView, persona: PersonaConfig, max_tokens: int) -> Example:
    hits = hits_of(draft.context)
    shape = shape_of(draft.comment.text, max_tokens)
    edited = draft.draft_text and draft.draft_text.strip() != (draft.reply_text or "").strip()
    return Example(system_prompt(persona, shape), user_prompt(draft.comment, hits),
                   draft.reply_text or "", draft.draft_text if edited else None)


def hits_of(rows: Sequence[dict[str, Any]]) -> list[Hit]:
    return [Hit(source=str(row.get("source", "")), text=str(row.get("text", "")),
                score=float(row.get("score") or 0.0), chunk_id=str(row.get("chunk_id", "")))
            for row in rows]


def banked(example: VoiceExample, persona: PersonaConfig, max_tokens: int) -> Example:
    comment = Comment(platform=example.platform, comment_id=example.comment_id,
                      author=example.author, text=example.comment,
                      video_title=example.video_title)
    shape = shape_of(example.comment, max_tokens)
    return Example(system_prompt(persona, shape), user_prompt(comment, hits_of(example.context)),
                   example.reply)


def collect(store: Store, persona: PersonaConfig, max_tokens: int,
            since: datetime | None = None) -> list[Example]:
    """The creator's approved replies, and the ready imported or reviewed examples, as training
    examples; duplicates dropped."""
    seen: set[str] = set()
    answered: set[tuple[str, str]] = set()  # one example per comment: the approved one first
    examples = []
    candidates = [((d.comment.platform, d.comment.comment_id), example_of(d, persona, max_tokens))
                  for d in store.approved_by_person(since)]
    candidates += [((e.platform, e.comment_id), banked(e, persona, max_tokens))
                   for e in store.voice_examples(status="ready")
                   if since is None or e.created_at >= since]
    for origin, example in candidates:
        if example.reply.strip() and example.key not in seen and origin not in answered:
            seen.add(example.key)
            answered.add(origin)
            examples.append(example)
    return examples


def split(examples: Sequence[Example], share: float) -> tuple[list[Example], list[Example]]:
    """A held-out validation set: the same examples land on the same side every time."""
    ordered = sorted(examples, key=lambda e: e.key)
    n_valid = max(round(len(ordered) * share), 1 if share > 0 else 0)
    # training needs MIN_EXAMPLES of its own: small sets keep them all
    n_valid = min(n_valid, max(0, len(ordered) - MIN_EXAMPLES))
    return ordered[n_valid:], ordered[:n_valid]


@dataclass(frozen=True)
class Exported:
    train: Path
    valid: Path | None
    train_examples: int
    valid_examples: int
    method: str


def valid_path(train: Path) -> Path:
    return train.with_name(f"{train.stem}.valid{train.suffix or '.jsonl'}")


def export(examples: Sequence[Example], out: Path, dpo: bool, share: float) -> Exported:
    if dpo:
        examples = [e for e in examples if e.rejected]
    train, valid = split(examples, share)
    write_jsonl(out, [e.dpo() if dpo else e.chat() for e in train])
    held = valid_path(out) if valid else None
    if held is not None:
        write_jsonl(held, [e.dpo() if dpo else e.chat() for e in valid])
    else:
        valid_path(out).unlink(missing_ok=True)  # never leave an older split next to it
    return Exported(out, held, len(train), len(valid), "dpo" if dpo else "supervised")


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                       encoding="utf-8")
    partial.replace(path)


# -- validation ---------------------------------------------------------------------------------

@dataclass
class Validation:
    path: str
    format: str = "unknown"
    examples: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    over_limit: int = 0
    encoding: str = ""
    base_model: str = ""
    epochs: int = 3
    price_per_million: float | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def billed_tokens(self) -> int:
        """Tokens charged: each example up to the limit, times the epochs."""
        return sum(self.tokens) * self.epochs

    @property
    def cost_usd(self) -> float | None:
        if self.price_per_million is None:
            return None
        return round(self.billed_tokens / 1_000_000 * self.price_per_million, 4)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "ok": self.ok, "format": self.format,
            "examples": self.examples,
            "errors": [{"line": line, "message": message} for line, message in self.errors],
            "warnings": self.warnings, "encoding": self.encoding, "base_model": self.base_model,
            "tokens": {"total": sum(self.tokens), "min": min(self.tokens, default=0),
                       "max": max(self.tokens, default=0),
                       "mean": round(sum(self.tokens) / len(self.tokens), 1)
                       if self.tokens else 0},
            "examples_over_limit": self.over_limit, "epochs": self.epochs,
            "billed_tokens": self.billed_tokens, "price_per_million_usd": self.price_per_million,
            "estimated_cost_usd": self.cost_usd,
        }


def validate_file(path: Path, base_model: str, config: FinetuneConfig, cache: Path,
                  epochs: int | None = None, minimum: int = MIN_EXAMPLES) -> Validation:
    """`minimum`: examples the file needs (a validation file needs only one)."""
    report = _new_report(path, base_model, config, epochs)
    encoding = encoding_for(base_model, cache)
    report.encoding = encoding.name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        report.errors.append((0, f"cannot read the file: {exc}"))
        return report
    for number, row in jsonl.rows(lines, str(path),
                                  on_bad_line=lambda n, why: report.errors.append((n, why))):
        _check_row(report, number, row, encoding, config.max_example_tokens)
    if report.examples < minimum and not report.errors:
        report.errors.append((0, f"{report.examples} examples; at least {minimum} are "
                              "required"))
    elif report.examples < GOOD_EXAMPLES and minimum == MIN_EXAMPLES:
        report.warnings.append(f"{report.examples} examples: 50 to 100 or more usually give a "
                               "clearly better voice")
    return report


def _new_report(path: Path, base_model: str, config: FinetuneConfig,
                epochs: int | None) -> Validation:
    report = Validation(str(path), base_model=base_of(base_model),
                        epochs=epochs or config.epochs or 3,
                        price_per_million=config.training_prices.get(base_of(base_model)))
    if not (epochs or config.epochs):
        report.warnings.append("epochs are left to the provider (it picks more for small "
                               "files): the estimate assumes 3; pass --epochs to fix them")
    if report.price_per_million is None:
        report.warnings.append(f"no training price for {report.base_model}: add it to "
                               "[finetune] training_prices for a cost estimate")
    return report


def _check_row(report: Validation, number: int, row: Any, encoding: Any,
               limit: int) -> None:
    if not isinstance(row, dict):
        report.errors.append((number, "not a JSON object"))
        return
    kind = "dpo" if "input" in row or "preferred_output" in row else "chat"
    if report.format == "unknown":
        report.format = kind
    elif kind != report.format:
        report.errors.append((number, f"a {kind} example in a {report.format} file"))
        return
    problems = _check_dpo(row) if kind == "dpo" else _check_chat(row.get("messages"))
    report.errors.extend((number, p) for p in problems)
    if problems:
        return
    report.examples += 1
    count = _count(row, kind, encoding)
    if count > limit:
        report.over_limit += 1
        report.warnings.append(f"line {number}: {count} tokens, over the limit of {limit}; "
                               "it would be cut")
    report.tokens.append(min(count, limit))


def _check_chat(messages: Any) -> list[str]:
    if not isinstance(messages, list) or not messages:
        return ["missing \"messages\" list"]
    problems = []
    for n, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            problems.append(f"message {n} is not an object")
            continue
        if "role" not in message or "content" not in message:
            problems.append(f"message {n} has no role or no content")
            continue
        unknown = set(message) - MESSAGE_KEYS
        if unknown:
            problems.append(f"message {n} has unrecognised key {sorted(unknown)[0]!r}")
        if not isinstance(message["role"], str) or message["role"] not in ROLES:
            problems.append(f"message {n} has unrecognised role {message['role']!r}")
        content = message["content"]
        if (not isinstance(content, str) or not content.strip()) and not message.get(
                "tool_calls") and not message.get("function_call"):
            problems.append(f"message {n} ({message['role']}) has empty content")
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        problems.append("no assistant message")
    return problems


def _check_dpo(row: dict[str, Any]) -> list[str]:
    problems = []
    source = row.get("input")
    if not isinstance(source, dict):
        return ["missing \"input\" object with messages"]
    inputs = source.get("messages")
    if not isinstance(inputs, list) or not inputs:
        problems.append("missing \"input\" messages")
    else:
        problems.extend(p for p in _check_chat([*inputs, {"role": "assistant", "content": "x"}])
                        if p != "no assistant message")
    for key in ("preferred_output", "non_preferred_output"):
        output = row.get(key)
        if not isinstance(output, list) or len(output) != 1 or not isinstance(output[0], dict) \
                or output[0].get("role") != "assistant":
            problems.append(f"{key} must be a list of one assistant message")
        elif not str(output[0].get("content") or "").strip():
            problems.append(f"{key} has empty content")
    return problems


def _count(row: dict[str, Any], kind: str, encoding: Any) -> int:
    """Tokens of one example, counted the way OpenAI's cookbook counts chat messages."""
    if kind == "dpo":
        messages = [*row["input"]["messages"], *row["preferred_output"],
                    *row["non_preferred_output"]]
    else:
        messages = row["messages"]
    total = 3  # every reply is primed with <|start|>assistant<|message|>
    for message in messages:
        total += 3
        for key in ("role", "content", "name"):
            value = message.get(key)
            if isinstance(value, str):
                total += len(encoding.encode(value, disallowed_special=())) + (key == "name")
    return total
