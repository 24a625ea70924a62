"""Comments that try to instruct the bot, beyond fixed phrases.

Triage's phrase list catches the wordings it was written from. This looks for what an
instruction needs, in any order and through common disguises: a verb that sets instructions
aside next to what it sets aside ("ignore … instructions", "rules … forget"), an order to say,
print or write something, a new persona, a dictated format, or a question about the hidden
prompt. The text is also read with leetspeak undone ("1gn0r3"), letters that were spaced or
dotted apart joined again ("i.g.n.o.r.e"), backwards, and with what it hides in an encoding
written out (`bot.pipeline.encodings`). The output check (`bot.pipeline.obedience`) still
stops an attack this misses.
"""

from __future__ import annotations

import re
import unicodedata

from bot.pipeline.encodings import hidden

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
    r"\b(?:(?:just|only|now) (?:say|print|write|type|reply|respond|output)\b|(?:say|print|write|"
    r"type|output|reply with|respond with|end (?:your reply |it )?with(?: the words?)?)\s*[:：]?\s*"
    r"[\"'“‘«]|reply (?:to this comment )?with only|stop everything|nevermind|never mind)"
    r"|只回复|回复[:：]|写上[“\"]|请在回复里写",
    re.IGNORECASE)
PERSONA = re.compile(
    r"\b(?:from now on you(?:'re| are)|you(?:'re| are) no longer|roleplay|role-play|answer as an?"
    r"|pretend (?:to be|you(?:'re| are))|act as (?:an?|my)|be a \w+ and"
    r"|(?:play|take on|assume|immerse yourself (?:in|into)) the role of"
    r"|you (?:will|are going to) (?:now )?(?:act|pretend|role-?play|respond) as)\b"
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
    """The part of the comment that instructs the bot, or None. Text the comment hides in an
    encoding counts as an instruction to the bot whatever it says: it was written for a model
    to read, not a person."""
    folded = unicodedata.normalize("NFKC", text)
    runs = hidden(folded)
    for form in [*_forms(folded), *(run.text for run in runs)]:
        found = _find(form)
        if found:
            return found
    for run in runs:
        return f"text hidden in {run.encoding}: {run.text[:60]!r}"
    return None


def _forms(folded: str) -> list[str]:
    joined = SPACED.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group(0)), folded)
    return [folded, joined, joined.translate(LEET), folded[::-1]]


def _find(text: str) -> str | None:
    drop = DROP.search(text)
    if drop and WHAT.search(text):
        return f"{drop.group(0)} … {WHAT.search(text).group(0)}"  # type: ignore[union-attr]
    for pattern in (ORDER, PERSONA, FORMAT, PROMPT):
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None
