"""How far the annotation of a project has come, from its pulled documents: what an annotation lead
checks before building a dataset (Label Studio's open-source edition has no per-annotator view)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotate.records import AnnotatedDocument
from annotate.scoring.effort import annotation_effort, format_duration

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


def print_progress(console: Console, documents: Iterable[AnnotatedDocument]) -> None:
    """Tasks by how many annotators completed them, then one line per annotator."""
    from rich.table import Table

    progress = AnnotationProgress.from_documents(documents)
    if not progress.annotators:
        return
    console.print(f"tasks annotated {progress.annotated} of {progress.documents}, by two annotators or more "
                  f"{progress.multiply_annotated} (agreement is measured on these); only skipped "
                  f"{progress.skipped_only}; with an unsubmitted draft {progress.with_drafts}")
    table = Table("annotator")
    for column in ("completed", "skipped", "drafts", "from suggestions", "median time per task"):
        table.add_column(column, justify="right")
    table.add_column("last update (UTC)")
    for annotator in progress.annotators:
        seconds = annotator.median_task_seconds
        timed = f" ({annotator.timed} timed)" if seconds is not None and annotator.timed < annotator.completed else ""
        table.add_row(annotator.annotator, str(annotator.completed), str(annotator.cancelled), str(annotator.draft),
                      str(annotator.from_suggestions), format_duration(seconds) + timed, annotator.last_update[:16].replace("T", " "))
    console.print(table)
