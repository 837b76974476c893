"""Paired significance (annotate.scoring.significance): sacrebleu's PairedTest vs the baseline,
statistics reuse that changes nothing, the cluster algorithm, MQM paired randomization."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest
from test_scoring_metrics import HYPS, REFS_A, REFS_B

from annotate.scoring.metrics import Statistics
from annotate.scoring.significance import (
    PairedBootstrap,
    cluster_systems,
    corpus_ci,
    metric_clusters,
    mqm_clusters,
    mqm_paired_test,
    paired_test,
    resampled_sums,
)

# Three systems on 12 segments: the references themselves (near-perfect, a variant), HYPS, and a
# garbled system; enough for the tests to separate them.
REFS = REFS_A * 2
SYSTEMS = {
    "hyps": HYPS * 2,
    "variant": REFS_B * 2,
    "garbled": [" ".join(reversed(h.split())) for h in HYPS] * 2,
}


def test_paired_test_against_baseline() -> None:
    table = paired_test(list(SYSTEMS.items()), references=[REFS], test_type="bs", n_samples=200)
    assert table.baseline == "hyps" and table.test_type == "bs"
    assert set(table.results) == {"BLEU", "chrF2++", "TER"}
    for metric, results in table.results.items():
        assert [r.system for r in results] == ["hyps", "variant", "garbled"]
        assert results[0].p_value is None  # the baseline
        assert all(0 < r.p_value <= 1 for r in results[1:])
        assert all(r.ci is not None and r.ci >= 0 for r in results)
    assert table.get("garbled", "BLEU").score < table.get("hyps", "BLEU").score
    assert "bs:200" in table.signatures["BLEU"] and "seed:12345" in table.signatures["BLEU"]


@pytest.mark.parametrize("test_type", ["bs", "ar"])
def test_reused_statistics_give_sacrebleus_own_numbers(test_type: str) -> None:
    # PairedTest with fresh sacrebleu metrics vs PairedTest fed our pre-extracted statistics.
    named = list(SYSTEMS.items())
    _, fresh = PairedTest(named, {"BLEU": BLEU(), "chrF2++": CHRF(word_order=2), "TER": TER()}, [REFS],
                          test_type=test_type, n_samples=300, n_ar_confidence=0 if test_type == "ar" else -1)()
    statistics = Statistics.extract(SYSTEMS, references=[REFS])
    ours = paired_test(named, references=[REFS], test_type=test_type, n_samples=300, statistics=statistics)
    for metric, results in ours.results.items():
        for result, expected in zip(results, fresh[metric]):
            assert (result.score, result.p_value, result.mean, result.ci) == \
                   (expected.score, expected.p_value, expected.mean, expected.ci)


@pytest.mark.parametrize("metric, make", [("BLEU", BLEU), ("chrF2++", lambda: CHRF(word_order=2)), ("TER", TER)])
def test_single_system_ci_is_sacrebleus_own(metric, make) -> None:
    # What `sacrebleu -ci` / corpus_score(n_bootstrap=…) prints for one system, and what PairedTest
    # gives the baseline: the same resamples, the same half-width.
    statistics = Statistics.extract(SYSTEMS, references=[REFS])
    for system, hyps in SYSTEMS.items():
        expected = make().corpus_score(hyps, [REFS], n_bootstrap=300)._ci
        # sacrebleu sums the resampled statistics in float32, ours in float64: equal to ~1e-7
        assert corpus_ci(statistics, metric, system, 300) == pytest.approx(expected, rel=1e-6)
    baseline = paired_test(list(SYSTEMS.items()), references=[REFS], test_type="bs", n_samples=300)
    assert corpus_ci(statistics, metric, "hyps", 300) == pytest.approx(baseline.get("hyps", metric).ci)
    assert corpus_ci(statistics, metric, "garbled", 300) > 0


@pytest.mark.parametrize("n, n_samples", [(1, 10), (7, 1000), (300, 130)])
def test_resampled_sums_use_sacrebleus_draws_in_chunks(n: int, n_samples: int) -> None:
    import numpy as np

    stats = np.random.default_rng(0).integers(0, 20, size=(n, 4)).astype("float32")
    idxs = np.random.default_rng(12345).choice(n, size=(n_samples, n), replace=True)  # sacrebleu's draws
    (sums,) = resampled_sums([stats], n_samples)
    assert sums.shape == (n_samples, 4) and np.array_equal(sums, stats[idxs].sum(1))


def test_resampled_sums_of_matrices_of_several_lengths() -> None:
    import numpy as np

    matrices = [np.arange(12.0).reshape(6, 2), np.ones((3, 1)), np.arange(6.0).reshape(6, 1)]
    together = resampled_sums(matrices, 100)
    for matrix, sums in zip(matrices, together):  # as if each had been resampled on its own
        assert np.array_equal(sums, resampled_sums([matrix], 100)[0])
    assert np.array_equal(together[0][:, 0], together[2][:, 0] * 2)  # same n: the same draws
    with pytest.raises(ValueError, match=r"matrices with segments, got shapes \[\(3, 1\), \(0,\)\]"):
        resampled_sums([[[1]] * 3, []])


def test_paired_bootstrap_p_value_equals_sacrebleu() -> None:
    statistics = Statistics.extract(SYSTEMS, references=[REFS])
    for metric, cls in (("BLEU", BLEU), ("chrF2++", lambda: CHRF(word_order=2)), ("TER", TER)):
        bootstrap = PairedBootstrap(statistics, metric=metric, n_samples=250)
        for baseline, system in (("variant", "hyps"), ("hyps", "garbled")):
            _, expected = PairedTest([(baseline, SYSTEMS[baseline]), (system, SYSTEMS[system])], {metric: cls()},
                                     [REFS], test_type="bs", n_samples=250)()
            assert bootstrap.p_value(baseline, system) == pytest.approx(expected[metric][1].p_value), (metric, system)


@pytest.mark.parametrize(
    ("scores", "higher_is_better", "different_pairs", "clusters"),
    [
        ({"a": 30, "b": 29, "c": 20}, True, {("a", "c"), ("b", "c")}, [["a", "b"], ["c"]]),
        ({"a": 30, "b": 29, "c": 20}, True, {("a", "b"), ("a", "c"), ("b", "c")}, [["a"], ["b"], ["c"]]),
        ({"a": 30, "b": 29, "c": 20}, True, set(), [["a", "b", "c"]]),
        # c is compared with the cluster's best (a), not with its neighbour b
        ({"a": 30, "b": 29, "c": 28}, True, {("a", "c")}, [["a", "b"], ["c"]]),
        ({"x": 1.0, "y": 2.5, "z": 2.6}, False, {("x", "y"), ("x", "z")}, [["x"], ["y", "z"]]),  # MQM: lower first
    ],
)
def test_cluster_algorithm(scores, higher_is_better, different_pairs, clusters) -> None:
    calls = []

    def differs(head: str, other: str) -> bool:
        calls.append((head, other))
        return (head, other) in different_pairs or (other, head) in different_pairs

    assert cluster_systems(scores, higher_is_better=higher_is_better, differs=differs) == clusters
    assert all(head == members[0] for head, _ in calls for members in clusters if head in members)


@pytest.mark.parametrize("test_type", ["bs", "ar"])
def test_a_system_identical_to_the_baseline_is_never_significantly_different(test_type: str) -> None:
    """sacrebleu gives two identical systems p = 1/(n+1) (it counts strictly larger resampled
    differences, and every one is 0): "significant". Here p = 1, and they share a cluster."""
    named = [("hyps", SYSTEMS["hyps"]), ("copy", list(SYSTEMS["hyps"])), ("garbled", SYSTEMS["garbled"])]
    _, raw = PairedTest(named, {"BLEU": BLEU()}, [REFS], test_type=test_type, n_samples=200)()
    assert raw["BLEU"][1].p_value < 0.01  # sacrebleu's own answer, the one we correct
    table = paired_test(named, references=[REFS], test_type=test_type, n_samples=200)
    for metric in ("BLEU", "chrF2++", "TER"):
        assert table.get("copy", metric).p_value == 1.0, metric
        assert table.get("garbled", metric).p_value < 0.05, metric  # a real difference is untouched
    statistics = Statistics.extract(dict(named), references=[REFS])
    for metric in ("BLEU", "chrF2++", "TER"):
        assert PairedBootstrap(statistics, metric=metric, n_samples=200).p_value("hyps", "copy") == 1.0
        clusters = metric_clusters(statistics, metric=metric, n_samples=200)
        assert ["copy", "hyps"] in [sorted(c) for c in clusters], metric


def test_metric_clusters_separate_a_garbled_system() -> None:
    statistics = Statistics.extract(SYSTEMS, references=[REFS])
    for metric in ("BLEU", "chrF2++", "TER"):
        clusters = metric_clusters(statistics, metric=metric, n_samples=300)
        assert clusters[-1] == ["garbled"], metric
        assert sorted(s for c in clusters for s in c) == sorted(SYSTEMS)


def test_mqm_paired_test_and_clusters() -> None:
    segment_scores = {
        "base": [1, 0, 5, 1, 0, 2, 1, 0, 5, 1, 0, 2] * 2,
        "same": [1, 0, 5, 1, 0, 2, 1, 0, 5, 1, 0, 2] * 2,
        "worse": [6, 5, 10, 6, 5, 7, 6, 5, 10, 6, 5, 7] * 2,  # 5 points worse on every segment
    }
    results = {r.system: r for r in mqm_paired_test(segment_scores, n_trials=2000, n_bootstrap=500)}
    assert results["base"].p_value is None
    assert results["same"].p_value == pytest.approx(1.0)  # identical systems: never significant
    assert results["worse"].p_value < 0.001
    assert results["worse"].mean == pytest.approx(results["base"].mean + 5)
    assert results["base"].ci > 0
    assert mqm_clusters(segment_scores, n_trials=2000) == [["base", "same"], ["worse"]]


def test_paired_test_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown test type"):
        paired_test(list(SYSTEMS.items()), references=[REFS], test_type="t-test")
    with pytest.raises(ValueError, match="baseline and at least one other"):
        paired_test([("hyps", SYSTEMS["hyps"])], references=[REFS])
    with pytest.raises(ValueError, match="system 'short' has 2 segments"):
        paired_test([("hyps", SYSTEMS["hyps"]), ("short", HYPS[:2])], references=[REFS])
