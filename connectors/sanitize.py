"""What crosses the connector boundary is made safe here, once, for every platform.

Platforms (and files) hand over whatever JSON allows: text ending in a lone surrogate, objects
nested 100,000 deep, numbers of 5,000 digits, a `publishedAt` in year 1. `loads` parses any such
body without raising anything but ValueError; `clean_text`, `bounded_int` and `plausible_time`
normalise one field or say why it cannot be used. An item that cannot be made safe becomes a
`Rejected` (its raw text and the reason), which the bot keeps in quarantine instead of failing
the batch around it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_DEPTH = 32  # far deeper than any real comment resource; deeper parts are cut off
MAX_INT_DIGITS = 18  # fits a 64-bit column; longer numbers are kept as text, never as int
MAX_TEXT_CHARS = 20_000  # YouTube caps comments at 10,000; the rest is noise
MAX_RAW_CHARS = 100_000  # what a quarantined item keeps of its raw form
TOO_DEEP = {"$nested_too_deep": True}  # an object: a field that wanted text or a number refuses it
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class InvalidItem(ValueError):
    """One item from a platform that cannot be used as a comment, and why."""


@dataclass(frozen=True)
class Rejected:
    """An item kept out of the store: its raw form, why, and its platform id if readable."""

    raw: str
    error: str
    item_id: str | None = None


class HugeNumber(str):
    """A JSON number too long to be a count or an id: kept as its digits, refused as either."""


def _int_or_text(digits: str) -> int | str:
    # json would raise ValueError past 4,300 digits and fail the whole body
    return int(digits) if len(digits.lstrip("-")) <= MAX_INT_DIGITS else HugeNumber(digits)


def _flatten_deep(text: str, max_depth: int) -> str:
    """`text` with every array or object deeper than `max_depth` replaced by a marker string."""
    if text.count("[") + text.count("{") <= max_depth:
        return text  # cannot be too deep: skip the scan
    depth, cut_from, pieces, last = 0, -1, [], 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == max_depth + 1:
                cut_from = match.start()
        else:
            if depth == max_depth + 1 and cut_from >= 0:
                pieces.append(text[last:cut_from] + json.dumps(TOO_DEEP))
                last, cut_from = match.end(), -1
            depth -= 1
    if cut_from >= 0:  # unbalanced: cut off mid-way; json reports where
        return text[:cut_from]
    return "".join(pieces) + text[last:]


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON; nesting past `max_depth` becomes a marker, huge numbers stay text.

    Raises ValueError (never RecursionError) when the text is not JSON at all.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        return json.loads(_flatten_deep(text, max_depth), parse_int=_int_or_text)
    except RecursionError:  # a parser with a smaller stack than ours: still only bad input
        raise ValueError("JSON nested too deep") from None


def clean_text(value: Any, field: str, max_chars: int = MAX_TEXT_CHARS,
               required: bool = False) -> str:
    """A string field as valid UTF-8 text: lone surrogates and control characters replaced."""
    if value is None and not required:
        return ""
    if isinstance(value, HugeNumber):
        raise InvalidItem(f"field {field!r} is a number of {len(value)} digits, not text")
    if not isinstance(value, str):
        raise InvalidItem(f"field {field!r} must be text, not {type(value).__name__}")
    text = _SURROGATE.sub("\ufffd", value)
    return _CONTROL.sub("\ufffd", text)[:max_chars]


def optional_text(value: Any, field: str, max_chars: int = 1_000) -> str | None:
    return None if value is None else clean_text(value, field, max_chars)


def bounded_int(value: Any, field: str, low: int = 0, high: int = 10**9) -> int:
    """A count within [low, high]; text, floats and huge numbers are refused."""
    if isinstance(value, HugeNumber):
        raise InvalidItem(f"field {field!r} is a number of {len(value)} digits")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidItem(f"field {field!r} must be a whole number, not "
                          f"{type(value).__name__}")
    if not low <= value <= high:
        raise InvalidItem(f"field {field!r} is {str(value)[:20]}…, outside {low}..{high}")
    return value


def plausible_time(value: Any, field: str) -> datetime:
    """An ISO 8601 time between 2000 and 2200, as aware UTC."""
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidItem(f"field {field!r} must be an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidItem(f"field {field!r} is not an ISO 8601 time: {value[:40]!r}") from None
    if not EARLIEST <= parsed <= LATEST:
        raise InvalidItem(f"field {field!r} is {value!r}, outside 2000..2200")
    return parsed


def safe_json(value: Any) -> Any:
    """`value` with every string cleaned (for storing a raw item as JSON)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value).replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {safe_json(k): safe_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [safe_json(v) for v in value]
    return value


def raw_text(value: Any) -> str:
    """Any item as bounded, valid text for the quarantine."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        try:
            value = json.dumps(safe_json(value), ensure_ascii=False, default=str)
        except (ValueError, RecursionError):
            value = repr(value)
    return clean_text(value, "raw", MAX_RAW_CHARS)


def reject(raw: Any, exc: Exception, item_id: Any = None) -> Rejected:
    """An item that failed to convert, with the reason as one line."""
    reason = exc.args[0] if isinstance(exc, InvalidItem) else f"{type(exc).__name__}: {exc}"
    return Rejected(raw_text(raw), clean_text(str(reason), "error", 1_000),
                    item_id if isinstance(item_id, str) else None)
