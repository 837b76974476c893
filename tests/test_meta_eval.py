"""Meta-evaluation as mt-metrics-eval computes it (annotate.scoring.meta_eval, correlation.meta_evaluate).

Expected values come from three independent places:

* the values google-research/mt-metrics-eval's own tests assert for the functions we mirror
  (``mt_metrics_eval/tau_optimization_test.py``: thresholds, accuracies and the chosen epsilon of
  ``tau_optimization``; ``mt_metrics_eval/stats_test.py``: ``KendallVariants``/``KendallWithTiesOpt``/
  ``Agreement``; the worked example in ``mt_metrics_eval/pce.py``'s ``compute_pairwise_p_values``
  docstring). Only their input data and expected numbers are used here (Apache-2.0, Google LLC and
  Brian Thompson); their matrices are items × systems, ours systems × items, hence ``_t``;
* tiny cases computed by hand in the comments;
* slow, loop-by-loop re-implementations written here from the papers' definitions
  (:func:`_brute_force_search`, :func:`_brute_force_p_values`), compared value for value with the
  vectorised ones on random fixtures with ties and missing scores.
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest

from annotate.scoring.correlation import (
    BY_ITEM,
    SEGMENT,
    SYSTEM,
    item_correlations,
    meta_evaluate,
    segment_correlations,
    system_correlations,
)
from annotate.scoring.meta_eval import (
    SPA_PERMUTATIONS,
    SPA_SEED,
    _p_values,
    pairwise_accuracy_by_item,
    pairwise_p_values,
    soft_pairwise_accuracy,
    tie_calibrated_accuracy,
)


def _t(rows):
    """items × systems (mt-metrics-eval's tau_optimization rows) → systems × items (ours)."""
    return [list(column) for column in zip(*rows)]


# --- tie calibration: mt-metrics-eval's own expected values -------------------------------------

# mt_metrics_eval/tau_optimization_test.py, test_regression_example (rows are items; None = missing)
REGRESSION_METRIC = [[0, 5, 2, 3, 2], [None, 2, 1, 5, 3], [9, 1, 5, 3, 8], [9, 3, 4, 4, 1], [None] * 5]
REGRESSION_HUMAN = [[1, 5, 2, 1, 1], [4, 2, 2, 1, 4], [5, 9, 2, 8, 7], [7, 6, None, 3, 2], [None] * 5]
REGRESSION_ACCURACIES = [0.4666666666666667, 0.4916666666666668, 0.38333333333333347, 0.29166666666666674,
                         0.2666666666666667, 0.2, 0.15833333333333335, 0.15833333333333335, 0.1166666666666667]


@pytest.mark.parametrize(
    ("human", "metric", "thresholds", "accuracies", "epsilon", "best"),
    [
        # test_zero_threshold_is_best: one item, 4 systems, the metric orders all 6 pairs right
        ([[1, 2, 3, 4]], [[0, 2, 6, 8]], [0, 2, 4, 6, 8], [6 / 6, 4 / 6, 3 / 6, 1 / 6, 0 / 6], 0, 1.0),
        # test_nonzero_threshold_is_best: the humans tie 3 pairs; tying the metric's close pairs pays
        ([[1, 1, 1, 4]], [[0, 2, 6, 8]], [0, 2, 4, 6, 8], [3 / 6, 3 / 6, 4 / 6, 4 / 6, 3 / 6], 4, 4 / 6),
        # test_regression_example: 5 items, one with no score at all, two with a missing system
        (REGRESSION_HUMAN, REGRESSION_METRIC, list(range(9)), REGRESSION_ACCURACIES, 1, 0.4916666666666668),
    ],
    ids=["zero-epsilon", "non-zero-epsilon", "missing-systems"],
)
def test_epsilon_search_reproduces_mt_metrics_eval(human, metric, thresholds, accuracies, epsilon, best) -> None:
    result = tie_calibrated_accuracy(_t(human), _t(metric))
    assert list(result.thresholds) == thresholds
    assert list(result.accuracies) == pytest.approx(accuracies, rel=1e-12)
    assert result.epsilon == epsilon and result.accuracy == pytest.approx(best, rel=1e-12)
    assert result.accuracy_at_zero == pytest.approx(accuracies[0], rel=1e-12)


def test_the_non_zero_epsilon_case_differs_from_plain_pairwise_accuracy() -> None:
    result = tie_calibrated_accuracy(_t([[1, 1, 1, 4]]), _t([[0, 2, 6, 8]]))
    assert (result.accuracy_at_zero, result.accuracy, result.epsilon) == (pytest.approx(0.5), pytest.approx(2 / 3), 4.0)
    # the regression example: 4 items with a pair (the all-missing one is not counted), 32 pairs
    regression = tie_calibrated_accuracy(_t(REGRESSION_HUMAN), _t(REGRESSION_METRIC))
    assert (regression.items, regression.pairs) == (4, 10 + 6 + 10 + 6)
    assert regression.accuracy - regression.accuracy_at_zero == pytest.approx(0.025)


def test_kendall_variants_and_agreement_values_of_mt_metrics_eval() -> None:
    # mt_metrics_eval/stats_test.py: Correlation(1, [1, 2, 2, 3, 4], [2, 1, 1.5, 5, 3]) is one vector
    # of 5 (one item, 5 systems): KendallVariants acc23 0.6, with epsilon 2 0.4; KendallWithTiesOpt 0.7
    gold, metric = _t([[1, 2, 2, 3, 4]]), _t([[2, 1, 1.5, 5, 3]])
    assert pairwise_accuracy_by_item(gold, metric).accuracy == pytest.approx(0.6)
    assert pairwise_accuracy_by_item(gold, metric, epsilon=2).accuracy == pytest.approx(0.4)
    assert tie_calibrated_accuracy(gold, metric).accuracy == pytest.approx(0.7)
    # testAgreement: Agreement([1, 2, 3, 3, 4], [1, 1, 2, 1, 2]) = 5 of 10 pairs
    agreement = pairwise_accuracy_by_item(_t([[1, 2, 3, 3, 4]]), _t([[1, 1, 2, 1, 2]]))
    assert (agreement.accuracy, agreement.pairs) == (pytest.approx(0.5), 10)


def test_average_by_item_of_packed_vectors() -> None:
    # stats_test.py testKendallWithTiesOpt, num_sys=2, average_by='item': gold [1, 2, 2, 3, 3, 4] and
    # metric [2, 1, 1.5, 5, 3, 2] packed by system: 3 items of one pair each, all ordered right
    gold, metric = [[1, 2, 2], [3, 3, 4]], [[2, 1, 1.5], [5, 3, 2]]
    result = tie_calibrated_accuracy(gold, metric)
    assert (result.accuracy, result.epsilon, result.items, result.pairs) == (1.0, 0.0, 3, 3)
    # the same vectors averaged by system instead (rows = items of 3 systems): acc23 at the
    # chosen epsilon, item by item, as the test checks it
    by_system = tie_calibrated_accuracy(_t(gold), _t(metric))
    per_row = [pairwise_accuracy_by_item(_t([g]), _t([m]), by_system.epsilon).accuracy for g, m in zip(gold, metric)]
    assert by_system.accuracy == pytest.approx(sum(per_row) / 2)


# --- tie calibration: hand-computed cases --------------------------------------------------------


def test_two_systems_with_human_and_metric_ties() -> None:
    # 4 items, systems A and B (one pair per item):
    #   item 0: humans A > B, metric A − B = 8        right at any epsilon < 8
    #   item 1: humans tie,   metric A − B = 0.5      wrong until epsilon 0.5 ties it
    #   item 2: humans tie,   metric tie             right at every epsilon
    #   item 3: humans B > A, metric B − A = 8        right at any epsilon < 8
    human = {"A": [5, 3, 2, 2], "B": [1, 3, 2, 4]}
    metric = {"A": [10, 7, 5, 1], "B": [2, 6.5, 5, 9]}
    result = tie_calibrated_accuracy(human, metric)
    assert result.thresholds == (0.0, 0.5, 8.0)
    assert result.accuracies == (0.75, 1.0, 0.5)  # exact: 3/4, 4/4, 2/4
    assert (result.epsilon, result.accuracy, result.accuracy_at_zero, result.all_tied) == (0.5, 1.0, 0.75, 0.5)
    assert (result.items, result.pairs) == (4, 4)


def test_items_weigh_the_same_whatever_their_pairs_and_missing_scores_drop_pairs() -> None:
    # item 0: 3 systems, humans A > B > C, metric A 9, B 5, C 7: AB right (diff 4), AC right (2),
    #         BC wrong (2) → 2/3; item 1: C has no human score, so only AB: humans B > A, metric A
    #         2 > B 1 (diff 1) → 0/1; item 2: nobody has a human score → not an item
    human = [[3, 1, None], [2, 2, None], [1, None, None]]
    metric = [[9, 2, 1], [5, 1, 2], [7, 3, 3]]
    result = tie_calibrated_accuracy(human, metric)
    assert (result.items, result.pairs) == (2, 4)
    assert result.thresholds == (0.0, 1.0, 2.0, 4.0)
    # epsilon 0 and 1: (2/3 + 0) / 2; 2: AC and BC tied in item 0 → (1/3 + 0) / 2; 4: nothing right
    assert result.accuracies == pytest.approx((1 / 3, 1 / 3, 1 / 6, 0.0))
    assert (result.epsilon, result.accuracy) == (0.0, pytest.approx(1 / 3))  # the first maximum
    assert result.accuracy != pytest.approx(2 / 4)  # not the pooled share of pairs


def test_a_constant_metric_ties_everything() -> None:
    # 3 systems × 4 items: item 0 (0, 0, 0) all 3 pairs tied by the humans; items 1 (−1, −3, −1),
    # 2 (−2, −2, −5) and 3 (0, −1, 0) one of 3 → (1 + 1/3 + 1/3 + 1/3) / 4
    human = [[0, -1, -2, 0], [0, -3, -2, -1], [0, -1, -5, 0]]
    result = tie_calibrated_accuracy(human, [[7.0] * 4] * 3)
    assert result.thresholds == (0.0,)  # no metric difference: epsilon 0 is the only candidate
    assert result.accuracy == result.all_tied == 0.5
    assert result.epsilon == 0.0


def test_no_pair_and_bad_input() -> None:
    assert tie_calibrated_accuracy([[1.0, 2.0]], [[1.0, 2.0]]).accuracy is None  # one system
    assert tie_calibrated_accuracy([[1, None], [None, 2]], [[1, 2], [3, 4]]).items == 0
    with pytest.raises(ValueError, match="2 systems × 2 items, metric scores 2 × 3"):
        tie_calibrated_accuracy([[1, 2], [3, 4]], [[1, 2, 3], [3, 4, 5]])
    with pytest.raises(ValueError, match="same number of items"):
        tie_calibrated_accuracy([[1, 2], [3]], [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="non-negative"):
        pairwise_accuracy_by_item([[1, 2], [3, 4]], [[1, 2], [3, 4]], epsilon=-1)


def _brute_force_search(human, metric):
    """acc*_eq from the definition (Deutsch et al., 2023), with exact fractions: every candidate
    epsilon, every item, every pair."""
    n_systems, n_items = len(human), len(human[0])
    items = []
    for k in range(n_items):
        present = [s for s in range(n_systems) if human[s][k] is not None and metric[s][k] is not None]
        pairs = [(human[a][k] - human[b][k], metric[a][k] - metric[b][k]) for a, b in itertools.combinations(present, 2)]
        if pairs:
            items.append(pairs)
    if not items:
        return [], [], None, None
    candidates = sorted({0.0} | {abs(dm) for pairs in items for _, dm in pairs})

    def accuracy(epsilon):
        total = Fraction(0)
        for pairs in items:
            right = sum((dh == 0) if abs(dm) <= epsilon else (dh * dm > 0) for dh, dm in pairs)
            total += Fraction(right, len(pairs))
        return total / len(items)

    values = [accuracy(e) for e in candidates]
    best = values.index(max(values))
    return candidates, [float(v) for v in values], candidates[best], float(values[best])


@pytest.mark.parametrize("seed", range(12))
def test_epsilon_search_equals_the_definition_on_random_matrices(seed) -> None:
    rng = np.random.default_rng(seed)
    n_systems, n_items = int(rng.integers(2, 7)), int(rng.integers(1, 15))
    human = rng.integers(-4, 1, (n_systems, n_items)).astype(float).tolist()  # MQM-like: many ties
    metric = (rng.integers(0, 12, (n_systems, n_items)) / 4).tolist()  # ties and repeated differences
    for s, k in zip(rng.integers(0, n_systems, 4), rng.integers(0, n_items, 4)):
        (human if rng.random() < 0.5 else metric)[s][k] = None
    result = tie_calibrated_accuracy(human, metric)
    thresholds, accuracies, epsilon, best = _brute_force_search(human, metric)
    if result.accuracy is None:
        assert not accuracies
        return
    assert list(result.thresholds) == thresholds
    assert list(result.accuracies) == accuracies  # both exact fractions, rounded once
    assert (result.epsilon, result.accuracy) == (epsilon, best)
    for e in thresholds:  # the fixed-epsilon function agrees at every candidate
        assert pairwise_accuracy_by_item(human, metric, e).accuracy == accuracies[thresholds.index(e)]


# --- soft pairwise accuracy ----------------------------------------------------------------------

# the worked example of mt_metrics_eval/pce.py compute_pairwise_p_values: 5 segments, 10 masks
PCE_A, PCE_B = [0.8, 0.9, 0.7, 1.0, 0.6], [0.2, 0.3, 0.1, 0.4, 0.0]
PCE_SIGNS = [[1, 1, -1, -1, -1], [1, -1, 1, -1, 1], [1, -1, 1, 1, -1], [-1, 1, -1, -1, 1], [1, 1, 1, -1, 1],
             [-1, 1, -1, 1, -1], [1, 1, 1, 1, 1], [1, -1, 1, -1, 1], [1, 1, -1, -1, 1], [-1, 1, -1, -1, -1]]


def _all_signs(n: int) -> np.ndarray:
    return np.array(list(itertools.product([1.0, -1.0], repeat=n)))


def test_p_values_of_the_pce_worked_example() -> None:
    p = _p_values(np.array([PCE_A, PCE_B]), np.array(PCE_SIGNS, dtype=float))
    assert p[0, 1] == pytest.approx(0.1)  # "in this case 1/10 = 0.1"
    assert np.isnan(p[1, 0]) and np.isnan(p[0, 0])


def test_exact_permutation_p_values_computed_by_hand() -> None:
    # every one of the 2^3 sign vectors: the exact paired permutation test
    #   A − B = [2, 1, 0], observed 3: ±2 ±1 ≥ 3 only for (+, +), 2 of 8 → 0.25
    #   A − C = [1, 0, 1], observed 2: ±1 ±1 ≥ 2 only for (+, +), 2 of 8 → 0.25
    #   B − C = [−1, −1, 1], observed −1: only (+, +, −) gives −3 < −1 → 7/8
    p = _p_values(np.array([[2, 1, 1], [0, 0, 1], [1, 1, 0]], dtype=float), _all_signs(3))
    assert [p[0, 1], p[0, 2], p[1, 2]] == [0.25, 0.25, 0.875]
    # equal differences on 5 segments: only the identity reaches the observed one → 1/32; reversed → 1
    p = _p_values(np.array([PCE_A, PCE_B]), _all_signs(5))
    assert p[0, 1] == 1 / 32
    assert _p_values(np.array([PCE_B, PCE_A]), _all_signs(5))[0, 1] == 1.0


def test_random_permutations_follow_mt_metrics_eval_recipe() -> None:
    # pce.compute_pairwise_p_values draws its signs as default_rng(seed).random((permutations,
    # segments), float32) rounded to 0/1, then 2m − 1; seed 4 and 1000 permutations by default
    scores = np.array([[2, 1, 1, 3, 0, 2], [0, 0, 1, 2, 1, 1], [1, 1, 0, 0, 2, 2]], dtype=float)
    draws = np.rint(np.random.default_rng(4).random(size=(1000, 6), dtype=np.float32)) * 2 - 1
    assert (SPA_PERMUTATIONS, SPA_SEED) == (1000, 4)
    np.testing.assert_array_equal(pairwise_p_values(scores), _p_values(scores, draws))
    np.testing.assert_array_equal(pairwise_p_values(scores), _brute_force_p_values(scores.tolist(), draws.tolist()))
    # and they estimate the exact test: within 0.05 of it on every pair
    exact = _p_values(scores, _all_signs(6))
    upper = np.triu_indices(3, 1)
    assert np.max(np.abs(pairwise_p_values(scores)[upper] - exact[upper])) < 0.05


def _brute_force_p_values(scores, signs):
    """One-sided paired permutation p-values (system i better than j) from the definition, loop by loop."""
    n = len(scores)
    p = np.full((n, n), np.nan)
    for i, j in itertools.combinations(range(n), 2):
        observed = sum(scores[i]) - sum(scores[j])
        swapped = [sum(s * (a - b) for s, a, b in zip(row, scores[i], scores[j])) for row in signs]
        p[i, j] = sum(d >= observed for d in swapped) / len(signs)
    return p


def _spa_from_p(human_p, metric_p):
    upper = np.triu_indices(len(human_p), 1)
    return 1 - float(np.mean(np.abs(human_p[upper] - metric_p[upper])))


HUMAN = [[0, -1, -2, 0, -5, -1, 0, -3], [-1, -1, 0, -2, -5, -2, 0, -1],  # −MQM: 4 systems × 8 segments
         [-3, 0, -4, -1, -2, -3, -1, -2], [0, 0, 0, -1, 0, -1, 0, 0]]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (HUMAN, 1.0),  # the humans' own scores
        ([[2 * v + 5 for v in row] for row in HUMAN], 1.0),  # a positive affine map: the same p-values
        ([[3.0] * 8] * 4, None),  # constant: every metric p-value is 1
        ([[-v for v in row] for row in HUMAN], None),  # reversed
        ([[1, 2, 0, 3, 1, 1, 2, 0], [2, 0, 1, 1, 3, 2, 0, 1], [0, 1, 1, 2, 2, 0, 3, 1], [3, 3, 2, 2, 1, 1, 0, 0]], None),
    ],
    ids=["identical", "affine", "constant", "reversed", "other"],
)
def test_soft_pairwise_accuracy_against_loops(metric, expected) -> None:
    signs = (np.rint(np.random.default_rng(4).random(size=(1000, 8), dtype=np.float32)) * 2 - 1).tolist()
    reference = _spa_from_p(_brute_force_p_values(HUMAN, signs), _brute_force_p_values(metric, signs))
    result = soft_pairwise_accuracy(HUMAN, metric)
    assert result.accuracy == pytest.approx(reference, abs=1e-12)
    assert (result.pairs, result.segments, result.permutations, result.seed) == (6, 8, 1000, 4)
    if expected is not None:
        assert result.accuracy == expected


def test_constant_and_reversed_metrics_by_hand() -> None:
    # 2 systems, equal differences on 5 segments (PCE_A − PCE_B = 0.6 each), all 32 sign vectors:
    # humans p = 1/32; a constant metric p = 1 (0 ≥ 0 always); the reversed metric p = 1
    human_p = _p_values(np.array([PCE_A, PCE_B]), _all_signs(5))
    assert _spa_from_p(human_p, _p_values(np.array([[0.5] * 5] * 2), _all_signs(5))) == 1 / 32
    assert _spa_from_p(human_p, _p_values(np.array([PCE_B, PCE_A]), _all_signs(5))) == 1 / 32


def test_spa_two_systems_missing_segments_and_determinism() -> None:
    human = [[0, -1, None, -2, 0, -1], [-1, -1, -3, 0, -2, -4]]
    metric = [[30, 20, 10, 25, 40, 35], [20, 20, 15, 35, 10, None]]
    result = soft_pairwise_accuracy(human, metric)
    complete = [0, 1, 3, 4]  # segment 2 lacks a human score, segment 5 a metric score
    reference = soft_pairwise_accuracy([[row[k] for k in complete] for row in human],
                                       [[row[k] for k in complete] for row in metric])
    assert (result.segments, result.pairs) == (4, 1)
    assert result == reference == soft_pairwise_accuracy(human, metric)  # deterministic
    other_seed = soft_pairwise_accuracy(human, metric, seed=5, permutations=400)
    assert (other_seed.seed, other_seed.permutations) == (5, 400)
    assert soft_pairwise_accuracy([[0, 1]], [[1, 2]]).accuracy is None  # one system: no pair
    with pytest.raises(ValueError, match="every segment"):
        pairwise_p_values([[1, None], [2, 3]])


# --- integration: correlation.meta_evaluate and the report --------------------------------------


def _inputs():
    mqm = {"a": [0.0, 1.0, 5.0, 0.0, 2.0], "b": [1.0, 1.0, 0.0, 3.0, 2.0], "c": [0.0, 6.0, 1.0, 1.0, 0.0]}
    sentence = {"BLEU": {"a": [40.0, 30.0, 10.0, 50.0, 20.0], "b": [35.0, 30.0, 45.0, 15.0, 25.0],
                         "c": [40.0, 5.0, 30.0, 35.0, 45.0]},
                "TER": {"a": [40.0, 50.0, 90.0, 30.0, 60.0], "b": [45.0, 52.0, 35.0, 80.0, 55.0],
                        "c": [41.0, 95.0, 50.0, 45.0, 30.0]}}
    corpus = {m: {s: sum(v) / len(v) for s, v in by_s.items()} for m, by_s in sentence.items()}
    return mqm, sentence, corpus


def test_meta_evaluate_orients_like_the_correlations() -> None:
    mqm, sentence, corpus = _inputs()
    base = (segment_correlations(sentence, mqm) + item_correlations(sentence, mqm)
            + system_correlations(corpus, {s: sum(v) / len(v) for s, v in mqm.items()}))
    rows = meta_evaluate(base, sentence, mqm)
    assert [(c.metric, c.level) for c in rows] == [(m, level) for level in (SEGMENT, BY_ITEM, SYSTEM)
                                                   for m in ("BLEU", "TER")]
    human = [[-v for v in mqm[s]] for s in "abc"]
    for metric, sign in (("BLEU", 1), ("TER", -1)):  # −MQM; TER negated
        scores = [[sign * v for v in sentence[metric][s]] for s in "abc"]
        item = next(c for c in rows if (c.metric, c.level) == (metric, BY_ITEM))
        expected = tie_calibrated_accuracy(human, scores)
        assert (item.acc_eq, item.epsilon, item.accuracy, item.items, item.pairs, item.all_tied) == (
            expected.accuracy, expected.epsilon, expected.accuracy_at_zero, 5, 15, expected.all_tied)
        assert item.pearson == next(c for c in base if (c.metric, c.level) == (metric, BY_ITEM)).pearson
        system = next(c for c in rows if (c.metric, c.level) == (metric, SYSTEM))
        assert (system.spa, system.permutations) == (soft_pairwise_accuracy(human, scores).accuracy, 1000)
    # TER: item 0 has the humans tie a and c (MQM 0, 0) and TER 40 vs 41 — acc*_eq ties it (epsilon ≥ 1)
    ter = next(c for c in rows if (c.metric, c.level) == ("TER", BY_ITEM))
    assert ter.epsilon >= 1 and ter.acc_eq > ter.accuracy


def test_meta_evaluate_with_two_systems_adds_a_by_item_row() -> None:
    mqm = {"a": [0.0, 2.0, 1.0], "b": [1.0, 2.0, 0.0]}
    sentence = {"chrF2++": {"a": [50.0, 40.0, 30.0], "b": [45.0, 41.0, 60.0]}}
    base = segment_correlations(sentence, mqm) + item_correlations(sentence, mqm) + system_correlations(
        {"chrF2++": {"a": 40.0, "b": 48.0}}, {"a": 1.0, "b": 1.0})
    assert [c.level for c in base] == [SEGMENT, SYSTEM]  # Pearson by item needs 3 systems
    segment, item, system = meta_evaluate(base, sentence, mqm)
    # item 0: a better for both (right); item 1: humans tie, chrF 40 vs 41 (right once epsilon ≥ 1);
    # item 2: b better for both (right) → 2/3 at epsilon 0, 1 at epsilon 1
    assert (item.level, item.n, item.pearson, item.items, item.pairs) == (BY_ITEM, 0, None, 3, 3)
    assert (item.accuracy, item.acc_eq, item.epsilon) == (pytest.approx(2 / 3), 1.0, 1.0)
    assert system.spa is not None and system.permutations == 1000


FAST = {"ar_trials": 300, "bootstrap_samples": 200}


def test_report_shows_the_meta_evaluation(tmp_path) -> None:
    from test_scoring_fixtures import synthetic_documents

    from annotate.report import render_report
    from annotate.scoring.evaluate import evaluate

    docs = synthetic_documents()
    evaluation = evaluate(docs, **FAST)
    items = [c for c in evaluation.correlations if c.level == BY_ITEM]
    systems = [c for c in evaluation.correlations if c.level == SYSTEM]
    assert len(items) == len(systems) == 3 and all(c.acc_eq is not None and c.items for c in items)
    assert all(c.spa is not None and c.permutations == 1000 for c in systems)
    paths = render_report(evaluation, docs, out_dir=tmp_path, title="meta-evaluation")
    markdown, html = paths.markdown.read_text(encoding="utf-8"), paths.html.read_text(encoding="utf-8")
    assert "| Tie-calibrated accuracy (ε) | SPA |" in markdown and "1,000 permutations, seed 4" in markdown
    assert "<th>Tie-calibrated accuracy (ε)</th><th>SPA</th>" in html and "1,000 permutations, seed 4" in html
    for c in items:
        cell = f"{c.acc_eq:.3f} (ε {c.epsilon:.3g}"
        assert f"| {c.metric} | segment, by item |" in markdown and cell in markdown
    for c in systems:
        assert f"| {c.spa:.3f} |" in markdown
    saved = [c for c in json.loads(paths.data.read_text(encoding="utf-8"))["correlations"] if c["level"] == BY_ITEM]
    assert [(c["acc_eq"], c["epsilon"], c["items"]) for c in saved] == [(c.acc_eq, c.epsilon, c.items) for c in items]
