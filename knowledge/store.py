"""The knowledge base: chunks of the creator's material in a Chroma collection.

Chunk ids are content hashes of (source, text), so adding an unchanged file embeds nothing and a
changed file replaces exactly the chunks that changed. Every write bumps the collection's
`generation`, which tells the BM25 index (kept in memory) when to rebuild.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from knowledge import crosslingual
from knowledge.chunking import Chunk, chunk_text, chunk_units
from knowledge.embeddings import Embedder
from knowledge.errors import EmbedderMismatch, KnowledgeError
from knowledge.loaders import Document
from knowledge.retrieval import (
    Bm25Index,
    Evidence,
    Gate,
    Ranked,
    Scored,
    Verdict,
    Words,
    fuse,
    words_of,
)

COLLECTION = "replybot-knowledge"
CANDIDATES = 20  # per ranking, before fusion
#: new chunks embedded in one call when adding files (several files' worth), and the most files
#: waiting for that call (so the progress of unchanged files is not held back)
EMBED_TOGETHER = 64
FILES_TOGETHER = 16


@dataclass(frozen=True)
class Hit(Ranked):
    """A chunk that matched a query; `score` is its cosine similarity (1 is identical), the best
    over the forms of the query. (A gated search skips a form's cosine that could not reach the
    floor, so `score` may then be lower than that form's; `--min-score` shows every one.)"""

    source: str
    text: str
    score: float
    chunk_id: str
    video_id: str | None = None
    bm25: float = 0.0
    coverage: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)  # rank in each ranking it made
    fused: float = 0.0
    translation: str = ""  # the query in the material's other language, when searched so
    gate: dict[str, Any] = field(default_factory=dict)  # the gate's verdict in its parts

    def explain(self) -> dict[str, Any]:
        return {"dense": self.score, "dense_rank": self.dense_rank, "bm25": round(self.bm25, 3),
                "bm25_rank": self.bm25_rank,
                "translated_dense_rank": self.ranks.get("dense_translated"),
                "translated_bm25_rank": self.ranks.get("bm25_translated"),
                "coverage": round(self.coverage, 3), "fused": round(self.fused, 5),
                "video_id": self.video_id, "translation": self.translation or None,
                "gate": self.gate or None}


@dataclass(frozen=True)
class Form:
    """One form of a query: as asked, or translated."""

    text: str  # for BM25
    gist: str  # for the embedder
    words: Words  # for coverage and the gate
    admitted: bool  # whether the gate lets its evidence count (Gate.admits)
    unseen: float = 0.0  # the share of its words the material never uses


@dataclass(frozen=True)
class AddResult:
    source: str
    added: int
    kept: int
    removed: int


@dataclass
class Change:
    """What adding a document will do: delete its stale chunks, embed and write its new ones."""

    document: Document
    video_id: str | None
    wanted: int
    stale: list[str]
    new: list[tuple[str, Chunk]]

    @property
    def texts(self) -> list[str]:
        return [c.text for _, c in self.new]


@dataclass
class SyncResult:
    """What mirroring a folder changed."""

    results: list[AddResult]
    removed: dict[str, int]
    problems: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.removed) or any(r.added or r.removed for r in self.results)


@dataclass(frozen=True)
class SourceInfo:
    source: str
    chunks: int
    ingested_at: str


def chunk_id(source: str, text: str) -> str:
    return hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()[:32]


class FolderInUse(KnowledgeError):
    """Another process owns the Chroma folder."""


class OwnerLock:
    """Exclusive use of a Chroma folder by this process, released when the process ends.

    Chroma keeps a folder's index in memory; a second process writing the same folder would
    corrupt it, so the second one is refused with a message saying who holds it.
    """

    held: dict[str, OwnerLock] = {}

    def __init__(self, folder: Path) -> None:
        import os

        from filelock import FileLock, Timeout

        self.path = folder / "replybot.lock"
        self.lock = FileLock(str(self.path) + ".flock", timeout=0)
        try:
            self.lock.acquire()
        except Timeout:
            holder = self.path.read_text().strip() if self.path.exists() else "unknown"
            raise FolderInUse(
                f"the knowledge base in {folder} is in use by another replybot process "
                f"(pid {holder}), and Chroma allows one process per folder: stop that process "
                "(e.g. `replybot run`) first, or run a Chroma server and set [knowledge] "
                "chroma_url") from None
        self.path.write_text(str(os.getpid()))

    @classmethod
    def take(cls, folder: Path) -> OwnerLock:
        key = str(folder.resolve())
        if key not in cls.held:  # one process may open its own folder more than once
            cls.held[key] = cls(folder)
        return cls.held[key]


def open_client(path: Path | None = None, url: str | None = None) -> Any:
    """A Chroma client: a server at `url`, or files under `path` (owned by this process)."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        return chromadb.HttpClient(
            host=parsed.hostname or "localhost",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    if path is None:
        raise KnowledgeError("no knowledge base location: set [knowledge] chroma_url or data_dir")
    path.mkdir(parents=True, exist_ok=True)
    OwnerLock.take(path)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class KnowledgeBase:
    """Add, list, remove and search the creator's material."""

    def __init__(
        self,
        client: Any,
        embedder: Embedder,
        chunk_tokens: int = 256,
        chunk_overlap: int = 25,
        collection: str = COLLECTION,
        drop_patterns: Sequence[str] = (),
        gate: Gate | None = None,
        cross_language: bool = True,
        glossary: Path | None = None,
        lexicon_cache: Path | None = None,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.name = collection
        self.drop = [re.compile(p) for p in drop_patterns]
        self.gate = gate or embedder.default_gate
        self.cross_language = cross_language
        self.glossary = glossary
        #: where the cross-language dictionary, once built, is kept for later starts
        self.lexicon_cache = lexicon_cache
        if glossary is not None:  # a broken glossary should stop start-up, not each search
            crosslingual.read_glossary(glossary)
        self.bm25 = Bm25Index()
        self._collection = self._open()

    def _open(self) -> Any:
        collection = self.client.get_or_create_collection(
            self.name,
            embedding_function=None,  # we embed ourselves; Chroma's default downloads a model
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": self.embedder.name, "generation": 0},
        )
        built_with = (collection.metadata or {}).get("embedder")
        if built_with and built_with != self.embedder.name:
            raise EmbedderMismatch(
                f"the knowledge base was built with embedder {built_with!r} but "
                f"{self.embedder.name!r} is configured: switch back, or re-embed it with "
                "`replybot kb rebuild`")
        return collection

    # -- writing --------------------------------------------------------------------------------

    def chunks_of(self, document: Document) -> list[Chunk]:
        text = self._strip_boilerplate(document.text)
        if document.units:
            units = [self._strip_boilerplate(u) for u in document.units]
            return chunk_units([u for u in units if u.strip()], self.embedder.count_tokens,
                               self.chunk_tokens)
        return chunk_text(text, self.embedder.count_tokens, self.chunk_tokens, self.chunk_overlap)

    def _strip_boilerplate(self, text: str) -> str:
        if not self.drop:
            return text
        lines = text.splitlines()
        return "\n".join(line for line in lines if not any(p.search(line) for p in self.drop))

    def add(self, document: Document, video_id: str | None = None) -> AddResult:
        """Make the collection hold exactly this document's current chunks."""
        change = self._plan(document, video_id)
        return self._write(change, self.embedder.passages(change.texts))

    def _plan(self, document: Document, video_id: str | None = None) -> Change:
        chunks = self.chunks_of(document)
        wanted = {chunk_id(document.source, c.text): c for c in chunks}
        existing = set(self._ids_for(document.source))
        return Change(document, video_id, len(wanted), sorted(existing - set(wanted)),
                      [(cid, c) for cid, c in wanted.items() if cid not in existing])

    def _write(self, change: Change, vectors: np.ndarray) -> AddResult:
        """Delete the chunks the document lost, then write its new ones with their vectors."""
        new, document = change.new, change.document
        if change.stale:
            self._collection.delete(ids=change.stale)
        if new:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for start in range(0, len(new), 1000):  # Chroma limits one write's size
                batch = new[start:start + 1000]
                self._collection.upsert(
                    ids=[cid for cid, _ in batch],
                    embeddings=vectors[start:start + 1000],
                    documents=[c.text for _, c in batch],
                    metadatas=[self._metadata(document, c, change.video_id, now)
                               for _, c in batch],
                )
        if change.stale or new:
            self._bump()
        return AddResult(document.source, len(new), change.wanted - len(new), len(change.stale))

    @staticmethod
    def _metadata(document: Document, chunk: Chunk, video_id: str | None,
                  now: str) -> dict[str, Any]:
        meta: dict[str, Any] = {"source": document.source, "index": chunk.index,
                                "ingested_at": now}
        if chunk.heading:
            meta["heading"] = chunk.heading
        video = video_id or document.metadata.get("video_id")
        if video:
            meta["video_id"] = video
        return meta

    def _bump(self) -> None:
        metadata = dict(self._collection.metadata or {})
        metadata["generation"] = int(metadata.get("generation", 0)) + 1
        metadata["embedder"] = self.embedder.name
        self._collection.modify(metadata=metadata)

    def _generation(self) -> object:
        # every writer bumps it, so it alone says whether the BM25 index is current (counting
        # the collection would cost 6 ms a query at 100,000 chunks)
        return (self.client.get_collection(self.name).metadata or {}).get("generation")

    def _ids_for(self, source: str) -> list[str]:
        return list(self._collection.get(where={"source": source}, include=[])["ids"])

    def remove(self, source: str) -> int:
        ids = self._ids_for(source)
        if ids:
            self._collection.delete(ids=ids)
            self._bump()
        return len(ids)

    def add_files(self, files: Sequence[Path], progress: Any = None
                  ) -> tuple[list[AddResult], list[str]]:
        """Add each file once; one that cannot be read or embedded is a problem reported, not a
        stop.

        The new chunks of several files are embedded together (`EMBED_TOGETHER` chunks, or
        `FILES_TOGETHER` files, at a time: the embedder is quicker on larger batches); each file
        is still written on its own, in order, after its vectors exist. `progress(path, result)`
        is called after each file (result None for a problem)."""
        from knowledge.loaders import load

        results: list[AddResult] = []
        problems: list[str] = []
        waiting: list[tuple[Path, Change | None]] = []  # None: a file that could not be read

        def flush() -> None:
            changes = [c for _, c in waiting if c is not None]
            try:
                vectors = self.embedder.passages([t for c in changes for t in c.texts])
            except KnowledgeError as exc:  # an embedding endpoint's error: these files wait
                problems.extend(f"{c.document.source}: {exc}" for c in changes)
                changes, vectors = [], np.zeros((0, 0), np.float32)
            if len(vectors) != sum(len(c.new) for c in changes):
                raise KnowledgeError("the embedder returned a vector count other than asked")
            start, embedded = 0, {id(c) for c in changes}
            for path, change in waiting:
                result = None
                if change is not None and id(change) in embedded:
                    result = self._write(change, vectors[start:start + len(change.new)])
                    results.append(result)
                    start += len(change.new)
                if progress is not None:
                    progress(path, result)
            waiting.clear()

        try:
            for path in dict.fromkeys(Path(f).resolve() for f in files):
                try:
                    waiting.append((path, self._plan(load(path))))
                except KnowledgeError as exc:
                    problems.append(str(exc))
                    waiting.append((path, None))
                new = sum(len(c.new) for _, c in waiting if c is not None)
                if new >= EMBED_TOGETHER or len(waiting) >= FILES_TOGETHER:
                    flush()
        finally:  # an unexpected error (or Ctrl-C) still writes the files planned before it
            flush()
        return results, problems

    def sync_folder(self, folder: Path, progress: Any = None) -> SyncResult:
        """Make the knowledge base mirror a folder: add new, update changed, drop deleted."""
        from knowledge.loaders import expand

        files = expand([folder])
        results, problems = self.add_files(files, progress)
        present = {str(p.resolve()) for p in files}
        prefix = str(folder.resolve()) + os.sep
        removed = {info.source: self.remove(info.source) for info in self.sources()
                   if info.source.startswith(prefix) and info.source not in present}
        return SyncResult(results, removed, problems)

    def sources(self) -> list[SourceInfo]:
        counts: dict[str, int] = defaultdict(int)
        latest: dict[str, str] = {}
        metadatas = self._collection.get(include=["metadatas"])["metadatas"] or []
        for meta in metadatas:
            source = str(meta.get("source", "?"))
            counts[source] += 1
            latest[source] = max(latest.get(source, ""), str(meta.get("ingested_at", "")))
        return [SourceInfo(s, counts[s], latest[s]) for s in sorted(counts)]

    def count(self) -> int:
        return int(self._collection.count())

    @classmethod
    def reopen_for_rebuild(cls, client: Any, embedder: Embedder, collection: str
                           ) -> KnowledgeBase:
        """A handle on a collection built with another embedder, only to `rebuild` it."""
        kb = cls.__new__(cls)
        kb.client, kb.embedder, kb.name = client, embedder, collection
        kb.chunk_tokens, kb.chunk_overlap, kb.drop = 256, 25, []
        kb.gate, kb.bm25 = embedder.default_gate, Bm25Index()
        kb.cross_language, kb.glossary = True, None
        kb._collection = client.get_collection(collection)
        return kb

    def rebuild(self) -> int:
        """Re-embed every stored chunk with the configured embedder (after changing it)."""
        everything = self.client.get_collection(self.name).get(include=["documents",
                                                                         "metadatas"])
        self.client.delete_collection(self.name)
        self._collection = self._open()
        ids, texts = everything["ids"], everything["documents"] or []
        for start in range(0, len(ids), 256):
            self._collection.upsert(
                ids=ids[start:start + 256], documents=texts[start:start + 256],
                embeddings=self.embedder.passages(texts[start:start + 256]),
                metadatas=(everything["metadatas"] or [])[start:start + 256])
        self._bump()
        return len(ids)

    # -- searching ------------------------------------------------------------------------------

    def lexicon(self) -> crosslingual.Lexicon:
        """The cross-language dictionary, built or opened now if this process has not yet:
        `kb add` prepares it, so that a start need not build it before its first search."""
        return crosslingual.lexicon(self.glossary, self.lexicon_cache)

    def _fresh_bm25(self) -> Bm25Index:
        generation = self._generation()
        if self.bm25.generation != generation:
            everything = self._collection.get(include=["documents"])
            self.bm25.build(generation, everything["ids"], everything["documents"] or [])
        return self.bm25

    def search(self, query: str, k: int = 3, min_score: float | None = None,
               video_id: str | None = None, hybrid: bool = True,
               explore: bool | None = None) -> list[Hit]:
        """The best `k` chunks that pass the gate; the commented video's come first.

        When the material is also in the query's other language, the query is searched
        translated word by word too (knowledge.crosslingual, `translated`), and the rankings of
        both forms are fused. `min_score` overrides the gate with a plain dense floor (for
        exploring). `explore` searches every translation and fetches every cosine, as by
        default when `min_score` is given.
        """
        if not query.strip():
            return []
        bm25 = self._fresh_bm25()
        if not bm25.ids:
            return []
        exploring = min_score is not None if explore is None else explore
        forms = self._forms(query, bm25, exploring)
        translated = forms.get("translated")
        scored, admitted = self._score(bm25, forms, hybrid, exploring=exploring)
        verdicts = self.gate.select(scored, admitted)
        if min_score is not None:
            passing = [s for s in scored if s.dense >= min_score]
        else:
            passing = self.gate.context(scored, verdicts, k)
        return self._hits(passing, video_id, k, translated.text if translated else "", verdicts)

    def _forms(self, query: str, bm25: Bm25Index, exploring: bool) -> dict[str, Form]:
        """The query as asked, and translated when the material's other language is searched."""
        words = words_of(query)
        unseen = bm25.unseen_share(words)
        forms = {"": Form(query, query, words, self.gate.admits(unseen), unseen)}
        translated = self.translated(query, exploring=exploring, bm25=bm25)
        if translated is not None:
            forms["translated"] = translated
        return forms

    def passages(self, text: str, k: int = 3) -> list[str]:
        """The `k` chunks that share the most of the text's words (BM25, no gate), best first.

        Where a draft's facts are looked up: a reply may state what the creator wrote even when
        the gate gave its question no context (a fine-tuned model knows the creator's facts),
        and the chunks that hold its numbers and names are the ones its words find."""
        bm25 = self._fresh_bm25()
        best = [cid for cid, _ in bm25.search(text, k)]
        if not best:
            return []
        stored = self._collection.get(ids=best, include=["documents"])
        found = dict(zip(stored["ids"], stored["documents"] or [], strict=True))
        return [found[cid] for cid in best if cid in found]

    def translated(self, query: str, exploring: bool = False, bm25: Bm25Index | None = None
                   ) -> Form | None:
        """The query in the material's other language, if it is to be searched so.

        A translation the gate would not admit (its words mostly missing from the material:
        the wrong senses) brings no context by its own evidence: every chunk must then pass by
        the question as asked. It would still change their order, and cost a second embedding:
        it is searched only when `exploring`."""
        if not self.cross_language:
            return None
        bm25 = bm25 or self._fresh_bm25()
        into = bm25.other_language(query)
        if not into:
            return None
        translation = self.lexicon().translate(query, into)
        terms = translation.terms()
        if not terms:
            return None
        unseen = bm25.unseen_share(terms)
        admitted = self.gate.admits(unseen, translated=True)
        if not (exploring or admitted):
            return None
        return Form(translation.text, translation.gist(), terms, admitted, unseen)

    def _score(self, bm25: Bm25Index, forms: dict[str, Form], hybrid: bool, exploring: bool
               ) -> tuple[list[Scored], dict[str, float]]:
        """Every candidate of every form's rankings with its evidence, best fused first; and
        the forms the gate admits, each with the share of its words the material never uses.

        A chunk outside a form's nearest `n` is no closer to it than the `n`th (as far as the
        index's approximate search can tell): when even that cosine, with the chunk's share of
        the words, could not reach the gate's floor, the chunk cannot pass by that form, and
        its cosine is not fetched (unless `exploring`, which shows every cosine). Most searches
        then fetch no stored embedding at all."""
        n = min(CANDIDATES, len(bm25.ids))
        # every form in one model call and one nearest-neighbour query: a translated search
        # then costs little more than one in a single language
        vectors = dict(zip(forms, self.embedder.queries([f.gist for f in forms.values()]),
                           strict=True))
        dense = dict(zip(forms, self._dense(list(vectors.values()), n), strict=True))
        rankings: dict[str, list[tuple[str, float]]] = {}
        ranked: dict[str, dict[str, float]] = {}  # each form's dense cosines, as ranked
        for name, form in forms.items():
            suffix = f"_{name}" if name else ""
            rankings[f"dense{suffix}"] = dense[name]
            ranked[name] = dict(dense[name])
            if hybrid:
                rankings[f"bm25{suffix}"] = bm25.search(form.text, CANDIDATES)
        candidates = list(dict.fromkeys(cid for r in rankings.values() for cid, _ in r))
        coverage = {name: bm25.coverage(form.words, candidates) for name, form in forms.items()}
        admitted = {name: form.unseen for name, form in forms.items() if form.admitted}
        nearest = {name: min((cosine for _, cosine in dense[name]), default=-1.0)
                   for name in forms}

        def wanted(cid: str, name: str) -> bool:
            return exploring or (name in admitted
                                 and self.gate.reaches(nearest[name], coverage[name][cid]))

        cosines = self._cosines(vectors, candidates, ranked, wanted)
        evidence = {cid: {name: Evidence(cosines[cid].get(name), coverage[name][cid])
                          for name in forms} for cid in candidates}
        return fuse(rankings, evidence), admitted

    def _dense(self, vectors: list[np.ndarray], n: int) -> list[list[tuple[str, float]]]:
        """The `n` nearest chunks to each vector, with their cosine similarities."""
        result = self._collection.query(query_embeddings=vectors, n_results=n,
                                        include=["distances"])
        return [[(cid, round(1.0 - float(dist), 4)) for cid, dist in zip(ids, dists, strict=True)]
                for ids, dists in zip(result["ids"], result["distances"], strict=True)]

    def _cosines(self, vectors: dict[str, np.ndarray], ids: list[str],
                 known: dict[str, dict[str, float]], wanted: Callable[[str, str], bool]
                 ) -> dict[str, dict[str, float]]:
        """Each chunk's cosine similarity to the query vectors, by name: those the dense
        rankings gave (`known`), and those `wanted`, from the stored embeddings."""
        result = {cid: {name: known[name][cid] for name in vectors if cid in known[name]}
                  for cid in ids}
        missing = [cid for cid in ids
                   if any(name not in result[cid] and wanted(cid, name) for name in vectors)]
        if not missing:
            return result
        stored = self._collection.get(ids=missing, include=["embeddings"])
        matrix = np.asarray(stored["embeddings"], dtype=np.float32)
        queries = np.stack(list(vectors.values()))
        norms = (np.linalg.norm(matrix, axis=1)[:, None]
                 * np.linalg.norm(queries, axis=1)[None, :])
        sims = matrix @ queries.T / np.where(norms == 0, 1, norms)
        for cid, row in zip(stored["ids"], sims, strict=True):
            for name, value in zip(vectors, row, strict=True):
                result[cid].setdefault(name, round(float(value), 4))
        return result

    def _hits(self, passing: list[Scored], video_id: str | None, k: int,
              translation: str, verdicts: dict[str, Verdict]) -> list[Hit]:
        if not passing:
            return []
        stored = self._collection.get(ids=[s.chunk_id for s in passing],
                                      include=["documents", "metadatas"])
        docs = dict(zip(stored["ids"], stored["documents"] or [], strict=True))
        metas = dict(zip(stored["ids"], stored["metadatas"] or [], strict=True))
        hits = [Hit(source=str(metas[s.chunk_id].get("source", "")), text=docs[s.chunk_id],
                    score=s.dense, chunk_id=s.chunk_id,
                    video_id=metas[s.chunk_id].get("video_id"), bm25=s.bm25,
                    coverage=s.coverage, ranks=dict(s.ranks), fused=s.fused,
                    translation=translation, gate=verdicts[s.chunk_id].explain())
                for s in passing]
        hits.sort(key=lambda h: (video_id is not None and h.video_id == video_id, h.fused),
                  reverse=True)
        return hits[:k]

