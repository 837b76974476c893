"""Meta-evaluation of automatic metrics against human scores as Google's mt-metrics-eval computes it
for the WMT23/WMT24 metrics shared tasks: pairwise accuracy with ties, tie-calibrated pairwise
accuracy (acc*_eq) at segment level grouped by item, and soft pairwise accuracy (SPA) at system level.

Scores are matrices *systems × items* (one row per system, one column per segment), given as a
sequence of rows or as a mapping ``system → row`` — mt-metrics-eval's vectors packed with
``num_sys`` rows. ``None`` (or NaN) marks a missing score. Both sides must already be oriented so
that **higher = better** (mt-metrics-eval's own convention: its MQM gold scores are negated);
:mod:`annotate.scoring.correlation` passes −MQM and negates TER.

* :func:`tie_calibrated_accuracy` — of each item's pairs of translations (pairs where human or
  metric score is missing are left out), the share the metric gets right: the human and the metric
  order the pair the same way, or both tie it, a metric difference of at most epsilon counting as
  a metric tie; the share is averaged over the items that have a pair (a macro average: every item
  weighs the same, whatever its number of systems). At epsilon 0 this is plain *pairwise accuracy*
  with ties (``accuracy_at_zero``; per item, mt-metrics-eval's ``stats.Agreement``). acc*_eq
  (Deutsch, Foster and Freitag, 2023, "Ties Matter: Meta-Evaluating Modern Metrics with Pairwise
  Accuracy and Tie Calibration") takes ONE epsilon for all items, the one that maximises the
  average, searched over 0 and every metric difference of a pair (the smallest one on a tie).
  Mirrors ``mt_metrics_eval/stats.py`` ``KendallWithTiesOpt(variant='acc23', average_by='item',
  sample_rate=1.0)`` → ``mt_metrics_eval/tau_optimization.py`` ``tau_optimization`` with
  ``TauSufficientStats.acc_23``: WMT23/WMT24's segment-level task in ``mt_metrics_eval/tasks.py``.
  :func:`pairwise_accuracy_by_item` gives the same accuracy at a fixed epsilon (``stats.KendallVariants
  (variant='acc23', epsilon=…)`` under ``AverageCorrelation(average_by='item')``).
* :func:`soft_pairwise_accuracy` — SPA (Thompson et al., 2024, "Improving Statistical Significance
  in Human Evaluation of Automatic Metrics via Soft Pairwise Accuracy"): for every pair of systems
  (i before j), the one-sided p-value that i is better than j from a paired permutation test over
  the segments, once on the human scores and once on the metric's; SPA = 1 − the mean |p_human −
  p_metric| over the pairs (1 when the metric is exactly as sure as the humans about every pair).
  The p-values (:func:`pairwise_p_values`) mirror ``mt_metrics_eval/pce.py``
  ``compute_pairwise_p_values``: a system's score is the sum of its segment scores (float32), each
  permutation swaps the two systems' scores on a random subset of the segments (one ±1 sign per
  segment, drawn as ``numpy.random.default_rng(seed).random(float32)`` rounded to 0/1), and p is the
  share of the permutations whose swapped difference is at least the observed one; 1,000
  permutations and seed 4 (its defaults), the same signs for every pair and for both sides. SPA
  mirrors ``pce.compute_one_minus_pce`` as ``stats.PairwiseConfidenceError`` calls it (WMT24's
  system-level task, ``tasks.py``). Only the segments every system has on both sides are used
  (a paired test needs them all). The metric side uses the metric's *segment* scores, as
  mt-metrics-eval does: for BLEU, SPA compares sums of sentence BLEU, not corpus BLEU.

Everything is deterministic. The accuracies are summed exactly (integer counts per item) before one
division, so the epsilon search picks the first maximum exactly; mt-metrics-eval's running float sum
agrees to ~1e-15.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # numpy is imported inside the functions: `annotate --help` must stay fast
    import numpy as np

SPA_PERMUTATIONS = 1000  # pce.compute_pairwise_p_values' num_permutations default
SPA_SEED = 4  # pce.compute_pairwise_p_values' seed default

#: systems × items: rows as a sequence (or a 2-D array), or a mapping system → row; None = missing
Scores = Union[Mapping[str, Sequence[Union[float, None]]], Sequence[Sequence[Union[float, None]]], "np.ndarray"]


@dataclass(frozen=True)
class TieCalibration:
    """acc*_eq and how it was found: ``accuracies[k]`` is the accuracy at ``thresholds[k]``
    (0 first, then every distinct metric difference of a pair, ascending)."""

    accuracy: float | None  # acc*_eq: the best accuracy; None when no item has a pair
    epsilon: float | None  # the metric tie threshold that gives it (the smallest such)
    items: int  # items with at least one pair: what the accuracies average over
    pairs: int  # pairs of translations over all those items
    thresholds: tuple[float, ...] = ()
    accuracies: tuple[float, ...] = ()
    # the accuracy of a metric that ties every pair (a constant metric): the share of each item's
    # pairs the humans tie, averaged; acc*_eq is never below it (the largest threshold ties all)
    all_tied: float | None = None

    @property
    def accuracy_at_zero(self) -> float | None:
        """Pairwise accuracy with ties, no calibration (epsilon 0: only equal metric scores tie)."""
        return self.accuracies[0] if self.accuracies else None

@dataclass(frozen=True)
class SoftPairwiseAccuracy:
    """SPA with what it was computed from."""

    accuracy: float | None  # None with fewer than 2 systems or no complete segment
    pairs: int  # system pairs averaged over
    segments: int  # segments every system has on both sides (what is permuted)
    permutations: int
    seed: int


def pairwise_accuracy_by_item(human: Scores, metric: Scores, epsilon: float = 0.0) -> TieCalibration:
    """Pairwise accuracy with ties at a fixed ``epsilon`` (a metric difference ``<= epsilon`` is a
    tie), averaged over the items (see the module docstring); ``thresholds``/``accuracies`` hold
    that one point."""
    if epsilon < 0:
        raise ValueError(f"epsilon must be non-negative, not {epsilon}")
    table = _PairTable(human, metric)
    if not table.items:
        return TieCalibration(None, None, 0, 0)
    accuracy = table.accuracy(table.numerator(epsilon))
    return TieCalibration(accuracy, float(epsilon), table.items, table.pairs, (float(epsilon),), (accuracy,))


def tie_calibrated_accuracy(human: Scores, metric: Scores) -> TieCalibration:
    """acc*_eq: the epsilon search of Deutsch et al. (2023) over the items (module docstring)."""
    table = _PairTable(human, metric)
    if not table.items:
        return TieCalibration(None, None, 0, 0)
    thresholds, numerators = table.search()
    best = max(range(len(numerators)), key=lambda k: (numerators[k], -k))  # the first maximum
    accuracies = tuple(table.accuracy(n) for n in numerators)
    return TieCalibration(accuracies[best], thresholds[best], table.items, table.pairs, tuple(thresholds), accuracies,
                          all_tied=table.accuracy(table.tied_numerator))


def pairwise_p_values(scores: Scores, *, permutations: int = SPA_PERMUTATIONS, seed: int = SPA_SEED) -> np.ndarray:
    """systems × systems: ``[i, j]`` (i < j) the one-sided paired-permutation p-value that system i is
    better than system j (higher = better), NaN elsewhere; ``scores`` complete (no missing value)."""
    import numpy as np

    matrix = _matrix(scores)
    if np.isnan(matrix).any():
        raise ValueError("pairwise_p_values needs every system's score on every segment")
    if permutations < 1:
        raise ValueError(f"permutations must be at least 1, not {permutations}")
    signs = np.random.default_rng(seed).random(size=(permutations, matrix.shape[1]), dtype=np.float32)
    np.rint(signs, out=signs, casting="same_kind")  # 0 or 1
    signs *= 2.0
    signs -= 1.0  # −1 or +1: which of the two systems' scores each segment keeps
    return _p_values(matrix, signs)


def soft_pairwise_accuracy(human: Scores, metric: Scores, *, permutations: int = SPA_PERMUTATIONS,
                           seed: int = SPA_SEED) -> SoftPairwiseAccuracy:
    """SPA of ``metric`` against ``human`` (module docstring), on the segments complete on both sides."""
    import numpy as np

    h, m = _matrix(human), _matrix(metric)
    _same_shape(h, m)
    complete = ~(np.isnan(h).any(axis=0) | np.isnan(m).any(axis=0))
    h, m = h[:, complete], m[:, complete]
    n_systems, n_segments = h.shape
    pairs = n_systems * (n_systems - 1) // 2
    if not pairs or not n_segments:
        return SoftPairwiseAccuracy(None, pairs, n_segments, permutations, seed)
    upper = np.triu_indices(n_systems, 1)
    p_human = pairwise_p_values(h, permutations=permutations, seed=seed)[upper]
    p_metric = pairwise_p_values(m, permutations=permutations, seed=seed)[upper]
    return SoftPairwiseAccuracy(float(1.0 - np.mean(np.abs(p_human - p_metric))), pairs, n_segments,
                                permutations, seed)


def _p_values(matrix: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """The p-values of :func:`pairwise_p_values` for given ±1 ``signs`` (permutations × segments):
    float32 sums, as mt-metrics-eval computes them."""
    import numpy as np

    scores = matrix.astype(np.float32)
    totals = np.sum(scores, axis=1)
    partial = np.matmul(signs.astype(np.float32), scores.T)  # permutations × systems
    n = scores.shape[0]
    p = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i + 1, n):
            p[i, j] = np.sum(partial[:, i] - partial[:, j] >= totals[i] - totals[j]) / len(signs)
    return p


class _PairTable:
    """Every (item, system pair) with both scores on both sides: the metric difference, whether the
    humans tie it and whether the metric orders it as the humans do, each weighted by 1 / the
    item's pairs as an exact integer (``scale`` / pairs)."""

    def __init__(self, human: Scores, metric: Scores) -> None:
        import numpy as np

        h, m = _matrix(human), _matrix(metric)
        _same_shape(h, m)
        i, j = np.triu_indices(h.shape[0], k=1)
        dh, dm = (h[i] - h[j]).T, (m[i] - m[j]).T  # items × system pairs
        valid = ~(np.isnan(dh) | np.isnan(dm))
        item = np.nonzero(valid)[0]
        per_item = np.bincount(item, minlength=h.shape[1])
        self.items = int((per_item > 0).sum())
        self.pairs = int(valid.sum())
        dh, dm = dh[valid], dm[valid]
        self.difference = np.abs(dm)
        human_tie = dh == 0
        agree = np.sign(dh) * np.sign(dm) > 0
        self.scale = math.lcm(*(int(n) for n in np.unique(per_item[per_item > 0]))) if self.items else 1
        if self.scale * max(self.items, 1) < 2**62:  # the largest numerator fits in int64
            weight = self.scale // per_item[item]
        else:  # many systems, unevenly missing: Python integers
            weight = np.array([self.scale // int(n) for n in per_item[item]], dtype=object)
        # at epsilon 0 a metric tie is right when the humans tie too; beyond it, a pair with a
        # difference <= epsilon turns into a metric tie: right iff the humans tie it
        tied = self.difference == 0
        self.base = int(np.sum(weight * np.where(tied, human_tie, agree)))
        self.change = weight * (human_tie.astype(np.int64) - agree.astype(np.int64)) * ~tied
        self.tied_numerator = int(np.sum(weight * human_tie))

    def numerator(self, epsilon: float) -> int:
        import numpy as np

        return self.base + int(np.sum(self.change[self.difference <= epsilon]))

    def accuracy(self, numerator: int) -> float:
        return numerator / (self.scale * self.items)  # exact integers: one correctly rounded division

    def search(self) -> tuple[list[float], list[int]]:
        """(thresholds, numerators): 0, then every distinct positive metric difference, ascending."""
        import numpy as np

        order = np.argsort(self.difference, kind="stable")
        difference, running = self.difference[order], np.cumsum(self.change[order])
        thresholds, numerators = [0.0], [self.base]
        positive = np.nonzero(difference > 0)[0]
        if len(positive):
            values = difference[positive]
            last = positive[np.r_[values[1:] != values[:-1], True]]  # the last pair of each distinct value
            thresholds += [float(v) for v in difference[last]]
            numerators += [self.base + int(r) for r in running[last]]
        return thresholds, numerators


def _matrix(scores: Scores) -> np.ndarray:
    import numpy as np

    rows = [[np.nan if v is None else float(v) for v in row]
            for row in (scores.values() if isinstance(scores, Mapping) else scores)]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("scores must be systems × items: every system needs the same number of items "
                         f"(got {sorted({len(row) for row in rows})})")
    return np.array(rows, dtype=float).reshape(len(rows), len(rows[0]) if rows else 0)


def _same_shape(human: np.ndarray, metric: np.ndarray) -> None:
    if human.shape != metric.shape:
        raise ValueError(f"human scores are {human.shape[0]} systems × {human.shape[1]} items, "
                         f"metric scores {metric.shape[0]} × {metric.shape[1]}")
