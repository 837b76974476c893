"""Where ``annotate build`` writes a dataset before it replaces the old one, and the clean-up of
what a killed build left behind.

A build writes into ``.{name}.staging-{host}-{pid}`` next to OUT_DIR, then swaps it in with two
renames: the old folder becomes ``.{name}.previous-{host}-{pid}`` and is deleted last. A build
killed by SIGKILL, or by SIGTERM (whose default action runs no Python clean-up), leaves those
folders behind; the next build of the same OUT_DIR removes the ones whose process is gone
(:func:`remove_stale_builds`), and never those of a build still running. The host is in the name
because a PID means nothing on another machine sharing the folder: those are left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

STAGING = "staging"  # the new dataset, being written
PREVIOUS = "previous"  # the old dataset, during the swap
LEGACY_STAGING = "building"  # `.{name}.building-{pid}`: what builds before the host was in the name left


def _this_host() -> str:
    """The host name, reduced to characters that are safe in a folder name on every system."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "localhost"


def _work_folder(out_dir: Path, kind: str, pid: int | None = None) -> Path:
    return out_dir.with_name(f".{out_dir.name}.{kind}-{_this_host()}-{os.getpid() if pid is None else pid}")


def staging_dir(out_dir: Path, pid: int | None = None) -> Path:
    """The staging folder for ``out_dir`` of this process (or of process ``pid`` on this host): a
    sibling, so the final rename stays on one file system and is atomic."""
    return _work_folder(out_dir, STAGING, pid)


def previous_dir(out_dir: Path, pid: int | None = None) -> Path:
    """Where this process (or process ``pid``) moves the old ``out_dir`` while swapping the new one in."""
    return _work_folder(out_dir, PREVIOUS, pid)


@dataclass(frozen=True)
class WorkFolder:
    """A staging or previous folder of some build of an OUT_DIR, and the process that made it."""

    path: Path
    kind: str  # STAGING or PREVIOUS (a legacy folder counts as STAGING)
    host: str
    pid: int


def work_folders(out_dir: Path) -> list[WorkFolder]:
    """The staging and previous folders next to ``out_dir`` that builds of it made (any host, any
    process), by name; anything else in the parent folder is not looked at."""
    name = re.escape(out_dir.name)
    current = re.compile(rf"\.{name}\.(?P<kind>{STAGING}|{PREVIOUS})-(?P<host>.+)-(?P<pid>\d+)")
    legacy = re.compile(rf"\.{name}\.{LEGACY_STAGING}-(?P<pid>\d+)")
    if not out_dir.parent.is_dir():
        return []
    found = []
    for entry in sorted(out_dir.parent.iterdir()):
        if not entry.is_dir() or entry.is_symlink():
            continue
        if match := current.fullmatch(entry.name):
            found.append(WorkFolder(entry, match["kind"], match["host"], int(match["pid"])))
        elif match := legacy.fullmatch(entry.name):
            found.append(WorkFolder(entry, STAGING, _this_host(), int(match["pid"])))
    return found


def process_is_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine. In doubt (no permission to signal it, or
    a PID that cannot be a build's) it counts as alive: a live build's folder must never go."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale_builds(out_dir: Path) -> list[Path]:
    """Clean up after the builds of ``out_dir`` that were killed (their process, on this host, is
    gone): remove their staging folders; a previous folder is the old dataset of a build killed
    between its two renames, so it is put back as ``out_dir`` when that is missing, else removed.
    Returns the folders removed or put back."""
    cleaned = []
    host = _this_host()
    for folder in work_folders(out_dir):
        if folder.host != host or process_is_alive(folder.pid):
            continue
        if folder.kind == PREVIOUS and not out_dir.exists():
            folder.path.rename(out_dir)
        else:
            shutil.rmtree(folder.path, ignore_errors=True)
        cleaned.append(folder.path)
    return cleaned


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with two renames; the old folder is deleted only afterwards."""
    previous = previous_dir(out_dir)
    if out_dir.exists():
        out_dir.rename(previous)
    try:
        staging.rename(out_dir)
    except OSError:
        if previous.exists():
            previous.rename(out_dir)  # put the old dataset back before reporting the failure
        raise
    shutil.rmtree(previous, ignore_errors=True)
