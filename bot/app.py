"""The composition root: configuration wired into parts, in one place.

`App` takes the parts a caller already has (tests pass fakes: connectors, a model, a knowledge
base, a clock) and builds the rest on first use with the plain factories below, so
`replybot queue list` never loads a model. Nothing else in `bot` builds parts from Settings.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.clock import Clock, utcnow
from bot.config import DEFAULT_WORKSPACE, Settings, YouTubeConfig
from bot.errors import ConfigError, ConnectorUnavailable
from bot.llm import ChatModel, JsonModel, OnFirstUse, OpenAIChat, OpenAIModeration, chat_model
from bot.log import log
from bot.pipeline.classify import (
    ExampleVectors,
    NearestExamples,
    bundled_examples,
    drift,
    read_examples,
)
from bot.pipeline.evidence import Persona, PositiveChecks, english_glosses, no_glosses
from bot.pipeline.fewshot import FewShot
from bot.pipeline.judge import DraftJudge
from bot.pipeline.pipeline import Pipeline
from bot.pipeline.probes import SHIPPED, for_embedder, shipped
from bot.pipeline.prompt import Count
from bot.pipeline.triage import Triager
from bot.service.notify import Channel, Dispatcher, Notifier, NtfyChannel, WebhookChannel
from bot.service.posting import Poster
from bot.service.quota import QuotaLedger
from bot.service.telegram import TelegramApi, TelegramChannel
from bot.state.store import Store
from bot.voice.finetune import active_model
from bot.voice.tokens import encoding_for
from connectors import youtube
from connectors.base import Connector, platform_of
from connectors.local import LocalConnector
from connectors.registry import quota_rules
from connectors.stubs import STUBS
from connectors.youtube import YouTubeConnector
from knowledge.crosslingual import Lexicon
from knowledge.embeddings import E5Embedder, Embedder, OpenAIEmbedder, SentenceTransformerEmbedder
from knowledge.errors import EmbedderMismatch
from knowledge.retrieval import Gate
from knowledge.store import COLLECTION, KnowledgeBase, open_client

# -- factories: one part each, from Settings ------------------------------------------------------


def build_embedder(settings: Settings, bundled: E5Embedder) -> Embedder:
    cfg = settings.knowledge
    if cfg.embedder == "openai":
        base_url, key = settings.endpoint(cfg.embedding_base_url, cfg.embedding_api_key)
        return OpenAIEmbedder(cfg.embedding_model or "text-embedding-3-small", base_url, key,
                              counter=bundled)
    if cfg.embedder == "sentence-transformers":
        if not cfg.embedding_model:
            raise ConfigError("set [knowledge] embedding_model to the sentence-transformers "
                              "model folder")
        return SentenceTransformerEmbedder(cfg.embedding_model)
    return bundled


def build_knowledge(settings: Settings, embedder: Embedder) -> KnowledgeBase:
    cfg = settings.knowledge
    defaults = embedder.default_gate
    mode = cfg.gate
    if mode == "answerable" and (defaults.answerability is None or not cfg.hybrid):
        # the model reads how a hybrid search went, with the cosines of the embedder it was
        # fitted for: anything else would be judged on numbers it never saw
        log.warning("the answerability gate needs the bundled embedder and hybrid search; "
                    "the floor decides", embedder=embedder.name, hybrid=cfg.hybrid)
        mode = "floor"
    gate = Gate(
        min_score=defaults.min_score if cfg.min_score is None else cfg.min_score,
        coverage_weight=defaults.coverage_weight if cfg.coverage_weight is None
        else cfg.coverage_weight,
        max_unseen=defaults.max_unseen if cfg.max_unseen is None else cfg.max_unseen,
        mode=mode,
        agree_rank=cfg.agree_rank, agree_coverage=cfg.agree_coverage,
        margin=cfg.margin, margin_coverage=cfg.margin_coverage,
        answerability=defaults.answerability,
    )
    client = open_client(path=settings.chroma_dir, url=cfg.chroma_url)
    return KnowledgeBase(client, embedder, cfg.chunk_tokens, cfg.chunk_overlap,
                         drop_patterns=cfg.drop_patterns, gate=gate,
                         cross_language=cfg.cross_language, glossary=cfg.glossary,
                         collection=collection_name(settings),
                         lexicon_cache=settings.data_dir / "cache")


def collection_name(settings: Settings) -> str:
    """A workspace's Chroma collection: apart from the others' on one Chroma server too."""
    if settings.workspace == DEFAULT_WORKSPACE:
        return COLLECTION
    return f"{COLLECTION}-{settings.workspace}"


def build_ledger(settings: Settings, store: Store, source: str,
                 clock: Clock) -> QuotaLedger | None:
    """The quota ledger of an account (`youtube`, `youtube:second`) whose platform declares
    quota rules, else None: each account spends its own project's units."""
    rules = quota_rules(source)
    if rules is None:
        return None
    cfg = settings.connectors.source(source)
    daily = getattr(cfg, "daily_quota", rules.daily_quota)
    reserve = getattr(cfg, "reply_reserve", 0)
    return QuotaLedger(store, source, daily, reserve, clock=clock, rules=rules)


def build_connectors(settings: Settings, store: Store, clock: Clock) -> dict[str, Connector]:
    """One connector per enabled account, by its source name."""
    found: dict[str, Connector] = {}
    for source, cfg in settings.connectors.sources().items():
        platform = platform_of(source)
        if isinstance(cfg, YouTubeConfig):
            found[source] = build_youtube(settings, store, clock, source)
        elif platform == LocalConnector.name:
            local = settings.connectors.local
            found[source] = LocalConnector(
                inbox=settings.local_inbox(), outbox=settings.local_outbox(),
                own_authors=frozenset(local.own_authors),
                max_reply_chars=local.max_reply_chars,
            )
        else:
            found[source] = STUBS[platform]()
    return found


def build_youtube(settings: Settings, store: Store, clock: Clock,
                  source: str = YouTubeConnector.name) -> YouTubeConnector:
    """The connector of the YouTube channel, or of another channel (`youtube:second`)."""
    account = source.partition(":")[2] or None
    cfg = settings.connectors.source(source)
    assert isinstance(cfg, YouTubeConfig), source
    return YouTubeConnector(
        youtube.Settings(
            channel_id=cfg.channel_id, token_file=settings.youtube_token_file(account),
            token_uri=cfg.token_uri, api_endpoint=cfg.api_endpoint,
            backfill_days=cfg.backfill_days, follow_up_days=cfg.follow_up_days,
            follow_up_check_s=cfg.follow_up_check_s,
            max_watched_threads=cfg.max_watched_threads, timeout_s=cfg.timeout_s),
        meter=build_ledger(settings, store, source, clock),
        clock=clock, source=source if account else None,
    )


def build_checks(settings: Settings, embedder: E5Embedder,
                 lexicon: Callable[[], Lexicon] | None = None) -> PositiveChecks:
    """Relevance, grounding, voice and respect, on the bundled embedder (it needs no account)
    with the shipped probes; grounding reads notes in the other language through the knowledge
    base's dictionary, opened at the first text in Chinese."""
    persona = settings.persona
    creator = Persona(persona.description, persona.signature,
                      [e.reply for e in persona.examples], persona.name)
    # the references are the bundled triage examples: their vectors ship with replybot
    kept = ExampleVectors(embedder.name, settings.data_dir / "cache")
    glosses = (english_glosses(lexicon)
               if lexicon is not None and settings.knowledge.cross_language else no_glosses)
    return PositiveChecks(embedder.queries, creator, [e.text for e in bundled_examples()], kept,
                          glosses, **{name: for_embedder(shipped(name), embedder.name)
                                      for name in SHIPPED})


def build_judge(settings: Settings) -> DraftJudge | None:
    """The LLM judge of `[guard] judge`, if it is on."""
    cfg = settings.guard
    if not cfg.judge:
        return None
    base_url, key = settings.endpoint(cfg.judge_base_url, cfg.judge_api_key)
    model = JsonModel(cfg.judge_model, base_url, key, settings.llm.timeout_s,
                      settings.llm.max_retries)
    return DraftJudge(model, settings.persona.description)


def build_triager(settings: Settings, embedder: E5Embedder) -> Triager:
    cfg = settings.triage
    classifier = None
    if cfg.classifier:
        examples = bundled_examples()
        if cfg.examples is not None:
            examples += read_examples(cfg.examples)
        # the bundled embedder, whatever the knowledge base uses: it needs no account; the
        # examples' vectors are kept, so a start does not spend seconds embedding them again
        kept = ExampleVectors(embedder.name, settings.data_dir / "cache")
        classifier = NearestExamples(examples, embedder.queries, store=kept)
    moderator = None
    if cfg.moderation:
        base_url, key = settings.endpoint(cfg.moderation_base_url, cfg.moderation_api_key)
        moderator = OpenAIModeration(cfg.moderation_model, base_url, key,
                                     settings.llm.timeout_s, settings.llm.max_retries)
    return Triager(classifier, moderator, cfg.min_confidence)


def build_telegram(settings: Settings) -> TelegramApi | None:
    """The Bot API client of `[notify.telegram]`, if set."""
    cfg = settings.notify.telegram
    if cfg is None:
        return None
    return TelegramApi(cfg.api_url, cfg.token.get_secret_value(),
                       httpx.Client(timeout=settings.notify.timeout_s))


def build_notifier(settings: Settings, clock: Clock) -> Notifier:
    """The channels of `[notify.webhook]`, `[notify.ntfy]` and `[notify.telegram]` behind one
    notifier."""
    cfg = settings.notify
    channels: list[Channel] = []
    telegram = build_telegram(settings)
    if telegram is not None and cfg.telegram is not None:
        channels.append(TelegramChannel(telegram, cfg.telegram.chat_ids))
    if cfg.webhook is not None:
        channels.append(WebhookChannel(cfg.webhook.url, httpx.Client(timeout=cfg.timeout_s)))
    if cfg.ntfy is not None:
        token = cfg.ntfy.token.get_secret_value() if cfg.ntfy.token else None
        channels.append(NtfyChannel(cfg.ntfy.server, cfg.ntfy.topic,
                                    httpx.Client(timeout=cfg.timeout_s), token))
    dispatcher = Dispatcher(channels, cfg.max_tries, cfg.retry_base_s, cfg.queue_size)
    return Notifier(dispatcher, settings, clock)


def build_token_counter(settings: Settings) -> Count:
    """Tokens of `[llm] model`'s tiktoken encoding (offline), for the prompt budget; the
    vocabulary loads on the first count. Counts are remembered: the rules, the persona and its
    examples are the same in every prompt, and each cut of one prompt counts them again."""
    cache = settings.data_dir / "cache" / "tiktoken"
    encoding = functools.cache(lambda: encoding_for(settings.llm.model, cache))

    @functools.lru_cache(maxsize=4096)
    def count(text: str) -> int:
        return len(encoding().encode(text, disallowed_special=()))
    return count


# -- the application -------------------------------------------------------------------------------


class App:
    """One process's view of replybot: its parts, given or built on first use."""

    def __init__(self, settings: Settings, actor: str = "cli", *,
                 connectors: Mapping[str, Connector] | None = None,
                 model: ChatModel | None = None, knowledge: KnowledgeBase | None = None,
                 store: Store | None = None, clock: Clock = utcnow,
                 bundled: E5Embedder | None = None) -> None:
        self.settings = settings
        self.actor = actor
        self.clock = clock
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._store = store
        self._connectors = dict(connectors) if connectors is not None else None
        self._model = model
        self._knowledge = knowledge
        # the bundled embedder; the workspaces of one process share one (it needs no account)
        self._bundled = bundled
        self._pipeline: Pipeline | None = None
        self._checks: PositiveChecks | None = None
        self._triager: Triager | None = None
        self._poster: Poster | None = None
        self._notifier: Notifier | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.db_url, clock=self.clock,
                                     schema=self.settings.db_schema)
        return self._store

    def load_in_background(self) -> None:
        """Load the bundled embedder, which triage uses for every comment, on a thread while
        the caller opens the rest (the knowledge base, the workers). Loading the prompt's token
        vocabulary or the OpenAI library this way as well gained nothing (bench/speed.py):
        both are Python's own work, as the imports beside them are."""
        threading.Thread(target=self._load_and_compare, name="embedder-load",
                         daemon=True).start()

    def _load_and_compare(self) -> None:
        """Load the bundled embedder, then warn once in the log if it no longer gives the
        vectors the shipped checks were fitted on (`replybot doctor` says the same, and how to
        put the pinned engine back)."""
        bundled = self.bundled_embedder
        bundled.load()
        try:
            found = drift(bundled.queries, bundled.name)
        except Exception as exc:  # noqa: BLE001 - the first comment meets the error again
            log.warning("the bundled embedder does not run", error=f"{type(exc).__name__}: "
                        f"{exc}", fix="replybot doctor")
            return
        if found is not None and not found.same:
            log.warning("the bundled embedder gives other vectors than the shipped checks "
                        "were fitted on: auto mode may hold or post other replies than "
                        "measured", cosine=round(found.cosine, 4), fix="replybot doctor")

    @property
    def checks(self) -> PositiveChecks:
        """Relevance, grounding, voice and respect, for auto mode's drafts."""
        if self._checks is None:
            self._checks = build_checks(self.settings, self.bundled_embedder,
                                        lambda: self.knowledge.lexicon())
        return self._checks

    @property
    def bundled_embedder(self) -> E5Embedder:
        if self._bundled is None:
            self._bundled = E5Embedder()
        return self._bundled

    def embedder(self) -> Embedder:
        return build_embedder(self.settings, self.bundled_embedder)

    @property
    def knowledge(self) -> KnowledgeBase:
        if self._knowledge is None:
            self._knowledge = build_knowledge(self.settings, self.embedder())
        return self._knowledge

    def knowledge_for_rebuild(self) -> KnowledgeBase:
        """The knowledge base, opened even when its vectors came from another embedder, so
        `kb rebuild` can re-embed them with the configured one."""
        try:
            return self.knowledge
        except EmbedderMismatch:
            cfg = self.settings.knowledge
            client = open_client(path=self.settings.chroma_dir, url=cfg.chroma_url)
            return KnowledgeBase.reopen_for_rebuild(client, self.embedder(),
                                                    collection_name(self.settings))

    @property
    def model(self) -> ChatModel:
        if self._model is None:
            self._model = chat_model(self.settings.llm, self.drafting_model())
        return self._model

    def drafting_model(self) -> str | None:
        """The promoted model (`finetune promote`), else `[llm] model`; None for the local one."""
        if self.settings.llm.resolved_backend() != "openai":
            return None
        return active_model(self.store, self.settings)

    def refresh_model(self) -> None:
        """Draft with a model promoted since this process built its model."""
        if not isinstance(self._model, OpenAIChat):
            return
        wanted = self.drafting_model()
        if wanted and wanted != self._model.model_id:
            self._model = OpenAIChat(self.settings.llm, wanted)
            if self._pipeline is not None:
                self._pipeline.model = self._model
            log.info("drafting with the promoted model", model=wanted)

    @property
    def connectors(self) -> dict[str, Connector]:
        if self._connectors is None:
            self._connectors = build_connectors(self.settings, self.store, self.clock)
        return self._connectors

    def connector(self, platform: str) -> Connector:
        try:
            return self.connectors[platform]
        except KeyError:
            table = platform.replace(":", ".accounts.")
            raise ConnectorUnavailable(
                f"connector {platform!r} is not enabled: set [connectors.{table}] "
                "enabled = true") from None

    def ledger(self, platform: str) -> QuotaLedger | None:
        """The quota ledger of a metered platform, else None."""
        return build_ledger(self.settings, self.store, platform, self.clock)

    def poll_interval_s(self, platform: str) -> float:
        """An account's own poll interval (`[connectors.NAME] poll_interval_s`), if it has one."""
        cfg: Any = self.settings.connectors.source(platform)
        return float(getattr(cfg, "poll_interval_s", 0.0))

    @property
    def triager(self) -> Triager:
        if self._triager is None:
            self._triager = build_triager(self.settings, self.bundled_embedder)
        return self._triager

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            limits = {name: c.max_reply_chars for name, c in self.connectors.items()}
            voice = self.settings.voice
            few_shot = FewShot(self.store, self.bundled_embedder.queries, voice.few_shot,
                               voice.min_similarity) if voice.few_shot else None
            # built at the first draft, not before the first triage
            model = self._model if self._model is not None else OnFirstUse(lambda: self.model)
            self._pipeline = Pipeline(self.settings, self.store, self.knowledge, model,
                                      limits, self.triager, few_shot, clock=self.clock,
                                      checks=self.checks,
                                      count_tokens=build_token_counter(self.settings),
                                      judge=build_judge(self.settings))
        return self._pipeline

    @property
    def sole_process(self) -> bool:
        """Whether no other process can work on this database: SQLite and Chroma files both in
        the data dir, whose knowledge folder one process holds at a time (the daemon takes it
        before it starts)."""
        return self.settings.database_url is None and self.settings.knowledge.chroma_url is None

    @property
    def pipeline_started(self) -> bool:
        """Whether drafting has started in this process (its counters mean something)."""
        return self._pipeline is not None

    @property
    def poster(self) -> Poster:
        if self._poster is None:
            cfg = self.settings.posting
            self._poster = Poster(self.store, self.connectors, self.actor, cfg.max_attempts,
                                  cfg.lease_s, clock=self.clock,
                                  retry_after_s=cfg.retry_after_s)
        return self._poster

    @property
    def notifier(self) -> Notifier:
        if self._notifier is None:
            self._notifier = build_notifier(self.settings, self.clock)
        return self._notifier

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.close()
        for connector in (self._connectors or {}).values():
            connector.close()
        if self._store is not None:
            self._store.close()
