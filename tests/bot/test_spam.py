"""The spam classifier: trained from labelled comments, its threshold fitted out of fold, and the
shipped model reads the spam channels get."""

from __future__ import annotations

import json

import numpy as np
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


def test_both_views_are_weighed_out_of_fold_to_call_few_other_comments_spam() -> None:
    rng = np.random.default_rng(3)
    centres = np.eye(8, dtype=np.float32)[:2]  # spam lies around one direction, the rest another

    def near(spam_like: bool) -> np.ndarray:
        vector = centres[0 if spam_like else 1] + rng.normal(0, 0.3, 8)
        return vector / np.linalg.norm(vector)

    texts = SPAM * 4 + HAM * 4
    labels = [True] * len(SPAM) * 4 + [False] * len(HAM) * 4
    vectors = np.array([near(s) for s in labels])
    calibration = spam.calibrated(texts, labels, vectors)
    assert calibration.weight in (0.3, 0.5, 0.7) and calibration.wording[1] > 0
    classifier = spam.SpamClassifier(spam.fitted(texts, labels), calibration, vectors,
                                     np.array(labels), "test")
    # comments it was not trained on
    new_spam = ["follow my channel for free beats", "dm me for a free gift", "sub to me pls"]
    new_ham = ["what water temperature?", "the grind looked fine", "great kettle pour"]
    assert sum(classifier.verdict(t, near(True))[0] for t in new_spam) >= 2
    assert sum(classifier.verdict(t, near(False))[0] for t in new_ham) == 0
    # with a vector both views decide; without one, the wording alone
    worded, why = classifier.verdict("check out my channel", near(True))
    assert worded and why.startswith("score")
    assert classifier.verdict("check out my channel")[1].startswith("log-odds")  # no vector


def test_the_shipped_classifier_reads_what_a_comment_is_about_as_well_as_its_words() -> None:
    from bot.pipeline.classify import unit_rows
    from knowledge.embeddings import E5Embedder

    classifier = spam.bundled_classifier()
    embedder = E5Embedder()
    assert classifier.embedder == embedder.name and classifier.references is not None
    assert len(classifier.references) == len(classifier.is_spam_reference)  # type: ignore[arg-type]

    def verdict(text: str) -> tuple[bool, bool]:
        vector = unit_rows(embedder.queries([text]))[0]
        return classifier.verdict(text)[0], classifier.verdict(text, vector)[0]

    assert verdict("nice video, sub to me") == (False, True)  # the words alone miss it
    assert verdict("What grind do you use for the V60?") == (False, False)
    assert verdict("Check out my channel, I make beats") == (True, True)
