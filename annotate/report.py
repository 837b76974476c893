"""Translation-quality reports: one self-contained HTML file (figures embedded as base64 PNG, CSS
inline, no script, nothing fetched) and a Markdown twin, plus ``scores.json`` with every number.

    paths = build_report(docs, reference="ref", title="TED talks en→de", out_dir=Path("reports/ted"))

Contents: system table (scores ± 95% CI, p-values vs the baseline, significance clusters, MQM,
rank), MQM by category and severity, per-document table, the worst segments with their error
spans highlighted in the MT, metric–MQM correlation, annotator agreement (and against ground
truth), post-edits against the errors their annotators marked, the annotation budget (rated
segments that would separate each system from the next), raters (strictness, each system's rater
mix, rater-adjusted MQM), signatures and provenance. The numbers come from
:func:`annotate.scoring.evaluate.evaluate`.
"""

from __future__ import annotations

import base64
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from annotate.languages import LanguagePair
from annotate.records import PRIMARY_POLICY, AnnotatedDocument, ErrorSpan
from annotate.schema import GOOGLE_MQM_WEIGHTS, SEVERITIES, MQMWeights
from annotate.scoring.effort import format_duration
from annotate.references import POST_EDITS, PostEditTally
from annotate.scoring.evaluate import MQM_NAME, Evaluation, evaluate
from annotate.scoring.metrics import HIGHER_IS_BETTER, METRIC_NAMES
from annotate.scoring.summary import domain_table, evaluation_to_dict, metric_coverage, small_sample
from annotate.scoring.summary import format_number as _num
from annotate.scoring.summary import format_interval as _ci
from annotate.scoring.summary import format_p_value as _pval
from annotate.scoring.significance import score_interval
from annotate.text import markdown_escape as _md_escape
from annotate.text import plural

MIX_COLUMNS_MAX = 8  # raters shown as columns of the rater-mix table; with more, the largest share only
SEVERITY_RANK = {s.name: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}  # Major > Minor > Neutral


@dataclass(frozen=True)
class ReportPaths:
    """Where a report was written."""

    html: Path
    markdown: Path
    data: Path


def build_report(
    docs: Sequence[AnnotatedDocument], *, out_dir: Path | str, reference: str = POST_EDITS,
    baseline: str | None = None, title: str = "Translation quality report", dataset: str = "",
    weights: MQMWeights = GOOGLE_MQM_WEIGHTS, n_worst: int = 12, tests: Sequence[str] = ("bs", "ar"),
    ar_trials: int = 0, bootstrap_samples: int = 0, n_jobs: int = 0, trg_lang: str | None = None, set_aside: str = "",
) -> ReportPaths:
    """Evaluate ``docs`` and write ``report.html``, ``report.md`` (+ ``figures/``) and
    ``scores.json`` into ``out_dir``. ``reference`` is ``"post_edits"`` or a system name.
    ``set_aside``: what of the input was left out as invalid (e.g. "2 annotations"), for the provenance."""
    evaluation = evaluate(docs, reference=reference, baseline=baseline, weights=weights, tests=tests,
                          ar_trials=ar_trials, bootstrap_samples=bootstrap_samples, trg_lang=trg_lang, n_jobs=n_jobs)
    return render_report(evaluation, docs, out_dir=out_dir, title=title, dataset=dataset, n_worst=n_worst,
                         set_aside=set_aside)


def render_report(evaluation: Evaluation, docs: Sequence[AnnotatedDocument], *, out_dir: Path | str,
                  title: str, dataset: str = "", n_worst: int = 12, set_aside: str = "") -> ReportPaths:
    """Write the report files for an existing evaluation."""
    from annotate.scoring import figures
    from annotate.templating import template_environment

    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    context = report_context(evaluation, docs, title=title, dataset=dataset, n_worst=n_worst, set_aside=set_aside)
    order = [r["system"] for r in context["systems"]]
    pngs = {
        "mqm_categories": figures.mqm_by_category(evaluation, [s for s in order if evaluation.row(s).mqm is not None]),
        "metrics": figures.metric_scores(evaluation, order),
        "correlation": figures.metric_vs_mqm(evaluation),
    }
    context["figures"] = dict.fromkeys(pngs)
    for name, png in pngs.items():
        if png is not None:
            (out / "figures" / f"{name}.png").write_bytes(png)
            context["figures"][name] = {"file": f"figures/{name}.png",
                                        "data_uri": "data:image/png;base64," + base64.b64encode(png).decode()}
    env = template_environment(num=_num, pval=_pval, ci=_ci, signed=_signed, duration=format_duration)
    paths = ReportPaths(out / "report.html", out / "report.md", out / "scores.json")
    paths.html.write_text(env.get_template("report.html.j2").render(**context), encoding="utf-8")
    md_env = env.overlay(autoescape=False)
    paths.markdown.write_text(md_env.get_template("report.md.j2").render(**context), encoding="utf-8")
    paths.data.write_text(json.dumps(evaluation_to_dict(evaluation), ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


def report_context(evaluation: Evaluation, docs: Sequence[AnnotatedDocument], *, title: str, dataset: str = "",
                   n_worst: int = 12, set_aside: str = "") -> dict[str, Any]:
    """Everything the templates show, as plain values (the templates only format)."""
    rows = sorted(evaluation.systems, key=lambda r: (r.rank is None, r.rank or 0, r.system))
    base = evaluation.row(evaluation.baseline)
    systems = []
    for row in rows:
        metrics = {}
        for metric in METRIC_NAMES:
            if metric in row.metrics:
                gain = (row.metrics[metric].score - base.metrics[metric].score) * (1 if HIGHER_IS_BETTER[metric] else -1)
                significant = _significant(row.p_bs.get(metric), row.p_ar.get(metric), evaluation.alpha)
                score = row.metrics[metric].score
                metrics[metric] = {"score": score, "ci": row.ci.get(metric),
                                   "interval": score_interval(metric, score, row.ci.get(metric)),
                                   "p_bs": row.p_bs.get(metric), "p_ar": row.p_ar.get(metric),
                                   "cluster": row.cluster.get(metric), "direction": _direction(significant, gain)}
        mqm_gain = None if row.mqm is None or base.mqm is None else base.mqm - row.mqm
        mqm_significant = row.mqm_p is not None and row.mqm_p < evaluation.alpha
        systems.append({"system": row.system, "version": row.version, "rank": row.rank, "metrics": metrics,
                        "is_baseline": row.system == evaluation.baseline, "is_reference": row.is_reference,
                        "mqm": row.mqm, "mqm_ci": row.mqm_ci, "mqm_p": row.mqm_p, "mqm_cluster": row.cluster.get(MQM_NAME),
                        "mqm_interval": None if row.mqm is None else score_interval(MQM_NAME, row.mqm, row.mqm_ci),
                        "mqm_direction": _direction(mqm_significant, mqm_gain), "mqm_segments": row.mqm_segments})
    return {
        "title": title, "evaluation": evaluation, "systems": systems, "metric_names": list(METRIC_NAMES),
        "higher_is_better": HIGHER_IS_BETTER, "alpha": evaluation.alpha,
        "categories": _category_table(evaluation), "documents": _document_table(evaluation, docs, [r.system for r in rows]),
        "worst": worst_segments(evaluation, docs, n_worst), "correlations": evaluation.correlations,
        "agreement": evaluation.agreement, "ground_truth": evaluation.ground_truth,
        "primary": primary_summary(evaluation),
        "raters": _rater_table(evaluation, [r.system for r in rows]), "budget": evaluation.budget,
        "preannotation": evaluation.preannotation, "effort": evaluation.effort, "pricing": _pricing(evaluation),
        "omissions": evaluation.omissions, "mqm_coverage": mqm_coverage(evaluation, docs),
        "metric_coverage": metric_coverage(evaluation), "small_sample": small_sample(evaluation),
        "domains": domain_table(evaluation, docs, [r.system for r in rows]),
        "post_edit_origin": post_edit_origin(evaluation),
        "post_edit_starts": PostEditTally.of(docs).describe_starts(),  # what the boxes started with
        "post_edits": evaluation.post_edits, "unfixed": _unfixed_examples(evaluation, n_worst),
        "lost": evaluation.omissions.examples(n_worst) if evaluation.omissions else [],
        "anchoring": evaluation.preannotation.anchoring if evaluation.preannotation else [],
        "provenance": provenance(evaluation, docs, dataset, set_aside),
    }


def primary_summary(evaluation: Evaluation) -> dict[str, Any]:
    """How each document's primary annotation was chosen (the dataset's ``documents`` row takes the
    same one): the policy, and the documents a reviewer should still settle."""
    several = [p for p in evaluation.primaries if p.candidates > 1]
    return {"policy": PRIMARY_POLICY, "reviewed": sum(1 for p in several if p.state == "reviewed"),
            "several": len(several),
            "unreviewed": [p.doc_id for p in evaluation.primaries if p.needs_review]}


def worst_segments(evaluation: Evaluation, docs: Sequence[AnnotatedDocument], n: int) -> list[dict[str, Any]]:
    """The ``n`` worst-scored (system, segment) pairs by MQM, with the MT (and the source, for the
    errors marked there) split into pieces for highlighting: ``{"text", "severity", "title"}``;
    empty spans become a marker piece."""
    if evaluation.mqm is None or n <= 0:
        return []
    by_doc = {d.doc_id: d for d in docs}
    scored = [s for s in evaluation.mqm.segments if s.score > 0]  # error-free segments are not "worst"
    worst = sorted(scored, key=lambda s: (-s.score, s.system, s.doc_id, s.seg_id))[:n]
    out = []
    for seg in worst:
        doc = by_doc.get(seg.doc_id)
        ratings = [r for a in (doc.annotations if doc else []) for r in a.ratings
                   if r.system == seg.system and r.seg_id == seg.seg_id]
        if not ratings:
            continue
        errors = [(e, r.rater) for r in ratings for e in r.errors]
        reference = _reference_text(evaluation, seg.doc_id, seg.seg_id)
        # each side highlighted in its own text: omissions sit on the source words that were lost
        pieces = highlight_pieces(ratings[0].target, [(e, rater) for e, rater in errors if e.side == "target"])
        source_pieces = highlight_pieces(ratings[0].source, [(e, rater) for e, rater in errors if e.side == "source"])
        out.append({"system": seg.system, "doc_id": seg.doc_id, "seg_id": seg.seg_id, "score": seg.score,
                    "raters": sorted(seg.rater_scores), "source": ratings[0].source, "pieces": pieces,
                    "source_pieces": source_pieces, "markdown_source": markdown_highlight(source_pieces),
                    "markdown_mt": markdown_highlight(pieces), "reference": reference,
                    "errors": [{"category": e.category, "severity": e.severity, "text": e.text, "rater": rater,
                                "side": e.side, "comment": e.comment,
                                "weight": evaluation.mqm.weights.weight(e.category, e.severity)}
                               for e, rater in errors]})
    return out


def _unfixed_examples(evaluation: Evaluation, n: int) -> list[dict[str, Any]]:
    """The errors a post-edit left as they were, each highlighted in its MT."""
    if evaluation.post_edits is None:
        return []
    return [{"item": u, "pieces": pieces, "markdown_mt": markdown_highlight(pieces)}
            for u in evaluation.post_edits.unfixed_examples(n)
            for pieces in [highlight_pieces(u.mt, [(ErrorSpan(u.start, u.end, u.category, u.severity, u.text), u.annotator)])]]


def highlight_pieces(text: str, errors: Sequence[tuple[Any, str]]) -> list[dict[str, str]]:
    """Split ``text`` at every error boundary; each piece carries the most severe covering error's
    severity and a tooltip listing all covering errors. Text stays raw: templates escape it."""
    bounds = sorted({0, len(text)} | {e.start for e, _ in errors} | {e.end for e, _ in errors})
    pieces: list[dict[str, str]] = []
    for start, end in zip(bounds, bounds[1:] + [None]):
        for error, rater in errors:  # empty spans: a zero-width marker where the error sits
            if error.start == error.end == start:
                pieces.append({"text": "", "severity": error.severity.lower(),
                               "title": f"{error.severity} · {error.category} (no extent) · {rater}"})
        if end is None:
            break
        covering = [(e, r) for e, r in errors if e.start <= start and end <= e.end and e.start < e.end]
        piece = {"text": text[start:end], "severity": "", "title": ""}
        if covering:
            top = max(covering, key=lambda er: SEVERITY_RANK.get(er[0].severity, 0))
            piece["severity"] = top[0].severity.lower()
            piece["title"] = "; ".join(f"{e.severity} · {e.category} · {r}" for e, r in covering)
        pieces.append(piece)
    return pieces


def markdown_highlight(pieces: Sequence[dict[str, str]]) -> str:
    """A highlighted text (MT or source) as Markdown: runs of highlighted pieces in one **bold** run, ⟂
    for empty spans."""
    out: list[str] = []
    run: list[str] = []
    for piece in pieces:
        if piece["severity"] and piece["text"]:
            run.append(piece["text"])
            continue
        if run:
            out.append(_bold("".join(run)))
            run = []
        out.append("⟂" if piece["severity"] else _md_escape(piece["text"]))
    if run:
        out.append(_bold("".join(run)))
    return "".join(out)


def _bold(text: str) -> str:
    # Markdown bold must not start or end with a space: keep the spaces outside the markers.
    stripped = text.strip()
    if not stripped:
        return _md_escape(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return f"{lead}**{_md_escape(stripped)}**{trail}"


def provenance(evaluation: Evaluation, docs: Sequence[AnnotatedDocument], dataset: str = "",
               set_aside: str = "") -> dict[str, Any]:
    """What was evaluated, with what, when: enough to reproduce every number (and what of the input
    was left out as invalid, ``set_aside``)."""
    from importlib.metadata import PackageNotFoundError, version

    import annotate

    def package_version(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    weights = evaluation.mqm.weights if evaluation.mqm else GOOGLE_MQM_WEIGHTS
    sources = sorted({d.source_name for d in docs if d.source_name})
    pairs = {LanguagePair(d.source_language, d.target_language) for d in docs}
    return {
        "languages": pairs.pop().describe() if len(pairs) == 1 and all(p.known for p in pairs) else "",
        "dataset": dataset or ", ".join(sources) or "(unnamed)",
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "tool": f"annotate {annotate.__version__}", "sacrebleu": package_version("sacrebleu"),
        "python": platform.python_version(), "documents": len(docs),
        "segments": sum(len(d.segments) for d in docs), "metric_segments": len(evaluation.segment_keys),
        "skipped_segments": evaluation.skipped_segments, "reference_streams": evaluation.n_reference_streams,
        "reference": ("post-edits of the annotations" if evaluation.reference == POST_EDITS
                      else f"{evaluation.reference} ({plural(evaluation.n_reference_streams, 'reference stream')})"),
        "baseline": evaluation.baseline, "raters": evaluation.mqm.raters if evaluation.mqm else [],
        "set_aside": set_aside,
        "post_edit_boxes": PostEditTally.of(docs).describe(),
        "systems": [(r.system, r.version) for r in evaluation.systems],
        "signatures": evaluation.signatures,
        "significance": {test: table.signatures for test, table in evaluation.significance.items()},
        "weighting": weights.describe(), "weighting_name": weights.name,
        "weights": {"severity": dict(weights.severity),
                    "overrides": {f"{c} / {s}": w for (c, s), w in weights.overrides.items()}},
    }


def post_edit_origin(evaluation: Evaluation) -> dict[str, Any] | None:
    """When the references are post-edits and two systems or more are scored: per system, on how
    many of the scored segments a post-edit is identical to its output (``unchanged``:
    [(system, count)], of ``n``), and the system most post-edits were left as (``favoured``,
    None when none or a tie). Post-editors start from one system's output (in Label Studio the
    first system's, unless ``push --post-edit-start`` said otherwise: the report says what the
    boxes started with), and metrics against their post-edits favour it: the report says so."""
    if evaluation.reference != POST_EDITS or len(evaluation.hypotheses) < 2 or not evaluation.segment_keys:
        return None
    unchanged = [(system, sum(any(hyp.strip() == stream[i].strip() for stream in evaluation.references)
                              for i, hyp in enumerate(hyps)))
                 for system, hyps in evaluation.hypotheses.items()]
    counts = sorted((count for _, count in unchanged), reverse=True)
    favoured = max(unchanged, key=lambda item: item[1])[0] if counts[0] > counts[1] else None
    return {"unchanged": unchanged, "n": len(evaluation.segment_keys), "favoured": favoured}


def mqm_coverage(evaluation: Evaluation, docs: Sequence[AnnotatedDocument]) -> dict[str, Any] | None:
    """How much of each system human MQM covers, when that differs between systems (None when it
    does not): ``rated`` [(system, rated segments, translated segments)], ``common`` (segments
    every rated system has: what the paired tests compare) and ``unrated`` systems. Means over
    different segments are not comparable as they stand: the report says so next to them."""
    if evaluation.mqm is None:
        return None
    translated: dict[str, int] = {}
    for doc in docs:
        for translation in doc.translations:
            translated[translation.system] = translated.get(translation.system, 0) + 1
    rows = sorted(evaluation.systems, key=lambda r: (r.rank is None, r.rank or 0, r.system))
    rated = [(r.system, r.mqm_segments, translated.get(r.system, 0)) for r in rows if r.mqm is not None]
    unrated = [r.system for r in rows if r.mqm is None]
    common = len(evaluation.mqm.aligned_segment_scores([system for system, _, _ in rated])[0]) if rated else 0
    if not unrated and all(n == common for _, n, _ in rated):
        return None
    return {"rated": rated, "common": common, "unrated": unrated}


def _category_table(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Error counts and MQM points per segment by (category, severity), all systems together."""
    mqm = evaluation.mqm
    if mqm is None:
        return []
    total_segments = sum(mqm.n_segments.values()) or 1
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for system, counts in mqm.error_counts.items():
        for key, count in counts.items():
            row = rows.setdefault(key, {"category": key[0], "severity": key[1], "count": 0, "points": 0.0})
            row["count"] += count
            row["points"] += mqm.breakdown[system][key] * mqm.n_segments[system] / total_segments
    return sorted(rows.values(), key=lambda r: (-r["points"], -r["count"], r["category"]))


def _document_table(evaluation: Evaluation, docs: Sequence[AnnotatedDocument], systems: Sequence[str]) -> dict[str, Any]:
    """MQM and corpus chrF++ per system (rows, report order) and document (columns)."""
    chrf: dict[str, dict[str, float]] = {}
    if evaluation.statistics is not None:
        for doc in docs:
            indices = [i for i, (d, _) in enumerate(evaluation.segment_keys) if d == doc.doc_id]
            if indices:
                chrf[doc.doc_id] = evaluation.statistics.subset_scores("chrF2++", indices)
    mqm = evaluation.mqm.documents if evaluation.mqm else {}
    columns = [{"doc_id": d.doc_id, "title": d.title, "segments": len(d.segments),
                "best": min((s for s in systems if s in mqm.get(d.doc_id, {})), key=lambda s: mqm[d.doc_id][s],
                            default=None)} for d in docs]
    rows = [{"system": s, "cells": [{"mqm": mqm.get(d.doc_id, {}).get(s), "chrf": chrf.get(d.doc_id, {}).get(s),
                                     "best": s == column["best"]} for d, column in zip(docs, columns)]}
            for s in systems]
    return {"columns": columns, "rows": rows}


def _rater_table(evaluation: Evaluation, systems: Sequence[str]) -> dict[str, Any] | None:
    """Rater statistics, and per system (report order): MQM, rater-adjusted MQM, both ranks, rater mix."""
    raters, mqm = evaluation.raters, evaluation.mqm
    if raters is None or mqm is None:
        return None
    plain_rank = {system: rank for rank, system in enumerate(mqm.ranking(), 1)}
    adjusted_rank = {system: rank for rank, system in enumerate(sorted(raters.adjusted, key=raters.adjusted.get), 1)}
    rows = []
    for system in (s for s in systems if s in mqm.systems):
        mix = raters.mix.get(system, {})
        top = max(mix, key=mix.get) if mix else ""
        rows.append({"system": system, "mqm": mqm.systems[system], "adjusted": raters.adjusted.get(system),
                     "rank": plain_rank[system], "adjusted_rank": adjusted_rank.get(system),
                     "mix": [mix.get(r.rater, 0.0) for r in raters.raters], "top": top, "top_share": mix.get(top, 0.0)})
    return {"raters": raters.raters, "rows": rows, "show_mix": len(raters.raters) <= MIX_COLUMNS_MAX,
            "not_estimable": raters.not_estimable, "balanced": raters.balanced,
            "reordered": [row["system"] for row in rows if row["adjusted_rank"] not in (None, row["rank"])]}


def _pricing(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The annotation budget in annotator-hours at the project's measured pace (both systems of a
    pair rated on every segment): the median adjacent pair, and each planning difference."""
    effort, budget = evaluation.effort, evaluation.budget
    if not effort or effort.seconds_per_translation is None or budget is None:
        return []
    items = []
    if budget.median_needed:
        segments = plural(budget.median_needed, "segment", grouped=True)
        items.append({"what": f"the median adjacent pair ({segments} × 2 systems)",
                      "translations": 2 * budget.median_needed})
    items += [{"what": f"two systems {difference} MQM apart ({plural(needed, 'segment', grouped=True)} × 2)",
               "translations": 2 * needed}
              for difference, needed in budget.planning]
    return [{**item, "hours": effort.hours_for(item["translations"])} for item in items]


def _reference_text(evaluation: Evaluation, doc_id: str, seg_id: int) -> str:
    try:
        index = evaluation.segment_keys.index((doc_id, seg_id))
    except ValueError:
        return ""
    return evaluation.references[0][index] if evaluation.references else ""


def _significant(p_bs: float | None, p_ar: float | None, alpha: float) -> bool | None:
    values = [p for p in (p_bs, p_ar) if p is not None]
    return None if not values else all(p < alpha for p in values)


def _direction(significant: bool | None, gain: float | None) -> str:
    """"better" / "worse" than the baseline when significant, else ""."""
    if not significant or gain is None or gain == 0:
        return ""
    return "better" if gain > 0 else "worse"


def _signed(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:+.{digits}f}".replace("-", "−")
