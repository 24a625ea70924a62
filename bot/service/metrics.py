"""Prometheus metrics of the daemon, served on `[metrics] host:port` when the port is set.

The same server answers `/healthz` with the health check (200 or 503, JSON), for load balancers
and orchestrators that probe over HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

from bot.service.workers import WorkersHealth

HealthProbe = Callable[[], tuple[bool, dict[str, object]]]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Metrics:
    """The daemon's counters and gauges, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.fetched = Counter("replybot_comments_fetched_total",
                               "Comments read from a platform (new or not)", ["platform"],
                               registry=r)
        self.new = Counter("replybot_comments_new_total", "Comments stored for the first time",
                           ["platform"], registry=r)
        self.posted = Counter("replybot_replies_posted_total", "Replies posted", ["platform"],
                              registry=r)
        self.skipped = Counter("replybot_comments_skipped_total",
                               "Comments given no reply, by triage label", ["label"], registry=r)
        self.triaged = Counter("replybot_comments_triaged_total",
                               "Comments sorted by triage, by class and platform",
                               ["label", "platform"], registry=r)
        self.guard_blocks = Counter("replybot_guard_blocks_total",
                                    "Drafts the guard held back, by kind", ["kind"], registry=r)
        self.errors = Counter("replybot_errors_total", "Failures, by connector or stage",
                              ["source"], registry=r)
        self.drafts = Gauge("replybot_drafts", "Drafts by status", ["status"], registry=r)
        self.quarantined = Gauge("replybot_quarantined",
                                 "Items a platform sent that could not be stored as comments "
                                 "(see `replybot quarantine list`)", registry=r)
        self.quota_used = Gauge("replybot_quota_used_units", "API units spent today",
                                ["platform"], registry=r)
        self.cycle_seconds = Histogram("replybot_cycle_seconds", "Duration of one cycle",
                                       buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900), registry=r)
        self.last_success = Gauge("replybot_last_success_timestamp_seconds",
                                  "When the last cycle succeeded (Unix time)", registry=r)
        self.workers = Gauge("replybot_workers", "Workers on this database by state (live, "
                             "stale: stopped heartbeating)", ["state"], registry=r)
        self.worker_heartbeat_age = Gauge(
            "replybot_worker_heartbeat_age_seconds", "Seconds since each worker's last "
            "heartbeat", ["worker", "host"], registry=r)
        self._server: Any = None

    def observe_workers(self, health: WorkersHealth) -> None:
        """The database-wide view: a worker that died shows here, whoever serves the metrics."""
        self.workers.labels("live").set(len(health.live))
        self.workers.labels("stale").set(len(health.stale))
        self.worker_heartbeat_age.clear()
        for worker in [*health.live, *health.stale]:
            self.worker_heartbeat_age.labels(worker.id, worker.host).set(
                worker.age_s(health.now))

    def serve(self, port: int, host: str = "127.0.0.1", health: HealthProbe | None = None,
              registry: CollectorRegistry | None = None) -> int:
        """Serve /metrics (and /healthz) of this registry, or of `registry`; returns the port
        (useful with port 0 in tests)."""
        metrics_app = make_wsgi_app(registry or self.registry)

        def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == "/healthz" and health is not None:
                ok, body = health()
                start("200 OK" if ok else "503 Service Unavailable",
                      [("Content-Type", "application/json")])
                return [json.dumps(body).encode()]
            return metrics_app(environ, start)  # type: ignore[no-any-return]

        server = make_server(host, port, app, server_class=_Server, handler_class=_QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return int(server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
