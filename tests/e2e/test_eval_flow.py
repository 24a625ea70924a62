"""`replybot eval` with the real CLI, the fake model server and its fake judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Sandbox
from tests.fakes.openai_server import FakeOpenAI, default_reply

NOTES = ("# Cold brew\n\nI steep cold brew for 14 hours in the fridge. The ratio is 1:10, "
         "60 g of coffee to 600 g of water. It keeps for 5 days.\n")
ITEMS = [
    {"id": "a", "comment": "How long do you steep cold brew?", "facts": ["14 hours"],
     "reference": "14 hours in the fridge. — Lina"},
    {"id": "b", "comment": "What is your cold brew ratio?", "facts": ["1:10"]},
    {"id": "c", "comment": "How long does cold brew keep?", "facts": ["5 days"]},
    {"id": "d", "comment": "Earn $500/day, DM me on telegram"},
]
REPLIES = {
    "good": "I steep cold brew for 14 hours in the fridge. The ratio is 1:10.\n— Lina",
    "bad": "I steep it for 48 hours on the counter. Then I add vanilla syrup.\n— Lina",
}


def replier(request: dict[str, Any]) -> str:
    if "response_format" in request or request["model"] not in REPLIES:
        return default_reply(request)
    return REPLIES[request["model"]]


@pytest.fixture
def box(tmp_path: Path, fake_openai: FakeOpenAI) -> Sandbox:
    fake_openai.behaviour.replier = replier
    sandbox = Sandbox(tmp_path, fake_openai.base_url)
    (tmp_path / "notes.md").write_text(NOTES, encoding="utf-8")
    sandbox.cli("kb", "add", str(tmp_path / "notes.md"))
    (tmp_path / "set.jsonl").write_text("".join(json.dumps(i) + "\n" for i in ITEMS),
                                        encoding="utf-8")
    return sandbox


def test_eval_run_measures_each_model_and_writes_reports(box: Sandbox, tmp_path: Path,
                                                         fake_openai: FakeOpenAI) -> None:
    out = tmp_path / "run"
    terse = tmp_path / "terse.toml"
    terse.write_text('[persona]\nname = "Lina"\ndescription = "You answer in one line."\n'
                     'signature = "— L."\n', encoding="utf-8")
    result = box.json("eval", "run", "--set", str(tmp_path / "set.jsonl"), "--model", "good",
                      "--model", "bad", "--prompt", f"terse={terse}", "--out", str(out))
    variant = result["summary"]["terse"]
    assert variant["drafted"] == 3 and variant["signature"] == 1.0
    systems = [r["messages"][0]["content"] for r in fake_openai.chat_requests()
               if "response_format" not in r]
    assert sum("You answer in one line." in s for s in systems) == 3
    good, bad = result["summary"]["good"], result["summary"]["bad"]
    assert (good["comments"], good["drafted"]) == (4, 3)  # the spam is never drafted
    assert good["faithfulness"] == 1.0 and bad["faithfulness"] == 0.0
    assert good["facts"] == pytest.approx((1 + 1 + 0) / 3)
    assert good["signature"] == 1.0 and good["guard_pass"] == 1.0
    assert good["answer_relevancy"] > bad["answer_relevancy"]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 12
    spam = next(r for r in rows if r["id"] == "d")
    assert (spam["drafted"], spam["triage"]) == (False, "spam")
    first = next(r for r in rows if r["id"] == "a" and r["variant"] == "good")
    assert first["voice_similarity"] > 0.8 and first["claims"][0]["supported"] is True
    assert first["cost_usd"] is None  # no price for the model "good"
    report = (out / "report.md").read_text()
    assert "| good |" in report and "Where the variants differ most" in report
    assert "faithfulness" in (out / "report.html").read_text()
    assert (out / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "cost_quality.png").stat().st_size > 1000
    judged = [r for r in fake_openai.chat_requests() if "response_format" in r]
    assert {r["model"] for r in judged} == {"gpt-4o-mini"}


def test_eval_compare_reports_significant_changes(box: Sandbox, tmp_path: Path) -> None:
    for model in ("bad", "good"):
        box.cli("eval", "run", "--set", str(tmp_path / "set.jsonl"), "--model", model,
                "--out", str(tmp_path / model))
    deltas = {d["metric"]: d for d in box.json("eval", "compare", str(tmp_path / "bad"),
                                                  str(tmp_path / "good"))}
    faithful = deltas["faithfulness"]
    assert (faithful["old"], faithful["new"], faithful["pairs"]) == (0.0, 1.0, 3)
    assert faithful["significant"] and faithful["ci95"] == [1.0, 1.0]
    assert not deltas["signature"]["significant"]  # both signed every reply
    table = box.cli("eval", "compare", str(tmp_path / "bad"), str(tmp_path / "good")).stdout
    assert "significant" in table and "yes" in table


def test_promote_refuses_a_model_that_scores_lower(box: Sandbox, tmp_path: Path) -> None:
    box.write_config(extra=f'[eval]\nset = "{tmp_path / "set.jsonl"}"\n')
    box.cli("finetune", "promote", "good", "--any")  # better than the default fake-model
    assert box.json("voice", "models")["active"] == "good"
    refused = box.cli("finetune", "promote", "bad", "--any", check=False)
    assert refused.returncode == 1 and "scores below the active model" in refused.stderr
    assert box.json("voice", "models")["active"] == "good"
    box.cli("finetune", "promote", "bad", "--any", "--force")
    assert box.json("voice", "models")["active"] == "bad"
