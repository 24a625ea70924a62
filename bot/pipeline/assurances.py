"""Assurances: the words of a reply that tell the viewer something is fine, or take a side.

"Nothing to worry about", "a drop for a big dog is fine", "放心喝", "没关系", "I agree, it should
be independent", "我站他们那边": each is a claim that the creator vouches for something, about a
practice, a health worry or a cause. It needs no name or number and often follows a sentence of
the creator's notes, so grounding's names and amounts never see it, and it reads as kind. Here
such a sentence goes out on its own only when one sentence of the creator's texts holds half of
what it is said about ("Anything between 2:45 and 3:15 is fine" where the recipe gives 2:45 to
3:15). A hedge before it in its clause ("I can't tell you it's ok", "我不确定…") vouches for
nothing.
"""

from __future__ import annotations

import re

_FINE = (r"(?:fine|ok|okay|safe|harmless|good\s+to\s+go|no\s+problem|not\s+a\s+problem|"
         r"nothing\s+to\s+worry\s+about)\b")
EN = re.compile(
    rf"\b(?:is|are|'s|was|be|looks?|sounds?|seems?)\s+(?:(?:totally|perfectly|completely|just|"
    rf"absolutely|still|really|honestly)\s+)?{_FINE}"
    r"|\bnothing\s+to\s+worry\s+about|\bno\s+need\s+to\s+(?:worry|cut|stop|change|swap|rinse|"
    r"time|bother)|\b(?:don't|do\s+not|never)\s+worry|\bno\s+harm|\b(?:won't|can't|doesn't)\s+hurt"
    r"|\bis\s+an?\s+(?:fine|nice|good|clever)\s+(?:treat|habit|idea|trick|shortcut)"
    r"|\bgo\s+ahead|\blet\s+(?:them|her|him)\b|\bcarry\s+on"
    r"|\bi\s+(?:agree|side|support|stand\s+with)|\bi'm\s+with\b|\byou're\s+right", re.IGNORECASE)
ZH = re.compile(r"没关系|没事|不要紧|放心(?!了)|不碍事|问题不大|没问题"
                r"|不会(?:怎样|有事|影响|受影响)|不用担心|别担心|挺好的|也可以|也行|照样"
                r"|我支持|我站|站在.{0,6}一边|我同意|说得对|你是对的")
#: in an assurance's own clause, before it, words that take it back: "I can't tell you it's
#: ok", "I don't know if it's safe", "我不确定…"; a hedge in another clause takes back nothing
#: ("I'm not sure about the dose, but a drop is fine")
HEDGE = re.compile(r"\b(?:can't|cannot|can\s+not|won't|wouldn't|couldn't)\s+(?:\w+\s+)?"
                   r"(?:tell|say|promise|guarantee|confirm)\b|\bdon't\s+know\s+(?:if|whether)\b"
                   r"|\bnot\s+sure\s+(?:if|whether)\b|不能(?:说|保证|确定)|不确定|不知道(?:是否|能不能|会不会)"
                   r"|不敢(?:说|保证)|说不准", re.IGNORECASE)
#: where a clause begins
CLAUSE_START = re.compile(r"[,;:，；：、]|\bbut\b|但")


def assurances(sentence: str) -> list[str]:
    """The words of the sentence that vouch for something ("is fine", "放心"), each once, but
    those a hedge takes back in their own clause."""
    sentence = sentence.replace("’", "'")
    found = [m for pattern in (EN, ZH) for m in pattern.finditer(sentence)]
    kept = []
    for match in found:
        starts = [m.end() for m in CLAUSE_START.finditer(sentence, 0, match.start())]
        if not HEDGE.search(sentence, starts[-1] if starts else 0, match.start()):
            kept.append(match.group(0))
    return list(dict.fromkeys(kept))
