"""ESA projects in Label Studio (annotate.labelstudio.esa): the config, the task fields, and an
export's ESA results read back as ESARating records. The page itself is exercised in a real
browser by tests/test_browser_esa.py."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import pytest
from fixtures_labelstudio import esa_score as _score
from fixtures_labelstudio import esa_span as _span
from fixtures_labelstudio import tricky_document

from annotate import schema
from annotate.esa import ESASpan
from annotate.labelstudio.esa import add_esa_fields, esa_label_config, esa_ratings, esa_text, is_esa_task
from annotate.labelstudio.tasks import task_data
from annotate.languages import LanguagePair

SYSTEMS = ("argos", "apertium")


def _task(annotations: list[dict]) -> dict:
    doc = tricky_document(systems=SYSTEMS)
    return {"id": 7, "data": add_esa_fields(task_data(doc, SYSTEMS)), "annotations": annotations}


def test_config_is_blind_with_one_span_bar_text_and_score_per_translation():
    root = ET.fromstring(esa_label_config(list(SYSTEMS)))
    repeater = root.find("Repeater")
    assert repeater is not None and repeater.get("on") == "$segments"
    headers = [h.get("value") for h in repeater.iter("Header")]
    assert headers == ["Translation 1", "Translation 2"]  # blind: no system name on the page
    assert [(n.get("name"), n.get("toName"), n.get("min"), n.get("max")) for n in repeater.iter("Number")] == [
        ("esa_score_argos_{{idx}}", "esa_mt_argos_{{idx}}", "0", "100"),
        ("esa_score_apertium_{{idx}}", "esa_mt_apertium_{{idx}}", "0", "100")]
    assert [[label.get("value") for label in labels] for labels in repeater.iter("Labels")] == [["Minor", "Major"]] * 2
    anchors = [h.get("value") for h in root.findall("Header")]
    assert "Score: 0: no meaning preserved · 33: some meaning preserved · 66: most meaning preserved and few " \
           "grammar mistakes · 100: perfect meaning and grammar" in anchors


def test_task_fields_append_the_omission_marker():
    data = _task([])["data"]
    assert is_esa_task(data) and not is_esa_task(task_data(tricky_document(systems=SYSTEMS), SYSTEMS))
    second = data["segments"][1]
    assert second["esa_apertium"] == "The Russian president arrived in Pyongyang on the Tuesday. [MISSING]"
    assert esa_text("") == schema.ESA_MISSING_MARKER


def test_export_reads_back_as_ratings_with_spans_omissions_and_time():
    marker_at = len("The Russian president arrived in Pyongyang on the Tuesday.") + 1
    annotation = {
        "id": 31, "completed_by": {"id": 3, "email": "ann@example.org"}, "lead_time": 120.0,
        "updated_at": "2026-12-04T10:00:00.000000Z", "was_cancelled": False,
        "result": [
            _span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"),
            _span("esa_span_apertium_1", marker_at, marker_at + 9, "[MISSING]", "Major"),
            _score("esa_score_apertium_1", 61),
            _score("esa_score_argos_1", 100),
            _score("esa_score_argos_0", 95),
        ]}
    ratings = esa_ratings([_task([annotation])], LanguagePair("es", "en"))
    assert [(r.system, r.segment_id, r.score, r.spans) for r in ratings] == [
        ("apertium", 2, 61.0, (ESASpan(46, 57, "minor"), ESASpan(None, None, "major"))),
        ("argos", 1, 95.0, ()),
        ("argos", 2, 100.0, ()),
    ]
    first = ratings[0]
    assert (first.langs, first.doc_id, first.segment_type) == ("es-en", "doc-tricky-1", "TGT")
    assert first.target[46:57] == "the Tuesday"
    assert first.end_time == 1796378400.0 and first.end_time - first.start_time == 40.0  # 120 s / 3 ratings
    assert first.annotator.startswith("annotator-") and "ann@example.org" not in first.annotator


@pytest.mark.parametrize(("result", "problem"), [
    ([_span("esa_span_argos_0", 0, 5, "Xutin", "Minor"), _score("esa_score_argos_0", 50)],
     "span text 'Xutin' is not the task's 'Putin' at 0–5"),
    ([_span("esa_span_argos_0", 0, 5, "Putin", "Minor")], "no score from 0 to 100 for its 1 span (got None)"),
    ([_score("esa_score_argos_0", 101)], "no score from 0 to 100 (got 101)"),
    ([_span("esa_span_argos_0", 0, 5, "Putin", "Critical"), _score("esa_score_argos_0", 5)],
     "span label ['Critical'] is not one of ['Minor', 'Major']"),
])
def test_problems_name_task_segment_and_system(result, problem):
    task = _task([{"id": 5, "completed_by": 3, "result": result}])
    found: list[str] = []
    assert esa_ratings([task], problems=found) == []  # the rating is left out whole
    assert found == [f"task 7 (doc doc-tricky-1) annotation 5, segment 1, argos: {problem}"]
    with pytest.raises(ValueError, match="1 ESA problem"):
        esa_ratings([task])


def test_a_span_over_words_and_the_marker_is_a_problem():
    text = "Putin 🇷🇺 and Kim 🇰🇵 sign «agreement» [MISSING]"
    task = _task([{"id": 5, "completed_by": 3, "result": [
        _span("esa_span_argos_0", len(text) - 15, len(text), text[-15:], "Major"), _score("esa_score_argos_0", 5)]}])
    found: list[str] = []
    assert esa_ratings([task], problems=found) == []
    assert found == ["task 7 (doc doc-tricky-1) annotation 5, segment 1, argos: a span covers both words and "
                     "[MISSING]: mark them apart"]


def test_skipped_annotations_and_mqm_tasks_give_no_rating():
    skipped = {"id": 5, "completed_by": 3, "was_cancelled": True, "result": [_score("esa_score_argos_0", 5)]}
    mqm = copy.deepcopy(_task([]))
    del mqm["data"]["protocol"]
    mqm["annotations"] = [{"id": 6, "completed_by": 3, "result": [_score("esa_score_argos_0", 5)]}]
    assert esa_ratings([_task([skipped]), mqm]) == []


def test_esa_ai_turns_our_mqm_suggestions_into_segment_spans():
    from annotate.labelstudio.esa import esa_suggestions
    from annotate.labelstudio.tasks import error_results
    from annotate.records import ErrorSpan

    data = _task([])["data"]
    mqm = error_results(data, "apertium", 2, [
        ErrorSpan(46, 57, "Fluency/Grammar", "Minor", "the Tuesday"),
        ErrorSpan(4, 11, "Accuracy/Mistranslation", "Major", "Russian"),
        ErrorSpan(0, 3, "Style/Awkward", "Neutral", "The"),  # not an ESA severity: dropped
    ], origin="prediction", salt="s")
    spans = esa_suggestions(data, mqm)
    assert [(s["from_name"], s["value"]["start"], s["value"]["end"], s["value"]["text"], s["value"]["labels"])
            for s in spans] == [("esa_span_apertium_1", 46, 57, "the Tuesday", ["Minor"]),
                                ("esa_span_apertium_1", 4, 11, "Russian", ["Major"])]
    assert {s["origin"] for s in spans} == {"prediction"}
    # what the UI would store if the annotator kept them: they read back as ratings' spans
    task = _task([{"id": 9, "completed_by": 3, "result": [*spans, _score("esa_score_apertium_1", 70)]}])
    (rating,) = esa_ratings([task])
    assert rating.spans == (ESASpan(46, 57, "minor"), ESASpan(4, 11, "major"))


def test_prefill_fate_counts_kept_changed_deleted_and_added():
    from annotate.labelstudio.esa import prefill_fate

    suggested = [_span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"),
                 _span("esa_span_apertium_1", 4, 11, "Russian", "Major"),
                 _span("esa_span_argos_0", 0, 5, "Putin", "Minor")]
    done = [_span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"),  # kept
            _span("esa_span_apertium_1", 4, 11, "Russian", "Minor"),  # re-rated: changed
            _span("esa_span_argos_1", 0, 3, "The", "Major")]  # the annotator's own; Putin deleted
    task = _task([{"id": 9, "completed_by": 3, "parent_prediction": 4, "result": done},
                  {"id": 10, "completed_by": 4, "parent_prediction": None, "result": []}])  # started blank
    task["predictions"] = [{"id": 4, "result": suggested}]
    assert prefill_fate([task]) == {"kept": 1, "changed": 1, "deleted": 1, "added": 1}


def test_esa_report_of_a_label_studio_export_tells_the_prefill_fate(tmp_path):
    import json

    from typer.testing import CliRunner

    from annotate.cli import app

    suggested = [_span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"),
                 _span("esa_span_argos_0", 0, 5, "Putin", "Minor")]
    done = [_span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"), _score("esa_score_apertium_1", 70),
            _score("esa_score_argos_0", 90)]
    task = _task([{"id": 9, "completed_by": 3, "parent_prediction": 4, "result": done}])
    task["predictions"] = [{"id": 4, "result": suggested}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps([task]), encoding="utf-8")
    result = CliRunner().invoke(app, ["esa-report", str(export), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert ("annotators kept 1, changed 0 (moved, resized or re-rated) and deleted 1; they added 0 spans of "
            "their own.") in markdown
    data = json.loads((tmp_path / "out" / "scores.json").read_text(encoding="utf-8"))
    assert data["esa_ai_prefill"] == {"kept": 1, "changed": 0, "deleted": 1, "added": 0}
    assert {s["system"]: s["score"] for s in data["pairs"]["es-en"]["systems"]} == {"argos": 90.0, "apertium": 70.0}
    # --languages overrides the pair each task records
    scores = CliRunner().invoke(app, ["esa-scores", str(export), "--json", "--languages", "en-de"])
    assert scores.exit_code == 0, scores.output
    assert json.loads(scores.stdout) == {"en-de": {"argos": 90.0, "apertium": 70.0}}


def test_the_mqm_parser_leaves_an_esa_page_to_esa():
    """pull and build read every export with the MQM parser: on an ESA task its spans are no
    "region on unknown object" problem, and no translation reads as an MQM rating without error."""
    from annotate.labelstudio.export import parse_export

    task = _task([{"id": 9, "completed_by": 3, "result": [_span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"),
                                                          _score("esa_score_apertium_1", 70)]}])
    problems: list = []
    (doc,) = parse_export([task], problems=problems)
    assert problems == []
    (annotation,) = doc.annotations
    assert (annotation.status, annotation.ratings, annotation.entities) == ("completed", [], [])


def test_build_keeps_entities_of_esa_pages_that_asked_for_them():
    from annotate.dataset.esa_inputs import ExportESA, without_esa_annotations
    from fixtures_labelstudio import gold_annotation, with_doc_id

    alone, extras = (with_doc_id(tricky_document(systems=SYSTEMS), name) for name in ("esa-alone", "esa-extras"))
    for doc in (alone, extras):
        doc.annotations = [gold_annotation(doc)]
    esa = ExportESA(doc_ids={"esa-alone", "esa-extras"}, with_extras={"esa-extras"})
    kept = {doc.doc_id: len(doc.annotations) for doc in without_esa_annotations([alone, extras], esa)}
    assert kept == {"esa-alone": 0, "esa-extras": 1}
    assert add_esa_fields(task_data(tricky_document(systems=SYSTEMS), SYSTEMS), ["post-edits", "entities"])[
        "esa_with"] == ["entities", "post-edits"]


def test_mqm_commands_leave_esa_tasks_to_the_esa_commands_and_say_so(tmp_path):
    """`annotate report` of an ESA project's export made an empty MQM report without a word: the
    MQM commands now leave ESA-only tasks out (and say which command scores them), and refuse an
    export of nothing else."""
    import json

    from fixtures_labelstudio import with_doc_id
    from typer.testing import CliRunner

    from annotate.cli import app

    esa = _task([{"id": 9, "completed_by": 3, "result": [_score("esa_score_argos_0", 90)]}])
    doc = with_doc_id(tricky_document(systems=SYSTEMS), "mqm-doc")
    mqm = {"id": 8, "data": task_data(doc, SYSTEMS), "annotations": [{"id": 10, "completed_by": 3, "result": []}]}
    only_esa, mixed = tmp_path / "esa.json", tmp_path / "mixed.json"
    only_esa.write_text(json.dumps([esa]), encoding="utf-8")
    mixed.write_text(json.dumps([esa, mqm]), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(app, ["mqm-scores", str(only_esa)])
    assert refused.exit_code == 2
    assert "are ESA tasks (no MQM)" in refused.output and f"annotate esa-report {only_esa}" in refused.output
    scored = runner.invoke(app, ["mqm-scores", str(mixed), "--json"])
    assert scored.exit_code == 0, scored.output
    assert "1 document of ESA tasks left out" in " ".join(scored.stderr.split())
    alone = tmp_path / "mqm.json"
    alone.write_text(json.dumps([mqm]), encoding="utf-8")
    expected = json.loads(runner.invoke(app, ["mqm-scores", str(alone), "--json"]).stdout)
    assert json.loads(scored.stdout) == expected and set(expected["systems"]) == set(SYSTEMS)


def test_a_result_for_a_segment_the_task_does_not_have_is_a_problem_not_a_crash():
    result = [_score("esa_score_argos_0", 90), _score("esa_score_argos_9", 50)]
    task = _task([{"id": 9, "completed_by": 3, "result": result}])
    problems: list[str] = []
    ratings = esa_ratings([task], problems=problems)
    assert [(r.system, r.segment_id, r.score) for r in ratings] == [("argos", 1, 90.0)]
    assert problems == ["task 7 (doc doc-tricky-1) annotation 9: argos's result for segment #10 of a task with 4 segments"]
