"""How to reach a Label Studio server: the connection record, health and token probes, and an
external server given by flags or environment. Standard library only, so that
``annotate server status`` and error paths stay light."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from annotate.labelstudio.errors import AuthenticationError, ServerError, ServerUnavailable, redact_url_secrets


@dataclass(frozen=True)
class Connection:
    """How to reach a Label Studio server. ``token``, ``password`` and a password inside ``url``
    never appear in repr; print :attr:`display_url`, never ``url``."""

    url: str
    token: str = field(repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    external: bool = False
    pid: int | None = None
    # The local server's LABEL_STUDIO_BASE_DATA_DIR (None for an external server): lets pull
    # remove the export snapshot files that Label Studio's own delete leaves on disk.
    data_dir: Path | None = None

    def __repr__(self) -> str:
        return (f"Connection(url={self.display_url!r}, username={self.username!r}, external={self.external}, "
                f"pid={self.pid}, data_dir={self.data_dir!r})")

    @property
    def display_url(self) -> str:
        """The server URL with any password redacted: the form for messages, logs and summaries."""
        return redact_url_secrets(self.url)

    def project_url(self, project_id: int) -> str:
        """The browser URL of a project's data manager (printed: password redacted)."""
        return f"{self.display_url}/projects/{project_id}/data"

    def task_url(self, project_id: int, task_id: int) -> str:
        """The browser URL of one task's labeling page (printed: password redacted)."""
        return f"{self.display_url}/projects/{project_id}/data?task={task_id}"


# ── HTTP probes (stdlib: keeps `annotate server status` light) ─────────────────────────────────


def _get(url: str, token: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http URL by design)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def is_healthy(url: str, timeout: float = 3.0) -> bool:
    """True if ``GET {url}/health/`` answers ``{"status": "UP"}``."""
    try:
        status, body = _get(f"{url}/health/", timeout=timeout)
        return status == 200 and json.loads(body or b"{}").get("status") == "UP"
    except (OSError, ValueError):
        return False


def check_connection(conn: Connection, timeout: float = 5.0, deadline: float | None = None) -> None:
    """Fail fast and clearly if the server is down or rejects the token. ``deadline`` (a
    ``time.monotonic()`` instant) shortens each probe's ``timeout`` to the time left before it."""

    def probe_timeout() -> float:
        # a probe with no time left still gets a sliver, and fails at once: the caller names the deadline
        return timeout if deadline is None else max(0.01, min(timeout, deadline - time.monotonic()))

    health_timeout = probe_timeout()
    if not is_healthy(conn.url, timeout=health_timeout):
        raise ServerUnavailable(
            f"no Label Studio answers at {conn.display_url} (GET /health/ failed within {health_timeout:.0f} s). "
            "Start the local one with `annotate server start`, or pass --url/--token of a running server."
        )
    try:
        status, _ = _get(f"{conn.url}/api/current-user/whoami", conn.token, timeout=probe_timeout())
    except OSError as exc:
        raise ServerUnavailable(f"Label Studio at {conn.display_url} stopped answering: {exc}") from exc
    if status in (401, 403):
        raise AuthenticationError(f"Label Studio at {conn.display_url} rejected the API token (HTTP {status}); "
                                  "check --token / ANNOTATE_LS_TOKEN (legacy tokens must be enabled, or use "
                                  "a personal access token)")
    if status != 200:
        raise ServerUnavailable(f"Label Studio at {conn.display_url} answered HTTP {status} to whoami")


# ── external server ───────────────────────────────────────────────────────────────────────────


def external_connection(url: str | None = None, token: str | None = None) -> Connection | None:
    """A connection to a user's server from flags, else ``ANNOTATE_LS_URL``/``ANNOTATE_LS_TOKEN``,
    else the SDK's ``LABEL_STUDIO_URL``/``LABEL_STUDIO_API_KEY``; None when no URL is given."""
    url = url or os.environ.get("ANNOTATE_LS_URL") or os.environ.get("LABEL_STUDIO_URL")
    token = token or os.environ.get("ANNOTATE_LS_TOKEN") or os.environ.get("LABEL_STUDIO_API_KEY")
    if not url:
        if token:
            raise ServerError("an API token was given but no server URL: pass --url or set ANNOTATE_LS_URL")
        return None
    if not token:
        raise ServerError(f"a server URL ({url}) was given but no API token: pass --token or set "
                          "ANNOTATE_LS_TOKEN (or LABEL_STUDIO_API_KEY)")
    return Connection(url=url.rstrip("/"), token=token, external=True)
