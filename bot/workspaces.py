"""Workspaces: one install answering for several creators, each apart from the others.

A config without `[workspaces.NAME]` tables is one workspace, "default", exactly as before. With
tables, each table is a creator: its settings are the top level overlaid with its table (a
section merges key by key, a value or a list is replaced), so shared settings (the model
endpoint, the guard) are written once. What belongs to the process, not to a creator (data dir,
database, log, metrics, web page, workers, schedule) is set at the top level only.

Each workspace keeps its state apart, so one creator's comments cannot reach another's queue:
SQLite and Chroma files under DATA_DIR/workspaces/NAME, on PostgreSQL the schema
`replybot_NAME`, on a Chroma server the collection `replybot-knowledge-NAME`. A workspace named
"default" keeps today's places (DATA_DIR itself, the server's default schema), so an install
that grows from one creator to several keeps its data where it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.config import (
    DEFAULT_WORKSPACE,
    NAME,
    NAME_RULE,
    Settings,
    check_settings,
    config_path,
    expand_user,
    invalid,
    load_settings,
)
from bot.errors import ConfigError

#: settings of the whole process, set at the top level only
PROCESS_KEYS = frozenset({"data_dir", "database_url", "log", "metrics", "web", "workers",
                          "schedule", "workspaces"})


@dataclass(frozen=True)
class Workspaces:
    """Every workspace of a config, by name in the order the file lists them."""

    base: Settings
    by_name: dict[str, Settings]

    @property
    def names(self) -> list[str]:
        return list(self.by_name)

    def get(self, name: str) -> Settings:
        try:
            return self.by_name[name]
        except KeyError:
            raise ConfigError(f"unknown workspace {name!r}: the workspaces are "
                              f"{', '.join(self.names)}") from None

    def one(self, name: str | None = None) -> Settings:
        """The workspace `name`; without one, the only workspace or the one named default."""
        if name is not None:
            return self.get(name)
        if len(self.by_name) == 1:
            return next(iter(self.by_name.values()))
        if DEFAULT_WORKSPACE in self.by_name:
            return self.by_name[DEFAULT_WORKSPACE]
        raise ConfigError(f"this install serves several workspaces ({', '.join(self.names)}): "
                          "name one with --workspace NAME")

    def select(self, names: Sequence[str]) -> list[Settings]:
        """The workspaces named (each once), or all of them when none is."""
        if not names:
            return list(self.by_name.values())
        return [self.get(name) for name in dict.fromkeys(names)]


def load_workspaces(path: Path | None = None) -> Workspaces:
    """Every workspace of the config at `path` (or ./replybot.toml) and the environment."""
    path = config_path(path)
    base = load_settings(path)
    if not base.workspaces:
        return Workspaces(base, {DEFAULT_WORKSPACE: base})
    found = {name: overlay(base, name, table, path) for name, table in base.workspaces.items()}
    check_apart(base, found)
    return Workspaces(base, found)


def workspace_dir(data_dir: Path, name: str) -> Path:
    """Where a workspace keeps its files: DATA_DIR itself for "default"."""
    return data_dir if name == DEFAULT_WORKSPACE else data_dir / "workspaces" / name


def overlay(base: Settings, name: str, table: dict[str, Any], path: Path | None) -> Settings:
    """The settings of workspace `name`: the top level with its table over it."""
    if not NAME.match(name):
        raise ConfigError(f"invalid configuration: workspace name {name!r}: use {NAME_RULE} "
                          "([workspaces.NAME])")
    process = sorted(set(table) & PROCESS_KEYS)
    if process:
        raise ConfigError(f"invalid configuration: workspaces.{name}.{process[0]} belongs to "
                          "the whole process, not to one creator: set it at the top level")
    data = merge(base.model_dump(exclude={"workspaces"}), table)
    data["data_dir"] = workspace_dir(base.data_dir, name)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, path, ("workspaces", name)) from None
    settings._workspace = name
    expand_user(settings)
    check_settings(settings, f"workspaces.{name}.")
    return settings


def merge(under: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on `under`: tables merge key by key, anything else is replaced."""
    merged = dict(under)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def check_apart(base: Settings, workspaces: dict[str, Settings]) -> None:
    """No channel, inbox, token or SQLite file serves two workspaces (or two accounts)."""
    url = base.database_url
    if url and make_url(url).get_backend_name() == "sqlite":
        raise ConfigError("invalid configuration: database_url is one SQLite file, but each "
                          "workspace keeps its own: leave database_url out (SQLite files go "
                          "under DATA_DIR/workspaces/NAME) or use PostgreSQL")
    seen: dict[str, list[str]] = defaultdict(list)
    for name, settings in workspaces.items():
        for source, identity in identities(settings):
            seen[identity].append(f"{name}/{source}")
    for identity, users in seen.items():
        if len(users) > 1:
            raise ConfigError(f"invalid configuration: the {identity} serves {' and '.join(users)}"
                              ": each belongs to one account of one workspace; set it in one "
                              "[workspaces.NAME] table, not at the top level")


def identities(settings: Settings) -> Iterator[tuple[str, str]]:
    """(source, what makes it that account) for every enabled account of a workspace."""
    for source, cfg in settings.connectors.sources().items():
        platform, _, account = source.partition(":")
        if platform == "youtube":
            yield source, f"YouTube channel {getattr(cfg, 'channel_id', '')}"
            yield source, f"token file {settings.youtube_token_file(account or None)}"
        elif platform == "local":
            yield source, f"local inbox {settings.local_inbox()}"
