"""How long an export's annotations took: each task's submitted annotations as
:class:`annotate.scoring.effort.TimedTask` records (its protocol, MQM or ESA; per annotation the
annotator's pseudonym, Label Studio's ``lead_time``, the task's source sentences and the
translations it rated), for :func:`annotate.scoring.effort.compare_protocols`.

Every task is read by the export's parser (:func:`annotate.labelstudio.export.parse_task`: the
same checks, pseudonyms and ``lead_time`` as ``pull`` and ``report``); an ESA task's ratings by
:func:`annotate.labelstudio.esa.esa_ratings`, one annotation at a time, so each annotation's
scores are its own. An annotation with a broken ESA result is set aside whole (a problem), as the
parser sets aside a broken MQM one: its time would otherwise be spread over fewer translations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from annotate.labelstudio import esa
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.export import parse_task
from annotate.labelstudio.export_file import TaskKey, iter_export_tasks, task_key
from annotate.labelstudio.validation import SchemaCheck
from annotate.languages import SPANISH_ENGLISH
from annotate.records import COUNTED_STATUSES, AnnotatedDocument, DocumentAnnotation, ExportProblem
from annotate.scoring.effort import ESA, MQM, TimedTask, document_annotations
from annotate.text import plural

# The MQM page always asks for entities and claims and for post-edits beside MQM; an ESA page only
# when pushed with --esa-with (annotate.labelstudio.esa.task_extras).
MQM_EXTRAS = frozenset(esa.EXTRAS)


def export_timing(path: Path | str, problems: list[ExportProblem] | None = None,
                  seen: MutableMapping[TaskKey, str] | None = None) -> Iterator[TimedTask]:
    """Every task of an export file as a TimedTask, task by task (memory bounded by one task).
    File errors are ExportErrors naming the file. What fails validation (a broken task or
    annotation, a task read twice) is appended to ``problems`` and left out; without ``problems``
    the first is an ExportError. ``seen``: the tasks (id, doc_id) read from earlier files, each with
    where it was read, updated here, so that a task given twice (the same export twice) counts once."""
    yield from _timed_tasks(iter_export_tasks(path), problems, {} if seen is None else seen, str(path))


def task_timing(tasks: list[dict[str, Any]], problems: list[ExportProblem] | None = None) -> Iterator[TimedTask]:
    """As :func:`export_timing`, for an export already in memory (a list of Label Studio tasks)."""
    if not isinstance(tasks, list):
        raise ExportError(f"a Label Studio JSON export is a list of tasks, got {type(tasks).__name__}")
    yield from _timed_tasks(iter(tasks), problems, {}, "the export")


def _timed_tasks(tasks: Iterable[Any], problems: list[ExportProblem] | None, seen: MutableMapping[TaskKey, str],
                 source: str) -> Iterator[TimedTask]:
    check = SchemaCheck()
    items = unreadable = 0
    for position, task in enumerate(tasks):
        items += 1
        problem = _read_before(task, position, seen, source)
        if problem is not None:
            _report(problem, problems)
            continue
        document = parse_task(task, position, problems=problems, check=check)
        if document is None:
            unreadable += 1
        else:
            yield _timed_task(task, document, problems)
    if items and unreadable == items:  # not one task: some other JSON list, not an export
        message = problems[-1].message if problems else ""
        raise ExportError(f"{source}: not a Label Studio JSON export: it holds {plural(items, 'item')} and no "
                          f"task ({message})")


def _read_before(task: Any, position: int, seen: MutableMapping[TaskKey, str], source: str) -> ExportProblem | None:
    """A problem if this task (its id and doc_id) was read before: its time would count twice.
    Unlike a scoring parse, two tasks holding one doc_id are both read: a document annotated twice
    (two projects, two protocols on it) took both times."""
    key = task_key(task)
    if key[0].__class__ is not int:  # a task without an id is the parser's problem
        return None
    if key in seen:
        return ExportProblem(kind="task", task_id=key[0], doc_id=None if key[1] is None else str(key[1]),
                             annotation_id=None, annotator=None,
                             message=f"task {key[0]} (doc {key[1]}, {source} item {position}) was already read "
                                     f"({seen[key]}): its time is counted once")
    seen[key] = f"{source} item {position}"
    return None


def _timed_task(task: dict[str, Any], document: AnnotatedDocument,
                problems: list[ExportProblem] | None) -> TimedTask:
    data = ts.data_of(task)
    if not esa.is_esa_task(data):
        return TimedTask(MQM, document.doc_id, tuple(document_annotations(document)), MQM_EXTRAS)
    submitted = [a for a in document.annotations if a.status in COUNTED_STATUSES]
    found = {a.annotation_id: _esa_scores(task, document, a, problems) for a in submitted}
    scores = {annotation_id: count for annotation_id, count in found.items() if count is not None}
    kept = replace(document, annotations=[a for a in submitted if a.annotation_id in scores])  # broken: set aside
    return TimedTask(ESA, document.doc_id,
                     tuple(document_annotations(kept, translations=lambda a: scores[a.annotation_id])),
                     frozenset(esa.task_extras(data)))


def _esa_scores(task: dict[str, Any], document: AnnotatedDocument, annotation: DocumentAnnotation,
                problems: list[ExportProblem] | None) -> int | None:
    """How many ESA scores ``annotation`` gave (its (system, segment) ratings), read by
    :func:`annotate.labelstudio.esa.esa_ratings` from the task holding it alone; None (and its
    problems reported) when one of its ESA results is broken."""
    raw = [entry for entry in task.get(ts.ANNOTATIONS) or []
           if isinstance(entry, dict) and entry.get("id") == annotation.annotation_id]
    if annotation.annotation_id is None or not raw:  # Label Studio gives every annotation an id
        message = (f"task {task.get(ts.TASK_ID)} (doc {document.doc_id}): an ESA annotation without an id "
                   "(its scores cannot be told from the others')")
        _report(_annotation_problem(task, document, annotation, message), problems)
        return None
    found: list[str] = []
    try:
        # the pair changes no count: given, so a task's unreadable pair is no problem of its time
        ratings = esa.esa_ratings([{**task, ts.ANNOTATIONS: raw[:1]}], SPANISH_ENGLISH, problems=found)
    except (LookupError, TypeError, ValueError) as exc:  # a result of a shape esa_ratings does not expect
        ratings, found = [], [f"task {task.get(ts.TASK_ID)} (doc {document.doc_id}) annotation "
                              f"{annotation.annotation_id}: an ESA result cannot be read ({type(exc).__name__}: {exc})"]
    for message in found:
        _report(_annotation_problem(task, document, annotation, message), problems)
    return None if found else len(ratings)


def _annotation_problem(task: dict[str, Any], document: AnnotatedDocument, annotation: DocumentAnnotation,
                        message: str) -> ExportProblem:
    task_id = task.get(ts.TASK_ID)
    return ExportProblem(kind="annotation", task_id=task_id if task_id.__class__ is int else None,
                         doc_id=document.doc_id, annotation_id=annotation.annotation_id,
                         annotator=annotation.annotator, message=message)


def _report(problem: ExportProblem, problems: list[ExportProblem] | None) -> None:
    if problems is None:
        raise ExportError(problem.message)
    problems.append(problem)
