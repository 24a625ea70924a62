"""Prometheus metrics of the daemon, served on `[metrics] host:port` when the port is set."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


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
        self.errors = Counter("replybot_errors_total", "Failures, by connector or stage",
                              ["source"], registry=r)
        self.drafts = Gauge("replybot_drafts", "Drafts by status", ["status"], registry=r)
        self.quota_used = Gauge("replybot_quota_used_units", "API units spent today",
                                ["platform"], registry=r)
        self.cycle_seconds = Histogram("replybot_cycle_seconds", "Duration of one cycle",
                                       buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900), registry=r)
        self.last_success = Gauge("replybot_last_success_timestamp_seconds",
                                  "When the last cycle succeeded (Unix time)", registry=r)
        self._server: Any = None

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serve /metrics; returns the port (useful with port 0 in tests)."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        return int(server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
