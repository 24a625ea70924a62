"""Not spam: posts are paced, replies do not repeat, one reply per viewer per thread."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.config import PolicyConfig
from bot.domain import Status
from bot.pipeline.policy import repeats
from bot.service.daemon import Daemon
from bot.service.pacing import Pacing
from tests.fakes.connector import FakeConnector, RecordingModel


def test_near_identical_replies_are_recognised_in_both_languages() -> None:
    recent = ["Thanks so much, glad it helped! — Lina", "水温九十三度，粉水比一比十五。— Lina"]
    assert repeats("Thanks so much, glad it helped!! — Lina", recent, "— Lina", 0.9)
    assert repeats("水温九十三度，粉水比一比十五！— Lina", recent, "— Lina", 0.9)
    assert repeats("I use 93°C water for the V60. — Lina", recent, "— Lina", 0.9) is None


def test_a_repeated_reply_waits_for_a_person_even_in_auto_mode(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    app.settings.mode = "auto"
    model.reply = "Thanks so much, glad it helped!"
    connector.push_comment("Love it", author="a")
    connector.push_comment("Great video", author="b")
    daemon.run_once()
    assert len(connector.posted) == 1
    [held] = app.store.drafts(Status.PENDING)
    assert (held.reason or "").startswith("repeat: nearly the same as a recent reply")


def test_one_reply_per_viewer_per_thread_unless_they_ask_again(
        app: App, daemon: Daemon, connector: FakeConnector, model: RecordingModel) -> None:
    first = connector.push_comment("What grinder?", author="kev", comment_id="t1")
    model.reply = lambda m: f"Answer {len(model.calls)}"
    daemon.run_once()
    connector.push_comment("Thanks a lot!", author="kev", comment_id="t1.a", parent_id="t1",
                           reply_to=first.comment_id)
    connector.push_comment("And which kettle?", author="kev", comment_id="t1.b",
                           parent_id="t1", reply_to=first.comment_id)
    connector.push_comment("Same grinder here", author="ann", comment_id="t1.c",
                           parent_id="t1", reply_to=first.comment_id)
    daemon.run_once()
    statuses = {d.comment.comment_id: (d.status, d.triage_label)
                for d in app.store.drafts(None)}
    assert statuses["t1.a"] == (Status.SKIPPED, "answered")  # kev again, not asking
    assert statuses["t1.b"][0] == Status.PENDING  # kev asks again
    assert statuses["t1.c"][0] == Status.PENDING  # another viewer


def test_posting_is_paced_per_hour_and_spaced(app: App, connector: FakeConnector) -> None:
    from bot.state.store import NewDraft

    config = PolicyConfig(max_replies_per_hour=2, max_replies_per_day=10, min_spacing_s=5)
    pacing = Pacing(app.store, config, random.Random(1))
    for n in range(3):
        comment = connector.push_comment(f"Q{n}?", author=f"v{n}")
        app.store.ingest("fake", "default", [comment], str(n + 1))
    for stored in app.store.unprocessed():
        app.store.create_draft(stored.pk, NewDraft(Status.APPROVED, "auto",
                                                   reply_text=f"A{stored.pk}"))
    waits: list[float] = []
    report = app.poster.post_approved(pacing=pacing, wait=lambda s: waits.append(s) or False)
    assert (report.posted, report.deferred) == (2, 1)  # the hourly limit holds the third
    assert len(waits) == 1 and 5 <= waits[0] <= 10  # a random gap between the two posts
    assert pacing.blocked("fake") == "2 replies in the last hour (limit 2)"
    later = datetime.now(UTC) + timedelta(hours=1, minutes=1)
    assert pacing.blocked("fake", now=later) is None
    assert len(app.store.drafts(Status.POSTED)) == 2 and len(app.store.drafts(Status.APPROVED)) == 1
