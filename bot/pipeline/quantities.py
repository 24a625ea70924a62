"""The quantities a text states: a number with its unit ("93°C", "two weeks", "一个月", "18 克").

A number alone says little ("5" is in "5 days" and in "5 weeks"); with its unit it is a fact
that the creator's notes state or do not. `grounding` (in `bot.pipeline.evidence`) holds an
answer that states a quantity no text of the creator's states with the same unit, and one that
confirms a quantity the comment proposed unless a line of the creator's about the same thing
states it: "95°C for milk, right?" is not backed by "94–95°C for light roasts".

Ranges give each end ("88–90°C" states 88°C and 90°C). A calendar year is an amount of its
own ("in 2021", "2021 年": unit "AD"), so a year the notes give for one event is not taken for
another ("I started the channel in 2023" where they say "March 2021: I started the channel");
other parts of a date are not ("3 月", "March"): a bare number still has to occur in the
creator's texts, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

#: each unit's ways of being written, in English and Chinese
UNITS = {
    "°C": ("°c", "℃", "°", "degrees celsius", "degrees", "degree", "度"),
    "g": ("g", "grams", "gram", "gr", "克", "公克"),
    "kg": ("kg", "kilos", "kilograms", "kilogram", "公斤", "千克"),
    "ml": ("ml", "millilitres", "milliliters", "millilitre", "milliliter", "毫升"),
    "l": ("litres", "liters", "litre", "liter", "升"),
    "s": ("s", "sec", "secs", "seconds", "second", "秒钟", "秒"),
    "min": ("min", "mins", "minutes", "minute", "分钟"),
    "h": ("h", "hr", "hrs", "hours", "hour", "个小时", "小时", "个钟头", "钟头"),
    "day": ("days", "day", "天"),
    "week": ("weeks", "week", "个星期", "个礼拜", "星期", "礼拜", "周"),
    "month": ("months", "month", "个月"),
    "year": ("years", "year", "yrs", "岁", "周岁", "年"),
    "click": ("clicks", "click", "格", "档"),
    "cup": ("cups", "cup", "杯"),
    "page": ("pages", "page", "页"),
    "shot": ("shots", "shot"),
    "bar": ("bar",),
    "%": ("%", "％", "percent", "per cent"),
    "mg": ("mg", "milligrams", "毫克"),
    "yuan": ("yuan", "rmb", "元", "块钱", "块"),
    "$": ("dollars", "dollar", "bucks", "usd"),
    "€": ("euros", "euro", "eur"),
}
#: units that are another's multiple: compared in the smaller one ("2 minutes" is "120 s")
BASE = {"min": ("s", 60), "h": ("s", 3600), "kg": ("g", 1000), "l": ("ml", 1000),
        "week": ("day", 7)}
ALIAS = {alias: unit for unit, aliases in UNITS.items() for alias in aliases}
#: currency written before the number: "$20", "¥99"
PREFIX = {"$": "$", "¥": "yuan", "￥": "yuan", "€": "€", "£": "£"}

ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
ENGLISH = {"a": 1, "an": 1, **ONES, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
           "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
           "nineteen": 19, **TENS, "hundred": 100, "half a": 0.5, "half an": 0.5, "half": 0.5,
           "a couple of": 2,
           # "twenty-four", "twenty four"
           **{f"{t}{sep}{o}": tv + ov for t, tv in TENS.items() for o, ov in ONES.items()
              for sep in ("-", " ")}}
CHINESE = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9, "半": 0.5}
#: Chinese numerals that multiply what comes before them
MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
#: characters of Chinese numbers and units, which say nothing of what a quantity is of
NUMERALS = frozenset("零一二两三四五六七八九十百半个克秒分钟小时天周月年度格杯块元升")
#: units a number word may carry: "a month", "two weeks"; "a g" or "one s" is no quantity
#: units an English number word may carry ("two weeks"); Chinese numerals carry any ("十五克")
SPELT_UNITS = {"day", "week", "month", "year", "h", "min", "s", "cup", "shot", "click", "%",
               "°C", "$", "€", "yuan"}
#: units "a", "an" or "一" may stand for one of: a duration ("keeps a month", "一个月"); "a
#: cup", "a day", "一杯" and "a second" are mostly manners of speech ("grab a cup", "twice a
#: day", "请你喝一杯", "wait a second")
ONE_UNITS = {"week", "month", "year", "h", "min"}

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_WORDS = "|".join(sorted((re.escape(w) for w in ENGLISH), key=len, reverse=True))
_HANZI = r"[零一二两三四五六七八九十百千万半]+"
_NUMBER = rf"(?:{_DIGITS}|(?<![A-Za-z])(?:{_WORDS})(?![A-Za-z])|{_HANZI})"
_ALIASES = "|".join(sorted(map(re.escape, ALIAS), key=len, reverse=True))
_RANGE = r"\s*(?:[-–—~〜～到至]|to|or)\s*"
QUANTITY = re.compile(
    rf"(?:(?P<prefix>[$¥￥€£])\s*)?(?<![A-Za-z0-9_.:/-])(?P<first>{_NUMBER})"
    rf"(?P<more>(?:{_RANGE}{_NUMBER})*)"
    rf"(?:\s*(?:-\s*)?(?P<unit>{_ALIASES})(?![A-Za-z]))?", re.IGNORECASE)
#: "a week" is a length of time after these words or at a sentence's start ("keeps a month",
#: "A month is fine?"); after other words it is how often ("twice a week", "one video a week")
LENGTH_AFTER = re.compile(r"(?:^|[.!?,;:(\n]|\b(?:for|in|about|around|within|after|over|under|"
                          r"up to|keeps?|kept|lasts?|takes?|took|rest|wait|steep|leave|left|"
                          r"store|stored|only|just|than|almost|nearly|least|most|is|was|be)"
                          r")\s*$", re.IGNORECASE)
#: the longest text read (a comment is shorter; the checks stay linear in it anyway)
LONGEST = 20_000
#: a year or a month's name in Chinese ("2021 年 3 月"), which is a date, not a duration
DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月(?!\s*份?\s*[内里])|\d{1,2}\s*(?:日|号)")
#: what joins the two ends of a range of years
_YEAR_RANGE = r"\s*(?:-|–|~|to|到|至)\s*"
#: a calendar year, 1900 to 2099, as a number of its own: not a part of "2,021", "20:21",
#: "2021.5", "v2021", "$2021" or a range ("2021-22", "1999 to 2001")
YEAR = re.compile(r"(?<![A-Za-z0-9_$¥￥€£])(?<!\d[.,:/-])(?:19|20)\d\d"
                  rf"(?![A-Za-z0-9_%]|[.,:/-]\d|{_YEAR_RANGE}\d)")
#: a range's first end just before a year: "1999 to 2001" is no year
RANGE_BEFORE = re.compile(rf"\d{_YEAR_RANGE}$")


@dataclass(frozen=True)
class Quantity:
    """An amount in its unit's base ("2 min" is 120 s), with the words that stated it."""

    value: float
    unit: str
    written: str = field(default="", compare=False)

    @classmethod
    def of(cls, amount: float, unit: str, written: str = "") -> Quantity:
        base, factor = BASE.get(unit, (unit, 1))
        return cls(round(amount * factor, 6), base, written)

    def __str__(self) -> str:
        return self.written or f"{self.value:g} {self.unit}"


def value(number: str) -> float | None:
    """A number written in digits, English words or Chinese numerals ("1,000" is a thousand,
    "1,5" one and a half)."""
    word = " ".join(number.lower().split())
    if word in ENGLISH:
        return float(ENGLISH[word])
    if re.fullmatch(_DIGITS, word):
        return float(word.replace(",", ".")) if word.count(",") == 1 and \
            len(word.split(",")[1]) != 3 else float(word.replace(",", ""))
    return _hanzi(word)


def _hanzi(word: str) -> float | None:
    if not word or any(c not in CHINESE and c not in MULTIPLIERS for c in word):
        return None
    if word in CHINESE:
        return float(CHINESE[word])
    total, current = 0.0, 0.0
    for c in word:
        if c in CHINESE:
            current = CHINESE[c]
        elif c == "万":  # 一万, 三十万
            total = (total + (current or 1)) * 10000
            current = 0.0
        else:  # 十, 百, 千
            total += (current or 1) * MULTIPLIERS[c]
            current = 0.0
    return total + current


def stated(text: str) -> list[tuple[Quantity, int, int]]:
    """Each quantity the text states with where it stands (start, end); ranges give both
    ends, and the unit written after a range is each end's."""
    text = text[:LONGEST]
    dates = [m.span() for m in DATE.finditer(text)]
    found = []
    for match in QUANTITY.finditer(text):
        unit = _unit(match)
        if unit is None or any(a <= match.start("first") < b for a, b in dates):
            continue
        numbers = [match.group("first"), *re.findall(_NUMBER, match.group("more") or "",
                                                     re.IGNORECASE)]
        english = any(re.fullmatch(_WORDS, n, re.IGNORECASE) for n in numbers)
        first = numbers[0].lower()
        if english and unit not in SPELT_UNITS or first == "一" and unit not in ONE_UNITS \
                or first in ("a", "an") \
                and (unit not in ONE_UNITS
                     or not LENGTH_AFTER.search(text[max(0, match.start() - 12):match.start()])):
            continue
        written = match.group(0).strip()
        for number in numbers:
            amount = value(number)
            if amount is not None:
                found.append((Quantity.of(amount, unit, written), match.start(), match.end()))
    found += [(Quantity.of(float(m.group(1)), "ratio", m.group(0)), m.start(), m.end())
              for m in RATIO.finditer(text)]
    with_unit = {start for _, start, _ in found}
    found += [(Quantity.of(float(m.group(0)), "AD", m.group(0)), m.start(), m.end())
              for m in YEAR.finditer(text) if m.start() not in with_unit
              and not RANGE_BEFORE.search(text[max(0, m.start() - 8):m.start()])]
    return sorted(found, key=lambda item: item[1])


#: a ratio of one to some ("1:15", "1:2.2", "1 : 10"), which a timer's time also looks like:
#: the line that backs it says which
RATIO = re.compile(r"(?<![\d:.])1\s*:\s*(\d{1,3}(?:\.\d+)?)(?![\d:])")


#: a time on a clock or a timer ("3:00", "0:40"), which the creator's notes use for durations
CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):([0-5]\d)(?![\d:])")


def durations(text: str) -> set[Quantity]:
    """The times of a timer the text gives ("2:45" is 165 s; "3:00" is 3 minutes too): the
    creator's recipe states "target 3:00" where an answer says "about 3 minutes"."""
    return {Quantity.of(int(m) * 60 + int(s), "s", f"{m}:{s}") for m, s in CLOCK.findall(text)}


def _unit(match: re.Match[str]) -> str | None:
    prefix = match.group("prefix")
    if prefix:
        return PREFIX[prefix]
    written = match.group("unit")
    if not written:
        return None
    unit = ALIAS[written.lower()]
    number = match.group("first")
    # a lone Latin letter is a unit after digits, in lower case: "18 g", not "a s" or "5G"
    if len(written) == 1 and written.isascii() and written.isalpha() \
            and (not number[-1:].isdigit() or not written.islower()):
        return None
    return unit


@lru_cache(maxsize=4096)
def of(text: str) -> frozenset[Quantity]:
    """The quantities a text states (remembered: the creator's notes are read for every
    draft)."""
    return frozenset(q for q, _, _ in stated(text))


@lru_cache(maxsize=4096)
def backed(text: str) -> frozenset[Quantity]:
    """What a text of the creator's can back: its quantities and its timer times."""
    return of(text) | durations(text)


def lines(texts: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Each line of the creator's texts that states a quantity, with the lines around it and
    the heading it stands under: the context that says what the quantity is of."""
    for text in texts:
        rows = text.splitlines()
        heading = ""
        for i, row in enumerate(rows):
            if row.lstrip().startswith("#") or row.startswith("**Title"):
                heading = row
            if backed(row):
                around = " ".join(rows[max(0, i - 1):i + 2])
                yield row, f"{heading} {around}"


@dataclass(frozen=True)
class Statement:
    """A quantity as one of the creator's texts states it: `part` is the clause of its line
    that holds it ("light roasts 94–95°C"), `line` that clause with the clauses of its line
    that state nothing of its unit (a table's "Water temperature"), `headings` the headings
    it stands under."""

    quantity: Quantity
    part: str
    line: str
    headings: str


#: a heading: Markdown's, a video's title, a Chinese numbered section ("五、打奶泡")
HEADING = re.compile(r"\s*(?:(?P<marks>#{1,6})\s|\*\*Title\b|[一二三四五六七八九十]+、)")
#: where a clause of a line ends: a sentence, a comma, a table cell; a full stop or comma only
#: before a space, so "0.1 g" and "1,000" stay whole
PART_END = re.compile(r"[.,](?=\s|$)|[!?;|。！？；，、·]")
#: what a line says in brackets, a clause of its own ("Steep in the fridge (about 4°C) for 14
#: hours" states 14 hours of the fridge, and 4°C of the bracket)
BRACKETED = re.compile(r"[(（]([^()（）]*)[)）]")


def statements(texts: Sequence[str]) -> list[Statement]:
    """Each quantity the creator's texts state, with the clause and the headings it stands
    under: what the quantity is of."""
    return [s for text in texts for s in _statements(text)]


@lru_cache(maxsize=1024)
def _statements(text: str) -> tuple[Statement, ...]:
    found: list[Statement] = []
    headings: dict[int, str] = {}
    for row in _rows(text[:LONGEST]):
        heading = HEADING.match(row)
        if heading:  # a title or a numbered section sits below every Markdown heading
            level = len(heading.group("marks")) if heading.group("marks") else 7
            headings = {k: v for k, v in headings.items() if k < level} | {level: row}
        if not of(row):
            continue
        above = " ".join(headings[k] for k in sorted(headings) if headings[k] != row)
        clauses = [*BRACKETED.findall(row), BRACKETED.sub(" ", row)]
        parts = [(part, of(part)) for clause in clauses for part in PART_END.split(clause)]
        plain: dict[str, str] = {}  # by unit: the line's clauses that state none of it
        for part, stating in parts:
            for quantity in stating:
                if not as_stated(quantity, f"{above} {row}"):  # "by about 1:10" is a time
                    continue
                if quantity.unit not in plain:
                    plain[quantity.unit] = " ".join(
                        p for p, held in parts if all(q.unit != quantity.unit for q in held))
                found.append(Statement(quantity, part, f"{plain[quantity.unit]} {part}", above))
    return tuple(found)


#: where the next item of a list starts, in a list the knowledge base's chunks hold on one
#: line ("- March 2021: I started the channel. - 2022: I bought…"): after a sentence's end
LIST_ITEM = re.compile(r"(?<=[.!?。！？])\s+(?=[-*•]\s)")
LIST_START = re.compile(r"\s*[-*•]\s")


def _rows(text: str) -> list[str]:
    """The text's lines, a list on one line read item by item: each item is said of its own
    amount, and the clauses of the others are not its line's."""
    return [item for row in text.splitlines()
            for item in (LIST_ITEM.split(row) if LIST_START.match(row) else (row,))]


#: a word that says a "1:15" is a ratio, not a time on a timer
RATIO_WORD = re.compile(r"ratio|比", re.IGNORECASE)


def as_stated(quantity: Quantity, around: str) -> bool:
    """Whether the quantity reads as what it is taken for where it stands: "1:10" that could
    be a time on a timer ("up to 120 g by about 1:10") is a ratio only beside a word for one
    ("ratio 1:10", "粉水比 1:10")."""
    clock = quantity.unit == "ratio" and CLOCK.fullmatch(quantity.written.replace(" ", ""))
    return not clock or RATIO_WORD.search(around) is not None
