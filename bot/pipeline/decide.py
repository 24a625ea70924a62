"""Where a comment's draft goes: the one decision, with every rule in order.

`decide` is a pure function of what the stages found: the triage verdict, the policy's action
for the class (and the setting it came from), the mode, and, once a reply is drafted, the
evidence about that reply (the guard's verdict, the repeat check). Called before drafting it
says whether to draft at all; called again with the evidence it says where the draft goes.

The rules, first match wins:

    before drafting
     1. not a class (own comment, empty, closed, already answered)   → skipped
     2. spam and toxic are never answered, whatever the action      → skipped or flagged
     3. action skip                                                  → skipped
     4. action flag                                                  → flagged
     5. otherwise                                                    → draft it
    after drafting
     6. the model wrote nothing                                      → pending
     7. a guard check failed          → skipped with `[guard] on_fail = "drop"`, else pending
     8. a check could not be made (moderation unreachable)           → pending
     9. needs a person                                               → pending
    10. action queue                                                 → pending
    11. triage could not ask moderation                              → pending
    12. nearly repeats a recent reply                                → pending
    13. approve mode                                                 → pending
    14. auto mode, and a positive check failed or none was measured  → pending, the check named
    15. auto mode, and every positive check holds                    → approved (posted)

The positive checks (`Evidence.checks`: relevance, grounding, voice, respect, obedience,
commitment) are evidence that a reply is safe and right; auto mode posts only with all of them
measured and holding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain import HARMFUL, NOT_CLASSES, Action, Label, Mode, Status

AWAITING_APPROVAL = "awaiting approval"


@dataclass(frozen=True)
class Check:
    """One positive check on a draft: its name, whether it holds, its score and why."""

    name: str
    ok: bool
    score: float
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "score": round(self.score, 3), "why": self.why}


@dataclass(frozen=True)
class Evidence:
    """What is known about a drafted reply."""

    #: the reply with the signature taken off is empty
    empty: bool = False
    #: reasons the guard holds the draft ("link: …", "leak: …")
    guard_reasons: tuple[str, ...] = ()
    #: checks that could not be made (an unreachable moderation endpoint): no verdict either way
    unavailable: tuple[str, ...] = ()
    #: the recent reply this one nearly repeats, if any
    repeat_of: str | None = None
    #: the positive checks auto mode needs, each with its score
    checks: tuple[Check, ...] = ()

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass(frozen=True)
class Verdict:
    """What triage found, as far as the decision needs it."""

    label: Label
    reason: str
    #: triage could not ask the moderation endpoint
    moderation_unavailable: bool = False


@dataclass(frozen=True)
class Decision:
    """Where the draft goes and why; `draft` means: write a reply, then decide again."""

    status: Status | None
    reason: str
    #: the number of the rule that decided (see the module docstring), for tests and the audit
    rule: int
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def draft(self) -> bool:
        return self.status is None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "rule": self.rule, **self.detail}


def decide(verdict: Verdict, action: Action, rule: str, mode: Mode,
           evidence: Evidence | None = None, drop_on_fail: bool = False) -> Decision:
    """The decision for one comment (see the module docstring for the rules in order)."""
    before = _before_drafting(verdict, action, rule)
    if before is not None or evidence is None:
        return before or Decision(None, "draft", 5)
    return _after_drafting(verdict, action, rule, mode, evidence, drop_on_fail)


def _before_drafting(verdict: Verdict, action: Action, rule: str) -> Decision | None:
    label = verdict.label
    if label in NOT_CLASSES:
        return Decision(Status.SKIPPED, verdict.reason, 1)
    if label in HARMFUL and label != Label.NEEDS_HUMAN and action not in (Action.SKIP,
                                                                          Action.FLAG):
        return Decision(Status.SKIPPED, f"{label}: never answered; {verdict.reason}", 2)
    if action == Action.SKIP:
        return Decision(Status.SKIPPED, f"{label}: skipped ({rule}); {verdict.reason}", 3)
    if action == Action.FLAG:
        return Decision(Status.FLAGGED, f"{label}: flagged for you ({rule}); {verdict.reason}", 4)
    return None


def _after_drafting(verdict: Verdict, action: Action, rule: str, mode: Mode,
                    evidence: Evidence, drop_on_fail: bool) -> Decision:
    if evidence.empty:
        return Decision(Status.PENDING, "the model returned an empty reply: write one with "
                        "`queue approve ID --text`", 6)
    if evidence.guard_reasons:
        held = "guard: " + _joined(evidence.guard_reasons, evidence.unavailable)
        # an unreachable check is no verdict on the draft: a person decides, it is never dropped
        dropped = drop_on_fail and not evidence.unavailable
        return Decision(Status.SKIPPED if dropped else Status.PENDING, held, 7)
    if evidence.unavailable:
        return Decision(Status.PENDING, "guard: " + _joined((), evidence.unavailable), 8)
    if verdict.label == Label.NEEDS_HUMAN:
        return Decision(Status.PENDING, f"needs a person: {verdict.reason}", 9)
    if action == Action.QUEUE:
        return Decision(Status.PENDING, f"{verdict.label}: queued for you ({rule})", 10)
    if verdict.moderation_unavailable:
        return Decision(Status.PENDING, "moderation unavailable: a person checks this one", 11)
    if evidence.repeat_of is not None:
        return Decision(Status.PENDING, "repeat: nearly the same as a recent reply "
                        f"({evidence.repeat_of[:60]!r}); vary it or approve anyway", 12)
    if mode != Mode.AUTO:
        return Decision(Status.PENDING, AWAITING_APPROVAL, 13)
    if not evidence.checks:
        return Decision(Status.PENDING, "auto: no positive check was measured; a person decides",
                        14)
    if evidence.failed:
        named = "; ".join(f"{c.name} {c.score:.2f} ({c.why})" for c in evidence.failed)
        return Decision(Status.PENDING, f"auto: check failed: {named}", 14)
    return Decision(Status.APPROVED, "auto mode: " + ", ".join(
        f"{c.name} {c.score:.2f}" for c in evidence.checks), 15)


def _joined(reasons: Sequence[str], unavailable: Sequence[str]) -> str:
    return "; ".join([*reasons, *unavailable])
