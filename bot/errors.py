"""The errors a person running replybot can see, and how to fix each.

    ReplybotError                     base; str(error) is one line that says how to fix it
    ├── ConfigError                   the config file or an environment variable is wrong
    ├── StoreError                    the database cannot be opened or migrated
    │   ├── NotFound                  no draft / comment with that id
    │   ├── InvalidTransition         a draft is not in a state that allows the action
    │   └── LeaseLost                 another worker took over a feed: this one's read is dropped
    ├── ModelError                    the model endpoint failed: drafting pauses until next cycle
    │   └── ModelRejected             the model refused this one prompt (too long, invalid)
    ├── ConnectorUnavailable          a connector is not enabled or not configured
    └── InvalidRequest                asked for something that cannot be done as asked

    connectors.errors.ConnectorError  platform failures (transient, auth, quota, permanent)
    knowledge.errors.KnowledgeError   knowledge-base failures (unsupported file, embedder mismatch)

`connectors` and `knowledge` do not import `bot`, so their errors have their own roots; the CLI
turns all three into a one-line message and exit code at its boundary (`bot.cli`).
"""

from __future__ import annotations


class ReplybotError(Exception):
    """Base of every error replybot reports to a person."""

    exit_code = 1


class ConfigError(ReplybotError):
    """Invalid configuration; the message names the key."""

    exit_code = 2


class StoreError(ReplybotError):
    """The database is unreachable or its schema could not be brought up to date."""


class MissingDriver(StoreError):
    """database_url names an engine whose Python driver is not installed."""


class NotFound(StoreError):
    """No row with the id asked for."""


class InvalidTransition(StoreError):
    """The draft's state does not allow this (it may have been handled elsewhere)."""


class LeaseLost(StoreError):
    """Another worker leads the feed now; what this one read is left for that one to store."""


class ModelError(ReplybotError):
    """The language model failed to produce a draft."""


class ModelRejected(ModelError):
    """The model cannot draft this particular comment; the others can go on."""


class ConnectorUnavailable(ReplybotError):
    """The platform's connector is not enabled or configured."""


class InvalidRequest(ReplybotError):
    """A person asked for something that cannot be done as asked (an empty reply, …)."""

    exit_code = 2
