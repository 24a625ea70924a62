"""The spam classifier: trained from labelled comments, its threshold fitted out of fold, and the
shipped model reads the spam channels get."""

from __future__ import annotations

import json

import pytest

from bot.pipeline import spam

SPAM = ["check out my channel for beats", "sub4sub, I sub back", "free gift card, DM me",
        "visit my channel pls", "subscribe to me and I sub back", "earn money fast, DM me",
        "click my profile for free coins", "check my channel, new video"]
HAM = ["what grind for the V60?", "love this video", "the audio is quiet", "great recipe",
       "how long to steep cold brew?", "thanks for the tips", "nice kitchen", "which kettle?"]


def test_training_separates_the_two_and_round_trips_as_json() -> None:
    model = spam.train(SPAM + HAM, [True] * len(SPAM) + [False] * len(HAM))
    assert model.log_odds("check out my channel") > 0 > model.log_odds("what kettle for V60?")
    again = spam.from_json(json.loads(json.dumps(model.to_json())))
    assert again.log_odds("sub back") == pytest.approx(model.log_odds("sub back"))


def test_the_fitted_threshold_calls_few_other_comments_spam() -> None:
    texts = SPAM * 3 + HAM * 3
    labels = [True] * len(SPAM) * 3 + [False] * len(HAM) * 3
    model = spam.fitted(texts, labels)
    assert sum(model.is_spam(t) for t in HAM) <= 1


@pytest.mark.parametrize(("text", "is_spam"), [
    ("Check out my channel, I make lofi beats", True),
    ("sub4sub anyone? I sub back", True),
    ("加我微信领红包", True),
    ("What grind do you use for the V60?", False),
    ("Thank you, this helped a lot!", False),
])
def test_the_shipped_model(text: str, is_spam: bool) -> None:
    assert spam.bundled().is_spam(text) == is_spam
