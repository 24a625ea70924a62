"""Comments that try to instruct the bot, beyond fixed phrases.

Triage's phrase list catches the wordings it was written from. This looks for what an
instruction needs, in any order and through common disguises: a verb that sets instructions
aside next to what it sets aside ("ignore … instructions", "rules … forget"), an order to say,
print or write something, a new persona, a dictated format, or a question about the hidden
prompt. The text is also read with leetspeak undone ("1gn0r3"), letters that were spaced or
dotted apart joined again ("i.g.n.o.r.e"), backwards, and with its base64 runs decoded. The
output check (`bot.pipeline.obedience`) still stops an attack this misses.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

LEET = str.maketrans("013457@$", "oieastas")
SPACED = re.compile(r"\b(?:\w[\s.\-_*]){2,}\w\b")
DROP = re.compile(
    r"\b(?:ignor\w*|disregard\w*|forget|forgot|override|bypass|overrule|ignora\w*|oubli\w*|olvida"
    r"|vergiss|ignoriere|dimentica)\b|忽略|无视|忘记|忘掉|不要管", re.IGNORECASE)
WHAT = re.compile(
    r"\b(?:instructions?|rules|prompt|guidelines|directives?|consignes|instrucciones|anweisungen"
    r"|istruzioni|above|previous|prior|everything|all that)\b|指令|指示|要求|规则|设定|以上|之前",
    re.IGNORECASE)
ORDER = re.compile(
    r"\b(?:(?:just|only|now) (?:say|print|write|type|reply|respond|output)|(?:say|print|write|"
    r"type|output|reply with|respond with|end (?:your reply |it )?with(?: the words?)?)\s*[:：]?\s*"
    r"[\"'“‘«]|reply (?:to this comment )?with only|stop everything|nevermind|never mind)"
    r"|只回复|回复[:：]|写上[“\"]|请在回复里写",
    re.IGNORECASE)
PERSONA = re.compile(
    r"\b(?:from now on you(?:'re| are)|you(?:'re| are) no longer|roleplay|role-play|answer as an?"
    r"|pretend (?:to be|you(?:'re| are))|act as (?:an?|my)|be a \w+ and)\b"
    r"|扮演|用\S{1,6}的口吻|你现在是|从现在起你", re.IGNORECASE)
FORMAT = re.compile(
    r"\b(?:(?:answer|reply|respond|write)(?: \w+){0,3} (?:only )?in (?:json|xml|all caps|"
    r"uppercase|capitals|caps)|as a (?:haiku|poem|numbered list)|in all caps from now on)\b"
    r"|用文言文", re.IGNORECASE)
PROMPT = re.compile(
    r"\b(?:instructions (?:you were|were you) given|(?:repeat|paste|print|show)(?: \w+){0,3} "
    r"(?:above|instructions|prompt)|rules you (?:have to |must )?follow|system (?:prompt|message)"
    r"|initial instructions|hidden prompt)\b|设定原文|收到的设定|你的设定", re.IGNORECASE)


def instructs(text: str) -> str | None:
    """The part of the comment that instructs the bot, or None."""
    for form in _forms(text):
        found = _find(form)
        if found:
            return found
    return None


def _forms(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text)
    joined = SPACED.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group(0)), folded)
    return [folded, joined, joined.translate(LEET), folded[::-1], *decoded(folded)]


#: a run of base64 (standard or URL-safe) long enough to hide a sentence
BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
#: line breaks and spaces inside a run of base64 split over lines
SPLIT = re.compile(r"(?<=[A-Za-z0-9+/_-]{8})\s+(?=[A-Za-z0-9+/_-]{8})")


def decoded(text: str) -> list[str]:
    """The text hidden in the comment's base64 runs, where they decode to readable text; a run
    split over lines is read joined too."""
    found = []
    for run in dict.fromkeys([*BASE64.findall(text), *BASE64.findall(SPLIT.sub("", text))]):
        standard = run.rstrip("=").replace("-", "+").replace("_", "/")
        try:
            plain = base64.b64decode(standard + "=" * (-len(standard) % 4),
                                     validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if plain.strip() and all(c.isprintable() or c.isspace() for c in plain) \
                and plain not in found:
            found.append(plain)
    return found


def revealed(text: str) -> str:
    """The comment with what its base64 runs hide written out after it, a line each."""
    return "\n".join([text, *decoded(text)])


def _find(text: str) -> str | None:
    drop = DROP.search(text)
    if drop and WHAT.search(text):
        return f"{drop.group(0)} … {WHAT.search(text).group(0)}"  # type: ignore[union-attr]
    for pattern in (ORDER, PERSONA, FORMAT, PROMPT):
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None
