"""The approval page served on a thread on 127.0.0.1, over a real SQLite store, with drafts
made the way the pipeline stores them (the audit detail holds every check)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.config import Settings
from bot.web import server
from bot.web.auth import hash_password
from tests.fakes.connector import FakeConnector, RecordingModel

PASSWORD = "correct horse battery staple"


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    settings.web.password_hash = SecretStr(hash_password(PASSWORD))
    return settings


@pytest.fixture
def web_app(web_settings: Settings, connector: FakeConnector) -> Iterator[App]:
    app = App(web_settings, actor="web:creator", connectors={connector.name: connector},
              model=RecordingModel())
    yield app
    app.close()


@pytest.fixture
def site(web_app: App) -> Iterator[str]:
    running = server.start(web_app, "127.0.0.1", 0)
    yield running.url
    running.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def log_in(url: str, password: str = PASSWORD, **headers: str) -> httpx.Client:
    """A client with a logged-in session (cookies kept as a browser keeps them)."""
    client = httpx.Client(base_url=url, headers=headers, timeout=10)
    page = client.get("/login")
    answer = client.post("/login", data={"csrf": csrf_of(page.text), "password": password})
    assert answer.status_code == 303, answer.text
    return client
