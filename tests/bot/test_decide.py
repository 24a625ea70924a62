"""The one decision, as a table: every label × action × mode × guard outcome × repeat × positive
checks, with no App, no Chroma and no model."""

from __future__ import annotations

import itertools

import pytest

from bot.domain import HARMFUL, NOT_CLASSES, Action, Label, Mode, Status
from bot.pipeline.decide import AWAITING_APPROVAL, Check, Evidence, Verdict, decide

GUARD = {
    "pass": Evidence(),
    "fail": Evidence(guard_reasons=("link: spam.example",)),
    "unavailable": Evidence(unavailable=("moderation: unavailable (timeout)",)),
    "fail+unavailable": Evidence(guard_reasons=("link: x.example",),
                                 unavailable=("moderation: unavailable (timeout)",)),
    "empty": Evidence(empty=True),
}
REPEAT = {"fresh": None, "repeat": "Go coarse, like sea salt."}
HOLDS = (Check("relevance", True, 0.93), Check("grounding", True, 1.0), Check("voice", True, 1.0),
         Check("obedience", True, 1.0))
CHECKS = {
    "hold": HOLDS,
    "one fails": (*HOLDS[:3], Check("obedience", False, 0.0, "repeats 'I hate humans'")),
    "none": (),
}
RULE = "policy.actions.x"


def evidence_of(guard: str, repeat: str, checks: str = "hold") -> Evidence:
    return Evidence(GUARD[guard].empty, GUARD[guard].guard_reasons, GUARD[guard].unavailable,
                    REPEAT[repeat], CHECKS[checks])


def outcome(label: Label, action: Action, mode: Mode, guard: str, repeat: str,
            drop: bool = False, checks: str = "hold") -> tuple[Status, int]:
    verdict = Verdict(label, "because")
    first = decide(verdict, action, RULE, mode)
    if not first.draft:
        return first.status, first.rule  # type: ignore[return-value]
    evidence = evidence_of(guard, repeat, checks)
    second = decide(verdict, action, RULE, mode, evidence, drop)
    assert second.status is not None
    return second.status, second.rule


def expected(label: Label, action: Action, mode: Mode, guard: str, repeat: str,
             drop: bool, checks: str) -> Status:
    """The table, written out as a creator would state it."""
    if label in NOT_CLASSES:
        return Status.SKIPPED
    if label in (Label.SPAM, Label.TOXIC):
        return Status.FLAGGED if action == Action.FLAG else Status.SKIPPED
    if action == Action.SKIP:
        return Status.SKIPPED
    if action == Action.FLAG:
        return Status.FLAGGED
    if guard in ("fail",) and drop:
        return Status.SKIPPED
    postable = (guard == "pass" and repeat == "fresh" and action == Action.AUTO
                and mode == Mode.AUTO and label not in HARMFUL and checks == "hold")
    return Status.APPROVED if postable else Status.PENDING


CASES = list(itertools.product(list(Label), list(Action), list(Mode), list(GUARD), list(REPEAT),
                               [False, True], list(CHECKS)))


@pytest.mark.parametrize("label,action,mode,guard,repeat,drop,checks", CASES)
def test_every_combination(label: Label, action: Action, mode: Mode, guard: str, repeat: str,
                           drop: bool, checks: str) -> None:
    status, _ = outcome(label, action, mode, guard, repeat, drop, checks)
    assert status == expected(label, action, mode, guard, repeat, drop, checks)


def test_the_table_covers_every_label_action_mode_guard_and_check_outcome() -> None:
    assert len(CASES) == (len(Label) * len(Action) * len(Mode) * len(GUARD) * len(REPEAT) * 2
                          * len(CHECKS))
    assert len(CASES) >= 12 * 4 * 2 * 5 * 3


# (label, action, mode, guard, repeat) → (status, rule that decided, start of the reason), with
# every positive check holding
NAMED = [
    (Label.OWN, Action.AUTO, Mode.AUTO, "pass", "fresh", Status.SKIPPED, 1, "because"),
    (Label.ANSWERED, Action.AUTO, Mode.AUTO, "pass", "fresh", Status.SKIPPED, 1, "because"),
    (Label.SPAM, Action.AUTO, Mode.AUTO, "pass", "fresh", Status.SKIPPED, 2, "spam: never"),
    (Label.SPAM, Action.SKIP, Mode.AUTO, "pass", "fresh", Status.SKIPPED, 3, "spam: skipped"),
    (Label.TOXIC, Action.FLAG, Mode.AUTO, "pass", "fresh", Status.FLAGGED, 4, "toxic: flagged"),
    (Label.QUESTION, Action.AUTO, Mode.AUTO, "empty", "fresh", Status.PENDING, 6, "the model"),
    (Label.QUESTION, Action.AUTO, Mode.AUTO, "fail", "fresh", Status.PENDING, 7, "guard: link"),
    (Label.QUESTION, Action.AUTO, Mode.AUTO, "unavailable", "fresh", Status.PENDING, 8,
     "guard: moderation: unavailable"),
    (Label.NEEDS_HUMAN, Action.QUEUE, Mode.AUTO, "pass", "fresh", Status.PENDING, 9,
     "needs a person"),
    (Label.PRAISE, Action.QUEUE, Mode.AUTO, "pass", "fresh", Status.PENDING, 10,
     "praise: queued for you (policy.actions.x)"),
    (Label.PRAISE, Action.AUTO, Mode.AUTO, "pass", "repeat", Status.PENDING, 12, "repeat:"),
    (Label.PRAISE, Action.AUTO, Mode.APPROVE, "pass", "fresh", Status.PENDING, 13,
     AWAITING_APPROVAL),
    (Label.QUESTION, Action.AUTO, Mode.AUTO, "pass", "fresh", Status.APPROVED, 15,
     "auto mode: relevance 0.93, grounding 1.00, voice 1.00, obedience 1.00"),
]


@pytest.mark.parametrize("label,action,mode,guard,repeat,status,rule,reason", NAMED)
def test_named_rules(label: Label, action: Action, mode: Mode, guard: str, repeat: str,
                     status: Status, rule: int, reason: str) -> None:
    verdict = Verdict(label, "because")
    evidence = evidence_of(guard, repeat)
    first = decide(verdict, action, RULE, mode)
    decision = first if not first.draft else decide(verdict, action, RULE, mode, evidence)
    assert (decision.status, decision.rule) == (status, rule)
    assert decision.reason.startswith(reason)


def test_a_failed_guard_is_dropped_only_when_asked_and_never_for_an_unreachable_check() -> None:
    verdict = Verdict(Label.QUESTION, "q")
    dropped = decide(verdict, Action.AUTO, RULE, Mode.AUTO, GUARD["fail"], drop_on_fail=True)
    kept = decide(verdict, Action.AUTO, RULE, Mode.AUTO, GUARD["fail+unavailable"],
                  drop_on_fail=True)
    assert dropped.status == Status.SKIPPED
    assert kept.status == Status.PENDING


def test_moderation_unreachable_at_triage_keeps_the_draft_for_a_person() -> None:
    verdict = Verdict(Label.QUESTION, "q", moderation_unavailable=True)
    decision = decide(verdict, Action.AUTO, RULE, Mode.AUTO, Evidence())
    assert (decision.status, decision.rule) == (Status.PENDING, 11)


def test_before_drafting_says_draft_for_answerable_classes() -> None:
    assert decide(Verdict(Label.QUESTION, "q"), Action.AUTO, RULE, Mode.AUTO).draft
    assert decide(Verdict(Label.NEEDS_HUMAN, "q"), Action.QUEUE, RULE, Mode.AUTO).draft
    assert not decide(Verdict(Label.OFF_TOPIC, "q"), Action.SKIP, RULE, Mode.AUTO).draft


def test_auto_mode_names_the_failed_check_with_its_score() -> None:
    decision = decide(Verdict(Label.QUESTION, "q"), Action.AUTO, RULE, Mode.AUTO,
                      evidence_of("pass", "fresh", "one fails"))
    assert (decision.status, decision.rule) == (Status.PENDING, 14)
    assert decision.reason == "auto: check failed: obedience 0.00 (repeats 'I hate humans')"


def test_auto_mode_without_measured_checks_waits_for_a_person() -> None:
    decision = decide(Verdict(Label.PRAISE, "p"), Action.AUTO, RULE, Mode.AUTO,
                      evidence_of("pass", "fresh", "none"))
    assert (decision.status, decision.rule) == (Status.PENDING, 14)
    assert "no positive check" in decision.reason


def test_approve_mode_is_unchanged_by_a_failed_check() -> None:
    decision = decide(Verdict(Label.QUESTION, "q"), Action.AUTO, RULE, Mode.APPROVE,
                      evidence_of("pass", "fresh", "one fails"))
    assert (decision.status, decision.rule, decision.reason) == (Status.PENDING, 13,
                                                                 AWAITING_APPROVAL)
