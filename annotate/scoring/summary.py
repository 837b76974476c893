"""An evaluation as plain data and as a terminal table: ``scores.json`` / ``annotate score --json``
(:func:`evaluation_to_dict`) and ``annotate score`` (:func:`evaluation_table`), with what a reader
must know next to it (:func:`caveats`: small samples, partial coverage) and per-domain scores. The
HTML and Markdown reports are ``annotate.report``'s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from annotate.records import AnnotatedDocument
from annotate.scoring.evaluate import MQM_NAME, Evaluation
from annotate.scoring.metrics import HIGHER_IS_BETTER, METRIC_NAMES
from annotate.scoring.omissions import LAYERS as LOST_LAYERS
from annotate.scoring.significance import score_interval
from annotate.text import plural


def format_number(value: float | None, digits: int = 2) -> str:
    """``1.23``; ``—`` for None."""
    return "—" if value is None else f"{value:.{digits}f}"


def format_interval(score: float, interval: tuple[float, float] | None, digits: int = 2) -> str:
    """How far the 95% CI reaches from ``score``: ``±1.20``; ``+0.00/−2.40`` when the interval was
    clipped at the metric's bound (see :func:`annotate.scoring.significance.score_interval`) and so
    reaches less far on one side; ``±—`` without a CI."""
    if interval is None:
        return "±—"
    # max(0, …): a score a rounding error past its bound (BLEU 100.00000000000001) reaches 0 beyond it
    above, below = (f"{max(0.0, reach):.{digits}f}" for reach in (interval[1] - score, score - interval[0]))
    return f"±{above}" if above == below else f"+{above}/−{below}"


def format_p_value(value: float | None) -> str:
    """``0.042``, ``<0.001``; ``—`` for None."""
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """Every number of an evaluation as JSON-ready data (``scores.json``, ``annotate score --json``)."""
    systems = {}
    for row in evaluation.systems:
        systems[row.system] = {
            "version": row.version, "rank": row.rank, "is_reference": row.is_reference,
            "is_baseline": row.system == evaluation.baseline,
            # ci95: sacrebleu's half-width; ci95_interval: score ± it, clipped to the metric's range
            "metrics": {m: {"score": s.score, "ci95": row.ci.get(m),
                            "ci95_interval": _listed(score_interval(m, s.score, row.ci.get(m))),
                            "p_bootstrap": row.p_bs.get(m),
                            "p_approximate_randomization": row.p_ar.get(m), "cluster": row.cluster.get(m)}
                        for m, s in row.metrics.items()},
            "mqm": None if row.mqm is None else {
                "score": row.mqm, "ci95": row.mqm_ci, "ci95_interval": _listed(score_interval(MQM_NAME, row.mqm, row.mqm_ci)),
                "p_approximate_randomization": row.mqm_p, "cluster": row.cluster.get(MQM_NAME),
                "segments": row.mqm_segments},
        }
    agreement, raters = evaluation.agreement, evaluation.raters
    return {
        "reference": evaluation.reference, "baseline": evaluation.baseline, "alpha": evaluation.alpha,
        "segments": len(evaluation.segment_keys), "reference_streams": evaluation.n_reference_streams,
        "coverage": {"segments": evaluation.total_segments, "systems": dict(evaluation.coverage)},
        "notes": caveats(evaluation),
        "signatures": evaluation.signatures, "systems": systems, "clusters": evaluation.clusters,
        "mqm_weighting": evaluation.mqm.weights.name if evaluation.mqm else None,
        "mqm_breakdown": {s: {f"{c} / {sev}": v for (c, sev), v in b.items()}
                          for s, b in (evaluation.mqm.breakdown.items() if evaluation.mqm else [])},
        "correlations": [vars(c) for c in evaluation.correlations],
        "agreement": None if agreement is None else {
            "documents": agreement.n_documents, "pairs": agreement.n_pairs,
            "span_f1": {layer: {mode: c.f1 for mode, c in modes.items()} for layer, modes in agreement.span_f1.items()},
            "severity_agreement": agreement.severity_agreement, "krippendorff_alpha_mqm": agreement.alpha_mqm,
            "krippendorff_alpha_mqm_undefined": agreement.alpha_undefined, "alpha_units": agreement.alpha_units},
        "ground_truth": {g.annotator: {
            "documents": g.n_documents, "severity_agreement": g.severity_agreement,
            "span_f1": {layer: {mode: c.f1 for mode, c in modes.items()} for layer, modes in g.span_f1.items()}}
            for g in evaluation.ground_truth},
        # each document's primary annotation, as the dataset's ``documents`` row has it (one ranking decides)
        "primary_annotations": {p.doc_id: {
            "annotator": p.annotation.annotator if p.annotation else None,
            "annotation_id": p.annotation.annotation_id if p.annotation else None, "state": p.state}
            for p in evaluation.primaries},
        "raters": None if raters is None else {
            "raters": {r.rater: {"ratings": r.ratings, "errors": r.errors, "major_errors": r.major_errors,
                                 "mean_mqm": r.mean_mqm, "offset": r.offset} for r in raters.raters},
            "mix": raters.mix, "rater_adjusted_mqm": raters.adjusted or None,
            "not_estimable": raters.not_estimable or None},
        "annotation_budget": None if evaluation.budget is None else {
            "alpha": evaluation.budget.alpha, "power": evaluation.budget.power,
            "pairs": [{**asdict(pair), "enough": pair.enough} for pair in evaluation.budget.pairs],
            "typical_sd": evaluation.budget.typical_sd,
            "planning": {str(difference): needed for difference, needed in evaluation.budget.planning}},
        "preannotation": _preannotation_to_dict(evaluation),
        "lost_in_translation": _omissions_to_dict(evaluation),
        "post_edits_vs_errors": _post_edits_to_dict(evaluation),
        "annotation_time": None if not evaluation.effort else {
            "timed_annotations": evaluation.effort.timed, "untimed_annotations": evaluation.effort.untimed,
            "seconds": evaluation.effort.seconds, "seconds_per_translation": evaluation.effort.seconds_per_translation,
            "seconds_per_segment_started_from_suggestions": evaluation.effort.seconds_per_segment(True),
            "seconds_per_segment_from_scratch": evaluation.effort.seconds_per_segment(False),
            "time_saved_by_suggestions": evaluation.effort.time_saved,
            "annotators": {a.annotator: {"annotations": len(a.task_seconds), "seconds": a.seconds,
                                         "median_task_seconds": a.median_task_seconds,
                                         "seconds_per_segment": a.seconds_per_segment,
                                         "seconds_per_translation": a.seconds_per_translation}
                           for a in evaluation.effort.annotators}},
    }


def _listed(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else list(interval)


def _omissions_to_dict(evaluation: Evaluation) -> dict[str, Any] | None:
    report = evaluation.omissions
    if report is None:
        return None
    return {
        "systems": {system: {"omissions_marked_in_the_source": report.omissions[system],
                             **{layer: dict(report.labels(system, layer)) for layer in LOST_LAYERS}}
                    for system in report.systems},
        "lost": [asdict(item) for item in report.lost],
    }


def _post_edits_to_dict(evaluation: Evaluation) -> dict[str, Any] | None:
    report = evaluation.post_edits
    if report is None:
        return None
    return {
        "annotators": {c.annotator: {**{k: v for k, v in asdict(c).items() if k != "annotator"},
                                     "unfixed_share": c.unfixed_share, "explained_share": c.explained_share}
                       for c in [*report.annotators, report.total]},
        "unfixed": [asdict(item) for item in report.unfixed],
        # located by (doc_id, seg_id, system, start, end); the texts are in the dataset's ``segments``
        "unexplained": [{k: v for k, v in asdict(item).items() if k not in ("mt", "post_edit")}
                        for item in report.unexplained],
    }


def _preannotation_to_dict(evaluation: Evaluation) -> dict[str, Any] | None:
    """model version → situation → annotations compared and, per layer, per label outcomes."""
    report = evaluation.preannotation
    if not report:
        return None
    out: dict[str, Any] = {}
    for group in report.groups:
        out.setdefault(group.model_version, {})[group.situation] = {
            "annotations": group.annotations, "on_withheld_tasks": group.withheld,
            "layers": {layer: {label: {**asdict(outcomes), "precision": outcomes.precision, "recall": outcomes.recall}
                               for label, outcomes in group.table(layer)}
                       for layer in group.suggested_layers()}}
    for row in report.anchoring:
        out[row.model_version].setdefault("anchoring", {})[row.layer] = {
            "kept_started_from": row.started_from.precision, "reproduced_from_scratch": row.from_scratch.precision,
            "gap": row.gap, "ci95": list(row.ci) if row.ci else None}
    return out


SMALL_SAMPLE = 50  # fewer paired segments than this: say that p-values and clusters are fragile


def small_sample(evaluation: Evaluation) -> dict[str, int] | None:
    """``{"metrics": n, "mqm": n}`` for the paired tests that ran on fewer than SMALL_SAMPLE
    segments (None when none did): the report and ``annotate demo`` say the sample is small."""
    small = {}
    if len(evaluation.hypotheses) >= 2 and 0 < len(evaluation.segment_keys) < SMALL_SAMPLE:
        small["metrics"] = len(evaluation.segment_keys)
    if evaluation.mqm_significance and evaluation.mqm is not None:
        rated = [r.system for r in evaluation.systems if r.mqm is not None]
        n = len(evaluation.mqm.aligned_segment_scores(rated)[0])
        if 0 < n < SMALL_SAMPLE:
            small["mqm"] = n
    return small or None


def metric_coverage(evaluation: Evaluation) -> dict[str, Any] | None:
    """When the automatic metrics compare fewer segments than the documents hold because a system
    lacks some (a system that covers only part of the documents): ``compared``, ``total`` and
    ``partial`` [(system, segments it translated)]. None when every system covers everything."""
    partial = [(system, n) for system, n in evaluation.coverage.items() if n < evaluation.total_segments]
    if not partial:
        return None
    return {"compared": len(evaluation.segment_keys), "total": evaluation.total_segments, "partial": partial}


def caveats(evaluation: Evaluation) -> list[str]:
    """What a reader of the system table must know: a small sample, a system covering part only."""
    notes = []
    if small := small_sample(evaluation):
        parts = [f"{plural(n, 'segment')} ({'automatic metrics' if kind == 'metrics' else 'MQM'})"
                 for kind, n in small.items()]
        notes.append(f"small sample: the paired tests compare {' and '.join(parts)}, fewer than {SMALL_SAMPLE}: "
                     "p-values and clusters are fragile")
    if coverage := metric_coverage(evaluation):
        partial = "; ".join(f"{system} translated {n} of {coverage['total']}" for system, n in coverage["partial"])
        notes.append(f"not every system covers every segment ({partial}): BLEU, chrF++ and TER compare the "
                     f"{plural(coverage['compared'], 'segment')} all systems have")
    return notes


def evaluation_table(evaluation: Evaluation, title: str = ""):
    """A rich table of the system scores (for the terminal); system names are escaped (user data)."""
    from rich.markup import escape
    from rich.table import Table

    caption = "\n".join([f"p: paired bootstrap / approximate randomization vs baseline; [n]: significance "
                          f"cluster (alpha {evaluation.alpha})", *(f"note: {note}" for note in caveats(evaluation))])
    table = Table(title=escape(f"{title} — reference: {evaluation.reference}, baseline: {evaluation.baseline}"),
                  title_justify="left", caption=escape(caption))
    table.add_column("rank", justify="right")
    # a system's name is never cut short ("apertium-v…" was two systems): it folds onto a second line
    table.add_column("system", overflow="fold")
    for metric in METRIC_NAMES:
        table.add_column(f"{metric} {'↑' if HIGHER_IS_BETTER[metric] else '↓'}", justify="right")
    table.add_column("MQM ↓", justify="right")
    for row in sorted(evaluation.systems, key=lambda r: (r.rank is None, r.rank or 0)):
        cells = []
        for metric in METRIC_NAMES:
            if metric not in row.metrics:
                cells.append("ref" if row.is_reference else "—")
                continue
            score = row.metrics[metric].score
            reach = format_interval(score, score_interval(metric, score, row.ci.get(metric)))
            cell = f"{score:.2f} {reach} [{row.cluster.get(metric, '')}]"
            if row.p_bs.get(metric) is not None or row.p_ar.get(metric) is not None:
                cell += f"\np {format_p_value(row.p_bs.get(metric))} / {format_p_value(row.p_ar.get(metric))}"
            cells.append(cell)
        mqm = "—"
        if row.mqm is not None:
            reach = format_interval(row.mqm, score_interval(MQM_NAME, row.mqm, row.mqm_ci), 3)
            mqm = f"{row.mqm:.3f} {reach} [{row.cluster.get(MQM_NAME, '')}]"
        table.add_row(str(row.rank or ""), escape(row.system + (" (baseline)" if row.system == evaluation.baseline else "")),
                      *(escape(cell) for cell in cells), escape(mqm))
    return table


def domain_table(evaluation: Evaluation, docs: Sequence[AnnotatedDocument], systems: Sequence[str]) -> dict[str, Any] | None:
    """Corpus BLEU and chrF++ of each system per domain (a test set's docs file), when documents
    have domains; None otherwise."""
    domain_of = {d.doc_id: d.domain for d in docs if d.domain}
    if not domain_of or evaluation.statistics is None:
        return None
    indices: dict[str, list[int]] = {}
    for index, (doc_id, _) in enumerate(evaluation.segment_keys):
        if doc_id in domain_of:
            indices.setdefault(domain_of[doc_id], []).append(index)
    columns = [{"domain": domain, "segments": len(at)} for domain, at in sorted(indices.items())]
    scores = {(metric, c["domain"]): evaluation.statistics.subset_scores(metric, indices[c["domain"]])
              for metric in ("BLEU", "chrF2++") for c in columns}
    rows = [{"system": s, "cells": [{"bleu": scores[("BLEU", c["domain"])].get(s),
                                     "chrf": scores[("chrF2++", c["domain"])].get(s)} for c in columns]}
            for s in systems if s in evaluation.hypotheses]
    return {"columns": columns, "rows": rows}
