"""export.py on a REAL recorded export (tests/data/labelstudio/export.json, written by
tests/test_browser.py from a Label Studio 1.23.2 session: a task labelled in the UI, one with
imported gold annotations by two annotators, one skipped, one left as a draft), plus edited
copies for every way an export can be wrong."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures_labelstudio import UI_NOTE

from annotate.labelstudio.errors import ExportError, InvalidExport
from annotate.labelstudio import export_file
from annotate.records import ExportProblem, PostEdit, describe_problems
from annotate.labelstudio.export import (
    as_rendered,
    load_export,
    parse_export,
    pseudonym,
    read_export_documents,
    region_choice_result,
    region_textarea_result,
    scrub_export,
    span_result,
)
from annotate.labelstudio.post_edits import POST_EDIT_PREFILL, confirmation_result
from annotate.references import PostEditTally

RECORDED = Path(__file__).parent / "data" / "labelstudio" / "export.json"


@pytest.fixture(scope="module")
def recorded() -> list[dict]:
    return load_export(RECORDED)


@pytest.fixture
def export(recorded) -> list[dict]:
    """A fresh deep copy to edit."""
    return copy.deepcopy(recorded)


def _task(data: list[dict], doc_id: str) -> dict:
    return next(t for t in data if t["data"]["doc_id"] == doc_id)


def _docs(data: list[dict]) -> dict:
    return {d.doc_id: d for d in parse_export(data)}


def test_recorded_export_parses_into_what_the_annotators_did(recorded):
    docs = _docs(recorded)
    assert sorted(docs) == ["ui-draft", "ui-gold", "ui-labeled", "ui-skip"]
    (labeled,) = docs["ui-labeled"].annotations
    assert labeled.status == "completed"
    assert [(s.label, s.text) for s in labeled.entities] == [("LOC", "Pyongyang")]
    (claim,) = labeled.claims
    assert (claim.label, claim.text) == ("Event", "El presidente ruso llegó a Pyongyang\r\nel martes.")
    assert docs["ui-labeled"].text[claim.start:claim.end] == claim.text
    errors = [(r.system, r.seg_id, e.category, e.severity, e.text, e.start, e.end)
              for r in labeled.ratings for e in r.errors]
    assert errors == [("apertium", 2, "Fluency/Grammar", "Minor", "the Tuesday", 46, 57)]
    assert len(labeled.ratings) == 2 * 4  # every (system, segment), the rest without errors
    # The UI stored every box; none differs from what it started with (argos's output: the "edit"
    # typed in segment 2 IS that output) and none was confirmed: no post-edits, four ignored boxes.
    assert labeled.post_edits == [] and labeled.ignored_post_edits == [1, 2, 3, 4]
    assert docs["ui-labeled"].post_edit_prefill == "argos"  # recorded before the meta said: the first system

    gold = {a.annotator: a for a in docs["ui-gold"].annotations}
    assert sorted(gold) == ["annotator-0000beef", "annotator-1111cafe"]  # kept apart
    assert len(gold["annotator-0000beef"].entities) == 6 and gold["annotator-1111cafe"].claims == []
    (skipped,) = docs["ui-skip"].annotations
    assert skipped.status == "cancelled" and all(r.errors for r in skipped.ratings)
    (draft,) = docs["ui-draft"].annotations
    assert draft.status == "draft" and ("ORG", "KCNA") in {(s.label, s.text) for s in draft.entities}
    assert labeled.annotator == skipped.annotator == draft.annotator  # one person, one pseudonym


def test_no_email_reaches_the_records(recorded):
    assert "@" in json.dumps(recorded)  # the raw export has them …
    records = json.dumps([d.to_dict() for d in parse_export(recorded)], ensure_ascii=False)
    assert "@" not in records  # … the records never


@pytest.mark.parametrize(
    ("user_id", "email", "salt", "expected"),
    [
        (7, "annotator-0000beef@annotate.invalid", "any", "annotator-0000beef"),  # imported: kept
        (1, "Someone@Example.org", "s1", pseudonym(1, "someone@example.org", "s1")),  # case-insensitive
    ],
)
def test_pseudonyms(user_id, email, salt, expected):
    assert pseudonym(user_id, email, salt) == expected


def test_pseudonyms_are_stable_and_salted():
    first = pseudonym(1, "a@b.c", "project-1")
    assert first == pseudonym(1, "a@b.c", "project-1") and first.startswith("annotator-") and len(first) == 18
    assert first != pseudonym(1, "a@b.c", "project-2") and first != pseudonym(1, "x@b.c", "project-1")
    assert first == pseudonym(None, "A@B.c", "project-1")  # drafts carry only the e-mail: same person
    assert pseudonym(5, None, "project-1") != pseudonym(6, None, "project-1")
    assert "a@b.c" not in first


def test_scrubbed_export_has_no_identities_and_parses_the_same(recorded):
    scrubbed = scrub_export(recorded)
    text = json.dumps(scrubbed, ensure_ascii=False)
    assert "localhost" not in text and "created_username" not in text
    assert [d.to_dict() for d in parse_export(scrubbed)] == [d.to_dict() for d in parse_export(recorded)]


def test_a_region_whose_text_does_not_match_is_an_error_naming_everything(export):
    task = _task(export, "ui-labeled")
    (annotation,) = task["annotations"]
    region = next(i for i in annotation["result"] if i["from_name"] == "entity")
    region["value"]["text"] = "Pyongyangg"
    with pytest.raises(ExportError) as info:
        parse_export(export)
    message = str(info.value)
    for part in (f"task {task['id']}", "ui-labeled", f"annotation {annotation['id']}", f"region {region['id']}",
                 "'Pyongyangg'", "'Pyongyang'"):
        assert part in message


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t["value"].update(end=t["value"]["end"] + 1), "does not match the task data"),
        (lambda t: t["value"].update(start=10**6, end=10**6 + 9), "does not match the task data"),
        (lambda t: t["value"].pop("start"), "missing key 'start'"),
        (lambda t: t.update(from_name="nonsense"), "unknown control 'nonsense'"),
        (lambda t: t.update(to_name="elsewhere"), "region on unknown object 'elsewhere'"),
        (lambda t: t["value"].update(labels=["PER", "LOC"]), "exactly one label"),
        (lambda t: t.pop("type"), r"result\[\d+\]: missing key 'type'"),
        (lambda t: t.update(from_name=7), r"result\[\d+\]: 'from_name' should be str, got int"),
        (lambda t: t.update(value="PER"), r"result\[\d+\]: 'value' should be dict, got str"),
        (lambda t: t.pop("id"), r"result\[\d+\]: missing key 'id'"),
        (lambda t: t["value"].update(start="3"), "'start' should be int, got str"),
        (lambda t: t["value"].update(text=["Pyongyang"]), "'text' should be str, got list"),
    ],
)
def test_broken_regions_are_errors(export, edit, message):
    region = next(i for i in _task(export, "ui-labeled")["annotations"][0]["result"] if i["from_name"] == "entity")
    edit(region)
    with pytest.raises(ExportError, match=message):
        parse_export(export)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.pop("data"), "missing key 'data'"),
        (lambda t: t["data"].pop("segments"), "missing key 'segments'"),
        (lambda t: t["data"]["segments"][1].pop("src_at"), r"segments\[1\]: missing key 'src_at'"),
        (lambda t: t["data"].update(text=t["data"]["text"].replace("Pyongyang", "Pionyang")), "!= data.text"),
        (lambda t: t["data"].update(mt_argos=t["data"]["mt_argos"][:-5]), "argos output of segment 4"),
        (lambda t: t["annotations"][0].pop("result"), "annotation .*: missing key 'result'"),
        (lambda t: t["annotations"][0].update(result="oops"), "'result' should be list"),
    ],
)
def test_malformed_tasks_are_errors_naming_the_place(export, edit, message):
    edit(_task(export, "ui-labeled"))
    with pytest.raises(ExportError, match=message):
        parse_export(export)


def test_truncated_and_non_list_files(tmp_path):
    raw = RECORDED.read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(raw[: len(raw) // 2], encoding="utf-8")
    with pytest.raises(ExportError, match=r"truncated\.json: not valid JSON at line \d+.*truncated"):
        load_export(truncated)
    wrong = tmp_path / "object.json"
    wrong.write_text('{"tasks": []}', encoding="utf-8")
    with pytest.raises(ExportError, match="list of tasks, got dict"):
        load_export(wrong)
    with pytest.raises(ExportError, match="cannot read"):
        load_export(tmp_path / "missing.json")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(raw.encode("utf-8").replace("é".encode(), "é".encode("latin-1"), 1))
    with pytest.raises(ExportError, match=r"latin1\.json: not valid JSON .*not UTF-8"):
        load_export(latin1)


def test_mqm_error_without_severity(export):
    task = _task(export, "ui-labeled")
    annotation = task["annotations"][0]
    annotation["result"] = [i for i in annotation["result"] if i["from_name"] != "severity_apertium"]
    with pytest.raises(ExportError, match="has no severity"):
        parse_export(export)
    # The same in a draft is unfinished work, kept with an empty severity.
    task["drafts"] = [{"id": 99, "user": "x@y.z", "result": annotation["result"], "annotation": None}]
    task["annotations"] = []
    (draft,) = _docs(export)["ui-labeled"].annotations
    assert [e.severity for r in draft.ratings for e in r.errors] == [""]


def test_mqm_span_crossing_into_the_next_sentence_is_clipped_and_noted(export):
    task = _task(export, "ui-labeled")
    region = [i for i in task["annotations"][0]["result"] if i["to_name"] == "mt_apertium"]
    display = task["data"]["mt_apertium"]
    end = display.index("The family") + len("The family")
    for item in region:
        item["value"].update(end=end)
        if item["type"] != "textarea":  # a note's value.text is its list of texts, not the span
            item["value"].update(text=as_rendered(display[item["value"]["start"]:end]))
    (annotation,) = _docs(export)["ui-labeled"].annotations
    (error,) = [e for r in annotation.ratings for e in r.errors]
    assert error.text == "the Tuesday." and "crossed into segment 3" in error.comment
    assert error.comment.startswith(UI_NOTE + "\n")  # the annotator's note is kept before ours


def test_error_notes_are_parsed_and_checked(export):
    result = _task(export, "ui-labeled")["annotations"][0]["result"]
    (note,) = [i for i in result if i["type"] == "textarea" and i["from_name"].startswith("note_")]
    (annotation,) = _docs(export)["ui-labeled"].annotations
    assert [e.comment for r in annotation.ratings for e in r.errors] == [UI_NOTE]
    note["from_name"] = "note_argos"  # a note of another column on this region
    with pytest.raises(ExportError, match=r"region .*note \['note_argos'\] does not belong to mt_apertium"):
        parse_export(export)
    note["from_name"], note["value"]["text"] = "note_apertium", "not a list"
    with pytest.raises(ExportError, match=r"'text' should be list"):
        parse_export(export)
    entity = next(i for i in result if i["from_name"] == "entity")
    note["value"]["text"] = [UI_NOTE]
    note["id"] = entity["id"]  # a note attached to an entity region
    with pytest.raises(ExportError, match=r"note \['note_apertium'\] on a source region"):
        parse_export(export)


def test_predictions_as_ids_only_still_parse(export):
    for task in export:
        task["predictions"] = [p["id"] for p in task.get("predictions", [])]
        task["drafts"] = [d["id"] for d in task.get("drafts", [])]
    assert len(parse_export(export)) == 4


def test_predictions_and_what_the_ui_recorded_parse(recorded):
    """The real UI loaded the pushed predictions into the skipped task and the draft: the annotation
    names its parent prediction and Label Studio timed the work; gold made through the API has neither."""
    docs = _docs(recorded)
    (prediction,) = docs["ui-skip"].predictions
    assert prediction.status == "prediction" and prediction.annotator.startswith("annotate-suggest ")
    assert prediction.annotation_id == _task(recorded, "ui-skip")["predictions"][0]["id"]
    assert len(prediction.entities) == 5 and prediction.post_edits == []
    assert all(r.errors for r in prediction.ratings)  # no "no-error" ratings from a suggestion
    (skipped,) = docs["ui-skip"].annotations
    assert skipped.parent_prediction == prediction.annotation_id and skipped.lead_time == pytest.approx(3.546)
    assert [(s.label, s.text) for s in skipped.entities] == [(s.label, s.text) for s in prediction.entities]
    (labeled,) = docs["ui-labeled"].annotations
    assert labeled.parent_prediction is None and labeled.lead_time == pytest.approx(4.39)
    assert docs["ui-labeled"].predictions == []
    assert all(a.parent_prediction is None and a.lead_time is None for a in docs["ui-gold"].annotations)


def test_a_broken_prediction_is_a_problem_of_its_own(export):
    prediction = _task(export, "ui-draft")["predictions"][0]
    prediction["result"][0]["value"]["text"] += "x"
    with pytest.raises(ExportError, match=r"task \d+ \(doc ui-draft\) prediction \d+ region"):
        parse_export(export)
    problems: list = []
    docs = _docs_with(export, problems)
    assert [(p.kind, p.doc_id, p.annotation_id, p.annotator) for p in problems] == [
        ("prediction", "ui-draft", prediction["id"], prediction["model_version"])]
    assert docs["ui-draft"].predictions == [] and [a.status for a in docs["ui-draft"].annotations] == ["draft"]
    assert describe_problems(problems) == "1 prediction"


def test_suggestions_withheld_in_the_meta_parse_as_a_withheld_prediction(export):
    task = _task(export, "ui-labeled")
    shown = _task(export, "ui-skip")["predictions"][0]
    task["meta"]["withheld_prediction"] = {"model_version": shown["model_version"], "result": shown["result"]}
    doc = _docs(export)["ui-labeled"]
    (withheld,) = doc.predictions
    assert (withheld.status, withheld.annotator, withheld.annotation_id) == ("withheld", shown["model_version"], None)
    assert [(s.label, s.text) for s in withheld.entities] == [
        (s.label, s.text) for s in _docs(export)["ui-skip"].predictions[0].entities]
    task["meta"]["withheld_prediction"] = {"model_version": "m", "result": [{"id": "x", "type": "labels"}]}
    problems: list = []
    _docs_with(export, problems)
    assert [(p.kind, p.doc_id, p.annotator) for p in problems] == [("prediction", "ui-labeled", "m")]
    assert "withheld" in problems[0].message


def _docs_with(data: list[dict], problems: list) -> dict:
    return {d.doc_id: d for d in parse_export(data, problems=problems)}


def test_an_export_that_is_not_a_list():
    with pytest.raises(ExportError, match="list of tasks"):
        parse_export({"id": 1})  # type: ignore[arg-type]


@pytest.fixture
def streaming(monkeypatch):
    """Every export file read task by task, as a huge one is."""
    monkeypatch.setattr(export_file, "STREAM_FROM_BYTES", 0)


@pytest.mark.parametrize("stream", [False, True], ids=["at-once", "task-by-task"])
def test_reading_a_file_gives_the_documents_of_the_whole_export(recorded, monkeypatch, stream):
    if stream:
        monkeypatch.setattr(export_file, "STREAM_FROM_BYTES", 0)
    streamed = [d.to_dict() for d in read_export_documents(RECORDED)]
    assert streamed == [d.to_dict() for d in parse_export(recorded)]
    assert len(streamed) == 4 and any(d["annotations"] for d in streamed)


def test_task_by_task_reading_says_what_is_wrong_and_where(tmp_path, streaming):
    raw = RECORDED.read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(raw[: len(raw) // 2], encoding="utf-8")
    first_id = json.loads(raw)[0]["id"]
    with pytest.raises(ExportError, match=rf"truncated\.json: not valid JSON after 1 complete tasks "
                                          rf"\(the last one: task {first_id}\): .*truncated — pull it again"):
        list(read_export_documents(truncated))
    wrong = tmp_path / "object.json"
    wrong.write_text('{"tasks": []}', encoding="utf-8")
    with pytest.raises(ExportError, match="list of tasks; the file starts with"):
        list(read_export_documents(wrong))
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(raw.encode("utf-8").replace("é".encode(), "é".encode("latin-1"), 1))
    with pytest.raises(ExportError, match=r"latin1\.json: not valid JSON after 0 complete tasks: .*not UTF-8"):
        list(read_export_documents(latin1))
    with pytest.raises(ExportError, match="cannot read"):
        list(read_export_documents(tmp_path / "missing.json"))
    broken = json.loads(raw)
    broken[1]["data"]["text"] = broken[1]["data"]["text"][:-1]  # a region no longer matches its text
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ExportError, match=rf"task {broken[1]['id']}"):
        list(read_export_documents(bad))


def _break_three_places(export: list[dict]) -> None:
    """A mistyped span (ui-labeled), an MQM error without severity (ui-gold's first annotator), a
    draft whose result is not a list (ui-draft) and a task whose data no longer matches (ui-skip)."""
    labeled = _task(export, "ui-labeled")["annotations"][0]
    next(i for i in labeled["result"] if i["from_name"] == "entity")["value"]["text"] = "Pyongyangg"
    gold = _task(export, "ui-gold")["annotations"][0]
    severity = next(i for i in gold["result"] if i["from_name"].startswith("severity_"))
    gold["result"] = [i for i in gold["result"] if i is not severity]
    _task(export, "ui-draft")["drafts"][0]["result"] = "oops"
    skipped = _task(export, "ui-skip")
    skipped["data"]["text"] = skipped["data"]["text"].replace("Pyongyang", "Pionyang")


def test_with_a_problems_list_every_broken_part_is_listed_and_the_rest_kept(export, recorded):
    _break_three_places(export)
    with pytest.raises(ExportError, match="Pyongyangg"):  # strict: the first problem stops the parse
        parse_export(export)
    problems: list = []
    docs = {d.doc_id: d for d in parse_export(export, problems=problems)}
    assert [(p.kind, p.task_id, p.doc_id, p.annotation_id) for p in problems] == [
        ("annotation", 1, "ui-labeled", 3), ("annotation", 2, "ui-gold", 1), ("task", 3, "ui-skip", None),
        ("draft", 4, "ui-draft", 1)]
    assert "'Pyongyangg'" in problems[0].message and "has no severity" in problems[1].message
    assert "!= data.text" in problems[2].message and "'result' should be list" in problems[3].message
    assert problems[0].annotator.startswith("annotator-") and problems[1].annotator == "annotator-0000beef"
    # The broken task is left out; every other document keeps its data and its sound annotations, unchanged.
    original = _docs(recorded)
    assert sorted(docs) == ["ui-draft", "ui-gold", "ui-labeled"]
    assert docs["ui-labeled"].annotations == [] and docs["ui-draft"].annotations == []
    assert docs["ui-labeled"].translations == original["ui-labeled"].translations
    assert [a.to_dict() for a in docs["ui-gold"].annotations] == [original["ui-gold"].annotations[1].to_dict()]


def test_reading_a_file_with_a_problems_list(export, tmp_path):
    _break_three_places(export)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    problems: list = []
    assert [d.doc_id for d in read_export_documents(path, problems=problems)] == ["ui-labeled", "ui-gold", "ui-draft"]
    assert len(problems) == 4


@pytest.mark.parametrize(("kinds", "expected"), [
    ([], "nothing"),
    (["annotation"], "1 annotation"),
    (["task", "annotation", "annotation"], "2 annotations and 1 task"),
    (["draft", "task", "annotation", "draft"], "1 annotation, 2 drafts and 1 task"),
])
def test_problems_are_described_by_kind(kinds, expected):
    problems = [ExportProblem(kind=kind, task_id=1, doc_id="d", annotation_id=None, annotator=None, message="m")
                for kind in kinds]
    assert describe_problems(problems) == expected


def test_invalid_export_quotes_the_first_problems_and_counts_the_rest():
    problems = [ExportProblem(kind="annotation", task_id=n, doc_id="d", annotation_id=n, annotator=None,
                              message=f"task {n}: broken") for n in range(8)]
    message = str(InvalidExport(problems, source="export.json"))
    assert message.splitlines()[0] == "export.json: 8 annotations failed validation:"
    assert "task 4: broken" in message and "task 5: broken" not in message and message.endswith("… and 3 more")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda v, n: v.update(end=10**6), r"end 1000000 is past the end of the text \w+ \({n} characters\)"),
        (lambda v, n: v.update(start=n, end=n + 1), r"end {end} is past the end of the text \w+ \({n} characters\)"),
        (lambda v, n: v.update(start=5, end=3), r"5:3 is not a span of the text \w+ \({n} characters\)"),
        (lambda v, n: v.update(start=0, end=n, text="x" * 500), r"region text 'x{{79}}…' does not match"),
    ],
    ids=["end far past", "end one past", "start after end", "long region text"],
)
def test_out_of_range_region_message_is_short(export, edit, expected):
    task = _task(export, "ui-labeled")
    region = next(i for i in task["annotations"][0]["result"] if i["from_name"] == "entity")
    from annotate.labelstudio.config import SOURCE_FIELD

    length = len(task["data"][SOURCE_FIELD])  # what the "source" object shows
    edit(region["value"], length)
    with pytest.raises(ExportError) as info:
        parse_export(export)
    message = str(info.value)
    assert re.search(expected.format(n=length, end=region["value"]["end"]), message), message
    assert len(message) < 400  # never the whole article (the text is ~2.5 KB)


def test_a_choice_of_another_column_on_a_region_is_a_stray_key_press(export):
    """The UI attaches a severity key's choice to whatever region is selected, even one of another
    column: the region's severity is its own column's, whichever item comes first."""
    task = _task(export, "ui-labeled")
    result = task["annotations"][0]["result"]
    own = next(i for i in result if i["from_name"] == "severity_apertium")
    stray = {**own, "from_name": "severity_argos",
             "value": {**own["value"], "choices": ["Neutral" if own["value"]["choices"] != ["Neutral"] else "Major"]}}
    result.insert(result.index(own), stray)
    (annotation,) = _docs(export)["ui-labeled"].annotations
    assert [e.severity for r in annotation.ratings for e in r.errors] == own["value"]["choices"]
    result.remove(own)  # only the stray one left: the error has no severity of its own
    with pytest.raises(ExportError, match="has no severity"):
        parse_export(export)


# ── post-edit boxes: edited, confirmed, ignored ────────────────────────────────────────────────


def _boxes(task: dict) -> dict[str, dict]:
    """The post-edit box answers of the task's (only) annotation, by control name."""
    return {i["from_name"]: i for i in task["annotations"][0]["result"] if i["from_name"].startswith("pe_")}


def test_only_edited_or_confirmed_boxes_are_post_edits(export):
    task = _task(export, "ui-labeled")
    prefills = [s["mt"] for s in task["data"]["segments"]]
    boxes = _boxes(task)
    boxes["pe_1"]["value"]["text"] = ["The Russian president reached Pyongyang on Tuesday."]  # edited
    boxes["pe_2"]["value"]["text"] = [f"  {prefills[2]}\n"]  # only whitespace differs: untouched …
    task["annotations"][0]["result"].append(confirmation_result("ok2ok2ok2o", 2))  # … but confirmed
    boxes["pe_3"]["value"]["text"] = [prefills[3].replace(" ", "  ")]  # untouched, not confirmed
    boxes["pe_0"]["value"]["text"] = ["   "]  # blank: no post-edit either
    (annotation,) = _docs(export)["ui-labeled"].annotations
    assert annotation.post_edits == [PostEdit(2, "The Russian president reached Pyongyang on Tuesday."),
                                     PostEdit(3, f"  {prefills[2]}\n", confirmed=True)]
    assert annotation.ignored_post_edits == [1, 4]
    # with ui-gold's first annotator, imported (before confirmations existed) with segment 2 equal
    # to its prefill, unconfirmed, and segment 3 edited; skipped tasks and drafts are not counted
    tally = PostEditTally.of(_docs(export).values())
    assert (tally.edited, tally.confirmed, tally.ignored, tally.starts) == (2, 1, 3, {"argos": 4})
    assert tally.describe() == ("2 edited, 1 confirmed unchanged (“Correct as is”), 3 ignored (left as they "
                                "started, unconfirmed, or blank); the boxes started with the argos output (4 documents)")


def test_a_tick_without_a_box_or_on_no_segment(export):
    task = _task(export, "ui-labeled")
    result = task["annotations"][0]["result"]
    result.append(confirmation_result("okokokokok", 0))  # ticked, box left as it started: confirmed
    (annotation,) = _docs(export)["ui-labeled"].annotations
    assert [(p.seg_id, p.confirmed) for p in annotation.post_edits] == [(1, True)]
    result[-1] = confirmation_result("okokokokok", 9)
    with pytest.raises(ExportError, match=r"'ok_9' names no segment of this task \(4 segments\)"):
        parse_export(export)
    result[-1] = {**confirmation_result("okokokokok", 0), "value": {"choices": "Correct as is"}}
    with pytest.raises(ExportError, match=r"ok_0: 'choices' should be list, got str"):
        parse_export(export)


def test_with_empty_boxes_any_text_is_a_post_edit(export):
    """push --post-edit-start empty: the boxes start empty (the task data's prefill is "") and the
    meta says so; whatever an annotator typed is theirs, even a system's output word for word."""
    task = _task(export, "ui-labeled")
    for segment in task["data"]["segments"]:
        segment["mt"] = ""
    task["meta"][POST_EDIT_PREFILL] = ""
    doc = _docs(export)["ui-labeled"]
    (annotation,) = doc.annotations
    assert doc.post_edit_prefill == ""
    assert [p.seg_id for p in annotation.post_edits] == [1, 2, 3, 4] and annotation.ignored_post_edits == []
    assert not any(p.confirmed for p in annotation.post_edits)
    assert PostEditTally.of([doc]).describe_starts() == "empty (1 document)"


def test_the_meta_names_the_system_the_boxes_started_with(export):
    task = _task(export, "ui-labeled")
    task["meta"][POST_EDIT_PREFILL] = "apertium"
    assert _docs(export)["ui-labeled"].post_edit_prefill == "apertium"
    task["meta"].pop(POST_EDIT_PREFILL)  # a task pushed before the option: the first system's output
    assert _docs(export)["ui-labeled"].post_edit_prefill == "argos"


# ── MQM regions that cover no sentence text ────────────────────────────────────────────────────


def _move_region(task: dict, region_id: str, object_name: str, start: int, end: int) -> None:
    """Every item of region ``region_id`` onto ``start:end`` of the Text object ``object_name``."""
    field = "source_numbered" if object_name == "source" else object_name
    for item in task["annotations"][0]["result"]:
        if item["id"] == region_id:
            item["to_name"] = object_name
            item["value"].update(start=start, end=end)
            if item["type"] != "textarea":
                item["value"]["text"] = as_rendered(task["data"][field][start:end])


@pytest.mark.parametrize(
    ("covered", "where"),
    [("[3] ", "a sentence number"), ("\n", "a line break"), ("\n\n[4] ", "a blank line and a number")],
)
def test_an_mqm_region_on_no_sentence_text_is_a_problem_not_an_error(export, covered, where):
    task = _task(export, "ui-labeled")
    region = next(i for i in task["annotations"][0]["result"] if i["from_name"] == "mqm_apertium")
    display = task["data"]["mt_apertium"]
    start = display.index(covered, display.index("Tuesday."))
    _move_region(task, region["id"], "mt_apertium", start, start + len(covered))
    with pytest.raises(ExportError, match=r"Fluency/Grammar error on mt_apertium covers no sentence text"):
        parse_export(export)
    problems: list = []
    docs = _docs_with(export, problems)
    assert [(p.kind, p.annotation_id) for p in problems] == [("annotation", task["annotations"][0]["id"])], where
    assert docs["ui-labeled"].annotations == []  # never an error counted at 0:0


def test_a_source_side_error_on_a_sentence_number_is_a_problem(export):
    task = _task(export, "ui-labeled")
    region = next(i for i in task["annotations"][0]["result"] if i["from_name"] == "mqm_apertium")
    for item in task["annotations"][0]["result"]:
        if item["id"] == region["id"]:
            item["from_name"] = {"mqm_apertium": "source_error", "severity_apertium": "source_error_severity",
                                 "note_apertium": "note__source"}[item["from_name"]]
            if item["type"] == "labels":
                item["value"]["labels"] = ["Omission in apertium"]
    display = task["data"]["source_numbered"]
    start = display.index("[2] ")
    _move_region(task, region["id"], "source", start, start + 4)
    with pytest.raises(ExportError, match=r"Accuracy/Omission error on source \(Omission in apertium\) covers no "
                                          r"sentence text \(only a sentence number or line break: '\[2\] '\)"):
        parse_export(export)


def test_a_region_starting_at_a_line_end_belongs_to_the_next_sentence(export):
    """From the end of sentence 2 across the line break into "The family": sentence 3's words."""
    task = _task(export, "ui-labeled")
    region = next(i for i in task["annotations"][0]["result"] if i["from_name"] == "mqm_apertium")
    display = task["data"]["mt_apertium"]
    start = display.index("\n[3] ")
    _move_region(task, region["id"], "mt_apertium", start, display.index("The family") + len("The family"))
    (annotation,) = _docs(export)["ui-labeled"].annotations
    ((seg_id, error),) = [(r.seg_id, e) for r in annotation.ratings for e in r.errors]
    assert (seg_id, error.start, error.end, error.text) == (3, 0, 10, "The family")


# ── suggestions kept or changed ─────────────────────────────────────────────────────────────────

SUGGESTED_NOTE = "apertium left 'martes' untranslated (automatic suggestion)"


def _suggested_error(task: dict, region_id: str = "sugg000001", *, label: str = "Accuracy/Mistranslation",
                     severity: str = "Minor", needle: str = "the Tuesday", note: str = SUGGESTED_NOTE,
                     origin: str | None = None) -> list[dict]:
    display = task["data"]["mt_apertium"]
    start = display.index(needle)
    end = start + len(needle)
    items = [span_result(region_id, "mqm_apertium", "mt_apertium", start, end, needle, label, origin),
             region_choice_result(region_id, "severity_apertium", "mt_apertium", start, end, needle, severity, origin)]
    if note:
        items.append(region_textarea_result(region_id, "note_apertium", "mt_apertium", start, end, note, origin))
    return items


@pytest.fixture
def started_from_a_suggested_error(export) -> dict:
    """ui-skip's annotation, submitted, started from a prediction that also suggested an error
    (with its automatic note); the annotation holds that region as the UI copied it."""
    task = _task(export, "ui-skip")
    prediction, annotation = task["predictions"][0], task["annotations"][0]
    prediction["result"] += _suggested_error(task)
    annotation["prediction"]["result"] = copy.deepcopy(prediction["result"])
    annotation["was_cancelled"] = False
    annotation["result"] += _suggested_error(task, origin="prediction")
    return task


def _suggested_comments(export: list[dict]) -> list[tuple[str, str, str]]:
    (annotation,) = _docs(export)["ui-skip"].annotations
    return [(e.category, e.severity, e.comment) for r in annotation.ratings for e in r.errors]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, ("Accuracy/Mistranslation", "Minor", SUGGESTED_NOTE)),  # kept as suggested: its note stays
        ({"severity": "Major"}, ("Accuracy/Mistranslation", "Major", "")),
        ({"label": "Fluency/Grammar"}, ("Fluency/Grammar", "Minor", "")),
        ({"needle": "Tuesday"}, ("Accuracy/Mistranslation", "Minor", "")),  # the span moved
    ],
    ids=["kept", "severity changed", "relabelled", "span moved"],
)
def test_a_suggestion_the_annotator_changed_loses_its_automatic_note(export, started_from_a_suggested_error,
                                                                     change, expected):
    task = started_from_a_suggested_error
    annotation = task["annotations"][0]
    annotation["result"] = [i for i in annotation["result"] if i["id"] != "sugg000001"]
    annotation["result"] += _suggested_error(task, origin="manual" if change else "prediction", **change)
    assert _suggested_comments(export) == [expected]


def test_the_annotators_own_note_stays_and_predictions_as_ids_still_tell(export, started_from_a_suggested_error):
    task = started_from_a_suggested_error
    annotation = task["annotations"][0]
    annotation["result"] = [i for i in annotation["result"] if i["id"] != "sugg000001"]
    annotation["result"] += _suggested_error(task, severity="Major")
    annotation["result"].append({**annotation["result"][-1], "value": {**annotation["result"][-1]["value"],
                                                                       "text": ["«on Tuesday»"]}})
    assert _suggested_comments(export) == [("Accuracy/Mistranslation", "Major", "«on Tuesday»")]
    task["predictions"] = [p["id"] for p in task["predictions"]]  # a plain export: the annotation carries its parent
    assert _suggested_comments(export) == [("Accuracy/Mistranslation", "Major", "«on Tuesday»")]
    annotation["prediction"] = {}  # … and without it nothing tells: the note is kept as it is
    assert [c for _, _, c in _suggested_comments(export)] == [f"{SUGGESTED_NOTE}\n«on Tuesday»"]


def test_the_prediction_an_annotation_opened_with_names_its_parent(export):
    """Label Studio exports the prediction an annotation started from whole (``prediction``) next
    to ``parent_prediction``; either says the annotator started from the suggestions."""
    annotation = _task(export, "ui-skip")["annotations"][0]
    assert annotation["parent_prediction"] == annotation["prediction"]["id"] == 1
    annotation["parent_prediction"] = None
    (skipped,) = _docs(export)["ui-skip"].annotations
    assert skipped.parent_prediction == 1
    annotation["prediction"] = {}  # made through the API: neither
    (skipped,) = _docs(export)["ui-skip"].annotations
    assert skipped.parent_prediction is None


def _final_item(choices: list[str] | None = None) -> dict:
    from annotate.labelstudio.review import FINAL_CHOICE, REVIEW_CONTROL

    return {"id": "fin1", "from_name": REVIEW_CONTROL, "to_name": "source", "type": "choices", "origin": "manual",
            "value": {"choices": [FINAL_CHOICE] if choices is None else choices}}


def test_a_reviewers_final_tick_is_read_and_makes_that_annotation_primary(export):
    gold = _task(export, "ui-gold")
    before = _docs(export)["ui-gold"]
    assert not any(a.marked_final for a in before.annotations) and before.primary_choice().state == "unreviewed"
    sparse = min(before.annotations, key=lambda a: a.completeness)  # the policy would not take it
    assert before.primary_annotation() is not sparse
    entry = next(a for a in gold["annotations"] if a["id"] == sparse.annotation_id)
    entry["result"].append(_final_item())
    after = _docs(export)["ui-gold"]
    marked = next(a for a in after.annotations if a.annotation_id == sparse.annotation_id)
    assert marked.marked_final and not marked.ground_truth and marked.review_mark == "final tick"
    # the tick is a mark, not an annotation layer: everything else reads as before
    assert replace(marked, marked_final=False) == next(a for a in before.annotations if a.annotation_id == sparse.annotation_id)
    assert after.primary_annotation() == marked and after.primary_choice().state == "reviewed"
    entry["result"][-1] = _final_item([])  # unticked in the UI: an empty choice list
    assert not any(a.marked_final for a in _docs(export)["ui-gold"].annotations)
    # the star set through the API still counts
    next(a for a in gold["annotations"] if a["id"] == sparse.annotation_id)["ground_truth"] = True
    assert _docs(export)["ui-gold"].primary_annotation().annotation_id == sparse.annotation_id


def test_a_review_control_holding_something_else_is_an_error(export):
    entry = _task(export, "ui-gold")["annotations"][0]
    entry["result"].append(_final_item(["Maybe"]))
    with pytest.raises(ExportError, match=r"task \d+ \(doc ui-gold\) annotation \d+: review control 'review_final' "
                                          r"holds \['Maybe'\]"):
        parse_export(export)
