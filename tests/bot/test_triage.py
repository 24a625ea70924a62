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
