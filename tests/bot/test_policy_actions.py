"""Policy per class and platform: auto-post, queue, skip or flag; every decision audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.config import PlatformActions, Settings, load_settings
from bot.domain import Status
from bot.errors import ConfigError
from bot.service.daemon import Daemon
from knowledge.loaders import Document
from knowledge.store import KnowledgeBase
from tests.conftest import build_app
from tests.fakes.connector import FakeConnector, RecordingModel


@pytest.fixture
def youtube() -> FakeConnector:
    return FakeConnector("youtube")


@pytest.fixture
def two(settings: Settings, connector: FakeConnector, youtube: FakeConnector,
        model: RecordingModel, kb: KnowledgeBase) -> Iterator[App]:
    connector.name = "local"
    app = build_app(settings, {"local": connector, "youtube": youtube}, model, kb)
    yield app
    app.close()


#: auto mode posts an answer only when the notes support it
FRENCH_PRESS = Document("grind.md", "French press: grind coarse, like sea salt, and steep it for "
                        "four minutes. A coarse grind keeps the cup clean.")


def statuses(app: App) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(d.comment.platform, d.comment.text): (d.status, d.triage_label)
            for d in app.store.drafts(None)}


def test_each_class_follows_its_action_per_platform(
        two: App, connector: FakeConnector, youtube: FakeConnector,
        model: RecordingModel, kb: KnowledgeBase) -> None:
    kb.add(FRENCH_PRESS)
    replies = iter(["Good idea, a grinder cleaning video is on my list!",
                    "For French press, grind coarse, like sea salt.",
                    "Good idea, a grinder cleaning video is on my list!"])
    model.reply = lambda _messages: next(replies)
    two.settings.mode = "auto"
    two.settings.policy.actions.request = "queue"
    two.settings.policy.platforms["youtube"] = PlatformActions(request="auto", question="flag")
    for target in (connector, youtube):
        target.push_comment("Could you make a video about cleaning the grinder?")
        target.push_comment("What grind size for French press?")
    connector.push_comment("First! Who else is here early")
    Daemon(two).run_once()
    got = statuses(two)
    request = "Could you make a video about cleaning the grinder?"
    question = "What grind size for French press?"
    assert got[("local", request)] == (Status.PENDING, "request")
    assert got[("youtube", request)] == (Status.POSTED, "request")
    assert got[("local", question)] == (Status.POSTED, "question")
    assert got[("youtube", question)] == (Status.FLAGGED, "question")
    assert got[("local", "First! Who else is here early")] == (Status.SKIPPED, "off_topic")
    assert len(model.calls) == 3  # nothing is drafted for flagged or skipped comments
    [queued] = [d for d in two.store.drafts(Status.PENDING)]
    assert queued.reason == "request: queued for you (policy.actions.request)"


def test_the_decisions_are_in_the_audit_log(app: App, daemon: Daemon,
                                           connector: FakeConnector) -> None:
    connector.push_comment("What grind size for French press?")
    connector.push_comment("Nobody wants to watch you, just quit already.")
    daemon.run_once()
    answered, hostile = app.store.drafts(None)
    detail = app.store.audit(draft_id=answered.id)[0].detail
    assert detail is not None
    assert detail["triage"]["label"] == "question"
    assert detail["triage"]["classifier"]["nearest"]
    assert detail["policy"] == {"action": "auto", "rule": "policy.actions.question"}
    assert detail["guard"] == {"ok": True, "reasons": []}
    assert detail["outcome"] == {"status": Status.PENDING, "reason": "awaiting approval"}
    skipped = app.store.audit(draft_id=hostile.id)[0].detail
    assert skipped is not None and skipped["triage"]["source"] == "classifier"
    assert skipped["policy"]["action"] == "skip" and "guard" not in skipped


def test_a_draft_that_reads_like_spam_is_held_whatever_the_comment(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    app.settings.mode = "auto"
    model.reply = "Everyone DM me this week to double your money 💸"
    connector.push_comment("What grind size for French press?")
    daemon.run_once()
    [held] = app.store.drafts(Status.PENDING)
    assert held.reason is not None and held.reason.startswith("guard: tone: reads like spam")
    assert connector.posted == []


def test_a_flagged_needs_human_comment_gets_no_draft(app: App, daemon: Daemon,
                                                     connector: FakeConnector,
                                                     model: RecordingModel) -> None:
    app.settings.policy.actions.needs_human = "flag"
    connector.push_comment("I don't want to live anymore")
    counters = daemon.run_once()
    [flagged] = app.store.drafts(Status.FLAGGED)
    assert counters.flagged == 1 and model.calls == [] and flagged.reply_text is None
    assert flagged.reason is not None and "personal crisis" in flagged.reason


def test_a_dry_run_decides_but_records_and_posts_nothing(
        app: App, connector: FakeConnector, model: RecordingModel, kb: KnowledgeBase) -> None:
    app.settings.mode = "auto"
    kb.add(FRENCH_PRESS)
    model.reply = "For French press, grind coarse, like sea salt."
    connector.push_comment("What grind size for French press?")
    connector.push_comment("加我微信，每天带你赚五百")
    decided = Daemon(app).dry_run()
    outcome = {stored.comment.text: new for stored, new in decided}
    question = outcome["What grind size for French press?"]
    assert not isinstance(question, str) and question.status == "approved"
    spam = outcome["加我微信，每天带你赚五百"]
    assert not isinstance(spam, str) and (spam.status, spam.triage_label) == (Status.SKIPPED,
                                                                              "spam")
    assert app.store.drafts(None) == [] and connector.posted == []
    assert len(app.store.unprocessed()) == 2  # the real run still has them
    assert len(model.calls) == 1


@pytest.mark.parametrize(("toml", "message"), [
    ('[policy.actions]\nspam = "auto"\n', "policy.actions.spam"),
    ('[policy.actions]\nneeds_human = "auto"\n', "policy.actions.needs_human"),
    ('[policy.platforms.tiktok]\nquestion = "queue"\n', "unknown platform 'tiktok'"),
])
def test_unsafe_actions_are_refused_in_the_config(tmp_path: Path, toml: str,
                                                  message: str) -> None:
    config = tmp_path / "replybot.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_moderation_through_the_configured_endpoint(
        tmp_path: Path, fake_openai: object, kb: KnowledgeBase,
        connector: FakeConnector, model: RecordingModel) -> None:
    from tests.conftest import make_settings
    from tests.fakes.openai_server import FakeOpenAI

    assert isinstance(fake_openai, FakeOpenAI)
    settings = make_settings(tmp_path / "data", mode="auto",
                             llm={"base_url": fake_openai.base_url, "api_key": "sk-test"},
                             triage={"moderation": True})
    application = build_app(settings, {connector.name: connector}, model, kb)
    kb.add(FRENCH_PRESS)
    model.reply = "For French press, grind coarse, like sea salt."
    connector.push_comment("Honestly nobody likes you here")
    connector.push_comment("What grind size for French press?")
    Daemon(application).run_once()
    got = {d.comment.text: (d.status, d.triage_label) for d in application.store.drafts(None)}
    assert got["Honestly nobody likes you here"] == (Status.SKIPPED, "toxic")
    assert got["What grind size for French press?"] == (Status.POSTED, "question")
    # the comment and the draft were both checked
    assert len(fake_openai.moderation_requests()) == 3
    application.close()


def test_a_crisis_in_an_answered_thread_still_reaches_a_person(
        app: App, daemon: Daemon, connector: FakeConnector) -> None:
    first = connector.push_comment("Love this video!", author="Sam")
    daemon.run_once()
    connector.push_comment("thanks. honestly I don't want to live anymore", author="Sam",
                           parent_id=first.comment_id)
    connector.push_comment("so good", author="Sam", parent_id=first.comment_id)
    daemon.run_once()
    got = {d.comment.text: (d.status, d.triage_label) for d in app.store.drafts(None)}
    assert got["thanks. honestly I don't want to live anymore"] == (Status.PENDING, "needs_human")
    assert got["so good"] == (Status.SKIPPED, "answered")


def test_a_moderation_outage_holds_drafts_even_when_failures_are_dropped(
        tmp_path: Path, fake_openai: object, kb: KnowledgeBase, connector: FakeConnector,
        model: RecordingModel) -> None:
    from tests.conftest import make_settings
    from tests.fakes.openai_server import FakeOpenAI

    assert isinstance(fake_openai, FakeOpenAI)
    settings = make_settings(tmp_path / "data", mode="auto", guard={"on_fail": "drop"},
                             llm={"base_url": fake_openai.base_url, "api_key": "sk-test",
                                  "max_retries": 0},
                             triage={"moderation": True})
    application = build_app(settings, {connector.name: connector}, model, kb)
    connector.push_comment("What grind size for French press?")
    fake_openai.behaviour.fail_with = [500, 500]  # the comment's check and the draft's
    Daemon(application).run_once()
    [draft] = application.store.drafts(None)
    assert draft.status == Status.PENDING and "moderation: unavailable" in (draft.reason or "")
    assert connector.posted == []
    application.close()
