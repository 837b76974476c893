"""How far the annotation of a project has come, from its pulled documents: what an annotation lead
checks before building a dataset (Label Studio's open-source edition has no per-annotator view)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotate.records import AnnotatedDocument

if TYPE_CHECKING:
    from rich.console import Console

@dataclass(frozen=True)
class AnnotatorProgress:
    """One annotator's work: annotations by status and their latest update (ISO 8601, UTC)."""

    annotator: str
    completed: int = 0
    cancelled: int = 0  # skipped tasks
    draft: int = 0
    last_update: str = ""

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
        per_annotator: dict[str, dict[str, int | str]] = {}
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
    for column in ("completed", "skipped", "drafts"):
        table.add_column(column, justify="right")
    table.add_column("last update (UTC)")
    for annotator in progress.annotators:
        table.add_row(annotator.annotator, str(annotator.completed), str(annotator.cancelled), str(annotator.draft),
                      annotator.last_update[:16].replace("T", " "))
    console.print(table)
