"""Annotation progress (annotate.progress) on the REAL recorded export: one task labelled in the UI,
one by two gold annotators, one skipped, one left as a draft."""

from __future__ import annotations

from pathlib import Path

from annotate.labelstudio.export import load_export, parse_export
from annotate.progress import AnnotationProgress, AnnotatorProgress

RECORDED = Path(__file__).parent / "data" / "labelstudio" / "export.json"


def test_progress_of_the_recorded_project():
    progress = AnnotationProgress.from_documents(parse_export(load_export(RECORDED)))
    assert (progress.documents, progress.annotated, progress.multiply_annotated, progress.skipped_only,
            progress.with_drafts) == (4, 2, 1, 1, 1)
    ui_annotator = next(a for a in progress.annotators if a.completed and a.cancelled)
    assert (ui_annotator.completed, ui_annotator.cancelled, ui_annotator.draft) == (1, 1, 1)
    assert ui_annotator.last_update.startswith("2026-11-22T16:22:17")  # the draft, their latest work
    # timed by the UI: the completed task only (the skip and the draft are not work done)
    assert (ui_annotator.timed, ui_annotator.median_task_seconds, ui_annotator.from_suggestions) == (1, 4.39, 0)
    assert AnnotatorProgress("annotator-0000beef", completed=1, last_update="2026-11-22T16:21:30.965840Z") \
        in progress.annotators
    assert [a.annotator for a in progress.annotators] == sorted(a.annotator for a in progress.annotators)


def test_no_annotations_yet():
    docs = parse_export(load_export(RECORDED))
    for doc in docs:
        doc.annotations = []
    progress = AnnotationProgress.from_documents(docs)
    assert (progress.documents, progress.annotated, progress.annotators) == (4, 0, [])


def test_printed_progress():
    from rich.console import Console

    from annotate.progress import print_progress

    console = Console(record=True, width=200)
    print_progress(console, parse_export(load_export(RECORDED)))
    text = console.export_text()
    assert "tasks annotated 2 of 4, by two annotators or more 1" in text
    assert "annotator-0000beef" in text and "2026-11-22 16:21" in text
    assert "from suggestions" in text and "4.4 s" in text


def test_annotations_started_from_suggestions_are_counted():
    from dataclasses import replace

    docs = parse_export(load_export(RECORDED))
    for doc in docs:
        doc.annotations = [replace(a, parent_prediction=7, lead_time=None) if a.annotator == "annotator-0000beef"
                           else a for a in doc.annotations]
    beef = next(a for a in AnnotationProgress.from_documents(docs).annotators if a.annotator == "annotator-0000beef")
    assert (beef.from_suggestions, beef.timed, beef.median_task_seconds) == (1, 0, None)
