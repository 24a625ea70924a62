"""Text a comment hides from a person reading it, written out.

A viewer writes to be read; a comment that carries a sentence in base64, hex, Morse, Braille,
the NATO alphabet, ROT13, invisible Unicode tag characters or under stacked combining marks
wants a model, not a person, to read it. `hidden` finds each such run and what it says, so
that triage can look for instructions in it (and hold the comment: the bot cannot vouch for
what it was not meant to see) and the output check can tell a reply that repeats it.

A run counts only when it decodes to readable text (letters and spaces, a sentence's worth),
so an order number, a colour code or "... --- ..." stays an ordinary comment.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote

from bot.pipeline.lexicon import COMMON

#: a run of base64 (standard or URL-safe) long enough to hide a sentence
BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/_-])")
BASE32 = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z2-7]{16,}|[a-z2-7]{16,})=*(?![A-Za-z0-9])")
#: line breaks and spaces inside a run split over lines
SPLIT = re.compile(r"(?<=[A-Za-z0-9+/_-]{8})\s+(?=[A-Za-z0-9+/_-]{8})")
HEX = re.compile(r"(?<![0-9A-Za-z])(?:(?:0[xX]|\\x)?[0-9A-Fa-f]{2}[\s,:.-]*){6,}")
BINARY = re.compile(r"(?:[01]{8}[\s,.-]*){4,}")
PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}[^%\s]{0,3}){4,}")
QUOTED_PRINTABLE = re.compile(r"(?:=[0-9A-F]{2}[^=\s]{0,3}){4,}")
ASCII85 = re.compile(r"<~[!-uz\s]*~>")
MORSE_RUN = re.compile(r"(?:[.\-·•_−–—]{1,7}(?:\s*[/|]+\s*|\s+|$)){4,}")
BRAILLE_RUN = re.compile(r"[\u2800-\u28ff][\u2800-\u28ff\s]{3,}")
#: tag characters, also with invisible characters slipped between them
TAGS = re.compile(r"[\U000e0020-\U000e007e](?:[\U000e0000-\U000e007f\u200b-\u200f\u2060-\u2064"
                  r"\ufeff]*[\U000e0020-\U000e007e])*")
#: combining marks, and three or more of them on one letter
MARKS = re.compile(r"[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
                   r"\ufe20-\ufe2f]")
STACKED = re.compile(f"{MARKS.pattern}{{3,}}")
#: three words in a row, the least a hidden sentence has
SENTENCE = re.compile(r"(?<![^\W\d_])[^\W\d_]{2,30}[\s,]{1,3}[^\W\d_]{1,30}[\s,]{1,3}"
                      r"[^\W\d_]{2}")
#: a word of ASCII letters only ("Việt" is no such word)
LATIN_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{2,}(?![^\W\d_])")

MORSE = dict(zip(
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- "
    ".-- -..- -.-- --.. ----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----. .-.-.- "
    "--..-- ..--.. -.-.-- .----.".split(),
    "abcdefghijklmnopqrstuvwxyz0123456789.,?!'", strict=True))
#: English Braille, grade 1: the six dots of each letter as the Unicode cell's bits
BRAILLE = dict(zip(
    [0x2800 + bits for bits in (1, 3, 9, 25, 17, 11, 27, 19, 10, 26, 5, 7, 13, 29, 21, 15, 31,
                                23, 14, 30, 37, 39, 58, 45, 61, 53)],
    "abcdefghijklmnopqrstuvwxyz", strict=True))
NATO = {word: word[0] for word in (
    "alfa alpha bravo charlie delta echo foxtrot golf hotel india juliet juliett kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey whisky xray x-ray "
    "yankee zulu").split()}
SPELLED = "|".join(re.escape(w) for w in sorted(NATO, key=len, reverse=True))
NATO_RUN = re.compile(rf"\b(?:(?:{SPELLED})\b[\s,./-]*){{4,}}", re.IGNORECASE)


@dataclass(frozen=True)
class Hidden:
    """One run the comment hides: how it was written and what it says."""

    encoding: str
    run: str
    text: str


def hidden(text: str, depth: int = 0) -> list[Hidden]:
    """Every run of the comment that decodes to readable text, once each."""
    found: dict[str, Hidden] = {}
    for encoding, decode in DECODERS:
        for run, plain in decode(text):
            plain = plain.strip()
            if plain in found or not plain:
                continue
            if _readable(plain, encoding):
                found[plain] = Hidden(encoding, run.strip(), plain)
            elif depth < 1:  # one encoding inside another: hex in base64
                found.update((h.text, Hidden(f"{h.encoding} in {encoding}", run.strip(), h.text))
                             for h in hidden(plain, depth + 1) if h.text not in found)
    return list(found.values())


def revealed(text: str) -> str:
    """The comment with what its hidden runs say written out after it, a line each."""
    return "\n".join([text, *(run.text for run in hidden(text))])


def _readable(text: str, encoding: str) -> bool:
    """A sentence's worth of letters, and little else: not the bytes of a number."""
    text = "".join(c for c in text if c.isprintable() or c.isspace())
    letters = sum(c.isalpha() for c in text)
    if encoding in ("morse", "braille", "nato", "tags", "stacked marks"):
        return letters >= 6  # written in letters whatever it says
    # bytes: a sentence of words ("I hate my viewers!!!!!!"), not the bytes of a number
    return letters >= 8 and SENTENCE.search(text) is not None


Decoder = Callable[[str], Iterator[tuple[str, str]]]


def _base64(text: str) -> Iterator[tuple[str, str]]:
    for run in dict.fromkeys([*BASE64.findall(text), *BASE64.findall(SPLIT.sub("", text))]):
        standard = run.rstrip("=").replace("-", "+").replace("_", "/")
        yield run, _text(partial(base64.b64decode, validate=True),
                         standard + "=" * (-len(standard) % 4))


def _base32(text: str) -> Iterator[tuple[str, str]]:
    for run in BASE32.findall(text):
        bare = run.rstrip("=")
        yield run, _text(partial(base64.b32decode, casefold=True), bare + "=" * (-len(bare) % 8))


def _hex(text: str) -> Iterator[tuple[str, str]]:
    for match in HEX.finditer(text):
        digits = re.sub(r"0[xX]|\\x|[\s,:.-]", "", match.group(0))
        if len(digits) % 2 == 0:
            yield match.group(0), _text(bytes.fromhex, digits)


def _binary(text: str) -> Iterator[tuple[str, str]]:
    for match in BINARY.finditer(text):
        octets = bytes(int(bits, 2) for bits in re.findall(r"[01]{8}", match.group(0)))
        yield match.group(0), _text(bytes, octets)


def _percent(text: str) -> Iterator[tuple[str, str]]:
    for match in PERCENT.finditer(text):
        before = text[max(0, match.start() - 300):match.start()].split()
        token = before[-1] if before and not text[match.start() - 1].isspace() else ""
        if "://" not in token and not token.startswith("www."):  # a link's own escapes
            yield match.group(0), unquote(match.group(0))


def _quoted_printable(text: str) -> Iterator[tuple[str, str]]:
    for match in QUOTED_PRINTABLE.finditer(text):
        yield match.group(0), _text(quopri.decodestring, match.group(0).encode())


def _ascii85(text: str) -> Iterator[tuple[str, str]]:
    for match in ASCII85.finditer(text):
        yield match.group(0), _text(partial(base64.a85decode, adobe=True), match.group(0))


def _morse(text: str) -> Iterator[tuple[str, str]]:
    for match in MORSE_RUN.finditer(text):
        normal = match.group(0).translate(str.maketrans("·•_−–—", "..----"))
        words = [w.split() for w in re.split(r"\s*[/|]+\s*|\s{3,}", normal.strip())]
        yield match.group(0), " ".join("".join(MORSE.get(c, "") for c in w) for w in words)


def _braille(text: str) -> Iterator[tuple[str, str]]:
    for match in BRAILLE_RUN.finditer(text):
        yield match.group(0), "".join(BRAILLE.get(ord(c), " " if c.isspace() or c == "\u2800"
                                                  else "") for c in match.group(0))


def _nato(text: str) -> Iterator[tuple[str, str]]:
    for match in NATO_RUN.finditer(text):
        words = re.findall(r"x-ray|[a-z]+", match.group(0).lower())
        yield match.group(0), "".join(NATO.get(w, "") for w in words)


def _tags(text: str) -> Iterator[tuple[str, str]]:
    for run in TAGS.findall(text):
        yield run, "".join(chr(ord(c) - 0xE0000) for c in run if 0xE0020 <= ord(c) <= 0xE007E)


def _stacked(text: str) -> Iterator[tuple[str, str]]:
    marks = len(MARKS.findall(text))
    # zalgo: a pile of marks on one letter, or marks on most letters (not Lithuanian's i̇̀)
    if STACKED.search(text) or (marks >= 6 and marks >= 0.3 * sum(c.isalpha() for c in text)):
        bare = "".join(c for c in unicodedata.normalize("NFD", text)
                       if unicodedata.category(c) != "Mn")
        yield text, unicodedata.normalize("NFC", bare)


def _rot13(text: str) -> Iterator[tuple[str, str]]:
    """A stretch of Latin words that reads as English only once its letters are turned 13."""
    for part in re.split(r"[\n.!?;:]+", text):
        words = [w.lower() for w in LATIN_WORD.findall(part) if len(w) > 2]
        if len(words) < 3:
            continue
        turned = codecs.encode(part, "rot13")
        ahead = sum(w in COMMON for w in words) / len(words)
        behind = sum(codecs.encode(w, "rot13") in COMMON for w in words)
        if behind >= 2 and behind / len(words) > max(0.2, ahead + 0.15):
            yield part, turned


def _text(decode: Callable[[Any], bytes], encoded: Any) -> str:
    """What the encoded bytes say as UTF-8, or "" when they are no such thing."""
    try:
        return decode(encoded).decode("utf-8", errors="ignore")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


DECODERS: tuple[tuple[str, Decoder], ...] = (
    ("base64", _base64), ("base32", _base32), ("hex", _hex), ("binary", _binary),
    ("percent-encoding", _percent), ("quoted-printable", _quoted_printable),
    ("ascii85", _ascii85), ("morse", _morse), ("braille", _braille), ("nato", _nato),
    ("tags", _tags), ("stacked marks", _stacked), ("rot13", _rot13),
)
