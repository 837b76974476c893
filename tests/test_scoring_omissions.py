"""What the translations lost: entities and claims covered by omissions marked in the source."""

from __future__ import annotations

from dataclasses import replace

from fixtures_labelstudio import gold_annotation, gold_with_source_omissions, tricky_document

from annotate.records import SegmentRating
from annotate.scoring.omissions import lost_in_translation


def _doc_with_omissions():
    doc = tricky_document()
    gold, _ = gold_with_source_omissions(doc)  # apertium: "Pyongyang\r\nel" (seg 2), "📦 y cooperación técnica" (seg 4)
    doc.annotations = [gold]
    return doc


def test_an_omission_names_the_entities_and_claims_it_covers():
    report = lost_in_translation([_doc_with_omissions()])
    assert report.systems == ["apertium"] and report.omissions == {"apertium": 2} and report.has_spans
    assert report.labels("apertium", "entities") == {"LOC": 1, "DATE": 1}  # "Pyongyang", "el martes" (its "el")
    assert report.labels("apertium", "claims") == {"Event": 1}  # the claim across the \r\n
    (lost,) = report.distinct("apertium", "claims")
    assert (lost.seg_id, lost.omitted, lost.severity) == (2, "Pyongyang\r\nel", "Minor")
    claim, entity = report.examples(2)  # in text order: the claim starts first
    assert claim.text.startswith("El presidente ruso llegó a Pyongyang\r\nel martes.") and entity.text == "Pyongyang"
    # the omission after the emoji covers no entity or claim: counted, names nothing
    assert all(x.seg_id == 2 for x in report.lost)


def test_a_span_lost_counts_once_per_system_and_raters_without_spans_use_the_primary():
    doc = _doc_with_omissions()
    (gold,) = doc.annotations
    omissions = [(r.seg_id, e) for r in gold.ratings for e in r.errors if e.side == "source"]
    mqm_only = replace(gold, annotator="annotator-2", entities=[], claims=[], post_edits=[], annotation_id=2,
                       ratings=[SegmentRating("apertium", doc.doc_id, seg_id, "annotator-2", "", "", errors=[error])
                                for seg_id, error in omissions])
    doc.annotations.append(mqm_only)
    report = lost_in_translation([doc])
    assert report.omissions == {"apertium": 4}
    assert {x.rater for x in report.lost} == {gold.annotator, "annotator-2"}  # both raters' omissions name spans
    assert sum(report.labels("apertium", "entities").values()) == 2  # … but each entity counts once


def test_nothing_to_say_without_an_omission_marked_in_the_source():
    doc = tricky_document()
    doc.annotations = [gold_annotation(doc)]  # its omission is anchored on MT words
    assert any(e.category == "Accuracy/Omission" and e.side == "target" for r in doc.annotations[0].ratings
               for e in r.errors)
    assert lost_in_translation([doc]) is None
    draft = _doc_with_omissions()
    draft.annotations = [replace(draft.annotations[0], status="draft")]
    assert lost_in_translation([draft]) is None  # drafts are not counted


def test_without_entities_or_claims_the_omissions_are_counted_but_name_nothing():
    doc = _doc_with_omissions()
    doc.annotations = [replace(doc.annotations[0], entities=[], claims=[])]
    report = lost_in_translation([doc])
    assert report.omissions == {"apertium": 2} and not report.has_spans and report.lost == []


def test_an_error_span_in_the_source_of_another_category_is_not_an_omission():
    doc = _doc_with_omissions()
    for rating in doc.annotations[0].ratings:
        rating.errors = [replace(e, category="Source error") if e.side == "source" else e for e in rating.errors]
    assert lost_in_translation([doc]) is None
