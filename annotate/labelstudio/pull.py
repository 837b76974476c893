"""Pull a project's annotations back: a snapshot export with full predictions, annotators and
drafts, written (annotators pseudonymised) to a JSON file — the hand-off to ``annotate build`` —
and parsed into :class:`~annotate.records.AnnotatedDocument` records."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotate.labelstudio import client as api
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
    return sorted(((str((task.get("data") or {}).get("doc_id") or (task.get("meta") or {}).get("doc_id") or ""),
                    int(task["id"])) for task in tasks
                   if isinstance(task, dict) and "id" in task and not task.get("annotations") and not task.get("drafts")),
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
                      project_id: int | None = None) -> api.ProjectInfo:
    """The project to pull: ``project_id`` if given, else the ONE titled ``project_title``
    (AmbiguousProject when several are)."""
    if project_id is not None:
        return api.get_project(ls, conn, project_id)
    candidates = api.projects_titled(ls, conn, project_title)
    if not candidates:
        raise LabelStudioError(f"no project titled {project_title!r} on {conn.url}: push first")
    if len(candidates) > 1:
        raise AmbiguousProject(project_title, conn.url, candidates)
    return api.get_project(ls, conn, candidates[0].id)


def pull(conn: Connection, project_title: str = DEFAULT_PROJECT_TITLE, out: Path | None = None,
         salt: str | None = None, project_id: int | None = None) -> PullResult:
    """Export the project (snapshot API), save it with annotators pseudonymised, parse it.
    ``project_id`` picks the project by id (then ``project_title`` is not used), e.g. when several
    carry the title.

    The file is written atomically (an earlier export at ``out`` survives a failed pull) and
    BEFORE parsing, so a parse error never loses the download; the error names the file."""
    check_connection(conn)
    ls = api.open_client(conn)
    project = find_pull_project(ls, conn, project_title, project_id)
    if project_id is not None:
        project_title = project.title  # names the default export file
    raw = api.export_snapshot(ls, conn, project.id)
    try:
        data = orjson.loads(raw)
    except ValueError as exc:
        raise LabelStudioError(f"the export of project {project.id} is not valid JSON ({exc}); pull again") from exc
    # Salt from the server's project: stable for everyone who pulls this project, unknown elsewhere.
    data = scrub_export(data, salt or f"{project.id}:{project.created_at}", copy=False)
    path = Path(out) if out else default_export_path(project_title)
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
