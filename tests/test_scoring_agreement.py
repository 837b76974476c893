"""Inter-annotator agreement (annotate.scoring.agreement) and metric–human correlation
(annotate.scoring.correlation)."""

from __future__ import annotations

import pytest
from test_scoring_fixtures import synthetic_documents

from annotate.records import DocumentAnnotation, ErrorSpan, SegmentRating
from annotate.scoring.agreement import (
    ALPHA_IDENTICAL_RATINGS,
    ALPHA_NO_SHARED_SEGMENTS,
    agreement,
    mqm_alpha,
    severity_pairs,
    span_counts,
    spans_match,
)
from annotate.scoring.correlation import (
    correlate,
    item_correlations,
    pairwise_accuracy,
    segment_correlations,
    system_correlations,
)


@pytest.mark.parametrize(
    ("a", "b", "exact", "overlap"),
    [
        (("", 0, 5, "LOC"), ("", 0, 5, "LOC"), True, True),
        (("", 0, 5, "LOC"), ("", 0, 5, "ORG"), False, False),  # label must agree
        (("", 0, 5, "LOC"), ("", 3, 9, "LOC"), False, True),
        (("", 0, 5, "LOC"), ("", 5, 9, "LOC"), False, False),  # touching is not overlapping
        (("s#1", 0, 5, "Other"), ("s#2", 0, 5, "Other"), False, False),  # other translation
        (("", 4, 4, "Accuracy/Omission"), ("", 4, 4, "Accuracy/Omission"), True, True),  # same position
        (("", 4, 4, "Accuracy/Omission"), ("", 2, 6, "Accuracy/Omission"), False, True),  # inside a span
        (("", 4, 4, "Accuracy/Omission"), ("", 4, 6, "Accuracy/Omission"), False, False),  # at its edge
    ],
)
def test_spans_match(a, b, exact: bool, overlap: bool) -> None:
    assert spans_match(a, b, "exact") is exact and spans_match(b, a, "exact") is exact
    assert spans_match(a, b, "overlap") is overlap and spans_match(b, a, "overlap") is overlap


def test_span_counts_precision_recall_f1() -> None:
    a = [("", 0, 5, "LOC"), ("", 10, 14, "ORG"), ("", 20, 25, "DATE")]
    b = [("", 0, 5, "LOC"), ("", 8, 14, "ORG")]
    exact, overlap = span_counts(a, b, "exact"), span_counts(a, b, "overlap")
    assert (exact.precision, exact.recall, exact.f1) == pytest.approx((1 / 3, 1 / 2, 0.4))
    assert (overlap.precision, overlap.recall, overlap.f1) == pytest.approx((2 / 3, 1.0, 0.8))
    assert span_counts([], [], "exact").f1 == 0.0


def _annotation(rater: str, *errors: tuple[int, int, str, str]) -> DocumentAnnotation:
    return DocumentAnnotation(doc_id="d", annotator=rater, status="completed", ratings=[SegmentRating(
        system="s", doc_id="d", seg_id=1, rater=rater, source="x", target="0123456789",
        errors=[ErrorSpan(start, end, category, severity, "0123456789"[start:end]) for start, end, category, severity in errors])])


def test_severity_pairs_match_one_to_one_by_largest_overlap() -> None:
    a = _annotation("a", (0, 6, "Other", "Major"))
    b = _annotation("b", (0, 2, "Other", "Minor"), (1, 6, "Other", "Major"))
    assert severity_pairs(a, b) == [("Major", "Major")]


def test_krippendorff_alpha_textbook_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
    # 12 units, values 1–5, missing values; interval alpha = 0.849.
    table = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = {("s", "d", unit): {f"obs{o}": row[unit] for o, row in enumerate(table) if row[unit] is not None}
             for unit in range(12)}
    alpha, n_units = mqm_alpha(units)
    assert alpha == pytest.approx(0.849, abs=5e-4)
    assert n_units == 11  # unit 12 has one value: no pair to compare
    # raters who agree on every unit while the units differ: perfect agreement
    assert mqm_alpha({("s", "d", 1): {"a": 2.0, "b": 2.0}, ("s", "d", 2): {"a": 0.0, "b": 0.0}}) == (1.0, 2)
    assert mqm_alpha({("s", "d", 1): {"a": 2.0}}) == (None, 0)


def interval_alpha_by_hand(units: list[list[float | None]]) -> float:
    """Krippendorff's interval alpha from its definition (Krippendorff 2011, section C), written out
    here so that it does not share the code under test (which calls the ``krippendorff`` package):
    over the units with at least two values (m_u each, n in all), alpha = 1 − D_o / D_e with
    D_o = Σ_u Σ_{i≠j in u} (v_i − v_j)² / (m_u − 1) / n and D_e = Σ_{i≠j} (v_i − v_j)² / (n (n − 1))
    over every pairable value."""
    pairable = [[v for v in unit if v is not None] for unit in units]
    pairable = [unit for unit in pairable if len(unit) >= 2]
    values = [v for unit in pairable for v in unit]
    n = len(values)
    observed = sum(sum((a - b) ** 2 for a in unit for b in unit) / (len(unit) - 1) for unit in pairable) / n
    expected = sum((a - b) ** 2 for a in values for b in values) / (n * (n - 1))
    return 1 - observed / expected


_TEXTBOOK = [  # Krippendorff (2011), section C: 4 observers × 12 units, values 1–5, None = missing
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
_SYNTHETIC = [  # test_agreement_on_synthetic_documents' matrix: ann-a, ann-b × 18 (system, segment)
    [2, 1, 0, 1, 0, 0] + [10, 6, 1.1, 25, 5, 5] + [0] * 6,
    [1, 0, 0, 5, 0, 0] + [10, 5, 1, 5, 1, 5] + [0] * 6,
]


@pytest.mark.parametrize(
    ("raters", "alpha", "n_units"),
    [
        # units (1, 2), (3, 3): D_o = 2 / 4, D_e = 22 / 12 → 1 − 6/22 = 8/11
        ([[1, 3], [2, 3]], 8 / 11, 2),
        # units (0, 1), (2, 2, 2), (4, 5), three raters with gaps: D_o = 4/7, D_e = 244/42 → 55/61
        ([[0, 2, None], [1, 2, 4], [None, 2, 5]], 55 / 61, 3),
        # systematic disagreement, units (0, 1), (1, 0): D_o = 1, D_e = 2/3 → −1/2
        ([[0, 1], [1, 0]], -0.5, 2),
        # agreement on every unit while the units differ: perfect
        ([[2, 0], [2, 0]], 1.0, 2),
        # the published example: interval alpha 0.849 (11 units: the 12th has one value)
        (_TEXTBOOK, pytest.approx(0.849, abs=5e-4), 11),
        (_SYNTHETIC, pytest.approx(0.4717959, abs=1e-7), 18),
    ],
)
def test_krippendorff_alpha_table(raters, alpha, n_units) -> None:
    units = list(zip(*raters))
    by_hand = interval_alpha_by_hand(units)
    assert by_hand == alpha  # the definition gives the table's value…
    rater_scores = {("s", "d", u): {f"r{r}": v for r, v in enumerate(unit) if v is not None}
                    for u, unit in enumerate(units)}
    ours, counted = mqm_alpha(rater_scores)
    assert counted == n_units
    assert ours == pytest.approx(by_hand, rel=1e-12, abs=1e-12)  # …and so does annotate


@pytest.mark.parametrize("value", [0.0, 2.0])
def test_krippendorff_alpha_is_undefined_when_every_rating_is_identical(value: float) -> None:
    # No variation at all: observed and expected disagreement are both 0, alpha is 0/0. Raters who
    # all say "no error" everywhere have not shown they agree on anything: not 1.0.
    import numpy as np

    units = {("s", "d", unit): {"a": value, "b": value, "c": value} for unit in range(4)}
    units[("s", "d", 9)] = {"a": value + 1}  # rated once: left out, so it adds no variation
    assert mqm_alpha(units) == (None, 4)
    import krippendorff

    with pytest.raises(ValueError):  # the package refuses it too: one value only
        krippendorff.alpha(reliability_data=np.full((3, 4), value), level_of_measurement="interval")


def test_agreement_on_synthetic_documents() -> None:
    report = agreement(synthetic_documents())
    assert (report.n_documents, report.n_pairs) == (2, 2)
    entities = report.span_f1["entities"]  # ann-a: 4 entities, ann-b: 3; "KCNA" vs "agencia KCNA"
    assert (entities["exact"].precision, entities["exact"].recall) == pytest.approx((2 / 4, 2 / 3))
    assert entities["overlap"].f1 == pytest.approx(2 * 0.75 * 1.0 / 1.75)
    assert report.span_f1["claims"]["exact"].total_a == 0
    errors = report.span_f1["errors"]
    # exact: "arrive to", <script>, "signed", "hope announces", "no gave" (severity aside); overlap adds
    # ann-a's "since the year 2000" / ann-b's "the year" (same category, overlapping)
    assert vars(errors["exact"]) == {"matched_a": 5, "total_a": 14, "matched_b": 5, "total_b": 9}
    assert vars(errors["overlap"]) == {"matched_a": 6, "total_a": 14, "matched_b": 6, "total_b": 9}
    assert errors["exact"].f1 == pytest.approx(2 * (5 / 14) * (5 / 9) / (5 / 14 + 5 / 9))
    # matched error pairs: base d1#1 Minor/Minor, base d2#1 Minor/Major, weak d1#1 Major/Major,
    # weak d1#2 Major/Major, weak d2#2 Major/Minor, weak d2#3 Major/Major
    assert report.severity_matched == 6 and report.severity_agreeing == 4
    assert report.alpha_units == 18 and report.alpha_undefined is None
    # the same alpha from the krippendorff package on the rater × unit matrix written out by hand
    # (Google's weights: Major 5, Minor 1, Minor punctuation 0.1, Non-translation 25, Neutral 0);
    # units: base, weak, good × (doc-1 seg 1-3, doc-2 seg 1-3)
    import krippendorff

    ann_a = [2, 1, 0, 1, 0, 0] + [10, 6, 1.1, 25, 5, 5] + [0] * 6
    ann_b = [1, 0, 0, 5, 0, 0] + [10, 5, 1, 5, 1, 5] + [0] * 6
    expected = krippendorff.alpha(reliability_data=[ann_a, ann_b], level_of_measurement="interval")
    assert report.alpha_mqm == pytest.approx(expected, abs=1e-12)
    assert report.alpha_mqm == pytest.approx(0.4717959, abs=1e-7)


def test_agreement_needs_two_annotators() -> None:
    report = agreement(synthetic_documents(annotators=("ann-a",)))
    assert (report.n_documents, report.n_pairs, report.alpha_mqm) == (0, 0, None)
    assert report.alpha_undefined == ALPHA_NO_SHARED_SEGMENTS


def _without_errors(docs):
    """The documents with every rating kept but every error span removed: all MQM scores 0."""
    from dataclasses import replace

    for doc in docs:
        doc.annotations = [replace(a, ratings=[replace(r, errors=[]) for r in a.ratings]) for a in doc.annotations]
    return docs


def test_undefined_alpha_is_shown_with_its_reason_wherever_alpha_is_shown(tmp_path) -> None:
    import json

    from annotate.report import render_report
    from annotate.scoring.evaluate import evaluate

    docs = _without_errors(synthetic_documents())
    report = agreement(docs)
    assert (report.alpha_mqm, report.alpha_units, report.alpha_undefined) == (None, 18, ALPHA_IDENTICAL_RATINGS)
    evaluation = evaluate(docs, ar_trials=200, bootstrap_samples=100)
    paths = render_report(evaluation, docs, out_dir=tmp_path, title="identical ratings")
    markdown = paths.markdown.read_text(encoding="utf-8")
    assert ("Krippendorff's α (interval) on segment MQM: undefined (every rating is identical) over "
            "18 doubly-rated segments.") in markdown
    html = paths.html.read_text(encoding="utf-8")
    assert "on segment MQM: <b>undefined</b> (every rating is identical) over 18 doubly-rated segments." in html
    scores = json.loads(paths.data.read_text(encoding="utf-8"))["agreement"]
    assert (scores["krippendorff_alpha_mqm"], scores["krippendorff_alpha_mqm_undefined"]) == (
        None, "every rating is identical")


# ── correlation ───────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(
    ("metric", "values", "mqm", "pearson", "kendall"),
    [
        ("BLEU", [10, 20, 30, 40], [4, 3, 2, 1], 1.0, 1.0),  # higher BLEU, fewer errors: agreement
        ("TER", [40, 30, 20, 10], [4, 3, 2, 1], 1.0, 1.0),  # TER is an error rate: negated
        ("chrF2++", [10, 20, 30, 40], [1, 2, 3, 4], -1.0, -1.0),  # a metric that disagrees
        ("BLEU", [1, 2, 3, 4], [0, 0, 0, 0], None, None),  # constant MQM: undefined
        ("BLEU", [1, 2], [1, 0], None, None),  # too few points
    ],
)
def test_correlation_orientation(metric, values, mqm, pearson, kendall) -> None:
    result = correlate(metric, "system", values, mqm)
    assert result.n == len(values)
    assert result.pearson == (None if pearson is None else pytest.approx(pearson))
    assert result.kendall == (None if kendall is None else pytest.approx(kendall))


def test_correlation_values_from_scipy() -> None:
    result = correlate("BLEU", "segment", [30.0, 10.0, 50.0, 40.0, 20.0], [2.0, 6.0, 0.0, 5.0, 1.0])
    # −MQM = [−2, −6, 0, −5, −1]: Pearson 80 / √(1000 · 26.8); tau-b: 7 concordant, 3 discordant pairs → 0.4
    assert result.pearson == pytest.approx(80 / (1000 * 26.8) ** 0.5)
    assert result.kendall == pytest.approx(0.4)
    # Pearson's p: Student's t with n − 2 = 3 degrees of freedom, t = r √3 / √(1 − r²), two-sided
    from scipy import stats

    r = 80 / (1000 * 26.8) ** 0.5
    assert result.pearson_p == pytest.approx(2 * stats.t.sf(r * 3 ** 0.5 / (1 - r * r) ** 0.5, 3), rel=1e-9)
    # Kendall's exact p (no ties, n = 5): permutations of 5 with k inversions number 1, 4, 9, 15,
    # 20, 22, 20, 15, 9, 4, 1; |C − D| >= 4 ⇔ ≤ 3 or ≥ 7 inversions: 2 · (1 + 4 + 9 + 15) / 120
    assert result.kendall_p == pytest.approx(58 / 120, rel=1e-12)


def test_segment_and_system_correlations() -> None:
    sentence = {"BLEU": {"a": [10.0, 50.0], "b": [20.0, 30.0]}}
    assert segment_correlations(sentence, {"a": [5.0, 0.0], "b": [3.0, 1.0]})[0].n == 4
    system = system_correlations({"TER": {"a": 30.0, "b": 50.0, "c": 40.0}}, {"a": 1.0, "b": 3.0, "c": 2.0})
    assert system[0].kendall == pytest.approx(1.0)
    with pytest.raises(ValueError, match="BLEU / a: 2 sentence scores, 1 MQM score"):
        segment_correlations(sentence, {"a": [1.0]})


@pytest.mark.parametrize(
    ("metric", "values", "mqm", "accuracy", "pairs"),
    [
        ("BLEU", [10, 20, 30], [3, 2, 1], 1.0, 3),  # same order as the humans
        ("TER", [10, 20, 30], [1, 2, 3], 1.0, 3),  # lower TER and lower MQM are both better
        ("BLEU", [10, 20, 20], [3, 2, 1], 2 / 3, 3),  # a metric tie is a miss
        ("BLEU", [10, 20, 30], [1, 1, 2], 0.0, 2),  # the MQM tie is left out; both others reversed
        ("chrF2++", [10, 20, 30], [2, 2, 2], None, 0),  # MQM tells no pair apart
    ],
)
def test_pairwise_accuracy(metric, values, mqm, accuracy, pairs) -> None:
    assert pairwise_accuracy(metric, values, mqm) == (None if accuracy is None else pytest.approx(accuracy), pairs)


def test_system_correlations_carry_the_pairwise_accuracy() -> None:
    (result,) = system_correlations({"BLEU": {"a": 30.0, "b": 20.0, "c": 25.0}}, {"a": 1.0, "b": 3.0, "c": 4.0})
    assert (result.accuracy, result.pairs) == (pytest.approx(2 / 3), 3)


def test_item_correlations_average_scipy_over_the_segments_where_defined() -> None:
    import numpy as np
    from scipy import stats

    rng = np.random.default_rng(7)
    systems = ["a", "b", "c", "d"]
    bleu = {s: list(rng.integers(0, 60, 30).astype(float)) for s in systems}
    mqm = {s: list(rng.integers(0, 6, 30).astype(float)) for s in systems}
    for s in systems:  # segment 0: every system has the same MQM, so it ranks nothing
        mqm[s][0] = 1.0
        bleu[s][1] = 100 / 3  # segment 1: the same metric score (its float mean is not exactly 100/3)
    (result,) = item_correlations({"BLEU": bleu}, mqm)
    rows = [([bleu[s][i] for s in systems], [-mqm[s][i] for s in systems]) for i in range(30)]
    defined = [(x, y) for x, y in rows if len(set(x)) > 1 and len(set(y)) > 1]
    # segments 0 (MQM tied) and 1 (metric tied) are left out; each of the other 28 ranks something
    assert result.level == "segment, by item" and result.n == len(defined) == 28
    assert result.pearson == pytest.approx(np.mean([stats.pearsonr(x, y).statistic for x, y in defined]))
    assert result.kendall == pytest.approx(np.mean([stats.kendalltau(x, y).statistic for x, y in defined]))
    assert result.pearson_p is None and result.kendall_p is None
    assert item_correlations({"BLEU": {"a": [1.0], "b": [2.0]}}, {"a": [1.0], "b": [0.0]}) == []  # 2 systems


def test_against_ground_truth_is_the_pairwise_comparison_with_roles_fixed() -> None:
    """ann-a starred as ground truth: ann-b's F1 per layer equals the pairwise agreement F1 (one
    pair per document), with precision and recall seen from ann-b's side."""
    from dataclasses import replace

    from annotate.scoring.agreement import against_ground_truth

    docs = synthetic_documents()
    assert against_ground_truth(docs) == []  # no ground truth, nothing to measure
    pairwise = agreement(docs)
    for doc in docs:
        doc.annotations = [replace(a, ground_truth=a.annotator == "ann-a") for a in doc.annotations]
    (scores,) = against_ground_truth(docs)
    assert scores.annotator == "ann-b" and scores.n_documents == 2
    for layer, modes in pairwise.span_f1.items():
        for mode, pair in modes.items():
            mine = scores.span_f1[layer][mode]
            assert mine.f1 == pytest.approx(pair.f1)
            assert (mine.matched_a, mine.total_a) == (pair.matched_b, pair.total_b)  # ann-b's spans found in the truth
    assert scores.severity_matched == pairwise.severity_matched
    assert scores.severity_agreement == pytest.approx(pairwise.severity_agreement)
