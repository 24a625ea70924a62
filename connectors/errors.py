"""Errors a connector raises; the daemon decides what each means for a comment or a reply.

    ConnectorError               something went wrong talking to a platform
    ├── TransientError           worth retrying later (timeouts, 5xx, a file briefly locked)
    ├── AuthError                credentials missing, expired or revoked: stop this connector
    ├── QuotaExceeded            the platform's budget is spent: pause until `resume_at`
    └── PermanentError           this one request can never succeed (comments disabled, too long)

Every message says how to fix the problem where a person can.
"""

from __future__ import annotations

from datetime import datetime


class ConnectorError(Exception):
    """Base of every connector failure."""

    def __init__(self, message: str, *, platform: str = "", code: str = "") -> None:
        super().__init__(message)
        self.platform = platform
        self.code = code


class TransientError(ConnectorError):
    """A failure that may go away by itself; the caller retries with backoff."""


class AuthError(ConnectorError):
    """Credentials are missing or no longer valid; retrying cannot help."""


class QuotaExceeded(ConnectorError):
    """The platform's quota is spent until `resume_at`."""

    def __init__(self, message: str, *, resume_at: datetime, platform: str = "") -> None:
        super().__init__(message, platform=platform, code="quotaExceeded")
        self.resume_at = resume_at


class PermanentError(ConnectorError):
    """This request can never succeed as it is; record the reason and move on."""


class NotSupported(ConnectorError):
    """The platform offers no API for this; the connector exists to say so clearly."""
