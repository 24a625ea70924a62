"""Who may use the page: the password (stored only as a salted scrypt hash), sessions with their
CSRF tokens, and the limit on failed logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.errors import ConfigError, InvalidRequest

# scrypt's cost: about 50 ms and 16 MiB a guess on a small server (OWASP's minimum is N=2^17
# with r=8 for scrypt alone; a login limit of 5 tries in 15 minutes stands in front of it)
N, R, P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`, the form `[web] password_hash` and the password file hold."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r),
                               p=int(p), dklen=len(_unb64(digest)), maxmem=2**26)
    except ValueError:
        return False
    return hmac.compare_digest(found, _unb64(digest))


def password_file(settings: Settings) -> Path:
    return settings.data_dir / "web-password"


def init_password(settings: Settings) -> str:
    """A new random password; only its hash is written (readable by the owner alone)."""
    path = password_file(settings)
    if path.exists():
        raise InvalidRequest(f"{path} already holds a web password: delete it to make a new one")
    password = secrets.token_urlsafe(18)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(hash_password(password) + "\n")
    return password


def stored_hash(settings: Settings) -> str:
    """The configured password hash, or the one `serve --init` wrote."""
    if settings.web.password_hash is not None:
        return settings.web.password_hash.get_secret_value()
    path = password_file(settings)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    raise ConfigError("no web password: run `replybot serve --init` (prints one once) or set "
                      "[web] password_hash")


@dataclass
class Session:
    id: str
    csrf: str
    expires: float
    user: str | None = None
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) for the next page

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf.encode(), token.encode())


class Sessions:
    """Sessions in this process's memory: a restart logs everyone out, nothing is on disk."""

    def __init__(self, lifetime_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_s = lifetime_s
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, user: str | None = None) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                          now + self.lifetime_s, user)
        with self._lock:
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None or session.expires <= self.clock():
            return None
        return session

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


class LoginLimiter:
    """At most `attempts` failed logins per client within `window_s`; then 429 until the oldest
    failure ages out."""

    def __init__(self, attempts: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float | None:
        """Seconds until this client may try again, or None if it may now."""
        now = self.clock()
        with self._lock:
            failures = self._failures.get(client, deque())
            while failures and failures[0] <= now - self.window_s:
                failures.popleft()
            if len(failures) < self.attempts:
                return None
            return failures[0] + self.window_s - now

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(self.clock())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
