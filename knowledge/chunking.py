"""Split documents into overlapping chunks of about `size` tokens on sentence boundaries.

Works for text without spaces (Chinese): sentences end at 。！？ as well as .!?, and a sentence
longer than a chunk is cut by characters. Markdown headings start a new chunk and stay with it,
so a chunk keeps the title that gives it meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

TokenCounter = Callable[[str], int]

SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s+|(?<=[。！？；])")
HEADING = re.compile(r"^#{1,6}\s+\S")


@dataclass(frozen=True)
class Chunk:
    text: str
    index: int
    heading: str | None = None


@dataclass
class _Unit:
    text: str
    tokens: int
    paragraph_start: bool = False


def split_sentences(paragraph: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(paragraph) if part.strip()]


def _hard_split(text: str, count: TokenCounter, size: int) -> list[str]:
    """Cut an over-long sentence into pieces of at most `size` tokens, by characters."""
    pieces: list[str] = []
    rest = text
    while rest:
        if count(rest) <= size:
            pieces.append(rest)
            break
        low, high = 1, len(rest)
        while low < high:  # the longest prefix that fits
            mid = (low + high + 1) // 2
            if count(rest[:mid]) <= size:
                low = mid
            else:
                high = mid - 1
        cut = rest.rfind(" ", 0, low)
        cut = cut if cut > low // 2 else low
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [piece for piece in pieces if piece]


def _units(paragraph: str, count: TokenCounter, size: int) -> list[_Unit]:
    units: list[_Unit] = []
    for sentence in split_sentences(paragraph):
        tokens = count(sentence)
        parts = [sentence] if tokens <= size else _hard_split(sentence, count, size)
        for part in parts:
            units.append(_Unit(part, tokens if len(parts) == 1 else count(part)))
    if units:
        units[0].paragraph_start = True
    return units


def _join(units: list[_Unit]) -> str:
    out = ""
    for unit in units:
        if not out:
            out = unit.text
        elif unit.paragraph_start:
            out += "\n\n" + unit.text
        else:
            out += ("" if _is_cjk_end(out) else " ") + unit.text
    return out


def _is_cjk_end(text: str) -> bool:
    return bool(text) and ord(text[-1]) > 0x2E80


def _overlap_tail(units: list[_Unit], overlap: int) -> list[_Unit]:
    tail: list[_Unit] = []
    total = 0
    for unit in reversed(units):
        if total + unit.tokens > overlap:
            break
        tail.insert(0, unit)
        total += unit.tokens
    return tail


class _Packer:
    """Accumulates sentences into chunks, carrying an overlap into the next chunk."""

    def __init__(self, size: int, overlap: int) -> None:
        self.size, self.overlap = size, overlap
        self.chunks: list[Chunk] = []
        self.current: list[_Unit] = []
        self.fresh = 0  # units in `current` not already emitted in the previous chunk
        self.heading: str | None = None
        self.heading_line = ""

    def add(self, unit: _Unit) -> None:
        used = sum(u.tokens for u in self.current) + self.heading_tokens
        if self.current and used + unit.tokens > self.size:
            tail = _overlap_tail(self.current, self.overlap)
            self.flush()
            self.current = [u for u in tail if u.tokens + unit.tokens <= self.size]
        self.current.append(unit)
        self.fresh += 1

    @property
    def heading_tokens(self) -> int:
        # room for the heading a continuation chunk will carry
        starts_with_heading = bool(self.current) and self.current[0].text == self.heading_line
        return 0 if starts_with_heading or not self.heading_line else self._heading_tokens

    def start_section(self, heading: str, tokens: int) -> None:
        self.flush()
        self.heading = heading.lstrip("#").strip()
        self.heading_line = heading
        self._heading_tokens = tokens
        self.current = [_Unit(heading, tokens, paragraph_start=True)]

    def flush(self) -> None:
        if self.fresh:
            text = _join(self.current)
            if self.heading_line and not text.startswith(self.heading_line):
                # a section's later chunks keep its heading: it says what they are about
                text = f"{self.heading_line}\n\n{text}"
            self.chunks.append(Chunk(text, len(self.chunks), self.heading))
        self.current, self.fresh = [], 0


def chunk_text(text: str, count: TokenCounter, size: int = 256, overlap: int = 25) -> list[Chunk]:
    """Chunks of at most `size` tokens; neighbours share up to `overlap` tokens of sentences."""
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError(f"need 0 <= overlap < size, got size={size} overlap={overlap}")
    packer = _Packer(size, overlap)
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        first, _, rest = paragraph.partition("\n")
        if HEADING.match(first):
            packer.start_section(first.strip(), count(first))
            paragraph = rest.strip()
        for unit in _units(paragraph, count, size):
            packer.add(unit)
    packer.flush()
    if not packer.chunks and text.strip():  # only a title: still worth one chunk
        heading = text.strip().lstrip("#").strip()
        return [Chunk(text.strip(), 0, heading or None)]
    return packer.chunks


def chunk_units(units: list[str], count: TokenCounter, size: int = 256) -> list[Chunk]:
    """One chunk per unit (a FAQ pair stays whole); a unit over `size` is split by sentences."""
    chunks: list[Chunk] = []
    for unit in units:
        pieces = [unit] if count(unit) <= size else [c.text for c in chunk_text(unit, count,
                                                                                 size, 0)]
        chunks.extend(Chunk(piece, len(chunks) + n) for n, piece in enumerate(pieces))
    return chunks
