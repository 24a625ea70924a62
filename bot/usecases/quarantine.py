"""The quarantine's use cases: list, show, retry (read an item again) and drop.

Retrying asks the item's connector to read its raw form again, e.g. after an upgrade taught it
something new; an item that now reads as a comment is stored (answered on the next cycle) and
leaves the quarantine, one that still cannot counts another retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.errors import InvalidRequest, StoreError
from bot.state.quarantine import QuarantinedItem
from bot.state.store import Store
from connectors.base import Connector


class QuarantineParts(Protocol):
    @property
    def store(self) -> Store: ...
    @property
    def connectors(self) -> Mapping[str, Connector]: ...


@dataclass(frozen=True)
class Retried:
    item: QuarantinedItem
    stored: bool
    message: str


def listing(store: Store, platform: str | None = None, limit: int = 200) -> list[QuarantinedItem]:
    return store.quarantine_repo.list(platform, limit)


def show(store: Store, item_id: int) -> QuarantinedItem:
    return store.quarantine_repo.get(item_id)


def retry(parts: QuarantineParts, item_id: int) -> Retried:
    """Read the item again; stored as a comment and released if it now reads as one."""
    item = parts.store.quarantine_repo.get(item_id)
    connector = parts.connectors.get(item.platform)
    if connector is None:
        raise InvalidRequest(f"connector {item.platform!r} is not enabled: enable it in the "
                             "config to retry its items")
    try:
        comment = connector.revive(item.raw)
        parts.store.add_comment(comment)
    except (ValueError, StoreError) as exc:
        again = parts.store.quarantine_repo.failed_again(item_id, str(exc))
        return Retried(again, False, f"still cannot be stored: {exc}")
    parts.store.quarantine_repo.drop(item_id)
    return Retried(item, True, "stored as a comment; it is answered on the next cycle")


def drop(store: Store, item_id: int) -> QuarantinedItem:
    item = store.quarantine_repo.get(item_id)
    store.quarantine_repo.drop(item_id)
    return item
