"""Not spam, per draft: no (near-)repeated replies. Pacing of posts is the service's
(`bot.service.pacing`)."""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")


def words(text: str, signature: str = "") -> set[str]:
    body = text.replace(signature, "") if signature else text
    tokens = WORD.findall(body.lower())
    # Chinese has no spaces: compare character pairs instead of "words"
    return {t for t in tokens if t.isascii()} | {
        t[i:i + 2] for t in tokens if not t.isascii() for i in range(max(1, len(t) - 1))}


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def repeats(text: str, recent: list[str], signature: str, threshold: float) -> str | None:
    """The earlier reply this one (nearly) repeats, if any."""
    mine = words(text, signature)
    for earlier in recent:
        if similarity(mine, words(earlier, signature)) >= threshold:
            return earlier
    return None
