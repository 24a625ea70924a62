"""The knowledge base: chunks of the creator's material in a Chroma collection.

Chunk ids are content hashes of (source, text), so adding an unchanged file embeds nothing and a
changed file replaces exactly the chunks that changed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from knowledge.chunking import chunk_text
from knowledge.embeddings import Embedder
from knowledge.errors import EmbedderMismatch, KnowledgeError
from knowledge.loaders import Document

COLLECTION = "replybot-knowledge"


@dataclass(frozen=True)
class Hit:
    """A chunk that matched a query; `score` is cosine similarity (1 is identical)."""

    source: str
    text: str
    score: float
    chunk_id: str
    video_id: str | None = None


@dataclass(frozen=True)
class AddResult:
    source: str
    added: int
    kept: int
    removed: int


@dataclass(frozen=True)
class SourceInfo:
    source: str
    chunks: int
    ingested_at: str


def chunk_id(source: str, text: str) -> str:
    return hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()[:32]


def open_client(path: Path | None = None, url: str | None = None) -> Any:
    """A Chroma client: a server at `url`, or files under `path`."""
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
    ) -> None:
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self._collection = client.get_or_create_collection(
            collection,
            embedding_function=None,  # we embed ourselves; Chroma's default downloads a model
            metadata={"hnsw:space": "cosine", "embedder": embedder.name},
        )
        built_with = (self._collection.metadata or {}).get("embedder")
        if built_with and built_with != embedder.name:
            raise EmbedderMismatch(
                f"the knowledge base was built with embedder {built_with!r} but "
                f"{embedder.name!r} is configured: switch back, or rebuild it with `replybot kb "
                "rebuild`"
            )

    def add(self, document: Document, video_id: str | None = None) -> AddResult:
        """Make the collection hold exactly this document's current chunks."""
        chunks = chunk_text(document.text, self.embedder.count_tokens,
                            self.chunk_tokens, self.chunk_overlap)
        wanted = {chunk_id(document.source, c.text): c for c in chunks}
        existing = set(self._ids_for(document.source))
        stale = sorted(existing - set(wanted))
        new = [(cid, c) for cid, c in wanted.items() if cid not in existing]
        if stale:
            self._collection.delete(ids=stale)
        if new:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            vectors = self.embedder.passages([c.text for _, c in new])
            self._collection.upsert(
                ids=[cid for cid, _ in new],
                embeddings=vectors,
                documents=[c.text for _, c in new],
                metadatas=[self._metadata(document, c.index, c.heading, video_id, now)
                           for _, c in new],
            )
        return AddResult(document.source, len(new), len(wanted) - len(new), len(stale))

    @staticmethod
    def _metadata(document: Document, index: int, heading: str | None,
                  video_id: str | None, now: str) -> dict[str, Any]:
        meta: dict[str, Any] = {"source": document.source, "index": index, "ingested_at": now}
        if heading:
            meta["heading"] = heading
        if video_id or document.metadata.get("video_id"):
            meta["video_id"] = video_id or document.metadata["video_id"]
        return meta

    def _ids_for(self, source: str) -> list[str]:
        return list(self._collection.get(where={"source": source}, include=[])["ids"])

    def remove(self, source: str) -> int:
        ids = self._ids_for(source)
        if ids:
            self._collection.delete(ids=ids)
        return len(ids)

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

    def search(self, query: str, k: int = 3, min_score: float | None = None,
               video_id: str | None = None) -> list[Hit]:
        """The best `k` chunks scoring at least `min_score`; the commented video's come first."""
        if not query.strip() or self.count() == 0:
            return []
        floor = self.embedder.default_min_score if min_score is None else min_score
        result = self._collection.query(
            query_embeddings=[self.embedder.query(query)],
            n_results=min(max(k * 4, k), self.count()),
            include=["documents", "metadatas", "distances"],
        )
        hits = [
            Hit(source=str(meta.get("source", "")), text=doc, score=round(1.0 - dist, 4),
                chunk_id=cid, video_id=meta.get("video_id"))
            for cid, doc, meta, dist in zip(result["ids"][0], result["documents"][0],
                                            result["metadatas"][0], result["distances"][0],
                                            strict=True)
        ]
        hits = [h for h in hits if h.score >= floor]
        hits.sort(key=lambda h: (video_id is not None and h.video_id == video_id, h.score),
                  reverse=True)
        return hits[:k]
