"""The long-running service: one cycle at a time on a schedule, stopped cleanly by a signal.

A cycle settles interrupted posts, fetches every enabled connector, drafts replies for new
comments and posts approved ones. SIGTERM or SIGINT stops intake, lets the comment in flight
finish, and ends with one summary line.
"""

from __future__ import annotations

import gc
import random
import signal
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.config import Settings
from bot.domain import NewDraft, Status, StoredComment
from bot.errors import LeaseLost, ModelError, ModelRejected
from bot.log import comment_context, log
from bot.pipeline.pipeline import Outcome, Pipeline
from bot.service.health import LAST_SUCCESS, STALLED, check, default_max_age
from bot.service.metrics import Metrics
from bot.service.notify import Notifier
from bot.service.pacing import Pacing
from bot.service.posting import Poster, PostReport
from bot.service.quota import Pacer, QuotaLedger
from bot.service.retry import with_retries
from bot.service.workers import Worker, workers_health
from bot.state.store import Store
from connectors.base import Connector
from connectors.errors import AuthError, ConnectorError, NotSupported, QuotaExceeded
from knowledge.store import KnowledgeBase

FEED = "default"
MAX_COMMENT_TRIES = 3
#: comments drafted per store read; each batch is embedded in one model call
BATCH = 20


@dataclass
class Counters:
    cycles: int = 0
    fetched: int = 0
    new: int = 0
    queued: int = 0
    flagged: int = 0
    approved: int = 0
    skipped: int = 0
    posted: int = 0
    failed: int = 0
    reconciled: int = 0
    errors: int = 0

    def add(self, other: Counters) -> None:
        """Add `other`'s counts to these (a cycle's to the totals)."""
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


class Parts(Protocol):
    """What a daemon runs on; `bot.app.App` provides it, tests may pass their own."""

    settings: Settings
    clock: Clock

    @property
    def store(self) -> Store: ...
    @property
    def connectors(self) -> dict[str, Connector]: ...
    @property
    def knowledge(self) -> KnowledgeBase: ...
    @property
    def pipeline(self) -> Pipeline: ...
    @property
    def pipeline_started(self) -> bool: ...
    @property
    def poster(self) -> Poster: ...
    def refresh_model(self) -> None: ...
    def load_in_background(self) -> None: ...
    def ledger(self, platform: str) -> QuotaLedger | None: ...
    def poll_interval_s(self, platform: str) -> float: ...
    @property
    def sole_process(self) -> bool: ...
    @property
    def notifier(self) -> Notifier: ...


def settle_memory() -> None:
    """Keep the garbage collector from walking what start-up loaded (modules, classes, the
    engines' tables): it lives as long as the process, and every full collection would walk it
    again (tens of milliseconds each, several in the first cycle). Called at start and after
    the first cycle only, so the few unreachable objects of those moments are all it keeps."""
    gc.freeze()


class Daemon:
    """Runs cycles; `run_once` for one, `run_forever` on the schedule."""

    def __init__(self, app: Parts, stopping: threading.Event | None = None) -> None:
        self.app = app
        self.counters = Counters()
        self.cycle = Counters()
        #: what the pipeline did with each comment in the last cycle (for reports and benches)
        self.outcomes: list[Outcome] = []
        #: set by a signal; may be set before the daemon exists (handlers come first)
        self.stopping = stopping or threading.Event()
        self.paused_until: dict[str, datetime] = {}
        self.disabled: dict[str, str] = {}
        self.last_success: datetime | None = None
        self.clock = app.clock
        self.pacers = {name: Pacer(app.poll_interval_s(name), app.ledger(name), clock=app.clock)
                       for name in app.connectors}
        self.metrics = Metrics()
        self.pacing = Pacing(app.store, app.settings.policy, random.Random(), app.clock,
                             wait=self.stopping.wait)
        self.worker = Worker(app.store, app.settings.workers, app.clock, app.poster.owner)
        self._guard_seen: dict[str, int] = {}
        self._opened = False
        # feed → since when it cannot move on; a feed is absent once it is known to be moving
        self._stalled_since: dict[str, datetime | None] = {}
        self.last_sync = float("-inf")

    # -- one cycle ------------------------------------------------------------------------------

    def run_once(self) -> Counters:
        """One cycle; returns its counters (the daemon's totals add them up)."""
        started = time.perf_counter()
        self.cycle = Counters(cycles=1)
        self.outcomes = []
        try:
            self.worker.heartbeat()
            self.open_connectors()
            self.cycle.reconciled += self.app.poster.reconcile()
            self._count_posts(self.app.poster.reconciled)
            for name, connector in self.app.connectors.items():
                if not self.stopping.is_set():
                    self._fetch(name, connector)
            self._sync_knowledge()
            self.app.refresh_model()
            self._draft_new()
            report = self.app.poster.post_approved(self.stopping.is_set, self.pacing,
                                                   self.stopping.wait)
            self._count_posts(report)
            self.last_success = self.clock()
            self.app.store.set_state(LAST_SUCCESS, self.last_success.isoformat())
            self.metrics.last_success.set(self.last_success.timestamp())
        except Exception:
            self.cycle.errors += 1
            self.metrics.errors.labels("cycle").inc()
            log.exception("cycle failed; the next cycle starts from the stored state")
        if not self.counters.cycles:  # the libraries the first draft loads are loaded now
            settle_memory()
        self._observe(time.perf_counter() - started)
        self._notify()
        self.counters.add(self.cycle)
        log.info("cycle done", seconds=round(time.perf_counter() - started, 3),
                 pending=self.app.store.counts()[Status.PENDING], **asdict(self.cycle))
        return self.cycle

    def _count_posts(self, report: PostReport) -> None:
        """Posts and failures as the poster saw them (reconciled posts included)."""
        self.cycle.posted += report.posted
        self.cycle.failed += report.failed
        for platform, count in report.posted_by_platform.items():
            self.metrics.posted.labels(platform).inc(count)

    def _observe(self, seconds: float) -> None:
        metrics = self.metrics
        metrics.cycle_seconds.observe(seconds)
        if self.app.pipeline_started:  # its counters are this process's drafting
            for kind, count in self.app.pipeline.guard_blocks.items():
                seen = self._guard_seen.get(kind, 0)
                metrics.guard_blocks.labels(kind).inc(count - seen)
                self._guard_seen[kind] = count
        for status, count in self.app.store.counts().items():
            metrics.drafts.labels(status).set(count)
        metrics.quarantined.set(self.app.store.quarantine_repo.count())
        self.metrics.observe_workers(
            workers_health(self.app.store, self.app.settings.workers, self.clock()))
        for name, pacer in self.pacers.items():
            if pacer.ledger is not None:
                metrics.quota_used.labels(name).set(pacer.ledger.status().used)

    def _notify(self) -> None:
        """Tell the creator what needs them: the notifier reads the store, sends in the
        background and never raises."""
        now = self.clock()
        stopped = dict(self.disabled) | {
            name: f"quota spent; resumes at {at:%Y-%m-%d %H:%M} UTC"
            for name, at in self.paused_until.items() if now < at}
        self.app.notifier.after_cycle(self.app.store, stopped)

    def open_connectors(self) -> None:
        """Start each connector once; one that cannot work is stopped, the others carry on."""
        if self._opened:
            return
        self._opened = True
        for name, connector in self.app.connectors.items():
            try:
                connector.open()
            except (AuthError, NotSupported) as exc:
                self._disable(name, exc)
            except ConnectorError as exc:
                log.warning("connector not reachable yet; will retry", platform=name,
                            error=str(exc))

    def _disable(self, name: str, exc: Exception) -> None:
        self.disabled[name] = str(exc)
        self.cycle.errors += 1
        self.metrics.errors.labels(name).inc()
        log.error("connector stopped; the rest keeps running", platform=name, error=str(exc))

    def _fetch(self, name: str, connector: Connector) -> None:
        pacer = self.pacers[name]
        resume = self.paused_until.get(name)
        if name in self.disabled or (resume and self.clock() < resume) or not pacer.due():
            return
        fence = self.worker.lead_feed(name, FEED)
        if fence is None:  # another worker leads this feed: it polls, this one drafts and posts
            return
        store = self.app.store
        ledger = pacer.ledger
        before = ledger.status().used if ledger else 0
        try:
            result = with_retries(lambda: connector.fetch_new(store.cursor(name, FEED)))
        except (AuthError, NotSupported) as exc:
            self._disable(name, exc)
            return
        except QuotaExceeded as exc:
            self.paused_until[name] = exc.resume_at
            log.warning("quota spent; connector paused", platform=name, error=str(exc),
                        resume_at=exc.resume_at.isoformat())
            return
        except ConnectorError as exc:
            self.cycle.errors += 1
            self.metrics.errors.labels(name).inc()
            log.error("fetch failed; will try next cycle", platform=name, error=str(exc))
            self._stalled(name, f"fetch failed: {exc}")
            return
        except Exception as exc:  # a connector bug must not stop the other connectors
            self.cycle.errors += 1
            self.metrics.errors.labels(name).inc()
            log.exception("fetch failed unexpectedly; will try next cycle", platform=name)
            self._stalled(name, f"fetch failed: {type(exc).__name__}: {exc}")
            return
        finally:
            pacer.polled((ledger.status().used - before) if ledger else 0)
        for problem in result.problems:
            log.warning("input skipped", platform=name, problem=problem)
        for item in result.rejected:
            log.warning("item quarantined", platform=name, item_id=item.item_id,
                        error=item.error)
        try:
            new = store.ingest(name, FEED, result.comments, result.cursor,
                               rejected=result.rejected, fence=fence)
        except LeaseLost as exc:  # the new leader reads from the stored cursor
            log.warning("feed taken over while reading; its comments are left to the new "
                        "leader", platform=name, error=str(exc))
            return
        except Exception as exc:  # nothing was stored, the cursor did not move: read again later
            self.cycle.errors += 1
            log.exception("could not store fetched comments; will read them again",
                          platform=name)
            self._stalled(name, f"{len(result.comments)} comments could not be stored: "
                          f"{type(exc).__name__}")
            return
        if self._stalled_since.pop(name, False) is not None:  # stalled, or not known since start
            store.clear_state(f"{STALLED}{name}/{FEED}")
        self._stalled_since[name] = None
        self.cycle.fetched += len(result.comments)
        self.cycle.new += new
        self.metrics.fetched.labels(name).inc(len(result.comments))
        self.metrics.new.labels(name).inc(new)
        if result.comments:
            log.info("fetched", platform=name, comments=len(result.comments), new=new)

    def _stalled(self, name: str, reason: str) -> None:
        """Remember since when a feed cannot move on, for `health` (cleared once it does)."""
        key = f"{STALLED}{name}/{FEED}"
        since = self._stalled_since.get(name)
        if since is None:
            stored = self.app.store.state(key)  # a restart does not make an old stall new
            since = datetime.fromisoformat(stored[0].split(" ", 1)[0]) if stored else self.clock()
            self._stalled_since[name] = since
        self.app.store.set_state(key, f"{since.isoformat()} {reason}"[:500])

    def _sync_knowledge(self) -> None:
        """Mirror the configured folders now and then; the daemon owns the knowledge base."""
        cfg = self.app.settings.knowledge
        now = time.monotonic()
        if not cfg.folders or now - self.last_sync < cfg.sync_interval_s:
            return
        self.last_sync = now
        for folder in cfg.folders:
            try:
                result = self.app.knowledge.sync_folder(folder)
            except Exception:  # knowledge trouble must not stop replies
                self.cycle.errors += 1
                log.exception("knowledge sync failed", folder=str(folder))
                continue
            for problem in result.problems:
                log.warning("knowledge file skipped", problem=problem)
            if result.changed:
                log.info("knowledge updated", folder=str(folder),
                         added=sum(r.added for r in result.results),
                         removed_chunks=sum(r.removed for r in result.results)
                         + sum(result.removed.values()))

    def dry_run(self, limit: int = 100) -> list[tuple[StoredComment, NewDraft | str]]:
        """Fetch, then decide for up to `limit` new comments without recording or posting.

        Each comment comes back with what would be stored for it, or the error that stopped it.
        """
        self.open_connectors()
        for name, connector in self.app.connectors.items():
            self._fetch(name, connector)
        self.worker.release_all()  # a look, not a worker: the running daemon keeps its feeds
        waiting = self.app.store.unprocessed(limit=limit, platforms=list(self.app.connectors))
        decided: list[tuple[StoredComment, NewDraft | str]] = []
        for index, stored in enumerate(waiting):
            if index % BATCH == 0:  # a batch at a time: the embedder remembers a few hundred
                self.app.pipeline.prepare(waiting[index:index + BATCH])
            with comment_context(stored.comment.platform, stored.comment.comment_id):
                try:
                    decided.append((stored, self.app.pipeline.decide(stored)[0]))
                except Exception as exc:  # shown, not raised: the rest still gets its turn
                    decided.append((stored, f"{type(exc).__name__}: {exc}"))
        return decided

    def _draft_new(self) -> None:
        after = 0
        platforms = list(self.app.connectors)
        while not self.stopping.is_set():
            batch = self.app.store.unprocessed(limit=BATCH, platforms=platforms, after_pk=after)
            if not batch:
                return
            self.app.pipeline.prepare(batch)
            for stored in batch:
                if self.stopping.is_set():
                    return
                after = stored.pk
                with self.worker.drafting(stored.pk) as mine:
                    if mine and not self._draft_one(stored):
                        return

    def _draft_one(self, stored: StoredComment) -> bool:
        """Draft one comment this worker holds; False if drafting must pause for this cycle."""
        try:
            outcome = self.app.pipeline.process(stored)
            self.outcomes.append(outcome)
            self._count(outcome.status)
            self.metrics.triaged.labels(outcome.label or "other",
                                        stored.comment.platform).inc()
            if outcome.status == Status.SKIPPED:
                self.metrics.skipped.labels(outcome.label or "other").inc()
        except ModelRejected as exc:
            self._comment_failed(stored, exc)
        except ModelError as exc:
            self.cycle.errors += 1
            log.error("drafting paused until next cycle; the comment stays queued",
                      platform=stored.comment.platform,
                      comment_id=stored.comment.comment_id, error=str(exc))
            return False
        except Exception as exc:  # one bad comment must not stop the others
            self._comment_failed(stored, exc)
        return True

    def _count(self, status: str) -> None:
        self.cycle.queued += status == Status.PENDING
        self.cycle.flagged += status == Status.FLAGGED
        self.cycle.approved += status == Status.APPROVED
        self.cycle.skipped += status == Status.SKIPPED
        self.cycle.failed += status == Status.FAILED

    def _comment_failed(self, stored: StoredComment, exc: Exception) -> None:
        """Count the failure on the comment (kept across restarts); give up after a few."""
        self.cycle.errors += 1
        error = f"{type(exc).__name__}: {exc}"
        tries = self.app.store.comment_failed(stored.pk, error)
        log.error("comment could not be drafted", platform=stored.comment.platform,
                  comment_id=stored.comment.comment_id, tries=tries, error=error,
                  exc_info=not isinstance(exc, ModelRejected))
        if tries >= MAX_COMMENT_TRIES:
            reason = f"could not draft after {tries} tries: {error}"
            self.app.store.create_draft(stored.pk, NewDraft(Status.FAILED, reason), actor="daemon")
            self.cycle.failed += 1

    # -- the service ----------------------------------------------------------------------------

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if not self.stopping.is_set():
            log.info("stopping: finishing the comment in flight",
                     signal=signal.Signals(signum).name if signum else None)
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        install_signal_handlers(self.stopping)

    def start(self) -> None:
        """Before the first cycle: claim the knowledge base (a local Chroma folder another
        process holds fails here, once, and never against a comment), then join the workers.
        What the first comment needs loads meanwhile."""
        self.app.load_in_background()
        _ = self.app.knowledge
        self.worker.register()
        if self.app.sole_process:
            self.worker.take_over()
        settle_memory()

    def run_forever(self) -> Counters:
        self.start()
        interval = self.app.settings.schedule.poll_interval_s
        metrics_cfg = self.app.settings.metrics
        if metrics_cfg.port:
            port = self.metrics.serve(metrics_cfg.port, metrics_cfg.host, health=self.health)
            log.info("metrics served", url=f"http://{metrics_cfg.host}:{port}/metrics")
        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_job(self.run_once, IntervalTrigger(seconds=interval), id="cycle",
                          max_instances=1, coalesce=True,
                          next_run_time=datetime.now(UTC),  # the scheduler keeps real time
                          misfire_grace_time=None)
        scheduler.start()
        log.info("replybot running", poll_interval_s=interval, mode=self.app.settings.mode,
                 connectors=list(self.app.connectors))
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            scheduler.shutdown(wait=True)  # waits for the cycle in flight
            self.metrics.stop()
            self.worker.deregister()
        self.log_summary()
        return self.counters

    def health(self) -> tuple[bool, dict[str, object]]:
        """This workspace's health, as `/healthz` serves it: (ok, the report)."""
        limit = default_max_age(self.app.settings.schedule.poll_interval_s)
        result = check(self.app.store, limit, self.clock(), self.app.settings.workers)
        return result.ok, result.to_json()

    def log_summary(self) -> None:
        log.info("replybot stopped", **asdict(self.counters))


def install_signal_handlers(stopping: threading.Event) -> None:
    """SIGTERM and SIGINT set `stopping`. Installed before any state is touched, so a signal
    during start-up (migrations included) still ends with a summary, not a bare -15."""

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            log.info("stopping: finishing the comment in flight",
                     signal=signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
