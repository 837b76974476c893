"""WMT24's ESA scoring rules, computed by hand on tests/data/esa/wave.csv, and the significance,
rank ranges and clusters (Wilcoxon + Stouffer checked against scipy on a tiny case).

wave.csv, the rows that count (u1, u2: annotators; doc1 is news, doc2 social)::

    A  doc1#1  u1 80, u2 100  → 90      B  doc1#1  u1 70
    A  doc1#2  u1 60 (latest) → 60      B  doc1#2  u1 50
    A  doc2#3  u1 90                    B  doc2#3  u1 40
    A: news (90 + 60) / 2 = 75, social 90 → (75 + 90) / 2 = 82.5   (a plain mean of items: 80)
    B: news (70 + 50) / 2 = 60, social 40 → (60 + 40) / 2 = 50     (a plain mean of items: 53.33)

and every other row is dropped by one rule (the table in test_each_rule_drops_its_row says what
each would change if it counted).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

from annotate.esa import ESARating, read_esa_file
from annotate.esa.scoring import (
    apply_wmt24_rules,
    bootstrap_ci,
    clusters,
    domain_scores,
    item_scores,
    paired_p_value,
    rank_ranges,
    score_esa,
    stouffer,
    system_scores,
    wilcoxon_p,
)

DATA = Path(__file__).parent / "data" / "esa"
WAVE = DATA / "wave.csv"
EXPECTED = {"eng-ces": {"A": 82.5, "B": 50.0}, "eng-deu": {"C": 70.0, "D": 65.0}}


def test_rules_counts_and_kept_rows():
    ratings = read_esa_file(WAVE)
    kept, counts = apply_wmt24_rules(ratings)
    assert (counts.not_target, counts.tutorial, counts.bad, counts.dup, counts.incomplete, counts.superseded,
            counts.kept) == (2, 2, 1, 1, 1, 1, 9)
    assert [(r.annotator, r.system, r.segment_id, r.score) for r in kept] == [
        ("u1", "A", 1, 80), ("u1", "A", 2, 60), ("u1", "A", 3, 90), ("u2", "A", 1, 100), ("u1", "B", 1, 70),
        ("u1", "B", 2, 50), ("u1", "B", 3, 40), ("u3", "C", 1, 70), ("u3", "D", 1, 65)]
    assert counts.describe() == ("kept 9 ratings; dropped 2 not TGT, 2 tutorial, 1 in #bad documents, 1 in #dup "
                                 "documents, 1 in #incomplete documents, 1 superseded by the annotator's later rating")


def test_per_domain_means_then_macro_average():
    kept, _ = apply_wmt24_rules(read_esa_file(WAVE))
    items = item_scores(kept)
    a1 = next(i for i in items if (i.system, i.segment_id) == ("A", 1))
    assert (a1.score, a1.n_ratings, a1.domain) == (90.0, 2, "news")  # mean of its annotators
    assert domain_scores(items) == {
        "eng-ces": {"A": {"news": 75.0, "social": 90.0}, "B": {"news": 60.0, "social": 40.0}},
        "eng-deu": {"C": {"news": 70.0}, "D": {"news": 65.0}}}
    assert system_scores(items) == EXPECTED
    assert score_esa(read_esa_file(WAVE)).to_json_dict() == EXPECTED  # keys: the pair as the file names it


def test_wmt24_jsonl_scores_the_same():
    # the same ratings in WMT24's JSON Lines, two-letter codes, domains from the "domain" field
    # (doc_ids "doc1"/"doc2" name none) and the superseded rating decided by "times"
    assert score_esa(read_esa_file(DATA / "wmt24.jsonl")).to_json_dict() == {"en-cs": {"A": 82.5, "B": 50.0}}


# rule → (line of wave.csv, the text that marks it, what it becomes, the scores if the row counted)
RULES = {
    "TGT rows only": (11, ",REF,", ",TGT,", {"A": 72.5, "B": 50.0}),  # u1's later 0 for A#1: (0+100)/2 → news 55
    "tutorial (document)": (2, "ende-tutorial2", "test-en-news_doc3", {"A": 70.0, "B": 50.0}),  # news (90+60+0)/3
    "tutorial (system)": (1, "ende-tutorial1", "E", {"A": 82.5, "B": 50.0, "E": 0.0}),
    "#bad documents": (13, "doc2#bad", "doc2", {"A": 82.5, "B": 40.0}),  # B#3 (40+0)/2 → social 20
    "#dup documents": (14, "doc1#dup", "doc1", {"A": 82.5, "B": 41.25}),  # B#1 (70+0)/2 → news 42.5
    "#incomplete documents": (15, "doc1#incomplete", "doc1", {"A": 82.5, "B": 43.75}),  # B#2 25 → news 47.5
    # u1's 10 for A#2, written after the 60 but rated before it (end time): if it were the latest, news 50
    "latest rating per annotator and item": (6, "1724109030.5", "1724109260.5", {"A": 70.0, "B": 50.0}),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_drops_its_row(rule, tmp_path):
    line, marked, unmarked, if_counted = RULES[rule]
    lines = WAVE.read_text(encoding="utf-8").split("\n")
    assert marked in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(marked, unmarked)
    changed = tmp_path / "wave.csv"
    changed.write_text("\n".join(lines), encoding="utf-8")
    assert score_esa(read_esa_file(WAVE)).to_json_dict()["eng-ces"] == EXPECTED["eng-ces"]
    scores = score_esa(read_esa_file(changed)).to_json_dict()["eng-ces"]
    assert scores == pytest.approx(if_counted)


def test_latest_rating_without_times_is_the_later_line():
    def rating(score, end=None):
        return ESARating("u", "S", 1, "en", "cs", score, "test-en-news_d", start_time=end, end_time=end)

    assert [r.score for r in apply_wmt24_rules([rating(10), rating(20)])[0]] == [20]
    assert [r.score for r in apply_wmt24_rules([rating(10, 5.0), rating(20, 4.0)])[0]] == [10]
    assert [r.score for r in apply_wmt24_rules([rating(10, 5.0), rating(20, 5.0)])[0]] == [20]  # a tie: the later


def test_nothing_left_is_an_error():
    tutorial = ESARating("u", "ende-tutorial1", 1, "eng", "ces", 0, "ende-tutorial1")
    with pytest.raises(ValueError, match=r"no ESA rating left to score once WMT24's rules are applied "
                                         r"\(kept 0 ratings; dropped 1 tutorial\)"):
        score_esa([tutorial])


def test_wilcoxon_and_stouffer_against_scipy():
    news, social = [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]
    # all differences positive: the exact two-sided p is 2 / 2^n
    assert wilcoxon_p(news) == pytest.approx(2 / 2 ** 5) == stats.wilcoxon(news).pvalue
    assert wilcoxon_p(social) == pytest.approx(2 / 2 ** 6) == stats.wilcoxon(social).pvalue
    # Stouffer by hand: z = Φ⁻¹(1 − p), Z = Σz / √k, p = 1 − Φ(Z)
    z = (stats.norm.ppf(1 - 2 / 32) + stats.norm.ppf(1 - 2 / 64)) / math.sqrt(2)
    assert stouffer([2 / 32, 2 / 64]) == pytest.approx(1 - stats.norm.cdf(z), rel=1e-12)
    assert stouffer([2 / 32, 2 / 64]) == pytest.approx(stats.combine_pvalues([2 / 32, 2 / 64], method="stouffer").pvalue)
    assert stouffer([2 / 32, 2 / 64]) == pytest.approx(0.008154, abs=1e-6)
    # the systems' paired items, per domain
    a = {("n", i): ("news", 50.0 + d) for i, d in enumerate(news)} | \
        {("s", i): ("social", 50.0 + d) for i, d in enumerate(social)}
    b = {key: (domain, 50.0) for key, (domain, _) in a.items()} | {("only-b", 0): ("news", 0.0)}
    assert paired_p_value(a, b) == stouffer([2 / 32, 2 / 64])
    assert paired_p_value(a, b) == paired_p_value(b, a)  # two-sided per domain: symmetric, as in WMT24
    # no evidence: all differences zero, no items in common, a p of 1 in one domain
    assert wilcoxon_p([0, 0, 0]) == 1.0 and wilcoxon_p([]) == 1.0
    assert paired_p_value(a, {("x", 1): ("news", 1.0)}) == 1.0
    assert stouffer([1.0, 1e-9]) == 1.0 and stouffer([]) == 1.0
    # p = 0 stays finite: clipped to the smallest normal float, z = Φ⁻¹(1 − 2.2e-308) = 37.519…;
    # p = 0.5 gives z = 0, so Z = 37.519 / √2 and p = 1 − Φ(Z)
    tiny_z = stats.norm.isf(2.2250738585072014e-308)
    assert tiny_z == pytest.approx(37.5193793, abs=1e-7)
    assert stouffer([0.0, 0.5]) == pytest.approx(stats.norm.sf(tiny_z / math.sqrt(2)), rel=1e-9, abs=0)
    assert stouffer([0.0, 0.5]) == pytest.approx(2.17297e-155, rel=1e-5, abs=0)


def test_rank_ranges_and_clusters_as_wmt24():
    order = ["a", "b", "c", "d"]
    scores = {"a": 4.0, "b": 3.0, "c": 2.0, "d": 1.0}
    ties = {frozenset("ab"), frozenset("bc")}  # every other pair differs significantly

    def differs(x, y):
        return frozenset((x, y)) not in ties

    # a ~ b ~ c chain into one cluster although a and c differ (WMT24's get_clusters)
    assert clusters(order, differs) == {"a": 1, "b": 1, "c": 1, "d": 2}
    assert rank_ranges(order, scores, differs) == {
        "a": (1, 2, 2, 0),  # better than c and d
        "b": (1, 3, 1, 0),  # better than d only
        "c": (2, 3, 1, 1),  # worse than a, better than d
        "d": (4, 4, 0, 3)}
    assert clusters(order, lambda x, y: True) == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert clusters(order, lambda x, y: False) == {"a": 1, "b": 1, "c": 1, "d": 1}


def _synthetic():
    """X better than Y in every segment; Z mixed against Y; two domains of six segments each."""
    x = {"news": [90, 91, 92, 93, 94, 95], "social": [80, 81, 82, 83, 84, 85]}
    d = [1, 2, 3, 4, 5, 6]
    e = [1, -1, 2, -2, 3, -1]
    ratings = []
    for domain, values in x.items():
        for i, value in enumerate(values):
            for system, score in (("X", value), ("Y", value - d[i]), ("Z", value - d[i] - e[i])):
                ratings.append(ESARating("u1", system, i + (0 if domain == "news" else 10), "en", "de", score,
                                         f"test-en-{domain}_doc", start_time=1.0, end_time=2.0))
    return ratings


def test_significance_ranks_and_clusters_end_to_end():
    result = score_esa(_synthetic()).pairs["en-de"]
    assert [(s.system, s.score) for s in result.systems] == [
        ("X", 87.5), ("Y", 84.0), ("Z", pytest.approx(84 - 1 / 3))]
    assert result.p_values[("X", "Y")] == pytest.approx(stouffer([2 / 64, 2 / 64])) == pytest.approx(0.004216, abs=1e-6)
    # X − Z = [2, 1, 5, 2, 8, 5] in both domains, all positive: of the 2^6 sign assignments only
    # this one and its mirror are as extreme (rank sum of the negatives 0), exactly 2/64 per domain
    xz = stouffer([stats.wilcoxon([2, 1, 5, 2, 8, 5]).pvalue] * 2)
    assert result.p_values[("X", "Z")] == pytest.approx(xz) == pytest.approx(stouffer([2 / 64, 2 / 64]), rel=1e-12)
    # Y − Z = [1, −1, 2, −2, 3, −1]: midranks 2, 2, 4.5, 4.5, 6, 2; negatives' rank sum 8.5 of 21.
    # Enumerating the 64 sign assignments, 52 have min(T+, T−) <= 8.5: p = 52/64 per domain
    assert _exact_signed_rank_p([1, -1, 2, -2, 3, -1]) == 52 / 64 == stats.wilcoxon([1, -1, 2, -2, 3, -1]).pvalue
    assert result.p_values[("Y", "Z")] == pytest.approx(stouffer([stats.wilcoxon([1, -1, 2, -2, 3, -1]).pvalue] * 2))
    z = stats.norm.ppf(1 - 52 / 64)  # Stouffer by hand: Z = 2z / √2
    assert result.p_values[("Y", "Z")] == pytest.approx(1 - stats.norm.cdf(2 * z / math.sqrt(2)), rel=1e-12)
    assert result.p_values[("Y", "Z")] == pytest.approx(0.895191, abs=1e-6)
    assert [(s.system, s.rank, s.cluster, s.wins, s.losses) for s in result.systems] == [
        ("X", (1, 1), 1, 2, 0), ("Y", (2, 3), 2, 0, 1), ("Z", (2, 3), 2, 0, 1)]
    assert result.domains == ["news", "social"]
    assert [s.n_items for s in result.systems] == [12, 12, 12]


def _exact_signed_rank_p(differences) -> float:
    """The exact two-sided Wilcoxon signed-rank p-value by enumeration of all 2^n sign assignments
    of the midranks of |d| (no zero differences): the share with min(T+, T−) at most the observed."""
    import itertools

    magnitudes = sorted(abs(d) for d in differences)
    midrank = {m: sum(i + 1 for i, x in enumerate(magnitudes) if x == m) / magnitudes.count(m) for m in magnitudes}
    ranks = [midrank[abs(d)] for d in differences]
    total = sum(ranks)
    observed = sum(r for r, d in zip(ranks, differences) if d < 0)
    observed = min(observed, total - observed)
    extreme = 0
    for signs in itertools.product((False, True), repeat=len(ranks)):
        negative = sum(r for r, s in zip(ranks, signs) if s)
        extreme += min(negative, total - negative) <= observed + 1e-9
    return extreme / 2 ** len(ranks)


def _stratified_half_width(by_domain, n_samples: int = 1000, seed: int = 12345) -> float:
    """The documented bootstrap written out with numpy: one generator, each domain (sorted) drawn
    n_samples × len(values) with replacement, the mean of the domain means per resample; then
    sacrebleu's estimate_ci by hand (order statistics n // 40 and n − n // 40 − 1)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    means = [np.asarray(by_domain[d])[rng.integers(0, len(by_domain[d]), size=(n_samples, len(by_domain[d])))]
             .mean(axis=1) for d in sorted(by_domain)]
    ordered, k = np.sort(np.mean(means, axis=0)), n_samples // 40
    return float(0.5 * (ordered[n_samples - k - 1] - ordered[k]))


def test_bootstrap_ci_is_seeded_and_stratified():
    by_domain = {"news": [float(i * 37 % 101) for i in range(40)], "social": [float(i * 11 % 53) for i in range(25)]}
    first = bootstrap_ci(by_domain, n_samples=1000, seed=12345)
    assert first == bootstrap_ci(by_domain, n_samples=1000, seed=12345)
    assert first != bootstrap_ci(by_domain, n_samples=1000, seed=1)
    assert first == pytest.approx(_stratified_half_width(by_domain), rel=1e-12) == pytest.approx(5.35875, rel=1e-12)
    assert bootstrap_ci(by_domain, n_samples=1000, seed=1) == pytest.approx(_stratified_half_width(by_domain, seed=1),
                                                                            rel=1e-12)
    assert bootstrap_ci({"news": [70.0]}) == 0.0  # one segment: nothing to resample
    assert bootstrap_ci(by_domain, n_samples=0) == 0.0
    # a system's CI does not depend on the other systems in the file
    alone = score_esa([r for r in _synthetic() if r.system == "Z"]).pairs["en-de"].systems[0].ci
    together = next(s for s in score_esa(_synthetic()).pairs["en-de"].systems if s.system == "Z").ci
    assert alone == together
    # Z's items: news [88, 90, 87, 91, 86, 90], social 10 lower each
    z_items = {"news": [88.0, 90.0, 87.0, 91.0, 86.0, 90.0], "social": [78.0, 80.0, 77.0, 81.0, 76.0, 80.0]}
    assert together == pytest.approx(_stratified_half_width(z_items), rel=1e-12) == pytest.approx(1.0, rel=1e-12)
