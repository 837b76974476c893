"""Imported systems and references (annotate.translate.imported): coverage is checked, never guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.records import Segment
from annotate.translate.imported import ImportedOutputsError, ImportSpec, content_version, import_outputs

SEGMENTS = [
    Segment("docA", 1, 0, 0, 5, "Hola."),
    Segment("docA", 2, 1, 7, 13, "Adiós."),
    Segment("docB", 1, 0, 0, 4, "Sí."),
]


def _jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    return path


def test_jsonl_keyed_by_doc_and_segment(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "deepl.jsonl", [{"doc_id": "docB", "seg_id": 1, "mt": "Yes."},
                                             {"doc_id": "docA", "seg_id": 2, "text": "Goodbye."},
                                             {"doc_id": "docA", "seg_id": 1, "translation": "Hello."}])
    translations = import_outputs(ImportSpec.parse(f"deepl={path}"), SEGMENTS)
    # in segment order, whatever the file's order; every field of the record filled
    assert [(t.doc_id, t.seg_id, t.mt, t.source) for t in translations] == [
        ("docA", 1, "Hello.", "Hola."), ("docA", 2, "Goodbye.", "Adiós."), ("docB", 1, "Yes.", "Sí.")]
    assert {t.system for t in translations} == {"deepl"} and {t.role for t in translations} == {"mt"}
    assert translations[0].system_version == content_version([("docA", 1, "Hello."), ("docA", 2, "Goodbye."),
                                                              ("docB", 1, "Yes.")])
    assert translations[0].system_version.startswith("imported sha256:")


def test_a_system_may_cover_whole_documents_only(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "partial.jsonl", [{"doc_id": "docB", "seg_id": 1, "mt": "Yes."}])
    (only,) = import_outputs(ImportSpec("partial", path), SEGMENTS, role="reference")
    assert (only.doc_id, only.role) == ("docB", "reference")


def test_plain_text_one_line_per_segment(tmp_path: Path) -> None:
    path = tmp_path / "llm.txt"
    path.write_bytes("Hello.\r\nGoodbye.\r\n[Yes]\r\n".encode())
    assert [t.mt for t in import_outputs(ImportSpec("llm", path), SEGMENTS)] == ["Hello.", "Goodbye.", "[Yes]"]


def test_content_hash_changes_with_the_outputs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Hello.\nGoodbye.\nYes.\n", encoding="utf-8")
    b.write_text("Hello.\nGoodbye.\nYes!\n", encoding="utf-8")
    va = import_outputs(ImportSpec("x", a), SEGMENTS)[0].system_version
    vb = import_outputs(ImportSpec("x", b), SEGMENTS)[0].system_version
    assert va != vb and va == import_outputs(ImportSpec("y", a), SEGMENTS)[0].system_version


@pytest.mark.parametrize(("name", "content", "message"), [
    ("short.txt", "Hello.\nGoodbye.\n", r"short.txt: 2 lines, expected 3 .*line 3 would be docB#1"),
    ("long.txt", "a\nb\nc\nd\n", r"long.txt: 4 lines, expected 3"),
    ("unknown.jsonl", '{"doc_id": "docC", "seg_id": 1, "mt": "x"}\n', r"unknown.jsonl:1: docC#1 is not a segment"),
    ("twice.jsonl", '{"doc_id": "docB", "seg_id": 1, "mt": "x"}\n{"doc_id": "docB", "seg_id": 1, "mt": "y"}\n',
     r"twice.jsonl:2: docB#1 is translated twice"),
    ("half.jsonl", '{"doc_id": "docA", "seg_id": 2, "mt": "x"}\n',
     r"half.jsonl: document docA has 1 of its 2 segments; first missing: #1"),
    ("source.jsonl", '{"doc_id": "docB", "seg_id": 1, "source": "No.", "mt": "x"}\n',
     r"source.jsonl:1: source of docB#1 is 'No.', the segment is 'Sí.'"),
    ("nomt.jsonl", '{"doc_id": "docB", "seg_id": 1}\n', r"nomt.jsonl:1: no translation"),
    ("badjson.jsonl", '{"doc_id": \n', r"badjson.jsonl:1: not JSON"),
    ("empty.jsonl", "\n", r"empty.jsonl: no translations"),
])
def test_coverage_errors_name_file_counts_and_first_mismatch(tmp_path: Path, name: str, content: str,
                                                            message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportedOutputsError, match=message):
        import_outputs(ImportSpec("sys", path), SEGMENTS)


def test_non_utf8_file_names_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Hello.\nGood\xe9bye.\nYes.\n".encode("latin-1"))
    with pytest.raises(ImportedOutputsError, match=r"latin1.txt: line 2, byte 11: not UTF-8"):
        import_outputs(ImportSpec("sys", path), SEGMENTS)


@pytest.mark.parametrize("spec", ["noequals", "=file.txt", "name=", ""])
def test_spec_must_be_name_equals_file(spec: str) -> None:
    with pytest.raises(ValueError, match="expected NAME=FILE"):
        ImportSpec.parse(spec)
