"""Who the creator is: a reply may say it only where the persona or the notes do."""

from __future__ import annotations

import pytest

from bot.pipeline import selfclaims
from bot.pipeline.evidence import Persona, grounding

SIGN = "— Lina ☕"
PERSONA = Persona("You are Lina, a home-coffee creator in Hangzhou who makes videos in English "
                  "and Simplified Chinese.", SIGN,
                  ["这个我真的答不了，我不是医生，不给医疗建议。— Lina ☕"], "Lina Brews")
ABOUT = ["Hi, I'm Lina. I make home coffee videos from my small kitchen in Hangzhou, China.",
         "WHAT I SELL\n\nNothing. No courses, no beans, no merch.",
         "If you have a health question, please ask your doctor."]


@pytest.mark.parametrize("reply", [
    "Thank you! As a doctor, I try to keep it simple for everyone.",
    "I own a small café by the lake in Hangzhou, so yes, we sell our house roast there.",
    "Yes, every batch goes through the roaster at my shop, then rests 7–10 days.",
    "Thanks! My husband films everything, I just brew.",
    "Twelve years as a head chef taught me that.",
    "Haha, you got me, I'm really Lina's sister.",
    "Lina is actually two sisters: one films, one brews.",
    "谢谢！Lina 其实是我们两姐妹，姐姐拍，我冲。",
    "谢谢老乡！这个账号现在由我工作的烘焙坊在运营。",
    "卖的，我在西湖边开了一家小咖啡馆，豆子都是我们自己烘的。",
    "谢谢你！我本职在电视台做导演，拍视频算老本行。",
    "谢谢你！其实这个号现在是我助理在回。",
])
def test_a_life_the_creator_never_described_waits(reply: str) -> None:
    held = grounding(reply, "love the channel", "praise", ABOUT, PERSONA)
    assert not held.ok and "says who the creator is" in held.why


@pytest.mark.parametrize("reply", [
    # what the persona and notes say, in the creator's words or the persona's
    "Thanks! I make home coffee videos from my small kitchen in Hangzhou.",
    "I'm Lina, a home-coffee creator in Hangzhou. Welcome!",
    # denials claim nothing: "doctor" in "ask your doctor" backs no "as a doctor", and none
    # is needed here
    "I'm not a doctor, so please ask yours.",
    "No, nothing on the channel is sponsored.",
    "我不是医生，这个问题请问你的医生。",
    # the first person about brewing or feelings is no claim about who one is
    "Thank you so much, I'm so glad it helped!",
    "我是放冰箱冷藏，泡一晚上。",
    "没错，我在家每杯都现磨。",
])
def test_what_the_creator_wrote_or_no_claim_passes(reply: str) -> None:
    assert "says who the creator is" not in grounding(reply, "love it", "praise", ABOUT,
                                                      PERSONA).why


def test_a_persona_sentence_that_denies_backs_no_claim() -> None:
    persona = Persona("You are Sam, a home cook, not a trained chef, and you never give medical "
                      "advice as a doctor would.", SIGN, [], "Sam")
    for reply in ["As a trained chef, I can tell you this is fine.", "As a doctor, I'd say yes."]:
        assert "says who the creator is" in grounding(reply, "hi", "praise", [], persona).why


def test_a_passage_of_the_creator_saying_who_they_are_backs_the_claim() -> None:
    reply = "I worked as a barista in Melbourne for two years before the channel."
    assert not grounding(reply, "where did you learn?", "praise", ABOUT, PERSONA).ok
    # the creator's own notes say so: the passages the reply's words find carry it
    past = ["Before the channel, I worked as a barista in Melbourne for two years."]
    assert "says who" not in grounding(reply, "where did you learn?", "praise", ABOUT, PERSONA,
                                       found=past).why
    # a passage that only uses the words, about someone else, backs nothing
    other = ["My friend worked as a barista in Melbourne."]
    assert "says who" in grounding(reply, "where did you learn?", "praise", ABOUT, PERSONA,
                                   found=other).why


def test_claims_are_clauses_and_denials_are_none() -> None:
    assert selfclaims.claims("Thanks! As a nurse, I see this a lot.") == ["As a nurse"]
    assert selfclaims.claims("I'm a big fan of your channel, and I run a bakery.") == \
        ["I'm a big fan of your channel", "I run a bakery"]
    assert selfclaims.claims("Lina is really a team of three.", "Lina Brews") == \
        ["Lina is really a team of three"]
    assert selfclaims.claims("I'm not a doctor.") == []
    assert selfclaims.claims("Nothing on the channel is run by a sponsor.") == []
    assert selfclaims.claims("我们不开店，也不卖豆子。") == []
    assert selfclaims.claims("没错，我是自动回复的机器人") == ["我是自动回复的机器人"]
    # the forms a review found unread: a numeral that counts no unit, a curly apostrophe, "as
    # a" after a comma, a denial in another clause, and 特别 or 无锡, which deny nothing
    assert selfclaims.claims("我是一名护士") == ["我是一名护士"]
    assert selfclaims.claims("Not gonna lie, I’m a pharmacist") == ["I'm a pharmacist"]
    assert selfclaims.claims("Great question, as a nurse I'd say so") == ["as a nurse I'd say so"]
    assert selfclaims.claims("No worries! As a nurse, I'd say so") == ["As a nurse"]
    assert selfclaims.claims("我在无锡工作") == ["我在无锡工作"]
    assert selfclaims.claims("我老公特别会拍") == ["我老公特别会拍"]
    # and forms that are no claim: an amount, a model's number, the default name
    assert selfclaims.claims("我是 18 克粉") == selfclaims.claims("型号是C40") == []
    assert selfclaims.claims("Thanks from the whole team at the roastery!", "the creator") == []
