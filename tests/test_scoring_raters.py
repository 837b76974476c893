"""Rater effects (annotate.scoring.raters): per-rater statistics, each system's rater mix, and the
rater-adjusted MQM — equal to the plain MQM on a crossed design, blind to a rater's constant
bias, and recovering the truth from additive data however unbalanced the rater assignment."""

from __future__ import annotations

import random

import pytest
from conftest import SHARED_MQM

from annotate.records import ErrorSpan, SegmentRating
from annotate.scoring.mqm import score_ratings
from annotate.scoring.raters import rater_report


def rated(system: str, seg_id: int, rater: str, points: int, majors: int = 0) -> SegmentRating:
    """A rating worth ``points`` MQM: ``majors`` Major errors (5 each), the rest Minor (1 each)."""
    assert points >= 5 * majors
    errors = [ErrorSpan(0, 1, "Accuracy/Mistranslation", "Major", "m")] * majors
    errors += [ErrorSpan(0, 1, "Fluency/Grammar", "Minor", "m")] * (points - 5 * majors)
    return SegmentRating(system=system, doc_id="d", seg_id=seg_id, rater=rater, source="s", target="t", errors=errors)


def report(ratings: list[SegmentRating]):
    return rater_report(ratings, score_ratings(ratings)), score_ratings(ratings)


def test_statistics_of_each_rater_and_the_mix_of_each_system():
    ratings = [rated("A", 1, "r1", 6, majors=1), rated("A", 2, "r1", 0), rated("A", 3, "r2", 2),
               rated("B", 1, "r2", 5, majors=1), rated("B", 2, "r2", 1), rated("B", 3, "r1", 0)]
    raters, _ = report(ratings)
    r1, r2 = raters.raters
    assert (r1.rater, r1.ratings, r1.errors, r1.major_errors, r1.mean_mqm) == ("r1", 3, 2, 1, 2.0)
    assert (r2.rater, r2.ratings, r2.errors, r2.major_errors) == ("r2", 3, 4, 1)
    assert r1.major_share == 0.5 and r2.errors_per_rating == pytest.approx(4 / 3)
    assert raters.mix == {"A": pytest.approx({"r1": 2 / 3, "r2": 1 / 3}), "B": pytest.approx({"r1": 1 / 3, "r2": 2 / 3})}
    assert not raters.balanced


def test_on_a_crossed_design_the_adjusted_mqm_is_the_plain_mqm():
    """Every rater rates every (system, segment): the rater mix cannot favour anyone."""
    rng = random.Random(7)
    ratings = [rated(system, seg, rater, rng.randint(0, 9)) for system in "ABC" for seg in range(1, 9)
               for rater in ("r1", "r2", "r3")]
    raters, mqm = report(ratings)
    assert raters.balanced and raters.not_estimable == ""
    assert raters.adjusted == pytest.approx(mqm.systems, abs=1e-9)


def test_additive_data_is_recovered_however_unbalanced_the_raters():
    """A and B are equally good; the strict rater (+2 points per segment) rates 4 of B's 5 segments
    and 1 of A's. The plain MQM ranks A first; the adjustment finds them equal."""
    difficulty = {1: 0, 2: 1, 3: 3, 4: 0, 5: 2}
    strict_on = {"A": {1}, "B": {1, 2, 3, 4}}
    ratings = [rated(system, seg, "strict" if seg in strict_on[system] else "lenient",
                     1 + difficulty[seg] + (2 if seg in strict_on[system] else 0))
               for system in "AB" for seg in difficulty]
    raters, mqm = report(ratings)
    assert mqm.systems["B"] - mqm.systems["A"] == pytest.approx(6 / 5)  # (4 − 1) × 2 points / 5 segments
    assert raters.adjusted["A"] == pytest.approx(raters.adjusted["B"], abs=1e-8)
    offsets = {r.rater: r.offset for r in raters.raters}
    assert offsets["strict"] - offsets["lenient"] == pytest.approx(2.0, abs=1e-8)
    # each rater carries half the rating weight (5 of 10 ratings): offsets ±2/2 around the pool
    assert offsets == pytest.approx({"strict": 1.0, "lenient": -1.0}, abs=1e-8)
    # adjusted = 1 + mean difficulty 6/5 + the pool's mean strictness ½ · 2 = 3.2 for both; the plain
    # MQM 2.2 + 2 · 1/5 = 2.6 (A) and 2.2 + 2 · 4/5 = 3.8 (B)
    assert raters.adjusted == pytest.approx({"A": 3.2, "B": 3.2}, abs=1e-8)
    assert mqm.systems == pytest.approx({"A": 2.6, "B": 3.8}, abs=1e-12)


def test_a_raters_constant_bias_does_not_change_the_adjusted_differences():
    rng = random.Random(3)
    assignment = {(system, seg): rng.choice(["r1", "r2", "r3"]) for system in "ABCD" for seg in range(1, 31)}
    base = {key: rng.randint(0, 6) for key in assignment}

    def adjusted(bias: int) -> dict[str, float]:
        ratings = [rated(system, seg, rater, base[system, seg] + (bias if rater == "r2" else 0))
                   for (system, seg), rater in assignment.items()]
        return report(ratings)[0].adjusted

    plain, biased = adjusted(0), adjusted(4)
    assert {s: biased[s] - biased["A"] for s in "ABCD"} == pytest.approx({s: plain[s] - plain["A"] for s in "ABCD"},
                                                                         abs=1e-8)


@pytest.mark.parametrize(("ratings", "why"), [
    ([rated("A", 1, "r1", 1), rated("B", 1, "r1", 2)], "one rater"),
    # A only by r1, B only by r2: a strict rater and a worse system look the same
    ([rated("A", 1, "r1", 1), rated("A", 2, "r1", 2), rated("B", 1, "r2", 3), rated("B", 2, "r2", 1)],
     "share too few raters"),
])
def test_no_adjustment_where_rater_and_system_cannot_be_told_apart(ratings, why):
    raters, _ = report(ratings)
    assert raters.adjusted == {} and why in raters.not_estimable
    assert all(r.offset is None for r in raters.raters)


@pytest.mark.skipif(not (SHARED_MQM / "mqm_ted_ende.tsv").is_file(),
                    reason=f"the WMT MQM files are not here ({SHARED_MQM} absent): third-party data, never copied")
def test_on_the_ted_file_the_fit_equals_a_dense_least_squares_solution():
    """lsqr on the sparse over-parametrised design vs numpy's dense solver with reference levels."""
    import numpy as np

    from annotate.mqm_tsv import read_mqm_tsv
    from annotate.scoring.mqm import collect_ratings

    ratings = collect_ratings(read_mqm_tsv(SHARED_MQM / "mqm_ted_ende.tsv").documents)
    mqm = score_ratings(ratings)
    raters = rater_report(ratings, mqm)
    systems = sorted(mqm.systems)
    rater_names = sorted({r for seg in mqm.segments for r in seg.rater_scores})
    segments = sorted({(seg.doc_id, seg.seg_id) for seg in mqm.segments})
    rows, y, w = [], [], []
    for seg in mqm.segments:
        for rater, score in seg.rater_scores.items():
            row = np.zeros(len(systems) + len(rater_names) - 1 + len(segments) - 1)
            row[systems.index(seg.system)] = 1
            if rater_names.index(rater):
                row[len(systems) + rater_names.index(rater) - 1] = 1
            if segments.index((seg.doc_id, seg.seg_id)):
                row[len(systems) + len(rater_names) - 1 + segments.index((seg.doc_id, seg.seg_id)) - 1] = 1
            rows.append(row), y.append(score), w.append(1 / len(seg.rater_scores))
    root = np.sqrt(np.array(w))
    coef = np.linalg.lstsq(np.array(rows) * root[:, None], np.array(y) * root, rcond=None)[0]
    beta = np.concatenate([[0.0], coef[len(systems):len(systems) + len(rater_names) - 1]])
    gamma = np.concatenate([[0.0], coef[len(systems) + len(rater_names) - 1:]])
    share = {r: sum(1 / len(s.rater_scores) for s in mqm.segments if r in s.rater_scores) / sum(w) for r in rater_names}
    seg_share = {k: 0.0 for k in segments}
    for seg in mqm.segments:
        seg_share[(seg.doc_id, seg.seg_id)] += 1 / sum(w)  # each rated (system, segment) weighs 1 in total
    level = sum(share[r] * beta[i] for i, r in enumerate(rater_names)) + sum(
        seg_share[k] * gamma[i] for i, k in enumerate(segments))
    dense = {s: coef[i] + level for i, s in enumerate(systems)}
    assert raters.adjusted == pytest.approx(dense, abs=1e-6)
    offsets = {r.rater: r.offset for r in raters.raters}
    pool = sum(share[r] * beta[i] for i, r in enumerate(rater_names))
    assert offsets == pytest.approx({r: beta[i] - pool for i, r in enumerate(rater_names)}, abs=1e-6)
    assert not raters.balanced and len(raters.raters) == 4
