"""ESA system scores as WMT24 computed them, with 95% CIs, pairwise significance, rank ranges and
clusters.

Followed: wmt-conference/wmt24-news-systems ``humeval/tools.py`` (``load_data``,
``weighted_wilcoxon_signed_rank_test``, ``get_pvalues``, ``get_ranks``, ``get_clusters``) and
``humeval/calculate_clusters.py`` (per-domain means, then their mean), the scripts behind the WMT24
findings' human rankings; ``humeval/merge_to_jsonl.py`` for the document marks.

The rules, in order (:func:`apply_wmt24_rules`):

1. only ``TGT`` rows (``BAD`` attention checks, ``REF``/``CHK`` items dropped);
2. tutorial items dropped (a system or document naming a tutorial: ``ende-tutorial1``);
3. documents marked ``#bad``, ``#dup`` (filler that repeats a document) or ``#incomplete`` (filler
   that completes an annotator's batch) dropped;
4. of an annotator's ratings of one item (language pair, system, document, segment), the latest
   (largest end time; in a tie or without times, the later in the input) is kept: annotators may go
   back and change their mind. Items are the same item across files (waves).

Then (:func:`item_scores`, :func:`system_scores`): an item's score is the mean of its annotators'
ratings; a system's score in a domain is the mean of its items there; its score is the mean over
the domains it has items in (a macro-average: each domain weighs the same, however many segments
it has). The domain is WMT24 JSON Lines' ``domain`` or is read from the doc_id (``test-en-news_…``
→ ``news``).

Significance (:func:`paired_p_value`): for two systems, their items in common (same document and
segment), per domain the Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, two-sided, scipy's
defaults, as WMT24) on the paired differences, the domains' p-values combined with Stouffer's method
(:func:`stouffer`). Rank ranges (:func:`rank_ranges`): a system's best rank is 1 + the systems
significantly better than it, its worst rank the count of systems minus those it is significantly
better than. Clusters (:func:`clusters`): WMT24's ``get_clusters``: in score order, a cluster goes
on while some member is not significantly different from a later system (p >= alpha), so systems
chained by "not significantly different" share a cluster. (That is not
:func:`annotate.scoring.significance.cluster_systems`, which compares each system with its
cluster's head only; WMT24's rule is kept here so that clusters match the published ones.)

CIs: stratified bootstrap over segments: each domain's items resampled with replacement
(``n_bootstrap`` times, numpy's generator seeded with ``seed``, one fresh generator per system, so
a system's CI does not depend on the others), the macro-average recomputed on each resample; the
half-width of the central 95% is :func:`annotate.scoring.significance.ci_half_width`, the estimate
sacrebleu and the rest of this tool use (shown as score ± half-width).

What WMT24 also did and this module does not: it scored a language pair only with 100 or more
ratings per system on average, and counted ties in score with p < 0.05 as losses in the rank
ranges (here neither side wins).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from annotate.esa.records import TARGET, ESARating
from annotate.scoring.significance import DEFAULT_ALPHA, ci_half_width
from annotate.text import plural

DEFAULT_BOOTSTRAP = 1000
DEFAULT_SEED = 12345  # sacrebleu's default SACREBLEU_SEED, as the rest of the tool's bootstraps


@dataclass
class RuleCounts:
    """How many ratings each WMT24 rule dropped (each rating counted under the first rule that
    drops it), and how many were kept."""

    not_target: int = 0
    tutorial: int = 0
    bad: int = 0
    dup: int = 0
    incomplete: int = 0
    superseded: int = 0
    kept: int = 0

    @property
    def dropped(self) -> int:
        return self.not_target + self.tutorial + self.bad + self.dup + self.incomplete + self.superseded

    def describe(self) -> str:
        """``kept 12 ratings; dropped 2 not TGT, 1 tutorial, …`` (rules that dropped nothing left out)."""
        parts = [f"{count} {what}" for count, what in (
            (self.not_target, "not TGT"), (self.tutorial, "tutorial"), (self.bad, "in #bad documents"),
            (self.dup, "in #dup documents"), (self.incomplete, "in #incomplete documents"),
            (self.superseded, "superseded by the annotator's later rating")) if count]
        kept = f"kept {plural(self.kept, 'rating')}"
        return f"{kept}; dropped {', '.join(parts)}" if parts else kept


ItemKey = tuple[str, str, str, int]  # langs, system, doc_id, segment_id


def item_key(rating: ESARating) -> ItemKey:
    """What one item is: a system's translation of one segment of one document, in one pair."""
    return (rating.langs, rating.system, rating.doc_id, rating.segment_id)


def apply_wmt24_rules(ratings: Iterable[ESARating]) -> tuple[list[ESARating], RuleCounts]:
    """The ratings WMT24 scores (in input order) and what each rule dropped (see the module
    docstring for the rules)."""
    counts = RuleCounts()
    latest: dict[tuple[str, ItemKey], tuple[float, int, ESARating]] = {}
    for position, rating in enumerate(ratings):
        if rating.segment_type != TARGET:
            counts.not_target += 1
            continue
        if rating.is_tutorial:
            counts.tutorial += 1
            continue
        flag = rating.doc_flag
        if flag is not None:
            name = flag.removeprefix("#")  # one of DOC_FLAGS: bad, dup, incomplete
            setattr(counts, name, getattr(counts, name) + 1)
            continue
        key = (rating.annotator, item_key(rating))
        when = (-math.inf if rating.end_time is None else rating.end_time, position, rating)
        previous = latest.get(key)
        if previous is not None:
            counts.superseded += 1
            if (previous[0], previous[1]) > (when[0], when[1]):
                continue
        latest[key] = when
    kept = [rating for _, _, rating in sorted(latest.values(), key=lambda entry: entry[1])]
    counts.kept = len(kept)
    return kept, counts


@dataclass(frozen=True)
class ItemScore:
    """An item's score: the mean of its annotators' (latest) ratings."""

    langs: str
    system: str
    doc_id: str
    segment_id: int
    domain: str
    score: float
    n_ratings: int


def item_scores(ratings: Iterable[ESARating]) -> list[ItemScore]:
    """One score per item (the mean over annotators), in order of first appearance; ``ratings``
    already through :func:`apply_wmt24_rules`."""
    grouped: dict[ItemKey, list[ESARating]] = {}
    for rating in ratings:
        grouped.setdefault(item_key(rating), []).append(rating)
    return [ItemScore(langs, system, doc_id, segment_id, group[0].domain_name,
                      math.fsum(r.score for r in group) / len(group), len(group))
            for (langs, system, doc_id, segment_id), group in grouped.items()]


def domain_scores(items: Iterable[ItemScore]) -> dict[str, dict[str, dict[str, float]]]:
    """``{langs: {system: {domain: mean item score}}}``."""
    values: dict[str, dict[str, dict[str, list[float]]]] = {}
    for item in items:
        values.setdefault(item.langs, {}).setdefault(item.system, {}).setdefault(item.domain, []).append(item.score)
    return {langs: {system: {domain: math.fsum(v) / len(v) for domain, v in by_domain.items()}
                    for system, by_domain in systems.items()}
            for langs, systems in values.items()}


def system_scores(items: Iterable[ItemScore]) -> dict[str, dict[str, float]]:
    """``{langs: {system: score}}``: each system's macro-average over its domains."""
    return {langs: {system: math.fsum(by_domain.values()) / len(by_domain) for system, by_domain in systems.items()}
            for langs, systems in domain_scores(items).items()}


def stouffer(p_values: Sequence[float]) -> float:
    """Combine independent tests' p-values with Stouffer's Z-score method, unweighted, as WMT24's
    ``weighted_wilcoxon_signed_rank_test`` does: each p becomes ``z = Φ⁻¹(1 − p)`` (the standard
    normal quantile; computed as ``norm.isf(p)``, exact for tiny p), the combined statistic is
    ``Z = Σ z / √k`` for k tests, and the combined p-value ``1 − Φ(Z)`` (``norm.sf(Z)``).

    Every test weighs the same (a domain with 10 segments as much as one with 500). Properties of
    WMT24's use worth knowing: the p-values it combines are two-sided, so the combination does
    not check that the domains agree on which system is better, and a test with p = 1 gives
    z = −∞, hence a combined p of 1 whatever the others say. p-values are clipped below at the
    smallest positive float so that a p of 0 gives a finite z. An empty list gives 1.0 (no test,
    no evidence)."""
    from scipy.stats import norm

    if not p_values:
        return 1.0
    z_scores = [float(norm.isf(max(p, 2.2250738585072014e-308))) for p in p_values]
    combined = math.fsum(z_scores) / math.sqrt(len(z_scores))
    return float(norm.sf(combined))


def wilcoxon_p(differences: Sequence[float]) -> float:
    """Two-sided p-value of ``scipy.stats.wilcoxon`` on paired differences, with scipy's defaults
    (as WMT24 calls it). Differences that are all zero (no evidence of a difference; older scipy
    refuses them) give 1.0, and so does a NaN p-value; scipy's warnings about ties and small
    samples are silenced, as WMT24 silenced them."""
    from scipy.stats import wilcoxon

    if not differences or all(d == 0 for d in differences):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_value = float(wilcoxon(list(differences), alternative="two-sided").pvalue)
    return 1.0 if math.isnan(p_value) else p_value


def paired_p_value(a: Mapping[tuple[str, int], tuple[str, float]],
                   b: Mapping[tuple[str, int], tuple[str, float]]) -> float:
    """p-value of the difference between two systems: ``a``/``b`` map (doc_id, segment_id) to
    (domain, item score). On the items both have, per domain :func:`wilcoxon_p` of the paired
    differences, combined over the domains with :func:`stouffer`. No item in common: 1.0."""
    by_domain: dict[str, list[float]] = {}
    for key, (domain, score_a) in a.items():
        if key in b:
            by_domain.setdefault(domain, []).append(score_a - b[key][1])
    return stouffer([wilcoxon_p(by_domain[domain]) for domain in sorted(by_domain)])


def rank_ranges(order: Sequence[str], scores: Mapping[str, float], differs: Callable[[str, str], bool]
                ) -> dict[str, tuple[int, int, int, int]]:
    """WMT24's ``get_ranks``: for each system (best rank, worst rank, wins, losses), where a win is
    a system it is significantly better than (``differs`` and a higher score), a loss one
    significantly better than it; best = losses + 1, worst = number of systems − wins."""
    out = {}
    for system in order:
        wins = losses = 0
        for other in order:
            if other == system or not differs(system, other):
                continue
            if scores[system] > scores[other]:
                wins += 1
            elif scores[system] < scores[other]:
                losses += 1
        out[system] = (losses + 1, len(order) - wins, wins, losses)
    return out


def clusters(order: Sequence[str], differs: Callable[[str, str], bool]) -> dict[str, int]:
    """WMT24's ``get_clusters`` on systems sorted best first: cluster numbers from 1. A cluster ends
    after a system when no member of the cluster up to it is tied (not significantly different)
    with a system ranked below it."""
    out: dict[str, int] = {}
    reach = -1  # the lowest-ranked system tied with a member of the current cluster
    cluster = 1
    for i, system in enumerate(order):
        if reach <= i:
            reach = -1
        for j in range(i + 1, len(order)):
            if not differs(system, order[j]):
                reach = max(reach, j)
        out[system] = cluster
        if reach == -1:
            cluster += 1
    return out


def bootstrap_ci(by_domain: Mapping[str, Sequence[float]], *, n_samples: int = DEFAULT_BOOTSTRAP,
                 seed: int = DEFAULT_SEED) -> float:
    """Half-width of the 95% CI of a macro-averaged score: each domain's item scores resampled with
    replacement ``n_samples`` times (one generator seeded with ``seed``), the mean of the domain
    means on each resample, :func:`~annotate.scoring.significance.ci_half_width` of those. 0.0
    for ``n_samples`` 0."""
    import numpy as np

    if n_samples <= 0 or not by_domain:
        return 0.0
    rng = np.random.default_rng(seed)
    total = np.zeros(n_samples)
    for domain in sorted(by_domain):
        values = np.asarray(by_domain[domain], dtype="float64")
        draws = rng.integers(0, len(values), size=(n_samples, len(values)))
        total += values[draws].mean(axis=1)
    return ci_half_width(total / len(by_domain))


@dataclass
class SystemESA:
    """One system's ESA result in one language pair."""

    system: str
    score: float
    ci: float
    n_items: int
    n_ratings: int
    domains: dict[str, float]
    rank: tuple[int, int] = (0, 0)
    cluster: int = 0
    wins: int = 0
    losses: int = 0


@dataclass
class PairESA:
    """A language pair's systems, best first, and every pair's p-value (both orders)."""

    langs: str
    systems: list[SystemESA]
    p_values: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def domains(self) -> list[str]:
        return sorted({domain for system in self.systems for domain in system.domains})


@dataclass
class ESAScores:
    """Everything :func:`score_esa` computes."""

    pairs: dict[str, PairESA]
    counts: RuleCounts
    alpha: float = DEFAULT_ALPHA
    n_bootstrap: int = DEFAULT_BOOTSTRAP
    seed: int = DEFAULT_SEED

    def to_json_dict(self) -> dict[str, dict[str, float]]:
        """``{"<src>-<tgt>": {"<system>": score, …}, …}``, best system first."""
        return {langs: {s.system: s.score for s in pair.systems} for langs, pair in self.pairs.items()}


def score_esa(ratings: Iterable[ESARating], *, alpha: float = DEFAULT_ALPHA, n_bootstrap: int = DEFAULT_BOOTSTRAP,
              seed: int = DEFAULT_SEED) -> ESAScores:
    """WMT24's rules, scores, CIs, p-values, rank ranges and clusters of every language pair (in
    order of first appearance). ValueError when no rating is left once the rules are applied."""
    kept, counts = apply_wmt24_rules(ratings)
    if not kept:
        raise ValueError(f"no ESA rating left to score once WMT24's rules are applied ({counts.describe()})")
    items = item_scores(kept)
    per_domain = domain_scores(items)
    pairs: dict[str, PairESA] = {}
    for langs, systems in per_domain.items():
        lp_items = [item for item in items if item.langs == langs]
        by_system: dict[str, dict[tuple[str, int], tuple[str, float]]] = {}
        ratings_count: dict[str, int] = {}
        for item in lp_items:
            by_system.setdefault(item.system, {})[(item.doc_id, item.segment_id)] = (item.domain, item.score)
            ratings_count[item.system] = ratings_count.get(item.system, 0) + item.n_ratings
        results = []
        for system, domains in systems.items():
            values: dict[str, list[float]] = {}
            for domain, score in by_system[system].values():
                values.setdefault(domain, []).append(score)
            results.append(SystemESA(system=system, score=math.fsum(domains.values()) / len(domains),
                                     ci=bootstrap_ci(values, n_samples=n_bootstrap, seed=seed),
                                     n_items=len(by_system[system]), n_ratings=ratings_count[system],
                                     domains=dict(sorted(domains.items()))))
        results.sort(key=lambda r: (-r.score, r.system))
        order = [r.system for r in results]
        p_values: dict[tuple[str, str], float] = {}
        for i, first in enumerate(order):
            for second in order[i + 1:]:
                # two-sided per domain: the same p-value both ways (WMT24 computes both)
                p_values[(first, second)] = p_values[(second, first)] = paired_p_value(by_system[first],
                                                                                       by_system[second])

        def differs(x: str, y: str) -> bool:
            return p_values[(x, y)] < alpha

        scores = {r.system: r.score for r in results}
        ranks = rank_ranges(order, scores, differs)
        cluster_of = clusters(order, differs)
        for result in results:
            best, worst, result.wins, result.losses = ranks[result.system]
            result.rank = (best, worst)
            result.cluster = cluster_of[result.system]
        pairs[langs] = PairESA(langs=langs, systems=results, p_values=p_values)
    return ESAScores(pairs=pairs, counts=counts, alpha=alpha, n_bootstrap=n_bootstrap, seed=seed)
