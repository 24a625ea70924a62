"""One comment's way from the store to a draft: triage, policy, retrieve, draft, guard.

Stages take and return plain values; only the store writes. A failure of the model leaves the
comment without a draft, so the next cycle tries it again: nothing is dropped.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.config import Settings
from bot.guard import Guard, Verdict
from bot.llm import ChatModel
from bot.log import comment_context, log
from bot.policy import repeats
from bot.store import APPROVED, FLAGGED, PENDING, SKIPPED, NewDraft, Store, StoredComment
from bot.triage import MODERATION_DOWN, Triage, Triager
from bot.voice import build_messages, finish, shape_of
from bot.voicebank import FewShot, context_rows
from connectors.base import Comment
from knowledge.store import Hit


class Retriever(Protocol):
    def search(self, query: str, k: int = 3, min_score: float | None = None,
               video_id: str | None = None, hybrid: bool = True) -> list[Hit]: ...


@dataclass
class Timings:
    """Seconds spent per stage for one comment."""

    retrieve: float = 0.0
    draft: float = 0.0
    total: float = 0.0

    @property
    def rest(self) -> float:
        return max(0.0, self.total - self.retrieve - self.draft)


@dataclass(frozen=True)
class Outcome:
    comment_id: str
    draft_id: int | None
    status: str
    reason: str
    timings: Timings = field(default_factory=Timings)
    label: str | None = None


@dataclass(frozen=True)
class Drafted:
    text: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    system_prompt: str = ""


class Pipeline:
    """Turns stored comments into drafts (pending, approved, flagged or skipped)."""

    def __init__(self, settings: Settings, store: Store, retriever: Retriever | None,
                 model: ChatModel, max_reply_chars: dict[str, int] | None = None,
                 triager: Triager | None = None, few_shot: FewShot | None = None) -> None:
        self.settings = settings
        self.store = store
        self.retriever = retriever
        self.model = model
        self.max_reply_chars = max_reply_chars or {}
        self.triager = triager or Triager()
        self.few_shot = few_shot
        self.canary = f"rb-{secrets.token_hex(6)}"  # hidden in the prompt; must never come back
        self.guard_blocks: dict[str, int] = {}

    def process(self, stored: StoredComment) -> Outcome:
        """Decide what to do with a comment and record it."""
        comment = stored.comment
        with comment_context(comment.platform, comment.comment_id):
            started = time.perf_counter()
            new, timings = self.decide(stored)
            return self._record(stored, new, timings, started)

    def decide(self, stored: StoredComment) -> tuple[NewDraft, Timings]:
        """What would happen to a comment, without recording anything (`run --dry-run`)."""
        comment, timings = stored.comment, Timings()
        verdict = self.triager(comment)
        # a follow-up that asks nothing gets no second reply; one that needs a person still does
        if verdict.label in ("praise", "feedback", "request", "off_topic") and self.settings \
                .policy.one_reply_per_thread and self.store.replied_in_thread(comment, stored.pk):
            verdict = Triage("answered", "this viewer already has a reply in this thread and "
                             "is not asking again", "policy")
        decisions: dict[str, Any] = {"triage": verdict.to_json()}
        if not verdict.answerable or verdict.label == "answered":
            decisions["policy"] = {"action": "skip", "rule": "never answered"}
            return self._skip(SKIPPED, verdict, verdict.reason, decisions), timings
        action, rule = self.settings.policy.action(comment.platform, verdict.label)
        decisions["policy"] = {"action": action, "rule": rule}
        if action == "skip":
            reason = f"{verdict.label}: skipped ({rule}); {verdict.reason}"
            return self._skip(SKIPPED, verdict, reason, decisions), timings
        if action == "flag":
            reason = f"{verdict.label}: flagged for you ({rule}); {verdict.reason}"
            return self._skip(FLAGGED, verdict, reason, decisions), timings
        t0 = time.perf_counter()
        hits = self.notes(comment, verdict.label)
        timings.retrieve = time.perf_counter() - t0
        t0 = time.perf_counter()
        drafted = self.draft(comment, hits)
        timings.draft = time.perf_counter() - t0
        guarded = self.check(comment, hits, drafted)
        decisions["guard"] = {"ok": guarded.ok, "reasons": list(guarded.reasons)}
        status, reason = self.outcome(action, rule, verdict, drafted, guarded)
        if status == APPROVED or (status == PENDING and reason == "awaiting approval"):
            earlier = self.repeated(comment, drafted.text)
            if earlier is not None:
                status, reason = PENDING, f"repeat: nearly the same as a recent reply " \
                    f"({earlier[:60]!r}); vary it or approve anyway"
        decisions["outcome"] = {"status": status, "reason": reason}
        new = NewDraft(
            status, reason, reply_text=drafted.text, model=drafted.model,
            context=context_rows(hits),
            triage_label=verdict.label, triage_reason=verdict.reason,
            prompt_tokens=drafted.prompt_tokens, completion_tokens=drafted.completion_tokens,
            decisions=decisions,
        )
        return new, timings

    @staticmethod
    def _skip(status: str, verdict: Triage, reason: str,
              decisions: dict[str, Any]) -> NewDraft:
        decisions["outcome"] = {"status": status, "reason": reason}
        return NewDraft(status, reason, triage_label=verdict.label,
                        triage_reason=verdict.reason, decisions=decisions)

    def notes(self, comment: Comment, label: str) -> list[Hit]:
        """The context a draft is written from; short praise gets a short thanks, and facts
        would only lengthen the prompt."""
        return [] if label == "praise" else self.retrieve(comment)

    def retrieve(self, comment: Comment) -> list[Hit]:
        if self.retriever is None:
            return []
        cfg = self.settings.knowledge
        hits = self.retriever.search(comment.text, k=cfg.top_k, video_id=comment.video_id,
                                     hybrid=cfg.hybrid)
        log.debug("retrieved", hits=len(hits), scores=[h.score for h in hits])
        return hits

    def draft(self, comment: Comment, hits: list[Hit]) -> Drafted:
        persona = self.settings.persona
        shape = shape_of(comment.text, self.settings.llm.max_tokens)
        shots = self.few_shot.choose(comment.text) if self.few_shot else []
        messages = build_messages(persona, comment, hits, shape, self.canary,
                                  [(s.comment, s.reply) for s in shots])
        completion = self.model.complete(messages, shape.max_tokens)
        limit = self.max_reply_chars.get(comment.platform, 10_000)
        text = finish(completion.text, persona.signature, limit)
        return Drafted(text, completion.model, completion.prompt_tokens,
                       completion.completion_tokens, messages[0]["content"])

    def repeated(self, comment: Comment, text: str) -> str | None:
        cfg = self.settings.policy
        since = datetime.now(UTC) - timedelta(days=cfg.repeat_window_days)
        recent = self.store.recent_replies(comment.platform, since)
        return repeats(text, recent, self.settings.persona.signature, cfg.repeat_similarity)

    def guard(self, comment: Comment) -> Guard:
        cfg, persona = self.settings.guard, self.settings.persona
        # naming the person you answer is normal ("@Tom thanks!"); anyone else is not
        author = comment.author.lstrip("@").replace(" ", "")
        mentions = [*cfg.allowed_mentions, *([persona.handle] if persona.handle else []), author]
        return Guard(self.canary, cfg.allowed_domains, mentions, cfg.banned,
                     self.max_reply_chars.get(comment.platform, 10_000), cfg.check_language)

    def check(self, comment: Comment, hits: list[Hit], drafted: Drafted) -> Verdict:
        verdict = self.guard(comment).check(
            drafted.text, comment.text, [h.text for h in hits], drafted.system_prompt)
        body = drafted.text.replace(self.settings.persona.signature, "").strip()
        if body:
            verdict = Verdict((*verdict.reasons, *self.triager.judge_reply(body)))
        for kind in verdict.kinds:
            self.guard_blocks[kind] = self.guard_blocks.get(kind, 0) + 1
        if not verdict.ok:
            log.warning("draft held by the guard", reasons=list(verdict.reasons))
        return verdict

    def outcome(self, action: str, rule: str, triaged: Triage, drafted: Drafted,
                verdict: Verdict) -> tuple[str, str]:
        """Where a draft goes: the guard first, then the class's action, then the mode."""
        body = drafted.text.replace(self.settings.persona.signature, "").strip()
        if not body:
            return PENDING, "the model returned an empty reply: write one with `queue approve "\
                "ID --text`"
        if not verdict.ok:
            held = "guard: " + "; ".join(verdict.reasons)
            # an unreachable moderation endpoint is no verdict on the draft: a person decides
            outage = any(r.startswith(MODERATION_DOWN) for r in verdict.reasons)
            drop = self.settings.guard.on_fail == "drop" and not outage
            return (SKIPPED, held) if drop else (PENDING, held)
        if triaged.label == "needs_human":
            return PENDING, f"needs a person: {triaged.reason}"
        if action == "queue":
            return PENDING, f"{triaged.label}: queued for you ({rule})"
        if "moderation_error" in triaged.detail:
            return PENDING, "moderation unavailable: a person checks this one"
        if self.settings.mode == "auto":
            return APPROVED, "auto mode"
        return PENDING, "awaiting approval"

    def _record(self, stored: StoredComment, new: NewDraft, timings: Timings,
                started: float) -> Outcome:
        draft_id = self.store.create_draft(stored.pk, new)
        timings.total = time.perf_counter() - started
        if draft_id is None:
            log.info("already handled elsewhere")
            return Outcome(stored.comment.comment_id, None, "duplicate", "already handled",
                           timings, new.triage_label)
        log.info("comment handled", status=new.status, reason=new.reason, draft_id=draft_id,
                 triage=new.triage_label, sources=len(new.context),
                 retrieve_ms=round(timings.retrieve * 1000), draft_ms=round(timings.draft * 1000))
        return Outcome(stored.comment.comment_id, draft_id, new.status, new.reason, timings,
                       new.triage_label)
