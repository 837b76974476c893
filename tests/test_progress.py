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


def _gold_pair_docs():
    """The recorded task two gold annotators completed (ui-gold), and a copy where the second one
    marked no error at all: less agreement, a wider MQM gap."""
    from dataclasses import replace

    from fixtures_labelstudio import with_doc_id

    (gold,) = [d for d in parse_export(load_export(RECORDED)) if d.doc_id == "ui-gold"]
    worse = with_doc_id(gold, "ui-gold-2")
    worse.annotations = [replace(a, doc_id="ui-gold-2", task_id=9, ratings=[replace(r, errors=[]) for r in a.ratings])
                         if a.annotator == "annotator-1111cafe" else replace(a, doc_id="ui-gold-2", task_id=9)
                         for a in gold.annotations]
    return gold, worse


def test_review_queue_puts_the_least_agreement_first_and_settled_tasks_last():
    from dataclasses import replace

    from annotate.progress import review_queue
    from annotate.scoring.mqm import rating_penalty

    gold, worse = _gold_pair_docs()
    (item,) = review_queue([gold])
    assert (item.doc_id, item.task_id, item.annotators) == ("ui-gold", 2, ("annotator-0000beef", "annotator-1111cafe"))
    assert item.span_f1 == 16 / 17 and item.mqm_gap == 0 and not item.starred  # cafe lacks 1 of beef's 9 spans
    beef = next(a for a in worse.annotations if a.annotator == "annotator-0000beef")
    first, second = review_queue([gold, worse])
    assert (first.doc_id, second.doc_id) == ("ui-gold-2", "ui-gold")
    assert first.span_f1 < second.span_f1 and first.mqm_gap == sum(rating_penalty(r) for r in beef.ratings) > 0
    worse.annotations = [replace(a, ground_truth=a.annotator == "annotator-0000beef") for a in worse.annotations]
    assert [(i.doc_id, i.starred) for i in review_queue([gold, worse])] == [("ui-gold", False), ("ui-gold-2", True)]
    assert review_queue(parse_export(load_export(RECORDED)))[0].doc_id == "ui-gold"  # the only task done twice


def test_printed_review_links_the_tasks_to_settle():
    from dataclasses import replace

    from rich.console import Console

    from annotate.progress import print_progress

    gold, worse = _gold_pair_docs()
    worse.annotations = [replace(a, ground_truth=a.annotator == "annotator-0000beef") for a in worse.annotations]
    console = Console(record=True, width=250)
    print_progress(console, [gold, worse], task_url=lambda task_id: f"http://ls/projects/1/data?task={task_id}")
    text = console.export_text()
    assert "review: 2 tasks completed by two annotators or more, 1 settled" in text and "1 unreviewed" in text
    assert "taken now" in text and "annotator-0000beef #" in text  # what the dataset takes until a reviewer ticks
    assert "http://ls/projects/1/data?task=2 (doc ui-gold)" in text and "0.94" in text
    assert "task=9" not in text  # settled: the star decided (a "Final" tick would too)


def test_a_system_that_joined_annotated_tasks_is_listed_as_unrated_with_links():
    from dataclasses import replace

    from rich.console import Console

    from annotate.progress import print_progress, unrated_systems

    gold, other = _gold_pair_docs()
    assert unrated_systems([gold, other]) == {}  # every submission rated every system it was shown
    newcomer = [replace(t, system="opus-mt") for t in gold.translations]
    gold.translations = gold.translations + newcomer
    task_id = gold.annotations[0].task_id
    assert unrated_systems([gold, other]) == {"opus-mt": [(gold.doc_id, task_id)]}
    console = Console(record=True, width=250)
    print_progress(console, [gold, other], task_url=lambda task: f"http://ls/projects/1/data?task={task}")
    text = console.export_text()
    assert "opus-mt is unrated on 1 annotated task (their annotations were submitted without rating it, e.g. it joined them later)" in text
    assert f"http://ls/projects/1/data?task={task_id}" in text
