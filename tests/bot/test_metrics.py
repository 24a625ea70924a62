"""The metrics server: Prometheus text on /metrics, the health check on /healthz."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from bot.service.metrics import Metrics


def test_metrics_and_an_unhealthy_probe_over_http() -> None:
    metrics = Metrics()
    metrics.fetched.labels("youtube").inc(3)
    port = metrics.serve(0, health=lambda: (False, {"ok": False, "message": "stale"}))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
            assert 'replybot_comments_fetched_total{platform="youtube"} 3.0' in page.read().decode()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            raise AssertionError("expected 503")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503 and json.loads(exc.read())["message"] == "stale"
    finally:
        metrics.stop()
