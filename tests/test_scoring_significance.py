"""Paired significance (annotate.scoring.significance): sacrebleu's PairedTest vs the baseline,
statistics reuse that changes nothing, the cluster algorithm, MQM paired randomization."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest
from test_scoring_metrics import HYPS, REFS_A, REFS_B

from annotate.scoring.evaluate import MQM_NAME
from annotate.scoring.metrics import METRIC_NAMES, Statistics
from annotate.scoring.significance import (
    SCORE_RANGES,
    PairedBootstrap,
    cluster_systems,
    corpus_ci,
    metric_clusters,
    mqm_clusters,
    mqm_paired_test,
    paired_test,
    resampled_sums,
    score_interval,
)
from annotate.scoring.summary import format_interval

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
    # sacrebleu's own PairedTest on the same systems (no tie here, so no p = 1 correction)
    _, expected = PairedTest(list(SYSTEMS.items()), {"BLEU": BLEU(), "chrF2++": CHRF(word_order=2), "TER": TER()},
                             [REFS], test_type="bs", n_samples=200)()
    for metric, results in table.results.items():
        assert [r.system for r in results] == ["hyps", "variant", "garbled"]
        assert results[0].p_value is None  # the baseline
        assert [r.p_value for r in results[1:]] == [e.p_value for e in expected[metric][1:]], metric
        assert [r.ci for r in results] == pytest.approx([e.ci for e in expected[metric]]), metric
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


# The garbled system's 95% CI half-width on 300 resamples with SACREBLEU_SEED 12345, from
# test_garbled_ci_from_resampled_sentences (which recomputes it without annotate's code).
GARBLED_CI_300 = {"BLEU": 0.620844055930168, "chrF2++": 1.0890668965114259, "TER": 5.2022518765638}


def _estimate_ci_half_width(scores) -> float:
    """sacrebleu's estimate_ci, by hand: half the distance between the order statistics n // 40
    and n − n // 40 − 1 of the sorted resampled scores (the central 95%)."""
    import numpy as np

    ordered, k = np.sort(np.asarray(scores, dtype=float)), len(scores) // 40
    return float(0.5 * (ordered[len(ordered) - k - 1] - ordered[k]))


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
    assert corpus_ci(statistics, metric, "garbled", 300) == pytest.approx(GARBLED_CI_300[metric], rel=1e-12)


@pytest.mark.parametrize("metric, make", [("BLEU", BLEU), ("chrF2++", lambda: CHRF(word_order=2))])
def test_garbled_ci_from_resampled_sentences(metric, make) -> None:
    # Independently of annotate: sacrebleu's seeded draws (numpy, seed 12345), each resample's
    # sentences scored by sacrebleu's public corpus_score, then estimate_ci by hand. (TER's 300
    # corpus_score calls take seconds: its row is checked through corpus statistics below.)
    import numpy as np

    garbled = SYSTEMS["garbled"]
    draws = np.random.default_rng(12345).choice(len(REFS), size=(300, len(REFS)), replace=True)
    scores = [make().corpus_score([garbled[i] for i in d], [[REFS[i] for i in d]]).score for d in draws]
    assert _estimate_ci_half_width(scores) == pytest.approx(GARBLED_CI_300[metric], rel=1e-12)


def test_garbled_ter_ci_from_resampled_edit_counts() -> None:
    # corpus TER = 100 × Σ edits / Σ reference words: each sentence's edits from sacrebleu's public
    # sentence_score (TER % × its reference's words / 100), resampled with sacrebleu's seeded draws
    import numpy as np

    garbled = SYSTEMS["garbled"]
    words = np.array([len(r.split()) for r in REFS], dtype=float)
    edits = np.array([round(TER().sentence_score(h, [r]).score * n / 100) for h, r, n in zip(garbled, REFS, words)])
    draws = np.random.default_rng(12345).choice(len(REFS), size=(300, len(REFS)), replace=True)
    assert 100 * edits.sum() / words.sum() == pytest.approx(TER().corpus_score(garbled, [REFS]).score, rel=1e-12)
    scores = 100 * edits[draws].sum(axis=1) / words[draws].sum(axis=1)
    assert _estimate_ci_half_width(scores) == pytest.approx(GARBLED_CI_300["TER"], rel=1e-12)


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


@pytest.mark.parametrize(
    ("test_type", "garbled_p"),
    [
        # bootstrap: no resample's centred difference exceeds the observed one: (0 + 1) / (200 + 1)
        ("bs", {"BLEU": 1 / 201, "chrF2++": 1 / 201, "TER": 1 / 201}),
        # randomization: one of the 200 seeded shuffles exceeds it for BLEU and chrF++: 2 / 201
        ("ar", {"BLEU": 2 / 201, "chrF2++": 2 / 201, "TER": 1 / 201}),
    ],
)
def test_a_system_identical_to_the_baseline_is_never_significantly_different(test_type: str, garbled_p) -> None:
    """sacrebleu gives two identical systems p = 1/(n+1) (it counts strictly larger resampled
    differences, and every one is 0): "significant". Here p = 1, and they share a cluster."""
    named = [("hyps", SYSTEMS["hyps"]), ("copy", list(SYSTEMS["hyps"])), ("garbled", SYSTEMS["garbled"])]
    _, raw = PairedTest(named, {"BLEU": BLEU(), "chrF2++": CHRF(word_order=2), "TER": TER()}, [REFS],
                        test_type=test_type, n_samples=200)()
    table = paired_test(named, references=[REFS], test_type=test_type, n_samples=200)
    for metric in ("BLEU", "chrF2++", "TER"):
        assert raw[metric][1].p_value == 1 / 201, metric  # sacrebleu's own answer, the one we correct
        assert table.get("copy", metric).p_value == 1.0, metric
        # a real difference is untouched: sacrebleu's own p-value, exactly
        assert table.get("garbled", metric).p_value == raw[metric][2].p_value == garbled_p[metric], metric
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
    # 5 points worse on all 24 segments: a sign flip reaches |mean| 5 only when all 24 signs agree
    # (2 of 2**24 assignments), which 2000 trials do not draw: p = (0 + 1) / (2000 + 1)
    assert results["worse"].p_value == 1 / 2001
    assert results["worse"].mean == pytest.approx(results["base"].mean + 5)
    # the bootstrap CI half-width: sacrebleu's estimate_ci over the means of sacrebleu's seeded draws
    import numpy as np
    from sacrebleu.significance import estimate_ci

    base = np.asarray(segment_scores["base"], dtype=float)
    draws = np.random.default_rng(12345).choice(len(base), size=(500, len(base)), replace=True)
    assert results["base"].ci == pytest.approx(estimate_ci(base[draws].mean(axis=1))[1], abs=1e-12)
    assert mqm_clusters(segment_scores, n_trials=2000) == [["base", "same"], ["worse"]]


def test_paired_test_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown test type"):
        paired_test(list(SYSTEMS.items()), references=[REFS], test_type="t-test")
    with pytest.raises(ValueError, match="baseline and at least one other"):
        paired_test([("hyps", SYSTEMS["hyps"])], references=[REFS])
    with pytest.raises(ValueError, match="system 'short' has 2 segments"):
        paired_test([("hyps", SYSTEMS["hyps"]), ("short", HYPS[:2])], references=[REFS])


def exact_sign_flip_p_value(differences: list[float]) -> float:
    """The exact two-sided paired permutation p-value: the share of all 2**n sign assignments of
    the paired differences whose |mean| is at least the observed one."""
    import itertools

    observed = abs(sum(differences)) / len(differences)
    flips = list(itertools.product((1, -1), repeat=len(differences)))
    beyond = sum(abs(sum(s * d for s, d in zip(signs, differences))) / len(differences) >= observed - 1e-12
                 for signs in flips)
    return beyond / len(flips)


def seeded_sign_flip_p_value(differences: list[float], n_trials: int, seed: int = 12345) -> float:
    """The randomization test as documented, written out with numpy: n_trials seeded rows of
    coin flips (True: the segment's difference changes sign), (#|shuffled mean| >= |mean| + 1) /
    (n_trials + 1)."""
    import numpy as np

    d = np.asarray(differences, dtype=float)
    flips = np.random.default_rng(seed).integers(2, size=(n_trials, len(d)), dtype=bool)
    shuffled = np.abs(np.where(flips, -d, d).mean(axis=1))
    return float((np.sum(shuffled >= abs(d.mean()) - 1e-12) + 1) / (n_trials + 1))


@pytest.mark.parametrize(
    ("differences", "exact", "seeded"),
    [
        # |sum| >= 4: +3 with the three ±1 summing to 3 or 1 (1 + 3 ways), or the mirror: 8 of 16
        ([3.0, -1.0, 1.0, 1.0], 8 / 16, 50_025 / 100_001),
        # |sum| >= 5: the 2s agreeing (±4) and the three ±1 summing to ≥ 1 on that side (4 ways),
        # on either side: 8 of 32 (2s cancelling leave at most 3)
        ([2.0, 2.0, -1.0, 1.0, 1.0], 8 / 32, 24_893 / 100_001),
        # all five the same sign: only the identity and its mirror reach |mean| 2: 2 of 32
        ([1.0, 2.0, 3.0, 1.0, 3.0], 2 / 32, 6_265 / 100_001),
        # no difference at all: every assignment ties the observed 0
        ([0.0, 0.0, 0.0, 0.0, 0.0], 1.0, 1.0),
    ],
)
def test_mqm_randomization_p_value_approaches_the_exact_permutation_p_value(differences, exact, seeded) -> None:
    # a tiny sample: every sign assignment enumerated (the exact permutation p-value, counted by hand
    # above). The test samples (SACREBLEU_SEED 12345): its exact seeded value, recomputed with numpy,
    # and within Monte Carlo error of the exact one (sd = √(p(1 − p) / 100,000) <= 0.0016)
    assert exact_sign_flip_p_value(differences) == exact
    assert seeded_sign_flip_p_value(differences, 100_000) == seeded
    baseline = [10.0] * len(differences)
    scores = {"base": baseline, "other": [b + d for b, d in zip(baseline, differences)]}
    (_, other) = mqm_paired_test(scores, n_trials=100_000, n_bootstrap=1)
    assert other.p_value == seeded
    assert other.p_value == pytest.approx(exact, abs=4 * (exact * (1 - exact) / 100_000) ** 0.5 + 1 / 100_001)


# Nine segments exactly as the reference and one with slips (segment 0: "the" → "a" twice,
# "jumps" → "jumped"; 12 words, as every reference). The nine perfect segments have identical
# statistics (same lengths, everything matched), so a resample's score depends only on how many
# times c0 it drew segment 0. The 1000 seeded draws (SACREBLEU_SEED 12345) give c0 = 0, 1, …, 5 in
# 363, 381, 189, 56, 10, 1 resamples: the order statistics 25 and 974 that estimate_ci takes are
# at c0 = 0 and c0 = 3, so the half-width is |score(c0 = 0) − score(c0 = 3)| / 2.
NEAR_PERFECT_REFS = [f"the quick brown fox number {i} jumps over the lazy dog today" for i in range(10)]
NEAR_PERFECT_HYPS = ["a quick brown fox number 0 jumped over a lazy dog today", *NEAR_PERFECT_REFS[1:]]


def _near_perfect_score(make, c0: int) -> float:
    """sacrebleu's public corpus score of a corpus with segment 0 drawn c0 times (the rest perfect)."""
    hyps = [NEAR_PERFECT_HYPS[0]] * c0 + [NEAR_PERFECT_REFS[1]] * (10 - c0)
    return make().corpus_score(hyps, [[NEAR_PERFECT_REFS[0]] * c0 + [NEAR_PERFECT_REFS[1]] * (10 - c0)]).score


@pytest.mark.parametrize(
    ("metric", "make", "score", "half_width", "interval", "shown"),
    [
        # BLEU by hand: 13a tokens as words, n-gram matches of segment 0 9/12, 6/11, 4/10, 2/9, plus
        # 9 perfect segments, no brevity penalty: 100 · (117/120 · 105/110 · 94/100 · 83/90)^(1/4);
        # c0 = 3: 100 · (111/120 · 95/110 · 82/100 · 69/90)^(1/4) = 84.1828
        ("BLEU", BLEU, 100 * (117 / 120 * 105 / 110 * 94 / 100 * 83 / 90) ** 0.25,
         (100 - 100 * (111 / 120 * 95 / 110 * 82 / 100 * 69 / 90) ** 0.25) / 2, (86.86581760040019, 100.0),
         "+5.23/−7.91"),
        ("chrF2++", lambda: CHRF(word_order=2), 97.22688512327541, 4.1671084014910065, (93.0597767217844, 100.0),
         "+2.77/−4.17"),
        # TER by hand: 3 edits over 120 reference words = 2.5; c0 = 3: 9 / 120 = 7.5
        ("TER", TER, 2.5, 3.75, (0.0, 6.25), "+3.75/−2.50"),
    ],
)
def test_near_perfect_scores_get_intervals_clipped_to_the_metrics_range(
        metric, make, score, half_width, interval, shown) -> None:
    import numpy as np

    c0 = (np.random.default_rng(12345).choice(10, size=(1000, 10), replace=True) == 0).sum(axis=1)
    assert np.bincount(c0).tolist() == [363, 381, 189, 56, 10, 1]
    assert _near_perfect_score(make, 1) == pytest.approx(score, rel=1e-12)
    by_c0 = np.array([_near_perfect_score(make, k) for k in range(11)])
    assert _estimate_ci_half_width(by_c0[c0]) == pytest.approx(half_width, rel=1e-12)  # sacrebleu's resamples
    assert abs(by_c0[0] - by_c0[3]) / 2 == pytest.approx(half_width, rel=1e-12)
    # annotate's statistics, resamples and clipping
    statistics = Statistics.extract({"mt": NEAR_PERFECT_HYPS}, references=[NEAR_PERFECT_REFS])
    ours = statistics.corpus_scores()["mt"][metric].score
    assert ours == pytest.approx(score, rel=1e-12)
    assert corpus_ci(statistics, metric, "mt") == pytest.approx(half_width, rel=1e-12)
    # the raw interval, as sacrebleu prints it, leaves the metric's range; the shown one is clipped
    lowest, highest = SCORE_RANGES[metric]
    assert score + half_width > highest or score - half_width < lowest
    assert score_interval(metric, ours, corpus_ci(statistics, metric, "mt")) == pytest.approx(interval, rel=1e-12)
    assert format_interval(ours, score_interval(metric, ours, corpus_ci(statistics, metric, "mt"))) == shown
    if metric == "BLEU":  # sacrebleu's own -ci, too (float32 sums)
        assert make().corpus_score(NEAR_PERFECT_HYPS, [NEAR_PERFECT_REFS], n_bootstrap=1000)._ci == pytest.approx(
            half_width, rel=1e-6)


@pytest.mark.parametrize(
    ("metric", "score", "half_width", "interval", "shown"),
    [
        ("BLEU", 50.0, 2.0, (48.0, 52.0), "±2.00"),  # inside the range: the usual ± half-width
        ("BLEU", 99.0, 2.0, (97.0, 100.0), "+1.00/−2.00"),
        ("chrF2++", 1.0, 3.0, (0.0, 4.0), "+3.00/−1.00"),
        ("TER", 120.0, 30.0, (90.0, 150.0), "±30.00"),  # TER has no upper bound
        ("TER", 0.5, 1.0, (0.0, 1.5), "+1.00/−0.50"),
        (MQM_NAME, 0.2, 0.5, (0.0, 0.7), "+0.50/−0.20"),  # error points are never negative
        ("BLEU", 50.0, None, None, "±—"),
        ("BLEU", 100.00000000000001, 0.0, (100.0, 100.0), "±0.00"),  # a float past 100: not "+-0.00"
    ],
)
def test_score_interval_table(metric, score, half_width, interval, shown) -> None:
    assert score_interval(metric, score, half_width) == interval
    assert format_interval(score, score_interval(metric, score, half_width)) == shown


def test_every_reported_score_has_a_range() -> None:
    assert set(SCORE_RANGES) == {*METRIC_NAMES, MQM_NAME}
