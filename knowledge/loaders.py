"""Turn files into plain-text documents, one loader per format.

Markdown and text are read as they are; PDF through pypdf; HTML through trafilatura, which keeps
the article and drops menus, banners and footers; subtitles (.srt, .vtt) through webvtt-py,
cues joined into paragraphs; FAQs (.jsonl, .csv) as question-and-answer pairs that stay together
as one chunk each. A file that cannot be parsed raises UnreadableFile with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.errors import UnreadableFile, UnsupportedFile


@dataclass(frozen=True)
class Document:
    """Text from one source. `units`, when given, are pieces never split or merged (FAQ pairs)."""

    source: str
    text: str
    metadata: dict[str, str] = field(default_factory=dict)
    units: tuple[str, ...] = ()


Loader = Callable[[Path], Document]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: {exc.strerror}") from None


def _source(path: Path) -> str:
    return str(path.resolve())


def load_text(path: Path) -> Document:
    return Document(_source(path), _read_text(path))


def load_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise UnreadableFile(f"{path}: the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise UnreadableFile(f"{path}: not a readable PDF ({exc})") from None
    text = "\n\n".join(_reflow(page) for page in pages if page.strip())
    if not text.strip():
        raise UnreadableFile(f"{path}: the PDF has no text layer (scanned pages need OCR first)")
    return Document(_source(path), text)


def _reflow(page: str) -> str:
    """Join the hard-wrapped lines of a PDF page into paragraphs."""
    paragraphs = re.split(r"\n\s*\n", page)
    joined = []
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        text = ""
        for line in lines:
            if text.endswith("-") and line[:1].islower():
                text = text[:-1] + line
            elif not text or (ord(text[-1]) > 0x2E80):  # CJK lines join without a space
                text += line
            else:
                text += " " + line
        joined.append(text)
    return "\n\n".join(joined)


def load_html(path: Path) -> Document:
    import trafilatura

    html = _read_text(path)
    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_precision=True)
    if not text or not text.strip():
        raise UnreadableFile(f"{path}: no article text found in the HTML")
    metadata = {}
    title = trafilatura.extract_metadata(html)
    if title is not None and title.title:
        metadata["title"] = title.title
        text = f"# {title.title}\n\n{text}"
    return Document(_source(path), text, metadata)


def load_subtitles(path: Path) -> Document:
    import webvtt

    try:
        captions = webvtt.from_srt(str(path)) if path.suffix.lower() == ".srt" \
            else webvtt.read(str(path))
    except Exception as exc:  # webvtt raises several kinds for malformed files
        raise UnreadableFile(f"{path}: not valid subtitles ({exc})") from None
    lines = [" ".join(c.text.split()) for c in captions.captions if c.text.strip()]
    if not lines:
        raise UnreadableFile(f"{path}: the subtitles have no text")
    return Document(_source(path), _paragraphs(lines))


def _paragraphs(lines: list[str], size: int = 8) -> str:
    """Cue lines joined into sentences, and into paragraphs every few cues."""
    out, current = [], []
    for line in lines:
        current.append(line)
        if len(current) >= size and re.search(r"[.!?。！？]$", line):
            out.append(_join_cues(current))
            current = []
    if current:
        out.append(_join_cues(current))
    return "\n\n".join(out)


def _join_cues(lines: list[str]) -> str:
    text = ""
    for line in lines:
        cjk = text and (ord(text[-1]) > 0x2E80 or ord(line[0]) > 0x2E80)
        text += line if not text or cjk else " " + line
    return text


def _pairs(path: Path, rows: Iterable[dict[str, object]]) -> Document:
    units = []
    for number, row in enumerate(rows, start=1):
        question = str(row.get("question") or "").strip()
        answer = str(row.get("answer") or "").strip()
        if not question or not answer:
            raise UnreadableFile(f"{path}: entry {number} needs both a question and an answer")
        units.append(f"Q: {question}\nA: {answer}")
    if not units:
        raise UnreadableFile(f"{path}: no question-and-answer pairs")
    return Document(_source(path), "\n\n".join(units), units=tuple(units))


def load_faq_jsonl(path: Path) -> Document:
    rows = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise UnreadableFile(f"{path}:{number}: expected an object with question and answer")
        rows.append(row)
    return _pairs(path, rows)


def load_faq_csv(path: Path) -> Document:
    try:
        reader = csv.DictReader(io.StringIO(_read_text(path)))
        rows = list(reader)
    except csv.Error as exc:
        raise UnreadableFile(f"{path}: not valid CSV ({exc})") from None
    if not reader.fieldnames or not {"question", "answer"} <= set(reader.fieldnames):
        raise UnreadableFile(f"{path}: the CSV needs the columns question and answer")
    return _pairs(path, rows)


LOADERS: dict[str, Loader] = {
    ".md": load_text, ".markdown": load_text, ".txt": load_text,
    ".pdf": load_pdf, ".html": load_html, ".htm": load_html,
    ".srt": load_subtitles, ".vtt": load_subtitles,
    ".jsonl": load_faq_jsonl, ".csv": load_faq_csv,
}


def load(path: Path) -> Document:
    """One file as a Document whose source is its absolute path."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise UnsupportedFile(f"{path}: no loader for {path.suffix or 'files without a suffix'} "
                              f"(supported: {known})")
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    return loader(path)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus the supported files inside named folders (sorted, recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and p.suffix.lower() in LOADERS
                         and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.exists():
            files.append(path)
        else:
            raise UnreadableFile(f"{path}: no such file or folder")
    return files
