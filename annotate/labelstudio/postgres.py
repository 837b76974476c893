"""Label Studio on PostgreSQL: a private cluster under the state folder, or an existing server by URL.

Layout added under ``state_dir()/labelstudio/``::

    postgres/        the cluster's data directory (initdb; mode 0700)
    postgres.log     the cluster's log
    database.json    which database this state folder uses and how to reach it, password included
                     (mode 0600, never printed)

Why it looks like this:

* SQLite serialises every write; a team of annotators saving at once needs a real database.
  Label Studio reads ``DJANGO_DB`` and ``POSTGRE_*`` from its environment, so this module only
  prepares a database and hands those variables to :func:`annotate.labelstudio.server.ensure_server`.
* The local cluster listens on 127.0.0.1 only (no Unix socket: a state folder's path can exceed the
  107-byte socket limit), on a free port picked at each start, with a generated password and
  ``scram-sha-256`` on every pg_hba line. It starts before Label Studio and is stopped after it
  (``pg_ctl stop -m fast``, which signals the PID in the cluster's ``postmaster.pid``).
* PostgreSQL refuses to run as root. As root, its commands run in a user namespace (``unshare``)
  that maps root to an ordinary uid: the files stay owned by the caller, with owner-only modes,
  and no system account needs to reach into a private (0700) home.
* The choice of database is recorded on first start: a later start asking for the other database
  is refused rather than silently showing an empty project list.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from annotate.labelstudio.connection import Connection
from annotate.labelstudio.errors import ServerError
from annotate.labelstudio.listen import LOOPBACK, Listen
from annotate.labelstudio.server import (
    DEFAULT_START_TIMEOUT,
    _write_private_json,
    ensure_server,
    init_data_dir,
    labelstudio_dir,
    server_status,
)

DATABASES = ("sqlite", "postgresql")
CLUSTER_USER = "annotate"
CLUSTER_DATABASE = "labelstudio"
CLUSTER_START_SECONDS = 60
PORT_ATTEMPTS = 3
# Any non-zero uid: inside the namespace PostgreSQL sees itself (and its files) as this user.
_NAMESPACE_UID = "1000"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where Label Studio's PostgreSQL database is. ``repr``/``str`` never show the password."""

    host: str
    port: int
    user: str
    password: str
    name: str

    def __repr__(self) -> str:
        return f"DatabaseSettings(postgresql://{self.user}@{self.host}:{self.port}/{self.name})"

    __str__ = __repr__

    def label_studio_env(self) -> dict[str, str]:
        """The variables Label Studio's settings read (``core/settings/base.py``)."""
        return {"DJANGO_DB": "postgresql", "POSTGRE_HOST": self.host, "POSTGRE_PORT": str(self.port),
                "POSTGRE_USER": self.user, "POSTGRE_PASSWORD": self.password, "POSTGRE_NAME": self.name}


def parse_database_url(url: str) -> DatabaseSettings:
    """``postgresql://user:pass@host:port/db`` → settings. Errors never quote the password."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ServerError("--database-url must start with postgresql:// (e.g. postgresql://user:pass@host:5432/db)")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ServerError("--database-url has an invalid port") from None
    name = unquote(parts.path.lstrip("/"))
    if not (parts.hostname and parts.username and name):
        raise ServerError("--database-url needs a user, a host and a database name: postgresql://user:pass@host:port/db")
    return DatabaseSettings(host=parts.hostname, port=port, user=unquote(parts.username),
                            password=unquote(parts.password or ""), name=name)


# ── the state folder's record ──────────────────────────────────────────────────────────────────


def _paths(root: Path) -> dict[str, Path]:
    return {"cluster": root / "postgres", "log": root / "postgres.log", "record": root / "database.json"}


def recorded_database(root: Path) -> dict | None:
    """The ``database.json`` record of a ``labelstudio/`` folder, if any."""
    try:
        return json.loads(_paths(root)["record"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _settings_from_record(record: dict) -> DatabaseSettings:
    return DatabaseSettings(host=record["host"], port=int(record["port"]), user=record["user"],
                            password=record["password"], name=record["name"])


def _record(root: Path, kind: str, settings: DatabaseSettings | None) -> None:
    payload: dict = {"kind": kind}
    if settings is not None:
        payload.update(host=settings.host, port=settings.port, user=settings.user, password=settings.password,
                       name=settings.name)
    _write_private_json(_paths(root)["record"], payload)


def describe_database(state: Path | None = None) -> str:
    """One line for people: which database, where (never the password)."""
    root = labelstudio_dir(state)
    record = recorded_database(root)
    if record is None or record["kind"] == "sqlite":
        return f"SQLite ({root / 'data' / 'label_studio.sqlite3'})"
    settings = _settings_from_record(record)
    if record["kind"] == "postgresql-local":
        return (f"PostgreSQL cluster {_paths(root)['cluster']} on {settings.host}:{settings.port} "
                f"(password in {_paths(root)['record']}, mode 0600)")
    return f"PostgreSQL {str(settings).removeprefix('DatabaseSettings(').removesuffix(')')}"


# ── the local cluster ──────────────────────────────────────────────────────────────────────────


def postgres_binary(name: str) -> str:
    """A PostgreSQL program (``initdb``, ``pg_ctl``, ``createdb``): Debian keeps them out of PATH,
    under ``/usr/lib/postgresql/<major>/bin``; the newest major wins."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if found:
        return found
    raise ServerError(f"PostgreSQL's `{name}` is not installed (Debian: apt-get install postgresql; "
                      "scripts/setup.sh installs it), or pass --database-url of an existing server")


def _as_cluster_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses root: as root, run ``command`` with root mapped to an ordinary uid."""
    if os.geteuid() != 0:
        return command
    unshare = shutil.which("unshare")
    if unshare is None:
        raise ServerError("PostgreSQL cannot run as root and `unshare` (util-linux) is missing: "
                          "run annotate as an ordinary user, or pass --database-url")
    return [unshare, "--user", f"--map-user={_NAMESPACE_UID}", f"--map-group={_NAMESPACE_UID}", *command]


def _run(command: list[str], log: Path, *, env: dict[str, str] | None = None, timeout: float = 120) -> int:
    with open(log, "ab") as handle:
        return subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              env=env, timeout=timeout, check=False).returncode


def _fail(what: str, log: Path) -> ServerError:
    from annotate.labelstudio.server import log_tail

    return ServerError(f"{what}; log {log}:\n{log_tail(log)}")


def init_cluster(root: Path) -> DatabaseSettings:
    """``initdb`` a new cluster in ``root/postgres`` (0700) with a generated password (scram-sha-256),
    loopback only, then create Label Studio's database in it. Leaves the cluster running."""
    paths = _paths(root)
    if paths["cluster"].exists():
        raise ServerError(f"{paths['cluster']} exists but {paths['record']} does not: move it away to start afresh")
    password = secrets.token_urlsafe(24)
    password_file = root / ".initdb-password"
    password_file.unlink(missing_ok=True)
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    try:
        rc = _run(_as_cluster_owner([
            postgres_binary("initdb"), "-D", str(paths["cluster"]), "--username", CLUSTER_USER,
            f"--pwfile={password_file}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            "--no-instructions"]), paths["log"])
    finally:
        password_file.unlink(missing_ok=True)
    if rc != 0:
        raise _fail(f"initdb failed (rc {rc})", paths["log"])
    os.chmod(paths["cluster"], 0o700)
    # Written into the cluster's own config so that no way of starting it listens beyond loopback.
    with open(paths["cluster"] / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"\n# annotate: loopback TCP only, no Unix socket\nlisten_addresses = '{LOOPBACK}'\n"
                   "unix_socket_directories = ''\n")
    settings = DatabaseSettings(host=LOOPBACK, port=0, user=CLUSTER_USER, password=password, name=CLUSTER_DATABASE)
    _record(root, "postgresql-local", settings)
    settings = start_cluster(root)
    env = {**os.environ, "PGPASSWORD": password}  # never on a command line (ps shows those)
    rc = _run([postgres_binary("createdb"), "-h", LOOPBACK, "-p", str(settings.port), "-U", CLUSTER_USER,
               CLUSTER_DATABASE], paths["log"], env=env)
    if rc != 0:
        stop_cluster(root)
        raise _fail(f"createdb failed (rc {rc})", paths["log"])
    return settings


def cluster_pid(root: Path) -> int | None:
    """The postmaster's PID if this folder's cluster is running (from ``postmaster.pid``)."""
    try:
        pid = int((_paths(root)["cluster"] / "postmaster.pid").read_text().splitlines()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"postgres" in cmdline else None


def start_cluster(root: Path) -> DatabaseSettings:
    """Start this folder's cluster on a free loopback port (or return the running one's settings)."""
    paths = _paths(root)
    record = recorded_database(root)
    if not record or record.get("kind") != "postgresql-local":
        raise ServerError(f"no local PostgreSQL cluster recorded in {paths['record']}")
    settings = _settings_from_record(record)
    if cluster_pid(root) is not None:
        return settings
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = Listen().pick_port()
        rc = _run(_as_cluster_owner([
            postgres_binary("pg_ctl"), "-D", str(paths["cluster"]), "-l", str(paths["log"]), "-w",
            "-t", str(CLUSTER_START_SECONDS), "-o", f"-c port={port}", "start"]), paths["log"],
            timeout=CLUSTER_START_SECONDS + 10)
        if rc == 0:
            settings = DatabaseSettings(settings.host, port, settings.user, settings.password, settings.name)
            _record(root, "postgresql-local", settings)
            return settings
        # Most likely another process took the port between our pick and the bind: pick again.
    raise _fail(f"PostgreSQL did not start after {PORT_ATTEMPTS} attempts", paths["log"])


def stop_cluster(root: Path) -> bool:
    """Stop this folder's cluster (``pg_ctl stop -m fast``: signals the PID in ``postmaster.pid``,
    rolls back open transactions, waits). True if one was running."""
    paths = _paths(root)
    if cluster_pid(root) is None:
        return False
    rc = _run(_as_cluster_owner([postgres_binary("pg_ctl"), "-D", str(paths["cluster"]), "-m", "fast", "-w",
                                 "stop"]), paths["log"])
    if rc != 0 and cluster_pid(root) is not None:
        raise _fail(f"pg_ctl stop failed (rc {rc})", paths["log"])
    return True


def stop_local_database(state: Path | None = None) -> bool:
    """Stop the state folder's local cluster, if any (called after Label Studio itself stopped)."""
    root = labelstudio_dir(state)
    record = recorded_database(root)
    return bool(record and record.get("kind") == "postgresql-local") and stop_cluster(root)


# ── starting Label Studio on it ────────────────────────────────────────────────────────────────


def _copy_template(template: Path, root: Path) -> None:
    """Copy an initialised folder (data, credentials, stopped cluster, record) into an empty one;
    modes are kept (the cluster must stay 0700)."""
    for item in Path(template).iterdir():
        if item.name.startswith(("server.", ".")) or item.name == "postgres.log":  # pid, log, lock: per server
            continue
        target = root / item.name
        if item.is_dir():
            shutil.copytree(item, target, symlinks=True)
        else:
            shutil.copy2(item, target)
    (root / "postgres" / "postmaster.pid").unlink(missing_ok=True)  # a copy of a cleanly stopped cluster has none


def prepare_database(database: str | None, database_url: str | None, *, state: Path | None = None,
                     template: Path | None = None) -> dict[str, str]:
    """Resolve which database this state folder uses, start the local cluster if it is one, and
    return the extra environment Label Studio needs ({} for SQLite)."""
    root = labelstudio_dir(state)
    if database_url:
        if database not in (None, "postgresql"):
            raise ServerError("--database-url is a PostgreSQL server: use it with --database postgresql")
        database = "postgresql"
    if database not in (None, *DATABASES):
        raise ServerError(f"--database must be one of {', '.join(DATABASES)}")
    if template is not None and not (root / "data").exists() and recorded_database(root) is None:
        _copy_template(template, root)
    record = recorded_database(root)
    recorded_kind = "sqlite" if record is None else ("sqlite" if record["kind"] == "sqlite" else "postgresql")
    has_sqlite_data = (root / "data" / "label_studio.sqlite3").exists()
    if database is None:
        database = recorded_kind if (record is not None or has_sqlite_data) else "sqlite"
    known = record is not None or has_sqlite_data
    if known and database != recorded_kind:
        raise ServerError(f"this state folder ({root}) holds a {recorded_kind} Label Studio; its projects would "
                          f"not appear on {database}. Use another ANNOTATE_STATE_DIR for a {database} server")
    if database == "sqlite":
        if record is None:
            _record(root, "sqlite", None)
        return {}
    if database_url:
        settings = parse_database_url(database_url)
        if record is not None and record["kind"] == "postgresql-local":
            raise ServerError(f"this state folder ({root}) uses its own PostgreSQL cluster, not --database-url")
        _record(root, "postgresql-external", settings)
        return settings.label_studio_env()
    if record is not None and record["kind"] == "postgresql-external":
        return _settings_from_record(record).label_studio_env()
    settings = start_cluster(root) if record is not None else init_cluster(root)
    return settings.label_studio_env()


def ensure_server_on(database: str | None = None, database_url: str | None = None, *, state: Path | None = None,
                     template: Path | None = None, timeout: float = DEFAULT_START_TIMEOUT,
                     listen: Listen | None = None) -> Connection:
    """Start (or reuse) the local Label Studio on the chosen database (listening on ``listen``,
    default loopback). A cluster started here is stopped again when Label Studio fails to come up."""
    from annotate.labelstudio.connection import external_connection

    if external_connection(None, None) is not None:  # LABEL_STUDIO_URL/… configured: no local server at all
        return ensure_server(state=state, timeout=timeout)
    already_running = server_status(state).running
    extra_env = prepare_database(database, database_url, state=state, template=template)
    try:
        return ensure_server(state=state, timeout=timeout, extra_env=extra_env, listen=listen)
    except BaseException:
        if not already_running:
            stop_local_database(state)
        raise


def init_postgres_template(state: Path, timeout: float = DEFAULT_START_TIMEOUT) -> Path:
    """A ``labelstudio/`` folder with a migrated PostgreSQL cluster (stopped) and admin credentials,
    to copy servers from (tests: ~5 s starts instead of ~35 s of migrations)."""
    extra_env = prepare_database("postgresql", None, state=state)
    try:
        init_data_dir(state, timeout=timeout, extra_env=extra_env)
    finally:
        stop_local_database(state)
    return labelstudio_dir(state)


def wait_for_cluster_exit(pid: int, seconds: float = 10.0) -> bool:
    """True once ``pid`` is gone (tests: the cluster really stopped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


__all__ = ["DATABASES", "DatabaseSettings", "cluster_pid", "describe_database", "ensure_server_on", "init_postgres_template",
           "parse_database_url", "prepare_database", "start_cluster", "stop_cluster", "stop_local_database"]
