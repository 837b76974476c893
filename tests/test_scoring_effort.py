"""Annotation time (annotate.scoring.effort) from Label Studio's lead_time, and its duration format."""

from __future__ import annotations

import pytest

from annotate.records import AnnotatedDocument, DocumentAnnotation, Segment, SegmentRating
from annotate.scoring.effort import annotation_effort, format_duration


def _doc(doc_id: str, n_segments: int, *annotations: tuple[str, str, float | None]) -> AnnotatedDocument:
    segments = [Segment(doc_id=doc_id, seg_id=i, paragraph=0, start=0, end=1, text="x") for i in range(1, n_segments + 1)]
    return AnnotatedDocument(doc_id=doc_id, title="", text="x", segments=segments, annotations=[
        DocumentAnnotation(doc_id=doc_id, annotator=annotator, status=status, lead_time=seconds, ratings=[
            SegmentRating(system=system, doc_id=doc_id, seg_id=s.seg_id, rater=annotator, source="x", target="y")
            for system in ("apertium", "argos") for s in segments])
        for annotator, status, seconds in annotations])


def test_paces_per_annotator_and_pooled() -> None:
    docs = [_doc("a", 10, ("ann-1", "completed", 600.0), ("ann-2", "completed", 200.0)),
            _doc("b", 5, ("ann-1", "completed", 300.0), ("ann-2", "completed", None)),
            _doc("c", 4, ("ann-2", "cancelled", 50.0), ("ann-2", "draft", 70.0))]
    effort = annotation_effort(docs)
    assert [a.annotator for a in effort.annotators] == ["ann-1", "ann-2"]
    first, second = effort.annotators
    assert (first.task_seconds, first.segments, first.translations) == ([600.0, 300.0], 15, 30)
    assert (first.median_task_seconds, first.seconds_per_segment, first.seconds_per_translation) == (450.0, 60.0, 30.0)
    assert (second.task_seconds, second.seconds_per_translation) == ([200.0], 10.0)
    # an untimed annotation is counted apart, never as zero; skipped tasks and drafts are not work done
    assert (effort.timed, effort.untimed, effort.seconds) == (3, 1, 1100.0)
    assert effort.seconds_per_translation == pytest.approx(1100 / 50)
    assert effort.hours_for(360) == pytest.approx(360 * 22 / 3600)


def test_time_per_sentence_with_and_without_suggestions() -> None:
    from dataclasses import replace

    docs = [_doc("a", 10, ("ann-1", "completed", 300.0)), _doc("b", 20, ("ann-2", "completed", 400.0)),
            _doc("c", 5, ("ann-1", "completed", 250.0))]
    assert annotation_effort(docs).time_saved is None  # nobody started from suggestions
    docs[1].annotations = [replace(a, parent_prediction=3) for a in docs[1].annotations]
    effort = annotation_effort(docs)
    assert effort.by_start == {False: (2, 550.0, 15), True: (1, 400.0, 20)}
    assert (effort.seconds_per_segment(True), effort.seconds_per_segment(False)) == (20.0, pytest.approx(550 / 15))
    assert effort.time_saved == pytest.approx(1 - 20 / (550 / 15))


def test_no_timing_no_report() -> None:
    effort = annotation_effort([_doc("a", 3, ("ann-1", "completed", None))])
    assert not effort and effort.untimed == 1 and effort.hours_for(10) is None


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "—"), (4.39, "4.4 s"), (42.0, "42 s"), (89.4, "89 s"), (90.0, "1.5 min"), (3600.0, "60.0 min"),
    (5400.0, "1.5 h"), (3_600_000.0, "1,000.0 h"),
])
def test_duration_format(seconds, text: str) -> None:
    assert format_duration(seconds) == text
