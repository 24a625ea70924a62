"""Cross-language search: the dictionary, the glossary, and a bilingual knowledge base."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge import crosslingual
from knowledge.crosslingual import read_glossary
from knowledge.embeddings import E5Embedder
from knowledge.errors import KnowledgeError
from knowledge.loaders import Document
from knowledge.retrieval import Bm25Index, words_of
from knowledge.store import KnowledgeBase, open_client
from tests.conftest import knowledge_base_of

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "bench" / "retrieval" / "corpus"


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The benchmark's corpus: English and Chinese files about one creator."""
    return knowledge_base_of(CORPUS, tmp_path_factory.mktemp("chroma"))


def test_the_dictionary_translates_both_ways() -> None:
    lexicon = crosslingual.lexicon()
    assert list(lexicon.segment("法压壶最后")) == ["法压壶", "最后"]
    english = lexicon.translate("蒸馏水可以冲咖啡吗", "en")
    assert ["distilled water"] in english.words and "distilled water" in english.text
    chinese = lexicon.translate("Where did you buy that apron?", "zh")
    assert any("围裙" in senses for senses in chinese.words)
    assert lexicon.translate("the of and", "zh").words == []  # only stopwords: nothing to search
    # terms of several words, and names already in the other script, are kept whole
    assert any("法式滤压壶" in w or "法压壶" in w
               for w in lexicon.translate("french press ratio", "zh").words)
    assert ["v60"] in lexicon.translate("V60 的滤纸要先冲一下吗？", "en").words
    assert ["桂花"] in lexicon.translate("How do I make the 桂花 syrup?", "zh").words


def test_a_glossary_adds_the_words_of_the_trade_ahead_of_the_dictionary(tmp_path: Path) -> None:
    glossary = tmp_path / "glossary.csv"
    glossary.write_text('zh,en\n手冲,pour-over\n\n深烘,"dark roast; dark"\n'
                        "中深烘,medium dark roast\n双锅炉咖啡机,dual boiler\n", encoding="utf-8")
    assert crosslingual.lexicon().translate("手冲", "en").words != [["pour-over"]]
    lexicon = crosslingual.lexicon(glossary)
    assert lexicon.translate("手冲", "en").words == [["pour-over"]]
    assert lexicon.translate("pour-over", "zh").words[0][0] == "手冲"
    assert lexicon.translate("a pour over", "zh").words[0][0] == "手冲"
    assert lexicon.translate("dark roast", "zh").words[0][0] == "深烘"
    assert lexicon.translate("medium dark roast", "zh").words[0] == ["中深烘"]
    assert lexicon.translate("深烘", "en").words == [["dark roast", "dark"]]
    # written in simplified characters, it serves a question in traditional ones too
    assert lexicon.translate("手沖", "en").words == [["pour-over"]]
    assert set(lexicon.translate("pour-over", "zh").words[0][:3]) == {"手冲", "手沖", "手衝"}
    assert lexicon.translate("雙鍋爐咖啡機", "en").words == [["dual boiler"]]
    glossary.write_text("zh,en\n手冲,hand pour\n", encoding="utf-8")  # edited: read again
    os.utime(glossary, (time.time() + 5, time.time() + 5))
    assert crosslingual.lexicon(glossary).translate("手冲", "en").words == [["hand pour"]]
    # saved half-way, then deleted: the last good glossary stays in use
    glossary.write_text("zh,en\n下壶\n", encoding="utf-8")
    os.utime(glossary, (time.time() + 10, time.time() + 10))
    assert crosslingual.lexicon(glossary).translate("手冲", "en").words == [["hand pour"]]
    glossary.unlink()
    assert crosslingual.lexicon(glossary).translate("手冲", "en").words == [["hand pour"]]


@pytest.mark.parametrize(("content", "message"), [
    ("zh,en\n手冲,pour-over\npour-over,手冲\n", "glossary.csv:3"),
    ("手冲\n", "glossary.csv:1"),
    ("zh,en\n手冲,pour-over,notes on our house style\n", "glossary.csv:2"),
])
def test_a_bad_glossary_row_names_its_line(tmp_path: Path, content: str, message: str) -> None:
    glossary = tmp_path / "glossary.csv"
    glossary.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        read_glossary(glossary)
    with pytest.raises(KnowledgeError, match="like 手冲,pour-over"):
        KnowledgeBase(open_client(path=tmp_path / "chroma"), E5Embedder(), glossary=glossary)


def test_a_missing_glossary_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"cannot read the glossary .*\[knowledge\] glossary"):
        read_glossary(tmp_path / "nope.csv")


def test_a_translated_word_is_found_by_any_of_its_senses() -> None:
    index = Bm25Index()
    english = [f"note {n} about grinders and kettles number{n}" for n in range(60)]
    index.build(1, ["kettle", *[f"n{n}" for n in range(60)]],
                ["Boil the kettle once and pour it away.", *english])
    words = [[["kettle"], ["teapot"]], [["boil"]], [["zzunknown"]]]
    # "kettle" (by its first sense) and "boil" are in the chunk; the unknown word is not, and
    # a word no text uses weighs the most
    assert 0.3 < index.coverage(words, ["kettle"])["kettle"] < 0.7
    assert index.coverage(words[:2], ["kettle", "n1"]) == {"kettle": 1.0, "n1": 0.0}
    # found only by a common sense ("note", in every chunk), a rare word counts for little
    rare = [[["boil"], ["note"]]]
    assert index.coverage(rare, ["n1"])["n1"] < 0.1 < index.coverage(rare, ["kettle"])["kettle"]
    assert index.unseen_share(words) == pytest.approx(1 / 3)
    assert index.coverage(words_of("boil kettle"), ["kettle"])["kettle"] == 1.0


def test_a_question_is_searched_in_the_other_language_only_if_the_material_uses_it() -> None:
    english = Bm25Index()
    english.build(1, [f"n{n}" for n in range(60)], [f"word{n} coffee" for n in range(60)])
    assert english.other_language("蒸馏水可以冲咖啡吗") == "en"
    assert english.other_language("Gaggia 冲煮头的胶圈多久换一次？") == "en"  # a brand in Chinese
    assert english.other_language("How hot is the water for your AeroPress?") is None
    chinese = Bm25Index()
    chinese.build(1, [f"n{n}" for n in range(60)],
                  ["".join(chr(0x4E00 + 7 * n + i) for i in range(6)) for n in range(60)])
    assert chinese.other_language("How hot is the water for your AeroPress?") == "zh"
    assert chinese.other_language("蒸馏水可以冲咖啡吗") is None
    assert Bm25Index().other_language("蒸馏水") is None  # nothing in the material yet
    # English material with one Chinese notice: English questions are not translated
    lopsided = Bm25Index()
    notice = "".join(chr(0x4E00 + i) for i in range(120))
    lopsided.build(1, [f"n{n}" for n in range(201)],
                   [f"word{n} coffee" for n in range(200)] + [notice])
    assert lopsided.other_language("How long should I rest beans?") is None


@pytest.mark.parametrize(("question", "answer"), [
    ("摩卡壶下壶应该放冷水还是热水？", "water that has just boiled"),
    ("冷冻的咖啡豆拿出来要先回温再磨吗？", "Grind straight from the freezer"),
])
def test_a_chinese_question_finds_the_english_passage(bilingual: KnowledgeBase, question: str,
                                                     answer: str) -> None:
    bilingual.cross_language = False
    try:
        assert not any(answer in h.text for h in bilingual.search(question, k=3))
    finally:
        bilingual.cross_language = True
    hits = bilingual.search(question, k=3)
    [hit] = [h for h in hits if answer in h.text]
    assert hit.translation and {"dense_translated", "bm25_translated"} & set(hit.ranks)
    assert hit.explain()["translation"] == hit.translation


def test_an_english_question_finds_the_chinese_passage(bilingual: KnowledgeBase) -> None:
    question = "Where did you buy the apron you wear in the videos?"
    bilingual.cross_language = False
    try:
        ranked = bilingual.search(question, k=3, min_score=-1)
        assert not any("围裙" in h.text for h in ranked)
    finally:
        bilingual.cross_language = True
    ranked = bilingual.search(question, k=3, min_score=-1)
    assert any("围裙是我妈妈用一条旧牛仔裤改的" in h.text for h in ranked)


def test_a_question_the_material_cannot_answer_still_gets_no_context(
        bilingual: KnowledgeBase) -> None:
    assert bilingual.search("你有抖音账号吗？", k=3) == []
    # its translation matches a Chinese passage about coffee closely, but too many of its words
    # have no sense anywhere in the material: the stricter share for translations holds it back,
    # and with it relaxed, the evidence gate still does where an absolute floor would not
    question = "Can you share your espresso martini recipe?"
    assert bilingual.search(question, k=3) == []
    strict = bilingual.gate
    bilingual.gate = replace(strict, max_unseen_translated=1.01)
    try:
        assert bilingual.search(question, k=3) == []
        bilingual.gate = replace(strict, max_unseen_translated=1.01, mode="floor")
        assert bilingual.search(question, k=3) != []
    finally:
        bilingual.gate = strict


def test_a_translation_the_gate_would_not_admit_is_searched_only_when_exploring(
        bilingual: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "Can you share your espresso martini recipe?"
    embedded: list[list[str]] = []
    queries = bilingual.embedder.queries
    monkeypatch.setattr(bilingual.embedder, "queries",
                        lambda texts: embedded.append(list(texts)) or queries(texts))
    assert bilingual.search(question, k=3) == []
    assert embedded == [[question]]  # one embedding: the question as asked
    explored = bilingual.search(question, k=3, min_score=-1)
    assert len(embedded[-1]) == 2 and explored[0].translation
    assert any(set(h.ranks) & {"dense_translated", "bm25_translated"} for h in explored)


def test_a_question_in_the_materials_only_language_is_searched_as_before(
        tmp_path: Path) -> None:
    kb = KnowledgeBase(open_client(path=tmp_path), E5Embedder())
    for n in range(12):
        kb.add(Document(f"day{n}.md", f"Brew day {n}: the grinder at setting {n + 10}, water "
                                      f"at {88 + n % 6}°C, a bloom of {30 + n} seconds."))
    kb.add(Document("water.md", "Distilled water makes coffee taste hollow and sour, so I add "
                                "minerals back with a little Epsom salt and baking soda."))
    question = "Can I brew with distilled water?"
    before = kb.search(question, k=3)
    kb.cross_language = False
    assert kb.search(question, k=3) == before
    assert before and before[0].source == "water.md" and before[0].translation == ""
    assert all(set(h.ranks) <= {"dense", "bm25"} for h in before)


def test_the_gate_gets_the_same_answers_without_fetching_cosines_that_cannot_pass(
        bilingual: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    # one of the Stagg kettle question's hits passes only by a cosine no dense ranking gave
    questions = ["摩卡壶下壶应该放冷水还是热水？", "How long should beans rest after roasting?",
                 "Where did you buy the apron you wear in the videos?", "你有抖音账号吗？",
                 "How often does the Stagg kettle need descaling?", "拿铁里的燕麦奶用哪个牌子？"]

    def results() -> list[list[tuple[str, float]]]:
        return [[(h.chunk_id, h.score) for h in bilingual.search(q, k=5)] for q in questions]

    pruned = results()
    assert any(pruned) and not all(pruned)  # some get context, some none
    fetched: list[int] = []
    get = bilingual._collection.get

    def counting_get(*args: object, **kwargs: object) -> object:
        if "embeddings" in kwargs.get("include", ()):  # type: ignore[operator]
            fetched.append(len(kwargs["ids"]))  # type: ignore[arg-type]
        return get(*args, **kwargs)

    monkeypatch.setattr(bilingual._collection, "get", counting_get)
    assert results() == pruned
    every = fetched.copy()
    cosines = KnowledgeBase._cosines
    monkeypatch.setattr(KnowledgeBase, "_cosines", lambda self, vectors, ids, known, wanted:
                        cosines(self, vectors, ids, known, lambda cid, name: True))
    fetched.clear()
    assert results() == pruned
    assert sum(every) < sum(fetched) / 2  # most cosines could not have passed: not fetched


def test_the_dictionary_is_built_once_and_kept_for_later_starts(tmp_path: Path) -> None:
    """Building it from CC-CEDICT takes seconds: a later start opens the kept one instead, and
    never reads the dictionary (a changed glossary is a new kept lexicon, never a stale one)."""
    glossary = tmp_path / "glossary.csv"
    glossary.write_text(f"zh,en\n手冲,pour-over {tmp_path.name}\n", encoding="utf-8")
    cache = tmp_path / "cache"
    built = crosslingual.lexicon(glossary, cache)
    [kept] = cache.glob("lexicon-*.sqlite")
    probe = ("from pathlib import Path\nfrom knowledge import crosslingual\n"
             f"lexicon = crosslingual.lexicon(Path({str(glossary)!r}), Path({str(cache)!r}))\n"
             "print(lexicon.translate('手冲', 'en').words, lexicon.translate('法压壶', 'en').words,"
             " crosslingual._other_script.cache_info().misses)\n")  # 1 if it was built
    later = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
                           timeout=120, check=True)
    expected = (built.translate("手冲", "en").words, built.translate("法压壶", "en").words)
    assert later.stdout.strip() == f"{expected[0]} {expected[1]} 0"
    glossary.write_text("zh,en\n手冲,hand pour\n", encoding="utf-8")
    os.utime(glossary, (time.time() + 5, time.time() + 5))
    assert crosslingual.lexicon(glossary, cache).translate("手冲", "en").words == [["hand pour"]]
    assert len(list(cache.glob("lexicon-*.sqlite"))) == 2 and kept.exists()
