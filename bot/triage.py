"""Decide whether a comment gets a reply at all, and say why."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.voice import shape_of
from connectors.base import Comment

LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(com|net|org|io|xyz|top|cc|me|example)\b", re.I)
SPAM_PHRASES = re.compile(
    r"telegram|whats\s*app|dm me|message me|earn \$|\$\d+\s*(/|per)\s*day|crypto|forex|"
    r"check (out )?my (channel|profile)|sub(scribe)? ?4 ?sub|free (gift|iphone)|"
    r"加(我)?(微信|v信|vx|v|薇|qq)|私聊|日赚|兼职|刷单|返利|稳赚|代理|引流",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Triage:
    reply: bool
    label: str
    reason: str


def _has_content(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LNS" for ch in text)


def triage(comment: Comment) -> Triage:
    """The first rule that matches decides; a comment no rule stops gets a reply."""
    text = comment.text.strip()
    if comment.is_own:
        return Triage(False, "own", "written by the creator")
    if not comment.can_reply:
        return Triage(False, "cannot_reply", "the platform does not allow replies here")
    if not text or not _has_content(text):
        return Triage(False, "empty", "the comment has no text")
    spam = SPAM_PHRASES.search(text)
    if spam and (LINK.search(text) or len(text) < 400):
        return Triage(False, "spam", f"spam phrase {spam.group(0)!r}")
    if LINK.search(text) and shape_of(text, 1).kind != "question":
        return Triage(False, "spam", "a link with no question")
    kind = shape_of(text, 1).kind
    label = {"question": "question", "short": "praise", "long": "feedback"}[kind]
    return Triage(True, label, f"{label} comment")
