"""Every platform replybot knows, by the name used in config, the store and logs."""

from __future__ import annotations

from connectors.base import Connector, QuotaRules, platform_of
from connectors.local import LocalConnector
from connectors.stubs import STUBS
from connectors.youtube import YouTubeConnector

PLATFORMS: dict[str, type[Connector]] = {
    LocalConnector.name: LocalConnector,
    YouTubeConnector.name: YouTubeConnector,
    **STUBS,
}


def quota_rules(platform: str) -> QuotaRules | None:
    """How `platform` (or one of its accounts, `youtube:second`) meters its API, if it does."""
    connector = PLATFORMS.get(platform_of(platform))
    return connector.quota_rules if connector is not None else None
