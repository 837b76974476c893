"""Record.from_dict is a boundary: nested records, lists, optional fields and defaults exactly as
written by to_dict (the JSON Lines pipes and `annotate build FILE.jsonl` depend on it), and a clear
RecordError for anything else — an unknown key, a wrong type, a value outside a closed set — naming
the record type, the field and, for JSON Lines, the file and line."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from typer.testing import CliRunner

from annotate import records
from annotate.cli import app
from annotate.commands._io import JsonlError, read_records, write_records
from annotate.dataset.synthetic import synthetic_documents
from annotate.record_io import RecordError
from annotate.records import (
    AnnotatedDocument,
    Article,
    DocumentAnnotation,
    ErrorSpan,
    ExportProblem,
    Paragraph,
    PostEdit,
    Segment,
    SegmentRating,
    Span,
    Translation,
)
from annotate.schema import severity_names


def test_round_trip_of_nested_documents():
    for doc in synthetic_documents(5, segments=3, annotators=2):
        again = AnnotatedDocument.from_json(doc.to_json())
        assert again == doc
        assert type(again.annotations[0].ratings[0].errors[0]).__name__ == "ErrorSpan"


# ── round trip of every record type, every field away from its default ─────────────────────────

ERROR = ErrorSpan(3, 7, "Accuracy/Omission", "Major", "lost", comment="a note", side="source")
RATING = SegmentRating("argos", "d1", 2, "annotator-1", "Hola.", "Hello.", [ERROR], doc="news-1")
ANNOTATION = DocumentAnnotation(
    "d1", "annotator-1", "completed", task_id=4, annotation_id=9, entities=[Span(0, 4, "PER", "Xi J")],
    claims=[Span(0, 10, "Event", "Xi Jinping")], ratings=[RATING], post_edits=[PostEdit(2, "Hi.")],
    updated_at="2024-06-01T00:00:00Z", ground_truth=True, parent_prediction=3, lead_time=12.5)
SEGMENT = Segment("d1", 2, 1, 12, 17, "Hola.", global_seg_id=40)
TRANSLATION = Translation("d1", 2, "human", "ref-A", "Hola.", "Hello.", ["Hola"], role="reference")
EVERY_RECORD = [
    Paragraph("Cuerpo.", 10, 17),
    Article("d1", "a.txt", "Título", 0, 6, [Paragraph("Cuerpo.", 8, 15)], captions=[Paragraph("Foto", 16, 20)],
            source_attribution=[Paragraph("Con información de X", 21, 41)]),
    SEGMENT,
    TRANSLATION,
    Span(0, 4, "ORG", "ONU."),
    ERROR,
    RATING,
    PostEdit(2, "Hi."),
    ANNOTATION,
    AnnotatedDocument("d1", "Título", "Título\n\nHola.", source_name="a.txt", segments=[SEGMENT],
                      translations=[TRANSLATION], annotations=[ANNOTATION],
                      predictions=[dataclasses.replace(ANNOTATION, status="prediction", ground_truth=False)],
                      source_language="es", target_language="de", domain="news"),
    ExportProblem("draft", 4, "d1", 7, "annotator-1", "task 4, draft 7: broken region"),
    ExportProblem("task", None, None, None, None, "task 5: no data"),
]


@pytest.mark.parametrize("record", EVERY_RECORD, ids=lambda r: type(r).__name__)
def test_every_record_type_round_trips(record):
    again = type(record).from_json(record.to_json())
    assert again == record and repr(again) == repr(record)


def test_the_round_trip_covers_every_record_type():
    defined = {cls for cls in vars(records).values()
               if isinstance(cls, type) and issubclass(cls, records.Record) and cls is not records.Record}
    assert defined == {type(record) for record in EVERY_RECORD}


def test_severities_are_the_schema_ones_plus_not_chosen_yet():
    assert list(records.ERROR_SEVERITIES) == [*severity_names(), ""]


# ── what is accepted ─────────────────────────────────────────────────────────────────────────────

TRANSLATION_KEYS = {"doc_id": "d", "seg_id": 1, "system": "s", "system_version": "v", "source": "a", "mt": "b"}
ANNOTATION_KEYS = {"doc_id": "d", "annotator": "a", "status": "draft"}
RATING_KEYS = {"system": "s", "doc_id": "d", "seg_id": 1, "rater": "r", "source": "x", "target": "y"}
ERROR_KEYS = {"start": 0, "end": 1, "category": "Other", "severity": "Minor", "text": "y"}
ARTICLE_KEYS = {"doc_id": "d", "source_name": "f.txt", "title": "T", "title_raw_start": 0, "title_raw_end": 1,
                "paragraphs": [{"text": "p", "raw_start": 2, "raw_end": 3}]}

ACCEPTED = [
    # (case, record class, input dict, expected)
    ("missing optional keys take the defaults (files older than the field)", Translation, TRANSLATION_KEYS,
     Translation("d", 1, "s", "v", "a", "b", [], "mt")),
    ("optional int stays None", DocumentAnnotation, {**ANNOTATION_KEYS, "task_id": None, "annotation_id": 7},
     DocumentAnnotation("d", "a", "draft", None, 7)),
    ("a float field takes an int", DocumentAnnotation, {**ANNOTATION_KEYS, "lead_time": 3},
     DocumentAnnotation("d", "a", "draft", lead_time=3.0)),
    ("an error written before comment and side existed", ErrorSpan, ERROR_KEYS,
     ErrorSpan(0, 1, "Other", "Minor", "y", comment="", side="target")),
    ("a segment written before global_seg_id existed", Segment,
     {"doc_id": "d", "seg_id": 1, "paragraph": 1, "start": 0, "end": 1, "text": "x"}, Segment("d", 1, 1, 0, 1, "x")),
    ("an error with no severity chosen yet (a draft)", ErrorSpan, {**ERROR_KEYS, "severity": ""},
     ErrorSpan(0, 1, "Other", "", "y")),
    ("nested records in a list", Article, ARTICLE_KEYS, Article("d", "f.txt", "T", 0, 1, [Paragraph("p", 2, 3)])),
    ("the derived text, as to_dict writes it", Article, {**ARTICLE_KEYS, "text": "T\n\np"},
     Article("d", "f.txt", "T", 0, 1, [Paragraph("p", 2, 3)])),
]


@pytest.mark.parametrize("cls, data, expected", [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted_table(cls, data, expected):
    parsed = cls.from_dict(json.loads(json.dumps(data)))
    assert parsed == expected
    assert repr(parsed) == repr(expected)


def test_lists_are_copied_not_shared():
    data = {**TRANSLATION_KEYS, "unknown_words": ["x"]}
    parsed = Translation.from_dict(data)
    data["unknown_words"].append("y")
    assert parsed.unknown_words == ["x"]


# ── what is rejected, and what the message says ─────────────────────────────────────────────────

DOCUMENT_KEYS = {"doc_id": "d", "title": "T", "text": "T"}
REJECTED = [
    # (case, record class, input, exact message fragment)
    ("unknown key (a typo)", Span, {"start": 0, "end": 1, "lable": "PER", "text": "X"},
     "Span: unknown Span field 'lable' (known: start, end, label, text); did you mean 'label'?"),
    ("unknown key among many fields", DocumentAnnotation, {**ANNOTATION_KEYS, "entites": []},
     "DocumentAnnotation: unknown DocumentAnnotation field 'entites' (known: doc_id, annotator, status, task_id, "
     "annotation_id, entities, claims, ratings, post_edits, updated_at, ground_truth, "),
    ("unknown key, nothing like it", Paragraph, {"text": "t", "raw_start": 0, "raw_end": 1, "extra": 5},
     "Paragraph: unknown Paragraph field 'extra' (known: text, raw_start, raw_end)"),
    ("unknown key in a nested record", AnnotatedDocument,
     {**DOCUMENT_KEYS, "annotations": [{**ANNOTATION_KEYS, "claim": []}]},
     "AnnotatedDocument.annotations[0]: unknown DocumentAnnotation field 'claim' (known: "),
    ("unknown status", DocumentAnnotation, {**ANNOTATION_KEYS, "status": "compelted"},
     "DocumentAnnotation.status: 'compelted' is not one of completed, cancelled, draft, prediction, withheld"),
    ("unknown status, nested", AnnotatedDocument,
     {**DOCUMENT_KEYS, "annotations": [ANNOTATION_KEYS, {**ANNOTATION_KEYS, "status": "Completed"}]},
     "AnnotatedDocument.annotations[1].status: 'Completed' is not one of completed, cancelled, draft"),
    ("unknown role", Translation, {**TRANSLATION_KEYS, "role": "human"},
     "Translation.role: 'human' is not one of mt, reference"),
    ("unknown side", ErrorSpan, {**ERROR_KEYS, "side": "left"},
     "ErrorSpan.side: 'left' is not one of target, source, none"),
    ("unknown severity", SegmentRating,
     {**RATING_KEYS, "errors": [ERROR_KEYS, ERROR_KEYS, {**ERROR_KEYS, "severity": "Critical"}]},
     "SegmentRating.errors[2].severity: 'Critical' is not one of Major, Minor, Neutral, \"\" (empty)"),
    ("severity of the wrong type", SegmentRating,
     {**RATING_KEYS, "errors": [ERROR_KEYS, ERROR_KEYS, {**ERROR_KEYS, "severity": 5}]},
     "SegmentRating.errors[2].severity: expected str, got int (5)"),
    ("unknown problem kind", ExportProblem,
     {"kind": "region", "task_id": 1, "doc_id": "d", "annotation_id": 2, "annotator": "a", "message": "m"},
     "ExportProblem.kind: 'region' is not one of annotation, draft, prediction, task"),
    ("int given as a string", Segment,
     {"doc_id": "d", "seg_id": "3", "paragraph": 1, "start": 0, "end": 1, "text": "x"},
     "Segment.seg_id: expected int, got str ('3')"),
    ("bool is not an int", PostEdit, {"seg_id": True, "text": "x"}, "PostEdit.seg_id: expected int, got bool (True)"),
    ("int is not a bool", DocumentAnnotation, {**ANNOTATION_KEYS, "ground_truth": 1},
     "DocumentAnnotation.ground_truth: expected bool, got int (1)"),
    ("float is not an int", PostEdit, {"seg_id": 1.0, "text": "x"}, "PostEdit.seg_id: expected int, got float (1.0)"),
    ("a float field takes no string", DocumentAnnotation, {**ANNOTATION_KEYS, "lead_time": "12s"},
     "DocumentAnnotation.lead_time: expected float, got str ('12s')"),
    ("null where no None is allowed", SegmentRating, {**RATING_KEYS, "errors": None},
     "SegmentRating.errors: expected list, got null"),
    ("null in a list of strings", Translation, {**TRANSLATION_KEYS, "unknown_words": ["a", None]},
     "Translation.unknown_words[1]: expected str, got null"),
    ("a list where a record goes", DocumentAnnotation, {**ANNOTATION_KEYS, "post_edits": [[1, "x"]]},
     "DocumentAnnotation.post_edits[0]: expected an object (PostEdit), got list"),
    ("not an object at all", Span, ["0", "1"], "Span: expected an object (Span), got list"),
    ("missing required keys", ErrorSpan, {"start": 0, "end": 1, "text": ""},
     "ErrorSpan: missing required fields 'category', 'severity'"),
    ("missing required key, nested", AnnotatedDocument,
     {**DOCUMENT_KEYS, "segments": [{"doc_id": "d", "seg_id": 1, "paragraph": 1, "start": 0, "end": 1}]},
     "AnnotatedDocument.segments[0]: missing required field 'text'"),
    ("derived text that does not match", Article, {**ARTICLE_KEYS, "text": "edited"},
     "Article.text: differs from the value derived from the other fields"),
]


@pytest.mark.parametrize("cls, data, message", [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_rejected_table(cls, data, message):
    with pytest.raises(RecordError) as raised:
        cls.from_dict(json.loads(json.dumps(data)))
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)  # callers that caught ValueError still do


def test_an_unknown_key_unlike_any_field_gets_no_guess():
    with pytest.raises(RecordError, match=r"\(known: text, raw_start, raw_end\)$"):
        Paragraph.from_dict({"text": "t", "raw_start": 0, "raw_end": 1, "extra": 5})


# ── JSON Lines: the file and the line ─────────────────────────────────────────────────────────────


def documents_jsonl(tmp_path, bad_line_3: str):
    """A JSON Lines file of three synthetic documents whose line 3 is replaced by ``bad_line_3(line)``."""
    path = tmp_path / "docs.jsonl"
    buffer = io.StringIO()
    write_records(synthetic_documents(3, segments=2), buffer)
    lines = buffer.getvalue().splitlines()
    lines[2] = bad_line_3(lines[2])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


BAD_LINES = [
    # (case, line 3 → bad line 3, message after "docs.jsonl:3: not a valid AnnotatedDocument record: ")
    ("misspelt status", lambda line: line.replace('"status": "completed"', '"status": "compelted"', 1),
     "AnnotatedDocument.annotations[0].status: 'compelted' is not one of completed"),
    ("misspelt key", lambda line: line.replace('"entities":', '"entites":', 1),
     "AnnotatedDocument.annotations[0]: unknown DocumentAnnotation field 'entites'"),
    ("not JSON", lambda line: line[: len(line) // 2], "not JSON (Unterminated string starting at: column "),
    ("not an object", lambda line: "[1, 2]", "AnnotatedDocument: expected an object (AnnotatedDocument), got list"),
]


@pytest.mark.parametrize("bad_line_3, message", [c[1:] for c in BAD_LINES], ids=[c[0] for c in BAD_LINES])
def test_a_bad_jsonl_line_names_the_file_and_line(tmp_path, bad_line_3, message):
    path = documents_jsonl(tmp_path, bad_line_3)
    with path.open(encoding="utf-8") as stream, pytest.raises(JsonlError) as raised:
        list(read_records(AnnotatedDocument, stream, name=str(path)))
    assert str(raised.value).startswith(f"{path}:3: not a valid AnnotatedDocument record: ")
    assert message in str(raised.value)


def test_build_refuses_a_misspelt_status_instead_of_dropping_the_annotation(tmp_path):
    path = documents_jsonl(tmp_path, lambda line: line.replace('"completed"', '"compelted"', 1))
    result = CliRunner().invoke(app, ["build", str(path), str(tmp_path / "out")])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"{path}:3: not a valid AnnotatedDocument record" in output and "'compelted'" in output
    assert not (tmp_path / "out").exists()


def test_segment_stage_names_the_stdin_line():
    article = Article("d", "a.txt", "T", 0, 1, [Paragraph("Hola.", 2, 7)]).to_dict()
    lines = [json.dumps(article), json.dumps({**article, "paragraph": []})]
    result = CliRunner().invoke(app, ["segment", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    assert "<stdin>:2: not a valid Article record: Article: unknown Article field 'paragraph'" in " ".join(
        result.output.split())
