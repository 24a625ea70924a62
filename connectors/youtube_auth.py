"""YouTube OAuth: the installed-app flow, and the authorized-user token file.

The token file is the JSON `google.oauth2.credentials.Credentials.to_json()` writes, kept with
mode 0600. Credentials are built here rather than with `from_authorized_user_info`, which always
replaces `token_uri` with Google's; a configured `token_uri` must win (tests refresh against a
fake server). A token whose access token is still valid is used as is, with no refresh call.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.errors import AuthError

SCOPES = ["https://www.googleapis.com/auth/youtube.force-ssl"]
REAUTH = "run `replybot auth youtube` again"


def _parse_expiry(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    # google-auth compares expiry with a naive UTC clock
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def load_credentials(token_file: Path, token_uri: str) -> Any:
    """Credentials from the token file, refreshed against `token_uri` when they expire."""
    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(token_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthError(f"no YouTube token at {token_file}: run `replybot auth youtube`",
                        platform="youtube") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise AuthError(f"cannot read YouTube token {token_file} ({exc}): {REAUTH}",
                        platform="youtube") from None
    if not info.get("refresh_token") and not info.get("token"):
        raise AuthError(f"{token_file} holds no token: {REAUTH}", platform="youtube")
    return Credentials(
        token=info.get("token"),
        refresh_token=info.get("refresh_token"),
        token_uri=token_uri,
        client_id=info.get("client_id"),
        client_secret=info.get("client_secret"),
        scopes=info.get("scopes") or SCOPES,
        expiry=_parse_expiry(info.get("expiry")),
    )


def save_credentials(credentials: Any, token_file: Path) -> None:
    """Write the token file atomically, readable by its owner only."""
    token_file.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=token_file.parent, prefix=".youtube-token-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(credentials.to_json())
        os.replace(temp, token_file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def refresh_if_needed(credentials: Any, token_file: Path, http: Any) -> None:
    """Refresh an expired access token and write it back; invalid_grant says to re-authorise."""
    from google.auth.exceptions import RefreshError, TransportError
    from google_auth_httplib2 import Request

    from connectors.errors import TransientError

    if credentials.valid:
        return
    try:
        credentials.refresh(Request(http))
    except RefreshError as exc:
        raise AuthError(f"the YouTube token was refused ({exc}); it may be revoked or expired: "
                        f"{REAUTH}", platform="youtube") from None
    except TransportError as exc:
        raise TransientError(f"cannot reach the YouTube token endpoint: {exc}",
                             platform="youtube") from None
    save_credentials(credentials, token_file)


def authorize(client_secrets_file: Path, token_file: Path, token_uri: str, port: int,
              host: str = "localhost", bind: str | None = None, timeout_s: int | None = None
              ) -> Any:
    """Run the installed-app flow: print the URL, wait for the redirect, store the token.

    Nothing opens a browser: open the printed URL anywhere. On a remote machine, forward the
    port first (`ssh -L PORT:localhost:PORT server`) so the redirect reaches this process.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not client_secrets_file.exists():
        raise AuthError(f"client secrets file {client_secrets_file} not found: download an OAuth "
                        "client (type Desktop app) from the Google Cloud console and set "
                        "[connectors.youtube] client_secrets_file", platform="youtube")
    flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets_file), scopes=SCOPES)
    credentials = flow.run_local_server(
        host=host, bind_addr=bind, port=port, open_browser=False, timeout_seconds=timeout_s,
        authorization_prompt_message="Open this URL in a browser and allow access:\n{url}\n",
        success_message="replybot is authorised. You can close this tab.",
    )
    credentials._token_uri = token_uri  # where later refreshes go
    save_credentials(credentials, token_file)
    return credentials
