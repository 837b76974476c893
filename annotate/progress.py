"""How far the annotation of a project has come, from its pulled documents: what an annotation lead
checks before building a dataset (Label Studio's open-source edition has no per-annotator view and
no review stage: reviewers tick "Final" in the labeling page, see :mod:`annotate.labelstudio.review`): each annotator's work, and the tasks done twice that a reviewer should settle
first (:func:`review_queue`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotate.records import AnnotatedDocument
from annotate.scoring.agreement import LAYERS, SpanCounts, layer_spans, rated_units, span_counts
from annotate.scoring.effort import annotation_effort, format_duration
from annotate.scoring.mqm import rating_penalty

if TYPE_CHECKING:
    from rich.console import Console

@dataclass(frozen=True)
class AnnotatorProgress:
    """One annotator's work: annotations by status and their latest update (ISO 8601, UTC); of the
    completed ones, how many started from the pre-annotations, and the time the labeling UI measured
    (median per task; None when none was timed, e.g. made through the API). Many tasks started from
    the suggestions in a short time each is what rubber-stamping looks like."""

    annotator: str
    completed: int = 0
    cancelled: int = 0  # skipped tasks
    draft: int = 0
    last_update: str = ""
    from_suggestions: int = 0  # completed annotations that started from a prediction
    timed: int = 0  # completed annotations with a time
    median_task_seconds: float | None = None

@dataclass
class AnnotationProgress:
    """Tasks by how many annotators completed them, and each annotator's work."""

    documents: int
    annotated: int  # documents with at least one completed annotation
    multiply_annotated: int  # … with completed annotations by two annotators or more (agreement is measured there)
    skipped_only: int  # documents whose only annotations are skips
    with_drafts: int  # documents holding an unsubmitted draft
    annotators: list[AnnotatorProgress] = field(default_factory=list)

    @classmethod
    def from_documents(cls, documents: Iterable[AnnotatedDocument]) -> AnnotationProgress:
        """Count the documents' annotations (a pull's ``documents``)."""
        documents = list(documents)
        per_annotator: dict[str, dict[str, int | str | float]] = {}
        counts = {"documents": 0, "annotated": 0, "multiply_annotated": 0, "skipped_only": 0, "with_drafts": 0}
        for doc in documents:
            counts["documents"] += 1
            completed_by = {a.annotator for a in doc.annotations if a.status == "completed"}
            statuses = {a.status for a in doc.annotations}
            counts["annotated"] += bool(completed_by)
            counts["multiply_annotated"] += len(completed_by) >= 2
            counts["skipped_only"] += statuses == {"cancelled"}
            counts["with_drafts"] += "draft" in statuses
            for annotation in doc.annotations:
                entry = per_annotator.setdefault(annotation.annotator, {"last_update": ""})
                entry[annotation.status] = int(entry.get(annotation.status, 0)) + 1
                entry["last_update"] = max(str(entry["last_update"]), annotation.updated_at)
                if annotation.status == "completed":
                    entry["from_suggestions"] = int(entry.get("from_suggestions", 0)) + (
                        annotation.parent_prediction is not None)
        for timed in annotation_effort(documents).annotators:  # the report's timing, per annotator
            per_annotator[timed.annotator].update(timed=len(timed.task_seconds),
                                                  median_task_seconds=timed.median_task_seconds)
        annotators = [AnnotatorProgress(annotator=name, **entry)  # type: ignore[arg-type]
                      for name, entry in sorted(per_annotator.items())]
        return cls(annotators=annotators, **counts)


@dataclass(frozen=True)
class ReviewItem:
    """A task that two annotators or more completed: how far they agree, whether a reviewer marked
    the annotation to keep in Label Studio (the "Final" tick or the ground-truth star: the dataset
    takes it), and which annotation is primary now (:meth:`AnnotatedDocument.primary_choice`)."""

    doc_id: str
    task_id: int | None
    annotators: tuple[str, ...]
    span_f1: float | None  # overlap F1 of entities, claims and errors, pooled over annotator pairs
    mqm_gap: float  # largest difference between two annotators' MQM points on the translations both rated
    reviewed: bool
    primary: str = ""  # "annotator #annotation id" of the primary annotation now (the policy's pick if unreviewed)

    @property
    def starred(self) -> bool:
        """Former name of :attr:`reviewed` (when the star was the only mark)."""
        return self.reviewed


def review_queue(documents: Iterable[AnnotatedDocument]) -> list[ReviewItem]:
    """The tasks completed by two annotators or more, those no reviewer settled first,
    then the least agreement first (lowest span F1, then largest MQM gap)."""
    items = []
    for doc in documents:
        completed = [a for a in doc.annotations if a.status == "completed"]
        annotators = tuple(sorted({a.annotator for a in completed}))
        if len(annotators) < 2:
            continue
        counts, gaps = SpanCounts(), [0.0]
        for a, b in itertools.combinations(completed, 2):
            if a.annotator == b.annotator:
                continue
            shared = rated_units(a) & rated_units(b)
            for layer in LAYERS:
                counts.add(span_counts(layer_spans(a, layer, shared), layer_spans(b, layer, shared), "overlap"))
            points = [sum(rating_penalty(r) for r in x.ratings if f"{r.system}#{r.seg_id}" in shared) for x in (a, b)]
            gaps.append(abs(points[0] - points[1]))
        f1 = counts.f1 if counts.total_a + counts.total_b else None
        choice = doc.primary_choice()
        primary = f"{choice.annotation.annotator} #{choice.annotation.annotation_id}" if choice.annotation else ""
        items.append(ReviewItem(doc.doc_id, completed[0].task_id, annotators, f1, max(gaps),
                                choice.state == "reviewed", primary))
    return sorted(items, key=lambda i: (i.reviewed, 1.0 if i.span_f1 is None else i.span_f1, -i.mqm_gap, i.doc_id))


def unrated_systems(documents: Iterable[AnnotatedDocument]) -> dict[str, list[tuple[str, int | None]]]:
    """system → (doc_id, task id) of each annotated task (a completed annotation) where no completed
    annotation rates that system: it joined the task after they were submitted (``annotate push``
    adds a new system's translations to annotated tasks and keeps them unrated until an annotator
    updates an annotation). Systems in the order they first appear."""
    unrated: dict[str, list[tuple[str, int | None]]] = {}
    for doc in documents:
        completed = [a for a in doc.annotations if a.status == "completed"]
        if not completed:
            continue
        rated = {rating.system for a in completed for rating in a.ratings}
        for system in dict.fromkeys(t.system for t in doc.translations):
            if system not in rated:
                unrated.setdefault(system, []).append((doc.doc_id, completed[0].task_id))
    return unrated


def print_progress(console: Console, documents: Iterable[AnnotatedDocument],
                   task_url: Callable[[int], str] | None = None, review_rows: int = 10) -> None:
    """Tasks by how many annotators completed them, then one line per annotator, the systems that
    annotated tasks lack a rating of (:func:`unrated_systems`), then the tasks done twice that still
    wait for a reviewer's "Final" tick (least agreement first, ``review_rows`` of
    them, linked with ``task_url``). Annotator, system and document names are printed as plain text
    (:mod:`annotate.terminal`)."""
    from annotate.terminal import PlainTable, line

    documents = list(documents)
    progress = AnnotationProgress.from_documents(documents)
    if not progress.annotators:
        return
    console.print(f"tasks annotated {progress.annotated} of {progress.documents}, by two annotators or more "
                  f"{progress.multiply_annotated} (agreement is measured on these); only skipped "
                  f"{progress.skipped_only}; with an unsubmitted draft {progress.with_drafts}")
    table = PlainTable("annotator")
    for column in ("completed", "skipped", "drafts", "from suggestions", "median time per task"):
        table.add_column(column, justify="right")
    table.add_column("last update (UTC)")
    for annotator in progress.annotators:
        seconds = annotator.median_task_seconds
        timed = f" ({annotator.timed} timed)" if seconds is not None and annotator.timed < annotator.completed else ""
        table.add_row(annotator.annotator, str(annotator.completed), str(annotator.cancelled), str(annotator.draft),
                      str(annotator.from_suggestions), format_duration(seconds) + timed, annotator.last_update[:16].replace("T", " "))
    console.print(table)
    for system, tasks in unrated_systems(documents).items():
        links = [task_url(task_id) if task_url and task_id is not None else f"task {task_id} (doc {doc_id})"
                 for doc_id, task_id in tasks[:review_rows]]
        unrated = f"{system} is unrated on {len(tasks)} annotated task{'s' if len(tasks) != 1 else ''}"
        console.print(line((unrated, "yellow"),
                           f" (their annotations were submitted without rating it, e.g. it joined them later): open, "
                           f"rate {system}, update — " + ", ".join(links)
                           + (f" … and {len(tasks) - review_rows} more" if len(tasks) > review_rows else "")))
    _print_review(console, review_queue(documents), task_url, review_rows)


def _print_review(console: Console, queue: list[ReviewItem], task_url: Callable[[int], str] | None,
                  rows: int) -> None:
    from annotate.terminal import PlainTable

    if not queue:
        return
    waiting = [item for item in queue if not item.reviewed]
    console.print(f"review: {len(queue)} task{'s' if len(queue) != 1 else ''} completed by two annotators or more, "
                  f"{len(queue) - len(waiting)} settled (a reviewer marked the final annotation: the dataset takes "
                  f"it), {len(waiting)} unreviewed (the dataset takes the most complete annotation until then)")
    if not waiting:
        return
    table = PlainTable("task", "annotators", title="to settle first (least agreement first): open, compare, tick "
                       "\u201cFinal\u201d in the one to keep, Update (or `annotate review DOC --final ID`)",
                       title_justify="left")
    table.add_column("span F1", justify="right")
    table.add_column("MQM gap", justify="right")
    table.add_column("taken now")
    for item in waiting[:rows]:
        where = f"doc {item.doc_id}"
        if item.task_id is not None:
            where = f"{task_url(item.task_id)} ({where})" if task_url else f"task {item.task_id} ({where})"
        table.add_row(where, ", ".join(item.annotators), "—" if item.span_f1 is None else f"{item.span_f1:.2f}",
                      f"{item.mqm_gap:g}", item.primary)
    console.print(table)
    if len(waiting) > rows:
        console.print(f"… and {len(waiting) - rows} more")

