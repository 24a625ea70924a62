"""Configuration: a TOML file overridden by `REPLYBOT_` environment variables.

Nested keys use `__` in the environment (`REPLYBOT_CONNECTORS__LOCAL__INBOX`). Relative paths in
the TOML file are relative to the file's folder; in the environment, to the working directory.
`REPLYBOT_DATA_DIR` holds all state: database, Chroma files, tokens and logs.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from bot.errors import ConfigError
from connectors.base import platform_of, source_name

DEFAULT_CONFIG = Path("replybot.toml")
#: a workspace's or an account's name: a folder, a PostgreSQL schema and a Chroma collection
#: name all accept it as it is
NAME = re.compile(r"^[a-z](?:[a-z0-9_]{0,22}[a-z0-9])?$")
DEFAULT_WORKSPACE = "default"  # the one workspace of a config without [workspaces.NAME] tables
NAME_RULE = ("1 to 24 lowercase letters, digits and underscores, starting with a letter and not "
             "ending with an underscore")
_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("_FILE_DATA", default=None)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Example(Section):
    comment: str
    reply: str


class PersonaConfig(Section):
    name: str = "the creator"
    handle: str = ""
    description: str = "You make videos and answer your viewers warmly and briefly."
    signature: str = ""
    examples: list[Example] = Field(default_factory=list)


class LLMConfig(Section):
    # auto: `openai` when base_url or api_key is set, otherwise the bundled local model
    backend: Literal["auto", "openai", "local"] = "auto"
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(300, ge=16, le=4096)
    timeout_s: float = Field(60, gt=0)
    max_retries: int = Field(3, ge=0)
    local_model_path: Path | None = None
    local_threads: int | None = Field(None, ge=1)
    local_context_tokens: int = Field(4096, ge=512)
    # the most tokens a draft's prompt may have (counted with tiktoken for `model`): examples,
    # notes and the persona's description are cut to fit; none = no limit
    prompt_budget: int | None = Field(1000, ge=100)

    def resolved_backend(self) -> str:
        if self.backend != "auto":
            return self.backend
        return "openai" if (self.base_url or self.api_key) else "local"


DEFAULT_DROP_PATTERNS = [
    r"^\s*Member-only story\s*$",
    r"^\s*(Sign up|Sign in|Subscribe|Follow)( to [^.]{0,40})?\s*$",
    r"^\s*(Share|Listen|Save)\s*$",
    r"^\s*\d+ min read\s*$",
]


class KnowledgeConfig(Section):
    chroma_url: str | None = None
    chunk_tokens: int = Field(256, ge=32, le=480)
    chunk_overlap: int = Field(25, ge=0)
    top_k: int = Field(3, ge=1, le=20)
    # the gate a chunk must pass to be context (knowledge.retrieval.Gate); None: the
    # embedder's calibrated values
    min_score: float | None = Field(None, ge=-1, le=2)
    coverage_weight: float | None = Field(None, ge=0, le=1)
    max_unseen: float | None = Field(None, ge=0, le=1.01)
    # "floor": the absolute floor, `min_score`. "answerable": the question gets context when a
    # model of how its search went (best cosine, its lead over the rest, the question's words
    # found, dense and BM25 agreeing) judges the material answers it; fitted for the bundled
    # embedder ("floor" with any other). "evidence": a chunk passes when dense and BM25 both
    # rank it within `agree_rank` and it holds `agree_coverage` of the question's word weight,
    # or when its cosine is `margin` over the median of the query's nearest chunks and it
    # holds `margin_coverage`. The floor stays the default: the draft checks were fitted with
    # its context, and with the answerability gate fewer development questions were
    # auto-posted (90% to 88%; careful replies 88% to 85%); see the README's table
    gate: Literal["answerable", "evidence", "floor"] = "floor"
    agree_rank: int = Field(1, ge=1, le=20)
    agree_coverage: float = Field(0.15, ge=0, le=1)
    margin: float = Field(0.02, ge=-1, le=1)
    margin_coverage: float = Field(0.3, ge=0, le=1)
    hybrid: bool = True  # dense + BM25; false: dense only
    # a question in English or Chinese is also searched translated word by word (CC-CEDICT) when
    # 5% of the material is in the other language; a `zh,en` CSV glossary adds your own terms
    cross_language: bool = True
    glossary: Path | None = None
    # lines matching any of these are dropped before chunking (page furniture)
    drop_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_DROP_PATTERNS))
    # bundled: multilingual-e5-small, offline; openai: any OpenAI-compatible /embeddings;
    # sentence-transformers: a local model folder (pip install 'replybot[sentence-transformers]')
    embedder: Literal["bundled", "openai", "sentence-transformers"] = "bundled"
    embedding_model: str | None = None  # openai: text-embedding-3-small; s-t: a folder
    embedding_base_url: str | None = None  # default: [llm] base_url
    embedding_api_key: SecretStr | None = None  # default: [llm] api_key
    # folders the daemon keeps the knowledge base in step with (like `kb sync FOLDER`)
    folders: list[Path] = Field(default_factory=list)
    sync_interval_s: float = Field(600, ge=10)


class ScheduleConfig(Section):
    poll_interval_s: float = Field(60, ge=1)


class PostingConfig(Section):
    max_attempts: int = Field(5, ge=1)
    # a claim to post is a lease of this length, renewed by its owner every third of it; a
    # `posting` row whose lease ran out is settled by whoever finds it (its owner included)
    lease_s: float = Field(120, gt=0)
    # the first wait before a post that failed in a way that may clear up is tried again;
    # it doubles with each try, up to an hour
    retry_after_s: float = Field(30, gt=0)


class WorkersConfig(Section):
    """Several `replybot run` processes on one database share the work through leases."""

    # how often a worker says it is alive (and renews its leases) while a cycle runs
    heartbeat_s: float = Field(10, gt=0)
    # a feed's or comment's lease lasts this long without renewal: a dead worker's work is
    # taken over after at most this
    lease_s: float = Field(60, gt=0)
    # a worker whose last heartbeat is older than this is reported stale (health fails)
    stale_after_s: float = Field(120, gt=0)
    # a stale worker is reported (and fails `health`) this long, then forgotten
    forget_after_s: float = Field(3600, gt=0)


class LocalConnectorConfig(Section):
    enabled: bool = False
    inbox: Path | None = None  # default: DATA_DIR/inbox.jsonl
    outbox: Path | None = None  # default: DATA_DIR/outbox.jsonl
    own_authors: list[str] = Field(default_factory=list)
    max_reply_chars: int = Field(10_000, ge=1)


GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class YouTubeConfig(Section):
    enabled: bool = False
    channel_id: str = ""
    token_file: Path | None = None  # default: DATA_DIR/youtube-token.json
    token_uri: str = GOOGLE_TOKEN_URI
    client_secrets_file: Path | None = None
    api_endpoint: str | None = None  # default: Google's; tests point it at a fake server
    daily_quota: int = Field(10_000, ge=1)
    # units kept for comments.insert (50 each): polling stops before it eats into them
    reply_reserve: int = Field(2_500, ge=0)
    poll_interval_s: float = Field(300, ge=10)
    # on the first poll, answer comments at most this old (0: only what arrives from now on)
    backfill_days: float = Field(3, ge=0)
    # re-check recent threads for follow-up replies; threads quiet for longer are dropped
    follow_up_days: float = Field(7, ge=0)
    follow_up_check_s: float = Field(3600, ge=60)
    max_watched_threads: int = Field(500, ge=0)
    timeout_s: float = Field(30, gt=0)
    # the creator's other channels, each with its own token and quota ledger:
    # [connectors.youtube.accounts.second] channel_id = "UC…"; every setting above that an
    # account leaves out is this table's, except channel_id and token_file
    accounts: dict[str, YouTubeConfig] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _accounts_inherit(cls, data: Any) -> Any:
        """An account's table over this one's settings (its own channel and token apart)."""
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            return data
        shared = {k: v for k, v in data.items() if k not in NOT_INHERITED}
        accounts = {}
        for name, table in data["accounts"].items():
            if isinstance(table, dict) and table.get("accounts"):
                raise ValueError(f"accounts.{name}: an account has no accounts of its own")
            accounts[name] = {**shared, **table} if isinstance(table, dict) else table
        return {**data, "accounts": accounts}

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, value: dict[str, YouTubeConfig]) -> dict[str, YouTubeConfig]:
        for name in value:
            if not NAME.match(name):
                raise ValueError(f"account name {name!r}: use {NAME_RULE}")
        return value


#: what an account does not take from its platform's table
NOT_INHERITED = frozenset({"accounts", "channel_id", "token_file"})


class StubConnectorConfig(Section):
    enabled: bool = False


class ConnectorsConfig(Section):
    local: LocalConnectorConfig = Field(default_factory=LocalConnectorConfig)
    youtube: YouTubeConfig = Field(default_factory=YouTubeConfig)
    xiaohongshu: StubConnectorConfig = Field(default_factory=StubConnectorConfig)
    douyin: StubConnectorConfig = Field(default_factory=StubConnectorConfig)
    kuaishou: StubConnectorConfig = Field(default_factory=StubConnectorConfig)

    def sources(self) -> dict[str, Section]:
        """Every enabled account by its source name (`youtube`, `youtube:second`, `local`)
        and its settings; a platform's own table is its first account."""
        found: dict[str, Section] = {}
        for platform in type(self).model_fields:
            cfg: Any = getattr(self, platform)
            if cfg.enabled:
                found[platform] = cfg
            for account, account_cfg in getattr(cfg, "accounts", {}).items():
                if account_cfg.enabled:
                    found[source_name(platform, account)] = account_cfg
        return found

    def source(self, name: str) -> Section | None:
        """The settings of one source (enabled or not), or None if there is no such account."""
        platform, _, account = name.partition(":")
        cfg: Any = getattr(self, platform, None)
        if cfg is None or not account:
            return cast(Section | None, cfg)
        return cast(Section | None, getattr(cfg, "accounts", {}).get(account))


AutoCheck = Literal["relevance", "grounding", "voice", "respect", "spam"]
AUTO_CHECKS: tuple[AutoCheck, ...] = ("relevance", "grounding", "voice", "respect", "spam")


class GuardConfig(Section):
    allowed_domains: list[str] = Field(default_factory=list)  # links to these may be posted
    allowed_mentions: list[str] = Field(default_factory=list)  # besides the persona's handle
    banned: list[str] = Field(default_factory=list)  # words or phrases never to post
    check_language: bool = True
    # a draft that fails: "queue" it for you with the reasons, or "drop" it (skipped)
    on_fail: Literal["queue", "drop"] = "queue"
    # the positive evidence auto mode needs besides the guard; the check that the reply carries
    # out nothing the comment asked is always made. Leave one out only knowingly: an empty list
    # posts on the guard alone
    auto_checks: list[AutoCheck] = Field(default_factory=lambda: list(AUTO_CHECKS))
    # an LLM judge as one more check before auto mode posts (bot.pipeline.judge): asked only
    # for a draft every other check let through, so one extra model call per auto-posted reply;
    # through [llm]'s endpoint unless set here. Off by default
    judge: bool = False
    judge_model: str = "gpt-4o-mini"
    judge_base_url: str | None = None
    judge_api_key: SecretStr | None = None


#: What happens to a comment of a triage class: "auto" drafts it and, in auto mode, posts it if
#: the guard passes; "queue" drafts it for a person; "skip" leaves it unanswered; "flag" marks it
#: for a person without drafting anything.
Action = Literal["auto", "queue", "skip", "flag"]
Unanswered = Literal["skip", "flag"]  # spam and toxic comments are never answered
Held = Literal["queue", "flag"]  # legal, medical, crisis, press: never automatic


class ClassActions(Section):
    question: Action = "auto"
    praise: Action = "auto"
    feedback: Action = "auto"
    request: Action = "auto"
    off_topic: Action = "skip"
    spam: Unanswered = "skip"
    toxic: Unanswered = "skip"
    needs_human: Held = "queue"


class PlatformActions(Section):
    """Overrides for one platform; a class left out follows `[policy.actions]`."""

    question: Action | None = None
    praise: Action | None = None
    feedback: Action | None = None
    request: Action | None = None
    off_topic: Action | None = None
    spam: Unanswered | None = None
    toxic: Unanswered | None = None
    needs_human: Held | None = None


class PolicyConfig(Section):
    actions: ClassActions = Field(default_factory=ClassActions)
    # per platform: [policy.platforms.youtube] feedback = "queue"
    platforms: dict[str, PlatformActions] = Field(default_factory=dict)
    max_replies_per_hour: int = Field(30, ge=1)
    max_replies_per_day: int = Field(150, ge=1)
    min_spacing_s: float = Field(30, ge=0)  # the gap between posts is 1 to 2 times this
    repeat_window_days: float = Field(7, ge=0)  # no (near-)identical reply twice within it
    repeat_similarity: float = Field(0.9, gt=0, le=1)
    one_reply_per_thread: bool = True  # per viewer, unless they ask again

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: dict[str, PlatformActions]) -> dict[str, PlatformActions]:
        unknown = sorted(set(value) - set(ConnectorsConfig.model_fields))
        if unknown:
            raise ValueError(f"unknown platform {unknown[0]!r}; use one of "
                             f"{', '.join(ConnectorsConfig.model_fields)}")
        return value

    def action(self, platform: str, label: str) -> tuple[str, str]:
        """The action for a class on a platform (any of its accounts), and the setting it came
        from."""
        platform = platform_of(platform)
        override = self.platforms.get(platform)
        if override is not None and getattr(override, label, None) is not None:
            return getattr(override, label), f"policy.platforms.{platform}.{label}"
        return getattr(self.actions, label), f"policy.actions.{label}"


class VoiceConfig(Section):
    # the creator's replies to the most similar earlier comments, shown to the model as examples
    few_shot: int = Field(3, ge=0, le=10)
    min_similarity: float = Field(0.85, ge=0, le=1)  # bundled-embedder cosine
    # the stronger model `finetune synthesize` asks (through [finetune]'s endpoint)
    teacher_model: str = "gpt-4o"


class EvalConfig(Section):
    # the judge for faithfulness and relevancy, through [llm]'s endpoint unless set here
    judge_model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    questions: int = Field(3, ge=1, le=10)  # questions per reply for answer relevancy
    # the set `finetune promote` checks a model on before it may replace the active one
    set: Path | None = None
    # US dollars per million prompt and completion tokens, per model, for cost per reply
    prices: dict[str, tuple[float, float]] = Field(default_factory=lambda: {
        "gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1-mini": (0.40, 1.60),
        "gpt-4.1-nano": (0.10, 0.40), "gpt-4.1": (2.00, 8.00)})

    def price(self, model: str) -> tuple[float, float] | None:
        """A model's price; a fine-tuned model is priced by its own entry or its base's
        (OpenAI charges fine-tuned models more: add them to the table)."""
        if model in self.prices:
            return self.prices[model]
        base = model.split(":")[1] if model.startswith("ft:") else model
        return self.prices.get(base) or next(
            (p for name, p in self.prices.items() if base.startswith(name + "-")), None)


class FinetuneConfig(Section):
    # the endpoint that trains: [llm] base_url and api_key unless set here
    base_url: str | None = None
    api_key: SecretStr | None = None
    # the first model to train from; later jobs continue from the active fine-tuned model
    base_model: str = "gpt-4o-mini-2024-07-18"
    epochs: int | None = Field(None, ge=1, le=50)  # None: the provider chooses
    validation_share: float = Field(0.1, ge=0, lt=1)
    # OpenAI's per-example limit for the base models replybot defaults to
    max_example_tokens: int = Field(65_536, ge=256)
    poll_s: float = Field(15, gt=0)
    # US dollars per million training tokens (tokens × epochs); prices change, so check the
    # provider's pricing page and set your own here
    training_prices: dict[str, float] = Field(default_factory=lambda: {
        "gpt-4o-mini-2024-07-18": 3.0, "gpt-4o-2024-08-06": 25.0,
        "gpt-4.1-2025-04-14": 25.0, "gpt-4.1-mini-2025-04-14": 5.0,
        "gpt-4.1-nano-2025-04-14": 1.5, "gpt-3.5-turbo-0125": 8.0})


class TriageConfig(Section):
    # the offline classifier: nearest labelled examples in the bundled embedding space
    classifier: bool = True
    examples: Path | None = None  # more labelled examples, JSONL {"label": ..., "text": ...}
    # how sure the classifier must be to call a comment spam, toxic or needs-human on its own
    min_confidence: float = Field(0.6, ge=0, le=1)
    # the OpenAI moderation endpoint (through [llm] base_url and api_key unless set here)
    moderation: bool = False
    moderation_model: str = "omni-moderation-latest"
    moderation_base_url: str | None = None
    moderation_api_key: SecretStr | None = None


class MetricsConfig(Section):
    port: int = Field(0, ge=0, le=65535)  # 0: no metrics endpoint
    host: str = "127.0.0.1"  # 0.0.0.0 in a container, so Prometheus can reach it


class WebConfig(Section):
    """`replybot serve`, or the daemon's own page with `enabled = true`."""

    enabled: bool = False  # `replybot run` serves the page too
    # 127.0.0.1: reach it through a TLS reverse proxy or a private network (README)
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    user: str = "creator"  # the name actions are audited under, as web:<user>
    # `replybot serve --init` stores one in DATA_DIR/web-password instead (scrypt$salt$hash)
    password_hash: SecretStr | None = None
    # Secure cookies: always, or only when a trusted proxy says the request came over HTTPS
    secure_cookies: bool = False
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    # where the page is reached from a phone: notifications link to drafts under it
    public_url: str = "http://127.0.0.1:8765"
    session_hours: float = Field(12, gt=0)
    # failed logins from one client within the window before it is refused (429)
    login_attempts: int = Field(5, ge=1)
    login_window_s: float = Field(900, gt=0)


class WebhookConfig(Section):
    url: str  # receives a JSON POST per message


class NtfyConfig(Section):
    server: str = "https://ntfy.sh"
    topic: str
    token: SecretStr | None = None  # for a protected topic (Authorization: Bearer)


class TelegramConfig(Section):
    token: SecretStr  # from @BotFather
    # the only chats messages go to, and the only ones whose buttons act
    chat_ids: list[int] = Field(min_length=1)
    api_url: str = "https://api.telegram.org"


class NotifyConfig(Section):
    """Messages when something needs the creator, through one or more channels."""

    # new drafts waiting are batched: at most one message per this many seconds
    batch_interval_s: float = Field(900, ge=0)
    webhook: WebhookConfig | None = None
    ntfy: NtfyConfig | None = None
    # approve and reject buttons act in the process that serves the page
    telegram: TelegramConfig | None = None
    timeout_s: float = Field(10, gt=0)
    max_tries: int = Field(5, ge=1)
    retry_base_s: float = Field(2, gt=0)  # backoff doubles from this after each failure
    queue_size: int = Field(100, ge=1)  # per channel; the oldest message goes when it is full


class LogConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # auto: readable on a terminal, JSON lines otherwise
    format: Literal["auto", "console", "json"] = "auto"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "replybot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REPLYBOT_", env_nested_delimiter="__", extra="forbid",
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    # SQLAlchemy URL; default: SQLite at DATA_DIR/replybot.db
    database_url: str | None = None
    mode: Literal["approve", "auto"] = "approve"
    persona: PersonaConfig = Field(default_factory=PersonaConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    knowledge: KnowledgeConfig = Field(default_factory=KnowledgeConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    posting: PostingConfig = Field(default_factory=PostingConfig)
    workers: WorkersConfig = Field(default_factory=WorkersConfig)
    connectors: ConnectorsConfig = Field(default_factory=ConnectorsConfig)
    log: LogConfig = Field(default_factory=LogConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    guard: GuardConfig = Field(default_factory=GuardConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    triage: TriageConfig = Field(default_factory=TriageConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    voice: VoiceConfig = Field(default_factory=VoiceConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    # other creators served by this install: [workspaces.NAME] tables with any of the settings
    # above except the process's own (bot.workspaces.PROCESS_KEYS); read by bot.workspaces
    workspaces: dict[str, dict[str, Any]] = Field(default_factory=dict)
    _workspace: str = PrivateAttr(default=DEFAULT_WORKSPACE)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_source = InitSettingsSource(settings_cls, init_kwargs=_FILE_DATA.get() or {})
        return init_settings, env_settings, file_source

    def endpoint(self, base_url: str | None,
                 api_key: SecretStr | None) -> tuple[str | None, str | None]:
        """A section's endpoint, falling back to `[llm]`'s: (base_url, the plain API key)."""
        key = api_key or self.llm.api_key
        return base_url or self.llm.base_url, key.get_secret_value() if key else None

    @property
    def workspace(self) -> str:
        """The creator these settings serve: "default" unless the config names workspaces."""
        return self._workspace

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'replybot.db'}"

    @property
    def db_schema(self) -> str | None:
        """The PostgreSQL schema of this workspace's tables (None: the server's default, as
        before workspaces; SQLite keeps each workspace in a file of its own instead)."""
        return None if self.workspace == DEFAULT_WORKSPACE else f"replybot_{self.workspace}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    def local_inbox(self) -> Path:
        return self.connectors.local.inbox or self.data_dir / "inbox.jsonl"

    def local_outbox(self) -> Path:
        return self.connectors.local.outbox or self.data_dir / "outbox.jsonl"

    def youtube_token_file(self, account: str | None = None) -> Path:
        """The OAuth token of the YouTube channel, or of its other channel `account`."""
        if not account:
            return self.connectors.youtube.token_file or self.data_dir / "youtube-token.json"
        cfg = self.connectors.youtube.accounts.get(account)
        if cfg is None:
            raise ConfigError(f"no YouTube account {account!r}: the accounts are "
                              f"{', '.join(self.connectors.youtube.accounts) or 'none'} "
                              "([connectors.youtube.accounts.NAME])")
        return cfg.token_file or self.data_dir / f"youtube-token-{account}.json"


def _is_path(annotation: Any) -> bool:
    if annotation is Path:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return Path in typing.get_args(annotation)
    return False


def _resolve_paths(data: dict[str, Any], model: type[BaseModel], base: Path) -> None:
    """Make relative paths in raw file data relative to the file's folder, in place."""
    for name, field in model.model_fields.items():
        value = data.get(name)
        annotation = field.annotation
        if isinstance(value, str) and _is_path(annotation):
            path = Path(value).expanduser()
            data[name] = str(path if path.is_absolute() else (base / path).resolve())
        elif isinstance(value, dict) and isinstance(annotation, type) \
                and issubclass(annotation, BaseModel):
            _resolve_paths(value, annotation, base)
        elif isinstance(value, dict) and _table_of(model, name, annotation) is not None:
            for table in value.values():  # [connectors.youtube.accounts.X], [workspaces.X]
                if isinstance(table, dict):
                    _resolve_paths(table, _table_of(model, name, annotation), base)


def _table_of(model: type[BaseModel], name: str, annotation: Any) -> Any:
    """The model of each value of a `dict[str, Model]` field (workspaces: whole settings)."""
    if model is Settings and name == "workspaces":
        return Settings
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict and len(args) == 2 and isinstance(args[1], type) \
            and issubclass(args[1], BaseModel):
        return args[1]
    return None


def read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found: create it (see deploy/replybot.example"
                          ".toml) or leave out --config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    _resolve_paths(data, Settings, path.resolve().parent)
    return data


def _describe(error: Any, path: Path | None, prefix: tuple[str, ...] = ()) -> str:
    loc = (*prefix, *error["loc"])
    key = ".".join(str(part) for part in loc)
    env = "REPLYBOT_" + "__".join(str(part).upper() for part in loc)
    where = f"{path} or {env}" if path else env
    message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
    return f"{key}: {message} (set in {where})"


NOT_SETTINGS = {"REPLYBOT_CONFIG", "REPLYBOT_WORKSPACE"}  # read by the CLI itself


def check_environment() -> None:
    """A misspelled REPLYBOT_ variable is an error, not a silently ignored setting."""
    known = {name.upper() for name in Settings.model_fields}
    for key in os.environ:
        if key.startswith("REPLYBOT_") and key not in NOT_SETTINGS:
            top = key.removeprefix("REPLYBOT_").split("__", 1)[0]
            if top not in known:
                raise ConfigError(f"unknown setting {key}: the top-level keys are "
                                  f"{', '.join(sorted(n.lower() for n in known))}")


def expand_user(model: BaseModel) -> None:
    """`~` in any path setting means the home directory, wherever the value came from."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Path) and str(value).startswith("~"):
            setattr(model, name, value.expanduser())
        elif isinstance(value, BaseModel):
            expand_user(value)


def load_settings(path: Path | None = None) -> Settings:
    """Settings from `path` (or ./replybot.toml if present) and the environment: the top level
    of the file, which is the one workspace unless it has `[workspaces.NAME]` tables
    (`bot.workspaces.load_workspaces` reads those)."""
    path = config_path(path)
    check_environment()
    token = _FILE_DATA.set(read_file(path) if path else {})
    try:
        settings = Settings()
    except ValidationError as exc:
        raise invalid(exc, path) from None
    except SettingsError as exc:  # e.g. a list or table variable that is not JSON
        raise ConfigError(f"invalid configuration: {exc}; lists and tables in environment "
                          'variables are JSON, e.g. REPLYBOT_CONNECTORS__LOCAL__OWN_AUTHORS='
                          "'[\"me\"]'") from None
    finally:
        _FILE_DATA.reset(token)
    expand_user(settings)
    check_settings(settings)
    return settings


def config_path(path: Path | None) -> Path | None:
    """The file to read: `path`, else ./replybot.toml if present, else none."""
    if path is None and DEFAULT_CONFIG.exists():
        return DEFAULT_CONFIG
    return path


def invalid(exc: ValidationError, path: Path | None, prefix: tuple[str, ...] = ()) -> ConfigError:
    """One error naming every problem's key (under `prefix`) and where to set it."""
    problems = "; ".join(_describe(error, path, prefix) for error in exc.errors())
    return ConfigError(f"invalid configuration: {problems}")


def check_settings(settings: Settings, prefix: str = "") -> None:
    """The rules that tie one setting to another; `prefix` names the workspace's table."""
    youtube = settings.connectors.youtube
    accounts = {"": youtube} | {f".accounts.{n}": a for n, a in youtube.accounts.items()}
    for suffix, cfg in accounts.items():
        key = f"{prefix}connectors.youtube{suffix}"
        if cfg.enabled and not cfg.channel_id:
            raise ConfigError(f"invalid configuration: {key}.channel_id is required when the "
                              "YouTube connector is enabled (your channel's id, starting UC…)")
        if cfg.reply_reserve >= cfg.daily_quota:
            raise ConfigError(f"invalid configuration: {key}.reply_reserve must be smaller "
                              f"than {key}.daily_quota")
    if settings.knowledge.chunk_overlap >= settings.knowledge.chunk_tokens:
        raise ConfigError(f"invalid configuration: {prefix}knowledge.chunk_overlap must be "
                          f"smaller than {prefix}knowledge.chunk_tokens")
