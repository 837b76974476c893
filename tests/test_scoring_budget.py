"""Annotation budget (annotate.scoring.budget): segments needed to separate adjacent systems."""

from __future__ import annotations

import pytest

from annotate.records import ErrorSpan, SegmentRating
from annotate.scoring.budget import annotation_budget, segments_needed
from annotate.scoring.mqm import score_ratings


@pytest.mark.parametrize(
    ("difference", "sd", "alpha", "power", "needed"),
    [
        # ((1.959964 + 0.841621) · sd / difference)², rounded up
        (0.5, 2.0, 0.05, 0.8, 126),  # 7.8489 · 16 = 125.58
        (1.0, 1.0, 0.05, 0.8, 8),  # 7.85
        (0.1, 2.0, 0.05, 0.8, 3140),  # 3139.6
        (-0.5, 2.0, 0.05, 0.8, 126),  # the sign does not matter
        (0.5, 2.0, 0.01, 0.9, 239),  # (2.575829 + 1.281552)² · 16 = 238.05
        (5.0, 0.1, 0.05, 0.8, 2),  # a tiny formula value: a paired test needs 2 segments at least
        (0.0, 2.0, 0.05, 0.8, None),  # nothing to detect
    ],
)
def test_segments_needed(difference, sd, alpha, power, needed):
    assert segments_needed(difference, sd, alpha=alpha, power=power) == needed


def rating(system: str, seg_id: int, majors: int) -> SegmentRating:
    target = "x " * 5
    errors = [ErrorSpan(start=0, end=1, category="Accuracy/Mistranslation", severity="Major", text="x")] * majors
    return SegmentRating(system=system, doc_id="d", seg_id=seg_id, rater="r1", source="s", target=target, errors=errors)


def test_adjacent_systems_in_the_mqm_ranking():
    # a: 0 or 1 Major per segment; b: one Major more on half the segments; c: far worse
    majors = {"a": [0, 1, 0, 1, 0, 1, 0, 1], "b": [1, 1, 1, 1, 0, 1, 0, 1], "c": [3, 4, 3, 4, 3, 4, 3, 4]}
    mqm = score_ratings([rating(system, seg_id, n) for system, counts in majors.items()
                         for seg_id, n in enumerate(counts, 1)])
    budget = annotation_budget(mqm)
    assert [(p.better, p.worse) for p in budget.pairs] == [("a", "b"), ("b", "c")]
    a_b, b_c = budget.pairs
    # a → b: paired differences 5, 0, 5, 0, 0, 0, 0, 0 (MQM points): mean 1.25, sd 2.3146
    assert a_b.difference == pytest.approx(1.25) and a_b.sd == pytest.approx(2.314550, abs=1e-6)
    assert a_b.n_rated == 8 and a_b.n_needed == segments_needed(1.25, a_b.sd) == 27 and not a_b.enough
    assert b_c.n_needed == 2 and b_c.enough  # differences 10, 15, 10, 15, 15, 15, 15, 15: plain to see
    assert budget.separable == 1 and budget.median_needed == 2  # the lower of the two middle values
    # planning: fixed differences priced at the median SD of the pairs' paired differences
    assert budget.typical_sd == pytest.approx((a_b.sd + b_c.sd) / 2)
    assert budget.planning == [(d, segments_needed(d, budget.typical_sd)) for d in (0.1, 0.25, 0.5, 1.0)]
    assert budget.planning[0][1] > budget.planning[-1][1] == segments_needed(1.0, budget.typical_sd)
    assert annotation_budget(score_ratings([rating("a", 1, 0), rating("a", 2, 1)])) is None  # one system
