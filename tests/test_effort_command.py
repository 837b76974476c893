"""``annotate effort``: what a segment costs under MQM and under ESA, from Label Studio's lead_time
(annotate.labelstudio.timing → annotate.scoring.effort.compare_protocols → annotate/commands/effort.py).
Exports are built here, task by task, in the shapes Label Studio exports (tests/fixtures_labelstudio.py);
one test times annotations made on a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures_labelstudio import esa_score, esa_span, tricky_document, with_doc_id
from typer.testing import CliRunner

from annotate.cli import app
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.esa import add_esa_fields
from annotate.labelstudio.pseudonyms import pseudonym
from annotate.labelstudio.tasks import task_data
from annotate.labelstudio.timing import task_timing
from annotate.scoring.effort import ESA, MQM, compare_protocols

SYSTEMS = ("argos", "apertium")  # × the tricky document's 4 segments: 8 translations per task
MQM_PROJECT, ESA_PROJECT = 1, 2


def _annotator(user: int, project: int) -> str:
    """The pseudonym the export's parser gives user ``user`` of ``project`` (its salt: the project)."""
    return pseudonym(user, f"user{user}@example.org", f"label-studio-project-{project}")


def _annotation(annotation_id: int, user: int, lead_time: float | None, result: list[dict], **fields) -> dict:
    annotation = {"id": annotation_id, "completed_by": {"id": user, "email": f"user{user}@example.org"},
                  "result": result, "was_cancelled": False, "updated_at": "2026-03-02T10:00:00Z", **fields}
    if lead_time is not None:  # an annotation made through the API has none
        annotation["lead_time"] = lead_time
    return annotation


def mqm_task(task_id: int, doc_id: str, *annotations: dict) -> dict:
    """An MQM task of the tricky document (4 segments × 2 systems); a submitted annotation with an
    empty result rates all 8 translations ("no error")."""
    doc = with_doc_id(tricky_document(systems=SYSTEMS), doc_id)
    return {"id": task_id, "project": MQM_PROJECT, "data": task_data(doc, SYSTEMS), "annotations": list(annotations)}


def esa_task(task_id: int, doc_id: str, *annotations: dict) -> dict:
    """The same document as an ESA task (``push --protocol esa``)."""
    doc = with_doc_id(tricky_document(systems=SYSTEMS), doc_id)
    return {"id": task_id, "project": ESA_PROJECT, "data": add_esa_fields(task_data(doc, SYSTEMS)),
            "annotations": list(annotations)}


def esa_scores(count: int = 8) -> list[dict]:
    """``count`` ESA scores (of the 8 translations), one with a Minor span."""
    controls = [f"esa_score_{key}_{index}" for index in range(4) for key in SYSTEMS][:count]
    return [esa_span("esa_span_argos_0", 0, 5, "Putin", "Minor")] + [esa_score(c, 70) for c in controls]


# ── the numbers ───────────────────────────────────────────────────────────────────────────────


def test_mqm_80_s_and_esa_40_s_per_task_give_half_the_time_per_segment_and_translation():
    tasks = [mqm_task(1, "d1", _annotation(11, 1, 80.0, [])),
             esa_task(2, "d1", _annotation(21, 1, 40.0, esa_scores()))]
    comparison = compare_protocols(task_timing(tasks))
    paces = {protocol: (report.timed, report.pooled.segments, report.pooled.translations,
                        report.pooled.seconds_per_segment, report.pooled.seconds_per_translation)
             for protocol, report in comparison.reports.items()}
    assert paces == {MQM: (1, 4, 8, 20.0, 10.0), ESA: (1, 4, 8, 10.0, 5.0)}
    assert (comparison.ratio("segment"), comparison.ratio("translation")) == (0.5, 0.5)
    assert comparison.same_documents and comparison.shared_documents == {"d1"}


# (protocol, annotator, timed, untimed, segments, translations, seconds, median task s, s/segment, s/translation);
# annotators in pseudonym order, then "all annotators" (annotator None in the JSON)
MQM_ROWS = [
    (MQM, _annotator(1, MQM_PROJECT), 2, 0, 8, 16, 200.0, 100.0, 25.0, 12.5),
    (MQM, _annotator(2, MQM_PROJECT), 1, 1, 4, 8, 40.0, 40.0, 10.0, 5.0),
    (MQM, _annotator(3, MQM_PROJECT), 0, 1, 0, 0, None, None, None, None),  # untimed only: never a zero time
]
ESA_ROWS = [
    (ESA, _annotator(1, ESA_PROJECT), 2, 0, 8, 12, 60.0, 30.0, 7.5, 5.0),
    (ESA, _annotator(2, ESA_PROJECT), 0, 1, 0, 0, None, None, None, None),
]
EXPECTED_ROWS = [*sorted(MQM_ROWS, key=lambda row: row[1]), (MQM, None, 3, 2, 12, 24, 240.0, 80.0, 20.0, 10.0),
                 *sorted(ESA_ROWS, key=lambda row: row[1]), (ESA, None, 2, 1, 8, 12, 60.0, 30.0, 7.5, 5.0)]


def mixed_export() -> list[dict]:
    """Two MQM documents and two ESA ones, timed and untimed annotations, a skipped task and a draft."""
    return [
        mqm_task(1, "d1", _annotation(11, 1, 80.0, []), _annotation(12, 2, 40.0, []), _annotation(13, 3, None, []),
                 _annotation(14, 2, 500.0, [], was_cancelled=True)),  # skipped: not work done
        {**mqm_task(2, "d2", _annotation(15, 1, 120.0, []), _annotation(16, 2, None, [])),
         "drafts": [{"id": 1, "annotation": None, "user": "user3@example.org", "result": [], "lead_time": 9.0}]},
        esa_task(3, "d1", _annotation(21, 1, 40.0, esa_scores(8)), _annotation(22, 2, None, esa_scores(8))),
        esa_task(4, "d3", _annotation(23, 1, 20.0, esa_scores(4))),  # half the translations scored
    ]


def _json_rows(document: dict) -> list[tuple]:
    rows = []
    for protocol in (MQM, ESA):
        for row in [*document["protocols"][protocol]["annotators"], document["protocols"][protocol]["all"]]:
            rows.append((protocol, row["annotator"], row["timed"], row["untimed"], row["segments"],
                         row["translations"], row["seconds"], row["median_task_seconds"], row["seconds_per_segment"],
                         row["seconds_per_translation"]))
    return rows


def test_every_annotator_and_all_annotators_per_protocol_untimed_counted_apart():
    assert _json_rows(compare_protocols(task_timing(mixed_export())).to_json_dict()) == EXPECTED_ROWS


def test_ratio_and_documents_of_the_mixed_export():
    comparison = compare_protocols(task_timing(mixed_export()))
    assert comparison.ratio("segment") == pytest.approx(7.5 / 20) and comparison.ratio("translation") == 0.5
    assert comparison.documents == {MQM: {"d1", "d2"}, ESA: {"d1", "d3"}}  # timed tasks only
    assert not comparison.same_documents and comparison.shared_documents == {"d1"}
    assert comparison.extras == {MQM: {"entities", "post-edits"}, ESA: set()}


def test_an_esa_annotation_with_a_broken_result_is_set_aside_whole():
    broken = [esa_span("esa_span_argos_0", 0, 5, "Xutin", "Minor"), *esa_scores(8)[1:]]
    tasks = [esa_task(3, "d1", _annotation(21, 1, 40.0, esa_scores(8)), _annotation(22, 2, 30.0, broken))]
    problems: list = []
    (task,) = task_timing(tasks, problems)
    assert [(a.lead_time, a.translations) for a in task.annotations] == [(40.0, 8)]
    assert [(p.kind, p.task_id, p.annotation_id) for p in problems] == [("annotation", 3, 22)]
    assert "span text 'Xutin' is not the task's 'Putin'" in problems[0].message
    with pytest.raises(ExportError, match="Xutin"):
        list(task_timing(tasks))


# ── the command ───────────────────────────────────────────────────────────────────────────────

runner = CliRunner()


def _write(tmp_path: Path, name: str, tasks: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def _flat(output: str) -> str:
    return " ".join(output.split())


def test_command_prints_the_table_and_the_ratio(tmp_path):
    mqm = _write(tmp_path, "mqm.json", [mqm_task(1, "d1", _annotation(11, 1, 80.0, []))])
    esa = _write(tmp_path, "esa.json", [esa_task(2, "d1", _annotation(21, 1, 40.0, esa_scores()),
                                                 _annotation(22, 2, None, esa_scores()))])
    result = runner.invoke(app, ["effort", str(mqm), str(esa)])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["MQM", "all", "annotators", "1", "0", "4", "8", "80", "s", "80", "s", "20", "s", "10", "s"] in \
        [[cell for cell in line if cell != "│"] for line in lines]
    assert ["ESA", "all", "annotators", "1", "1", "4", "8", "40", "s", "40", "s", "10", "s", "5.0", "s"] in \
        [[cell for cell in line if cell != "│"] for line in lines]
    flat = _flat(result.output)
    assert ("ESA took 0.50× MQM's time per source segment (10 s against 20 s) and 0.50× MQM's time per rated "
            "translation (5.0 s against 10 s), on the same document.") in flat
    assert "Caution" not in flat
    assert "MQM's time includes entities and claims plus post-edits beside its ratings, ESA's its ratings alone." in flat


def test_command_json_has_the_numbers_with_stable_keys(tmp_path):
    path = _write(tmp_path, "both.json", mixed_export())
    result = runner.invoke(app, ["effort", str(path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document) == ["protocols", "esa_to_mqm"] and list(document["protocols"]) == [MQM, ESA]
    assert list(document["protocols"][MQM]) == ["annotators", "all", "documents", "extras"]
    assert _json_rows(document) == EXPECTED_ROWS
    assert document["esa_to_mqm"] == {"per_segment": pytest.approx(0.375), "per_translation": 0.5,
                                      "same_documents": False, "shared_documents": 1}


def test_command_cautions_when_the_protocols_cover_different_documents(tmp_path):
    result = runner.invoke(app, ["effort", str(_write(tmp_path, "both.json", mixed_export()))])
    assert result.exit_code == 0, result.output
    assert ("Caution: the two were timed on different documents (MQM 2, ESA 2, 1 shared): the ratio mixes the "
            "protocols with the material; compare them on the same documents, or counterbalanced"
            ) in _flat(result.output)


def test_one_protocol_alone_has_no_ratio(tmp_path):
    path = _write(tmp_path, "mqm.json", [mqm_task(1, "d1", _annotation(11, 1, 80.0, []))])
    result = runner.invoke(app, ["effort", str(path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["protocols"][ESA] is None and document["esa_to_mqm"] is None
    assert "ESA took" not in runner.invoke(app, ["effort", str(path)]).output


def test_a_protocol_without_timed_annotations_gives_no_ratio(tmp_path):
    mqm = _write(tmp_path, "mqm.json", [mqm_task(1, "d1", _annotation(11, 1, 80.0, []))])
    esa = _write(tmp_path, "esa.json", [esa_task(2, "d1", _annotation(21, 1, None, esa_scores()))])  # API-made
    result = runner.invoke(app, ["effort", str(mqm), str(esa)])
    assert result.exit_code == 0, result.output
    assert "No ratio: ESA has no timed annotation" in _flat(result.output) and "ESA took" not in result.output
    document = json.loads(runner.invoke(app, ["effort", str(mqm), str(esa), "--json"]).output)
    assert document["esa_to_mqm"] is None
    assert (document["protocols"][ESA]["all"]["untimed"], document["protocols"][ESA]["all"]["seconds"]) == (1, None)


def test_the_same_export_given_twice_is_counted_once(tmp_path):
    path = _write(tmp_path, "mqm.json", [mqm_task(1, "d1", _annotation(11, 1, 80.0, []))])
    refused = runner.invoke(app, ["effort", str(path), str(path)])
    assert refused.exit_code == 1 and "was already read (" in _flat(refused.output)
    result = runner.invoke(app, ["effort", str(path), str(path), "--skip-invalid", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1])["protocols"][MQM]["all"]["timed"] == 1


def test_an_invalid_annotation_stops_the_command_unless_skipped(tmp_path):
    broken = [esa_span("esa_span_argos_0", 0, 5, "Xutin", "Minor"), *esa_scores(8)[1:]]
    path = _write(tmp_path, "esa.json", [esa_task(3, "d1", _annotation(21, 1, 40.0, esa_scores(8)),
                                                  _annotation(22, 2, 30.0, broken))])
    refused = runner.invoke(app, ["effort", str(path)])
    assert refused.exit_code == 1 and "esa.json: 1 annotation failed validation" in _flat(refused.output)
    skipped = runner.invoke(app, ["effort", str(path), "--skip-invalid", "--json"])
    assert skipped.exit_code == 0, skipped.output
    assert "is left out" in _flat(skipped.output)  # the warning (stderr, mixed in by the runner)
    everyone = json.loads(skipped.output.splitlines()[-1])["protocols"][ESA]["all"]
    assert (everyone["timed"], everyone["seconds"], everyone["translations"]) == (1, 40.0, 8)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.json", None, "missing.json: no such file"),
    ("object.json", '{"tasks": []}', "object.json: a Label Studio JSON export is a list of tasks, got dict"),
    ("lines.jsonl", '{"a": 1}\n{"a": 2}\n', "lines.jsonl: an ESA file, not a Label Studio export"),
    ("wave.csv", "u,A,1,TGT,eng,ces,90,d,False,[],1,2\n", "wave.csv: an ESA file, not a Label Studio export: its "
     "own start and end times give each annotator's pace in `annotate esa-report"),
    ("mqm_ted_ende.tsv", "system\tdoc\n", "mqm_ted_ende.tsv: a WMT MQM TSV file: it records no annotation time"),
    ("truncated.json", '[{"id": 1, "data": {', "truncated.json: not valid JSON"),
    ("records.json", '[{"doc_id": "d1", "annotator": "a"}]', "records.json: not a Label Studio JSON export"),
    ("numbers.json", "[1, 2]", "numbers.json: not a Label Studio JSON export"),
])
def test_bad_input_is_an_error_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["effort", str(path)])
    assert result.exit_code == 1, result.output
    assert message in _flat(result.output) and "Traceback" not in result.output


def test_a_bracketed_annotator_name_prints_literally(tmp_path):
    annotation = _annotation(11, 1, 80.0, [])
    annotation["completed_by"] = {"pseudonym": "[red]ann[/red]"}
    result = runner.invoke(app, ["effort", str(_write(tmp_path, "mqm.json", [mqm_task(1, "d1", annotation)]))])
    assert result.exit_code == 0, result.output
    assert "[red]ann[/red]" in result.output


# ── a real server ─────────────────────────────────────────────────────────────────────────────


@pytest.mark.server
def test_effort_of_annotations_timed_on_a_real_server(ls_server, project_title, tmp_path):
    """push (both protocols) → annotations created with a lead_time, as the labeling UI records it
    (and one without: through the API) → pull → ``annotate effort`` on both exports."""
    from annotate.labelstudio import client as api
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import push_documents

    doc = with_doc_id(tricky_document(systems=SYSTEMS), "effort-1")
    ls = api.open_client(ls_server)
    exports = []
    for protocol, lead_time, result in (("mqm", 80.0, []), ("esa", 40.0, esa_scores()[1:])):
        title = f"{project_title[:45]} {protocol}"
        report = push_documents(ls_server, [doc], title, with_predictions=False, protocol=protocol)
        task_id = report.task_ids[doc.doc_id]
        ls.annotations.create(id=task_id, result=result, was_cancelled=False, ground_truth=False, lead_time=lead_time)
        if protocol == "esa":
            ls.annotations.create(id=task_id, result=result, was_cancelled=False, ground_truth=False)  # untimed
        exports.append(tmp_path / f"{protocol}.json")
        assert pull(ls_server, title, exports[-1]).problems == []
    result = runner.invoke(app, ["effort", *map(str, exports), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    paces = {protocol: (row["timed"], row["untimed"], row["seconds_per_segment"], row["seconds_per_translation"])
             for protocol in (MQM, ESA) for row in [document["protocols"][protocol]["all"]]}
    assert paces == {MQM: (1, 0, 20.0, 10.0), ESA: (1, 1, 10.0, 5.0)}
    assert document["esa_to_mqm"] == {"per_segment": 0.5, "per_translation": 0.5, "same_documents": True,
                                      "shared_documents": 1}
