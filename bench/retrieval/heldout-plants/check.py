import json, os, re, collections
C = "corpus"
files = sorted(os.listdir(C))
norm = lambda s: re.sub(r"\s+", " ", s)
text = {f: norm(open(os.path.join(C, f), encoding="utf-8").read()) for f in files}
raw = {f: open(os.path.join(C, f), encoding="utf-8").read() for f in files}
qs = [json.loads(l) for l in open("questions.jsonl", encoding="utf-8")]
ids = [q["id"] for q in qs]
assert len(ids) == len(set(ids)), "duplicate ids"
err = 0
for q in qs:
    assert set(q) == {"id", "lang", "question", "source", "answer"}, q
    assert q["lang"] in ("en", "zh")
    if q["source"] is None:
        assert q["answer"] is None; continue
    a = norm(q["answer"])
    hits = [f for f in files if a in text[f]]
    ok = hits == [q["source"]] and 5 <= len(q["answer"]) <= 40
    # single line/paragraph
    ok = ok and any(q["answer"] in line for line in raw[q["source"]].splitlines())
    if not ok: err += 1; print("BAD", q["id"], len(q["answer"]), hits)
zh_files = {f for f in files if "-zh" in f}
ans = [q for q in qs if q["source"]]
una = [q for q in qs if not q["source"]]
cross = [q for q in ans if (q["lang"] == "zh") != (q["source"] in zh_files)]
print("files", len(files), "zh files", sorted(zh_files))
for f in files:
    t = raw[f]; print(f, len(t.split()), "words /", len(re.findall(r"[\u4e00-\u9fff]", t)), "han")
print("answerable", len(ans), collections.Counter(q["lang"] for q in ans), "cross", len(cross))
print("unanswerable", len(una), collections.Counter(q["lang"] for q in una))
print("per source", collections.Counter(q["source"] for q in ans))
print("errors", err)
