"""A comment's way to a draft: push a comment, run a cycle, read the queue."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from bot.app import App
from bot.domain import Status
from bot.errors import ModelError
from bot.service.daemon import Daemon
from knowledge.loaders import Document
from knowledge.store import KnowledgeBase
from tests.conftest import SIGNATURE
from tests.fakes.connector import FakeConnector, RecordingModel


def test_a_question_is_drafted_with_context_and_queued(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel,
        kb: KnowledgeBase) -> None:
    kb.add(Document("recipe.md", "# V60\n\nI brew at 93°C with a 1:15 ratio, 15 g to 225 g."))
    kb.add(Document("gear.md", "# Camera\n\nI film with a Sony ZV-E10 and a Sigma 30mm lens."))
    connector.push_comment("What water temperature do you brew at?", author="Tom",
                           video_title="V60 Basics")
    counters = daemon.run_once()
    assert (counters.new, counters.queued) == (1, 1)
    [draft] = app.store.drafts(Status.PENDING)
    assert draft.reply_text == f"Thanks! Glad it helped.\n{SIGNATURE}"
    assert draft.sources[0] == "recipe.md" and draft.context[0]["score"] >= 0.85
    prompt = model.calls[0][-1]["content"]
    assert "93°C" in prompt and '"What water temperature do you brew at?"' in prompt
    assert connector.posted == []


def test_a_replys_facts_are_checked_against_the_creators_notes_beyond_its_context(
        daemon: Daemon, connector: FakeConnector, model: RecordingModel,
        kb: KnowledgeBase) -> None:
    kb.add(Document("espresso.md", "# Espresso\n\nOn the Gaggia: 18 g in, 36 g out, 28 s."))
    kb.add(Document("gear.md", "# Camera\n\nI film with a Sony ZV-E10 and a Sigma 30mm lens."))
    replies = iter([f"18 g in, 36 g out. {SIGNATURE}", f"20 g in, 44 g out. {SIGNATURE}"])
    model.reply = lambda messages: next(replies)
    connector.push_comment("how much coffee for a shot?", author="Tom")
    connector.push_comment("and how much comes out of the shot?", author="Ann")
    right, wrong = (new.decisions["checks"]["grounding"] for _, new in daemon.dry_run(limit=2))
    assert right["ok"], right
    assert not wrong["ok"] and "20" in wrong["why"] and "44" in wrong["why"]


def test_an_answer_the_gate_gave_no_notes_is_checked_against_what_the_comment_finds(
        daemon: Daemon, connector: FakeConnector, model: RecordingModel,
        kb: KnowledgeBase) -> None:
    kb.add(Document("latte.md", "# Latte art\n\nFor a heart, pour high to mix, bring the "
                                "spout close to the surface, then lift and draw forward."))
    kb.add(Document("gear.md", "# Camera\n\nI film with a Sony ZV-E10 and a Sigma 30mm lens."))
    kb.gate = replace(kb.gate, mode="floor", min_score=0.99)  # no chunk is close enough
    model.reply = lambda messages: (f"Pour high to mix, bring the spout close, then draw "
                                    f"forward. {SIGNATURE}")
    connector.push_comment("heart steps?", author="Tom")
    connector.push_comment("which camera?", author="Ann")
    heart, camera = (new for _, new in daemon.dry_run(limit=2))
    assert heart.context == [] and camera.context == []  # the gate gave neither any notes
    grounded = heart.decisions["checks"]["grounding"]
    assert grounded["ok"] and "the comment's own words find" in grounded["why"], grounded
    # the same words answer nothing the other comment's words find
    held = camera.decisions["checks"]["grounding"]
    assert not held["ok"] and "no passage the comment's own words find" in held["why"], held


def test_thanks_needs_no_passages_looked_up(
        app: App, daemon: Daemon, connector: FakeConnector, kb: KnowledgeBase,
        monkeypatch: pytest.MonkeyPatch) -> None:
    kb.add(Document("latte.md", "# Latte art\n\nFor a heart, pour high to mix."))
    searched: list[str] = []
    real = kb.passages

    def spy(text: str, k: int = 3) -> list[str]:
        searched.append(text)
        return real(text, k)

    monkeypatch.setattr(kb, "passages", spy)
    connector.push_comment("Love this!")
    [(_, new)] = daemon.dry_run(limit=1)
    assert new.triage_label == "praise" and "Love this!" not in searched, searched


def test_a_failed_word_search_loses_only_evidence(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel,
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    app.settings.mode = "auto"
    kb.add(Document("latte.md", "# Latte art\n\nFor a heart, pour high to mix, then draw "
                                "forward."))
    kb.gate = replace(kb.gate, mode="floor", min_score=0.99)

    def broken(text: str, k: int = 3) -> list[str]:
        raise OSError("index unreadable")

    monkeypatch.setattr(kb, "passages", broken)
    model.reply = lambda messages: f"Pour high to mix, then draw forward. {SIGNATURE}"
    connector.push_comment("heart steps?", author="Tom")
    counters = daemon.run_once()
    assert (counters.new, counters.queued, counters.posted) == (1, 1, 0)
    [draft] = app.store.drafts(Status.PENDING)
    detail = app.store.audit(draft.id)[0].detail or {}
    assert detail["checks"]["grounding"]["why"] == "no notes were found to answer from"


def test_auto_mode_posts_in_the_same_cycle(app: App, daemon: Daemon,
                                           connector: FakeConnector) -> None:
    app.settings.mode = "auto"
    connector.push_comment("Love this!")
    counters = daemon.run_once()
    assert (counters.approved, counters.posted) == (1, 1)
    assert app.store.drafts(Status.POSTED)[0].reply_id == connector.posted[0].reply_id


def test_auto_mode_asks_that_a_comment_read_unlike_spam_and_names_the_check(
        app: App, daemon: Daemon, connector: FakeConnector) -> None:
    app.settings.mode = "auto"
    connector.push_comment("Your voice is so relaxing, I watch every Friday with my morning V60 "
                           "and it is the best part of my week - check out my vlog")
    # praise, then a plug: not called spam, but too close to spam as a whole, or in its last
    # sentence, to read unlike it
    connector.push_comment("Love your calm voice. I watch every Friday.")
    plugged, plain = (new for _, new in daemon.dry_run(limit=2))
    assert plugged.triage_label != "spam" and plugged.status == Status.PENDING
    assert not plugged.decisions["checks"]["spam"]["ok"]
    assert plugged.decisions["checks"]["spam"]["why"].startswith(
        ("a sentence reads like spam", "close to spam"))
    assert plain.status == Status.APPROVED and plain.decisions["checks"]["spam"]["ok"]
    # a creator who leaves the check out knowingly gets the old behaviour
    app.settings.guard.auto_checks = ["relevance", "grounding", "voice"]
    stored, again = next(iter(daemon.dry_run(limit=1)))
    assert stored.comment.text.startswith("Your voice") and again.status == Status.APPROVED


def _auto_drafts(app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel,
                 pairs: list[tuple[str, str]]) -> list[Any]:
    """What auto mode does with each comment when the model writes the reply beside it."""
    app.settings.mode = "auto"
    replies = iter(f"{reply} {SIGNATURE}" for _, reply in pairs)
    model.reply = lambda messages: next(replies)
    for n, (comment, _) in enumerate(pairs):
        connector.push_comment(comment, author=f"viewer-{n}")
    return [new for _, new in daemon.dry_run(limit=len(pairs))]


@pytest.mark.parametrize(("check", "why", "pairs"), [
    # contempt in ordinary words: the respect probe
    ("respect", "reads as belittling someone", [
        ("Here's my first latte art, be honest!", "Your latte art looks like the milk lost a "
         "fight, but everyone starts somewhere. Pour slower at 55–60°C."),
        ("Here's my second latte art, be honest!", "Your latte art is on its way! Pour slower "
         "and heat the milk to 55–60°C.")]),
    # a character's voice, asked for in passing: the character probes, within voice, one for
    # an answer that states numbers and one for a thank-you that states none
    ("voice", "in a character's voice, not the creator's", [
        ("My kid loves pirates! How long is the bloom?", "Arr, ye scallywag! Pour 30 grams o' "
         "water on yer grounds and wait 40 seconds by me pocket watch. Yo ho!"),
        ("My kid loves trains! How long is the bloom?", "Good question! Pour 30 g of water on "
         "the grounds and wait 40 seconds before the next pour.")]),
    ("voice", "in a character's voice, not the creator's", [
        ("Loved this one! Thank me cowboy-style 🤠", "Well howdy, partner! Mighty kind of ya to "
         "stop by the ranch kitchen. Yeehaw!"),
        ("Loved this one! Thanks Lina", "Thank you so much, that made my day! Happy brewing.")]),
])
def test_a_probe_holds_a_reply_its_line_reads_and_names_its_score(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel, check: str,
        why: str, pairs: list[tuple[str, str]]) -> None:
    held, plain = _auto_drafts(app, daemon, connector, model, pairs)
    failed = held.decisions["checks"][check]
    assert not failed["ok"] and why in failed["why"] and re.search(r"\(-?\d+\.\d\d, above ",
                                                                  failed["why"])
    assert held.status == Status.PENDING and check in held.reason
    assert why not in plain.decisions["checks"][check]["why"]


def test_a_reply_that_gives_the_creator_a_life_they_never_described_waits(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    # the configured name ("Lina Brews") reaches the check: "Lina is…" is a claim about them
    held, named, plain = _auto_drafts(app, daemon, connector, model, [
        ("Love the channel!", "Thank you! As a nurse, I keep every video calm."),
        ("Who makes these videos?", "Thanks! Lina is actually three sisters taking turns."),
        ("Love the channel!", "Thank you, that makes my day!")])
    for new in (held, named):
        grounding = new.decisions["checks"]["grounding"]
        assert not grounding["ok"] and "says who the creator is" in grounding["why"]
        assert new.status == Status.PENDING
    assert "says who" not in plain.decisions["checks"]["grounding"]["why"]


def test_with_no_embedder_every_check_of_the_reply_is_named_unmeasured(
        app: App, daemon: Daemon, connector: FakeConnector) -> None:
    app.settings.mode = "auto"
    app.settings.guard.auto_checks = ["respect"]
    app.pipeline.checks = None
    connector.push_comment("Love this!")
    [(_, new)] = list(daemon.dry_run(limit=1))
    checks = new.decisions["checks"]
    for name in ("relevance", "grounding", "voice", "respect"):
        assert checks[name] == {"ok": False, "score": 0.0, "why": "not measured: no embedder"}
    assert new.status == Status.PENDING and "respect" in new.reason


def test_what_looks_like_spam_to_one_reading_waits_whatever_auto_mode_asks(
        app: App, daemon: Daemon, connector: FakeConnector) -> None:
    app.settings.mode = "auto"
    app.settings.guard.auto_checks = []  # not even the reading-unlike-spam check
    connector.push_comment("Is there a Telegram group for your viewers?")
    [(_, new)] = list(daemon.dry_run(limit=1))
    assert new.triage_label == "needs_human" and new.status == Status.PENDING
    assert "'telegram'" in new.reason.lower() and "needs a person" in new.reason


def test_no_reading_of_the_comment_is_no_evidence_it_is_not_spam(
        app: App, daemon: Daemon, connector: FakeConnector) -> None:
    app.settings.mode = "auto"
    app.pipeline.triager.widened = False  # the phrase lists alone: the classifier never reads
    connector.push_comment("Love your calm voice. I watch every Friday.")
    [(_, new)] = list(daemon.dry_run(limit=1))
    assert new.status == Status.PENDING
    assert new.decisions["checks"]["spam"] == {"ok": False, "score": 0.0,
                                               "why": "not measured: triage did not read the "
                                                      "comment"}


def test_own_empty_and_spam_comments_are_skipped_with_reasons(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    connector.push_comment("Thanks everyone!", author="LinaBrews", is_own=True)
    connector.push_comment("   ")
    connector.push_comment("I earn $500/day, DM me on telegram: t.me/x")
    connector.push_comment("加我微信领取福利")
    counters = daemon.run_once()
    assert counters.skipped == 4 and model.calls == []
    reasons = [d.triage_label for d in app.store.drafts(Status.SKIPPED)]
    assert reasons == ["own", "empty", "spam", "spam"]


def test_a_model_outage_leaves_comments_for_the_next_cycle(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    connector.push_comment("What grinder?")
    connector.push_comment("Which kettle?")
    model.fail.append(ModelError("endpoint down"))
    first = daemon.run_once()
    assert first.errors == 1 and app.store.drafts(None) == []
    second = daemon.run_once()
    assert second.queued == 2 and len(app.store.unprocessed()) == 0


def test_a_comment_that_keeps_failing_is_marked_failed_not_retried_forever(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    def reply(messages: list[dict[str, str]]) -> str:
        if "Poison" in messages[-1]["content"]:
            raise RuntimeError("boom")
        return "Thanks!"

    model.reply = reply
    connector.push_comment("Poison")
    connector.push_comment("Fine one")
    for _ in range(3):
        daemon.run_once()
    statuses = {d.comment.text: (d.status, d.reason) for d in app.store.drafts(None)}
    assert statuses["Fine one"][0] == Status.PENDING
    assert statuses["Poison"][0] == Status.FAILED and "RuntimeError: boom" in statuses["Poison"][1]


def test_refetching_the_same_comments_drafts_nothing_new(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    connector.push_comment("What grinder?")
    daemon.run_once()
    app.store.ingest("fake", "default", connector.inbox, None)  # cursor lost: fetch all again
    daemon.run_once()
    assert len(app.store.drafts(None)) == 1 and len(model.calls) == 1


def test_approved_drafts_are_posted_by_the_next_cycle(app: App, daemon: Daemon,
                                                      connector: FakeConnector) -> None:
    connector.push_comment("What grinder?")
    daemon.run_once()
    [draft] = app.store.drafts(Status.PENDING)
    app.store.transition(draft.id, Status.APPROVED, "approved", "cli")
    assert daemon.run_once().posted == 1
    assert [r.parent_id for r in connector.posted] == ["c1"]


def test_fetch_errors_of_one_connector_do_not_stop_another(
        settings: object, kb: KnowledgeBase, model: RecordingModel) -> None:
    from connectors.errors import AuthError
    from tests.conftest import build_app

    broken, working = FakeConnector("broken"), FakeConnector("working")
    broken.fail_fetch.append(AuthError("token revoked: run `replybot auth youtube`"))
    working.push_comment("Hello, which grinder?")
    application = build_app(settings, {"broken": broken, "working": working}, model, kb)
    daemon = Daemon(application)
    counters = daemon.run_once()
    assert counters.queued == 1 and "broken" in daemon.disabled
    broken.push_comment("not read: the connector is stopped until re-authorised")
    assert daemon.run_once().new == 0


def test_short_praise_is_thanked_without_looking_anything_up(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel,
        kb: KnowledgeBase) -> None:
    kb.add(Document("recipe.md", "I love this recipe: 93°C and 1:15."))
    connector.push_comment("Love this!")
    daemon.run_once()
    [draft] = app.store.drafts(Status.PENDING)
    assert draft.context == [] and draft.triage_label == "praise"
    assert "(no notes match this comment)" in model.calls[0][-1]["content"]


def test_a_comment_the_model_rejects_does_not_block_the_others(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    from bot.errors import ModelRejected

    def reply(messages: list[dict[str, str]]) -> str:
        if "too long" in messages[-1]["content"]:
            raise ModelRejected("prompt exceeds the context window")
        return "Thanks!"

    model.reply = reply
    connector.push_comment("this one is too long")
    connector.push_comment("a normal question?")
    first = daemon.run_once()
    assert first.queued == 1  # the second comment was drafted in the same cycle
    for _ in range(2):
        Daemon(app).run_once()  # a fresh process each time: tries are kept in the database
    failed = app.store.drafts(Status.FAILED)
    assert [d.comment.text for d in failed] == ["this one is too long"]
    assert "ModelRejected" in (failed[0].reason or "")


def test_a_connector_bug_stops_only_that_connector_for_the_cycle(
        settings: object, kb: KnowledgeBase, model: RecordingModel) -> None:
    from tests.conftest import build_app

    buggy, working = FakeConnector("buggy"), FakeConnector("working")
    buggy.fail_fetch.append(KeyError("unexpected payload"))
    working.push_comment("Which kettle?")
    daemon = Daemon(build_app(settings, {"buggy": buggy, "working": working}, model, kb))
    counters = daemon.run_once()
    assert counters.errors == 1 and counters.queued == 1
    buggy.push_comment("read next time")
    assert daemon.run_once().queued == 1


def test_the_daemon_keeps_configured_folders_in_the_knowledge_base(
        app: App, daemon: Daemon, connector: FakeConnector, kb: KnowledgeBase,
        tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "notes"
    folder.mkdir()
    (folder / "kettle.md").write_text("I use a Fellow Stagg EKG kettle at 93°C.")
    app.settings.knowledge.folders = [folder]
    daemon.run_once()
    assert [Path(s.source).name for s in kb.sources()] == ["kettle.md"]
    (folder / "kettle.md").unlink()
    (folder / "grinder.md").write_text("My grinder is a Comandante C40.")
    daemon.run_once()  # within the sync interval: nothing changes yet
    assert [Path(s.source).name for s in kb.sources()] == ["kettle.md"]
    daemon.last_sync = float("-inf")
    daemon.run_once()
    assert [Path(s.source).name for s in kb.sources()] == ["grinder.md"]


def add_kettle_answer(app: App) -> None:
    """A reply the creator wrote earlier, ready as a few-shot example."""
    app.store.add_voice_examples([{
        "source": "history", "platform": "youtube", "comment_id": "old1", "author": "Kev",
        "comment": "What kettle do you use?", "video_title": None,
        "reply": "A gooseneck kettle with a thermometer. — Lina", "context": [],
        "status": "ready", "model": None}])


def test_the_creators_replies_to_similar_comments_are_shown_as_examples(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    add_kettle_answer(app)
    connector.push_comment("Which kettle is that?")
    connector.push_comment("Love the music in this one")
    daemon.run_once()
    similar, unrelated = model.calls
    assert [m["content"] for m in similar if m["role"] == "assistant"] == [
        "A gooseneck kettle with a thermometer. — Lina"]
    assert '"What kettle do you use?"' in similar[1]["content"]
    assert [m for m in unrelated if m["role"] == "assistant"] == []


def test_the_examples_are_read_once_a_batch_and_new_ones_join_the_next(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    connector.push_comment("Which kettle is that?")
    daemon.run_once()
    add_kettle_answer(app)
    connector.push_comment("Which kettle do you use?")
    daemon.run_once()
    before, after = model.calls
    assert [m for m in before if m["role"] == "assistant"] == []
    assert [m["content"] for m in after if m["role"] == "assistant"] == [
        "A gooseneck kettle with a thermometer. — Lina"]


def test_what_start_up_loaded_is_kept_from_the_collector_and_the_cycle_still_runs(
        app: App, daemon: Daemon, connector: FakeConnector) -> None:
    import gc

    gc.unfreeze()
    daemon.start()
    after_start = gc.get_freeze_count()
    assert after_start > 0
    connector.push_comment("How long do you bloom?", author="Ann")
    assert daemon.run_once().queued == 1
    assert gc.get_freeze_count() >= after_start  # the first cycle's libraries too
    frozen = gc.get_freeze_count()
    connector.push_comment("And the grind?", author="Bo")
    daemon.run_once()
    assert gc.get_freeze_count() <= frozen  # later cycles freeze nothing more


def test_the_checks_vectors_are_prepared_once_beside_the_first_draft() -> None:
    import numpy as np

    from bot.pipeline.evidence import Persona, PositiveChecks

    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.ones((len(texts), 4), dtype=np.float32)

    checks = PositiveChecks(embed, Persona("p", "— L", ["Thanks! — L", "24 clicks. — L"]),
                            ["a reference comment", "another"])
    for _ in range(3):
        checks.prepare_in_background()
    assert checks._prepared is not None
    checks._prepared.join(5)
    assert sorted(map(tuple, calls)) == [("Thanks!", "24 clicks."),
                                         ("a reference comment", "another")]
