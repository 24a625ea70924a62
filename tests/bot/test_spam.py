"""The spam classifier: trained from labelled comments, its threshold fitted out of fold, and the
shipped model reads the spam channels get."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.pipeline import probes, spam

ROOT = Path(__file__).resolve().parents[2]

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
    calibration, direction = spam.calibrated(texts, labels, vectors)
    assert (calibration.weight, calibration.direction_weight) in spam.WEIGHTS
    assert calibration.wording[1] > 0
    classifier = spam.SpamClassifier(spam.fitted(texts, labels), calibration, vectors,
                                     np.array(labels), "test", direction)
    # comments it was not trained on
    new_spam = ["follow my channel for free beats", "dm me for a free gift", "sub to me pls"]
    new_ham = ["what water temperature?", "the grind looked fine", "great kettle pour"]
    assert sum(classifier.verdict(t, near(True))[0] for t in new_spam) >= 2
    assert sum(classifier.verdict(t, near(False))[0] for t in new_ham) == 0
    # with a vector every view decides; without one, the wording alone
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

    assert verdict("What grind do you use for the V60?") == (False, False)
    assert verdict("Check out my channel, I make beats") == (True, True)
    # with a vector, the meaning and the line say it too: nearer to the training spam than to
    # the rest, and beyond the spam line; an ordinary question is far short of both
    plug = "visit my page for beats"
    _, why = classifier.verdict(plug, unit_rows(embedder.queries([plug]))[0])
    near, line = (float(n) for n in re.findall(r"([+-]\d+\.\d+)", why)[-2:])
    assert near > 0 and line > 0
    # praise first pulls the line towards the ordinary comments (channels' viewers praise a
    # video in every other comment); the score of the views together still calls it spam
    assert verdict("nice video, visit my page for beats") == (True, True)
    _, why = classifier.verdict("What grind?", unit_rows(embedder.queries(["What grind?"]))[0])
    near, line = (float(n) for n in re.findall(r"([+-]\d+\.\d+)", why)[-2:])
    assert near < 0 and line < 0


def test_a_comment_reads_unlike_spam_only_clearly_below_the_threshold_in_every_sentence() -> None:
    model = spam.train(SPAM * 2 + HAM * 2, [True] * len(SPAM) * 2 + [False] * len(HAM) * 2)
    calibration = spam.Calibration((0.0, 1.0), (0.0, 1.0), weight=1.0, threshold=2.0, clear=0.0,
                                   sentence=0.0)
    vectors = np.eye(2, dtype=np.float32)
    classifier = spam.SpamClassifier(model, calibration, vectors, np.array([True, False]), "test")
    other = np.array([0.0, 1.0], dtype=np.float32)  # as near to the spam as to the rest: 0

    def read(text: str) -> spam.Reading:
        return classifier.read(text, other)

    plain = read("what grind for the V60? thanks for the tips")
    assert not plain.spam and plain.unlike and plain.why.startswith("reads unlike spam")
    # praise, then a plug: not spam as a whole, but its second sentence is
    assert spam.sentences("great recipe! check out my channel for beats") == [
        "great recipe!", "check out my channel for beats"]
    plugged = read("great recipe, thanks for the tips, nice kitchen! check out my channel")
    assert plugged.spam or not plugged.unlike
    assert spam.sentences("love it btw sub to me") == ["love it", "btw sub to me"]
    assert spam.sentences("one sentence only") == [] and spam.sentences("ok. ok.") == []
    # between `clear` and the threshold: not spam, no evidence either
    by_meaning = replace(calibration, weight=0.0)  # nearer to spam by 1: a score of 1
    between = spam.SpamClassifier(model, by_meaning, vectors, np.array([True, False]),
                                  "test").read("nice kitchen", np.array([1.0, 0.0], np.float32))
    assert not between.spam and not between.unlike and between.why.startswith("close to spam")
    assert spam.Reading(False, True, 0.1234, "x").to_json() == {
        "spam": False, "unlike": True, "score": 0.123, "why": "x"}


def test_the_fitted_calibration_holds_a_few_more_comments_for_a_person() -> None:
    rng = np.random.default_rng(5)
    texts = [f"{t}. {h}" for t in SPAM for h in HAM[:3]] + [f"{h}. {g}" for h in HAM
                                                            for g in HAM[3:6]]
    labels = [True] * len(SPAM) * 3 + [False] * len(HAM) * 3
    vectors = rng.normal(size=(len(texts), 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    calibration, _ = spam.calibrated(texts, labels, vectors)
    assert calibration.clear is not None and calibration.clear <= calibration.threshold
    assert calibration.sentence is not None
    again = spam.Calibration(**{**calibration.to_json(), "wording": tuple(calibration.wording),
                                "meaning": tuple(calibration.meaning),
                                "direction": tuple(calibration.direction)})
    assert again == calibration


def _line_classifier(weight: float = 0.0) -> tuple[spam.SpamClassifier, np.ndarray, np.ndarray]:
    """A classifier whose line separates spam (along the first axis) from the rest (along the
    second), with `weight` on a wording that cannot tell them apart and the rest on the line;
    and a new vector on each side."""
    rng = np.random.default_rng(7)
    labels = np.array([True] * 40 + [False] * 40)
    vectors = np.array([[1.0, 0.3 * rng.normal(), 0.6 * rng.normal()] if is_spam else
                        [0.3 * rng.normal(), 1.0, 0.6 * rng.normal()] for is_spam in labels])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    line, _ = probes.fitted(vectors, labels.tolist(), (~labels).tolist(), "test")
    calibration = spam.Calibration((0.0, 1.0), (0.0, 1.0), weight=weight, threshold=1.0,
                                   clear=0.5, direction=(0.0, 1.0), direction_weight=1 - weight)
    model = spam.train(["x y"] * 2, [True, False])
    fresh = np.array([[0.9, -0.2, 0.4], [-0.1, 0.8, -0.6]])  # in no training comment
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    classifier = spam.SpamClassifier(model, calibration, vectors, labels, "test", line)
    return classifier, fresh[0], fresh[1]


def test_the_direction_reads_spam_from_the_side_of_the_line_a_new_comment_lies() -> None:
    classifier, spammy, other = _line_classifier()
    assert classifier.verdict("x y", spammy)[0] and not classifier.verdict("x y", other)[0]
    assert "from the spam line" in classifier.verdict("x y", spammy)[1]
    assert classifier.read("x y", other).unlike


def test_a_comment_beyond_the_line_never_reads_unlike_spam_whatever_its_words() -> None:
    classifier, spammy, _ = _line_classifier(weight=0.9)
    wordy = replace(classifier, wording=spam.train(["x y", "long kind words"], [True, False]))
    text = "long kind words " * 40  # the wording's log-odds outweigh the line
    reading = wordy.read(text, spammy)
    assert not reading.spam and not reading.unlike
    assert reading.why.startswith("beyond the spam line")
    nowhere = wordy.read(text, np.full(3, np.nan))  # a damaged vector: no evidence
    assert not nowhere.unlike and "no number" in nowhere.why


def test_stored_data_with_a_damaged_part_leaves_the_wording_alone_to_decide() -> None:
    data = json.loads((ROOT / "bot" / "data" / "spam_model.json").read_text("utf-8"))
    references = np.load(ROOT / "bot" / spam.VECTORS).astype(np.float32)
    whole = spam.classifier(data, references)
    assert whole.calibration is not None and whole.direction is not None
    assert whole.calibration.direction_weight > 0  # the shipped fit weighs the line
    meaning, line, weighing = data["meaning"], data["meaning"]["direction"], \
        data["meaning"]["calibration"]
    damaged_lines = [{**line, "bias": "NaN"}, {**line, "weights": [1.0, 2.0]},
                     {**line, "embedder": "another"}, {**line, "threshold": None},
                     {"weights": None}]
    damaged_weighings = [{**weighing, "weight": float("nan")}, {**weighing, "weight": -0.1},
                         {**weighing, "weight": True}, {**weighing, "direction_weight": "0.3"},
                         {**weighing, "weight": 0.7, "direction_weight": 0.7},
                         {**weighing, "direction": [0.0, 0.0]}, {**weighing, "meaning": [1.0]},
                         {**weighing, "wording": None}, {**weighing, "k": 0},
                         {**weighing, "clear": float("inf")},
                         {key: v for key, v in weighing.items() if key != "direction_weight"}]
    variants = [{**meaning, "direction": damaged} for damaged in damaged_lines]
    variants += [{**meaning, "calibration": damaged} for damaged in damaged_weighings]
    variants += [{key: v for key, v in meaning.items() if key != "direction"},  # weighing alone
                 {key: v for key, v in meaning.items() if key != "calibration"},
                 {**meaning, "is_spam": [False] * len(meaning["is_spam"])}]
    for variant in variants:
        alone = spam.classifier({**data, "meaning": variant}, references)
        assert alone.calibration is None and alone.direction is None, variant.keys()
    assert spam.classifier(data, None).calibration is None
    assert spam.classifier(data, references[:-1]).calibration is None
    with pytest.raises(ValueError):  # the shipped file is read without NaN or Infinity
        json.loads('{"weight": NaN}', parse_constant=probes.no_constant)


def test_sentences_are_cut_at_commas_dashes_emoji_and_asides_in_linear_time() -> None:
    assert spam.sentences("great video, sub to me - new beats daily") == [
        "great video", "sub to me", "new beats daily"]
    assert spam.sentences("love it 🔥🔥 my page has beats") == ["love it", "my page has beats"]
    assert spam.sentences("love this video P.S. check my channel") == [
        "love this video", "check my channel"]
    assert spam.sentences("relax, btw-style jokes stay whole") == [
        "relax", "btw-style jokes stay whole"]
    # a long run of one character is read once: 200,000 spaces, dashes or commas finish (a
    # backtracking cut took minutes on them)
    for hostile in ("a" + " " * 200_000 + "b", " -" * 100_000, "," * 200_000, "btw " * 50_000):
        assert isinstance(spam.sentences(hostile), list)


def test_with_no_vector_the_wording_has_its_own_clear_line() -> None:
    model = spam.train(SPAM * 2 + HAM * 2, [True] * len(SPAM) * 2 + [False] * len(HAM) * 2)
    calibration = spam.Calibration((0.0, 1.0), (0.0, 1.0), weight=1.0, threshold=2.0,
                                   clear_wording=model.log_odds("nice kitchen") - 0.01)
    classifier = spam.SpamClassifier(replace(model, threshold=1e9), calibration)
    assert not classifier.read("nice kitchen").unlike  # above the wording's clear line
    assert model.log_odds("what grind for the V60?") < model.log_odds("nice kitchen")
    assert classifier.read("what grind for the V60?").unlike
    shipped = spam.bundled_classifier().calibration
    assert shipped is not None and shipped.clear_wording is not None
    assert shipped.sentence is not None and shipped.clear is not None


def test_with_no_fitted_lines_nothing_reads_unlike_spam() -> None:
    """Shipped data that cannot be read leaves the wording's threshold: it still calls spam,
    but below it there is no evidence a comment wants nothing, and auto mode asks for that."""
    model = spam.train(SPAM * 2 + HAM * 2, [True] * len(SPAM) * 2 + [False] * len(HAM) * 2)
    classifier = spam.SpamClassifier(replace(model, threshold=0.0))
    reading = classifier.read("what grind for the V60?")
    assert not reading.spam and not reading.unlike and "no fitted line" in reading.why
    assert classifier.read(SPAM[0]).spam
