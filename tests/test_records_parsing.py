"""Record.from_dict: nested records, lists, optional fields and defaults, exactly as written by
to_dict (the JSON Lines pipes and `annotate build FILE.jsonl` depend on it)."""

from __future__ import annotations

import json

import pytest

from annotate.dataset.synthetic import synthetic_documents
from annotate.records import AnnotatedDocument, Article, DocumentAnnotation, Paragraph, SegmentRating, Translation


def test_round_trip_of_nested_documents():
    for doc in synthetic_documents(5, segments=3, annotators=2):
        again = AnnotatedDocument.from_json(doc.to_json())
        assert again == doc
        assert type(again.annotations[0].ratings[0].errors[0]).__name__ == "ErrorSpan"


CASES = [
    # (case, record class, input dict, expected)
    ("missing keys take the defaults", Translation,
     {"doc_id": "d", "seg_id": 1, "system": "s", "system_version": "v", "source": "a", "mt": "b"},
     Translation("d", 1, "s", "v", "a", "b", [])),
    ("unknown keys are ignored", Paragraph, {"text": "t", "raw_start": 0, "raw_end": 1, "extra": 5},
     Paragraph("t", 0, 1)),
    ("optional int stays None", DocumentAnnotation,
     {"doc_id": "d", "annotator": "a", "status": "draft", "task_id": None, "annotation_id": 7},
     DocumentAnnotation("d", "a", "draft", None, 7)),
    ("null list stays None", SegmentRating,
     {"system": "s", "doc_id": "d", "seg_id": 1, "rater": "r", "source": "x", "target": "y", "errors": None},
     SegmentRating("s", "d", 1, "r", "x", "y", None)),  # type: ignore[arg-type]
    ("nested records in a list", Article,
     {"doc_id": "d", "source_name": "f.txt", "title": "T", "title_raw_start": 0, "title_raw_end": 1,
      "paragraphs": [{"text": "p", "raw_start": 2, "raw_end": 3}], "text": "derived, ignored"},
     Article("d", "f.txt", "T", 0, 1, [Paragraph("p", 2, 3)])),
]


@pytest.mark.parametrize("cls, data, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_from_dict_table(cls, data, expected):
    parsed = cls.from_dict(json.loads(json.dumps(data)))
    assert parsed == expected
    assert repr(parsed) == repr(expected)


def test_lists_are_copied_not_shared():
    data = {"doc_id": "d", "seg_id": 1, "system": "s", "system_version": "v", "source": "a", "mt": "b",
            "unknown_words": ["x"]}
    parsed = Translation.from_dict(data)
    data["unknown_words"].append("y")
    assert parsed.unknown_words == ["x"]
