"""Local Label Studio server lifecycle, or an external server given by URL + token.

Layout under ``state_dir()/labelstudio/``::

    data/               LABEL_STUDIO_BASE_DATA_DIR (SQLite database, media, exports)
    credentials.json    username, password, API token — mode 0600, never printed
    server.json         pid, port, url of the running server (for reuse and stop)
    server.log          the server's stdout/stderr (its tail is shown when start-up fails)

Why it looks like this:

* Label Studio silently moves to the next port when the requested one is busy, so we pick a free
  port and then CONFIRM the port from Django's "Starting development server at …" log line. It hops
  only once: when the next port is taken too it exits, and we start again on a new free port.
* It reads unprefixed ``USERNAME``/``PASSWORD``/``HOST``/``PORT``/``USER_TOKEN`` from the
  environment (a shell's ``$USERNAME`` would become the admin account): they are removed from the
  child's environment; our credentials go in as ``LABEL_STUDIO_*`` variables, never on the command
  line (where ``ps`` would show them).
* Legacy API tokens only get enabled when the organisation is first created, so the first start
  of a fresh data folder passes ``LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true``.
* A fresh data folder costs ~50 s of migrations; ``template`` lets callers (tests) copy an
  already-initialised ``labelstudio/`` folder instead (~4 s start).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from annotate.config import state_dir
from annotate.labelstudio.connection import (  # noqa: F401  (re-exported: the server's public API)
    Connection,
    check_connection,
    external_connection,
    is_healthy,
)
from annotate.labelstudio.errors import ServerError

LOOPBACK = "127.0.0.1"
DEFAULT_START_TIMEOUT = 240.0  # a cold start migrates for ~50 s on 2 cores; allow for a busy machine
STOP_GRACE_SECONDS = 10.0
_PORT_LINE = re.compile(r"Starting development server at http://[^:/]+:(\d+)/")
# Label Studio hops to the next port once; when that one is taken too it exits with this line.
_PORT_IN_USE = "That port is already in use"
PORT_ATTEMPTS = 3
# Variables Label Studio reads without prefix: never let the user's shell leak into the server.
_UNPREFIXED = ("USERNAME", "PASSWORD", "HOST", "PORT", "USER_TOKEN")
_TELEMETRY_OFF = {
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "LATEST_VERSION_CHECK": "false",
    "COLLECT_ANALYTICS": "false",
}


@dataclass(frozen=True)
class ServerStatus:
    """What ``annotate server status`` reports."""

    running: bool
    url: str | None
    pid: int | None
    credentials_path: Path
    log_path: Path
    data_dir: Path


def labelstudio_dir(state: Path | None = None) -> Path:
    """``state_dir()/labelstudio`` (created on demand)."""
    path = (state or state_dir()) / "labelstudio"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(state: Path | None) -> dict[str, Path]:
    root = labelstudio_dir(state)
    return {
        "root": root,
        "data": root / "data",
        "credentials": root / "credentials.json",
        "server": root / "server.json",
        "log": root / "server.log",
    }


# ── credentials ───────────────────────────────────────────────────────────────────────────────


def _write_private_json(path: Path, payload: dict) -> None:
    """Write JSON readable by the owner only (0600 from creation, atomically replaced)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
    os.replace(tmp, path)


def load_or_create_credentials(path: Path) -> dict[str, str]:
    """The local admin's username, password and API token, created randomly on first use."""
    if path.exists():
        try:
            creds = json.loads(path.read_text(encoding="utf-8"))
            if all(creds.get(k) for k in ("username", "password", "token")):
                return creds
        except (OSError, ValueError):
            pass
        raise ServerError(f"credentials file {path} is unreadable or incomplete; move it away to recreate "
                          "(the server's data folder next to it must then be recreated too)")
    creds = {
        "username": "annotator@localhost.localdomain",
        "password": secrets.token_urlsafe(18),
        "token": secrets.token_hex(20),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private_json(path, creds)
    return creds


# ── local server ──────────────────────────────────────────────────────────────────────────────


def _pid_is_our_server(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (not Linux): trust the pid file
    return any(part.endswith(b"label-studio") for part in cmdline) and b"start" in cmdline


def _read_server_file(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _child_env(data_dir: Path, creds: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _UNPREFIXED}
    # The SDK's variables mean "talk to that server"; they must not configure ours.
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    env.update(_TELEMETRY_OFF)
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": creds["username"],
        "LABEL_STUDIO_PASSWORD": creds["password"],
        "LABEL_STUDIO_USER_TOKEN": creds["token"],
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "PYTHONUNBUFFERED": "1",  # the port line must reach the log while we wait for it
    })
    return env


def _label_studio_executable() -> str:
    candidate = Path(sys.executable).with_name("label-studio")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("label-studio")
    if not found:
        raise ServerError("the `label-studio` command is not installed in this environment "
                          "(pip install 'annotate[server]', or pass --url/--token of a running server)")
    return found


def log_tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file (for error messages)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    kept = [line for line in text.splitlines() if "RuntimeWarning" not in line and "warnings.warn" not in line]
    return "\n".join(kept[-lines:])


def init_data_dir(state: Path | None = None, timeout: float = DEFAULT_START_TIMEOUT) -> Path:
    """Run migrations and create the admin user without starting a server (``label-studio init``);
    returns the ``labelstudio/`` folder, which can then serve as a ``template``."""
    paths = _paths(state)
    creds = load_or_create_credentials(paths["credentials"])
    paths["data"].mkdir(parents=True, exist_ok=True)
    with open(paths["log"], "ab") as log:
        result = subprocess.run(
            [_label_studio_executable(), "init", "-q", "--enable-legacy-api-token"],
            env=_child_env(paths["data"], creds), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, timeout=timeout, cwd=paths["root"], check=False,
        )
    if result.returncode != 0:
        raise ServerError(f"`label-studio init` failed (rc {result.returncode}); log {paths['log']}:\n"
                          f"{log_tail(paths['log'])}")
    return paths["root"]


def _reuse(paths: dict[str, Path]) -> Connection | None:
    info = _read_server_file(paths["server"])
    if not info or not _pid_is_our_server(info.get("pid")) or not paths["credentials"].exists():
        return None
    if not is_healthy(info["url"]):
        return None
    creds = load_or_create_credentials(paths["credentials"])
    conn = Connection(url=info["url"], token=creds["token"], username=creds["username"],
                      password=creds["password"], pid=info["pid"])
    check_connection(conn)
    return conn


def ensure_server(
    url: str | None = None,
    token: str | None = None,
    *,
    state: Path | None = None,
    template: Path | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
) -> Connection:
    """Return a working connection: an external server when a URL + token are given (flags or
    environment), else the running local server (pid file + health), else a newly started one.

    ``template`` is an initialised ``labelstudio/`` folder (see :func:`init_data_dir`) copied in
    when this state folder has no server data yet. Raises ServerError with the log's tail when the
    server does not come up within ``timeout`` seconds."""
    external = external_connection(url, token)
    if external is not None:
        check_connection(external)
        return external

    paths = _paths(state)
    reused = _reuse(paths)
    if reused is not None:
        return reused

    if template is not None and not paths["data"].exists():
        for item in Path(template).iterdir():
            if item.name in ("server.json", "server.log"):
                continue
            target = paths["root"] / item.name
            if item.is_dir():
                shutil.copytree(item, target)
            else:
                shutil.copy2(item, target)
    creds = load_or_create_credentials(paths["credentials"])
    paths["data"].mkdir(parents=True, exist_ok=True)

    deadline = time.monotonic() + timeout
    for attempt in range(1, PORT_ATTEMPTS + 1):
        try:
            return _launch(paths, creds, _free_port(), deadline, timeout)
        except _PortTaken:
            # Another process took the port (and Label Studio's one hop) between our pick and its
            # bind: a new pick is cheap, a failed demo is not.
            if attempt == PORT_ATTEMPTS:
                raise ServerError(f"Label Studio found its port taken {PORT_ATTEMPTS} times in a row; "
                                  f"log {paths['log']}:\n{log_tail(paths['log'])}") from None
    raise AssertionError("unreachable")


class _PortTaken(Exception):
    """Label Studio exited because the port it tried (ours, then the next one) was in use."""


def _launch(paths: dict[str, Path], creds: dict[str, str], port: int, deadline: float,
            timeout: float) -> Connection:
    """Start Label Studio on ``port`` and wait until it answers; one attempt."""
    log = open(paths["log"], "wb")  # noqa: SIM115 (handed to the child, closed below)
    try:
        process = subprocess.Popen(
            [_label_studio_executable(), "start", "--no-browser", "--internal-host", LOOPBACK, "-p", str(port)],
            env=_child_env(paths["data"], creds), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=paths["root"], start_new_session=True,
        )
    finally:
        log.close()
    # Written at once, so `annotate server stop` can stop a server that never became ready.
    _write_private_json(paths["server"], {"pid": process.pid, "port": port, "url": f"http://{LOOPBACK}:{port}"})

    confirmed_port: int | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            paths["server"].unlink(missing_ok=True)
            log_text = paths["log"].read_text(encoding="utf-8", errors="replace")
            if _PORT_IN_USE in log_text:
                raise _PortTaken
            raise ServerError(f"Label Studio exited with code {process.returncode} during start-up; "
                              f"log {paths['log']}:\n{log_tail(paths['log'])}")
        if confirmed_port is None:
            match = _PORT_LINE.search(paths["log"].read_text(encoding="utf-8", errors="replace"))
            if match:
                confirmed_port = int(match.group(1))  # it may have hopped to another port
                _write_private_json(paths["server"], {
                    "pid": process.pid, "port": confirmed_port, "url": f"http://{LOOPBACK}:{confirmed_port}",
                })
        if confirmed_port is not None and is_healthy(f"http://{LOOPBACK}:{confirmed_port}", timeout=2.0):
            conn = Connection(url=f"http://{LOOPBACK}:{confirmed_port}", token=creds["token"],
                              username=creds["username"], password=creds["password"], pid=process.pid)
            check_connection(conn)
            return conn
        time.sleep(0.25)
    _terminate(process.pid)
    paths["server"].unlink(missing_ok=True)
    raise ServerError(f"Label Studio did not become ready within {timeout:.0f} s (pid {process.pid} stopped); "
                      f"log {paths['log']}:\n{log_tail(paths['log'])}")


def _terminate(pid: int, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; reaps the child if it is ours."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # not our child: poll for existence instead
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    except ProcessLookupError:
        pass


def stop_server(state: Path | None = None, grace: float = STOP_GRACE_SECONDS) -> bool:
    """Stop the local server started by :func:`ensure_server` (by its pid). True if one was running."""
    paths = _paths(state)
    info = _read_server_file(paths["server"])
    paths["server"].unlink(missing_ok=True)
    if not info or not _pid_is_our_server(info.get("pid")):
        return False
    _terminate(int(info["pid"]), grace)
    return True


def server_status(state: Path | None = None) -> ServerStatus:
    """Whether the local server is running and healthy, and where its files are."""
    paths = _paths(state)
    info = _read_server_file(paths["server"]) or {}
    pid = info.get("pid")
    running = _pid_is_our_server(pid) and bool(info.get("url")) and is_healthy(info["url"])
    return ServerStatus(running=running, url=info.get("url") if running else None, pid=pid if running else None,
                        credentials_path=paths["credentials"], log_path=paths["log"], data_dir=paths["data"])
