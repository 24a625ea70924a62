"""Each metric against a hand count, with the fake judge on the fake OpenAI server."""

from __future__ import annotations

import numpy as np
import pytest

from bot.evaluation.judge import Judge
from bot.evaluation.metrics import (
    answer_relevancy,
    facts_present,
    faithfulness,
    has_signature,
    length_fit,
    voice_similarity,
)
from knowledge.embeddings import E5Embedder
from tests.fakes.openai_server import FakeOpenAI

CONTEXT = ["For cold brew I use 60 g of coffee to 600 g of water and steep it for 14 hours "
           "in the fridge.", "Dilute the concentrate 1:1 with milk."]


@pytest.fixture
def judge(fake_openai: FakeOpenAI) -> Judge:
    return Judge("judge-model", fake_openai.base_url, "sk-test", max_retries=0)


@pytest.fixture(scope="module")
def embed() -> E5Embedder:
    return E5Embedder()


def test_faithfulness_counts_supported_claims(judge: Judge, fake_openai: FakeOpenAI) -> None:
    reply = ("I steep it for 14 hours in the fridge. I use 60 g of coffee to 600 g of water. "
             "Then I add vanilla syrup.\n— Lina")
    score, claims, verdicts = faithfulness(judge, "How do you make cold brew?", reply, CONTEXT)
    assert claims == ["I steep it for 14 hours in the fridge.",
                      "I use 60 g of coffee to 600 g of water.", "Then I add vanilla syrup."]
    assert verdicts == [True, True, False]
    assert score == pytest.approx(2 / 3)
    sent = fake_openai.chat_requests()[0]
    assert sent["model"] == "judge-model"
    assert sent["response_format"]["json_schema"]["name"] == "claims"


def test_a_reply_that_contradicts_its_context_scores_low(judge: Judge) -> None:
    reply = "I steep it for 48 hours on the counter. I use 200 g of coffee per litre."
    score, _, _ = faithfulness(judge, "How long does cold brew steep?", reply, CONTEXT)
    assert score == 0.0


def test_a_plain_thank_you_has_no_claims_to_check(judge: Judge) -> None:
    assert faithfulness(judge, "Love this!", "— Lina", CONTEXT) == (None, [], [])


def test_answer_relevancy_is_the_mean_similarity_of_the_generated_questions(
        judge: Judge, embed: E5Embedder) -> None:
    comment = "How long should cold brew steep?"
    reply = "Steep cold brew for 14 hours. Keep it in the fridge."
    score, questions = answer_relevancy(judge, embed.queries, comment, reply)
    assert questions == ["Is it true that steep cold brew for 14 hours?",
                         "Is it true that keep it in the fridge?"]
    vectors = embed.queries([comment, *questions])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert score == pytest.approx(float(np.mean(unit[1:] @ unit[0])), abs=1e-6)
    evasive, _ = answer_relevancy(judge, embed.queries, comment, "I'll look into it!")
    assert evasive == 0.0


def test_voice_signature_length_and_facts(embed: E5Embedder) -> None:
    same = voice_similarity(embed.queries, "Thanks so much, glad it helped!",
                            "Thanks so much, glad it helped!")
    assert same == pytest.approx(1.0, abs=1e-5)
    assert has_signature("Glad it helped!\n— Lina", "— Lina") == 1.0
    assert has_signature("Glad it helped!", "— Lina") == 0.0
    assert length_fit("Love this!", "Thank you so much! — Lina", "— Lina") == 1.0
    # 50 words for short praise: the range is 2-25, so 1 - (50 - 25) / 25 = 0
    assert length_fit("Love this!", "word " * 50) == 0.0
    # 30 words: 1 - (30 - 25) / 25 = 0.8
    assert length_fit("Love this!", "word " * 30) == pytest.approx(0.8)
    assert facts_present("Steep for 14 hours at 1:10.", ["14 hours", "1:10", "fridge"]) == \
        pytest.approx(2 / 3)
    assert facts_present("anything", []) is None
