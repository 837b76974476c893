"""Local Label Studio server lifecycle, or an external server given by URL + token.

Layout under ``state_dir()/labelstudio/``::

    data/               LABEL_STUDIO_BASE_DATA_DIR (SQLite database, media, exports) — owner only
    credentials.json    username, password, API token — mode 0600, never printed
    server.json         pid, port, url of the running server (for reuse and stop)
    server.lock         held (flock) while a process starts the server: one server per data folder
    server.log          the server's stdout/stderr, appended, one marker line per start (its tail
                        is shown when start-up fails)

The folder is 0700 and everything in it owner-only (see :mod:`annotate.labelstudio.process` for
the lock, the PID checks and the modes).

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
* Export snapshots and plain-export copies that Label Studio leaves on disk: see
  :mod:`annotate.labelstudio.process`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
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
from annotate.labelstudio.listen import LOOPBACK, Listen
from annotate.labelstudio.process import (
    DATA_DIR_VARIABLE,
    PRIVATE_UMASK,
    copy_template,
    folder_lock,
    is_server_of,
    make_private,
    open_start_log,
    pid_is_alive,
    read_log,
    remove_plain_export_copies,
    terminate,
)

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
    listening: str | None  # host:port the server binds (0.0.0.0:8080 when it listens beyond loopback)
    credentials_path: Path
    log_path: Path
    data_dir: Path


def labelstudio_dir(state: Path | None = None) -> Path:
    """``state_dir()/labelstudio``, absolute (the server runs in it), created on demand 0700."""
    path = ((state or state_dir()) / "labelstudio").absolute()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
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


def stop_command(state: Path | None = None, program: str = "annotate") -> str:
    """The command that stops this state folder's server, naming the folder when it is not the
    default one (``./.annotate``), e.g. ``ANNOTATE_STATE_DIR=/tmp/x annotate server stop``."""
    folder = (state or state_dir()).absolute()
    if folder == (Path.cwd() / ".annotate").absolute():
        return f"{program} server stop"
    return f"ANNOTATE_STATE_DIR={shlex.quote(str(folder))} {program} server stop"


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


def _read_server_file(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _child_env(data_dir: Path, creds: dict[str, str], extra_env: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _UNPREFIXED}
    # The SDK's variables mean "talk to that server"; they must not configure ours.
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    env.update(_TELEMETRY_OFF)
    env.update({
        DATA_DIR_VARIABLE: str(data_dir),  # also how stop recognises this folder's server
        "LABEL_STUDIO_USERNAME": creds["username"],
        "LABEL_STUDIO_PASSWORD": creds["password"],
        "LABEL_STUDIO_USER_TOKEN": creds["token"],
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "PYTHONUNBUFFERED": "1",  # the port line must reach the log while we wait for it
    })
    env.update(extra_env or {})  # the database (annotate.labelstudio.postgres); {} means SQLite
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


def log_tail(path: Path, lines: int = 25, since: int = 0) -> str:
    """The last lines of a log file from byte ``since`` on (for error messages)."""
    text = read_log(path, since)
    if not text:
        return "(no log)"
    kept = [line for line in text.splitlines() if "RuntimeWarning" not in line and "warnings.warn" not in line]
    return "\n".join(kept[-lines:])


def init_data_dir(state: Path | None = None, timeout: float = DEFAULT_START_TIMEOUT,
                  extra_env: dict[str, str] | None = None) -> Path:
    """Run migrations and create the admin user without starting a server (``label-studio init``);
    returns the ``labelstudio/`` folder, which can then serve as a ``template``."""
    paths = _paths(state)
    with folder_lock(paths["root"], timeout, stop_command(state)):
        creds = load_or_create_credentials(paths["credentials"])
        paths["data"].mkdir(parents=True, exist_ok=True, mode=0o700)
        make_private(paths["root"], paths["data"])
        log, since = open_start_log(paths["log"], "init (migrations)")
        try:
            result = subprocess.run(
                [_label_studio_executable(), "init", "-q", "--enable-legacy-api-token"],
                env=_child_env(paths["data"], creds, extra_env), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=timeout, cwd=paths["root"], check=False, umask=PRIVATE_UMASK,
            )
        finally:
            os.close(log)
    if result.returncode != 0:
        raise ServerError(f"`label-studio init` failed (rc {result.returncode}); log {paths['log']}:\n"
                          f"{log_tail(paths['log'], since=since)}")
    return paths["root"]


def _connection(url: str, pid: int, creds: dict[str, str], data_dir: Path) -> Connection:
    return Connection(url=url, token=creds["token"], username=creds["username"], password=creds["password"],
                      pid=pid, data_dir=data_dir)


def _reuse(paths: dict[str, Path]) -> Connection | None:
    """The running server of this folder if it answers now (no lock: the common, fast case)."""
    info = _read_server_file(paths["server"])
    if (not info or not _port_confirmed(info) or not is_server_of(info.get("pid"), paths["data"])
            or not paths["credentials"].exists() or not is_healthy(info["url"])):
        return None
    conn = _connection(info["url"], info["pid"], load_or_create_credentials(paths["credentials"]), paths["data"])
    check_connection(conn)
    return conn


def _port_confirmed(info: dict) -> bool:
    # A record from before this field: trust its URL (a wrong one ends in a clear timeout, never a 2nd server).
    return bool(info.get("confirmed", "log_offset" not in info))


def _running_url(paths: dict[str, Path], info: dict) -> str | None:
    """The URL of a running server: from ``server.json`` once its starter confirmed the port, else
    from the port line of its start in the log (its starter may have died before confirming)."""
    if _port_confirmed(info):
        return info.get("url")
    match = _PORT_LINE.search(read_log(paths["log"], int(info.get("log_offset", 0))))
    return f"http://{Listen(info.get('host', LOOPBACK)).client_host}:{match.group(1)}" if match else None


def _wait_for_running(paths: dict[str, Path], deadline: float, timeout: float, state: Path | None) -> Connection | None:
    """Under the start lock: the server this folder already runs, once it answers; None when it
    runs none. A live server that stays silent is reported, never doubled."""
    info = _read_server_file(paths["server"])
    pid = (info or {}).get("pid")
    if info is None or not is_server_of(pid, paths["data"]):
        paths["server"].unlink(missing_ok=True)  # stale: gone, or the pid now belongs to another process
        return None
    while True:
        url = _running_url(paths, info)
        if url is not None and is_healthy(url, timeout=2.0):
            conn = _connection(url, pid, load_or_create_credentials(paths["credentials"]), paths["data"])
            check_connection(conn)
            if not _port_confirmed(info):  # its starter died before confirming: status and reuse need it
                _write_private_json(paths["server"], {**info, "url": url, "port": int(url.rsplit(":", 1)[1]),
                                                      "confirmed": True})
            return conn
        if not pid_is_alive(pid):
            paths["server"].unlink(missing_ok=True)
            return None
        if time.monotonic() >= deadline:
            raise ServerError(
                f"Label Studio (pid {pid}) of {paths['root']} is running but has not answered "
                f"{f'GET {url}/health/' if url else '(no port in its log yet)'} within {timeout:.0f} s; not starting "
                f"a second server on the same data. Wait and try again, look at {paths['log']}, or stop it with "
                f"`{stop_command(state)}`")
        time.sleep(0.25)


def ensure_server(
    url: str | None = None,
    token: str | None = None,
    *,
    state: Path | None = None,
    template: Path | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
    extra_env: dict[str, str] | None = None,
    listen: Listen | None = None,
) -> Connection:
    """Return a working connection: an external server when a URL + token are given (flags or
    environment), else the running local server (pid file + health), else a newly started one.

    ``template`` is an initialised ``labelstudio/`` folder (see :func:`init_data_dir`) copied in
    when this state folder has no server data yet; ``extra_env`` goes to the server's environment
    (the database choice). ``listen`` is where a server started here binds (default: loopback, a
    free port); asking a running server for another address is an error. One server per data folder: while another process starts it, or while
    it runs but is slow to answer, this waits (up to ``timeout``) and never starts a second one.
    Raises ServerError with the log's tail when the server does not come up within ``timeout``."""
    external = external_connection(url, token)
    if external is not None:
        check_connection(external)
        return external

    paths = _paths(state)
    reused = _reuse(paths)
    if reused is not None:
        _check_listening(paths, listen, state)
        return reused

    deadline = time.monotonic() + timeout
    with folder_lock(paths["root"], timeout, stop_command(state)):
        running = _wait_for_running(paths, deadline, timeout, state)
        if running is not None:
            _check_listening(paths, listen, state)
            return running
        if template is not None and not paths["data"].exists():
            copy_template(template, paths["root"])
        creds = load_or_create_credentials(paths["credentials"])
        if extra_env is None:  # the database this state folder recorded (a PostgreSQL cluster starts here)
            from annotate.labelstudio.postgres import prepare_database

            extra_env = prepare_database(None, None, state=state)
        paths["data"].mkdir(parents=True, exist_ok=True, mode=0o700)
        make_private(paths["root"], paths["data"])  # copies and older versions left 0644 files
        remove_plain_export_copies(paths["data"])
        listen = listen or Listen()
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                return _launch(paths, creds, listen, _pick_port(listen), deadline, timeout, extra_env)
            except _PortTaken as taken:
                # Another process took the port (and Label Studio's one hop) between our pick and
                # its bind: a new pick is cheap, a failed demo is not. An asked port is not re-picked.
                if listen.port is not None:
                    raise ServerError(f"port {listen.port} on {listen.host} was taken while Label Studio started; "
                                      f"log {paths['log']}:\n{log_tail(paths['log'], since=taken.log_offset)}"
                                      ) from None
                if attempt == PORT_ATTEMPTS:
                    raise ServerError(f"Label Studio found its port taken {PORT_ATTEMPTS} times in a row; "
                                      f"log {paths['log']}:\n{log_tail(paths['log'], since=taken.log_offset)}"
                                      ) from None
    raise AssertionError("unreachable")


class _PortTaken(Exception):
    """Label Studio exited because the port it tried (ours, then the next one) was in use."""

    def __init__(self, log_offset: int):
        super().__init__("port taken")
        self.log_offset = log_offset


def _pick_port(listen: Listen) -> int:
    """The port of the next launch attempt (a seam the port-clash tests replace)."""
    return listen.pick_port()


def _check_listening(paths: dict[str, Path], listen: Listen | None, state: Path | None) -> None:
    """A running server asked to listen elsewhere (``server start --host/--port``): say so, do not
    pretend. Without an explicit ask any running server will do."""
    if listen is None:
        return
    info = _read_server_file(paths["server"]) or {}
    host, port = info.get("host", LOOPBACK), info.get("port")
    if host != listen.host or (listen.port is not None and port != listen.port):
        raise ServerError(f"this state folder's server already runs, listening on {host}:{port}; to listen on "
                          f"{listen.host}{f':{listen.port}' if listen.port else ' (a free port)'}, stop it first (`{stop_command(state)}`)")


def _launch(paths: dict[str, Path], creds: dict[str, str], listen: Listen, port: int, deadline: float,
            timeout: float, extra_env: dict[str, str] | None = None) -> Connection:
    """Start Label Studio on ``listen.host:port`` and wait until it answers; one attempt. Called
    under the folder's start lock. The log is appended to; this start's output begins at ``since``."""
    log, since = open_start_log(paths["log"], f"on {listen.host}:{port}")
    try:
        process = subprocess.Popen(
            [_label_studio_executable(), "start", "--no-browser", "--internal-host", listen.host, "-p", str(port)],
            env=_child_env(paths["data"], creds, {**listen.env(), **(extra_env or {})}), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=paths["root"], start_new_session=True,
            umask=PRIVATE_UMASK,  # its database, media and snapshots: owner only
        )
    finally:
        os.close(log)

    def url(url_port: int) -> str:
        return f"http://{listen.client_host}:{url_port}"

    def record(url_port: int, confirmed: bool) -> None:
        _write_private_json(paths["server"], {"pid": process.pid, "host": listen.host, "port": url_port,
                                              "url": url(url_port), "confirmed": confirmed, "log_offset": since})

    # Written at once, so `annotate server stop` can stop a server that never became ready, and
    # another `annotate` sees a server starting (not "none") even if this process dies.
    record(port, confirmed=False)
    confirmed_port: int | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            paths["server"].unlink(missing_ok=True)
            if _PORT_IN_USE in read_log(paths["log"], since):
                raise _PortTaken(since)
            raise ServerError(f"Label Studio exited with code {process.returncode} during start-up; "
                              f"log {paths['log']}:\n{log_tail(paths['log'], since=since)}")
        if confirmed_port is None:
            match = _PORT_LINE.search(read_log(paths["log"], since))
            if match:
                confirmed_port = int(match.group(1))  # it may have hopped to another port
                if listen.port is not None and confirmed_port != listen.port:  # not where the team was told
                    terminate(process.pid, STOP_GRACE_SECONDS)
                    paths["server"].unlink(missing_ok=True)
                    raise _PortTaken(since)
                record(confirmed_port, confirmed=True)
        if confirmed_port is not None and is_healthy(url(confirmed_port), timeout=2.0):
            conn = _connection(url(confirmed_port), process.pid, creds, paths["data"])
            check_connection(conn)
            return conn
        time.sleep(0.25)
    terminate(process.pid, STOP_GRACE_SECONDS)
    paths["server"].unlink(missing_ok=True)
    raise ServerError(f"Label Studio did not become ready within {timeout:.0f} s (pid {process.pid} stopped); "
                      f"log {paths['log']}:\n{log_tail(paths['log'], since=since)}")


def stop_server(state: Path | None = None, grace: float = STOP_GRACE_SECONDS) -> bool:
    """Stop this state folder's local server (SIGTERM, then SIGKILL). True if one was running.

    Only a process that IS this folder's server is signalled (see
    :func:`~annotate.labelstudio.process.is_server_of`): a PID file pointing at any other process
    (the PID reused after a crash or a reboot, another folder's server) is just removed."""
    paths = _paths(state)
    info = _read_server_file(paths["server"])
    pid = (info or {}).get("pid")
    running = is_server_of(pid, paths["data"])
    if running:
        terminate(int(pid), grace)
    paths["server"].unlink(missing_ok=True)
    from annotate.labelstudio.postgres import stop_local_database

    stopped_database = stop_local_database(state)  # after Label Studio: it holds connections
    return running or stopped_database


def server_status(state: Path | None = None) -> ServerStatus:
    """Whether the local server is running and healthy, and where its files are."""
    paths = _paths(state)
    info = _read_server_file(paths["server"]) or {}
    pid = info.get("pid")
    running = is_server_of(pid, paths["data"]) and bool(info.get("url")) and is_healthy(info["url"])
    return ServerStatus(running=running, url=info.get("url") if running else None, pid=pid if running else None,
                        listening=f"{info.get('host', LOOPBACK)}:{info.get('port')}" if running else None,
                        credentials_path=paths["credentials"], log_path=paths["log"], data_dir=paths["data"])
