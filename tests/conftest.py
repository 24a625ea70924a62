"""Shared fixtures: a tmp data dir per test, real SQLite, PostgreSQL and Chroma, fakes at edges."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings
from bot.service.daemon import Daemon
from bot.state.store import Store
from knowledge.embeddings import E5Embedder
from knowledge.loaders import expand, load
from knowledge.store import KnowledgeBase, open_client
from tests.fakes.connector import FakeConnector, RecordingModel
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.postgres import PostgresServer

SIGNATURE = "— Lina ☕"


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """A daemon's start keeps the garbage collector off what is loaded (`gc.freeze`); in a test
    process, what one test froze goes back to the collector after it."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's REPLYBOT_* settings."""
    for key in list(os.environ):
        if key.startswith("REPLYBOT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def embedder() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(scope="session")
def openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai(openai_server: FakeOpenAI) -> FakeOpenAI:
    openai_server.reset()
    return openai_server


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "persona": {"name": "Lina Brews", "handle": "LinaBrews", "signature": SIGNATURE,
                    "description": "You make home-coffee videos."},
        "policy": {"min_spacing_s": 0},  # tests post back to back; pacing has its own tests
    }
    base.update(overrides)
    return Settings(**base)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


# Modules that run on both engines say so with `pytestmark = ON_EVERY_ENGINE`.
ENGINES = ("sqlite", "postgresql")
ON_EVERY_ENGINE = pytest.mark.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, started only if a test asks for it."""
    root = Path(tempfile.mkdtemp(prefix="replybot-pg-"))  # not under pytest's root-only tmp
    server = PostgresServer(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The database engine under test: SQLite unless the module runs ON_EVERY_ENGINE."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(engine: str, settings: Settings, request: pytest.FixtureRequest) -> str:
    """An empty database of this test's engine: the data dir's SQLite file, or a fresh
    PostgreSQL database."""
    if engine == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.create_database()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.db_url


@pytest.fixture
def another_database(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second empty database of this test's engine, e.g. to restore a backup into."""
    if engine == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.create_database()
    return f"sqlite:///{tmp_path / 'another.db'}"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store.open(database_url)
    yield store
    store.close()


@pytest.fixture
def kb(tmp_path: Path, embedder: E5Embedder) -> KnowledgeBase:
    return KnowledgeBase(open_client(path=tmp_path / "chroma"), embedder)


def knowledge_base_of(folder: Path, chroma: Path) -> KnowledgeBase:
    """A knowledge base in `chroma` holding every file under `folder`."""
    kb = KnowledgeBase(open_client(path=chroma), E5Embedder())
    for path in expand([folder]):
        kb.add(load(path))
    return kb


@pytest.fixture
def connector() -> FakeConnector:
    return FakeConnector()


@pytest.fixture
def model() -> RecordingModel:
    return RecordingModel()


def build_app(settings: Settings, connectors: dict[str, Any], model: Any,
              kb: KnowledgeBase | None = None) -> App:
    """An App whose edges are the given fakes; everything in between is real."""
    return App(settings, actor="test", connectors=connectors, model=model, knowledge=kb)


@pytest.fixture
def app(settings: Settings, connector: FakeConnector, model: RecordingModel,
        kb: KnowledgeBase) -> Iterator[App]:
    application = build_app(settings, {connector.name: connector}, model, kb)
    yield application
    application.close()


@pytest.fixture
def daemon(app: App) -> Daemon:
    return Daemon(app)
