"""Checks a topic set (heldout-*/, dev-aquarium/, dev-running/, dev-watercolour/…): unique ids,
and every answer span in exactly one corpus file (its named source, within one line, 5–40
characters), whitespace collapsed.

    python bench/retrieval/check_set.py bench/retrieval/heldout-*/
"""

import collections
import json
import re
import sys
from pathlib import Path


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def check(here: Path, longest: int = 40) -> int:
    """Print the set's counts and each bad answer; return how many answers are bad. (The
    bicycle set, written first, has answers of up to 62 characters.)"""
    files = sorted(p.name for p in (here / "corpus").iterdir())
    raw = {f: (here / "corpus" / f).read_text("utf-8") for f in files}
    text = {f: fold(t) for f, t in raw.items()}
    lines = (here / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)), "duplicate ids"
    errors = 0
    for q in questions:
        assert q["lang"] in ("en", "zh")
        if q["source"] is None:
            assert q["answer"] is None
            continue
        found = [f for f in files if fold(q["answer"]) in text[f]]
        ok = found == [q["source"]] and 5 <= len(q["answer"]) <= longest
        ok = ok and any(q["answer"] in line for line in raw[q["source"]].splitlines())
        if not ok:
            errors += 1
            print("BAD", q["id"], len(q["answer"]), found)
    chinese = {f for f in files if "-zh" in f}
    answerable = [q for q in questions if q["source"]]
    cross = [q for q in answerable if (q["lang"] == "zh") != (q["source"] in chinese)]
    print("answerable", len(answerable), collections.Counter(q["lang"] for q in answerable),
          "cross", len(cross))
    print("unanswerable", len(questions) - len(answerable))
    print("errors", errors)
    return errors


if __name__ == "__main__":
    bad = sum(check(Path(folder)) for folder in sys.argv[1:] or ["."])
    sys.exit(1 if bad else 0)
