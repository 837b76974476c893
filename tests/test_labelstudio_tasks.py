"""Records → task JSON → (as Label Studio exports it) → records, without a server."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from fixtures_labelstudio import ERROR_NOTE, gold_annotation, gold_with_source_omissions, tricky_document

from annotate.labelstudio import config as lsconfig
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.export import as_rendered, parse_export
from annotate.labelstudio.post_edits import POST_EDIT_PREFILL
from annotate.labelstudio.tasks import TaskBuildError, build_task, document_systems, extends_data, task_data
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


@pytest.mark.parametrize("stamp, rates_argos", [
    ("2024-06-01T10:00:00.000000Z", True),  # updated since argos joined: its annotator was shown argos
    ("", False),  # as it was when argos joined the task: never shown argos, so no "no error" ratings
], ids=["updated since", "not updated since"])
def test_a_system_added_after_a_submission_is_not_rated_by_it_until_it_is_updated(stamp, rates_argos):
    doc = tricky_document()  # argos, apertium; the gold marks errors on apertium only
    doc.annotations = [gold_annotation(doc)]
    task = build_task(doc, ["apertium", "argos"])
    exported = as_export(task)  # annotation 101, exported without updated_at (parsed as "")
    argos = next(s for s in exported[0]["data"]["systems"] if s["name"] == "argos")
    argos["unseen_by"] = {"101": stamp}
    (annotation,) = parse_export(exported)[0].annotations
    rated = {(r.system, r.seg_id) for r in annotation.ratings}
    assert {seg_id for system, seg_id in rated if system == "apertium"} == {s.seg_id for s in doc.segments}
    assert any(system == "argos" for system, _ in rated) is rates_argos


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
    from annotate.labelstudio.suggestions import is_held_out

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


def test_omissions_marked_in_the_source_round_trip():
    doc = tricky_document()
    gold, omissions = gold_with_source_omissions(doc)
    doc.annotations = [gold]
    task = build_task(doc, document_systems([doc]))
    result = task["annotations"][0]["result"]
    regions = [i for i in result if i["from_name"] == lsconfig.SOURCE_ERROR_CONTROL]
    assert [r["value"]["labels"] for r in regions] == [["Omission in apertium"]] * 2
    display = task["data"][lsconfig.SOURCE_FIELD]
    for region in regions:  # on the numbered source, written as the UI writes it
        assert region["to_name"] == lsconfig.SOURCE_TEXT
        assert as_rendered(display[region["value"]["start"]:region["value"]["end"]]) == region["value"]["text"]
    assert {i["from_name"] for i in result if i["id"] in {r["id"] for r in regions}} == {
        lsconfig.SOURCE_ERROR_CONTROL, lsconfig.SOURCE_ERROR_SEVERITY_CONTROL, lsconfig.SOURCE_ERROR_NOTE_CONTROL}

    (parsed,) = parse_export(as_export(task))
    for seg_id, omission in omissions:
        (rating,) = [r for r in parsed.annotations[0].ratings if r.system == "apertium" and r.seg_id == seg_id]
        assert omission in rating.errors
    (target_side,) = [r for r in parsed.annotations[0].ratings if r.system == "apertium" and r.seg_id == 2]
    assert {e.side for e in target_side.errors} == {"source", "target"}  # beside the MT-side errors


def test_only_source_side_categories_can_be_marked_in_the_source():
    doc = tricky_document()
    gold = gold_annotation(doc)
    gold.ratings[0].errors.append(ErrorSpan(0, 2, "Fluency/Grammar", "Minor", gold.ratings[0].source[:2],
                                            side="source"))
    doc.annotations = [gold]
    with pytest.raises(TaskBuildError, match=r"'Fluency/Grammar' error marked in the source of segment 2.*"
                                             r"only Accuracy/Omission, Source error"):
        build_task(doc, ["argos", "apertium"])


def _source_error_items(task: dict) -> list[dict]:
    ids = {i["id"] for i in task["annotations"][0]["result"] if i["from_name"] == lsconfig.SOURCE_ERROR_CONTROL}
    return [i for i in task["annotations"][0]["result"] if i["id"] in ids]


def _drop_severity(items: list[dict], task: dict) -> None:
    severity = next(i for i in items if i["from_name"] == lsconfig.SOURCE_ERROR_SEVERITY_CONTROL)
    task["annotations"][0]["result"].remove(severity)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda items, task: items[0]["value"].update(labels=["Omission in nllb"]),
     r"unknown source-side error label 'Omission in nllb' \(this task's are \['Omission in apertium', "),
    (_drop_severity, r"MQM error 'Accuracy/Omission' on source \(Omission in apertium\) has no severity"),
    (lambda items, task: next(i for i in items if i["type"] == "textarea").update(from_name="note_apertium"),
     r"note \['note_apertium'\] does not belong to source \(Omission in apertium\)"),
    (lambda items, task: items[0]["value"].update(text="cooperación"), r"region text 'cooperación' does not match"),
], ids=["unknown-label", "no-severity", "note-of-an-mt-column", "text-off-its-offsets"])
def test_broken_source_side_errors_are_errors_naming_the_region(edit, message):
    doc = tricky_document()
    gold, _ = gold_with_source_omissions(doc)
    doc.annotations = [gold]
    task = build_task(doc, document_systems([doc]))
    edit(_source_error_items(task), task)
    with pytest.raises(ExportError, match=r"task 7 \(doc doc-tricky-1\) annotation 101 region \w+: " + message):
        parse_export(as_export(task))


EXTENSION_CASES = [
    # id, old, new, is it only an addition?
    ("equal", {"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 2]}, True),
    ("a key added", {"a": 1}, {"a": 1, "mt_argos": "x"}, True),
    ("a list grows at the end", {"systems": [{"name": "apertium"}]},
     {"systems": [{"name": "apertium"}, {"name": "argos"}]}, True),
    ("a nested key added", {"segments": [{"systems": {"apertium": {"at": 0}}}]},
     {"segments": [{"systems": {"apertium": {"at": 0}, "argos": {"at": 0}}}]}, True),
    ("a value changed", {"title": "a"}, {"title": "b"}, False),
    ("a key removed", {"a": 1, "b": 2}, {"a": 1}, False),
    ("a list shrinks", {"s": [1, 2]}, {"s": [1]}, False),
    ("an item inserted before", {"s": [1, 2]}, {"s": [0, 1, 2]}, False),
    ("a text grows (offsets after it would move)", {"source": "[1] a"}, {"source": "[1] a b"}, False),
    ("a number's type changed", {"at": 1}, {"at": 1.0}, False),
    ("a mapping became a scalar", {"a": {"b": 1}}, {"a": 1}, False),
]


@pytest.mark.parametrize("old, new, expected", [c[1:] for c in EXTENSION_CASES], ids=[c[0] for c in EXTENSION_CASES])
def test_extends_data(old, new, expected):
    assert extends_data(old, new) is expected


def test_a_new_system_only_adds_to_the_task_data_and_a_changed_output_does_not():
    both = tricky_document(systems=("apertium", "argos"))
    apertium_only = replace(both, translations=[t for t in both.translations if t.system == "apertium"])
    old = task_data(apertium_only, ["apertium"])
    assert extends_data(old, task_data(both, ["apertium", "argos"]))
    assert not extends_data(old, task_data(both, ["argos", "apertium"]))  # a system put first moves the prefill
    changed = replace(both, translations=[replace(t, mt=t.mt + "!") if t.system == "apertium" else t
                                          for t in both.translations])
    assert not extends_data(old, task_data(changed, ["apertium", "argos"]))


@pytest.mark.parametrize(("meta", "versions"), [
    ({}, set()),  # pushed without suggestions, or by an annotate that did not record them
    ({"suggestion_version": "annotate-suggest a"}, {"annotate-suggest a"}),
    ({"suggestion_version": "annotate-suggest b", "withheld_prediction": {"model_version": "annotate-suggest b"}},
     {"annotate-suggest b"}),
    ({"withheld_prediction": {"model_version": "annotate-suggest c", "result": []}}, {"annotate-suggest c"}),
])
def test_the_suggestion_versions_of_a_listed_task(meta, versions) -> None:
    from annotate.labelstudio.task_shape import suggestion_versions

    assert suggestion_versions({"meta": meta}) == versions


def test_a_task_records_the_version_of_its_suggestions_shown_or_withheld() -> None:
    from annotate.labelstudio.tasks import add_suggestions

    shown, withheld = {"data": {}, "meta": {"doc_id": "d"}}, {"data": {}, "meta": {"doc_id": "d"}}
    add_suggestions(shown, [], "annotate-suggest v1")
    add_suggestions(withheld, [], "annotate-suggest v1", withhold=True)
    assert shown["meta"]["suggestion_version"] == withheld["meta"]["suggestion_version"] == "annotate-suggest v1"
    assert shown["predictions"] == [{"model_version": "annotate-suggest v1", "result": []}] and "predictions" not in withheld


@pytest.mark.parametrize(("versions", "predictions", "stale"), [
    (set(), 0, False),  # no suggestions recorded (pushed with --no-predictions): left so
    (set(), 1, False),  # someone else's prediction
    ({"annotate-suggest v2"}, 1, False),  # current
    ({"annotate-suggest v1"}, 1, True),
    ({"annotate-suggest v1"}, 0, True),  # withheld (in the meta), or an empty suggestion
    ({"annotate-suggest v1"}, 2, False),  # another model's prediction beside ours: never replaced
    ({"annotate-suggest v1", "someone-else"}, 1, False),
])
def test_only_our_own_outdated_suggestions_are_stale(versions, predictions, stale) -> None:
    from annotate.labelstudio.client import ExistingTask
    from annotate.labelstudio.suggestions import stale_suggestions

    task = ExistingTask(id=1, data={}, annotations=0, predictions=predictions, suggestion_versions=frozenset(versions))
    assert stale_suggestions(task, lambda doc, data: [], "annotate-suggest v2") is stale
    assert stale_suggestions(task, None, "") is False  # pushed without suggestions


@pytest.mark.parametrize(("prefill", "expected"), [(None, "argos"), ("apertium", "apertium"), ("", "")])
def test_the_post_edit_boxes_start_as_the_push_says_and_the_meta_records_it(prefill, expected):
    doc = tricky_document()
    task = build_task(doc, ["argos", "apertium"], post_edit_prefill=prefill)
    outputs = {t.seg_id: t.mt for t in doc.translations if t.system == expected}
    assert [s["mt"] for s in task["data"][lsconfig.SEGMENTS_FIELD]] == [outputs.get(s.seg_id, "") for s in doc.segments]
    assert task["meta"][POST_EDIT_PREFILL] == expected
    (parsed,) = parse_export(as_export(task))
    assert parsed.post_edit_prefill == expected
    with pytest.raises(TaskBuildError, match="cannot start with the output of 'nllb'"):
        build_task(doc, ["argos", "apertium"], post_edit_prefill="nllb")


def test_imported_post_edits_round_trip_as_edited_or_confirmed():
    """An imported post-edit equal to what its box starts with is a reference someone chose: it is
    imported with its "Correct as is" tick, so it comes back (confirmed) rather than ignored."""
    doc = tricky_document()
    first = {t.seg_id: t.mt for t in doc.translations if t.system == "argos"}
    gold = replace(gold_annotation(doc), post_edits=[PostEdit(1, first[1]), PostEdit(3, "The family greets.")])
    doc.annotations = [gold]
    for prefill, confirmed in (("argos", [True, False]), ("", [False, False])):
        (parsed,) = parse_export(as_export(build_task(doc, ["argos", "apertium"], post_edit_prefill=prefill)))
        (annotation,) = parsed.annotations
        assert [(p.seg_id, p.text) for p in annotation.post_edits] == [(1, first[1]), (3, "The family greets.")]
        assert [p.confirmed for p in annotation.post_edits] == confirmed and annotation.ignored_post_edits == []
