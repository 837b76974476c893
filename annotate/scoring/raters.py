"""Rater effects in MQM: who rated what, how strict each rater is, and each system's MQM adjusted for
the mix of raters it happened to get.

Raters differ in strictness, and WMT-style MQM campaigns give each (system, segment) to one rater of a
pool without balancing the pool across systems: in the WMT21 TED en→de file, rater4 rated 63% of
Nemo's segments but 25% of UEdin's. A system rated mostly by a strict rater looks worse than it is,
and no per-system mean can tell. This module fits the additive model

    score(system, segment, rater) = α_system + β_rater + ε

by weighted least squares (each rated (system, segment) weighs 1 in total, as in the system score: a
segment with two raters gives each rating ½). The **rater-adjusted MQM** of a system is
``α_system + Σ_r w_r β_r``, with ``w_r`` the share of all rating weight given by rater ``r``: the
system's score had its segments been rated by the pool's overall mix. With a balanced design (every
system rated by the same mix) it equals the plain MQM exactly; the gap between the two is what the
rater mix did. A rater's **offset** is ``β_r − Σ_r w_r β_r``: MQM points per segment above (stricter)
or below (more lenient) the pool, the systems' quality held fixed. The model is estimable when the
system–rater graph is connected (every system shares raters, directly or through others) and at
least two raters took part. It is a sensitivity check, not a replacement for MQM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from annotate.records import SegmentRating
from annotate.scoring.mqm import MQMResult

MAJOR = "Major"


@dataclass(frozen=True)
class RaterStats:
    """What one rater did. ``mean_mqm`` is raw (it depends on which systems they got); ``offset``
    is the model's strictness estimate (None when the model could not be fitted)."""

    rater: str
    ratings: int  # (system, segment) pairs rated
    errors: int
    major_errors: int
    mean_mqm: float
    offset: float | None = None

    @property
    def errors_per_rating(self) -> float:
        return self.errors / self.ratings if self.ratings else 0.0

    @property
    def major_share(self) -> float | None:
        """Share of this rater's errors that are Major (None without errors)."""
        return self.major_errors / self.errors if self.errors else None


@dataclass
class RaterReport:
    """Per-rater statistics, each system's rater mix, and the rater-adjusted system MQM."""

    raters: list[RaterStats]
    # system → rater → share of the system's rated segments (rating weight) given by that rater
    mix: dict[str, dict[str, float]]
    adjusted: dict[str, float] = field(default_factory=dict)  # system → rater-adjusted MQM (empty: not estimable)
    not_estimable: str = ""  # why there is no adjustment, when there is none

    @property
    def balanced(self) -> bool:
        """Whether every system got the same rater mix (to 0.1 percentage points)."""
        mixes = list(self.mix.values())
        raters = {rater for mix in mixes for rater in mix}
        return all(abs(mix.get(r, 0.0) - mixes[0].get(r, 0.0)) < 1e-3 for mix in mixes for r in raters)


def rater_report(ratings: Iterable[SegmentRating], mqm: MQMResult) -> RaterReport:
    """Rater statistics from the ratings MQM was computed from (same statuses) and ``mqm`` itself."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # rater → [errors, major errors]
    for rating in ratings:
        tally = counts[rating.rater]
        tally[0] += len(rating.errors)
        tally[1] += sum(1 for error in rating.errors if error.severity == MAJOR)
    given: dict[str, list[float]] = defaultdict(list)
    mix_weight: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for segment in mqm.segments:
        for rater, score in segment.rater_scores.items():
            given[rater].append(score)
            mix_weight[segment.system][rater] += 1.0 / len(segment.rater_scores)
    mix = {system: {rater: weight / mqm.n_segments[system] for rater, weight in sorted(by_rater.items())}
           for system, by_rater in mix_weight.items()}
    adjusted, offsets, why = _fit(mqm)
    raters = [RaterStats(rater=rater, ratings=len(given[rater]), errors=counts[rater][0],
                         major_errors=counts[rater][1], mean_mqm=sum(given[rater]) / len(given[rater]),
                         offset=offsets.get(rater))
              for rater in sorted(given)]
    return RaterReport(raters=raters, mix=mix, adjusted=adjusted, not_estimable=why)


def _fit(mqm: MQMResult) -> tuple[dict[str, float], dict[str, float], str]:
    """(adjusted system MQM, rater offsets, why not) by weighted least squares; see the module doc."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.linalg import lsqr

    systems = sorted({segment.system for segment in mqm.segments})
    raters = sorted({rater for segment in mqm.segments for rater in segment.rater_scores})
    if len(raters) < 2:
        return {}, {}, "one rater: there is no rater effect to separate"
    units = [(segment.system, rater, (segment.doc_id, segment.seg_id)) for segment in mqm.segments
             for rater in segment.rater_scores]
    if not _connected([(s, r) for s, r, _ in units]) or not _connected([(s, g) for s, _, g in units]):
        return {}, {}, "the systems share too few raters or segments to tell rater from system"
    segment_keys = sorted({g for _, _, g in units})
    system_index = {s: i for i, s in enumerate(systems)}
    rater_index = {r: i for i, r in enumerate(raters)}
    segment_index = {g: i for i, g in enumerate(segment_keys)}
    system_col = np.array([system_index[s] for s, _, _ in units])
    rater_col = np.array([rater_index[r] for _, r, _ in units])
    segment_col = np.array([segment_index[g] for _, _, g in units])
    y = np.array([score for segment in mqm.segments for score in segment.rater_scores.values()])
    weight = np.array([1.0 / len(segment.rater_scores) for segment in mqm.segments for _ in segment.rater_scores])
    # columns: every system, then every rater, then every segment (one 1 of each per row, weighted)
    columns = np.stack([system_col, len(systems) + rater_col, len(systems) + len(raters) + segment_col], axis=1)
    root = np.sqrt(weight)
    design = csr_matrix((np.repeat(root, 3), columns.ravel(), np.arange(0, 3 * len(units) + 1, 3)),
                        shape=(len(units), len(systems) + len(raters) + len(segment_keys)))
    # Over-parametrised on purpose (no reference levels): lsqr returns the minimum-norm solution, and
    # every quantity below is a contrast that does not depend on which solution it is.
    solution = lsqr(design, y * root, atol=1e-12, btol=1e-12, iter_lim=100_000)[0]
    alpha = solution[:len(systems)]
    beta = solution[len(systems):len(systems) + len(raters)]
    gamma = solution[len(systems) + len(raters):]
    rater_share = np.bincount(rater_col, weights=weight, minlength=len(raters)) / weight.sum()
    segment_share = np.bincount(segment_col, weights=weight, minlength=len(segment_keys)) / weight.sum()
    pool = float(rater_share @ beta)
    level = pool + float(segment_share @ gamma)
    adjusted = {system: float(alpha[i]) + level for i, system in enumerate(systems)}
    return adjusted, {rater: float(beta[i]) - pool for i, rater in enumerate(raters)}, ""


def _connected(edges: list[tuple[object, object]]) -> bool:
    """Whether the bipartite graph of these (left, right) edges is connected (scipy's csgraph)."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    left = {node: i for i, node in enumerate(dict.fromkeys(node for node, _ in edges))}
    right = {node: len(left) + i for i, node in enumerate(dict.fromkeys(node for _, node in edges))}
    size = len(left) + len(right)
    graph = coo_matrix((np.ones(len(edges)), ([left[a] for a, _ in edges], [right[b] for _, b in edges])),
                       shape=(size, size))
    return connected_components(graph, directed=False)[0] == 1
