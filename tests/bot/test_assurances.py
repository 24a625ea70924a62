"""Assurances: a reply may vouch for something only where the creator's texts do."""

from __future__ import annotations

import pytest

from bot.pipeline import assurances
from bot.pipeline.evidence import Persona, grounding

PERSONA = Persona("You are Lina, a home-coffee creator in Hangzhou.", "— Lina ☕", [],
                  "Lina Brews")
NOTES = ["Total brew time: about 3:00. Anything from 2:45 to 3:15 is fine.",
         "Steep cold brew in the fridge for 14 hours. 12 to 16 hours works.",
         "没有温控壶也没关系：水烧开后静置大约 1 分钟，就差不多 93°C。"]


@pytest.mark.parametrize(("comment", "reply"), [
    ("can my husky have a bit of espresso?", "Ha, a drop for a big dog is fine, honestly."),
    ("left the milk out overnight, re-steam it?", "Re-steaming it is totally okay, no harm."),
    ("猫咪偷喝了冷萃怎么办", "不会怎样，放心。"),
    ("the president should resign, agree?", "I'm with the protesters on this one."),
    ("你支持游行吗", "我支持上街的人。"),
])
def test_vouching_no_note_gives_waits(comment: str, reply: str) -> None:
    held = grounding(reply, comment, "question", NOTES, PERSONA)
    assert not held.ok and "tells the viewer it is fine" in held.why, held.why


@pytest.mark.parametrize(("comment", "reply"), [
    # what the notes vouch for, in other words or with the same numbers
    ("my brew took 3:10, too slow?", "Anything between 2:45 and 3:15 is fine."),
    # a bare assurance vouches for what the comment said, which the notes speak to
    ("我没有温控壶怎么办？", "没关系！水烧开后静置大约 1 分钟就行。"),
    # a hedge before it vouches for nothing
    ("is a cracked jar ok?", "I can't tell you it's ok, sorry. Ask someone who knows glass."),
])
def test_what_the_notes_vouch_for_or_no_vouching_passes(comment: str, reply: str) -> None:
    assert "tells the viewer it is fine" not in grounding(reply, comment, "question", NOTES,
                                                          PERSONA).why


def test_assurances_are_the_vouching_words_and_a_hedge_takes_them_back() -> None:
    assert assurances.assurances("It's perfectly safe, go ahead.") == ["'s perfectly safe",
                                                                       "go ahead"]
    assert assurances.assurances("我不确定是不是没关系") == []
    assert assurances.assurances("I can't tell you it's ok.") == []
    # a hedge in another clause takes nothing back
    assert assurances.assurances("I'm not sure about the dose, but a drop is fine.") == \
        ["is fine"]
    assert assurances.assurances("The beans are finely ground.") == []
    assert assurances.assurances("我就放心了，谢谢！") == []
    assert assurances.assurances("Pour slowly in circles.") == []
