"""Every platform replybot knows, by the name used in config, the store and logs."""

from __future__ import annotations

from connectors.base import Connector, QuotaRules
from connectors.local import LocalConnector
from connectors.stubs import STUBS
from connectors.youtube import YouTubeConnector

PLATFORMS: dict[str, type[Connector]] = {
    LocalConnector.name: LocalConnector,
    YouTubeConnector.name: YouTubeConnector,
    **STUBS,
}


def quota_rules(platform: str) -> QuotaRules | None:
    """How `platform` meters its API, if it does."""
    connector = PLATFORMS.get(platform)
    return connector.quota_rules if connector is not None else None
