"""The approval page served on a thread on 127.0.0.1, over a real SQLite store, with drafts
made the way the pipeline stores them (the audit detail holds every check)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.config import Settings
from bot.domain import NewDraft, Status
from bot.state.store import Store
from bot.web import server
from bot.web.auth import hash_password
from connectors.base import Comment
from tests.fakes.connector import FakeConnector, RecordingModel

PASSWORD = "correct horse battery staple"
DECISIONS: dict[str, Any] = {
    "triage": {"label": "question", "reason": "asks something",
               "classifier": {"label": "question", "confidence": 0.91, "similarity": 0.88,
                              "nearest": "what grinder do you use?"},
               "moderation": []},
    "policy": {"action": "queue", "rule": "policy.actions.question"},
    "guard": {"ok": True, "reasons": []},
}


def add_draft(app: App | Store, cid: str, text: str, author: str = "Tom",
              platform: str = "fake", status: Status = Status.PENDING, label: str = "question",
              reply: str | None = "Around 93 °C. — Lina", video: str = "V60 Basics") -> int:
    """A draft stored as the pipeline stores one (to the App's store, or any store)."""
    store = app.store if isinstance(app, App) else app
    comment = Comment(platform=platform, comment_id=cid, author=author, text=text,
                      video_id="v60", video_title=video)
    store.ingest(platform, "default", [comment], cursor=cid)
    stored = next(s for s in store.unprocessed() if s.comment.comment_id == cid)
    new = NewDraft(status, "awaiting approval" if reply else "flagged: needs a person",
                   reply_text=reply, triage_label=label, triage_reason="asks something",
                   context=[{"source": "brewing.md", "score": 0.82, "text": "93 °C"}],
                   decisions=DECISIONS)
    draft_id = store.create_draft(stored.pk, new)
    assert draft_id is not None
    return draft_id


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
