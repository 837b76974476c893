"""Paired significance of MT systems, 95% confidence intervals and WMT-style significance clusters.

* :func:`paired_test` wraps ``sacrebleu.significance.PairedTest``: every system against the first
  one (the baseline), by paired bootstrap resampling (``"bs"``, 1000 resamples) or approximate
  randomization (``"ar"``, 10,000 trials), with bootstrap 95% CIs; seeded by ``SACREBLEU_SEED``.
* :func:`metric_clusters` and :func:`mqm_clusters` group systems into significance clusters.
* :func:`score_interval` turns a score and its CI half-width into the interval shown to readers,
  clipped to the values the score can take (:data:`SCORE_RANGES`).

Cluster algorithm (as in the WMT findings papers' ranking tables, where systems a test cannot
separate share a cluster): sort systems best first. The best system opens cluster 1 and is its
*head*. Walk down the sorted list; a system joins the current cluster when the paired test cannot
tell it apart from the head (p ≥ alpha), otherwise it opens a new cluster and becomes its head.
Every member of a cluster is therefore "not significantly worse than the cluster's best", and
every cluster head is significantly worse than the previous cluster's head.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.scoring.metrics import (
    BLEU_NAME,
    CHRF_NAME,
    HIGHER_IS_BETTER,
    TER_NAME,
    Statistics,
    check_references,
    make_metrics,
)
from annotate.text import plural

if TYPE_CHECKING:
    import numpy as np

DEFAULT_ALPHA = 0.05
TEST_TYPES = ("bs", "ar")
# The values each score can take: BLEU and chrF++ are percentages, TER an edit rate with no upper
# bound, MQM ("MQM", as annotate.scoring.evaluate names it) a mean of error points, never negative.
SCORE_RANGES: dict[str, tuple[float, float]] = {
    BLEU_NAME: (0.0, 100.0), CHRF_NAME: (0.0, 100.0), TER_NAME: (0.0, math.inf), "MQM": (0.0, math.inf)}


@dataclass(frozen=True)
class PairedResult:
    """One system's score for one metric, with its p-value against the baseline (None for the
    baseline itself) and the bootstrap estimate ``mean ± ci`` (ci = half-width of the 95% CI)."""

    system: str
    metric: str
    score: float
    p_value: float | None
    mean: float | None
    ci: float | None

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """True if the system differs significantly from the baseline at level ``alpha``."""
        return self.p_value is not None and self.p_value < alpha


@dataclass
class SignificanceTable:
    """Results of one paired test: ``results[metric]`` lists systems in input order, baseline first."""

    test_type: str
    baseline: str
    signatures: dict[str, str]
    results: dict[str, list[PairedResult]] = field(default_factory=dict)

    def get(self, system: str, metric: str) -> PairedResult:
        """The result of ``system`` for ``metric``; KeyError names what is missing."""
        for result in self.results.get(metric, []):
            if result.system == system:
                return result
        raise KeyError(f"no {metric!r} result for system {system!r}")


def paired_test(
    systems: Sequence[tuple[str, Sequence[str]]],
    *,
    references: Sequence[Sequence[str]],
    test_type: str = "bs",
    n_samples: int = 0,
    trg_lang: str = "",
    statistics: Statistics | None = None,
) -> SignificanceTable:
    """Paired significance of every system against ``systems[0]`` (the baseline) for BLEU,
    chrF++ and TER with sacrebleu's PairedTest. ``n_samples=0`` keeps sacrebleu's defaults
    (1000 bootstrap resamples, 10,000 AR trials); AR results also get bootstrap CIs.
    ``statistics`` (already extracted for these systems and references) saves recomputing them.
    One deliberate difference from sacrebleu: a system whose score equals the baseline's gets
    p = 1 (see :func:`_tie_is_not_significant`)."""
    from sacrebleu.significance import PairedTest

    if test_type not in TEST_TYPES:
        raise ValueError(f"unknown test type {test_type!r}: use one of {TEST_TYPES}")
    if len(systems) < 2:
        raise ValueError("a paired test needs a baseline and at least one other system")
    names = [name for name, _ in systems]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate system names: {names}")
    streams = check_references(systems[0][1], references)
    for name, hyps in systems:
        if len(hyps) != len(streams[0]):
            raise ValueError(f"system {name!r} has {plural(len(hyps), 'segment')}, references have {len(streams[0])}")
    metrics = statistics.memo_metrics() if statistics is not None else make_metrics(trg_lang=trg_lang)
    test = PairedTest(
        [(name, list(hyps)) for name, hyps in systems],
        metrics,
        streams,
        test_type=test_type,
        n_samples=n_samples,
        n_ar_confidence=0 if test_type == "ar" else -1,  # 0 = bootstrap CIs with the default 1000
    )
    sigs, scores = test()
    table = SignificanceTable(test_type=test_type, baseline=names[0],
                              signatures={metric: str(sig) for metric, sig in sigs.items()})
    for metric, column in scores.items():
        if metric == "System":
            continue
        baseline_score = float(column[0].score)
        table.results[metric] = [
            PairedResult(system=name, metric=metric, score=float(res.score),
                         p_value=_tie_is_not_significant(res.p_value, float(res.score) - baseline_score),
                         mean=None if res.mean is None else float(res.mean),
                         ci=None if res.ci is None else float(res.ci))
            for name, res in zip(names, column)
        ]
    return table


def cluster_systems(
    scores: Mapping[str, float], *, higher_is_better: bool, differs: Callable[[str, str], bool]
) -> list[list[str]]:
    """Group systems into significance clusters (see the module docstring).

    ``differs(head, system)`` says whether ``system`` is significantly different from ``head``.
    Ties in score keep the input order.
    """
    order = sorted(scores, key=lambda name: scores[name], reverse=higher_is_better)
    clusters: list[list[str]] = []
    head = None
    for name in order:
        if head is not None and not differs(head, name):
            clusters[-1].append(name)
            continue
        clusters.append([name])
        head = name
    return clusters


def metric_clusters(
    statistics: Statistics, *, metric: str, alpha: float = DEFAULT_ALPHA, n_samples: int = 1000,
) -> list[list[str]]:
    """Significance clusters for one automatic metric (``"BLEU"``, ``"chrF2++"`` or ``"TER"``) of
    the systems in ``statistics``; heads are compared by :class:`PairedBootstrap`."""
    bootstrap = PairedBootstrap(statistics, metric=metric, n_samples=n_samples)
    return cluster_systems(bootstrap.scores, higher_is_better=HIGHER_IS_BETTER.get(metric, True),
                           differs=lambda head, other: bootstrap.p_value(head, other) < alpha)


class PairedBootstrap:
    """Paired bootstrap resampling between any two systems of ``statistics``, computed exactly as
    sacrebleu's ``"bs"`` PairedTest computes it (same seed, same resamples, same p-value
    estimator), but with each system's resampled scores computed once and reused for every pair,
    one resample at a time (sacrebleu's ``_bootstrap_resample`` holds every resample's statistics
    at once: scripts/bench_bootstrap.py measures both)."""

    def __init__(self, statistics: Statistics, *, metric: str, n_samples: int = 1000) -> None:
        import numpy as np

        from annotate.scoring.sacrebleu_adapter import score_from_segments

        self.metric = make_metrics(trg_lang=statistics.trg_lang).get(metric)
        if self.metric is None:
            raise KeyError(f"unknown metric {metric!r}; use one of {list(HIGHER_IS_BETTER)}")
        raw = statistics.stats[metric]
        self.scores = {name: float(score_from_segments(self.metric, s).score) for name, s in raw.items()}
        self._stats = {name: np.asarray(s, dtype="float32") for name, s in raw.items()}
        self._idxs = _bootstrap_indices(len(statistics.references[0]), n_samples)
        self._resampled: dict[str, Any] = {}

    def resampled(self, system: str) -> np.ndarray:
        """The system's score on every bootstrap resample."""
        import numpy as np

        from annotate.scoring.sacrebleu_adapter import score_from_sums

        if system not in self._resampled:
            stats = self._stats[system]
            self._resampled[system] = np.array(
                [score_from_sums(self.metric, stats[idx].sum(0)).score for idx in self._idxs])
        return self._resampled[system]

    def p_value(self, baseline: str, system: str) -> float:
        """p-value of the difference between ``system`` and ``baseline``."""
        from annotate.scoring.sacrebleu_adapter import p_value

        diffs = abs(self.resampled(system) - self.resampled(baseline))
        observed = abs(self.scores[baseline] - self.scores[system])
        return _tie_is_not_significant(p_value(diffs - diffs.mean(), observed), observed)


@dataclass(frozen=True)
class MQMSignificance:
    """One system's mean segment MQM with a bootstrap 95% CI and a paired approximate
    randomization p-value against the baseline (None for the baseline)."""

    system: str
    mean: float
    ci: float
    p_value: float | None


def mqm_paired_test(
    segment_scores: Mapping[str, Sequence[float]], *, baseline: str | None = None,
    n_trials: int = 10000, n_bootstrap: int = 1000,
) -> list[MQMSignificance]:
    """Paired two-sided approximate randomization test of mean segment MQM, every system against
    the baseline (default: the first system), on segment scores aligned across systems."""
    import numpy as np

    names = list(segment_scores)
    if not names:
        return []
    baseline = baseline if baseline is not None else names[0]
    arrays = {name: np.asarray(segment_scores[name], dtype="float64") for name in names}
    n = len(arrays[baseline])
    for name, values in arrays.items():
        if len(values) != n:
            raise ValueError(f"system {name!r} has {plural(len(values), 'segment score')}, baseline has {n}")
    rng = np.random.default_rng(_seed())
    flips = rng.integers(2, size=(n_trials, n), dtype=bool)
    counts = _bootstrap_counts(n, n_bootstrap)
    out = []
    for name in [baseline, *[x for x in names if x != baseline]]:
        values = arrays[name]
        boot = counts @ values / max(n, 1)
        ci = ci_half_width(boot)
        p_value = None
        if name != baseline:
            diff = values - arrays[baseline]
            shuffled = np.abs(np.where(flips, -diff, diff).mean(axis=1))
            p_value = _p_value_with_ties(shuffled, abs(diff.mean()))
        out.append(MQMSignificance(system=name, mean=float(values.mean()) if n else 0.0, ci=ci, p_value=p_value))
    return out


def mqm_clusters(
    segment_scores: Mapping[str, Sequence[float]], *, alpha: float = DEFAULT_ALPHA, n_trials: int = 10000
) -> list[list[str]]:
    """Significance clusters by MQM (lower is better), heads compared by paired AR."""
    import numpy as np

    means = {name: float(np.mean(values)) if len(values) else 0.0 for name, values in segment_scores.items()}

    def differs(head: str, other: str) -> bool:
        pair = {head: segment_scores[head], other: segment_scores[other]}
        result = mqm_paired_test(pair, baseline=head, n_trials=n_trials, n_bootstrap=1)
        return result[1].p_value is not None and result[1].p_value < alpha

    return cluster_systems(means, higher_is_better=False, differs=differs)


def _seed() -> int | None:
    seed = os.environ.get("SACREBLEU_SEED", "12345")  # the same seed variable sacrebleu honours
    return None if seed.lower() == "none" else int(seed)


def _bootstrap_indices(n: int, n_samples: int) -> np.ndarray:
    """The resampled segment indices sacrebleu's paired bootstrap draws with the same seed."""
    import numpy as np

    return np.random.default_rng(_seed()).choice(n, size=(n_samples, n), replace=True)


def _bootstrap_counts(n: int, n_samples: int) -> np.ndarray:
    """How many times each segment is drawn in each resample, as a (n_samples × n) matrix."""
    import numpy as np

    return np.concatenate(list(bootstrap_count_chunks(n, n_samples)))


# Resamples drawn at once by bootstrap_count_chunks: bounds its memory to ~(16 × n) numbers.
_CHUNK_RESAMPLES = 16


def bootstrap_count_chunks(n: int, n_samples: int) -> Iterator[np.ndarray]:
    """sacrebleu's bootstrap draws (the seeded ``rng.choice(n, size=(n_samples, n))`` of its
    ``_bootstrap_resample``) as per-resample segment counts, a few resamples at a time: the same
    draws in the same order, in O(n) memory instead of O(n_samples × n)."""
    import numpy as np

    rng = np.random.default_rng(_seed())
    for first in range(0, n_samples, _CHUNK_RESAMPLES):
        rows = min(_CHUNK_RESAMPLES, n_samples - first)
        idxs = rng.choice(n, size=(rows, n), replace=True)
        idxs += np.arange(rows)[:, None] * n  # one bincount for the whole chunk
        yield np.bincount(idxs.ravel(), minlength=rows * n).reshape(rows, n).astype("float32")


def resampled_sums(matrices: Sequence[Any], n_samples: int = 1000) -> list[np.ndarray]:
    """For each (n × k) matrix of per-segment statistics, its column sums on each bootstrap
    resample of its n rows: an (n_samples × k) array each, in input order. The resamples are
    sacrebleu's (same seed, same draws), so a metric's scores on these sums are the ones
    ``corpus_score(n_bootstrap=n_samples)`` resamples; matrices with the same n share the draws,
    as separate sacrebleu calls would. Kept instead of sacrebleu's ``_bootstrap_resample`` for its
    memory and speed (scripts/bench_bootstrap.py)."""
    import numpy as np

    arrays = [np.asarray(m) for m in matrices]
    if any(len(a) == 0 or a.ndim != 2 for a in arrays):
        raise ValueError(f"need (segments × statistics) matrices with segments, got shapes {[a.shape for a in arrays]}")
    sums: list[list[np.ndarray]] = [[] for _ in arrays]
    for n in sorted({len(a) for a in arrays}):
        # each in its own precision: float32 statistics as sacrebleu sums them (and no float64
        # copy of them), float64 MQM scores
        same_n = [(out, array) for out, array in zip(sums, arrays) if len(array) == n]
        for counts in bootstrap_count_chunks(n, n_samples):
            for out, array in same_n:
                out.append(counts @ array)
    return [np.concatenate(parts) for parts in sums]


def corpus_ci(statistics: Statistics, metric: str, system: str, n_samples: int = 1000) -> float:
    """Half-width of the 95% bootstrap CI of ``system``'s corpus ``metric``, on the resamples
    sacrebleu's ``corpus_score(n_bootstrap=n_samples)`` and PairedTest's baseline draw (same
    ``SACREBLEU_SEED``) — for a system that no paired test covers."""
    from annotate.scoring.sacrebleu_adapter import score_from_sums

    scorer = make_metrics(trg_lang=statistics.trg_lang)[metric]
    (sums,) = resampled_sums([statistics.stats[metric][system]], n_samples)
    return ci_half_width([score_from_sums(scorer, row).score for row in sums])


def score_interval(metric: str, score: float, half_width: float | None) -> tuple[float, float] | None:
    """The 95% CI shown for ``score``: ``score ± half_width`` (sacrebleu's convention, as
    ``sacrebleu -ci`` prints it) clipped to the metric's :data:`SCORE_RANGES`, so that a
    near-perfect BLEU never gets an upper bound above 100 nor a near-zero TER a negative lower bound
    (every resampled score lies in the range; only the symmetric ± around the score leaves it).
    None when there is no CI; KeyError for a metric without a known range."""
    if half_width is None:
        return None
    lowest, highest = SCORE_RANGES[metric]
    # both ends clipped into the range: a score a rounding error past 100 still gets low <= high
    return min(highest, max(lowest, score - half_width)), max(lowest, min(highest, score + half_width))


def ci_half_width(samples: Any) -> float:
    """Half-width of the central 95% of bootstrap samples: sacrebleu's ``estimate_ci``."""
    import numpy as np
    from sacrebleu.significance import estimate_ci

    return float(estimate_ci(np.asarray(samples))[1])


def _tie_is_not_significant(p_value: float | None, observed_difference: float) -> float | None:
    """p = 1 when the two scores are equal. sacrebleu counts resampled differences strictly
    greater than the observed one, so two systems with identical output (every resampled
    difference 0) get p = 1/(n+1): "significantly different". No difference is no evidence of one."""
    return 1.0 if p_value is not None and observed_difference == 0 else p_value


def _p_value_with_ties(samples: Any, observed: float) -> float:
    """(count + 1) / (n + 1) of resampled statistics at least the observed one. sacrebleu's paired
    tests count strictly greater ones (``sacrebleu_adapter.p_value``, for its exact numbers); the
    MQM test counts ties too, so two identical systems get p = 1 instead of a spurious p ≈ 0 —
    ties are common with integer-valued MQM penalties."""
    import numpy as np

    return float((np.sum(samples >= observed - 1e-12) + 1) / (len(samples) + 1))
