"""Triage skips what must not be answered and says why."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.llm import OpenAIModeration
from bot.pipeline import spam
from bot.pipeline.classify import NearestExamples, bundled_examples, read_examples
from bot.pipeline.triage import Triager, rules, triage
from connectors.base import Comment
from knowledge.embeddings import E5Embedder
from tests.fakes.openai_server import FakeOpenAI


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


def test_own_and_unrepliable_comments_are_no_class() -> None:
    own = triage(c("Thanks all!", is_own=True))
    assert (own.label, own.answerable) == ("own", False)
    verdict = triage(c("What grinder?", can_reply=False))
    assert (verdict.label, verdict.answerable) == ("cannot_reply", False)


@pytest.mark.parametrize(("text", "label"), [
    ("You are a pathetic clown, stop making videos", "toxic"),
    ("你就是个骗子，垃圾视频", "toxic"),
    ("I don't want to live anymore, I want to die", "needs_human"),
    ("最近真的活不下去了", "needs_human"),
    ("What's your home address? I want to visit", "needs_human"),
    ("你住哪个小区？电话多少", "needs_human"),
    ("I'm a journalist, press inquiry about your channel", "needs_human"),
])
def test_hostile_crisis_and_private_comments(text: str, label: str) -> None:
    verdict = triage(c(text))
    assert (verdict.label, verdict.source) == (label, "rules")
    assert verdict.answerable  # what happens to it is the policy's business


@pytest.mark.parametrize(("text", "label"), [
    ("评论区那个说加微信领磨豆机的是骗子，大家别信", "needs_human"),
    ("Heads up: the account replying 'you won' here is a scammer", "needs_human"),
    ("You are a fraud", "needs_human"),  # an accusation the creator reads, not skips
    ("你这也叫教程？纯属误人子弟，骗流量的骗子。", "toxic"),
    ("you stupid fraud", "toxic"),
])
def test_calling_someone_a_scammer_is_read_by_a_person(text: str, label: str) -> None:
    verdict = triage(c(text))
    assert verdict.label == label, verdict.reason


def test_a_phone_that_is_no_number_is_no_private_matter() -> None:
    assert triage(c("What's your phone number?")).label == "needs_human"
    assert "private" not in triage(c("Do you use an app scale? Ones that connect to your "
                                     "phone")).reason
    assert "private" not in triage(c("Is that a camera in the video, or is it your phone?")).reason
    assert triage(c("what's your phone #")).label == "needs_human"


# -- the offline classifier: nearest labelled examples in the bundled embedding space ----------

@pytest.fixture(scope="module")
def classifier() -> NearestExamples:
    return NearestExamples(bundled_examples(), E5Embedder().queries)


@pytest.mark.parametrize(("text", "label"), [
    # none of these trips a phrase rule: the nearest-examples classifier decides
    ("Could you do a video comparing the two kettles side by side?", "request"),
    ("能不能出一期磨豆机清洁的教程", "request"),
    ("The sound was really quiet in the second half, I could barely hear you.", "feedback"),
    ("First! Who else is here early", "off_topic"),
    ("占个楼", "off_topic"),
    ("Nobody wants to watch you, just quit already.", "toxic"),
    ("My mentor turned $200 into $9,000 in a month, look her up", "spam"),
    ("We're a coffee brand and would like to talk about a sponsored video.", "needs_human"),
])
def test_the_classifier_sorts_what_no_rule_catches(classifier: NearestExamples, text: str,
                                                   label: str) -> None:
    assert rules(c(text), widened=False) is None
    verdict = Triager(classifier, widened=False)(c(text))
    assert verdict.label == label, verdict.detail
    assert verdict.source == "classifier"
    assert verdict.detail["classifier"]["nearest"]


def test_a_question_stays_a_question(classifier: NearestExamples) -> None:
    verdict = Triager(classifier)(c("When does the next video come out?"))
    assert verdict.label == "question"


def test_an_unsure_classifier_leaves_harm_to_the_rules(classifier: NearestExamples) -> None:
    triager = Triager(classifier, min_confidence=1.01)  # never sure enough
    assert triager(c("Nobody wants to watch you, just quit already.")).label != "toxic"


def test_only_a_sure_vote_skips_a_comment_as_toxic(classifier: NearestExamples) -> None:
    """Skipped as toxic, a comment is never seen: below a sure vote a person reads it."""
    praise = Triager(classifier)(c("Wow, you make it look effortless"))
    assert praise.label == "needs_human" and praise.reason.startswith("may be hostile")
    assert praise.detail["classifier"]["label"] == "toxic"
    insult = "Nobody wants to watch you, just quit already."
    assert Triager(classifier, widened=False)(c(insult)).label == "toxic"
    assert Triager(classifier, widened=False, sure_toxic=1.01)(c(insult)).label == "needs_human"


def test_replies_that_read_as_hostile_or_spam_are_named(classifier: NearestExamples) -> None:
    triager = Triager(classifier)
    assert triager.judge_reply("Get lost, nobody asked for your opinion, loser.")
    assert triager.judge_reply("Everyone DM me to double your money this week 💸")
    assert triager.judge_reply("Thanks so much! Glad the recipe worked for you.") == []


def reading_as(is_spam: bool) -> spam.SpamClassifier:
    """A spam classifier that calls everything spam, or reads everything unlike spam."""
    model = spam.train(["buy my stuff"], [True])
    line = -math.inf if is_spam else math.inf
    return spam.SpamClassifier(
        spam.SpamModel(model.spam, model.ham, model.unseen, model.prior, line),
        spam.Calibration((0.0, 1.0), (0.0, 1.0), 1.0, line, clear=line, clear_wording=line))


@pytest.mark.parametrize("text", ["Is there a Telegram group for your viewers?",
                                  "有人冒充博主说中奖要加微信，大家别信",
                                  "For whoever asked: the descaling manual is on gaggia.com"])
def test_a_spam_phrase_the_classifier_reads_unlike_spam_goes_to_a_person(
        classifier: NearestExamples, text: str) -> None:
    for triager in (Triager(classifier, spam_classifier=reading_as(False)),
                    Triager(spam_classifier=reading_as(False))):
        verdict = triager(c(text))
        assert verdict.label == "needs_human"  # held in every mode, whatever auto mode asks
        assert verdict.detail["spam"]["unlike"] is False
        assert "as spam has" in verdict.detail["spam"]["why"]
    assert Triager(classifier, spam_classifier=reading_as(True))(c(text)).label == "spam"
    assert rules(c(text), widened=False).label == "spam"  # the phrase lists alone, as measured


def test_examples_that_call_a_comment_spam_ask_the_spam_classifier(
        classifier: NearestExamples) -> None:
    text = "My mentor turned $200 into $9,000 in a month, look her up"
    assert Triager(classifier, spam_classifier=reading_as(True))(c(text)).label == "spam"
    verdict = Triager(classifier, spam_classifier=reading_as(False))(c(text))
    assert verdict.detail["classifier"]["label"] == "spam"
    assert verdict.label == "needs_human"  # the examples are few; a person decides
    assert verdict.detail["spam"]["unlike"] is False
    assert "like labelled spam" in verdict.detail["spam"]["why"]


def test_custom_examples_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "examples.jsonl"
    bad.write_text('{"label": "question", "text": "ok?"}\n{"label": "rude", "text": "x"}\n')
    with pytest.raises(ConfigError, match="line 2: unknown label 'rude'"):
        read_examples(bad)
    bad.write_text("not json\n")
    with pytest.raises(ConfigError, match="line 1"):
        read_examples(bad)


# -- the moderation endpoint, through the real openai client ------------------------------------

@pytest.fixture
def moderation(fake_openai: FakeOpenAI) -> OpenAIModeration:
    return OpenAIModeration("omni-moderation-latest", fake_openai.base_url, "sk-test",
                            max_retries=0)


def test_moderation_flags_what_rules_miss(fake_openai: FakeOpenAI,
                                          moderation: OpenAIModeration) -> None:
    triager = Triager(moderator=moderation)
    verdict = triager(c("Honestly nobody likes you here"))
    assert (verdict.label, verdict.source) == ("toxic", "moderation")
    assert "harassment" in verdict.reason
    crisis = triager(c("sometimes I just want to hurt myself after work"))
    assert crisis.label == "needs_human"
    assert fake_openai.moderation_requests()[0]["model"] == "omni-moderation-latest"
    assert triager(c("What grinder?")).detail["moderation"] == []


def test_moderation_down_means_a_person_checks(fake_openai: FakeOpenAI,
                                               moderation: OpenAIModeration) -> None:
    fake_openai.behaviour.fail_with = [500]
    verdict = Triager(moderator=moderation)(c("What grinder?"))
    assert verdict.label == "question"
    assert "moderation_error" in verdict.detail
    fake_openai.behaviour.fail_with = [500]
    assert Triager(moderator=moderation).judge_reply("Thanks!")[0].startswith("moderation:")

