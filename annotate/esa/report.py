"""ESA reports: what WMT24's findings show of a human evaluation (system scores, 95% CIs, rank
ranges, clusters, pairwise significance), plus what an evaluator needs to trust them: the error
spans behind each score, each annotator's scale and pace, and what the rules dropped.

One self-contained ``report.html`` (figure embedded), its Markdown twin ``report.md`` and
``scores.json``; the numbers come from :func:`annotate.esa.scoring.score_esa` and nothing here
recomputes them.
"""

from __future__ import annotations

import base64
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from annotate.esa.records import ESARating
from annotate.esa.scoring import DEFAULT_BOOTSTRAP, DEFAULT_SEED, ESAScores, PairESA, apply_wmt24_rules, score_esa
from annotate.scoring.summary import format_p_value
from annotate.templating import template_environment
from annotate.text import plural

CLUSTER_COLORS = ("#1e7b34", "#3a7ca5", "#7d5ba6", "#b5651d", "#8c2f39", "#6b7a90")


@dataclass(frozen=True)
class ESAReportPaths:
    """The files one report writes."""

    html: Path
    markdown: Path
    data: Path


@dataclass
class SpanStats:
    """A system's (or an annotator's) error spans per rating and time per rating."""

    ratings: int
    minor: float
    major: float
    missing: float
    no_span: float
    seconds: float | None

    @classmethod
    def of(cls, ratings: Sequence[ESARating]) -> SpanStats:
        """Means per rating: minor and major spans, omissions marked, share without a span; the
        median seconds a rating took (end − start time, where both are known)."""
        n = len(ratings)
        spans = [span for rating in ratings for span in rating.spans]
        durations = [r.end_time - r.start_time for r in ratings
                     if r.start_time is not None and r.end_time is not None and r.end_time >= r.start_time]
        return cls(ratings=n,
                   minor=sum(s.severity == "minor" and not s.missing for s in spans) / n,
                   major=sum(s.severity == "major" and not s.missing for s in spans) / n,
                   missing=sum(s.missing for s in spans) / n,
                   no_span=sum(not r.spans for r in ratings) / n,
                   seconds=statistics.median(durations) if durations else None)


def write_esa_report(ratings: Iterable[ESARating], *, out_dir: Path | str, title: str, sources: Sequence[str],
                     n_bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = DEFAULT_SEED,
                     prefill: dict[str, int] | None = None) -> ESAReportPaths:
    """Score ``ratings`` by WMT24's rules and write ``report.html``, ``report.md`` and
    ``scores.json`` into ``out_dir``. ``prefill``: what annotators did with ESA-AI's pre-filled
    spans (:func:`annotate.labelstudio.esa.prefill_fate`), for a Label Studio project. ValueError
    when no rating is left to score."""
    ratings = list(ratings)
    scores = score_esa(ratings, n_bootstrap=n_bootstrap, seed=seed)
    kept, _ = apply_wmt24_rules(ratings)
    context = esa_report_context(scores, kept, title=title, sources=sources)
    context["prefill"] = prefill
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = template_environment(pval=format_p_value)
    paths = ESAReportPaths(out / "report.html", out / "report.md", out / "scores.json")
    paths.html.write_text(env.get_template("esa_report.html.j2").render(**context), encoding="utf-8")
    markdown = env.overlay(autoescape=False).get_template("esa_report.md.j2").render(**context)
    paths.markdown.write_text(markdown, encoding="utf-8")
    data = scores_to_dict(scores, sources)
    if prefill is not None:
        data["esa_ai_prefill"] = prefill
    paths.data.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths


def esa_report_context(scores: ESAScores, kept: Sequence[ESARating], *, title: str,
                       sources: Sequence[str]) -> dict[str, Any]:
    """What the templates show, per language pair in the files' order."""
    import annotate

    by_pair: dict[str, list[ESARating]] = {}
    for rating in kept:
        by_pair.setdefault(rating.langs, []).append(rating)
    pairs = [_pair_context(pair, by_pair[langs], scores.alpha) for langs, pair in scores.pairs.items()]
    return {
        "title": title,
        "pairs": pairs,
        "alpha": scores.alpha,
        "n_bootstrap": scores.n_bootstrap,
        "seed": scores.seed,
        "counts": scores.counts.describe(),
        "sources": list(sources),
        "tool": f"annotate {annotate.__version__}",
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _pair_context(pair: PairESA, ratings: Sequence[ESARating], alpha: float) -> dict[str, Any]:
    by_system: dict[str, list[ESARating]] = {}
    by_annotator: dict[str, list[ESARating]] = {}
    for rating in ratings:
        by_system.setdefault(rating.system, []).append(rating)
        by_annotator.setdefault(rating.annotator, []).append(rating)
    order = [s.system for s in pair.systems]
    segments = {system: {(r.doc_id, r.segment_id) for r in group} for system, group in by_system.items()}
    matrix = [{"system": first, "cells": [None if first == second else
                                          _cell(pair, first, second, len(segments[first] & segments[second]), alpha)
                                          for second in order]}
              for first in order]
    annotators = [{"annotator": name, "mean": statistics.fmean(r.score for r in group),
                   "stats": SpanStats.of(group), "systems": len({r.system for r in group})}
                  for name, group in sorted(by_annotator.items())]
    png = esa_figure(pair)
    return {
        "langs": pair.langs,
        "domains": pair.domains,
        "systems": [{"result": s, "spans": SpanStats.of(by_system[s.system])} for s in pair.systems],
        "matrix": matrix,
        "order": order,
        "annotators": annotators,
        "figure": "data:image/png;base64," + base64.b64encode(png).decode() if png else None,
        "n_ratings": len(ratings),
    }


def _cell(pair: PairESA, first: str, second: str, shared: int, alpha: float) -> dict[str, Any]:
    """One cell of the p-value matrix: without a shared segment there is no test, not p = 1."""
    p = pair.p_values[(first, second)] if shared else None
    score = {s.system: s.score for s in pair.systems}
    return {"p": p, "shared": shared, "significant": p is not None and p < alpha,
            "better": score[first] > score[second]}


def esa_figure(pair: PairESA) -> bytes | None:
    """Dots with whiskers: each system's ESA score and 95% CI, best on top, coloured by cluster."""
    if not pair.systems:
        return None
    from annotate.scoring.figures import png_bytes, pyplot

    plt = pyplot()
    rows = pair.systems
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.3 * len(rows)))
    ys = list(range(len(rows)))[::-1]
    scores = [r.score for r in rows]
    errors = [r.ci for r in rows]
    colors = [CLUSTER_COLORS[(r.cluster - 1) % len(CLUSTER_COLORS)] for r in rows]
    # Dots, not bars: the axis is zoomed on the scores, and a bar's length would then mislead.
    ax.errorbar(scores, ys, xerr=errors, fmt="none", ecolor="#555555", elinewidth=1, capsize=3, zorder=2)
    ax.scatter(scores, ys, color=colors, s=36, zorder=3)
    ax.set_yticks(ys, [r.system for r in rows])
    low, high = min(s - e for s, e in zip(scores, errors)), max(s + e for s, e in zip(scores, errors))
    pad = max((high - low) * 0.15, 1.0)
    ax.set_xlim(max(0.0, low - pad), min(100.0, high + pad))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"ESA {pair.langs} (dots: score; whiskers: 95% CI; colour: cluster)", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def scores_to_dict(scores: ESAScores, sources: Sequence[str]) -> dict[str, Any]:
    """``scores.json``: every pair's systems (score, CI, rank range, cluster, per domain) and
    p-values, the rules' counts and the settings."""
    return {
        "sources": list(sources),
        "rules": asdict(scores.counts),
        "alpha": scores.alpha, "n_bootstrap": scores.n_bootstrap, "seed": scores.seed,
        "pairs": {langs: {"systems": [{**asdict(s), "rank": list(s.rank)} for s in pair.systems],
                          "p_values": {f"{a} | {b}": p for (a, b), p in sorted(pair.p_values.items())}}
                  for langs, pair in scores.pairs.items()},
    }

