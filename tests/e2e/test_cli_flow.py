"""The creator's day with the real CLI: comments in, drafts queued, approve, posted once."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.harness import REPLYBOT, Sandbox
from tests.fakes.openai_server import FakeOpenAI

COMMENTS = [
    {"id": "q1", "author": "Tom", "text": "What water temperature do you use?",
     "video_id": "v60", "video_title": "V60 Basics"},
    {"id": "p1", "author": "Priya", "text": "Love this!"},
    {"id": "s1", "author": "Bot", "text": "Earn $500/day, DM me on telegram t.me/x"},
    {"id": "o1", "author": "LinaBrews", "text": "Thanks for watching everyone!"},
    {"id": "z1", "author": "小雨", "text": "冷萃要泡多久？"},
]


@pytest.fixture
def box(tmp_path: Path, fake_openai: FakeOpenAI) -> Sandbox:
    sandbox = Sandbox(tmp_path, fake_openai.base_url)
    sandbox.add_comments(COMMENTS)
    return sandbox


def pending_ids(box: Sandbox) -> dict[str, int]:
    return {d["comment_id"]: d["id"] for d in box.json("queue", "list")}


def test_comments_become_drafts_and_an_approval_posts_exactly_once(box: Sandbox) -> None:
    run = box.cli("run", "--once")
    assert '"event": "replybot stopped"' in run.stderr
    drafts = box.json("queue", "list")
    assert sorted(d["comment_id"] for d in drafts) == ["p1", "q1", "z1"]
    q1 = next(d for d in drafts if d["comment_id"] == "q1")
    assert {"id", "platform", "comment_id", "author", "comment", "reply", "status",
            "sources"} <= set(q1)
    assert (q1["platform"], q1["author"], q1["status"]) == ("local", "Tom", "pending")
    assert q1["reply"].endswith("— Lina")
    skipped = {d["comment_id"]: d["triage"] for d in box.json("queue", "list", "--status",
                                                              "skipped")}
    assert skipped == {"s1": "spam", "o1": "own"}
    assert box.outbox_records() == []

    approved = box.json("queue", "approve", str(q1["id"]))
    assert approved["status"] == "posted"
    [record] = box.outbox_records()
    assert (record["comment_id"], record["text"], record["reply_id"]) == \
        ("q1", q1["reply"], approved["reply_id"])

    again = box.cli("queue", "approve", str(q1["id"]), check=False)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: draft {q1['id']} is posted; it cannot become approved"
    box.cli("run", "--once")
    assert len(box.outbox_records()) == 1


def test_two_terminals_approving_at_once_post_once(box: Sandbox) -> None:
    box.cli("run", "--once")
    ids = pending_ids(box)
    racers = [subprocess.Popen([REPLYBOT, "queue", "approve", str(draft_id)], env=box.env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for draft_id in ids.values() for _ in range(2)]
    codes = [p.wait(timeout=120) for p in racers]
    assert sorted(codes) == [0, 0, 0, 1, 1, 1]
    posted = [r["comment_id"] for r in box.outbox_records()]
    assert sorted(posted) == sorted(ids)


def test_approve_later_leaves_posting_to_the_daemon(box: Sandbox) -> None:
    box.cli("run", "--once")
    draft_id = pending_ids(box)["p1"]
    assert box.json("queue", "approve", str(draft_id), "--later")["status"] == "approved"
    assert box.outbox_records() == []
    box.cli("run", "--once")
    assert [r["comment_id"] for r in box.outbox_records()] == ["p1"]


def test_edit_with_editor_then_approve_with_text_and_reject(box: Sandbox) -> None:
    box.cli("run", "--once")
    ids = pending_ids(box)
    edited = box.cli("queue", "edit", str(ids["q1"]), "--json",
                     extra_env={"EDITOR": "sed -i s/Thanks/Cheers/"})
    assert '"status": "pending"' in edited.stdout and "Cheers" in edited.stdout
    shown = box.json("queue", "show", str(ids["q1"]))
    assert shown["reply"].startswith("Cheers") and shown["draft"].startswith("Thanks")
    assert [a["reason"] for a in shown["audit"]] == ["awaiting approval", "reply text edited"]

    box.cli("queue", "approve", str(ids["z1"]), "--text", "14 小时。— Lina")
    assert box.outbox_records()[0]["text"] == "14 小时。— Lina"
    rejected = box.json("queue", "reject", str(ids["p1"]), "--reason", "not needed")
    assert rejected["status"] == "rejected"
    box.cli("run", "--once")
    assert [r["comment_id"] for r in box.outbox_records()] == ["z1"]
    audit = box.json("audit")
    assert any(a["to_status"] == "rejected" and a["reason"] == "not needed" for a in audit)


def test_a_malformed_inbox_line_is_reported_and_the_rest_processed(tmp_path: Path,
                                                                   fake_openai: FakeOpenAI
                                                                   ) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.add_comments(COMMENTS[:1])
    with box.inbox.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "broken", "author": \n')
    box.add_comments(COMMENTS[1:2])
    run = box.cli("run", "--once")
    assert f"{box.inbox}:2: not valid JSON" in run.stderr
    assert sorted(pending_ids(box)) == ["p1", "q1"]


def test_queue_show_text_for_people(box: Sandbox) -> None:
    box.cli("run", "--once")
    shown = box.cli("queue", "show", str(pending_ids(box)["q1"])).stdout
    assert "What water temperature do you use?" in shown and "awaiting approval" in shown
    # each positive check auto mode would need, with its score
    for name in ("relevance", "grounding", "voice", "respect", "obedience"):
        assert re.search(rf"check {name}: (holds|FAILS) -?\d+\.\d\d ", shown), name
    listing = box.cli("queue", "list").stdout
    assert "Tom" in listing and "pending" in listing


def test_bad_configuration_is_one_line_naming_the_key(box: Sandbox) -> None:
    box.write_config(extra='[knowledge]\ntop_k = "three"\n')
    result = box.cli("queue", "list", check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: invalid configuration: knowledge.top_k")


def test_unknown_draft_and_bad_status_are_clear(box: Sandbox) -> None:
    result = box.cli("queue", "approve", "999", check=False)
    assert result.returncode == 1 and "no draft 999" in result.stderr
    result = box.cli("queue", "list", "--status", "done", check=False)
    assert result.returncode == 2 and "all" in result.stderr


def test_kb_add_and_search_in_both_languages(box: Sandbox) -> None:
    demo = Path(__file__).parents[2] / "deploy" / "demo" / "knowledge"
    added = box.json("kb", "add", str(demo))
    assert len(added["results"]) == 6 and added["problems"] == []
    again = box.json("kb", "add", str(demo))
    assert sum(r["added"] for r in again["results"]) == 0
    hits = box.json("kb", "search", "冷萃在冰箱里泡多久", "--k", "3")
    assert 1 <= len(hits) <= 3 and set(hits[0]) >= {"source", "text", "score"}
    assert any("14" in h["text"] for h in hits)
    listed = box.json("kb", "list")
    assert sum(s["chunks"] for s in listed) > 20


def test_a_chinese_question_finds_english_material_and_a_glossary_is_checked(
        box: Sandbox) -> None:
    corpus = Path(__file__).parents[2] / "bench" / "retrieval" / "corpus"
    box.json("kb", "add", str(corpus))
    (box.config.parent / "glossary.csv").write_text("zh,en\n下壶,bottom chamber\n",
                                                    encoding="utf-8")
    box.write_config(extra='[knowledge]\nglossary = "glossary.csv"\n')
    question = "摩卡壶下壶应该放冷水还是热水？"
    hits = box.json("kb", "search", question, "--explain")
    [hit] = [h for h in hits if "water that has just boiled" in h["text"]]
    assert "bottom chamber" in hit["explain"]["translation"]
    assert hit["explain"]["translated_dense_rank"] or hit["explain"]["translated_bm25_rank"]
    table = box.cli("kb", "search", question, "--explain").stdout
    assert "also searched as: mocha pot bottom chamber" in table and "transl." in table
    (box.config.parent / "glossary.csv").write_text("bottom chamber,下壶\n", encoding="utf-8")
    broken = box.cli("kb", "search", question, check=False)
    assert broken.returncode != 0 and "glossary.csv:1" in broken.stderr


@pytest.mark.slow
def test_the_default_bundled_model_runs_the_whole_flow_offline(tmp_path: Path) -> None:
    box = Sandbox(tmp_path, llm_url=None)
    box.add_comments(COMMENTS[:2])
    box.cli("run", "--once", timeout=300)
    drafts = box.json("queue", "list")
    assert len(drafts) == 2
    assert all(d["reply"] and d["reply"].endswith("— Lina") for d in drafts)
    assert {d["status"] for d in drafts} == {"pending"}


def test_markup_in_a_comment_is_shown_not_interpreted(tmp_path: Path,
                                                      fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.add_comments([{"id": "m1", "author": "[bold]Eve[/]", "text": "what is [/] and [red]?"}])
    box.cli("run", "--once")
    listing = box.cli("queue", "list").stdout
    assert "[bold]Eve[/]" in listing
    shown = box.cli("queue", "show", str(pending_ids(box)["m1"])).stdout
    assert "what is [/] and [red]?" in shown


def test_approve_exits_non_zero_when_the_post_fails(box: Sandbox) -> None:
    box.write_config(extra="")
    box.cli("run", "--once")
    box.config.write_text(box.config.read_text().replace(
        'own_authors = ["LinaBrews"]', 'own_authors = ["LinaBrews"]\nmax_reply_chars = 5'))
    result = box.cli("queue", "approve", str(pending_ids(box)["q1"]), check=False)
    assert result.returncode == 1 and "failed" in result.stdout and "limit is 5" in result.stdout
    assert box.outbox_records() == []


def test_help_works_even_when_the_configuration_is_broken(box: Sandbox) -> None:
    box.write_config(extra="[knowledge]\ntop_k = 'x'\n")
    result = box.cli("queue", "list", "--help")
    assert "--status" in result.stdout


def test_help_shows_config_sections_as_written(box: Sandbox) -> None:
    help_text = " ".join(box.cli("eval", "run", "--help").stdout.split())
    assert "with a [persona] table" in help_text  # not taken for a style and dropped


def test_kb_sync_mirrors_a_folder_and_explain_shows_both_scores(box: Sandbox,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "kettle.md").write_text("# Kettle\n\nI use a Fellow Stagg EKG set to 93°C.",
                                      encoding="utf-8")
    (folder / "beans.txt").write_text("I buy beans from a local roaster every two weeks.",
                                      encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"not a pdf")
    first = box.cli("kb", "sync", str(folder), "--json", check=False)
    assert first.returncode == 1 and "broken.pdf" in first.stderr  # reported, the rest added
    assert sum(r["added"] for r in json.loads(first.stdout)["results"]) == 2
    (folder / "broken.pdf").unlink()
    (folder / "beans.txt").unlink()
    (folder / "kettle.md").write_text("# Kettle\n\nI use a Fellow Stagg EKG set to 94°C.",
                                      encoding="utf-8")
    second = box.json("kb", "sync", str(folder))
    assert [(r["added"], r["removed"]) for r in second["results"]] == [(1, 1)]
    assert list(second["removed"].values()) == [1]
    [hit] = box.json("kb", "search", "Fellow Stagg EKG temperature", "--k", "1", "--explain")
    assert "94°C" in hit["text"] and hit["explain"]["bm25_rank"] == 1
    table = box.cli("kb", "search", "Fellow Stagg EKG temperature", "--explain").stdout
    assert "bm25 (rank)" in table and "coverage" in table
    # the answerability gate, chosen in the config, judges the question and says by how much
    box.write_config(extra='[knowledge]\ngate = "answerable"\n')
    [hit] = box.json("kb", "search", "Fellow Stagg EKG temperature", "--k", "1", "--explain")
    assert hit["explain"]["gate"]["passed"] and "answerable" in hit["explain"]["gate"]
    table = box.cli("kb", "search", "Fellow Stagg EKG temperature", "--explain").stdout
    assert "gate:" in table  # the gate's column, with the score (cells wrap in a narrow table)


def test_dry_run_then_flagged_comments_wait_for_your_words(tmp_path: Path,
                                                          fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    box.write_config(extra='[policy.actions]\nneeds_human = "flag"\n')
    box.add_comments([
        {"id": "q", "author": "Tom", "text": "What grind size for French press?"},
        {"id": "h", "author": "Sam", "text": "I don't want to live anymore"},
        {"id": "s", "author": "Bot", "text": "加我微信，每天带你赚五百"},
    ])
    rows = {r["comment_id"]: r for r in box.json("run", "--dry-run", "--mode", "auto")}
    assert {k: r["would"] for k, r in rows.items()} == {"q": "post", "h": "flag", "s": "skip"}
    assert rows["q"]["rule"] == "policy.actions.question" and rows["q"]["reply"]
    assert rows["h"]["action"] == "flag" and rows["h"]["reply"] is None
    table = box.cli("run", "--dry-run").stdout
    assert "dry run" in table and "flag" in table
    assert box.json("queue", "list", "--status", "all") == [] and box.outbox_records() == []

    box.cli("run", "--once")
    waiting = {d["comment_id"]: d for d in box.json("queue", "list")}
    assert {k: d["status"] for k, d in waiting.items()} == {"q": "pending", "h": "flagged"}
    flagged = str(waiting["h"]["id"])
    shown = box.cli("queue", "show", flagged).stdout
    assert "policy: flag (policy.actions.needs_human)" in shown and "none drafted" in shown
    question = box.cli("queue", "show", str(waiting["q"]["id"])).stdout
    assert "guard: pass" in question and "classifier:" in question

    refused = box.cli("queue", "approve", flagged, check=False)
    assert refused.returncode == 2 and "flagged with no reply drafted" in refused.stderr
    posted = box.json("queue", "approve", flagged, "--text", "Sam, I'm really glad you "
                      "wrote. Please reach out to someone you trust today. — Lina")
    assert posted["status"] == "posted"
    audit = box.json("audit", "--draft", flagged)
    assert audit[0]["detail"]["triage"]["label"] == "needs_human"
    assert [e["to_status"] for e in audit] == ["flagged", "approved", "posting", "posted"]
