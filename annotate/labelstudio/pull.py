"""Pull a project's annotations back: a snapshot export with full predictions, annotators and
drafts, written (annotators pseudonymised) to a JSON file — the hand-off to ``annotate build`` —
and parsed into :class:`~annotate.records.AnnotatedDocument` records."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotate.labelstudio import client as api
from annotate.labelstudio import snapshot
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.connection import Connection, check_connection
from annotate.labelstudio.errors import ExportError, InvalidExport, LabelStudioError
from annotate.labelstudio.export import parse_export, scrub_export
from annotate.labelstudio.push import DEFAULT_PROJECT_TITLE
from annotate.records import AnnotatedDocument, ExportProblem


@dataclass
class PullResult:
    """A pulled export: where the JSON was saved, what it parses into, and what failed validation
    (``problems``: those annotations, drafts and tasks are not in ``documents``; the saved file
    still holds them)."""

    path: Path
    project_id: int
    documents: list[AnnotatedDocument]
    tasks: int
    problems: list[ExportProblem] = field(default_factory=list)
    # (doc_id, task id) of the tasks nobody has started: no annotation (submitted or skipped), no draft
    unstarted: list[tuple[str, int]] = field(default_factory=list)


def unstarted_tasks(tasks: list[dict]) -> list[tuple[str, int]]:
    """(doc_id, task id) of the exported tasks without any annotation or draft, in task id order."""
    return sorted(((str(ts.doc_id_of(task) or ""), int(task[ts.TASK_ID])) for task in tasks
                   if isinstance(task, dict) and ts.TASK_ID in task and not task.get(ts.ANNOTATIONS)
                   and not task.get(ts.DRAFTS)),
                  key=lambda pair: pair[1])


def default_export_path(project_title: str) -> Path:
    slug = re.sub(r"[^0-9A-Za-z]+", "-", project_title).strip("-").lower() or "project"
    return Path("out") / f"labelstudio-{slug}.json"


class AmbiguousProject(LabelStudioError):
    """Several projects carry the title asked for (Label Studio does not keep titles unique):
    pulling one of them silently could hand over an empty duplicate. ``candidates`` lists them."""

    def __init__(self, title: str, url: str, candidates: list[api.ProjectCandidate]):
        self.candidates = candidates
        listed = "\n".join(f"  - {candidate.describe()}" for candidate in candidates)
        super().__init__(f"{len(candidates)} projects are titled {title!r} on {url}:\n{listed}\n"
                         "choose one with --project-id ID (push uses the oldest, the lowest id; delete or "
                         "rename the others in Label Studio to make the title unique again)")


def find_pull_project(ls: Any, conn: Connection, project_title: str,
                      project_id: int | None = None, deadline: snapshot.Deadline | None = None) -> api.ProjectInfo:
    """The project to pull: ``project_id`` if given, else the ONE titled ``project_title``
    (AmbiguousProject when several are). ``deadline``: each call gets what is left of it."""

    def options() -> dict[str, Any] | None:
        return deadline.request_options(max_retries=1) if deadline is not None else None

    if project_id is not None:
        return api.get_project(ls, conn, project_id, options())
    candidates = api.projects_titled(ls, conn, project_title, options())
    if not candidates:
        raise LabelStudioError(f"no project titled {project_title!r} on {conn.display_url}: push first")
    if len(candidates) > 1:
        raise AmbiguousProject(project_title, conn.display_url, candidates)
    return api.get_project(ls, conn, candidates[0].id, options())


# How long a pull waits for the server, all calls together (``annotate pull --timeout``,
# ANNOTATE_PULL_TIMEOUT): a 10,000-task project pulls in 15-40 s on 2 cores (README's table), so
# ten minutes is a server in trouble, not a big project.
DEFAULT_PULL_TIMEOUT = 600.0
PULL_TIMEOUT_ENV = "ANNOTATE_PULL_TIMEOUT"


def pull_timeout_from_env() -> float:
    """``ANNOTATE_PULL_TIMEOUT`` seconds if set (every pull honours it: ``annotate pull``, the demo,
    ``annotate review``), else :data:`DEFAULT_PULL_TIMEOUT`. A value that is no positive number is
    a LabelStudioError naming it, not a silent default."""
    value = os.environ.get(PULL_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_PULL_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise LabelStudioError(f"{PULL_TIMEOUT_ENV}={value!r}: expected a number of seconds above 0")
    return seconds


def server_log_hint(conn: Connection) -> str:
    """Where to look when the server is slow: the local server's log file, else the server's own."""
    if conn.data_dir is not None:
        # the local server's layout (annotate.labelstudio.server): data/ and server.log side by side
        return f"the server's log ({conn.data_dir.parent / 'server.log'})"
    return "the server's log (on the machine that runs it)"


def pull(conn: Connection, project_title: str = DEFAULT_PROJECT_TITLE, out: Path | None = None,
         salt: str | None = None, project_id: int | None = None, *, timeout: float | None = None,
         on_phase: Callable[[str], None] | None = None) -> PullResult:
    """Export the project (snapshot API), save it with annotators pseudonymised, parse it.
    ``project_id`` picks the project by id (then ``project_title`` is not used), e.g. when several
    carry the title.

    Waiting is bounded: every call to the server shares ``timeout`` seconds (default:
    :func:`pull_timeout_from_env`); when they are spent,
    :class:`~annotate.labelstudio.snapshot.DeadlineExceeded` says what the pull was waiting for, for
    how long, on which server, and what to do. ``on_phase`` hears each phase as it starts
    ("creating export snapshot of project 3", "waiting for Label Studio to finish the snapshot",
    "downloading", …): a spinner shows it.

    The file is written atomically (an earlier export at ``out`` survives a failed or timed-out
    pull) and BEFORE parsing, so a parse error never loses the download; the error names the file."""
    path = Path(out) if out else None
    deadline = snapshot.Deadline(pull_timeout_from_env() if timeout is None else timeout, conn, on_phase=on_phase, advice=(
        "For a big project or a busy server, pull again with a longer --timeout SECONDS (or "
        f"ANNOTATE_PULL_TIMEOUT); if it keeps happening, check {server_log_hint(conn)}."))
    try:
        deadline.enter("checking the server", "answer its health check")
        with deadline.guard():
            check_connection(conn, deadline=deadline.end)
        ls = api.open_client(conn)
        deadline.enter("looking up the project", f"find project {project_id}" if project_id is not None
                       else f"list its projects titled {project_title!r}")
        with deadline.guard():
            project = find_pull_project(ls, conn, project_title, project_id, deadline)
        if project_id is not None:
            project_title = project.title  # names the default export file
        path = path or default_export_path(project_title)
        raw = snapshot.export_snapshot(ls, conn, project.id, deadline=deadline)
    except snapshot.DeadlineExceeded as exc:  # say that nothing was lost: no file is written before the download
        kept = f" (the earlier {path} is unchanged)" if path is not None and path.exists() else ""
        raise snapshot.DeadlineExceeded(f"{exc} No export was saved{kept}.") from exc
    assert path is not None  # set once the project is known
    try:
        data = orjson.loads(raw)
    except ValueError as exc:
        raise LabelStudioError(f"the export of project {project.id} is not valid JSON ({exc}); pull again") from exc
    # Salt from the server's project: stable for everyone who pulls this project, unknown elsewhere.
    data = scrub_export(data, salt or f"{project.id}:{project.created_at}", copy=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(orjson.dumps(data))
    os.replace(tmp, path)
    problems: list[ExportProblem] = []
    try:
        documents = parse_export(data, problems=problems)
    except ExportError as exc:
        raise ExportError(f"{exc} (the export is saved at {path})") from exc
    return PullResult(path=path, project_id=project.id, documents=documents, tasks=len(data), problems=problems,
                      unstarted=unstarted_tasks(data))


def pull_documents(conn: Connection, project_title: str = DEFAULT_PROJECT_TITLE,
                   out: Path | None = None) -> tuple[Path, list[AnnotatedDocument]]:
    """For the demo: (saved export path, parsed documents); InvalidExport lists every problem."""
    result = pull(conn, project_title, out)
    if result.problems:
        raise InvalidExport(result.problems, source=f"the export of project {result.project_id} "
                                                   f"(saved at {result.path})")
    return result.path, result.documents
