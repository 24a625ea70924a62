"""Files written whole: a crash leaves the old file or none, never half of one; and the cache
folder, where what is slow to build is kept across starts."""

from __future__ import annotations

import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_folder() -> Path | None:
    """Where built things are kept: $REPLYBOT_CACHE_DIR, else $XDG_CACHE_HOME/replybot, else
    ~/.cache/replybot; None when there is no home to find (a container user with no passwd
    entry). A folder that cannot be used only means building again."""
    if os.environ.get("REPLYBOT_CACHE_DIR"):
        return Path(os.environ["REPLYBOT_CACHE_DIR"])
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:
        return None
    return Path(base) / "replybot"


def kept(name: str, build: Callable[[], Any]) -> Any:
    """What `build` returns, kept in the cache folder under `name` (which must change when what
    is built would): read back at later starts, built again when missing or unreadable. Only
    what `marshal` writes: strings, bytes, numbers and containers of them."""
    folder = cache_folder()
    path = folder / name if folder is not None else None
    if path is not None:
        try:
            return marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
    value = build()
    if path is not None:
        write_whole(path, marshal.dumps(value))
    return value


def write_whole(path: Path, data: bytes) -> Path | None:
    """Write `data` to `path` through a renamed temporary file; a cache that cannot be written
    (a read-only folder) only costs time, so it returns None instead of raising."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # a cache, not a secret: mkstemp makes it owner-only
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return None
    return path
