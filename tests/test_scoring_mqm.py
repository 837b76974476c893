"""MQM scoring (annotate.scoring.mqm): Google's weights from the schema by default, the named
"guidelines" weighting, per-rater sums averaged over raters, means over rated segments, breakdowns
that add up, overridable weights."""

from __future__ import annotations

import pytest

from annotate.records import AnnotatedDocument, DocumentAnnotation, ErrorSpan, SegmentRating
from annotate.schema import (
    DEFAULT_MQM_WEIGHTING,
    GOOGLE_MQM_WEIGHTS,
    GUIDELINES_MQM_WEIGHTS,
    MQM_WEIGHTINGS,
    MQMWeights,
)
from annotate.scoring.mqm import rating_penalty, score_documents, score_ratings


def rating(system: str, seg_id: int, rater: str, *errors: tuple[str, str], doc_id: str = "d1") -> SegmentRating:
    return SegmentRating(system=system, doc_id=doc_id, seg_id=seg_id, rater=rater, source="src", target="mt",
                         errors=[ErrorSpan(0, 1, category, severity, "m") for category, severity in errors])


# One error's weight under each named weighting: (category, severity), Google's, the guidelines'.
# Google's are mqm_scores.py's (google-research) and the README of google/wmt-mqm-human-evaluation:
# Major 5, Minor 1, Neutral 0, Minor Fluency/Punctuation 0.1, Non-translation! 25, every other
# category by its severity. The guidelines weighting differs in one row group only: Source error.
WEIGHTS = [
    (("Accuracy/Mistranslation", "Major"), 5.0, 5.0),
    (("Accuracy/Mistranslation", "Minor"), 1.0, 1.0),
    (("Style/Awkward", "Neutral"), 0.0, 0.0),
    (("Fluency/Punctuation", "Minor"), 0.1, 0.1),
    (("Fluency/Punctuation", "Major"), 5.0, 5.0),  # only Minor punctuation is discounted
    (("Fluency/Punctuation", "Neutral"), 0.0, 0.0),
    (("Non-translation!", "Major"), 25.0, 25.0),
    (("Non-translation!", "Minor"), 25.0, 25.0),  # the README's "weight of 25", whatever the severity
    (("Other", "Major"), 5.0, 5.0),  # no exception for Other: by its severity
    (("Other", "Minor"), 1.0, 1.0),
    (("Source error", "Major"), 5.0, 0.0),  # Google counts it (its published scores do); our guidelines do not
    (("Source error", "Minor"), 1.0, 0.0),
    (("Source error", "Neutral"), 0.0, 0.0),
    (("No-error", "No-error"), 0.0, 0.0),  # the WMT row of a segment rated without errors
]


@pytest.mark.parametrize(("error", "google", "guidelines"), WEIGHTS, ids=[f"{c} {s}" for (c, s), _, _ in WEIGHTS])
def test_weight_of_one_error_per_weighting(error: tuple[str, str], google: float, guidelines: float) -> None:
    assert GOOGLE_MQM_WEIGHTS.weight(*error) == google
    assert GUIDELINES_MQM_WEIGHTS.weight(*error) == guidelines
    assert rating_penalty(rating("s", 1, "r", error)) == google  # the default is Google's


@pytest.mark.parametrize(
    ("errors", "penalty"),
    [
        ((), 0.0),  # a No-error rating
        ((("Fluency/Grammar", "Major"), ("Fluency/Grammar", "Minor"), ("Fluency/Punctuation", "Minor")), 6.1),
        ((("Source error", "Major"), ("Accuracy/Omission", "Minor")), 6.0),
    ],
)
def test_rating_penalty_sums_google_weights(errors, penalty) -> None:
    assert rating_penalty(rating("s", 1, "r", *errors)) == pytest.approx(penalty)


NAMED = [
    # name, weights, how describe() says it differs from Google's
    ("google", GOOGLE_MQM_WEIGHTS, []),
    ("guidelines", GUIDELINES_MQM_WEIGHTS, ["Source error/* → 0 (Google: by severity)"]),
]


@pytest.mark.parametrize(("name", "weights", "differences"), NAMED, ids=[n for n, _, _ in NAMED])
def test_named_weightings(name: str, weights: MQMWeights, differences: list[str]) -> None:
    assert MQMWeights.named(name) is weights and weights.name == name
    assert weights.differences_from_google() == differences
    line = weights.describe()
    assert line.startswith(f"{name} (") and "\n" not in line
    assert all(difference in line for difference in differences)


def test_the_default_weighting_is_googles_everywhere() -> None:
    assert list(MQM_WEIGHTINGS) == ["google", "guidelines"]
    assert DEFAULT_MQM_WEIGHTING == "google" and MQMWeights.named() is GOOGLE_MQM_WEIGHTS == MQMWeights()
    assert score_ratings([rating("A", 1, "r", ("Source error", "Minor"))]).weights.name == "google"


def test_custom_weights_are_named_custom_and_say_how_they_differ() -> None:
    heavy = MQMWeights(severity={"Major": 10.0, "Minor": 1.0, "Neutral": 0.0}, overrides={})
    assert heavy.name == "custom"
    assert heavy.differences_from_google() == [
        "Major → 10 (Google: 5)", "Fluency/Punctuation/Minor → by severity (Google: 0.1)",
        "Non-translation!/* → by severity (Google: 25)"]
    with pytest.raises(ValueError, match=r"unknown MQM weighting 'mqm-viewer' \(known: google, guidelines\)"):
        MQMWeights.named("mqm-viewer")


def test_segment_document_and_system_levels() -> None:
    ratings = [
        rating("A", 1, "r1", ("Accuracy/Mistranslation", "Major")),  # A#1: (5 + 1) / 2 = 3
        rating("A", 1, "r2", ("Fluency/Grammar", "Minor")),
        rating("A", 2, "r1"),  # A#2: No-error → 0
        rating("A", 1, "r1", ("Style/Awkward", "Minor"), doc_id="d2"),  # A d2#1: 1
        rating("B", 1, "r2", ("Non-translation!", "Major")),  # B#1: 25
        rating("B", 2, "r2", ("Fluency/Punctuation", "Minor"), ("Fluency/Punctuation", "Minor")),  # B#2: 0.2
    ]
    mqm = score_ratings(ratings)
    segments = {(s.system, s.doc_id, s.seg_id): s.score for s in mqm.segments}
    assert segments == pytest.approx({("A", "d1", 1): 3.0, ("A", "d1", 2): 0.0, ("A", "d2", 1): 1.0,
                                      ("B", "d1", 1): 25.0, ("B", "d1", 2): 0.2})
    assert mqm.systems == pytest.approx({"A": 4 / 3, "B": 12.6})  # segments nobody rated are not zeros
    assert mqm.documents["d1"] == pytest.approx({"A": 1.5, "B": 12.6})
    assert mqm.documents["d2"] == pytest.approx({"A": 1.0})
    assert mqm.n_segments == {"A": 3, "B": 2}
    assert mqm.ranking() == ["A", "B"]
    assert mqm.raters == ["r1", "r2"]
    # each (category, severity) share; a system's shares add up to its score
    assert mqm.breakdown["A"] == pytest.approx({("Accuracy/Mistranslation", "Major"): 2.5 / 3,
                                                ("Fluency/Grammar", "Minor"): 0.5 / 3, ("Style/Awkward", "Minor"): 1 / 3})
    for system, shares in mqm.breakdown.items():
        assert sum(shares.values()) == pytest.approx(mqm.systems[system])
    assert mqm.error_counts["B"] == {("Non-translation!", "Major"): 1, ("Fluency/Punctuation", "Minor"): 2}


def test_aligned_segment_scores_keep_common_segments() -> None:
    mqm = score_ratings([rating("A", 1, "r"), rating("A", 2, "r", ("Other", "Major")), rating("B", 2, "r")])
    keys, scores = mqm.aligned_segment_scores()
    assert keys == [("d1", 2)] and scores == {"A": [5.0], "B": [0.0]}


def test_same_rater_twice_is_averaged_not_summed() -> None:
    mqm = score_ratings([rating("A", 1, "r1", ("Other", "Major")), rating("A", 1, "r1"), rating("A", 1, "r2")])
    assert mqm.segments[0].rater_scores == {"r1": 2.5, "r2": 0.0}
    assert mqm.systems["A"] == pytest.approx(1.25)


def test_weights_are_overridable() -> None:
    heavy = MQMWeights(severity={"Major": 10.0, "Minor": 1.0, "Neutral": 0.0}, overrides={})
    ratings = [rating("A", 1, "r", ("Accuracy/Mistranslation", "Major"), ("Fluency/Punctuation", "Minor"))]
    assert score_ratings(ratings).systems["A"] == pytest.approx(5.1)
    assert score_ratings(ratings, weights=heavy).systems["A"] == pytest.approx(11.0)
    assert GOOGLE_MQM_WEIGHTS.weight("Fluency/Punctuation", "Minor") == 0.1  # the default is untouched


def test_unknown_severity_names_the_rating() -> None:
    with pytest.raises(ValueError, match=r"A d1#7 rater r9: unknown MQM severity 'Critical'"):
        score_ratings([rating("A", 7, "r9", ("Accuracy/Mistranslation", "Critical"))])


def test_only_completed_annotations_count() -> None:
    def annotation(status: str, *errors: tuple[str, str]) -> DocumentAnnotation:
        return DocumentAnnotation(doc_id="d1", annotator=f"ann-{status}", status=status,
                                  ratings=[rating("A", 1, f"ann-{status}", *errors)])

    doc = AnnotatedDocument(doc_id="d1", title="t", text="src", annotations=[
        annotation("completed", ("Other", "Minor")), annotation("draft", ("Other", "Major")),
        annotation("cancelled", ("Non-translation!", "Major"))])
    mqm = score_documents([doc])
    assert mqm.systems == {"A": 1.0} and mqm.raters == ["ann-completed"]
