"""Quantities a text states, with their units, and the grounding rules built on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.pipeline.evidence import Persona, grounding
from bot.pipeline.quantities import Quantity, backed, lines, of, stated, statements

PERSONA = Persona("You are Lina, a home-coffee creator in Hangzhou.", "— Lina ☕")
COLD_BREW = ("## Cold brew\n- 60 g coffee to 600 g cold water, ratio 1:10.\n"
             "- Steep in the fridge for 14 hours. 12 to 16 hours works.\n"
             "- Keeps for 5 days in the fridge.")
POUR_OVER = ("## V60\n- Water at 93°C. 94–95°C for light roasts, 88–90°C for dark roasts.\n"
             "- Bloom with 30 g of water for 40 seconds. Target 3:00.")
MILK = "## 打奶\n- 先进气 3–5 秒，加热到 55–60°C。"


def written(text: str) -> list[tuple[float, str]]:
    return [(q.value, q.unit) for q, _, _ in stated(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Keeps for 5 days in the fridge.", [(5, "day")]),
    ("cold brew keeps a month", [(1, "month")]),
    ("94–95°C for light roasts", [(94, "°C"), (95, "°C")]),
    ("12 to 16 hours works", [(43200, "s"), (57600, "s")]),  # hours in seconds
    ("about two minutes for 60g", [(120, "s"), (60, "g")]),
    ("a two-week break", [(14, "day")]),
    ("冷萃放一个月没问题", [(1, "month")]),
    ("十四个小时", [(50400, "s")]),
    ("出液 36 克，萃取 27–32 秒", [(36, "g"), (27, "s"), (32, "s")]),
    ("转 20 块到支付宝", [(20, "yuan")]),
    ("$20 off today", [(20, "$")]),
    ("5 cups a day", [(5, "cup")]),
    ("先进气十五秒", [(15, "s")]),
    ("二十四格", [(24, "click")]),
    ("一百克", [(100, "g")]),
    ("休息两周", [(14, "day")]),
    ("养了三年", [(3, "year")]),
    ("一千克", [(1000, "g")]),
    ("twenty-four clicks", [(24, "click")]),
    ("twenty four clicks", [(24, "click")]),
    ("half an hour", [(1800, "s")]),
    ("1,000,000 g", [(1_000_000, "g")]),
    ("keeps a month", [(1, "month")]),
    ("A month is fine, right?", [(1, "month")]),
    ("冷萃放一个月", [(1, "month")]),
    ("a ratio of 1:15", [(15, "ratio")]),
    ("粉液比 1:2.2", [(2.2, "ratio")]),
    ("2021 年 3 月开的频道", [(2021, "AD")]),  # the year; the month is no amount
    ("March 2021: I started the channel.", [(2021, "AD")]),
    ("I've used it since 2022, every day", [(2022, "AD")]),
    ("a 12-page PDF", [(12, "page")]),
    ("一共 12 页", [(12, "page")]),
])
def test_a_number_with_its_unit_in_english_or_chinese(text: str,
                                                      expected: list[tuple[float, str]]) -> None:
    assert written(text) == expected


@pytest.mark.parametrize("text", [
    "3 月开的频道", "the Comandante C40 MK4", "code LINA50", "2021-22 season", "1999 to 2001",
    "20:21", "2,021 views", "v2021", "2021.5",
    "grab a cup first", "twice a day", "As a sarcastic robot", "wait a second",
    "24", "x100v", "twice a week", "I descale once a month", "One video a week, every Friday",
    "a few days", "请你喝一杯", "a 5G network", "4 G signal"])
def test_dates_names_and_manners_of_speech_are_no_quantity(text: str) -> None:
    assert written(text) == []


def test_the_same_amount_in_another_unit_is_the_same_quantity() -> None:
    assert Quantity.of(2, "min") == Quantity.of(120, "s")
    assert Quantity.of(2, "week") == Quantity.of(14, "day")
    assert Quantity.of(2, "min") != Quantity.of(2, "h")
    assert of("two weeks") == of("14 days")
    # a timer's time backs a duration: "target 3:00" is "about 3 minutes"
    assert Quantity.of(3, "min") in backed(POUR_OVER)
    assert Quantity.of(3, "min") not in of(POUR_OVER)


def test_each_line_comes_with_its_heading_and_neighbours() -> None:
    found = dict(lines([COLD_BREW]))
    context = found["- Keeps for 5 days in the fridge."]
    assert context.startswith("## Cold brew") and "14 hours" in context
    assert "## Cold brew" not in found  # a line that states nothing is no line of evidence


def test_an_answer_may_not_state_a_quantity_no_text_of_the_creators_states() -> None:
    # "5" is in the notes, and "weeks" is a word of English: the fact is "5 weeks"
    held = grounding("Cold brew keeps 5 weeks in the fridge.", "How long does cold brew keep?",
                     "question", [COLD_BREW], PERSONA)
    assert not held.ok and "states 5 weeks" in held.why
    assert grounding("Cold brew keeps 5 days in the fridge.", "How long does cold brew keep?",
                     "question", [COLD_BREW], PERSONA).ok


def test_a_quantity_the_comment_proposed_needs_a_line_about_the_same_thing() -> None:
    # 95°C is in the notes, for light roasts: confirming it for milk is a false fact
    held = grounding("Yes, 95°C is right for the milk.", "Is 95°C right for steaming milk?",
                     "question", [POUR_OVER, MILK], PERSONA)
    assert not held.ok and "the comment's" in held.why
    assert grounding("Yes, 95°C for light roasts.", "Is 95°C right for light roasts?",
                     "question", [POUR_OVER], PERSONA).ok
    # a correction sets the viewer's number against the creator's own
    assert grounding("95°C is too hot for milk: stop at 55–60°C.", "Is 95°C right for milk?",
                     "question", [POUR_OVER, MILK], PERSONA).ok
    # thanks may echo the viewer's own numbers
    assert grounding("Thank you! 95°C sounds like a cosy setup.", "I brew at 95°C, love it!",
                     "praise", [POUR_OVER], PERSONA).ok


def test_a_quantity_from_another_language_is_backed_by_a_line_with_another_of_its_quantities(
        ) -> None:
    # the notes retrieved hold none of it; a passage the reply's numbers found does, in
    # Chinese, with both ends of the range
    reply = "Keep the air phase to 3–5 seconds, then heat to 55–60°C."
    assert grounding(reply, "my foam is too thick, how long do I add air?", "question",
                     [POUR_OVER], PERSONA, found=[MILK]).ok
    # one quantity the comment proposed, stated by the notes about another thing
    lone = grounding("Yes, 5 seconds.", "is 5 seconds of air enough for the foam?", "question",
                     ["## Espresso\n- Rest the shot 5 seconds before tasting it."], PERSONA)
    assert not lone.ok and "something else" in lone.why


def test_agreeing_to_what_no_note_says_is_held() -> None:
    milk = "## Milk\n- Steam cold whole milk to 55–60°C. Stretch it for 3–5 seconds."
    held = grounding("Yes, milk left out overnight steams fine, heat to 55–60°C.",
                     "Can I leave milk out overnight and steam it?", "question", [milk],
                     PERSONA)
    assert not held.ok and "overnight" in held.why
    # an answer that agrees with words the notes have is an answer
    assert grounding("Yes, for dark roasts go cooler: 88–90°C.",
                     "Should dark roasts go cooler?", "question",
                     [POUR_OVER, "Bitter: go cooler."], PERSONA).ok


@pytest.mark.parametrize(("reply", "notes", "verb"), [
    ("Yes, I roast all my own beans at home now.", "I don't roast coffee. I buy beans.",
     "roast"),
    ("I never rinse the filter.", "I always rinse the paper filter first.", "rinse"),
    ("我现在自己烘豆。", "我不烘豆，我买小烘焙坊的豆子。", "烘豆"),
])
def test_saying_the_creator_does_what_their_texts_say_they_do_not_is_held(
        reply: str, notes: str, verb: str) -> None:
    held = grounding(reply, "Do you?", "question", [notes], PERSONA)
    assert not held.ok and verb in held.why and "opposite" in held.why


def test_what_the_texts_say_both_ways_or_not_at_all_is_no_contradiction() -> None:
    notes = "I use a scale for pour-over. I don't use a scale for cold brew. I buy beans."
    assert grounding("I use a scale for pour-over, and I buy my beans.", "scale?", "question",
                     [notes], PERSONA).ok
    # "recommend" is an opinion, not a deed the notes deny: "I don't recommend shops" and
    # "I recommend the C3" are both hers
    assert grounding("I recommend the grinder for beginners.", "which grinder?", "question",
                     ["I don't recommend shops. The grinder for beginners is the C3."],
                     PERSONA).ok


def test_notes_in_the_other_language_back_a_quantity_through_the_dictionary() -> None:
    from bot.pipeline.evidence import english_glosses
    from knowledge.crosslingual import Lexicon

    lexicon = Lexicon(senses={"太慢": ["too slow"], "苦": ["bitter"], "磨粗": ["coarse grind"],
                              "牛奶": ["milk"], "加热": ["heat"]})
    opened = []
    glosses = english_glosses(lambda: opened.append(1) or lexicon)
    found = ["3. 太慢（超过 35 秒）：喝起来偏苦 → 磨粗一点。"]
    notes = ["## Espresso\n- When a shot runs slow, grind coarser."]
    reply = "Over 35 seconds, grind coarser."
    alone = grounding(reply, "espresso at 40 sec, super bitter?", "question", notes, PERSONA,
                      found=found)
    assert not alone.ok and "something else" in alone.why  # a line about something, in Chinese
    assert grounding(reply, "espresso at 40 sec, super bitter?", "question", notes, PERSONA,
                     found=found, glosses=glosses).ok
    asked = len(opened)
    assert glosses("no Chinese here") == frozenset()
    assert len(opened) == asked  # English text never opens the dictionary


def test_long_runs_of_spaces_or_numbers_read_in_linear_time() -> None:
    # a regular expression that backtracks would take hours on these, not milliseconds
    for text in [" " * 200_000, "1" + " " * 200_000 + "x", "5" + "\n" * 100_000 + "g",
                 "a " * 100_000, "1 " * 100_000]:
        stated(text)


def test_a_quantity_the_notes_state_about_another_thing_is_not_backed() -> None:
    # 95°C is in the notes, for light roasts: milk heated to it is a false fact, asked or not
    held = grounding("Heat the milk to 95°C.", "How hot should the milk be?", "question",
                     [POUR_OVER, "## Milk\n- Steam to 55–60°C."], PERSONA)
    assert not held.ok and "95°C" in held.why and "something else" in held.why
    assert grounding("Heat the milk to 55–60°C.", "How hot should the milk be?", "question",
                     [POUR_OVER, "## Milk\n- Steam to 55–60°C."], PERSONA).ok


def test_a_heading_is_no_statement_and_naming_the_denied_thing_sets_it_apart() -> None:
    notes = ["## WHAT I SELL\nNothing. I don't give medical advice. I don't accept paid "
             "reviews. 我自己**不烘豆**。"]
    assert grounding("I give brewing tips here, never medical advice.", "tips?", "question",
                     notes, PERSONA).ok
    held = grounding("I accept paid reviews now.", "do you review for money?", "question",
                     notes, PERSONA)
    assert not held.ok and "accept" in held.why
    roasts = grounding("卖的，我自己烘豆，私信我。", "你卖豆子吗？", "question", notes, PERSONA)
    assert not roasts.ok and "烘豆" in roasts.why  # through the Markdown emphasis


def test_a_ratio_is_backed_by_a_line_about_the_same_drink() -> None:
    notes = [COLD_BREW, "## V60\n- 15 g coffee, 225 g water, ratio 1:15."]
    held = grounding("Yes, cold brew is 1:15.", "Is cold brew 1:15?", "question", notes,
                     PERSONA)
    assert not held.ok and "1:15" in held.why
    assert grounding("Cold brew is 1:10.", "Is cold brew 1:15?", "question", notes,
                     PERSONA).ok


RECIPE = ("# My V60 recipe\n## The numbers\n| What | Value |\n|---|---|\n"
          "| Water temperature | **93°C** (light roasts 94–95°C, dark roasts 88–90°C) |\n"
          "| Grind | Comandante **24 clicks** (Timemore C3: about 16 clicks) |\n"
          "| Bloom | **30 g** water, wait **40 seconds** |\n"
          "## Troubleshooting\n- Sour: grind 2 clicks finer or go 1–2°C hotter.\n"
          "- Bitter: lower the temperature to 90–91°C, especially for darker roasts.\n")


def test_each_statement_comes_with_its_clause_its_line_and_its_headings() -> None:
    found = {(s.quantity.written, s.part.strip()): s for s in statements([RECIPE])}
    dark = found["88–90°C", "dark roasts 88–90°C"]
    # the table's label states no temperature: it says what every one of the row is of
    assert "Water temperature" in dark.line and "light roasts" not in dark.line
    assert dark.headings == "# My V60 recipe ## The numbers"
    assert found["16 clicks", "Timemore C3: about 16 clicks"].line.count("clicks") == 1
    assert ("30 g", "**30 g** water") in found and ("40 seconds", "wait **40 seconds**") in found
    sour = found["1–2°C", "- Sour: grind 2 clicks finer or go 1–2°C hotter"]
    assert sour.headings == "# My V60 recipe ## Troubleshooting"


@pytest.mark.parametrize(("reply", "rival"), [
    ("For dark roasts I go hotter, 94–95°C.", "88–90°C for dark roast"),
    ("About 24 clicks on a Timemore C3.", "16 clicks for c3 timemore"),
    ("Bloom with 60 g of water.", "30 g for bloom"),
    # a range made of two statements' ends is read end by end: 95°C is no dark roast's
    ("For dark roasts, 88–95°C.", "88–90°C for dark roast"),
])
def test_an_amount_the_notes_give_to_another_thing_is_held(reply: str, rival: str) -> None:
    held = grounding(reply, "What do you use?", "question", [RECIPE, POUR_OVER, COLD_BREW],
                     PERSONA)
    assert not held.ok and f"the creator gives {rival}" in held.why


@pytest.mark.parametrize("reply", [
    "For dark roasts I go cooler, 88–90°C.",
    # "heat water" is the clause of 93°C, but the sentence is 88–90°C's
    "For dark roasts, heat the water to 88–90°C.",
    # a phrase ends at "and": "dark roasts" is not what 94–95°C is said of
    "I use 94–95°C for light roasts and go cooler for dark roasts.",
    # "darker roasts" are dark roasts: the notes say 90–91°C of them too
    "If a dark roast tastes bitter, go down to 90–91°C.",
    "About 16 clicks on a Timemore C3, 24 on the Comandante.",
    # a change is no amount of the same size: 1–2°C hotter is no rival of 94–95°C
    "Sour? Grind 2 clicks finer, or go 1–2°C hotter.",
    # 60 g is the cold brew's coffee: its clause holds water too, but so does the bloom's
    "Cold brew: 60 g coffee to 600 g cold water, 14 hours in the fridge.",
])
def test_an_amount_said_of_what_the_notes_say_it_of_passes(reply: str) -> None:
    assert grounding(reply, "What do you use?", "question", [RECIPE, POUR_OVER, COLD_BREW],
                     PERSONA).ok


#: the demo channel's notes: its grinder settings are stated in six places, in two languages
DEMO_NOTES = [path.read_text(encoding="utf-8") for path in
              sorted((Path(__file__).parents[2] / "deploy" / "demo" / "knowledge").iterdir())]


@pytest.mark.parametrize(("reply", "given", "stated"), [
    # the words fit both amounts ("Comandante", "clicks"): the models the reply names decide
    ("32 clicks on my Comandante C40 MK4 for V60.", "24", "32 clicks"),
    ("About 24 clicks on a Timemore C3 for V60.", "16", "24 clicks"),
    ("手冲 V60 我用 32 格，偏粗一点冲得更干净。", "24", "32 格"),
    ("泰摩栗子 C3 手冲大约 24 格，和 Comandante 一样。", "16", "24 格"),
    ("C3 做冷萃 32 格就行。", "16", "32 格"),
])
def test_an_amount_put_on_a_model_the_notes_give_another_amount_is_held(
        reply: str, given: str, stated: str) -> None:
    held = grounding(reply, "What setting?", "question", DEMO_NOTES, PERSONA)
    assert not held.ok and f"the creator gives {given}" in held.why
    assert held.why.endswith(f", not {stated}")


@pytest.mark.parametrize("reply", [
    "24 clicks on the Comandante C40 MK4 for V60, 32 for cold brew.",
    "For V60 I use 24 clicks on the Comandante, and 32 clicks for cold brew.",
    "About 16 clicks on the C3 for V60; on the Comandante, 24 clicks.",
    "For cold brew, 32 clicks on the Comandante C40 MK4.",
    "手冲 V60 用 24 格，冷萃用 32 格。",
    "泰摩 C3 手冲大约 16 格。",
    # names are read in every language: the Chinese notes' "24 格" name no Comandante
    "像细盐那样。Comandante 24 格，泰摩栗子 C3 大约 16 格。",
    "你用 C3 的话，手冲大约 16 格，相当于我 Comandante 的 24 格。",
    "C3 做 V60 我大概用 16 格。",
    # two models in one phrase: no other amount is given them both
    "About 16 clicks on the Timemore C3 gets you close to my Comandante at 24 clicks.",
    "I use 24 clicks on the Comandante C40 MK4 — the C3 would be about 16 clicks.",
    "C3 大约 16 格 = 我 Comandante 的 24 格，都是做 V60。",
    # a bracket or a dash ends what the amount is said of
    "32 clicks for cold brew (I filter it through a V60 paper filter).",
    "冷萃 Comandante 32 格（用 V60 滤纸过滤）。",
    "32 clicks on the Comandante — much coarser than for V60.",
    # a title ("V60 Basics: My Everyday 15 g Recipe") gives the V60 no amount
    "Bloom the V60 with 30 g of water for 40 seconds.",
    "V60 手冲闷蒸用 30 克水，等 40 秒。",
])
def test_an_amount_put_on_the_model_the_notes_give_it_passes(reply: str) -> None:
    assert grounding(reply, "What setting?", "question", DEMO_NOTES, PERSONA).ok


def test_a_time_on_a_timer_is_no_ratio_of_the_creators() -> None:
    steps = "## Steps\n- At 0:40, pour up to 120 g by about 1:10.\n- Ratio 1:15, 15 g to 225 g."
    ratios = [s.quantity.written for s in statements([steps]) if s.quantity.unit == "ratio"]
    assert ratios == ["1:15"]
    assert grounding("Pour up to 120 g by about 1:10.", "pours?", "question", [steps],
                     PERSONA).ok


def test_a_range_is_one_amount() -> None:
    # "10–14 days" is the espresso beans' rest, stated in Chinese; the English notes state
    # 14 days only of a break, and 7–10 days of the beans' rest for pour-over
    notes = ["## Beans\n- I rest the beans 7–10 days after the roast date.",
             "## Schedule\n- I take a two-week break over New Year.",
             "## 意式\n- 豆子：烘焙后养豆 10–14 天再做意式"]
    assert grounding("For espresso, rest the beans 10–14 days after roasting.",
                     "rest for espresso?", "question", notes, PERSONA).ok


@pytest.mark.parametrize(("reply", "why"), [
    # the notes: "March 2021: I started the channel", "2023: … videos fully in Chinese"
    ("I started the channel in 2023, with a V60 filmed on my phone.", "the creator gives 2021"),
    # "50,000" is one number, not two clauses
    ("The channel passed 50,000 subscribers in 2022.", "the creator gives 2024"),
    # "a free 12-page PDF"
    ("It's a 50-page PDF with my V60 recipe and a grind chart.", "50-page"),
    # a colon still ends a clause: the second pour starts at 1:20, but not up to 120 g
    ("At 1:20 pour up to 120 g.", "1:20 only about something else"),
])
def test_a_year_or_a_page_count_the_notes_give_to_another_thing_is_held(reply: str,
                                                                       why: str) -> None:
    held = grounding(reply, "When did you start?", "question", DEMO_NOTES, PERSONA)
    assert not held.ok and why in held.why


@pytest.mark.parametrize("reply", [
    "I started the channel in March 2021, with a V60 filmed on my phone on my balcony.",
    "I've used my Comandante C40 MK4 since 2022.",
    "Since 2023 some of my videos are fully in Chinese.",
    "It's a free 12-page PDF: my V60 recipe, my cold brew recipe and a grind size chart.",
    "Comandante C40 MK4，从 2022 年用到现在。",
])
def test_a_year_or_a_page_count_the_notes_give_it_passes(reply: str) -> None:
    assert grounding(reply, "When?", "question", DEMO_NOTES, PERSONA).ok


def test_a_list_on_one_line_is_read_item_by_item() -> None:
    # a chunk of the knowledge base holds a list on one line: the other items' clauses ("a V60
    # filmed on my phone") are not the 2023 item's
    history = ("- March 2021: I started the channel. The first video was a V60 filmed on my "
               "phone on my balcony. - 2022: I bought my Comandante C40 MK4. - 2023: I started "
               "making some videos fully in Chinese. - 2024: The channel passed 50,000 "
               "subscribers.")
    reply = "I started the channel in 2023, with a V60 filmed on my phone on my balcony."
    held = grounding(reply, "When did you start?", "question", [], PERSONA, found=[history])
    assert not held.ok and held.why == "the creator gives 2021 for channel start, not 2023"
    assert grounding("I started the channel in March 2021, with a V60 filmed on my phone.",
                     "When did you start?", "question", [], PERSONA, found=[history]).ok
    # a range in a list item stays whole
    assert [s.quantity.written for s in statements(["- Dose 5 - 10 g. - Water 93°C."])] == [
        "5 - 10 g", "5 - 10 g", "93°C"]
