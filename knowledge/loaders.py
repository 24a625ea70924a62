"""Turn files into plain-text documents. Markdown and text now; more formats plug in here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.errors import UnreadableFile, UnsupportedFile


@dataclass(frozen=True)
class Document:
    source: str
    text: str
    metadata: dict[str, str] = field(default_factory=dict)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: {exc.strerror}") from None


LOADERS: dict[str, Callable[[Path], str]] = {
    ".md": _read_text,
    ".markdown": _read_text,
    ".txt": _read_text,
}


def load(path: Path) -> Document:
    """One file as a Document whose source is its absolute path."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise UnsupportedFile(f"{path}: no loader for {path.suffix or 'files without a suffix'} "
                              f"(supported: {known})")
    return Document(source=str(path.resolve()), text=loader(path))


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus the supported files inside named folders (sorted, recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and p.suffix.lower() in LOADERS)
        elif path.exists():
            files.append(path)
        else:
            raise UnreadableFile(f"{path}: no such file or folder")
    return files
