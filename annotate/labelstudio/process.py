"""The local server's process and files: one server per data folder, its identity, its log, and
owner-only modes. Standard library only.

Why it looks like this:

* A server that is slow to answer ``/health/`` (migrating, swapping, stopped) must never get a
  second server started on the same SQLite database. Starting therefore happens under an
  exclusive ``flock`` on ``server.lock`` in the state folder (released by the kernel when the
  holder dies, so a killed start never blocks the next one), and a live PID in ``server.json``
  whose process is a Label Studio of THIS data folder means "running, slow": wait, never start.
* A PID alone proves nothing: after a reboot or a crash it may belong to any process. A process is
  this folder's server only if its command line is ``label-studio start`` AND its environment
  carries ``LABEL_STUDIO_BASE_DATA_DIR=<this data folder>`` (``/proc/<pid>/environ``, readable for
  one's own processes only). ``server stop`` kills nothing else.
* Label Studio writes its database 0644 in 0755 folders (API tokens, every annotator's email), so
  it runs with umask 077 and every start strips group/other bits from what is already there.
* Its "delete export" API keeps the snapshot's file (the flag that would remove it is stale, i.e.
  forced off, in 1.23), and every plain export leaves a copy under ``data/export/``: pull removes
  its snapshot's file, each start removes those copies (Label Studio never reads them back).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from annotate.labelstudio.errors import ServerError

LOCK_FILE_NAME = "server.lock"
PRIVATE_UMASK = 0o077
DATA_DIR_VARIABLE = "LABEL_STUDIO_BASE_DATA_DIR"
LOCK_POLL_SECONDS = 0.2
LOG_ROTATE_BYTES = 20_000_000  # appended across starts: keep one previous log, not an endless file
START_MARKER = "=== annotate: starting Label Studio"

# flock conflicts between two open() of one file even inside one process, so a thread that
# already holds a folder's lock (e.g. a caller that prepares a database, then starts the server)
# must not take it again: it would wait for itself.
_held_by_thread = threading.local()


# ── one starter per data folder ──────────────────────────────────────────────────────────────


def _lock_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process"


@contextmanager
def folder_lock(root: Path, timeout: float, stop_hint: str) -> Iterator[None]:
    """Hold the exclusive start lock of the state folder ``root`` (waiting up to ``timeout``
    seconds); re-entrant within a thread. Raises ServerError naming the holder when it stays taken."""
    path = root / LOCK_FILE_NAME
    held: set[Path] = getattr(_held_by_thread, "paths", set())
    if path in held:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ServerError(
                        f"{_lock_holder(fd)} is still starting Label Studio for {root} after {timeout:.0f} s "
                        f"(it holds {path}); not starting a second server on the same data. Wait for it, "
                        f"or stop it with `{stop_hint}`") from None
                time.sleep(LOCK_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)  # named in the message above
        held.add(path)
        _held_by_thread.paths = held
        try:
            yield
        finally:
            held.discard(path)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


# ── which process is this folder's server ─────────────────────────────────────────────────────


def _read_proc(pid: int, name: str) -> list[bytes] | None:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes().split(b"\0")
    except OSError:
        return None


def _ps_command(pid: int) -> str | None:
    """The command line from ``ps`` (systems without /proc)."""
    try:
        result = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def is_server_of(pid: int | None, data_dir: Path) -> bool:
    """True if ``pid`` is alive and is a ``label-studio start`` serving ``data_dir``.

    Without /proc (macOS) the environment cannot be read: there, a Label Studio command line is
    trusted, which cannot tell two local servers apart (documented in docs; Linux is the target)."""
    if not pid or pid <= 0:
        return False
    cmdline = _read_proc(pid, "cmdline")
    if cmdline is None:
        if Path("/proc/self").exists():
            return False  # /proc works, this pid does not exist (or is not ours to read)
        command = _ps_command(pid)
        return bool(command) and "label-studio" in command and " start" in command
    if not (any(part.endswith(b"label-studio") for part in cmdline) and b"start" in cmdline):
        return False
    environ = _read_proc(pid, "environ")
    wanted = f"{DATA_DIR_VARIABLE}={data_dir}".encode()
    # Unreadable environ: someone else's process (other users' environ is private), so not ours.
    return environ is not None and wanted in environ


def pid_is_alive(pid: int) -> bool:
    """True while ``pid`` exists (a zombie child of ours counts as gone once reaped)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate(pid: int, grace: float) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; reaps the child if it is ours. Callers check
    with :func:`is_server_of` first: this kills whatever ``pid`` is."""
    try:
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGCONT)  # a stopped (SIGSTOP) server only acts on SIGTERM once continued
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not pid_is_alive(pid):
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


# ── owner-only files ──────────────────────────────────────────────────────────────────────────


def _strip_group_other(path: Path) -> None:
    mode = path.lstat().st_mode
    if mode & 0o077:
        os.chmod(path, mode & 0o7700)


def make_private(root: Path, data_dir: Path) -> None:
    """Owner-only modes: ``root`` and every folder and file under ``data_dir`` lose their group and
    other bits (the SQLite database, media uploads, export snapshots), as do root's own files."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    _strip_group_other(root)
    for item in root.iterdir():
        if item.is_file() and not item.is_symlink():
            _strip_group_other(item)
    if not data_dir.exists():
        return
    _strip_group_other(data_dir)
    for folder, subfolders, files in os.walk(data_dir):  # does not follow symlinks
        for name in (*subfolders, *files):
            item = Path(folder) / name
            if not item.is_symlink():
                _strip_group_other(item)


# ── personal data Label Studio leaves on disk ───────────────────────────────────────────────


def copy_template(template: Path, root: Path) -> None:
    """Copy an initialised ``labelstudio/`` folder (data, credentials) into this one."""
    for item in Path(template).iterdir():
        if item.name in ("server.json", "server.log", "server.log.1", LOCK_FILE_NAME):
            continue
        target = root / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copy2(item, target)


def remove_plain_export_copies(data_dir: Path) -> None:
    """Delete the copies Label Studio writes to ``data/export/`` on every plain export ("for
    logging"; it never reads them back): unscrubbed annotations and emails. Only called while no
    server of this folder runs."""
    for copy in (data_dir / "export").glob("project-*-at-*.json"):
        copy.unlink(missing_ok=True)


def delete_snapshot_file(data_dir: Path, project_id: int, md5: str) -> list[Path]:
    """Remove a downloaded export snapshot from a local server's ``media/export/<project>/``
    (Label Studio's API delete keeps the file). The file is named after the snapshot's md5,
    which is the md5 of the downloaded bytes. Returns the removed paths."""
    folder = data_dir / "media" / "export" / str(project_id)
    removed = []
    for snapshot in folder.glob(f"project-{project_id}-at-*-{md5[:8]}*.json"):
        snapshot.unlink(missing_ok=True)
        removed.append(snapshot)
    return removed


# ── the log, appended across starts ───────────────────────────────────────────────────────────


def open_start_log(path: Path, description: str) -> tuple[int, int]:
    """Open the server log for appending (0600), write a start marker line, and return the file
    descriptor and the offset where this start's output begins (older starts stay above it)."""
    try:
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    os.write(fd, f"\n{START_MARKER} {description} at {stamp} (annotate pid {os.getpid()}) ===\n".encode())
    return fd, os.fstat(fd).st_size


def read_log(path: Path, since: int = 0) -> str:
    """The log from byte ``since`` on (one start's output); "" when there is no log."""
    try:
        with open(path, "rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
