"""Label Studio export JSON → :class:`annotate.records.AnnotatedDocument`: each task's document
with every annotation, draft and prediction, the export's problems listed or raised. Its parts
live in modules of their own, each the only one to know its part of Label Studio's shapes:

* :mod:`annotate.labelstudio.task_shape` — the task data layout (written by ``tasks.py``);
* :mod:`annotate.labelstudio.task_view` — an exported task's data, read and checked once;
* :mod:`annotate.labelstudio.results` — the shape of a ``result`` item (``tasks.py`` builds results
  through its helpers);
* :mod:`annotate.labelstudio.annotation_result` — what an annotation's regions mean (entities,
  claims, MQM errors, ratings);
* :mod:`annotate.labelstudio.export_file` — reading an export file, whole or task by task;
* the post-edit boxes (:mod:`annotate.labelstudio.post_edits`), which regions are still a
  suggestion as it was made (:mod:`annotate.labelstudio.provenance`), the annotators' pseudonyms
  (:mod:`annotate.labelstudio.pseudonyms`) and a reviewer's "Final" tick
  (:mod:`annotate.labelstudio.review`: ``DocumentAnnotation.marked_final``).

Every name these modules had here before the split is still importable from this one.

The result items (:mod:`annotate.labelstudio.results`) and what the regions mean
(:mod:`annotate.labelstudio.annotation_result`) are described there.

Statuses (``DocumentAnnotation.status``):

* ``"completed"`` — a submitted annotation. Every (system, segment) gets a SegmentRating, an empty
  error list meaning "no error" (the annotator saw and accepted it).
* ``"cancelled"`` — the annotator skipped the task (``was_cancelled``). Whatever it holds is kept,
  but it yields NO no-error ratings: skipping is not judging. Consumers normally drop these.
* ``"draft"`` — unsubmitted work (``drafts`` in a snapshot export); ratings only where errors were
  marked. Not for scoring; kept so nothing an annotator did is lost silently.
* ``"prediction"`` — a pre-annotation shown to annotators (``predictions`` expanded in a snapshot
  export), in ``AnnotatedDocument.predictions``, never among the annotations; ``annotator`` is its
  ``model_version``. An annotation's ``parent_prediction`` names the one the annotator started from
  in the UI (whose regions then carry ``origin: "prediction"``), and ``lead_time`` the seconds the
  UI measured; both None for annotations created through the API.
* ``"withheld"`` — suggestions computed for the task but withheld from annotators
  (``annotate push --holdout-percent``), read from ``meta.withheld_prediction``; in
  ``AnnotatedDocument.predictions`` too, without an id. The anchoring control: annotators
  work on these tasks from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.annotation_result import _parse_annotation
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.errors import need as _need
from annotate.labelstudio.export_file import iter_export_tasks, load_export  # noqa: F401  (re-exported)
from annotate.labelstudio.export_file import read_export_tasks, task_key
from annotate.labelstudio.provenance import suggested_regions
from annotate.labelstudio.review import split_review
from annotate.labelstudio.validation import SchemaCheck, find_duplicates
from annotate.labelstudio.pseudonyms import (  # noqa: F401  (re-exported: where callers found them)
    IMPORTED_USER_DOMAIN,
    annotator_of,
    completed_by_email,
    default_salt,
    imported_user_email,
    pseudonym,
    scrub_export,
)
from annotate.labelstudio.results import (  # noqa: F401  (re-exported: where callers found them)
    as_rendered,
    region_choice_result,
    region_textarea_result,
    span_result,
    textarea_result,
)
from annotate.labelstudio.task_shape import (  # noqa: F401  (re-exported: where callers found them)
    REFERENCES_FIELD,
    SUGGESTION_VERSION,
    TASK_FORMAT,
    UNSEEN_BY,
    WITHHELD_PREDICTION,
)
from annotate.labelstudio.task_view import TaskView, _TaskView  # noqa: F401  (re-exported)
from annotate.records import PREDICTION_STATUSES, AnnotatedDocument, ExportProblem, ProblemKind


def parse_export(data: list[dict[str, Any]], *, salt: str | None = None,
                 problems: list[ExportProblem] | None = None,
                 extra_categories: Iterable[str] = ()) -> list[AnnotatedDocument]:
    """Parse a full JSON export (snapshot API, predictions expanded or not) into documents.

    Every region is checked ``text == data[start:end]`` and against the label schema (entity
    labels, claim types, MQM categories, severities; ``extra_categories`` are accepted MQM
    categories beyond the schema's); task ids and doc_ids must be unique. Any fault raises
    ExportError naming task, annotation and region. With a ``problems`` list, the parse goes on
    instead: a broken annotation or draft is left out of its document and a task with broken data
    (or a duplicate: :func:`annotate.labelstudio.validation.find_duplicates` says which one is kept)
    is left out of the result, each appended to ``problems`` (see :func:`parse_task`).
    ``salt`` defaults to one derived from the project id (see module docstring)."""
    if not isinstance(data, list):
        raise ExportError(f"a Label Studio JSON export is a list of tasks, got {type(data).__name__}")
    return list(_documents(enumerate(data), [task_key(task) for task in data], salt=salt, problems=problems,
                           extra_categories=extra_categories))


def read_export_documents(path: Path | str, *, salt: str | None = None,
                          problems: list[ExportProblem] | None = None,
                          extra_categories: Iterable[str] = ()) -> Iterator[AnnotatedDocument]:
    """The documents of an export file, one task at a time (:func:`read_export_tasks`): memory stays
    bounded by one task whatever the export's size. Errors and ``problems`` as :func:`parse_export`'s,
    plus the file's (a file that cannot be read whole is always an error)."""
    keys, tasks = read_export_tasks(path)
    yield from _documents(enumerate(tasks), keys, salt=salt, problems=problems, extra_categories=extra_categories)


def _documents(tasks: Iterable[tuple[int, Any]], keys: list[tuple[Any, Any]], *, salt: str | None,
               problems: list[ExportProblem] | None, extra_categories: Iterable[str]) -> Iterator[AnnotatedDocument]:
    """Each (position, task)'s document, but for the duplicates among ``keys`` (every task's
    (id, doc_id)): those are problems (or the first of them an ExportError without ``problems``)."""
    duplicates = find_duplicates(keys)
    check = SchemaCheck(extra_categories)
    for position, task in tasks:
        duplicate = duplicates.get(position)
        if duplicate is not None:
            if problems is None:
                raise ExportError(duplicate.message)
            problems.append(duplicate)
            continue
        document = parse_task(task, position, salt=salt, problems=problems, check=check)
        if document is not None:
            yield document


def _task_problem(task: Any, message: str) -> ExportProblem:
    task_id = task.get(ts.TASK_ID) if isinstance(task, dict) else None
    doc_id = ts.data_doc_id(task)
    return ExportProblem(kind="task", task_id=task_id if isinstance(task_id, int) else None,
                         doc_id=None if doc_id is None else str(doc_id), annotation_id=None, annotator=None,
                         message=message)


def _entries(task: dict[str, Any]) -> list[tuple[str, int, Any]]:
    """(kind, index, entry) of everything in an exported task that holds a result: its annotations,
    drafts, predictions and withheld prediction, in that order."""
    entries = [("annotation", index, annotation) for index, annotation in enumerate(task.get(ts.ANNOTATIONS) or [])]
    # drafts and predictions exported as ids only (plain JSON export) carry nothing to parse
    entries += [("draft", index, draft) for index, draft in enumerate(task.get(ts.DRAFTS) or [])
                if isinstance(draft, dict)]
    entries += [("prediction", index, prediction) for index, prediction in enumerate(task.get(ts.PREDICTIONS) or [])
                if isinstance(prediction, dict)]
    withheld = ts.withheld_prediction(task)
    if withheld is not None:
        entries.append(("withheld", 0, withheld))
    return entries


def _identity(kind: str, entry: Any, task_salt: str) -> tuple[str, str, Any]:
    """(status, annotator, annotation id) of one of :func:`_entries`."""
    is_dict = isinstance(entry, dict)
    entry_id = entry.get("id") if is_dict else None
    if kind == "annotation":
        status = "cancelled" if is_dict and entry.get("was_cancelled") else "completed"
        return status, annotator_of(entry.get("completed_by") if is_dict else None, task_salt), entry_id
    if kind == "draft":
        return "draft", annotator_of(entry.get("user"), task_salt), entry.get("annotation")
    # a pre-annotation, shown or withheld: its "annotator" is the model version that made it
    model_version = str(entry.get(ts.MODEL_VERSION) or "unknown model") if is_dict else "unknown model"
    return kind, model_version, entry_id if kind == "prediction" else None


def parse_task(task: Any, position: int, *, salt: str | None = None,
               problems: list[ExportProblem] | None = None, check: SchemaCheck | None = None
               ) -> AnnotatedDocument | None:
    """One exported task (item ``position`` of the export) → its document with every annotation,
    draft and (expanded or withheld) prediction; see :func:`parse_export`. Without ``problems``
    the first problem raises ExportError; with it, problems are appended there and the task (None
    is returned) or the annotation is left out. ``check``: the label schema (:class:`SchemaCheck`;
    every value it lacks in an annotation is a problem of its own, the annotation left out whole)."""
    check = check if check is not None else SchemaCheck()
    where = f"task {task.get(ts.TASK_ID, '?') if isinstance(task, dict) else '?'} (export item {position})"
    try:
        view = TaskView(task, where)
    except ExportError as exc:
        if problems is None:
            raise
        problems.append(_task_problem(task, str(exc)))
        return None
    where = f"task {view.task_id} (doc {view.doc_id})"
    task_salt = salt or default_salt(task)
    document = view.document()
    shown = ts.shown_predictions(task)
    worked_on = task.get(ts.ANNOTATIONS) or task.get(ts.DRAFTS)
    suggested_in_task = suggested_regions(*shown) if shown and worked_on else {}
    for kind, index, entry in _entries(task):
        is_dict = isinstance(entry, dict)
        entry_id = entry.get("id") if is_dict else None
        ewhere = f"{where} {kind} {entry_id if entry_id is not None else f'#{index}'}"
        status, annotator, annotation_id = _identity(kind, entry, task_salt)
        # the regions it may have kept from a suggestion: its parent prediction's (an annotation
        # carries it whole), else the task's predictions' (their region ids are unique per task)
        started_from = entry.get("prediction") if kind == "annotation" and is_dict else None
        started_from = started_from if isinstance(started_from, dict) and started_from else None
        suggested = ({**suggested_in_task, **suggested_regions(started_from)} if started_from
                     else suggested_in_task) if kind in ("annotation", "draft") else None
        problem_kind: ProblemKind = "prediction" if kind == "withheld" else kind  # type: ignore[assignment]
        problem_id = entry_id if isinstance(entry_id, int) else None
        check.start()
        try:
            result, marked_final = split_review(_need(entry, ts.RESULT, ewhere, list), ewhere)  # a reviewer's tick
            record = _parse_annotation(view, result, status, annotator, annotation_id, ewhere,
                                       str(entry.get("updated_at") or ""),
                                       ground_truth=kind == "annotation" and entry.get("ground_truth") is True,
                                       suggested=suggested, check=check)
            if check.issues:  # values the schema lacks: the annotation is set aside whole, each listed
                check.set_aside(problems, ewhere, problem_kind, view.task_id, view.doc_id, problem_id, annotator)
                continue
            record.marked_final = marked_final and status not in PREDICTION_STATUSES
            if status in PREDICTION_STATUSES:
                document.predictions.append(record)
            else:
                parent, lead_time = entry.get("parent_prediction"), entry.get("lead_time")
                if parent is None and started_from:  # the prediction it opened with, carried whole
                    parent = started_from.get("id")
                record.parent_prediction = parent if parent.__class__ is int else None
                record.lead_time = float(lead_time) if lead_time.__class__ in (int, float) and lead_time >= 0 else None
                document.annotations.append(record)
        except ExportError as exc:
            if problems is None:
                raise
            # what the schema check found before the fault, then the fault
            problems.extend(check.problems(problem_kind, view.task_id, view.doc_id, problem_id, annotator))
            problems.append(ExportProblem(kind=problem_kind, task_id=view.task_id, doc_id=view.doc_id,
                                          annotation_id=problem_id, annotator=annotator, message=str(exc)))
    return document
