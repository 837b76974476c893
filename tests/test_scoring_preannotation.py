"""Pre-annotation uptake (annotate.scoring.preannotation): what became of each suggested span, as
a table of cases, then whole annotations and documents, then the seeds' real export."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from annotate.labelstudio.export import load_export, parse_export
from annotate.records import AnnotatedDocument, DocumentAnnotation, ErrorSpan, SegmentRating, Span
from annotate.scoring.agreement import layer_spans, span_counts
from annotate.scoring.preannotation import (
    ALL_LABELS,
    FROM_SCRATCH,
    OTHER_LABELS,
    OUTCOMES,
    STARTED_FROM,
    compare_annotation,
    compare_spans,
    gap_interval,
    preannotation_report,
)

GOLD_EXPORT = Path(__file__).parent.parent / "seeds" / "gold_export.json"


@pytest.mark.parametrize(
    ("suggested", "annotated", "outcome", "accounted"),
    [
        (("", 0, 5, "LOC"), ("", 0, 5, "LOC"), "kept", True),
        (("", 0, 5, "LOC"), ("", 0, 5, "ORG"), "relabelled", True),
        (("", 0, 5, "LOC"), ("", 0, 9, "LOC"), "resized", True),  # "Corea" → "Corea del Norte"
        (("", 2, 5, "LOC"), ("", 0, 3, "LOC"), "resized", True),
        (("", 0, 5, "LOC"), ("", 5, 9, "LOC"), "deleted", False),  # touching is not overlapping
        (("", 0, 5, "LOC"), ("", 0, 9, "ORG"), "deleted", False),  # replaced: neither label nor offsets
        (("s#1", 0, 5, "Accuracy/Untranslated text"), ("s#2", 0, 5, "Accuracy/Untranslated text"), "deleted", False),
        (("s#1", 4, 4, "Accuracy/Omission"), ("s#1", 4, 4, "Accuracy/Omission"), "kept", True),  # a position
    ],
)
def test_what_became_of_one_suggested_span(suggested, annotated, outcome: str, accounted: bool) -> None:
    assert compare_spans([suggested], [annotated]) == ([outcome], [accounted])


def test_kept_wins_over_relabelled_and_resized_and_every_span_is_counted_once() -> None:
    suggested = [("", 0, 5, "LOC"), ("", 10, 15, "PER"), ("", 20, 25, "DATE")]
    annotated = [("", 0, 5, "ORG"), ("", 0, 5, "LOC"), ("", 10, 18, "PER"), ("", 30, 35, "MISC")]
    outcomes, accounted = compare_spans(suggested, annotated)
    assert outcomes == ["kept", "resized", "deleted"]
    assert accounted == [False, True, True, False]  # the ORG and MISC spans were added by hand
    assert set(outcomes) <= set(OUTCOMES)


def _annotation(status: str = "completed", *, entities=(), errors=(), annotator: str = "annotator-1",
                annotation_id: int | None = None, parent: int | None = None) -> DocumentAnnotation:
    text = "El presidente ruso llegó a Pyongyang el martes."
    mt = "The Russian president arrived to Pyongyang the Tuesday."
    spans = [Span(text.index(needle), text.index(needle) + len(needle), label, needle) for label, needle in entities]
    found = [ErrorSpan(mt.index(needle), mt.index(needle) + len(needle), category, severity, needle)
             for category, severity, needle in errors]
    ratings = [SegmentRating(system="apertium", doc_id="d", seg_id=1, rater=annotator, source=text, target=mt,
                             errors=found)] if found or status == "completed" else []
    return DocumentAnnotation(doc_id="d", annotator=annotator, status=status, annotation_id=annotation_id,
                              entities=spans, ratings=ratings, parent_prediction=parent)


def _prediction(annotation_id: int, model: str = "suggest-1", **layers) -> DocumentAnnotation:
    return _annotation("prediction", annotator=model, annotation_id=annotation_id, **layers)


SUGGESTION = _prediction(7, entities=[("LOC", "Pyongyang"), ("DATE", "el martes"), ("MISC", "ruso")],
                         errors=[("Fluency/Grammar", "Minor", "the Tuesday"), ("Accuracy/Mistranslation", "Minor", "to")])


def test_one_annotation_against_one_prediction_by_label() -> None:
    final = _annotation(entities=[("LOC", "Pyongyang"), ("DATE", "el martes"), ("PER", "presidente ruso")],
                        errors=[("Fluency/Grammar", "Major", "the Tuesday"), ("Fluency/Grammar", "Minor", "to")])
    layers = compare_annotation(SUGGESTION, final)
    assert sorted(layers) == ["entities", "errors"]
    entities = layers["entities"]
    # made from scratch (no parent prediction): the MISC suggestion was never seen, so it is missed, not deleted
    assert (entities["LOC"].kept, entities["DATE"].kept, entities["MISC"].missed, entities["MISC"].deleted) == (1, 1, 1, 0)
    assert (entities["PER"].suggested, entities["PER"].annotated, entities["PER"].added) == (0, 1, 1)
    errors = layers["errors"]
    assert (errors["Fluency/Grammar"].kept, errors["Fluency/Grammar"].severity_changed) == (1, 1)  # Minor → Major
    assert errors["Accuracy/Mistranslation"].relabelled == 1  # "to" kept as a Grammar error
    assert (errors["Fluency/Grammar"].annotated, errors["Fluency/Grammar"].added) == (2, 0)


def _doc(*annotations: DocumentAnnotation, predictions=(SUGGESTION,)) -> AnnotatedDocument:
    return AnnotatedDocument(doc_id="d", title="", text="El presidente ruso llegó a Pyongyang el martes.",
                             annotations=list(annotations), predictions=list(predictions))


def test_an_annotation_that_started_blank_never_deletes_a_suggestion() -> None:
    """Label Studio's parent_prediction says which prediction an annotation opened with: none, and
    the suggestions it lacks are "missed" (never shown), never "deleted" — in every table."""
    blank = _annotation(entities=[("LOC", "Pyongyang")], annotator="annotator-1")
    started = _annotation(entities=[("LOC", "Pyongyang")], annotator="annotator-2", parent=7)
    from_blank = compare_annotation(SUGGESTION, blank)
    assert [(o.deleted, o.missed) for o in from_blank["entities"].values() if o.suggested] == [(0, 1), (0, 0), (0, 1)]
    assert sum(o.deleted for layer in from_blank.values() for o in layer.values()) == 0
    from_suggestions = compare_annotation(SUGGESTION, started)
    assert sum(o.deleted for o in from_suggestions["entities"].values()) == 2  # DATE and MISC, shown and removed
    report = preannotation_report([_doc(blank, started)])
    scratch, shown = report.groups
    assert (scratch.situation, scratch.total("entities").deleted, scratch.total("entities").missed) == (FROM_SCRATCH, 0, 2)
    assert (shown.situation, shown.total("entities").deleted, shown.total("entities").missed) == (STARTED_FROM, 2, 0)
    uptake = {person.annotator: total for person, total in report.uptake_rows()}
    assert uptake["annotator-1"].deleted == 0 and uptake["annotator-2"].deleted == 4  # entities and errors
    assert compare_spans([("", 0, 5, "LOC")], [], started_from=False) == (["missed"], [])


def test_from_scratch_and_started_from_it_are_kept_apart() -> None:
    scratch = _annotation(entities=[("LOC", "Pyongyang")], annotator="annotator-1")
    accepted = _annotation(entities=[("LOC", "Pyongyang"), ("DATE", "el martes"), ("MISC", "ruso")],
                           errors=[("Fluency/Grammar", "Minor", "the Tuesday"), ("Accuracy/Mistranslation", "Minor", "to")],
                           annotator="annotator-2", parent=7)
    skipped = replace(accepted, status="cancelled")
    report = preannotation_report([_doc(scratch, accepted, skipped)])
    assert [(g.model_version, g.situation, g.annotations) for g in report.groups] == [
        ("suggest-1", FROM_SCRATCH, 1), ("suggest-1", STARTED_FROM, 1)]
    scratch_group, started_group = report.groups
    assert scratch_group.total("entities").precision == pytest.approx(1 / 3)
    assert started_group.total("entities").precision == started_group.total("errors").precision == 1.0
    assert [(p.annotator, p.annotations, p.started_from) for p, _ in report.uptake_rows()] == [
        ("annotator-1", 1, 0), ("annotator-2", 1, 1)]
    assert report.compares_annotators
    _, accepted_total = report.uptake_rows()[1]
    assert (accepted_total.suggested, accepted_total.kept) == (5, 5)


def test_each_annotation_meets_the_model_it_started_from_and_the_latest_prediction() -> None:
    older = replace(_prediction(3, entities=[("ORG", "Pyongyang")]))
    other_model = _prediction(9, model="other-model", entities=[("PER", "presidente ruso")])
    started_from_other = _annotation(entities=[("PER", "presidente ruso")], parent=9)
    replaced = _annotation(entities=[("LOC", "Pyongyang")], annotator="annotator-2", parent=99)  # gone
    report = preannotation_report([_doc(started_from_other, replaced, predictions=(older, SUGGESTION, other_model))])
    assert [(g.model_version, g.situation, g.annotations) for g in report.groups] == [("other-model", STARTED_FROM, 1)]
    (group,) = report.groups
    assert group.total("entities").kept == 1
    # from scratch, an annotation meets every model's LATEST prediction (7, not 3)
    report = preannotation_report([_doc(_annotation(entities=[("LOC", "Pyongyang")]), predictions=(older, SUGGESTION))])
    (group,) = report.groups
    assert group.layers["entities"]["LOC"].kept == 1 and "ORG" not in group.layers["entities"]


def test_withheld_suggestions_are_met_from_scratch_and_anchoring_compares_the_two() -> None:
    """Two tasks: on one the suggestions were shown and the annotator kept all five; on the other
    they were withheld and the annotator reproduced only the LOC."""
    shown_doc = _doc(_annotation(entities=[("LOC", "Pyongyang"), ("DATE", "el martes"), ("MISC", "ruso")],
                                 errors=[("Fluency/Grammar", "Minor", "the Tuesday"),
                                         ("Accuracy/Mistranslation", "Minor", "to")], parent=7))
    withheld = replace(SUGGESTION, status="withheld", annotation_id=None)
    held_doc = replace(_doc(_annotation(entities=[("LOC", "Pyongyang")]), predictions=(withheld,)), doc_id="e")
    report = preannotation_report([shown_doc, held_doc])
    scratch, started = report.groups
    assert (scratch.situation, scratch.annotations, scratch.withheld) == (FROM_SCRATCH, 1, 1)
    assert (started.situation, started.withheld) == (STARTED_FROM, 0)
    rows = report.anchoring
    assert [(row.model_version, row.layer) for row in rows] == [("suggest-1", "entities"), ("suggest-1", "errors")]
    assert (rows[0].started_from.precision, rows[0].from_scratch.precision) == (1.0, pytest.approx(1 / 3))
    assert rows[0].gap == pytest.approx(2 / 3) and rows[0].ci is None  # one annotation a side: no interval
    assert not preannotation_report([shown_doc]).anchoring  # one situation: nothing to compare


def _gap_interval_by_hand(scratch, started, n_samples: int = 1000, seed: int = 12345) -> tuple[float, float]:
    """The documented bootstrap written out with numpy: one generator seeded 12345, each side's
    annotations drawn n_samples × len(side) with replacement (scratch first), kept/suggested summed
    per resample, started minus scratch, the 2.5th and 97.5th percentiles."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shares = []
    for side in (scratch, started):
        pairs = np.array(side, dtype=float)
        sums = pairs[rng.integers(0, len(pairs), size=(n_samples, len(pairs)))].sum(axis=1)
        shares.append(sums[:, 0] / sums[:, 1])
    low, high = np.percentile(shares[1] - shares[0], [2.5, 97.5])
    return float(low), float(high)


@pytest.mark.parametrize(
    ("scratch", "started", "expected"),
    [
        ([(1, 10)], [(9, 10), (8, 10)], None),  # one annotation on a side
        ([(5, 10), (0, 0)], [(9, 10), (8, 10)], None),  # an annotation without suggestions does not count
        # gap 0.9 − 0.5 = 0.4; every annotation suggests 10, so the resampled gaps sit on a 1/200 grid
        ([(5, 10), (6, 10), (4, 10), (5, 10)] * 5, [(9, 10), (10, 10), (9, 10), (8, 10)] * 5, (0.36, 0.445)),
        # gap 0.5 − 0.55 = −0.05, 8 annotations a side: a wide interval around 0
        ([(5, 10), (9, 10), (1, 10), (7, 10)] * 2, [(6, 10), (2, 10), (8, 10), (4, 10)] * 2, (-0.3, 0.2)),
    ],
)
def test_gap_interval_resamples_whole_annotations(scratch, started, expected) -> None:
    ci = gap_interval(scratch, started)
    if expected is None:
        assert ci is None
        return
    assert ci == pytest.approx(expected, abs=1e-12)
    assert ci == pytest.approx(_gap_interval_by_hand(scratch, started), abs=1e-12)


def test_no_predictions_no_report() -> None:
    assert not preannotation_report([_doc(_annotation(entities=[("LOC", "Pyongyang")]), predictions=())])


@pytest.fixture(scope="module")
def seeds() -> list[AnnotatedDocument]:
    return parse_export(load_export(GOLD_EXPORT))


def test_on_the_seeds_the_outcomes_add_up_and_kept_is_exact_agreement(seeds) -> None:
    report = preannotation_report(seeds)
    (group,) = report.groups
    assert group.situation == FROM_SCRATCH and group.annotations == len(seeds) == 5
    assert group.suggested_layers() == ["entities", "errors"]  # the suggester proposes no claims
    for layer in group.suggested_layers():
        table = dict(group.table(layer))
        for label, outcomes in table.items():
            assert outcomes.suggested == outcomes.kept + outcomes.relabelled + outcomes.resized + outcomes.missed, label
            assert outcomes.deleted == 0, label  # the gold was made from scratch: it deleted nothing
        parts = [o for label, o in table.items() if label != ALL_LABELS]
        assert sum(o.annotated for o in parts) == table[ALL_LABELS].annotated
        # kept = exact agreement between the prediction and the annotation (agreement.py's matching)
        exact = [span_counts(layer_spans(doc.predictions[0], layer, {f"{r.system}#{r.seg_id}" for r in a.ratings}),
                             layer_spans(a, layer), "exact") for doc in seeds for a in doc.annotations]
        assert table[ALL_LABELS].kept == sum(c.matched_a for c in exact)
        assert table[ALL_LABELS].annotated == sum(c.total_b for c in exact)
    errors = dict(group.table("errors"))
    assert list(errors) == ["Accuracy/Mistranslation", "Accuracy/Untranslated text", "Locale convention/Number format",
                            OTHER_LABELS, ALL_LABELS]
    number_format = errors["Locale convention/Number format"]
    # the gold rates two systems: "6.700" and co. are suggested, and kept, in both translations
    assert (number_format.suggested, number_format.kept, number_format.annotated) == (6, 6, 6)
    mangled_names = errors["Accuracy/Mistranslation"]  # "Kim Jong A" (apertium) and "Kim Jong One" (via-cat)
    assert (mangled_names.suggested, mangled_names.kept, mangled_names.precision) == (16, 16, 1.0)
    assert errors[OTHER_LABELS].suggested == 0 and errors[OTHER_LABELS].annotated > 300
    assert group.total("entities").precision > 0.8 and group.total("entities").recall > 0.8


def test_the_seeds_are_flagged_as_the_rules_development_set(seeds) -> None:
    """The rules were written against the seeds' gold: the report must not sell those figures as
    the pre-annotator's accuracy on new text."""
    (group,) = preannotation_report(seeds).groups
    assert group.documents == {doc.doc_id for doc in seeds} and group.development_documents == 5
    (other,) = preannotation_report([_doc(_annotation(entities=[("LOC", "Pyongyang")]))]).groups
    assert other.development_documents == 0
