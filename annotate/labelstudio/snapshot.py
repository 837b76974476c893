"""Label Studio's snapshot export (what ``annotate pull`` downloads), under one deadline: create the
snapshot, wait for the server to finish it, download it, delete it (it holds every annotator's
email, unscrubbed). :class:`Deadline` gives every call of a pull one shared budget and says what
was awaited when it is spent. The other API calls are :mod:`annotate.labelstudio.client`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.client import api_errors
from annotate.labelstudio.connection import Connection
from annotate.labelstudio.errors import LabelStudioError

if TYPE_CHECKING:  # heavy import, only at call time
    from label_studio_sdk import LabelStudio

# ── what a snapshot holds ────────────────────────────────────────────────────────────────────────────────────

SERIALIZATION_OPTIONS = {
    ts.PREDICTIONS: {"only_id": False},
    f"{ts.ANNOTATIONS}__completed_by": {"only_id": False},
    ts.DRAFTS: {"only_id": False},
}
# Default export filters drop skipped annotations; we keep all of them and label their status.
ANNOTATION_FILTER = {"usual": True, "ground_truth": True, "skipped": True}


# ── waiting with a deadline ───────────────────────────────────────────────────────────────────


class DeadlineExceeded(LabelStudioError):
    """A command's time budget ran out while it waited for the server; the message says for
    what, for how long, on which server, and what to do."""


# A call that times out fires when the budget is spent, give or take the clock's grain: a failure
# this close to the deadline is the deadline's doing, not the server's.
_DEADLINE_SLACK = 0.05


class Deadline:
    """One command's time budget (``annotate pull --timeout``), shared by every call it makes:
    each HTTP call gets what is left as its timeout, so a server that hangs anywhere (a request
    that never answers, a snapshot never finished, a download that stalls) ends the command when
    the budget is spent, never later. ``enter`` names the current phase: ``on_phase`` hears it
    (a spinner shows it) and the :class:`DeadlineExceeded` message says what was awaited.
    ``advice`` ends that message (what to do: which option raises the budget, which log to read)."""

    def __init__(self, seconds: float, conn: Connection, *, on_phase: Callable[[str], None] | None = None,
                 advice: str = "") -> None:
        self.seconds = float(seconds)
        self.conn = conn
        self.started = time.monotonic()
        self.end = self.started + self.seconds
        self.phase = "starting"
        self.waiting_for = "answer"
        self.advice = advice
        self._on_phase = on_phase

    def enter(self, phase: str, waiting_for: str, *, check: bool = True) -> None:
        """Start a phase: ``phase`` is shown (``"downloading"``), ``waiting_for`` completes "waiting
        for Label Studio at URL to …" in the message. Raises DeadlineExceeded if no time is left
        (unless ``check`` is False: cleanup that must run anyway)."""
        self.phase, self.waiting_for = phase, waiting_for
        if self._on_phase is not None:
            self._on_phase(phase)
        if check:
            self.remaining()

    def show(self, phase: str) -> None:
        """Update what the phase shows (e.g. the bytes downloaded so far) without starting another."""
        self.phase = phase
        if self._on_phase is not None:
            self._on_phase(phase)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def spent(self) -> bool:
        """True once the budget is (all but) used up."""
        return time.monotonic() >= self.end - _DEADLINE_SLACK

    def remaining(self) -> float:
        """Seconds left; raises DeadlineExceeded when none are."""
        left = self.end - time.monotonic()
        if left <= _DEADLINE_SLACK:
            raise self.exceeded()
        return left

    def request_options(self, max_retries: int = 0) -> dict[str, Any]:
        """The SDK's per-request options: what is left of the budget as the timeout (connect, each
        read and each write; a download is checked again between chunks)."""
        return {"timeout": self.remaining(), "max_retries": max_retries}

    def exceeded(self) -> DeadlineExceeded:
        """The error for a spent budget, naming what was awaited (never the token)."""
        message = (f"gave up after {self.elapsed():.0f} s (the limit is {self.seconds:g} s): still waiting for "
                   f"Label Studio at {self.conn.display_url} to {self.waiting_for}")
        return DeadlineExceeded(f"{message}." + (f" {self.advice}" if self.advice else ""))

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Inside, a call that timed out (its timeout was what was left) or failed once the budget
        was spent raises :meth:`exceeded` instead of a bare "did not answer in time"."""
        import httpx

        try:
            yield
        except DeadlineExceeded:
            raise
        except httpx.TimeoutException as exc:
            raise self.exceeded() from exc
        except LabelStudioError as exc:
            if isinstance(exc.__cause__, httpx.TimeoutException) or self.spent():
                raise self.exceeded() from exc
            raise


# Deleting a snapshot after a failure (a timeout included) gets this long whatever the budget: the
# snapshot holds every annotator's email, unscrubbed, so leaving it is worth a few more seconds.
CLEANUP_TIMEOUT = 10.0


def export_snapshot(ls: LabelStudio, conn: Connection, project_id: int, timeout: float = 1800.0, *,
                    deadline: Deadline | None = None) -> bytes:
    """Create a snapshot export with full predictions, annotators and drafts; wait; download it.
    Returns the raw JSON bytes exactly as the server wrote them.

    Everything (the create call, the polling, the download) shares one budget: ``deadline``, else
    ``timeout`` seconds from now; when it is spent, DeadlineExceeded says what was awaited. The
    community edition builds the snapshot INSIDE the create request (10,000 tasks: over a minute
    on 2 cores), so that call gets what is left of the budget, not the client's 60 s."""
    deadline = deadline or Deadline(timeout, conn)
    deadline.enter(f"creating export snapshot of project {project_id}",
                   f"create the export snapshot of project {project_id} (the community edition builds it "
                   "inside that request)")
    with deadline.guard(), api_errors(conn, f"creating an export of project {project_id}"):
        snapshot = ls.projects.exports.create(
            id=project_id, title=f"annotate pull {time.strftime('%Y-%m-%d %H:%M:%S')}",
            serialization_options=SERIALIZATION_OPTIONS, annotation_filter_options=ANNOTATION_FILTER,
            request_options=deadline.request_options())
    status = getattr(snapshot, "status", None)
    delay = 0.05
    try:
        if status != "completed":
            deadline.enter("waiting for Label Studio to finish the snapshot",
                           f"finish export snapshot {snapshot.id} of project {project_id}")
        while status != "completed":
            if status == "failed":
                raise LabelStudioError(f"export {snapshot.id} of project {project_id} failed on the server")
            time.sleep(min(delay, max(0.0, deadline.end - time.monotonic())))  # never sleep past the deadline
            delay = min(delay * 2, 1.0)
            with deadline.guard(), api_errors(conn, f"polling export {snapshot.id}"):
                status = ls.projects.exports.get(id=project_id, export_pk=snapshot.id,
                                                 request_options=deadline.request_options(max_retries=1)).status
        raw = _download_snapshot(ls, conn, project_id, snapshot.id, deadline)
    except BaseException:
        with suppress(Exception):  # the original error matters more than the leftover snapshot
            delete_snapshot(ls, conn, project_id, snapshot.id, None, timeout=CLEANUP_TIMEOUT)
        raise
    # The export is in hand: its deletion runs even at the deadline (a few seconds more at most).
    deadline.enter("deleting the snapshot from the server", f"delete export snapshot {snapshot.id}", check=False)
    delete_snapshot(ls, conn, project_id, snapshot.id, raw,
                    timeout=max(deadline.end - time.monotonic(), CLEANUP_TIMEOUT))
    return raw


def _download_snapshot(ls: LabelStudio, conn: Connection, project_id: int, export_pk: int,
                       deadline: Deadline) -> bytes:
    """The snapshot's bytes, chunk by chunk: the budget is checked between chunks, so a server
    that trickles the file cannot hold the pull past its deadline either."""
    deadline.enter("downloading", f"send export snapshot {export_pk} of project {project_id}")
    chunks: list[bytes] = []
    received, shown = 0, 0
    with deadline.guard(), api_errors(conn, f"downloading export {export_pk}"):
        stream = ls.projects.exports.download(id=project_id, export_pk=export_pk, export_type="JSON",
                                              request_options=deadline.request_options())
        try:
            for chunk in stream:
                chunks.append(chunk)
                received += len(chunk)
                if received - shown >= 1_000_000:  # a spinner line per MB, not per chunk
                    shown = received
                    deadline.show(f"downloading ({received / 1e6:.0f} MB)")
                deadline.remaining()
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # an abandoned download closes its connection now, not when collected
    return b"".join(chunks)


def delete_snapshot(ls: LabelStudio, conn: Connection, project_id: int, export_pk: int, raw: bytes | None,
                    timeout: float | None = None) -> None:
    """Delete a snapshot once downloaded: it holds every annotator's email, unscrubbed. Label
    Studio's API delete keeps the file on disk, so on the local server (``conn.data_dir``) the file
    (named after the md5 of its bytes, ``raw``) is removed as well. ``timeout``: seconds for the
    call (default: the client's)."""
    import hashlib

    from annotate.labelstudio.process import delete_snapshot_file

    options = {"timeout": timeout, "max_retries": 0} if timeout is not None else None
    with api_errors(conn, f"deleting export {export_pk} of project {project_id}"):
        ls.projects.exports.delete(id=project_id, export_pk=export_pk, request_options=options)
    if conn.data_dir is not None and raw is not None:
        delete_snapshot_file(conn.data_dir, project_id, hashlib.md5(raw).hexdigest())  # noqa: S324 (a file name)
