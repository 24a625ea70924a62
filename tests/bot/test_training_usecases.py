"""Training and voice use cases called directly: real SQLite, real Chroma, the real openai
client against the fake OpenAI server; no command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Settings
from bot.domain import ExampleSource, ExampleStatus, Label, NewDraft, Status
from bot.usecases import evaluation, queue, training, voice
from bot.voice.finetune import FineTuner
from knowledge.store import KnowledgeBase
from tests.conftest import build_app, make_settings
from tests.e2e.test_eval_flow import NOTES, replier
from tests.fakes.connector import FakeConnector
from tests.fakes.openai_server import FakeOpenAI

QUESTIONS = ["What water temperature for a V60?", "How long should cold brew steep?",
             "Which grinder do you use?", "Do you rinse paper filters?",
             "What ratio for French press?", "How fine for espresso?", "Is tap water okay?",
             "How do you store beans?", "Oat milk or whole milk?", "How long do beans rest?",
             "What kettle is that?", "Do you weigh every brew?"]


@pytest.fixture
def online(tmp_path: Path, fake_openai: FakeOpenAI) -> Settings:
    """Settings whose model, judge and fine-tuning endpoint are the fake server."""
    return make_settings(tmp_path / "data", llm={"base_url": fake_openai.base_url,
                                                 "api_key": "test-key", "model": "fake-model"})


@pytest.fixture
def parts(online: Settings, connector: FakeConnector, kb: KnowledgeBase) -> Iterator[App]:
    application = build_app(online, {connector.name: connector}, None, kb)
    yield application
    application.close()


def waiting(parts: App, connector: FakeConnector, text: str, label: str = Label.QUESTION
            ) -> int:
    """A comment with a drafted reply waiting in the queue; its draft id."""
    comment = connector.push_comment(text, comment_id=f"c{len(connector.inbox) + 1}")
    parts.store.ingest(connector.name, "default", [comment], str(len(connector.inbox)))
    stored = next(s for s in parts.store.unprocessed()
                  if s.comment.comment_id == comment.comment_id)
    draft_id = parts.store.create_draft(stored.pk, NewDraft(
        Status.PENDING, "awaiting approval", reply_text="Thanks for writing! — Lina",
        triage_label=label))
    assert draft_id is not None
    return draft_id


def approve_all(parts: App, connector: FakeConnector) -> None:
    for n, text in enumerate(QUESTIONS):
        draft_id = waiting(parts, connector, text)
        assert queue.approve(parts, draft_id, "test", text=f"My own answer {n}. — Lina").done


def test_start_exports_checks_uploads_and_creates_the_job(
        parts: App, connector: FakeConnector, fake_openai: FakeOpenAI) -> None:
    approve_all(parts, connector)
    tuner = FineTuner(parts.settings, parts.store)
    started = training.start(parts.store, parts.settings, tuner, epochs=2,
                             clock=lambda: datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert started.record is not None and started.report.examples == 11
    assert started.held is not None and started.held.examples == 1
    exported = parts.settings.data_dir / "finetune" / "20261130-090000-supervised.jsonl"
    job = fake_openai.jobs[str(started.record.job_id)]
    assert fake_openai.uploaded(job.body["training_file"]) == exported.read_bytes()
    assert job.body["model"] == parts.settings.finetune.base_model
    assert parts.store.models()[0].train_examples == 11


def test_a_file_for_another_method_is_not_uploaded(
        parts: App, connector: FakeConnector, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    approve_all(parts, connector)
    chat = tmp_path / "chat.jsonl"
    assert training.export_examples(parts.store, parts.settings, chat).train_examples == 11
    started = training.start(parts.store, parts.settings,
                             FineTuner(parts.settings, parts.store), chat, method="dpo")
    assert started.record is None
    assert started.report.errors == [(0, "a chat file cannot train with --method dpo")]
    assert fake_openai.files == {} and parts.store.models() == []


def test_a_bad_validation_split_stops_the_upload(
        parts: App, connector: FakeConnector, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    approve_all(parts, connector)
    train = tmp_path / "train.jsonl"
    training.export_examples(parts.store, parts.settings, train)
    train.with_name("train.valid.jsonl").write_text("\n{broken\n", encoding="utf-8")
    started = training.start(parts.store, parts.settings,
                             FineTuner(parts.settings, parts.store), train)
    assert started.report.ok and started.record is None
    assert started.held is not None and started.held.errors[0][0] == 2
    assert fake_openai.files == {}


def test_validate_prices_the_file_for_the_base_a_job_would_use(
        parts: App, connector: FakeConnector, tmp_path: Path) -> None:
    approve_all(parts, connector)
    train = tmp_path / "train.jsonl"
    training.export_examples(parts.store, parts.settings, train)
    report = training.validate(parts.store, parts.settings, train, epochs=1)
    assert report.ok and report.base_model == "gpt-4o-mini-2024-07-18"
    assert report.cost_usd == round(sum(report.tokens) * 3.0 / 1_000_000, 4)


@pytest.fixture
def judged(parts: App, fake_openai: FakeOpenAI, tmp_path: Path) -> Path:
    """An evaluation set about the notes in the knowledge base, and a server whose `good` and
    `bad` models answer it well and badly."""
    fake_openai.behaviour.replier = replier
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    parts.knowledge.add_files([notes])
    items = [{"id": "a", "comment": "How long do you steep cold brew?", "facts": ["14 hours"]},
             {"id": "b", "comment": "What is your cold brew ratio?", "facts": ["1:10"]}]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def test_the_gate_refuses_a_model_that_scores_below_the_active_one(
        parts: App, judged: Path) -> None:
    assert training.promotion_gate(parts, "bad") is None  # no [eval] set: no gate
    parts.settings.eval.set = judged
    training.promote(parts.store, "good", any_model=True)
    assert training.promotion_gate(parts, "good") is None  # already drafting with it
    seen: list[tuple[int, int | None]] = []
    gate = training.promotion_gate(parts, "bad", lambda done, total: seen.append((done, total)))
    assert gate is not None and (gate.current, gate.candidate) == ("good", "bad")
    assert gate.candidate_score < gate.current_score and not gate.passed
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)


def test_an_evaluation_run_writes_its_reports(parts: App, judged: Path, tmp_path: Path) -> None:
    done = evaluation.run(parts, judged, ["good", "bad"], out_dir=tmp_path / "run")
    assert done.items == 2 and set(done.summary) == {"good", "bad"}
    assert done.summary["good"]["facts"] > done.summary["bad"]["facts"]
    assert {p.name for p in done.folder.iterdir()} >= {"results.jsonl", "report.md",
                                                       "report.html"}


def test_synthesized_replies_wait_for_review_then_count(
        parts: App, connector: FakeConnector, fake_openai: FakeOpenAI) -> None:
    approve_all(parts, connector)  # answered by a person: not written for again
    for question in ("Any decaf tips?", "Best beans?"):
        waiting(parts, connector, question)
    waiting(parts, connector, "Buy followers now", label=Label.SPAM)
    comments = voice.unanswered(parts.store)
    assert [c.text for c in comments] == ["Any decaf tips?", "Best beans?"]
    writer = voice.teacher(parts.settings, "teacher-model")
    done = voice.synthesize(parts, writer, comments)
    assert (done.comments, done.written + done.held_by_guard) == (2, 2)
    assert fake_openai.chat_requests()[-1]["model"] == "teacher-model"
    review = [e.id for e in parts.store.voice_examples("review")]
    assert len(review) == done.written
    assert voice.unanswered(parts.store) == []  # each comment is written for once
    assert voice.synthesize(parts, writer, []).to_json() == {
        "comments": 0, "written": 0, "held_by_guard": 0}


def test_examples_are_accepted_or_dropped_only_from_review(parts: App) -> None:
    store = parts.store
    store.add_voice_examples([{
        "source": ExampleSource.SYNTHESIZED, "platform": "fake", "comment_id": f"e{n}",
        "author": "viewer", "comment": "Which roast?", "video_title": None,
        "reply": f"Medium, number {n}.", "context": [], "status": ExampleStatus.REVIEW,
        "model": "teacher-model"} for n in range(3)])
    ids = [e.id for e in store.voice_examples(ExampleStatus.REVIEW)]
    assert voice.drop(store, [ids[0]]) == voice.Reviewed(1, 1)
    accepted = voice.accept(store, [ids[0], ids[1]])
    assert (accepted.asked, accepted.moved, accepted.complete) == (2, 1, False)
    assert voice.accept(store, every=True) == voice.Reviewed(1, 1)
    assert voice.accept(store, every=True).asked == 0  # nothing left in review
    assert [e.status for e in store.voice_examples()] == ["dropped", "ready", "ready"]
