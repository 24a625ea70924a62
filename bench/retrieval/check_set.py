"""Checks a topic set (a folder with corpus/ and questions.jsonl: heldout-*/, dev-*/,
thirdparty-*/): unique ids, and every answer span in exactly one corpus file (its named source,
within one line, 5–40 characters but where `LONGEST` allows more), whitespace collapsed.

    python bench/retrieval/check_set.py bench/retrieval/*/   # every topic set; exit 1 on any bad
"""

import collections
import json
import re
import sys
from pathlib import Path


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


#: the longest answer span a set allows: 40 characters, but in the bicycle set (written first)
#: and the SQuAD articles (whose answers are SQuAD's own)
LONGEST = {"heldout-bicycle": 80, "dev-squad": 200, "thirdparty-squad": 200,
           "thirdparty-squad-2": 200}


def check(here: Path) -> int:
    """Print the set's counts and each bad question with what is wrong with it; return how many
    questions are bad."""
    longest = LONGEST.get(here.resolve().name, 40)
    files = sorted(p.name for p in (here / "corpus").iterdir())
    raw = {f: (here / "corpus" / f).read_text("utf-8") for f in files}
    text = {f: fold(t) for f, t in raw.items()}
    lines = (here / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    errors = 0
    seen: set[str] = set()
    for q in questions:
        wrong = []
        if q["id"] in seen:
            wrong.append("a second question with this id")
        seen.add(q["id"])
        if q["lang"] not in ("en", "zh"):
            wrong.append(f"lang {q['lang']!r}, not en or zh")
        if q["source"] is None:
            if q["answer"] is not None:
                wrong.append("an answer but no source")
        else:
            found = [f for f in files if fold(q["answer"]) in text[f]]
            if found != [q["source"]]:
                wrong.append(f"answer found in {found}, expected only {q['source']}")
            if not 5 <= len(q["answer"]) <= longest:
                wrong.append(f"answer of {len(q['answer'])} characters, not 5 to {longest}")
            if found == [q["source"]] and not any(q["answer"] in line
                                                  for line in raw[q["source"]].splitlines()):
                wrong.append(f"answer spans a line break in {q['source']}")
        if wrong:
            errors += 1
            print("BAD", q["id"], "; ".join(wrong))
    chinese = {f for f in files if "-zh" in f}
    answerable = [q for q in questions if q["source"]]
    cross = [q for q in answerable if (q["lang"] == "zh") != (q["source"] in chinese)]
    print("answerable", len(answerable), collections.Counter(q["lang"] for q in answerable),
          "cross", len(cross))
    print("unanswerable", len(questions) - len(answerable))
    print("errors", errors)
    return errors


if __name__ == "__main__":
    sets = [Path(folder) for folder in sys.argv[1:] or ["."]]
    bad = sum(check(here) for here in sets if (here / "questions.jsonl").exists())
    sys.exit(1 if bad else 0)
