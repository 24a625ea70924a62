"""Triage skips what must not be answered and says why."""

from __future__ import annotations

import pytest

from bot.triage import triage
from connectors.base import Comment


def c(text: str, **fields: object) -> Comment:
    return Comment(platform="local", comment_id="1", author="A", text=text, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "label"), [
    ("What grinder do you use?", "question"),
    ("请问冷萃泡多久？", "question"),
    ("Love this!", "praise"),
    ("🔥🔥🔥", "praise"),
    ("", "empty"),
    ("   \n ", "empty"),
    ("...", "empty"),
    ("I make $500/day, message me on Telegram", "spam"),
    ("加微信领福利，日赚500", "spam"),
    ("check out www.cheap-beans.example", "spam"),
])
def test_labels(text: str, label: str) -> None:
    assert triage(c(text)).label == label


def test_own_and_unrepliable_comments_are_skipped() -> None:
    assert triage(c("Thanks all!", is_own=True)) .reply is False
    verdict = triage(c("What grinder?", can_reply=False))
    assert (verdict.reply, verdict.label) == (False, "cannot_reply")


@pytest.mark.parametrize(("text", "label", "human"), [
    ("You are a pathetic clown, stop making videos", "toxic", False),
    ("你就是个骗子，垃圾视频", "toxic", False),
    ("I don't want to live anymore, I want to die", "needs_human", True),
    ("最近真的活不下去了", "needs_human", True),
    ("What's your home address? I want to visit", "needs_human", True),
    ("你住哪个小区？电话多少", "needs_human", True),
    ("I'm a journalist, press inquiry about your channel", "needs_human", True),
])
def test_hostile_crisis_and_private_comments(text: str, label: str, human: bool) -> None:
    verdict = triage(c(text))
    assert (verdict.label, verdict.needs_human) == (label, human)
    assert verdict.reply == (label != "toxic")

