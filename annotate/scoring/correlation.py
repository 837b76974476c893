"""Correlation between automatic metrics and human MQM, at segment and system level.

Sign convention: both sides are oriented so that **higher = better** before correlating — the
human side is −MQM (MQM is a penalty) and TER is negated (an edit rate) — so a positive
coefficient always means the metric agrees with the humans.

* segment level: all (system, segment) pairs pooled ("no grouping"), sentence-level metric vs the
  segment's −MQM;
* segment level, grouped by item (WMT22/23 metrics task, "group-by-item"): for each segment the
  correlation across the systems' translations of it, then the mean over the segments where it is
  defined (at least 3 systems, neither side constant). Pooled correlation rewards a metric for
  telling easy sentences from hard ones; this one only for ranking translations of the same source;
* system level: corpus metric vs the system's −MQM (mean over segments), and the **pairwise
  accuracy** of Kocmi et al. (2021, "To Ship or Not to Ship"): of the system pairs MQM tells apart,
  the share the metric orders the same way (a metric tie counts as a miss).

:func:`meta_evaluate` adds the meta-evaluation of mt-metrics-eval (WMT23/WMT24 metrics tasks, see
:mod:`annotate.scoring.meta_eval`): to the by-item row, pairwise accuracy with ties and the
tie-calibrated acc*_eq with its epsilon, over every segment with two systems or more (so a by-item
row exists with two systems too, without Pearson/Kendall); to the system row, soft pairwise
accuracy (SPA) from the segment scores, 1,000 paired permutations, seed 4.

Pooled and system-level Pearson's r and Kendall's tau-b come from scipy.stats, with their p-values;
the per-item ones are the same statistics computed for all items at once with numpy (checked
against scipy in the tests) and carry no p-value. A constant input (where a correlation is
undefined) gives None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

from annotate.scoring.meta_eval import SPA_PERMUTATIONS, SPA_SEED, soft_pairwise_accuracy, tie_calibrated_accuracy
from annotate.scoring.metrics import HIGHER_IS_BETTER
from annotate.text import plural

SEGMENT, BY_ITEM, SYSTEM = "segment", "segment, by item", "system"


@dataclass(frozen=True)
class Correlation:
    """Pearson and Kendall correlation of one metric with −MQM at one level."""

    metric: str
    level: str  # SEGMENT | BY_ITEM | SYSTEM
    n: int  # points correlated; for BY_ITEM the segments the mean is over
    pearson: float | None
    pearson_p: float | None
    kendall: float | None
    kendall_p: float | None
    # SYSTEM: Kocmi's pairwise accuracy over `pairs` system pairs; BY_ITEM: pairwise accuracy with
    # ties (epsilon 0) over `pairs` pairs of translations, averaged over `items` segments
    accuracy: float | None = None
    pairs: int = 0
    items: int = 0  # BY_ITEM: segments with two systems or more, what the accuracies average over
    acc_eq: float | None = None  # BY_ITEM: tie-calibrated pairwise accuracy acc*_eq (Deutsch et al., 2023)
    epsilon: float | None = None  # BY_ITEM: the metric tie threshold acc*_eq chose (metric units)
    all_tied: float | None = None  # BY_ITEM: a constant metric's accuracy (every pair tied): the share MQM ties
    spa: float | None = None  # SYSTEM: soft pairwise accuracy (Thompson et al., 2024)
    permutations: int = 0  # SYSTEM: paired permutations behind SPA's p-values


def correlate(metric: str, level: str, metric_values: Sequence[float], mqm_values: Sequence[float]) -> Correlation:
    """Correlation of one metric's values with the aligned MQM values (oriented as above)."""
    from scipy import stats

    if len(metric_values) != len(mqm_values):
        raise ValueError(f"{metric}: {plural(len(metric_values), 'metric value')} but {plural(len(mqm_values), 'MQM value')}")
    sign = 1.0 if HIGHER_IS_BETTER.get(metric, True) else -1.0
    xs = [sign * float(v) for v in metric_values]
    ys = [-float(v) for v in mqm_values]
    n = len(xs)
    if n < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return Correlation(metric, level, n, None, None, None, None)
    pearson = stats.pearsonr(xs, ys)
    kendall = stats.kendalltau(xs, ys, variant="b")
    return Correlation(metric, level, n, _number(pearson.statistic), _number(pearson.pvalue),
                       _number(kendall.statistic), _number(kendall.pvalue))


def segment_correlations(
    sentence_scores: Mapping[str, Mapping[str, Sequence[float]]], segment_mqm: Mapping[str, Sequence[float]]
) -> list[Correlation]:
    """``sentence_scores[metric][system]`` and ``segment_mqm[system]`` aligned segment by segment;
    pooled over the systems present in both."""
    out = []
    for metric, by_system in sentence_scores.items():
        xs: list[float] = []
        ys: list[float] = []
        for system, values in by_system.items():
            if system in segment_mqm:
                if len(values) != len(segment_mqm[system]):
                    raise ValueError(f"{metric} / {system}: {plural(len(values), 'sentence score')}, "
                                     f"{plural(len(segment_mqm[system]), 'MQM score')}")
                xs.extend(values)
                ys.extend(segment_mqm[system])
        out.append(correlate(metric, SEGMENT, xs, ys))
    return out


def item_correlations(
    sentence_scores: Mapping[str, Mapping[str, Sequence[float]]], segment_mqm: Mapping[str, Sequence[float]]
) -> list[Correlation]:
    """Group-by-item correlations (see the module docstring): inputs as for
    :func:`segment_correlations`; an empty list with fewer than 3 systems (nothing to rank)."""
    import numpy as np

    out = []
    for metric, by_system in sentence_scores.items():
        systems = [s for s in by_system if s in segment_mqm]
        if len(systems) < 3:
            continue
        sign = 1.0 if HIGHER_IS_BETTER.get(metric, True) else -1.0
        xs = sign * np.array([by_system[s] for s in systems], dtype=float).T  # segments × systems
        ys = -np.array([segment_mqm[s] for s in systems], dtype=float).T
        # defined where neither side is constant (tested exactly: a float mean of equal values may
        # leave rounding noise that would give Pearson a meaningless value)
        defined = (np.ptp(xs, axis=1) > 0) & (np.ptp(ys, axis=1) > 0)
        pearson, kendall = _rowwise_pearson(xs[defined], ys[defined]), _rowwise_kendall_b(xs[defined], ys[defined])
        out.append(Correlation(metric, BY_ITEM, int(defined.sum()),
                               _number(pearson.mean()) if defined.any() else None, None,
                               _number(kendall.mean()) if defined.any() else None, None))
    return out


def _rowwise_pearson(xs, ys):
    """Pearson's r of each row of xs with the same row of ys (NaN where a row is constant)."""
    import numpy as np

    dx, dy = xs - xs.mean(axis=1, keepdims=True), ys - ys.mean(axis=1, keepdims=True)
    denominator = np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (dx * dy).sum(axis=1) / denominator, np.nan)


def _rowwise_kendall_b(xs, ys):
    """Kendall's tau-b of each row pair: (concordant − discordant) / √(pairs untied in x · in y)."""
    import numpy as np

    i, j = np.triu_indices(xs.shape[1], k=1)
    sx, sy = np.sign(xs[:, i] - xs[:, j]), np.sign(ys[:, i] - ys[:, j])
    denominator = np.sqrt((sx != 0).sum(axis=1) * (sy != 0).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (sx * sy).sum(axis=1) / denominator, np.nan)


def pairwise_accuracy(metric: str, metric_values: Sequence[float], mqm_values: Sequence[float]) -> tuple[float | None, int]:
    """(accuracy, pairs): of the pairs of systems with different MQM, the share the metric orders as
    MQM does (lower MQM = better; TER lower = better); None when MQM tells no pair apart."""
    sign = 1.0 if HIGHER_IS_BETTER.get(metric, True) else -1.0
    agree = pairs = 0
    for a, b in combinations(range(len(metric_values)), 2):
        human = mqm_values[b] - mqm_values[a]  # > 0: a is better
        if human == 0:
            continue
        pairs += 1
        agree += (sign * (metric_values[a] - metric_values[b])) * human > 0
    return (agree / pairs if pairs else None), pairs


def system_correlations(
    corpus_scores: Mapping[str, Mapping[str, float]], system_mqm: Mapping[str, float]
) -> list[Correlation]:
    """``corpus_scores[metric][system]`` against ``system_mqm[system]`` over the common systems."""
    out = []
    for metric, by_system in corpus_scores.items():
        systems = [s for s in by_system if s in system_mqm]
        values, mqm = [by_system[s] for s in systems], [system_mqm[s] for s in systems]
        accuracy, pairs = pairwise_accuracy(metric, values, mqm)
        out.append(replace(correlate(metric, SYSTEM, values, mqm), accuracy=accuracy, pairs=pairs))
    return out


def meta_evaluate(
    correlations: Sequence[Correlation], sentence_scores: Mapping[str, Mapping[str, Sequence[float]]],
    segment_mqm: Mapping[str, Sequence[float]], *, permutations: int = SPA_PERMUTATIONS, seed: int = SPA_SEED,
) -> list[Correlation]:
    """``correlations`` (from the functions above, on the same inputs) with mt-metrics-eval's
    meta-evaluation added, ordered segment, by item, system: every metric with two systems or more
    gets a by-item row carrying ``accuracy`` (pairwise accuracy with ties), ``acc_eq`` and
    ``epsilon`` (see :func:`annotate.scoring.meta_eval.tie_calibrated_accuracy`), and its system
    row, if any, ``spa`` (:func:`annotate.scoring.meta_eval.soft_pairwise_accuracy`; the metric's
    segment scores, as mt-metrics-eval). Oriented as the correlations: −MQM, TER negated."""
    rows = {(c.metric, c.level): c for c in correlations}
    metrics = list(dict.fromkeys([*(c.metric for c in correlations), *sentence_scores]))
    for metric, by_system in sentence_scores.items():
        systems = [s for s in by_system if s in segment_mqm]
        if len(systems) < 2:
            continue
        sign = 1.0 if HIGHER_IS_BETTER.get(metric, True) else -1.0
        scores = [[sign * float(v) for v in by_system[s]] for s in systems]
        human = [[-float(v) for v in segment_mqm[s]] for s in systems]
        calibration = tie_calibrated_accuracy(human, scores)
        item = rows.get((metric, BY_ITEM)) or Correlation(metric, BY_ITEM, 0, None, None, None, None)
        rows[(metric, BY_ITEM)] = replace(item, accuracy=calibration.accuracy_at_zero, pairs=calibration.pairs,
                                          items=calibration.items, acc_eq=calibration.accuracy,
                                          epsilon=calibration.epsilon, all_tied=calibration.all_tied)
        if (metric, SYSTEM) in rows:
            spa = soft_pairwise_accuracy(human, scores, permutations=permutations, seed=seed)
            rows[(metric, SYSTEM)] = replace(rows[(metric, SYSTEM)], spa=spa.accuracy, permutations=permutations)
    return [rows[(m, level)] for level in (SEGMENT, BY_ITEM, SYSTEM) for m in metrics if (m, level) in rows]


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
