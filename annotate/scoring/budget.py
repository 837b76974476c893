"""Annotation budget: how many rated segments would tell two systems apart (a planning aid).

For each pair of systems adjacent in the MQM ranking, on the segments both were rated on:
``difference`` = mean of the paired segment differences (worse − better), ``sd`` = their standard
deviation, and the segments a two-sided paired test at level α needs to detect that difference with
the given power, in the normal approximation::

    n = ((z[1 − α/2] + z[power]) · sd / difference)²

The observed difference is taken as the effect to detect: this says how much rating a difference of
that size costs, not whether the one observed is real (the report's clusters and paired tests do
that). For planning, the same formula prices fixed differences (:data:`PLANNING_DIFFERENCES`) at the
pairs' typical (median) SD, since an observed difference near 0 asks for millions of segments. Written by hand: it is the textbook formula; scipy supplies the normal quantiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median

from annotate.scoring.mqm import MQMResult

DEFAULT_POWER = 0.8
# Differences (MQM points per segment) the planning line prices, whatever was observed.
PLANNING_DIFFERENCES: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class PairBudget:
    """Two systems adjacent in the MQM ranking, and the segments that would separate them."""

    better: str
    worse: str
    difference: float  # mean paired MQM difference, worse − better (≥ 0 up to segment alignment)
    sd: float  # standard deviation of the paired differences
    n_rated: int  # segments both systems were rated on
    n_needed: int | None  # None: no difference to detect

    @property
    def enough(self) -> bool:
        """The segments rated already suffice for this difference."""
        return self.n_needed is not None and self.n_needed <= self.n_rated


@dataclass(frozen=True)
class AnnotationBudget:
    """Segments needed to separate each system from the next one in the MQM ranking."""

    alpha: float
    power: float
    pairs: list[PairBudget]
    typical_sd: float | None = None  # median SD of the pairs' paired differences
    planning: list[tuple[float, int]] = field(default_factory=list)  # (difference, segments needed at typical_sd)

    @property
    def separable(self) -> int:
        """Adjacent pairs the segments rated already suffice for."""
        return sum(pair.enough for pair in self.pairs)

    @property
    def median_needed(self) -> int | None:
        """The median of the segments needed over the pairs with a difference."""
        needed = sorted(pair.n_needed for pair in self.pairs if pair.n_needed is not None)
        return needed[(len(needed) - 1) // 2] if needed else None


def segments_needed(difference: float, sd: float, *, alpha: float = 0.05, power: float = DEFAULT_POWER) -> int | None:
    """Paired segments a two-sided test at ``alpha`` needs to detect ``difference`` with ``power``
    (normal approximation, at least 2); None when ``difference`` is 0."""
    from scipy.stats import norm

    if difference == 0:
        return None
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return max(2, math.ceil((z * sd / abs(difference)) ** 2))


def annotation_budget(mqm: MQMResult, *, alpha: float = 0.05, power: float = DEFAULT_POWER) -> AnnotationBudget | None:
    """The budget of every adjacent pair in ``mqm``'s ranking that shares at least 2 rated segments;
    None with fewer than two systems."""
    import numpy as np

    ranking = mqm.ranking()
    if len(ranking) < 2:
        return None
    pairs = []
    for better, worse in zip(ranking, ranking[1:]):
        keys, scores = mqm.aligned_segment_scores([better, worse])
        if len(keys) < 2:
            continue
        differences = np.asarray(scores[worse]) - np.asarray(scores[better])
        difference, sd = float(differences.mean()), float(differences.std(ddof=1))
        pairs.append(PairBudget(better, worse, difference, sd, len(keys),
                                segments_needed(difference, sd, alpha=alpha, power=power)))
    typical_sd = median(pair.sd for pair in pairs) if pairs else None
    planning = [] if not typical_sd else [(d, segments_needed(d, typical_sd, alpha=alpha, power=power))
                                          for d in PLANNING_DIFFERENCES]
    return AnnotationBudget(alpha, power, pairs, typical_sd, planning)
