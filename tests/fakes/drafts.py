"""Drafts stored as the pipeline stores them, with every check in the audit detail, for tests
and benches of the pages that show them."""

from __future__ import annotations

from typing import Any

from bot.app import App
from bot.domain import NewDraft, Status
from bot.state.store import Store
from connectors.base import Comment

DECISIONS: dict[str, Any] = {
    "triage": {"label": "question", "reason": "asks something",
               "classifier": {"label": "question", "confidence": 0.91, "similarity": 0.88,
                              "nearest": "what grinder do you use?"},
               "moderation": []},
    "policy": {"action": "queue", "rule": "policy.actions.question"},
    "guard": {"ok": True, "reasons": []},
}


def add_draft(where: App | Store, cid: str, text: str, author: str = "Tom",
              platform: str = "fake", status: Status = Status.PENDING, label: str = "question",
              reply: str | None = "Around 93 °C. — Lina", video: str = "V60 Basics") -> int:
    """A draft stored as the pipeline stores one (to the App's store, or any store)."""
    store = where.store if isinstance(where, App) else where
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
