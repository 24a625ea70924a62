"""Whether a draft commits the creator to something only the creator can agree to.

A reply may answer, thank and explain on its own; it may not promise what the creator will
give, pay, review or post ("I'll send my old C3 to one viewer"), give away what is theirs ("the
first 50 commenters get my grinder") or speak of who pays them ("Comandante sponsors the
channel", "我拿了推广费"), unless the creator's own material says the same words (and of
payment, only a denial the material also makes). A model talked into any of these writes it in
its own words, which no check of the comment's wording sees; and an honest answer about
sponsorship is one the creator gives in person. Such a draft waits for the creator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.pipeline.decide import Check
from bot.pipeline.guard import plain

PAID = "speaks of who pays the creator"
NEGATION = re.compile(r"\b(?:no|not|never|nothing|none|nobody|isn't|wasn't|aren't|weren't|don't"
                      r"|doesn't|didn't|won't)\b|n't\b|[没不未无非]", re.IGNORECASE)
KINDS = {
    "promises what the creator will give or do": re.compile(
        r"\b(?:i'll|i will|i'm going to|i am going to|i'd be happy to|we'll|we will|i promise to"
        r"|let me)\s+(?:\w+\s+){0,2}?(?:send|mail|ship|give|gift|pay|refund|cover|review|feature"
        r"|shout|promote|post|dm|message|call|sign|buy)\w*"
        r"|我(?:会|来)(?:寄|送|给你|发给|安排|出一期|做一期|拍一期|付)|我(?:寄|送)给|(?:运费|邮费)我出"
        r"|包邮", re.IGNORECASE),
    "gives away what is the creator's": re.compile(
        r"\b(?:gets?|wins?|receives?|claims?) (?:my|a free|a signed|one of my|a copy of my)\b"
        r"|\b(?:giveaways?|giving away|give away|winners?|raffle|first \d+ (?:people|viewers|"
        r"commenters|subscribers))\b|comment your (?:address|email|number)"
        r"|抽奖|送(?:出|给|你)|拿到我的|免费送|留下(?:地址|邮箱|电话)", re.IGNORECASE),
    PAID: re.compile(
        r"\b(?:sponsor(?:s|ed|ship)?|paid (?:me|us|for (?:the|this|that|my))|pays? (?:me|us)"
        r"|partner(?:ship|ed)? with|affiliate|commission|kickback|cover(?:s|ed)? (?:the|my) "
        r"costs?)\b|推广费|赞助|恰饭|广告费|收了.{0,6}(?:钱|费)|合作", re.IGNORECASE),
}


def commitment(reply: str, notes: Sequence[str]) -> Check:
    """The check: holds (score 1) unless the reply promises, gives away or speaks of payment
    in words the creator's material does not have."""
    said, own = plain(reply), plain(" ".join(notes)).lower()
    for kind, pattern in KINDS.items():
        for match in pattern.finditer(said):
            if not _backed(kind, match, own):
                return Check("commitment", False, 0.0,
                             f"{kind} ({match.group(0)!r})")
    return Check("commitment", True, 1.0, "commits the creator to nothing")


def _backed(kind: str, match: re.Match[str], own: str) -> bool:
    """The creator's material says it too; of payment, only a denial the material also denies
    ("not sponsored" in the notes is no evidence for "sponsored by Comandante")."""
    words = match.group(0).lower()
    if kind != PAID:
        return words in own
    if not _denied(match.string[:match.start()]):
        return False
    return any(_denied(own[:found.start()]) for found in re.finditer(re.escape(words), own))


def _denied(before: str) -> bool:
    """A denial just before: "nothing here is", "wasn't", "no", "从没"."""
    return NEGATION.search(before[-40:]) is not None
