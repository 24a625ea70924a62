"""One comment's way from the store to a draft: triage, policy, retrieve, draft, guard.

Stages take and return plain values; only the store writes. A failure of the model leaves the
comment without a draft, so the next cycle tries it again: nothing is dropped.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

from bot.clock import Clock, utcnow
from bot.config import AUTO_CHECKS, Settings
from bot.domain import Action, Label, Mode, NewDraft, Status, StoredComment
from bot.llm import ChatModel
from bot.log import comment_context, log
from bot.pipeline.commitment import commitment
from bot.pipeline.decide import Check, Decision, Evidence, Verdict, decide
from bot.pipeline.evidence import NO_FACT_NEEDED, PositiveChecks, claims
from bot.pipeline.fewshot import FewShot, context_rows
from bot.pipeline.guard import Guard
from bot.pipeline.guard import Verdict as GuardVerdict
from bot.pipeline.judge import DraftJudge
from bot.pipeline.obedience import Voice, obedience
from bot.pipeline.policy import repeats
from bot.pipeline.prompt import Count, finish, shape_of, within_budget
from bot.pipeline.triage import Triage, Triager
from bot.state.store import Store
from connectors.base import Comment
from knowledge.store import Hit

#: classes whose follow-up in a thread the viewer was already answered in gets no second reply
FOLLOW_UPS = (Label.PRAISE, Label.FEEDBACK, Label.REQUEST, Label.OFF_TOPIC)


class Retriever(Protocol):
    def search(self, query: str, k: int = 3, min_score: float | None = None,
               video_id: str | None = None, hybrid: bool = True) -> list[Hit]: ...

    def passages(self, text: str, k: int = 3) -> list[str]: ...


@dataclass
class Timings:
    """Seconds spent per stage for one comment."""

    retrieve: float = 0.0
    draft: float = 0.0
    #: the model call inside `draft`: the rest of `total` is the pipeline's own time
    model: float = 0.0
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
    seconds: float = 0.0  # in the model call
    #: the notes the prompt kept within its budget
    notes: tuple[Hit, ...] = ()


#: passages a reply's numbers and names may find in the creator's material
FACT_PASSAGES = 8


class Pipeline:
    """Turns stored comments into drafts (pending, approved, flagged or skipped)."""

    def __init__(self, settings: Settings, store: Store, retriever: Retriever | None,
                 model: ChatModel, max_reply_chars: dict[str, int] | None = None,
                 triager: Triager | None = None, few_shot: FewShot | None = None,
                 clock: Clock = utcnow, checks: PositiveChecks | None = None,
                 count_tokens: Count | None = None, judge: DraftJudge | None = None) -> None:
        self.settings = settings
        self.store = store
        self.retriever = retriever
        self.model = model
        self.max_reply_chars = max_reply_chars or {}
        self.triager = triager or Triager()
        self.few_shot = few_shot
        self.clock = clock
        #: relevance, grounding and voice; without them auto mode has no evidence to post on
        self.checks = checks
        self.count_tokens = count_tokens  # for the prompt budget; None: no budget
        #: `[guard] judge`: asked only about a draft auto mode would otherwise post
        self.judge = judge
        self.canary = f"rb-{secrets.token_hex(6)}"  # hidden in the prompt; must never come back
        self.guard_blocks: dict[str, int] = {}

    def prepare(self, batch: Sequence[StoredComment]) -> None:
        """Before a batch is handled one by one: its comments embedded in one model call,
        which the triage, retrieval and few-shot of each comment then find remembered, and the
        few-shot pool read once."""
        if self.few_shot is not None:
            self.few_shot.refresh()
        try:
            self.triager.warm([stored.comment for stored in batch])
        except Exception:  # only speed is lost: each comment is embedded on its own
            log.exception("could not embed the batch ahead")

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
        triaged = self.triage(stored)
        decisions: dict[str, Any] = {"triage": triaged.to_json()}
        if triaged.answerable:
            action, rule = self.settings.policy.action(comment.platform, triaged.label)
        else:
            action, rule = Action.SKIP, "never answered"
        decisions["policy"] = {"action": action, "rule": rule}
        verdict = Verdict(Label(triaged.label), triaged.reason, triaged.moderation_unavailable)
        mode, drop = Mode(self.settings.mode), self.settings.guard.on_fail == "drop"
        decision = decide(verdict, Action(action), rule, mode)
        if not decision.draft:
            return self._skip(decision, triaged, decisions), timings
        t0 = time.perf_counter()
        hits = self.notes(comment, triaged.label)
        timings.retrieve = time.perf_counter() - t0
        t0 = time.perf_counter()
        drafted = self.draft(comment, hits)
        timings.draft = time.perf_counter() - t0
        timings.model = drafted.seconds
        guarded = self.check(comment, hits, drafted)
        decisions["guard"] = {"ok": guarded.ok, "reasons": [*guarded.reasons,
                                                            *guarded.unavailable]}
        notes = [h.text for h in hits]
        found = self.found(drafted.text, notes)
        asked = [] if notes or triaged.label in NO_FACT_NEEDED else self.asked(comment.text)
        checks = (*self.positive(comment, triaged.label, notes, found, drafted, asked),
                  *unlike_spam(triaged))
        decisions["checks"] = {c.name: c.to_json() for c in checks}
        # every check is measured and recorded; auto mode needs the ones `[guard] auto_checks`
        # names, and the obedience check always
        required = tuple(c for c in checks if c.name in self.settings.guard.auto_checks
                         or c.name not in AUTO_CHECKS)
        evidence = Evidence(empty=not self.body(drafted.text), guard_reasons=guarded.reasons,
                            unavailable=guarded.unavailable,
                            repeat_of=self.repeated(comment, drafted.text), checks=required)
        decision = decide(verdict, Action(action), rule, mode, evidence, drop)
        if self.judge is not None and decision.status == Status.APPROVED:
            # the judge is asked only about a draft that would otherwise be posted
            shown = [h.text for h in drafted.notes or hits]
            judged = self.judge(comment.text, drafted.text, [*shown, *found])
            decisions["checks"]["judge"] = judged.to_json()
            evidence = replace(evidence, checks=(*required, judged))
            decision = decide(verdict, Action(action), rule, mode, evidence, drop)
        decisions["outcome"] = {"status": decision.status, "reason": decision.reason}
        decisions["decided_by"] = decision.rule
        new = NewDraft(
            decision.status or Status.PENDING, decision.reason, reply_text=drafted.text,
            model=drafted.model, context=context_rows(drafted.notes or hits),
            triage_label=triaged.label, triage_reason=triaged.reason,
            prompt_tokens=drafted.prompt_tokens, completion_tokens=drafted.completion_tokens,
            decisions=decisions,
        )
        return new, timings

    def triage(self, stored: StoredComment) -> Triage:
        """The triage verdict; a follow-up that asks nothing gets no second reply (one that
        needs a person still does)."""
        comment = stored.comment
        verdict = self.triager(comment)
        if verdict.label in FOLLOW_UPS and self.settings.policy.one_reply_per_thread \
                and self.store.replied_in_thread(comment, stored.pk):
            return Triage(Label.ANSWERED, "this viewer already has a reply in this thread and "
                          "is not asking again", "policy")
        return verdict

    def body(self, text: str) -> str:
        """A reply without the signature."""
        return text.replace(self.settings.persona.signature, "").strip()

    @staticmethod
    def _skip(decision: Decision, triaged: Triage, decisions: dict[str, Any]) -> NewDraft:
        status = decision.status or Status.SKIPPED
        decisions["outcome"] = {"status": status, "reason": decision.reason}
        decisions["decided_by"] = decision.rule
        return NewDraft(status, decision.reason, triage_label=triaged.label,
                        triage_reason=triaged.reason, decisions=decisions)

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
        if self.checks is not None:  # the checks' vectors, embedded while the model writes
            self.checks.prepare_in_background()
        persona = self.settings.persona
        shape = shape_of(comment.text, self.settings.llm.max_tokens)
        shots = self.few_shot.choose(comment.text) if self.few_shot else []
        prompt = within_budget(persona, comment, hits, shape, self.canary,
                               [(s.comment, s.reply) for s in shots],
                               self.settings.llm.prompt_budget, self.count_tokens)
        messages = prompt.messages
        started = time.perf_counter()
        completion = self.model.complete(messages, shape.max_tokens)
        seconds = time.perf_counter() - started
        limit = self.max_reply_chars.get(comment.platform, 10_000)
        text = finish(completion.text, persona.signature, limit)
        return Drafted(text, completion.model, completion.prompt_tokens,
                       completion.completion_tokens, messages[0]["content"], seconds,
                       tuple(prompt.notes))

    def repeated(self, comment: Comment, text: str) -> str | None:
        cfg = self.settings.policy
        since = self.clock() - timedelta(days=cfg.repeat_window_days)
        recent = self.store.recent_replies(comment.platform, since)
        return repeats(text, recent, self.settings.persona.signature, cfg.repeat_similarity)

    def guard(self, comment: Comment) -> Guard:
        cfg, persona = self.settings.guard, self.settings.persona
        # naming the person you answer is normal ("@Tom thanks!"); anyone else is not
        author = comment.author.lstrip("@").replace(" ", "")
        mentions = [*cfg.allowed_mentions, *([persona.handle] if persona.handle else []), author]
        return Guard(self.canary, cfg.allowed_domains, mentions, cfg.banned,
                     self.max_reply_chars.get(comment.platform, 10_000), cfg.check_language)

    def check(self, comment: Comment, hits: list[Hit], drafted: Drafted) -> GuardVerdict:
        notes = drafted.notes or hits  # a reply's facts may rest only on the notes it was shown
        verdict = self.guard(comment).check(
            drafted.text, comment.text, [h.text for h in notes], drafted.system_prompt)
        body = self.body(drafted.text)
        if body:
            verdict = verdict + self.triager.reply_verdict(body)
        for kind in verdict.kinds:
            self.guard_blocks[kind] = self.guard_blocks.get(kind, 0) + 1
        if not verdict.ok:
            log.warning("draft held by the guard", reasons=[*verdict.reasons,
                                                             *verdict.unavailable])
        return verdict

    def positive(self, comment: Comment, label: str, notes: list[str], found: list[str],
                 drafted: Drafted, asked: Sequence[str] = ()) -> tuple[Check, ...]:
        """The evidence auto mode needs: the reply carries out nothing the comment asked, and
        is relevant, grounded and in the creator's voice."""
        persona = self.settings.persona
        obeyed = obedience(comment.text, drafted.text,
                           Voice(drafted.system_prompt, [*notes, *found], persona.name))
        committed = commitment(self.body(drafted.text), [*notes, persona.description])
        if self.checks is None:  # each check of the reply auto mode may ask for, unmeasured
            return (obeyed, committed, *(Check(name, False, 0.0, "not measured: no embedder")
                                         for name in AUTO_CHECKS if name != "spam"))
        return (*self.checks(comment.text, drafted.text, label, notes, found, asked), obeyed,
                committed)

    def found(self, reply: str, notes: list[str]) -> list[str]:
        """The creator's passages that hold the reply's words and its numbers and names, beyond
        the notes retrieved for the comment: the gate may have given a question no context
        while the model knows the answer."""
        body = self.body(reply)
        if self.retriever is None or not body:
            return []
        k = self.settings.knowledge.top_k
        try:
            found = self.retriever.passages(body, k=k)
            stated = claims(body)
            if stated:  # its numbers and names alone find them in notes in another language;
                # a quantity is backed only by a line about the same thing, so more may look
                found += self.retriever.passages(" ".join(stated), k=FACT_PASSAGES)
        except Exception:  # only evidence is lost: the checks see the notes alone
            log.exception("could not look up the reply's facts")
            return []
        return [p for p in dict.fromkeys(found) if p not in notes]

    def asked(self, comment: str) -> list[str]:
        """The creator's passages that share the most of the comment's own words, with no gate:
        where an answer may be checked when the gate gave its question no context."""
        if self.retriever is None or not comment.strip():
            return []
        try:
            return self.retriever.passages(comment, k=self.settings.knowledge.top_k)
        except Exception:  # only evidence is lost: the reply is held as having no notes
            log.exception("could not look up the comment's words")
            return []

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


def unlike_spam(triaged: Triage) -> tuple[Check, ...]:
    """The spam classifier's evidence that the comment wants nothing from the audience; a
    failed check when triage did not read it (no evidence is no evidence)."""
    reading = triaged.detail.get("spam")
    if not reading:
        return (Check("spam", False, 0.0, "not measured: triage did not read the comment"),)
    return (Check("spam", bool(reading["unlike"]), float(reading["score"]), str(reading["why"])),)
