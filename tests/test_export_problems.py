"""Export problems are all listed, consistently (issue #20.3).

A real export (seeds/gold_export.json, made through a real Label Studio) is broken in one place
each: an entity label, an MQM category, a severity or a claim type the label schema lacks, a task id
held twice, a doc_id held by two tasks. Every command that reads exports must list the problem the
same way (task, annotation, region, field, the values allowed), exit 1 and write nothing by default,
write it to ``--problems FILE``, and with ``--skip-invalid`` go on without exactly the broken part:
its output then equals the output of the export with that part deleted by hand."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotate import schema
from annotate.cli import app
from annotate.labelstudio import export_file
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.export import parse_export, read_export_documents
from annotate.records import ExportProblem, describe_problems

GOLD_EXPORT = Path(__file__).resolve().parent.parent / "seeds" / "gold_export.json"
runner = CliRunner()
MADE_UP_CATEGORY = "Accuracy/Made up"


@pytest.fixture(scope="module")
def gold() -> list[dict[str, Any]]:
    return json.loads(GOLD_EXPORT.read_text(encoding="utf-8"))


def _task(export: list[dict], task_id: int) -> dict:
    return next(task for task in export if task["id"] == task_id)


def _region(export: list[dict], task_id: int, prefix: str) -> dict:
    """The first result item of task ``task_id``'s annotation whose control starts with ``prefix``."""
    return next(item for item in _task(export, task_id)["annotations"][0]["result"]
                if item["from_name"].startswith(prefix))


@dataclass(frozen=True)
class Bad:
    """One fault put into the gold export, and what must be said about it."""

    name: str
    edit: Callable[[list[dict]], dict]  # breaks the export in place; returns the problem's expected fields
    without: Callable[[list[dict]], None]  # the export as it must be read with --skip-invalid (in place)
    kind: str = "annotation"


def _relabel(task_id: int, prefix: str, key: str, value: str) -> Callable[[list[dict]], dict]:
    def edit(export: list[dict]) -> dict:
        item = _region(export, task_id, prefix)
        item["value"][key] = [value]
        return {"task_id": task_id, "annotation_id": _task(export, task_id)["annotations"][0]["id"],
                "region_id": item["id"], "field": item["from_name"], "value": value}
    return edit


def _drop_annotation(task_id: int) -> Callable[[list[dict]], None]:
    def without(export: list[dict]) -> None:
        _task(export, task_id)["annotations"] = []
    return without


def _same_task_id(export: list[dict]) -> dict:
    """A second task 5 at the end (another document): the first one is read."""
    copied = copy.deepcopy(_task(export, 5))
    copied["data"]["doc_id"] = "copy-of-task-5"
    export.append(copied)
    return {"task_id": 5, "field": "id", "value": "5", "task_ids": [5], "doc_id": "copy-of-task-5"}


def _same_doc_id(export: list[dict]) -> dict:
    """Task 2's document again as task 99, FIRST in the file: task 2 (the lowest id) is read."""
    copied = copy.deepcopy(_task(export, 2))
    copied["id"] = 99
    for annotation in copied["annotations"]:
        annotation["id"] += 1000
    export.insert(0, copied)
    doc_id = copied["data"]["doc_id"]
    return {"task_id": 99, "field": "data.doc_id", "value": doc_id, "task_ids": [2, 99], "doc_id": doc_id}


def _unchanged(export: list[dict]) -> None:
    pass


BAD = [
    Bad("entity label", _relabel(1, "entity", "labels", "PERSONA"), _drop_annotation(1)),
    Bad("MQM category", _relabel(2, "mqm_", "labels", MADE_UP_CATEGORY), _drop_annotation(2)),
    Bad("MQM severity", _relabel(3, "severity_", "choices", "Catastrophic"), _drop_annotation(3)),
    Bad("claim type", _relabel(4, "claim_type", "choices", "Rumour"), _drop_annotation(4)),
    Bad("task id", _same_task_id, _unchanged, kind="task"),
    Bad("doc_id", _same_doc_id, _unchanged, kind="task"),
]
EXPECTED = {"entity label": schema.entity_values(), "MQM category": schema.mqm_category_names(),
            "MQM severity": schema.severity_names(), "claim type": schema.claim_type_values()}


def _message(bad: Bad, fields: dict) -> str:
    """The exact problem text each command prints and writes."""
    if bad.name == "task id":
        return ("task 5 (export item 5, doc copy-of-task-5): duplicate task id 5, also export item 4, doc "
                f"{fields['first_doc']}; only the first, export item 4, is read")
    if bad.name == "doc_id":
        return (f"task 99 (doc {fields['doc_id']}): duplicate doc_id {fields['doc_id']!r}, held by tasks 2 and 99; "
                "only task 2 is read (the lowest id, the task `annotate push` updates): merge the others' work "
                "into it or delete them in Label Studio")
    return (f"task {fields['task_id']} (doc {fields['doc_id']}) annotation {fields['annotation_id']} region "
            f"{fields['region_id']}: {bad.name} {fields['value']!r} is not in the label schema (field "
            f"{fields['field']}; expected one of {', '.join(EXPECTED[bad.name])})")


@dataclass
class Case:
    bad: Bad
    path: Path  # the broken export
    expected_path: Path  # the export without the broken part
    fields: dict  # the problem's expected fields
    message: str


def _write(path: Path, export: list[dict]) -> Path:
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(params=BAD, ids=[bad.name for bad in BAD])
def case(request, gold, tmp_path) -> Case:
    bad: Bad = request.param
    broken, expected = copy.deepcopy(gold), copy.deepcopy(gold)
    fields = bad.edit(broken)
    bad.without(expected)
    if bad.kind == "annotation":
        fields["doc_id"] = _task(gold, fields["task_id"])["data"]["doc_id"]
    fields["first_doc"] = _task(gold, 5)["data"]["doc_id"]
    return Case(bad, _write(tmp_path / "broken.json", broken), _write(tmp_path / "expected.json", expected),
                fields, _message(bad, fields))


def invoke(*args: object):
    return runner.invoke(app, [str(arg) for arg in args], env={"COLUMNS": "500"})


def flat(text: str) -> str:
    return " ".join(text.split())


# Every command that reads an export: its arguments (EXPORT, OUT: a file or folder it writes).
COMMANDS: dict[str, Callable[[Path, Path], list[object]]] = {
    "build": lambda export, out: ["build", export, out, "--no-score-cache"],
    "score": lambda export, out: ["score", export, "--json"],
    "report": lambda export, out: ["report", export, "--out-dir", out],
    "mqm-scores": lambda export, out: ["mqm-scores", export, "--json"],
    "export-mqm": lambda export, out: ["export-mqm", export, "-o", out],
    "import-mqm": lambda export, out: ["import-mqm", export, "-o", out],
}
FAST = ("mqm-scores", "export-mqm", "import-mqm")  # cheap enough to run on every broken export twice


def _check_problem_row(row: dict, case: Case) -> None:
    want = case.fields
    assert row["kind"] == case.bad.kind and row["task_id"] == want["task_id"] and row["doc_id"] == want["doc_id"]
    assert row["field"] == want["field"] and row["value"] == want["value"] and row["message"] == case.message
    if case.bad.kind == "annotation":
        assert row["annotation_id"] == want["annotation_id"] and row["region_id"] == want["region_id"]
        assert row["expected"] == EXPECTED[case.bad.name] and row["task_ids"] is None
    else:
        assert row["annotation_id"] is None and row["task_ids"] == want["task_ids"] and row["expected"] is None


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_reader_lists_the_problem_exits_1_and_writes_nothing(case, command, tmp_path):
    out, problems = tmp_path / "out", tmp_path / "problems.jsonl"
    result = invoke(*COMMANDS[command](case.path, out), "--problems", problems)
    output = flat(result.output)
    assert result.exit_code == 1, result.output
    kind = "1 annotation" if case.bad.kind == "annotation" else "1 task"
    assert f"error: {case.path}: {kind} failed validation: • {flat(case.message)}" in output
    assert "--skip-invalid" in output and not out.exists()
    rows = [json.loads(line) for line in problems.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    _check_problem_row(rows[0], case)


@pytest.mark.parametrize("command", FAST)
def test_skip_invalid_leaves_out_exactly_the_broken_part(case, command, tmp_path):
    out, problems = tmp_path / "out", tmp_path / "problems.jsonl"
    result = invoke(*COMMANDS[command](case.path, out), "--skip-invalid", "--problems", problems)
    assert result.exit_code == 0, result.output
    kind = "1 annotation" if case.bad.kind == "annotation" else "1 task"
    assert f"warning: {case.path}: {kind} failed validation and is left out: • {flat(case.message)}" \
        in flat(result.output)
    _check_problem_row(json.loads(problems.read_text(encoding="utf-8")), case)
    reference_out = tmp_path / "reference"
    reference = invoke(*COMMANDS[command](case.expected_path, reference_out), "--problems", tmp_path / "none.jsonl")
    assert reference.exit_code == 0, reference.output
    assert (tmp_path / "none.jsonl").read_text(encoding="utf-8") == ""  # written, empty: nothing failed
    if command == "mqm-scores":
        assert result.stdout == reference.stdout and json.loads(result.stdout)["systems"]
    else:
        assert out.read_bytes() == reference_out.read_bytes() and out.stat().st_size > 1000


# ── every problem at once, and the commands that cost seconds ─────────────────────────────────


@pytest.fixture(scope="module")
def all_broken(gold, tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """The six faults in one export, the export without them, and their messages in file order."""
    folder = tmp_path_factory.mktemp("all-broken")
    broken, expected = copy.deepcopy(gold), copy.deepcopy(gold)
    found = []
    for bad in BAD:
        fields = bad.edit(broken)
        bad.without(expected)
        if bad.kind == "annotation":
            fields["doc_id"] = _task(gold, fields["task_id"])["data"]["doc_id"]
        fields["first_doc"] = _task(gold, 5)["data"]["doc_id"]
        found.append((bad, fields))
    broken_path, expected_path = _write(folder / "broken.json", broken), _write(folder / "expected.json", expected)
    problems: list[ExportProblem] = []
    list(read_export_documents(broken_path, problems=problems))
    return broken_path, expected_path, [problem.message for problem in problems]


def test_all_problems_are_listed_in_file_order(all_broken):
    broken, _, messages = all_broken
    problems: list[ExportProblem] = []
    list(read_export_documents(broken, problems=problems))
    assert [(p.kind, p.task_id, p.field) for p in problems] == [
        ("task", 99, "data.doc_id"), ("annotation", 1, "entity"), ("annotation", 2, "mqm_apertium"),
        ("annotation", 3, "severity_apertium"), ("annotation", 4, "claim_type"), ("task", 5, "id")]
    assert describe_problems(problems) == "4 annotations and 2 tasks"
    with pytest.raises(ExportError) as raised:  # without a problems list: the first one stops the parse
        parse_export(json.loads(broken.read_text(encoding="utf-8")))
    assert str(raised.value) == messages[0]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_reader_lists_every_problem(all_broken, command, tmp_path):
    broken, _, messages = all_broken
    result = invoke(*COMMANDS[command](broken, tmp_path / "out"), "--problems", tmp_path / "p.jsonl")
    output = flat(result.output)
    assert result.exit_code == 1, result.output
    assert f"error: {broken}: 4 annotations and 2 tasks failed validation: " + \
        " ".join(f"• {flat(message)}" for message in messages) in output
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["message"] for row in rows] == messages


def test_score_with_skip_invalid_scores_the_rest_exactly(all_broken, tmp_path):
    broken, expected, messages = all_broken
    result = invoke("score", broken, "--json", "--skip-invalid", "--problems", tmp_path / "p.jsonl")
    assert result.exit_code == 0, result.output
    assert "4 annotations and 2 tasks failed validation and are left out" in flat(result.output)
    reference = invoke("score", expected, "--json")
    assert reference.exit_code == 0, reference.output
    assert json.loads(result.stdout) == json.loads(reference.stdout)
    assert len((tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()) == len(messages) == 6


def test_report_with_skip_invalid_reports_the_rest_and_says_what_it_left_out(all_broken, tmp_path):
    broken, expected, _ = all_broken
    result = invoke("report", broken, "--out-dir", tmp_path / "report", "--skip-invalid")
    assert result.exit_code == 0, result.output
    reference = invoke("report", expected, "--out-dir", tmp_path / "reference")
    assert reference.exit_code == 0, reference.output
    scores, reference_scores = (json.loads((tmp_path / name / "scores.json").read_text(encoding="utf-8"))
                                for name in ("report", "reference"))
    assert scores["systems"] == reference_scores["systems"] and scores["systems"]
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "- **Set aside:** 4 annotations and 2 tasks of the export failed validation" in markdown


def test_build_with_skip_invalid_builds_the_rest_exactly(all_broken, tmp_path):
    broken, expected, _ = all_broken
    out, reference_out = tmp_path / "ds", tmp_path / "reference" / "ds"  # one name: one dataset name
    result = invoke("build", broken, out, "--skip-invalid", "--no-score-cache")
    assert result.exit_code == 0, result.output
    reference = invoke("build", expected, reference_out, "--no-score-cache")
    assert reference.exit_code == 0, reference.output

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}

    assert files(out) == files(reference_out) and len(files(out)) >= 5
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "- Set aside: 4 annotations, 2 tasks of the export failed validation" in flat(card)


# ── the details ───────────────────────────────────────────────────────────────────────────────


def test_several_faults_of_one_annotation_are_each_listed_and_it_is_set_aside_once(gold, tmp_path):
    export = copy.deepcopy(gold)
    result = _task(export, 1)["annotations"][0]["result"]
    severities = [item for item in result if item["from_name"].startswith("severity_")][:3]
    for item in severities:
        item["value"]["choices"] = ["Catastrophic"]
    path = _write(tmp_path / "export.json", export)
    run = invoke("mqm-scores", path, "--skip-invalid")
    assert run.exit_code == 0, run.output
    output = flat(run.output)
    assert "1 annotation failed validation and is left out:" in output
    assert [output.count(f"region {item['id']}: MQM severity 'Catastrophic'") for item in severities] == [1, 1, 1]


def test_a_submitted_claim_without_its_type_is_a_problem_a_draft_one_is_not(gold):
    export = copy.deepcopy(gold)
    annotation = _task(export, 4)["annotations"][0]
    claim_type = next(item for item in annotation["result"] if item["from_name"] == "claim_type")
    annotation["result"].remove(claim_type)
    problems: list[ExportProblem] = []
    parse_export(copy.deepcopy(export), problems=problems)
    doc_id = _task(gold, 4)["data"]["doc_id"]
    assert [p.message for p in problems] == [
        f"task 4 (doc {doc_id}) annotation {annotation['id']} region {claim_type['id']}: claim type is missing "
        f"(field claim_type; expected one of {', '.join(schema.claim_type_values())})"]
    assert (problems[0].value, problems[0].field) == (None, "claim_type")
    draft = dict(annotation, id=7, user=annotation.get("completed_by"), annotation=annotation["id"])
    _task(export, 4)["annotations"], _task(export, 4)["drafts"] = [], [draft]  # unsubmitted work may lack it
    problems = []
    (doc,) = [d for d in parse_export(export, problems=problems) if d.doc_id == doc_id]
    assert problems == [] and doc.annotations[0].status == "draft"
    assert any(claim.label == schema.CLAIM_LABEL for claim in doc.annotations[0].claims)


def test_streamed_reading_finds_the_same_problems_and_keeps_the_lowest_id(all_broken, monkeypatch):
    broken, _, messages = all_broken
    monkeypatch.setattr(export_file, "STREAM_FROM_BYTES", 0)  # read twice: keys first, then task by task
    problems: list[ExportProblem] = []
    docs = list(read_export_documents(broken, problems=problems))
    assert [p.message for p in problems] == messages
    assert [d.annotations[0].task_id for d in docs if d.annotations] == [5]  # 1-4 lost their only annotation
    assert sorted({a.task_id for d in docs for a in d.predictions}) == [1, 2, 3, 4, 5]  # not 99, not the copy


def test_allow_category_admits_a_category_in_an_export_as_in_a_tsv(gold, tmp_path):
    export = copy.deepcopy(gold)
    _relabel(2, "mqm_", "labels", MADE_UP_CATEGORY)(export)
    path = _write(tmp_path / "export.json", export)
    tsv = tmp_path / "out.tsv"
    assert invoke("export-mqm", path, "-o", tsv).exit_code == 1
    written = invoke("export-mqm", path, "-o", tsv, "--allow-category", MADE_UP_CATEGORY)
    assert written.exit_code == 0, written.output
    assert f"\t{MADE_UP_CATEGORY}\t" in tsv.read_text(encoding="utf-8")
    back = invoke("mqm-scores", tsv, "--json", "--allow-category", MADE_UP_CATEGORY)
    assert back.exit_code == 0, back.output


def test_export_mqm_never_writes_what_score_refuses(gold, tmp_path):
    """Records (.jsonl) are not an export, but export-mqm checks what it writes as the TSV readers
    (``score``, ``mqm-scores``, ``import-mqm``) check what they read: the schema's categories (plus
    --allow-category) and severities."""
    import io
    from dataclasses import replace

    from annotate.commands._io import write_records
    from annotate.mqm_tsv import write_mqm_tsv

    docs = parse_export(copy.deepcopy(gold))
    rating = next(r for r in docs[0].annotations[0].ratings if r.errors)
    where = f"{rating.system} {docs[0].doc_id}#{rating.seg_id} rater {rating.rater}"
    rating.errors[0] = replace(rating.errors[0], severity="Catastrophic")  # records refuse it when read
    with pytest.raises(ValueError, match=rf"{where}: MQM severity 'Catastrophic' is not in the label schema"):
        write_mqm_tsv(docs, io.StringIO())
    rating.errors[0] = replace(rating.errors[0], severity="Major", category=MADE_UP_CATEGORY)
    records = tmp_path / "docs.jsonl"
    with records.open("w", encoding="utf-8") as stream:
        write_records(docs, stream)
    tsv = tmp_path / "out.tsv"
    result = invoke("export-mqm", records, "-o", tsv)
    assert result.exit_code == 2 and not tsv.exists()
    assert f"{where}: MQM category {MADE_UP_CATEGORY!r} is not in the label schema" in flat(result.output)
    assert invoke("export-mqm", records, "-o", tsv, "--allow-category", MADE_UP_CATEGORY).exit_code == 0
    assert invoke("mqm-scores", tsv, "--allow-category", MADE_UP_CATEGORY).exit_code == 0


def test_problem_records_round_trip_with_their_new_fields():
    problem = ExportProblem(kind="annotation", task_id=1, doc_id="d", annotation_id=3, annotator="annotator-1",
                            message="m", region_id="r", field="severity_apertium", value="Catastrophic",
                            expected=schema.severity_names(), task_ids=None)
    assert ExportProblem.from_json(problem.to_json()) == problem
    old = {"kind": "task", "task_id": 1, "doc_id": "d", "annotation_id": None, "annotator": None, "message": "m"}
    assert ExportProblem.from_dict(old).field is None  # a --problems file of an older version still reads


@pytest.mark.server
def test_pull_of_a_project_holding_duplicate_documents_says_so(ls_server, project_title, tmp_path, monkeypatch):
    """Two tasks of one doc_id, as two racing pushes leave them when someone worked on both: pull lists
    the later one (linked) and, with --skip-invalid, hands over each document once."""
    from fixtures_labelstudio import tricky_document, with_doc_id

    from annotate.labelstudio import client as api
    from annotate.labelstudio import push_documents
    from annotate.labelstudio.tasks import build_task

    docs = [with_doc_id(tricky_document(), f"pulldup-{i}") for i in range(2)]
    first = push_documents(ls_server, docs, project_title, with_predictions=False)
    ls = api.open_client(ls_server)
    (extra,) = api.import_tasks(ls, ls_server, first.project_id, [build_task(docs[0], first.systems)])
    kept = first.task_ids[docs[0].doc_id]
    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    out, problems = tmp_path / "pulled.json", tmp_path / "problems.jsonl"
    pulled = invoke("pull", "--project", project_title, "--out", out, "--jsonl", "--problems", problems)
    output = flat(pulled.output)
    assert pulled.exit_code == 1, pulled.output
    assert (f"task {extra} (doc pulldup-0): duplicate doc_id 'pulldup-0', held by tasks {kept} and {extra}; "
            f"only task {kept} is read") in output
    assert ls_server.task_url(first.project_id, extra) in output
    (row,) = [json.loads(line) for line in problems.read_text(encoding="utf-8").splitlines()]
    assert (row["kind"], row["task_id"], row["field"], row["task_ids"]) == ("task", extra, "data.doc_id", [kept, extra])
    lenient = invoke("pull", "--project", project_title, "--out", out, "--jsonl", "--skip-invalid")
    assert lenient.exit_code == 0, lenient.output
    records = [json.loads(line) for line in lenient.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["doc_id"] for r in records) == ["pulldup-0", "pulldup-1"]
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 3  # the saved export keeps both tasks
