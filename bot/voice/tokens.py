"""Token counts with OpenAI's encodings (tiktoken), offline.

tiktoken downloads its vocabularies on first use. replybot must work without network, so the
vocabulary files are taken from the `bpe-openai` package, which ships them, and put where
tiktoken looks first: its cache directory, under the name tiktoken gives the download. tiktoken
checks each file's SHA-256 before use, so a damaged file is refused, not trusted.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.packages import package_dir
from knowledge.files import kept

BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
SHIPPED = ("cl100k_base", "o200k_base")
FALLBACK = "o200k_base"

_lock = threading.Lock()


def prepare_cache(folder: Path) -> Path:
    """Put the shipped vocabularies in `folder` and point tiktoken at it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        target = folder / hashlib.sha1(BLOB.format(name=name).encode()).hexdigest()
        if not target.exists():
            packed = _shipped() / f"{name}.tiktoken.gz"
            partial = target.with_suffix(".partial")
            partial.write_bytes(gzip.decompress(packed.read_bytes()))
            partial.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    return folder


def _shipped() -> Path:
    """The vocabulary folder of `bpe-openai`, found without importing it (and its engine)."""
    folder = package_dir("bpe_openai")
    if folder is None:
        raise ConfigError("token counting needs the bpe-openai package: `pip install "
                          "bpe-openai`")
    return folder / "data"


def base_of(model: str) -> str:
    """The base model of a fine-tuned id: ft:gpt-4o-mini-2024-07-18:org:suffix:id → gpt-4o-mini-…"""
    return model.split(":")[1] if model.startswith("ft:") else model


def encoding_for(model: str, cache: Path) -> Any:
    """The tiktoken encoding of `model` (its base model's), or o200k_base if tiktoken does not
    know the model."""
    with _lock:
        prepare_cache(cache)
        from tiktoken.model import encoding_name_for_model

        try:
            name = encoding_name_for_model(base_of(model))
        except KeyError:
            name = FALLBACK
        return _encoding(name)


def _encoding(name: str) -> Any:
    """The encoding, its vocabulary kept decoded in the cache folder for the shipped ones:
    tiktoken reads and checks the 3.6 MB text file at every start (0.2 s), the kept table
    loads in a fifth of that."""
    import tiktoken
    from tiktoken_ext.openai_public import ENCODING_CONSTRUCTORS

    if name not in SHIPPED:
        return tiktoken.get_encoding(name)
    packed = _shipped() / f"{name}.tiktoken.gz"
    stamp = packed.stat()
    spec = kept(f"tiktoken-{name}-{tiktoken.__version__}-{stamp.st_size}-"
                f"{stamp.st_mtime_ns}.marshal", ENCODING_CONSTRUCTORS[name])
    return tiktoken.Encoding(**spec)
