"""Records → task JSON → (as Label Studio exports it) → records, without a server."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from fixtures_labelstudio import ERROR_NOTE, gold_annotation, tricky_document

from annotate.labelstudio import config as lsconfig
from annotate.labelstudio.export import parse_export
from annotate.labelstudio.tasks import TaskBuildError, build_task, document_systems, task_data
from annotate.records import ErrorSpan, PostEdit, Span


def as_export(task: dict, task_id: int = 7, project: int = 3, user_id: int = 2) -> list[dict]:
    """What a JSON export of this imported task looks like (ids assigned, annotators expanded)."""
    exported = copy.deepcopy(task)
    exported.update(id=task_id, project=project)
    for number, annotation in enumerate(exported.get("annotations", []), 1):
        annotation["id"] = 100 + number
        annotation["completed_by"] = {"id": user_id + number, **annotation["completed_by"]}
    return [exported]


def test_task_data_shows_numbered_aligned_texts():
    doc = tricky_document()
    data = task_data(doc, ["argos", "apertium"])
    assert data["doc_id"] == doc.doc_id and data["text"] == doc.text
    assert data[lsconfig.SOURCE_FIELD].startswith("[1] Putin 🇷🇺 y Kim 🇰🇵 firman «acuerdo»\n\n[2] El presidente")
    assert "\n[3] La familia" in data[lsconfig.SOURCE_FIELD]  # same paragraph: a line break, no blank line
    assert "[2] El presidente ruso llegó a Pyongyang  el martes.\n" in data[lsconfig.SOURCE_FIELD]  # CR LF shown as spaces
    assert data["mt_apertium"].count("\n\n") == data[lsconfig.SOURCE_FIELD].count("\n\n")  # same paragraphs
    for segment in data[lsconfig.SEGMENTS_FIELD]:
        at = segment["src_at"]
        assert data[lsconfig.SOURCE_FIELD][at:at + len(segment["source"])] == segment["source"].replace("\r\n", "  ")
        for key, entry in segment["systems"].items():
            assert data[f"mt_{key}"][entry["at"]:entry["at"] + len(entry["text"])] == entry["text"]
        assert segment["mt"] == segment["systems"]["argos"]["text"]  # the first system prefills post-edits
    assert [s["name"] for s in data["systems"]] == ["argos", "apertium"]


def test_round_trip_of_a_gold_annotation():
    doc = tricky_document()
    gold = gold_annotation(doc)
    doc.annotations = [gold]
    task = build_task(doc, document_systems([doc]))
    (parsed,) = parse_export(as_export(task))
    assert parsed.segments == doc.segments
    assert sorted(parsed.translations, key=lambda t: (t.system, t.seg_id)) == \
        sorted(doc.translations, key=lambda t: (t.system, t.seg_id))
    (annotation,) = parsed.annotations
    assert annotation.annotator == gold.annotator  # imported annotators keep their pseudonym
    assert annotation.status == "completed" and annotation.task_id == 7 and annotation.annotation_id == 101
    assert annotation.entities == sorted(gold.entities, key=lambda s: (s.start, s.end, s.label))
    assert annotation.claims == gold.claims  # crosses the \r\n sentence boundary
    assert annotation.post_edits == gold.post_edits
    with_errors = [r for r in annotation.ratings if r.errors]
    assert [(r.system, r.seg_id, r.errors) for r in with_errors] == \
        [(r.system, r.seg_id, sorted(r.errors, key=lambda e: e.start)) for r in gold.ratings]
    assert any(e.comment == ERROR_NOTE for r in with_errors for e in r.errors)  # the note travels with its region
    # A completed annotation rates every (system, segment): the rest are "no error".
    assert len(annotation.ratings) == len(doc.segments) * 2


def test_cancelled_annotation_gives_no_no_error_ratings():
    doc = tricky_document()
    doc.annotations = [replace(gold_annotation(doc), status="cancelled")]
    task = build_task(doc, ["argos", "apertium"])
    assert task["annotations"][0]["was_cancelled"] is True
    (annotation,) = parse_export(as_export(task))[0].annotations
    assert annotation.status == "cancelled"
    assert all(r.errors for r in annotation.ratings)  # only the segments with marked errors


def test_drafts_are_not_imported():
    doc = tricky_document()
    doc.annotations = [replace(gold_annotation(doc), status="draft")]
    assert "annotations" not in build_task(doc, ["argos", "apertium"])


def test_predictions_carry_model_version_and_shared_region_ids():
    doc = tricky_document()
    from annotate.labelstudio.tasks import error_results

    def suggest(d, data):
        mt = [t for t in d.translations if t.system == "argos" and t.seg_id == 4][0]
        at = mt.mt.index("6.700")
        return error_results(data, "argos", 4, [ErrorSpan(at, at + 5, "Locale convention/Number format", "Minor",
                                                          "6.700")], origin=None, salt="s")

    task = build_task(doc, ["argos", "apertium"], suggest=suggest, model_version="rules-9")
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "rules-9"
    region, severity = prediction["result"]
    assert region["id"] == severity["id"] and "origin" not in region
    assert region["value"]["labels"] == ["Locale convention/Number format"]
    assert severity["value"]["choices"] == ["Minor"]
    assert task["data"]["mt_argos"][region["value"]["start"]:region["value"]["end"]] == "6.700"


def test_withheld_suggestions_go_to_the_meta_and_back():
    from annotate.labelstudio.tasks import add_suggestions

    task = build_task(tricky_document(), ["argos", "apertium"])
    result = [{"id": "r1", "from_name": "entity", "to_name": "source", "type": "labels", "value": {}}]
    add_suggestions(task, result, "rules-9", withhold=True)
    assert "predictions" not in task and task["meta"]["withheld_prediction"] == {"model_version": "rules-9",
                                                                                 "result": result}
    assert task["meta"]["doc_id"] == tricky_document().doc_id  # the task's identity stays
    add_suggestions(task, result, "rules-9")  # shown after all: out of the meta, into predictions
    assert task["predictions"] == [{"model_version": "rules-9", "result": result}]
    assert "withheld_prediction" not in task["meta"]


def test_held_out_tasks_are_chosen_by_a_hash_of_the_doc_id():
    from annotate.labelstudio.push import is_held_out

    doc_ids = [f"doc-{n:05d}" for n in range(10_000)]
    for percent in (0, 5, 20, 50, 100):
        held = [d for d in doc_ids if is_held_out(d, percent)]
        assert abs(len(held) - percent * 100) < 150, percent  # about the share asked for
        assert held == [d for d in doc_ids if is_held_out(d, percent)]  # the same on every push
    assert set(d for d in doc_ids if is_held_out(d, 5)) <= set(d for d in doc_ids if is_held_out(d, 20))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.segments.__setitem__(0, replace(d.segments[0], text="otro")), "segment 1 text"),
        (lambda d: setattr(d, "segments", []), "has no segments"),
        (lambda d: d.translations.append(replace(d.translations[0], system="nllb")), "not one of the project"),
    ],
)
def test_inconsistent_documents_are_refused(mutate, message):
    doc = tricky_document()
    mutate(doc)
    with pytest.raises(TaskBuildError, match=message):
        build_task(doc, ["argos", "apertium"])


@pytest.mark.parametrize(
    ("annotation_change", "message"),
    [
        ({"entities": [Span(0, 5, "PER", "Xutin")]}, "span text 'Xutin' != text\\[0:5\\] 'Putin'"),
        ({"claims": [Span(len("Putin 🇷🇺 y Kim 🇰🇵 firman «acuerdo»"), len("Putin 🇷🇺 y Kim 🇰🇵 firman «acuerdo»") + 2,
                          "Event", "\n\n")]}, "outside every segment"),
        ({"post_edits": [PostEdit(99, "x")]}, "segment 99"),
    ],
)
def test_annotation_records_are_checked(annotation_change, message):
    doc = tricky_document()
    doc.annotations = [replace(gold_annotation(doc), **annotation_change)]
    with pytest.raises(TaskBuildError, match=message):
        build_task(doc, ["argos", "apertium"])


def test_a_missing_translation_shows_an_empty_line_and_is_not_invented():
    doc = tricky_document()
    doc.translations = [t for t in doc.translations if not (t.system == "apertium" and t.seg_id == 3)]
    task = build_task(doc, ["argos", "apertium"])
    entry = task["data"][lsconfig.SEGMENTS_FIELD][2]["systems"]["apertium"]
    assert entry["text"] == "" and entry["missing"] is True
    (parsed,) = parse_export(as_export(task))
    assert ("apertium", 3) not in {(t.system, t.seg_id) for t in parsed.translations}
    assert len(parsed.translations) == len(doc.translations)
