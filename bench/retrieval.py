"""Retrieval quality and speed on the evaluation set in bench/retrieval/.

    python bench/retrieval.py            # quality, ingest, and latency at 10k and 100k chunks
    python bench/retrieval.py --quick    # quality and ingest only

Quality: recall@3 and MRR (over the top 10) for dense-only and hybrid ranking, before the gate;
then with the gate, as the bot uses it: answerable questions whose answer is still in the top 3,
and unanswerable questions that correctly get no context. A question counts as answered when a
retrieved chunk contains its answer passage (whitespace folded).

Scale: the latency of `search` (query embedding included) over collections padded to 10,000 and
100,000 chunks. The padding chunks have random vectors and random text, which costs the index
the same work as real chunks would without hours of embedding.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.embeddings import E5Embedder  # noqa: E402
from knowledge.loaders import expand, load  # noqa: E402
from knowledge.store import KnowledgeBase, open_client  # noqa: E402

SET = ROOT / "bench" / "retrieval"


def fold(text: str) -> str:
    return " ".join(text.split())


def questions() -> list[dict[str, str | None]]:
    lines = (SET / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def ingest(kb: KnowledgeBase) -> tuple[int, float]:
    started = time.perf_counter()
    chunks = sum(kb.add(load(path)).added for path in expand([SET / "corpus"]))
    return chunks, time.perf_counter() - started


def rank_of(hits: list, answer: str) -> int | None:  # type: ignore[type-arg]
    for n, hit in enumerate(hits, start=1):
        if fold(answer) in fold(hit.text):
            return n
    return None


def quality(kb: KnowledgeBase, items: list[dict[str, str | None]]) -> dict[str, object]:
    answerable = [q for q in items if q["answer"]]
    unanswerable = [q for q in items if not q["answer"]]
    result: dict[str, object] = {"answerable": len(answerable),
                                 "unanswerable": len(unanswerable)}
    misses: list[str] = []
    for mode, hybrid in (("dense", False), ("hybrid", True)):
        ranks = [rank_of(kb.search(str(q["question"]), k=10, min_score=-1.0, hybrid=hybrid),
                         str(q["answer"])) for q in answerable]
        result[f"{mode}_recall@3"] = round(sum(1 for r in ranks if r and r <= 3)
                                           / len(answerable), 3)
        result[f"{mode}_mrr"] = round(sum(1 / r for r in ranks if r) / len(answerable), 3)
        for group, members in (("same_language", False), ("cross_language", True)):
            picked = [r for q, r in zip(answerable, ranks, strict=True)
                      if cross_language(q) == members]
            result[f"{mode}_recall@3_{group}"] = round(
                sum(1 for r in picked if r and r <= 3) / max(1, len(picked)), 3)
            result[f"{group}_questions"] = len(picked)
        gated = [rank_of(kb.search(str(q["question"]), k=3, hybrid=hybrid), str(q["answer"]))
                 for q in answerable]
        result[f"{mode}_gated_recall@3"] = round(sum(1 for r in gated if r) / len(answerable), 3)
        empty = [not kb.search(str(q["question"]), k=3, hybrid=hybrid) for q in unanswerable]
        result[f"{mode}_unanswerable_rejected"] = round(sum(empty) / len(unanswerable), 3)
        if hybrid:
            misses = [str(q["id"]) for q, r in zip(answerable, gated, strict=True) if not r]
            misses += [f"{q['id']} (given context)" for q, e in zip(unanswerable, empty,
                                                                   strict=True) if not e]
    result["hybrid_misses"] = misses
    return result


def cross_language(q: dict[str, str | None]) -> bool:
    """The question's language differs from the language of the passage that answers it."""
    answer = str(q["answer"] or "")
    answer_zh = any("\u3400" <= ch <= "\u9fff" for ch in answer)
    return (q["lang"] == "zh") != answer_zh


def pad(kb: KnowledgeBase, total: int, rng: random.Random) -> None:
    """Fill the collection up to `total` chunks with random vectors and text."""
    words = [f"w{n}" for n in range(20_000)] + ["coffee", "grinder", "water", "milk", "咖啡"]
    missing = total - kb.count()
    collection = kb._collection
    for start in range(0, missing, 5_000):
        n = min(5_000, missing - start)
        vectors = np.random.default_rng(start + total).standard_normal((n, 384),
                                                                       dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        collection.upsert(
            ids=[f"pad-{total}-{start + i}" for i in range(n)], embeddings=vectors,
            documents=[" ".join(rng.choices(words, k=60)) for _ in range(n)],
            metadatas=[{"source": "padding", "index": start + i} for i in range(n)])
    kb._bump()


def latency(kb: KnowledgeBase, items: list[dict[str, str | None]]) -> dict[str, float]:
    kb.search("warm up the BM25 index")  # the first search after a change rebuilds BM25
    times = []
    for q in items * 2:
        started = time.perf_counter()
        kb.search(str(q["question"]), k=3)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 10k/100k latency runs")
    parser.add_argument("--chunk-tokens", type=int, default=256)
    parser.add_argument("--chunk-overlap", type=int, default=25)
    args = parser.parse_args()
    items = questions()
    folder = Path(tempfile.mkdtemp())
    try:
        kb = KnowledgeBase(open_client(path=folder / "chroma"), E5Embedder(),
                           chunk_tokens=args.chunk_tokens, chunk_overlap=args.chunk_overlap)
        chunks, seconds = ingest(kb)
        _, again = ingest(kb)
        report: dict[str, object] = {
            "corpus_chunks": chunks, "ingest_chunks_per_s": round(chunks / seconds, 1),
            "ingest_s": round(seconds, 2), "reingest_unchanged_s": round(again, 2)}
        report.update(quality(kb, items))
        print_quality(report)
        if not args.quick:
            rng = random.Random(5)
            for total in (10_000, 100_000):
                started = time.perf_counter()
                pad(kb, total, rng)
                filled = time.perf_counter() - started
                report[f"latency_{total}"] = {**latency(kb, items), "fill_s": round(filled, 1)}
                print(f"  query latency at {total:,} chunks: {report[f'latency_{total}']}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "retrieval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def print_quality(r: dict[str, object]) -> None:
    print(f"retrieval: {r['answerable']} answerable and {r['unanswerable']} unanswerable "
          "questions (EN + ZH), bundled multilingual-e5-small")
    print(f"  ingest: {r['corpus_chunks']} chunks in {r['ingest_s']} s "
          f"({r['ingest_chunks_per_s']} chunks/s); unchanged re-ingest "
          f"{r['reingest_unchanged_s']} s")
    for mode in ("dense", "hybrid"):
        print(f"  {mode:<6}  recall@3 {r[f'{mode}_recall@3']:.3f} (same language "
              f"{r[f'{mode}_recall@3_same_language']:.3f} of {r['same_language_questions']}, "
              f"cross-language {r[f'{mode}_recall@3_cross_language']:.3f} of "
              f"{r['cross_language_questions']})")
        print(f"          MRR {r[f'{mode}_mrr']:.3f}  "
              f"| with the gate: answer kept {r[f'{mode}_gated_recall@3']:.3f}, unanswerable "
              f"given no context {r[f'{mode}_unanswerable_rejected']:.3f}")
    print(f"  hybrid misses: {', '.join(r['hybrid_misses']) or 'none'}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
