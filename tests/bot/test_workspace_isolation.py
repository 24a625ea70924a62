"""Two creators on one install: each one's comments, drafts and notes stay in its workspace."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.app import App
from bot.service.daemon import Daemon
from bot.service.fleet import Fleet
from bot.workspaces import load_workspaces
from knowledge.loaders import Document
from tests.conftest import ON_EVERY_ENGINE
from tests.fakes.connector import RecordingModel

pytestmark = ON_EVERY_ENGINE

CONFIG = """
[policy]
min_spacing_s = 0
[guard]
auto_checks = []
[workspaces.ana]
persona.name = "Ana Roasts"
connectors.local.enabled = true
[workspaces.ben]
persona.name = "Ben Bakes"
connectors.local.enabled = true
"""


@pytest.fixture
def apps(tmp_path: Path, engine: str, database_url: str,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, App]]:
    """Ana's and Ben's apps from one config: on PostgreSQL one database for both."""
    url = f'database_url = "{database_url}"\n' if engine == "postgresql" else ""
    (tmp_path / "replybot.toml").write_text(url + CONFIG, encoding="utf-8")
    monkeypatch.setenv("REPLYBOT_DATA_DIR", str(tmp_path / "data"))
    found = load_workspaces(tmp_path / "replybot.toml")
    built = {s.workspace: App(s, actor="test", model=RecordingModel()) for s in found.select([])}
    yield built
    for application in built.values():
        application.close()


def push(application: App, comment_id: str, text: str) -> None:
    inbox = application.settings.local_inbox()
    inbox.parent.mkdir(parents=True, exist_ok=True)
    with inbox.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": comment_id, "author": "viewer", "text": text}) + "\n")


def test_a_comment_reaches_only_its_creators_queue(apps: dict[str, App]) -> None:
    ana, ben = apps["ana"], apps["ben"]
    push(ana, "a1", "Which roast do you use for espresso?")
    push(ben, "b1", "How long do you proof sourdough?")
    stopping = threading.Event()
    fleet = Fleet({name: Daemon(a, stopping) for name, a in apps.items()}, stopping)
    fleet.start()
    counters = fleet.run_once()
    fleet.stop_workers()
    assert counters.new == 2 and counters.errors == 0
    assert [d.comment.comment_id for d in ana.store.drafts()] == ["a1"]
    assert [d.comment.comment_id for d in ben.store.drafts()] == ["b1"]
    assert all("Ana Roasts" in str(call) for call in ana.model.calls)  # type: ignore[attr-defined]
    assert all("Ben Bakes" in str(call) for call in ben.model.calls)  # type: ignore[attr-defined]
    assert ana.store.comment_count() == 1 and ben.store.comment_count() == 1


def test_notes_added_for_one_creator_are_not_the_others(apps: dict[str, App]) -> None:
    apps["ana"].knowledge.add(Document("beans.md", "My espresso roast is the Ethiopian "
                                                   "Guji from Square Mile."))
    assert [h.source for h in apps["ana"].knowledge.search("espresso roast", k=3,
                                                           min_score=0)] == ["beans.md"]
    assert apps["ben"].knowledge.search("espresso roast", k=3, min_score=0) == []


def test_each_workspace_has_its_own_tables(apps: dict[str, App], engine: str,
                                           database_url: str) -> None:
    push(apps["ana"], "a1", "Hello Ana")
    Daemon(apps["ana"]).run_once()
    assert apps["ben"].store.comment_count() == 0  # opened (and migrated) too
    if engine == "sqlite":
        files = {a.settings.db_url for a in apps.values()}
        assert len(files) == 2 and all("/workspaces/" in f for f in files)
        return
    engine_ = create_engine(database_url)
    try:
        schemas = inspect(engine_).get_schema_names()
        assert {"replybot_ana", "replybot_ben"} <= set(schemas)
        assert "comments" not in inspect(engine_).get_table_names(schema="public")
        with engine_.connect() as connection:
            counts = {s: connection.execute(text(f"SELECT count(*) FROM {s}.comments")).scalar()
                      for s in ("replybot_ana", "replybot_ben")}
        assert counts == {"replybot_ana": 1, "replybot_ben": 0}
    finally:
        engine_.dispose()
