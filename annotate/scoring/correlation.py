"""Correlation between automatic metrics and human MQM, at segment and system level.

Sign convention: both sides are oriented so that **higher = better** before correlating — the
human side is −MQM (MQM is a penalty) and TER is negated (an edit rate) — so a positive
coefficient always means the metric agrees with the humans.

* segment level: all (system, segment) pairs pooled ("no grouping"), sentence-level metric vs the
  segment's −MQM;
* system level: corpus metric vs the system's −MQM (mean over segments).

Pearson's r and Kendall's tau-b come from scipy.stats, with their p-values; a constant input
(where a correlation is undefined) gives None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from annotate.scoring.metrics import HIGHER_IS_BETTER


@dataclass(frozen=True)
class Correlation:
    """Pearson and Kendall correlation of one metric with −MQM at one level."""

    metric: str
    level: str  # "segment" | "system"
    n: int
    pearson: float | None
    pearson_p: float | None
    kendall: float | None
    kendall_p: float | None


def correlate(metric: str, level: str, metric_values: Sequence[float], mqm_values: Sequence[float]) -> Correlation:
    """Correlation of one metric's values with the aligned MQM values (oriented as above)."""
    from scipy import stats

    if len(metric_values) != len(mqm_values):
        raise ValueError(f"{metric}: {len(metric_values)} metric values but {len(mqm_values)} MQM values")
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
                    raise ValueError(f"{metric} / {system}: {len(values)} sentence scores, "
                                     f"{len(segment_mqm[system])} MQM scores")
                xs.extend(values)
                ys.extend(segment_mqm[system])
        out.append(correlate(metric, "segment", xs, ys))
    return out


def system_correlations(
    corpus_scores: Mapping[str, Mapping[str, float]], system_mqm: Mapping[str, float]
) -> list[Correlation]:
    """``corpus_scores[metric][system]`` against ``system_mqm[system]`` over the common systems."""
    out = []
    for metric, by_system in corpus_scores.items():
        systems = [s for s in by_system if s in system_mqm]
        out.append(correlate(metric, "system", [by_system[s] for s in systems], [system_mqm[s] for s in systems]))
    return out


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
