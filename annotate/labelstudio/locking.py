"""One push at a time per server and project on this machine, and a journal of what a push meant
to import, so the next push can tell what an interrupted one left behind.

Both live in ``state_dir()/labelstudio/pushes/`` (the local server's state folder): one lock file
per (server URL, project title), one journal per (project title, project id) — not per URL: the
local server comes back on another port after a restart, and its projects are the same. The lock is an ``fcntl.flock``: the kernel drops it
when its process dies, however it dies, so a killed push never leaves a stale lock. It only
serialises pushes that share this state folder; pushes from other machines (or other state folders)
are made safe by the server-side reconciliation in :mod:`annotate.labelstudio.reconcile`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.config import state_dir


def _pushes_dir() -> Path:
    path = state_dir() / "labelstudio" / "pushes"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _key(*parts: object) -> str:
    # A hash: titles hold any character, and the file name must not reveal the server to `ls`.
    return hashlib.sha256("\n".join(str(part) for part in parts).encode()).hexdigest()[:20]


@contextmanager
def push_lock(url: str, title: str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the push lock of (``url``, ``title``) for the block. If another process holds it,
    ``on_wait`` is told who (pid, host, since when) once, and the call blocks until it is free."""
    path = _pushes_dir() / f"push-{_key(url.rstrip('/'), title)}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
                on_wait(holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        # Who holds it, for the message of the next one who waits (not for correctness).
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%H:%M:%S')}".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass(frozen=True)
class JournalEntry:
    """What one push set out to import, written before its first import call."""

    project_id: int
    intended: list[str]  # doc_ids of the tasks it was about to create
    pid: int
    host: str
    started: str

    def describe(self, on_server: set[str], pushing: set[str]) -> str:
        """What became of this plan, given the doc_ids with a task now (``on_server``) and those
        the current push brings (``pushing``)."""
        committed = [d for d in self.intended if d in on_server]
        missing = [d for d in self.intended if d not in on_server]
        said = (f"an earlier push to project {self.project_id} (pid {self.pid} on {self.host}, started "
                f"{self.started}) was interrupted: {len(committed)} of {len(self.intended)} tasks it meant to "
                "import had been committed")
        if not missing:
            return said + " (the rest was added since)"
        absent = [d for d in missing if d not in pushing]
        if not absent:
            return said + f"; this push adds the remaining {len(missing)}"
        return said + (f"; {len(absent)} of the missing ones are not in this push (push those documents again): "
                       + ", ".join(absent[:10]) + (" …" if len(absent) > 10 else ""))


class PushJournal:
    """The journal of project ``project_id`` titled ``title``: written before a push imports,
    removed when it ends normally. Found at the start of a push (which holds the lock, so its writer
    is gone), it is an interrupted push's plan, to compare with what the server committed."""

    def __init__(self, title: str, project_id: int):
        self.path = _pushes_dir() / f"push-{_key(title, project_id)}.journal.json"

    def leftover(self) -> JournalEntry | None:
        """The entry an interrupted push left, if any (an unreadable one is treated as none)."""
        try:
            raw: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            return JournalEntry(project_id=int(raw["project_id"]), intended=[str(d) for d in raw["intended"]],
                                pid=int(raw["pid"]), host=str(raw["host"]), started=str(raw["started"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def begin(self, project_id: int, intended: list[str]) -> None:
        """Record the plan (atomically replaced, 0600: doc_ids are the user's data)."""
        entry = {"project_id": project_id, "intended": intended, "pid": os.getpid(), "host": socket.gethostname(),
                 "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle)
        os.replace(tmp, self.path)

    def finish(self) -> None:
        """The push completed: nothing left over. (An interrupted push keeps its entry, so the next
        push says what became of it, even when the interruption was already reported.)"""
        self.path.unlink(missing_ok=True)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt in the main thread (like Ctrl-C), so a
    push stopped by ``kill`` or a job scheduler still reports what the server committed.
    A no-op outside the main thread (Python only lets the main thread set handlers)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
