"""Bad records fail the build loudly, naming the document, annotator, layer and both texts; splits
are deterministic functions of doc_id."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from annotate.dataset.checks import DatasetBuildError, check_document
from annotate.dataset.splits import FEW_DOCUMENTS, choose_split_rule, hash_split
from annotate.dataset.synthetic import synthetic_document
from annotate.records import ErrorSpan, PostEdit, Span


def corrupt(change) -> None:
    doc = synthetic_document(7, segments=2)
    change(doc)
    check_document(doc)


def replaced(items: list, index: int, **changes) -> None:
    items[index] = dataclasses.replace(items[index], **changes)


def entity(**changes):
    return lambda doc: replaced(doc.annotations[0].entities, 0, **changes)


def added_error(*error):
    return lambda doc: doc.annotations[0].ratings[0].errors.append(ErrorSpan(*error))


def rating(**changes):
    return lambda doc: [setattr(doc.annotations[0].ratings[0], k, v) for k, v in changes.items()]


CORRUPTIONS = [
    ("entity text", entity(text="Putín"),
     r"document 'synthetic-0-0000007', annotator 'annotator-00', entity #1 \(PER\): span text 'Putín' != text\["),
    ("entity label", entity(label="PERSON"), r"entity #1 \(PERSON\): unknown label 'PERSON' \(schema: PER, ORG"),
    ("claim offsets", lambda d: replaced(d.annotations[0].claims, 0, start=10_000, end=10_005),
     r"claim #1 \(Event\): offsets \[10000:10005\] outside the text"),
    ("error span", added_error(0, 3, "Fluency/Grammar", "Minor", "xyz"),
     r"rating of system 'apertium' segment 1, error #\d \(Fluency/Grammar\): span text 'xyz' != text\[0:3\]"),
    ("error category", added_error(0, 0, "Fluency/Typo", "Minor", ""), r"unknown MQM category 'Fluency/Typo'"),
    ("severity", added_error(0, 0, "Other", "Critical", ""),
     r"unknown severity 'Critical' \(schema: Major, Minor, Neutral\)"),
    ("rated target", rating(target="something else"), r"rated target 'something else' differs from the MT"),
    ("rated system", rating(system="google"), r"rating of system 'google' segment 1: no such translation"),
    ("post-edit segment", lambda d: d.annotations[0].post_edits.append(PostEdit(99, "x")),
     r"post-edit for unknown segment 99"),
    ("duplicate post-edit", lambda d: d.annotations[0].post_edits.append(PostEdit(1, "again")),
     r"two post-edits of segment 1"),
    ("segment text", lambda d: replaced(d.segments, 0, text="Otro texto"),
     r"document 'synthetic-0-0000007', segment 1: span text 'Otro texto' != text\["),
    ("translation source", lambda d: replaced(d.translations, 0, source="x"),
     r"translation by 'apertium' of segment 1: source 'x' != segment text"),
    ("rater email", rating(rater="someone@example.org"), r"annotator name looks like an e-mail address \(so…@…\)"),
]


@pytest.mark.parametrize("change, message", [c[1:] for c in CORRUPTIONS], ids=[c[0] for c in CORRUPTIONS])
def test_bad_records_fail_with_what_and_where(change, message):
    with pytest.raises(DatasetBuildError, match=message):
        corrupt(change)


def test_drafts_are_not_validated_because_they_are_not_used():
    doc = synthetic_document(3, segments=2)
    doc.annotations[0].status = "draft"
    doc.annotations[0].entities[0] = Span(0, 1, "PER", "?")
    check_document(doc)  # no error: the draft never reaches the dataset


def test_valid_synthetic_document_passes():
    mt = check_document(synthetic_document(1, segments=3, annotators=2))
    assert sorted(mt) == [(system, seg) for system in ("apertium", "argos") for seg in (1, 2, 3)]


def test_hash_split_is_stable_and_near_the_documented_proportions():
    ids = [f"doc-{i:05d}" for i in range(20_000)]
    counts = Counter(hash_split(doc_id) for doc_id in ids)
    assert counts["train"] / len(ids) == pytest.approx(0.8, abs=0.01)
    assert counts["validation"] / len(ids) == pytest.approx(0.1, abs=0.01)
    assert counts["test"] / len(ids) == pytest.approx(0.1, abs=0.01)
    assert [hash_split(doc_id) for doc_id in ids[:50]] == [hash_split(doc_id) for doc_id in ids[:50]]


SPLIT_RULES = [
    # (documents, mode, split of every document or None for the hash rule)
    # a document's split never depends on how many others there are ("auto" is the old name of "hash")
    (5, "auto", None),
    (FEW_DOCUMENTS - 1, "auto", None),
    (FEW_DOCUMENTS, "auto", None),
    (5, "hash", None),
    (500, "validation", "validation"),
]


@pytest.mark.parametrize("n_documents, mode, all_in", SPLIT_RULES)
def test_split_rules(n_documents, mode, all_in):
    rule = choose_split_rule(n_documents, mode)
    assert rule.all_in == all_in
    assert rule.split_of("doc-x") == (all_in or hash_split("doc-x"))


def test_unknown_split_mode_is_refused():
    with pytest.raises(ValueError, match="unknown split mode 'dev'"):
        choose_split_rule(10, "dev")
