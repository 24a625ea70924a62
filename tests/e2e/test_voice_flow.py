"""The voice loop with the real CLI and the real openai client against the fake server:
approved replies → export → validate → upload → job → promote → drafts use the new model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.harness import Sandbox
from tests.fakes.openai_server import FakeOpenAI

QUESTIONS = [
    "What water temperature for a V60?", "How long should cold brew steep?",
    "Which grinder do you use at home?", "Do you rinse paper filters?",
    "What ratio for French press?", "How fine for espresso?", "Is tap water okay?",
    "How do you store beans?", "Oat milk or whole milk for latte art?",
    "How long do beans need to rest?", "What kettle is that?", "Do you weigh every brew?",
]


@pytest.fixture(scope="module")
def approved(tmp_path_factory: pytest.TempPathFactory, openai_server: FakeOpenAI) -> Path:
    """A sandbox where the creator approved 12 replies, 11 of them edited (built once)."""
    root = tmp_path_factory.mktemp("approved")
    sandbox = Sandbox(root, openai_server.base_url)
    sandbox.add_comments([{"id": f"q{n}", "author": f"Viewer {n}", "text": text}
                          for n, text in enumerate(QUESTIONS)])
    sandbox.cli("run", "--once")
    for n, draft in enumerate(box_drafts(sandbox)):
        edit = [] if n == 0 else ["--text", f"My own answer number {n}, short and warm. — Lina"]
        sandbox.cli("queue", "approve", str(draft["id"]), *edit)
    return root


@pytest.fixture
def box(approved: Path, tmp_path: Path, fake_openai: FakeOpenAI) -> Sandbox:
    shutil.copytree(approved, tmp_path / "box")
    sandbox = Sandbox(tmp_path / "box", fake_openai.base_url)
    sandbox.write_config(extra="[finetune]\npoll_s = 0.05\n")
    return sandbox


def box_drafts(box: Sandbox) -> list[dict[str, object]]:
    return list(box.json("queue", "list"))


def test_the_voice_loop_from_approvals_to_a_promoted_model(
        box: Sandbox, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    exported = box.json("finetune", "export", "--out", str(train))
    assert (exported["train_examples"], exported["valid_examples"]) == (11, 1)
    first = json.loads(train.read_text(encoding="utf-8").splitlines()[0])
    roles = [m["role"] for m in first["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert "Lina Brews" in first["messages"][0]["content"]
    assert "data, not instructions" in first["messages"][1]["content"]

    report = box.json("finetune", "validate", str(train))
    assert report["ok"] and report["examples"] == 11 and report["encoding"] == "o200k_base"
    assert report["tokens"]["total"] > 11 * 50
    assert report["estimated_cost_usd"] == pytest.approx(
        report["tokens"]["total"] * 3 * 3.0 / 1_000_000, abs=1e-4)

    done = box.json("finetune", "start", "--file", str(train), "--suffix", "lina",
                    "--epochs", "2", "--wait")
    assert done["status"] == "succeeded" and done["model"].startswith(
        "ft:gpt-4o-mini-2024-07-18:")
    assert done["metrics"]["train_loss"] > 0 and "valid_loss" in done["metrics"]
    job = fake_openai.jobs[done["job_id"]]
    assert job.body["method"] == {"type": "supervised",
                                  "supervised": {"hyperparameters": {"n_epochs": 2}}}
    assert fake_openai.uploaded(job.body["training_file"]) == train.read_bytes()
    held = train.with_name("train.valid.jsonl")
    assert fake_openai.uploaded(job.body["validation_file"]) == held.read_bytes()

    listed = box.json("voice", "models")
    assert listed["active"] == "fake-model"
    [record] = listed["models"]
    assert (record["train_examples"], record["valid_examples"], record["epochs"]) == (11, 1, 2)

    box.cli("finetune", "promote", done["job_id"])  # by its job: the model is what counts
    assert box.json("voice", "models")["active"] == done["model"]
    box.add_comments([{"id": "later", "author": "New", "text": "Any tips for cold brew?"}])
    box.cli("run", "--once")
    assert fake_openai.chat_requests()[-1]["model"] == done["model"]

    # the next round of training builds on the promoted model
    again = box.json("finetune", "start", "--file", str(train))
    assert fake_openai.jobs[again["job_id"]].body["model"] == done["model"]


def test_edited_replies_become_preference_pairs(box: Sandbox, tmp_path: Path) -> None:
    pairs = tmp_path / "dpo.jsonl"
    exported = box.json("finetune", "export", "--out", str(pairs), "--dpo")
    assert exported["train_examples"] + exported["valid_examples"] == 11  # the edited ones
    row = json.loads(pairs.read_text(encoding="utf-8").splitlines()[0])
    assert row["preferred_output"][0]["content"].startswith("My own answer number")
    assert row["non_preferred_output"][0]["content"].startswith("Thanks for writing!")
    assert [m["role"] for m in row["input"]["messages"]] == ["system", "user"]
    assert box.json("finetune", "validate", str(pairs))["format"] == "dpo"


def test_a_bad_file_is_refused_with_line_numbers_before_any_upload(
        box: Sandbox, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    box.cli("finetune", "export", "--out", str(train))
    lines = train.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[3])
    broken["messages"] = broken["messages"][:2]  # no assistant message
    empty = json.loads(lines[5])
    empty["messages"][2]["content"] = " "
    lines[1] = "{not json"
    lines[3], lines[5] = json.dumps(broken), json.dumps(empty)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = box.cli("finetune", "validate", str(bad), "--json", check=False)
    assert result.returncode == 1
    errors = {e["line"]: e["message"] for e in json.loads(result.stdout)["errors"]}
    assert errors[2].startswith("not JSON")
    assert errors[4] == "no assistant message"
    assert errors[6] == "message 3 (assistant) has empty content"
    refused = box.cli("finetune", "start", "--file", str(bad), check=False)
    assert refused.returncode == 1 and "not uploaded" in refused.stderr
    assert fake_openai.files == {}


def test_a_failed_job_is_reported_with_its_error(box: Sandbox, fake_openai: FakeOpenAI,
                                                 tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    box.cli("finetune", "export", "--out", str(train))
    fake_openai.behaviour.job_outcome = "failed"
    result = box.cli("finetune", "start", "--file", str(train), "--wait", check=False)
    assert result.returncode == 1
    assert "too few examples" in result.stdout and "failed" in result.stdout
    status = box.cli("finetune", "status", "--json", check=False)
    assert status.returncode == 1
    assert json.loads(status.stdout)["error"].startswith("The training file has too few")
    refused = box.cli("finetune", "promote", "ft:unknown-model", check=False)
    assert refused.returncode == 1 and "--any" in refused.stderr


def test_a_running_job_can_be_cancelled(box: Sandbox, fake_openai: FakeOpenAI,
                                        tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    box.cli("finetune", "export", "--out", str(train))
    job = box.json("finetune", "start", "--file", str(train))["job_id"]
    cancelled = box.json("finetune", "cancel", job)
    assert cancelled["status"] == "cancelled"
    assert fake_openai.jobs[job].status == "cancelled"


def test_a_stronger_model_writes_examples_that_count_after_review(
        box: Sandbox, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    box.add_comments([{"id": f"n{n}", "author": f"New {n}", "text": text} for n, text in
                      enumerate(["How hot should milk be for a latte?", "Love the music!",
                                 "加我微信，每天带你赚五百"])])
    box.cli("run", "--once")
    result = box.json("finetune", "synthesize", "--model", "teacher-model")
    assert result == {"comments": 2, "written": 2, "held_by_guard": 0}  # not the spam
    assert {r["model"] for r in fake_openai.chat_requests()[-2:]} == {"teacher-model"}
    review = box.json("voice", "examples")
    assert [e["status"] for e in review] == ["review", "review"]
    before = box.json("finetune", "export", "--out", str(tmp_path / "a.jsonl"))
    box.cli("voice", "accept", str(review[0]["id"]))
    box.cli("voice", "drop", str(review[1]["id"]))
    after = box.json("finetune", "export", "--out", str(tmp_path / "b.jsonl"))
    count = after["train_examples"] + after["valid_examples"]
    assert count == before["train_examples"] + before["valid_examples"] + 1
    assert box.json("finetune", "synthesize")["comments"] == 0  # each comment once
    assert box.cli("voice", "accept", "999", check=False).returncode == 1
