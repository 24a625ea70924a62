"""One `replybot run` for several workspaces: a daemon per creator, their cycles taken in turn.

Each workspace's daemon works on that workspace's own database, knowledge base and accounts, so
nothing one creator's daemon does can touch another's data. Several processes share the work of
every workspace through the same feed and drafting leases as for one. Log lines carry the
workspace; metrics are served once, each series labelled with its workspace.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

from bot.log import log
from bot.service.daemon import Counters, Daemon
from bot.service.metrics import Metrics


class Fleet:
    """The daemons of the workspaces one process serves, by workspace name."""

    def __init__(self, daemons: dict[str, Daemon], stopping: threading.Event) -> None:
        self.daemons = daemons
        self.stopping = stopping
        self.counters = Counters()

    def start(self) -> None:
        for name, daemon in self.daemons.items():
            with structlog.contextvars.bound_contextvars(workspace=name):
                daemon.start()

    def run_once(self) -> Counters:
        """One cycle of every workspace, in turn; the counters add them up."""
        cycle = Counters()
        for name, daemon in self.daemons.items():
            if self.stopping.is_set():
                break
            with structlog.contextvars.bound_contextvars(workspace=name):
                cycle.add(daemon.run_once())
        cycle.cycles = 1
        self.counters.add(cycle)
        return cycle

    def stop_workers(self) -> None:
        for daemon in self.daemons.values():
            daemon.worker.deregister()

    def run_forever(self, poll_interval_s: float, metrics_port: int = 0,
                    metrics_host: str = "127.0.0.1") -> Counters:
        self.start()
        metrics = Metrics()  # only its server: the series are the daemons'
        if metrics_port:
            combined = CollectorRegistry()
            combined.register(ByWorkspace(self.daemons))
            port = metrics.serve(metrics_port, metrics_host, health=self.health,
                                 registry=combined)
            log.info("metrics served", url=f"http://{metrics_host}:{port}/metrics")
        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_job(self.run_once, IntervalTrigger(seconds=poll_interval_s), id="cycle",
                          max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
                          misfire_grace_time=None)
        scheduler.start()
        log.info("replybot running", poll_interval_s=poll_interval_s,
                 workspaces=list(self.daemons),
                 connectors={n: list(d.app.connectors) for n, d in self.daemons.items()})
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            scheduler.shutdown(wait=True)  # waits for the cycle in flight
            metrics.stop()
            self.stop_workers()
        self.log_summary()
        return self.counters

    def health(self) -> tuple[bool, dict[str, object]]:
        """Every workspace's health: healthy only if each is."""
        found: dict[str, object] = {}
        ok = True
        for name, daemon in self.daemons.items():
            healthy, found[name] = daemon.health()
            ok = ok and healthy
        return ok, {"ok": ok, "workspaces": found}

    def log_summary(self) -> None:
        log.info("replybot stopped", workspaces=list(self.daemons), **asdict(self.counters))


class ByWorkspace:
    """Every daemon's metrics as one registry's, each series labelled with its workspace."""

    def __init__(self, daemons: dict[str, Daemon]) -> None:
        self.daemons = daemons

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for name, daemon in self.daemons.items():
            for family in daemon.metrics.registry.collect():
                merged = families.setdefault(family.name, Metric(
                    family.name, family.documentation, family.type, family.unit))
                for sample in family.samples:
                    merged.samples.append(sample._replace(
                        labels={**sample.labels, "workspace": name}))
        yield from families.values()
