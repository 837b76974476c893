"""``annotate review DOC --final ID``: mark a task's final annotation through the API, with the
same mark a reviewer ticks in the labeling page (:mod:`annotate.labelstudio.review`), so the next
reviewer sees it in the UI too. The mark is made exclusive: the task's other annotations lose
their "Final" tick and their ground-truth star, so one reviewer's choice never competes with an
older one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotate.labelstudio import client as api
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.connection import Connection, check_connection
from annotate.labelstudio.errors import LabelStudioError
from annotate.labelstudio.review import is_marked_final, with_final_mark


class ReviewError(LabelStudioError):
    """A review request that names no such project, document or annotation (the message lists what there is)."""


@dataclass
class FinalMark:
    """What ``mark_final`` did: the task, and one line per annotation it changed (none: already so)."""

    project_id: int
    task_id: int
    annotation_id: int
    changes: list[str] = field(default_factory=list)


def _describe(annotation: dict[str, Any]) -> str:
    state = "skipped" if annotation.get("was_cancelled") else "submitted"
    return f"{annotation.get('id')} ({state})"


def mark_final(conn: Connection, project_title: str, doc_id: str, annotation_id: int) -> FinalMark:
    """Tick "Final" in annotation ``annotation_id`` of the task of ``doc_id`` and take every other
    reviewer's mark (tick, star) off the task's other annotations. ReviewError when the project,
    the document or the annotation is not there, or the annotation is a skip."""
    check_connection(conn)
    ls = api.open_client(conn)
    project = api.find_project(ls, conn, project_title)
    if project is None:
        raise ReviewError(f"no project titled {project_title!r} on {conn.url}")
    tasks = api.list_tasks(ls, conn, project.id).get(doc_id, [])
    if not tasks:
        raise ReviewError(f"no task of project {project_title!r} carries the document {doc_id!r} "
                          "(`annotate review --project …` lists the documents with several annotations)")
    by_task = {task.id: api.task_annotations(ls, conn, task.id) for task in tasks}
    owner = next((task_id for task_id, annotations in by_task.items()
                  if any(a.get("id") == annotation_id for a in annotations)), None)
    if owner is None:
        there = ", ".join(_describe(a) for annotations in by_task.values() for a in annotations) or "none"
        raise ReviewError(f"annotation {annotation_id} is not an annotation of the document {doc_id!r} "
                          f"(task {', '.join(str(t) for t in by_task)}); its annotations: {there}")
    chosen = next(a for a in by_task[owner] if a.get("id") == annotation_id)
    if chosen.get("was_cancelled"):
        raise ReviewError(f"annotation {annotation_id} of the document {doc_id!r} is a skipped task, not an "
                          "annotation to keep")
    mark = FinalMark(project.id, owner, annotation_id)
    submitted = api.submitted_annotations(ls, conn, project.id, [owner])[owner]  # updated_at as exports write it
    retouched: list[int] = []  # annotations whose result we PATCHed (their updated_at moves)
    for annotation in by_task[owner]:
        result = annotation.get("result") or []
        if annotation is chosen:
            if not is_marked_final(result):
                api.update_annotation(ls, conn, annotation_id,
                                      result=with_final_mark(result, True, lsconfig.SOURCE_TEXT))
                mark.changes.append(f"annotation {annotation_id}: ticked \u201cFinal\u201d")
                retouched.append(annotation_id)
            continue
        if is_marked_final(result):
            api.update_annotation(ls, conn, annotation["id"], result=with_final_mark(result, False, lsconfig.SOURCE_TEXT))
            mark.changes.append(f"annotation {annotation['id']}: \u201cFinal\u201d unticked")
            retouched.append(annotation["id"])
        if annotation.get("ground_truth"):
            api.update_annotation(ls, conn, annotation["id"], ground_truth=False)
            mark.changes.append(f"annotation {annotation['id']}: ground-truth star removed")
    if retouched:
        _keep_unseen_marks(ls, conn, project.id, next(t for t in tasks if t.id == owner), submitted, retouched)
    return mark


def _keep_unseen_marks(ls: Any, conn: Connection, project_id: int, task: api.ExistingTask,
                       before: dict[str, str], retouched: list[int]) -> None:
    """A system added to a task after an annotation was submitted stays unrated by it until its
    annotator updates it (``task_shape.UNSEEN_BY`` stamps its ``updated_at``). Our PATCH moved that
    stamp: a reviewer's mark is not the annotator rating the new system, so the stamps follow it."""
    after = api.submitted_annotations(ls, conn, project_id, [task.id])[task.id]
    moved = {str(i): (before.get(str(i)), after.get(str(i))) for i in retouched}
    changed = False
    for system in ts.system_entries(task.data):
        unseen = system.get(ts.UNSEEN_BY)
        for annotation_id, (old, new) in moved.items():
            if isinstance(unseen, dict) and old is not None and new and unseen.get(annotation_id) == old:
                unseen[annotation_id], changed = new, True
    if changed:
        api.update_task(ls, conn, task.id, task.data)
