"""Wire configuration into parts: the store, knowledge base, model, connectors and stages.

Everything is built on first use, so `replybot queue list` never loads a model.
"""

from __future__ import annotations

from functools import cached_property

from bot.classify import NearestExamples, bundled_examples, read_examples
from bot.config import Settings
from bot.errors import ConfigError, ConnectorUnavailable
from bot.finetune import active_model
from bot.llm import ChatModel, OpenAIChat, OpenAIModeration, chat_model
from bot.log import log
from bot.pipeline import Pipeline
from bot.posting import Poster
from bot.quota import QuotaLedger
from bot.store import Store
from bot.triage import Triager
from bot.voicebank import FewShot
from connectors import youtube
from connectors.base import Connector
from connectors.local import LocalConnector
from connectors.stubs import STUBS
from connectors.youtube import YouTubeConnector
from knowledge.embeddings import (
    E5Embedder,
    Embedder,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
)
from knowledge.retrieval import Gate
from knowledge.store import KnowledgeBase, open_client


class App:
    """One process's view of replybot, built from Settings."""

    def __init__(self, settings: Settings, actor: str = "cli") -> None:
        self.settings = settings
        self.actor = actor
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    @cached_property
    def store(self) -> Store:
        return Store.open(self.settings.db_url)

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        cfg = self.settings.knowledge
        embedder = self.embedder()
        defaults = embedder.default_gate
        gate = Gate(
            min_score=defaults.min_score if cfg.min_score is None else cfg.min_score,
            coverage_weight=defaults.coverage_weight if cfg.coverage_weight is None
            else cfg.coverage_weight,
            max_unseen=defaults.max_unseen if cfg.max_unseen is None else cfg.max_unseen,
        )
        client = open_client(path=self.settings.chroma_dir, url=cfg.chroma_url)
        return KnowledgeBase(client, embedder, cfg.chunk_tokens, cfg.chunk_overlap,
                             drop_patterns=cfg.drop_patterns, gate=gate,
                             cross_language=cfg.cross_language, glossary=cfg.glossary)

    def embedder(self) -> Embedder:
        cfg = self.settings.knowledge
        if cfg.embedder == "openai":
            base_url, key = self.settings.endpoint(cfg.embedding_base_url,
                                                   cfg.embedding_api_key)
            return OpenAIEmbedder(cfg.embedding_model or "text-embedding-3-small", base_url, key)
        if cfg.embedder == "sentence-transformers":
            if not cfg.embedding_model:
                raise ConfigError("set [knowledge] embedding_model to the sentence-transformers "
                                  "model folder")
            return SentenceTransformerEmbedder(cfg.embedding_model)
        return self.bundled_embedder

    @cached_property
    def bundled_embedder(self) -> E5Embedder:
        return E5Embedder()

    @cached_property
    def model(self) -> ChatModel:
        return chat_model(self.settings.llm, self.drafting_model())

    def drafting_model(self) -> str | None:
        """The promoted model (`finetune promote`), else `[llm] model`; None for the local one."""
        if self.settings.llm.resolved_backend() != "openai":
            return None
        return active_model(self.store, self.settings)

    def refresh_model(self) -> None:
        """Draft with a model promoted since this process built its model."""
        current = self.__dict__.get("model")
        if not isinstance(current, OpenAIChat):
            return
        wanted = self.drafting_model()
        if wanted and wanted != current.model_id:
            model = OpenAIChat(self.settings.llm, wanted)
            self.__dict__["model"] = model
            if "pipeline" in self.__dict__:
                self.pipeline.model = model
            log.info("drafting with the promoted model", model=wanted)

    @cached_property
    def connectors(self) -> dict[str, Connector]:
        found: dict[str, Connector] = {}
        cfg = self.settings.connectors
        if cfg.local.enabled:
            found["local"] = LocalConnector(
                inbox=self.settings.local_inbox(), outbox=self.settings.local_outbox(),
                own_authors=frozenset(cfg.local.own_authors),
                max_reply_chars=cfg.local.max_reply_chars,
            )
        if cfg.youtube.enabled:
            found["youtube"] = self.youtube()
        for name, stub in STUBS.items():
            if getattr(cfg, name).enabled:
                found[name] = stub()
        return found

    def youtube(self) -> YouTubeConnector:
        cfg = self.settings.connectors.youtube
        return YouTubeConnector(
            youtube.Settings(
                channel_id=cfg.channel_id, token_file=self.settings.youtube_token_file(),
                token_uri=cfg.token_uri, api_endpoint=cfg.api_endpoint,
                backfill_days=cfg.backfill_days, follow_up_days=cfg.follow_up_days,
                follow_up_check_s=cfg.follow_up_check_s,
                max_watched_threads=cfg.max_watched_threads, timeout_s=cfg.timeout_s),
            meter=self.ledger("youtube"),
        )

    def ledger(self, platform: str) -> QuotaLedger | None:
        """The quota ledger of a metered platform (YouTube), else None."""
        if platform != "youtube":
            return None
        cfg = self.settings.connectors.youtube
        return QuotaLedger(self.store, "youtube", cfg.daily_quota, cfg.reply_reserve)

    def poll_interval_s(self, platform: str) -> float:
        if platform == "youtube":
            return self.settings.connectors.youtube.poll_interval_s
        return 0.0

    def connector(self, platform: str) -> Connector:
        try:
            return self.connectors[platform]
        except KeyError:
            raise ConnectorUnavailable(
                f"connector {platform!r} is not enabled: set [connectors.{platform}] "
                "enabled = true") from None

    @cached_property
    def pipeline(self) -> Pipeline:
        limits = {name: c.max_reply_chars for name, c in self.connectors.items()}
        voice = self.settings.voice
        few_shot = FewShot(self.store, self.bundled_embedder.queries, voice.few_shot,
                           voice.min_similarity) if voice.few_shot else None
        return Pipeline(self.settings, self.store, self.knowledge, self.model, limits,
                        self.triager, few_shot)

    @cached_property
    def triager(self) -> Triager:
        cfg = self.settings.triage
        classifier = None
        if cfg.classifier:
            examples = bundled_examples()
            if cfg.examples is not None:
                examples += read_examples(cfg.examples)
            # the bundled embedder, whatever the knowledge base uses: it needs no account
            classifier = NearestExamples(examples, self.bundled_embedder.queries)
        moderator = None
        if cfg.moderation:
            base_url, key = self.settings.endpoint(cfg.moderation_base_url,
                                                   cfg.moderation_api_key)
            moderator = OpenAIModeration(cfg.moderation_model, base_url, key,
                                         self.settings.llm.timeout_s,
                                         self.settings.llm.max_retries)
        return Triager(classifier, moderator, cfg.min_confidence)

    @cached_property
    def poster(self) -> Poster:
        cfg = self.settings.posting
        return Poster(self.store, self.connectors, self.actor, cfg.max_attempts, cfg.lease_s)

    def close(self) -> None:
        for connector in self.__dict__.get("connectors", {}).values():
            connector.close()
        if "store" in self.__dict__:
            self.store.close()
