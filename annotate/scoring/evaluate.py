"""Everything a translation-quality report shows, computed from annotated documents.

:func:`evaluate` gathers each system's translations and the references from
:class:`~annotate.records.AnnotatedDocument` records, then runs the automatic metrics, paired
significance (bootstrap and approximate randomization), significance clusters, MQM, correlation,
agreement, how the pre-annotations fared, how long annotation took, which entities and claims
the omissions marked in the source cover, and whether each annotator's post-edits change the words
they marked as errors. ``annotate score`` prints its result; :mod:`annotate.report` renders it.

References: chosen once by :func:`annotate.references.choose_references` (imported references if
any, else the post-edits, unless named): ``"post_edits"`` uses the post-edits in the documents'
completed annotations (one reference stream per post-editor, best first as
:func:`annotate.references.post_edits_by_segment` orders them for the dataset too, as many streams
as every used segment has); names (``"ref"``, ``"refA,refB"``) use those translations, one stream each, and leave them out
of the automatic-metric rows (a reference would score against itself). Imported references
(``role="reference"``) are never evaluated as systems. ``Evaluation.reference`` names the choice.

Coverage: metrics use the segments that have every reference and a translation from every evaluated
system; ``Evaluation.coverage`` says how many each system has, so a report can say when a system
that covers only part of the documents narrowed the comparison. Systems are ranked by MQM on the
segments every rated system has (a mean over a system's own few segments is not comparable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotate.records import AnnotatedDocument, PrimaryChoice
from annotate.references import POST_EDITS, choose_references, post_edits_by_segment
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights
from annotate.scoring.agreement import AgreementReport, GroundTruthScores, against_ground_truth, agreement
from annotate.scoring.budget import AnnotationBudget, annotation_budget
from annotate.scoring.correlation import Correlation, item_correlations, meta_evaluate, segment_correlations, system_correlations
from annotate.scoring.effort import EffortReport, annotation_effort
from annotate.scoring.metrics import METRIC_NAMES, MetricScore, Statistics
from annotate.scoring.mqm import COUNTED_STATUSES, MQMResult, collect_ratings, score_ratings
from annotate.scoring.omissions import OmissionReport, lost_in_translation
from annotate.scoring.post_edits import PostEditReport, post_edit_consistency
from annotate.scoring.preannotation import PreannotationReport, preannotation_report
from annotate.scoring.raters import RaterReport, rater_report
from annotate.scoring.significance import (
    DEFAULT_ALPHA,
    MQMSignificance,
    SignificanceTable,
    corpus_ci,
    metric_clusters,
    mqm_clusters,
    mqm_paired_test,
    paired_test,
)

MQM_NAME = "MQM"


@dataclass
class SystemRow:
    """One line of the system table."""

    system: str
    version: str = ""
    is_reference: bool = False
    metrics: dict[str, MetricScore] = field(default_factory=dict)
    ci: dict[str, float | None] = field(default_factory=dict)  # bootstrap 95% CI half-width
    p_bs: dict[str, float | None] = field(default_factory=dict)  # vs baseline, paired bootstrap
    p_ar: dict[str, float | None] = field(default_factory=dict)  # vs baseline, approximate randomization
    cluster: dict[str, int] = field(default_factory=dict)  # metric or "MQM" → 1-based cluster
    mqm: float | None = None
    mqm_ci: float | None = None
    mqm_p: float | None = None
    mqm_segments: int = 0
    rank: int | None = None  # by MQM, else by chrF++


@dataclass
class Evaluation:
    """All numbers of one evaluation; ``systems`` lists the baseline first."""

    reference: str
    baseline: str
    alpha: float
    systems: list[SystemRow]
    segment_keys: list[tuple[str, int]]  # (doc_id, seg_id) of the segments metrics were computed on
    n_reference_streams: int
    skipped_segments: int  # segments left out of the metrics (no reference or a missing system)
    total_segments: int = 0  # segments of the documents
    coverage: dict[str, int] = field(default_factory=dict)  # system → segments it translated
    references: list[list[str]] = field(default_factory=list)
    hypotheses: dict[str, list[str]] = field(default_factory=dict)
    sentence: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # metric → system → scores
    significance: dict[str, SignificanceTable] = field(default_factory=dict)  # "bs" / "ar"
    clusters: dict[str, list[list[str]]] = field(default_factory=dict)
    mqm: MQMResult | None = None
    mqm_significance: list[MQMSignificance] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    agreement: AgreementReport | None = None
    ground_truth: list[GroundTruthScores] = field(default_factory=list)  # annotators vs the reviewers' choices
    # each document's primary annotation and how it was chosen: the dataset's ``documents`` row takes the same
    primaries: list[PrimaryChoice] = field(default_factory=list)
    raters: RaterReport | None = None  # rater statistics and rater-adjusted MQM (when there is MQM)
    budget: AnnotationBudget | None = None  # segments needed to separate adjacent systems (MQM)
    preannotation: PreannotationReport | None = None  # the suggestions shown vs what annotators made
    effort: EffortReport | None = None  # annotation time, where the labeling UI recorded it
    omissions: OmissionReport | None = None  # entities and claims the omissions marked in the source cover
    post_edits: PostEditReport | None = None  # each annotator's post-edits against their own errors
    signatures: dict[str, str] = field(default_factory=dict)
    statistics: Statistics | None = None  # sacrebleu sufficient statistics, for sub-corpus scores

    def row(self, system: str) -> SystemRow:
        """The table row of ``system``; KeyError if it was not evaluated."""
        for row in self.systems:
            if row.system == system:
                return row
        raise KeyError(system)


def evaluate(
    docs: Sequence[AnnotatedDocument], *, reference: str | None = None, baseline: str | None = None,
    weights: MQMWeights = GOOGLE_MQM_WEIGHTS, tests: Sequence[str] = ("bs", "ar"), alpha: float = DEFAULT_ALPHA,
    ar_trials: int = 0, bootstrap_samples: int = 0, trg_lang: str | None = None,
    statuses: Sequence[str] = COUNTED_STATUSES, n_jobs: int = 1,
) -> Evaluation:
    """Score every system in ``docs`` (see the module docstring). ``baseline`` defaults to the
    first evaluated system; ``ar_trials`` / ``bootstrap_samples`` of 0 keep sacrebleu's defaults;
    ``trg_lang`` picks BLEU's tokenizer (default: the documents' target language, as
    ``sacrebleu -l`` would); ``n_jobs`` processes extract the metric statistics and align the
    post-edits (0 = all cores)."""
    if trg_lang is None:
        trg_lang = target_language(docs)
    choice = choose_references(docs, reference)
    translations, versions = _translations(docs)
    # a system is a name with MT outputs (or ratings), not one of the chosen references; a test set
    # may ship a reference as a system too (refB, scored against refA): it is a system unless chosen
    systems = [s for s in versions if s not in choice.names]
    if not systems:
        raise ValueError("no system translations found in the documents")
    baseline = baseline or systems[0]
    if baseline not in systems:
        raise ValueError(f"baseline {baseline!r} is not among the evaluated systems {systems}")
    ordered = [baseline, *[s for s in systems if s != baseline]]

    refs_by_key = _references(docs, choice.names, _reference_texts(docs, translations), statuses)
    # (doc_id, seg_id) order, as the dataset's rows and the MQM tests: the bootstrap resamples
    # the same segments in the same order, so a report and its dataset print the same CIs.
    all_keys = sorted({(doc.doc_id, seg.seg_id) for doc in docs for seg in doc.segments} or set(refs_by_key))
    keys = [k for k in all_keys if refs_by_key.get(k) and all((s, *k) in translations for s in ordered)]
    coverage = {s: sum(1 for k in all_keys if (s, *k) in translations) for s in ordered}
    n_streams = min((len(refs_by_key[k]) for k in keys), default=0)
    references = [[refs_by_key[k][i] for k in keys] for i in range(n_streams)]
    hypotheses = {s: [translations[(s, *k)] for k in keys] for s in ordered}

    rows = {s: SystemRow(system=s, version=versions.get(s, "")) for s in ordered}
    for name in choice.names:
        rows[name] = SystemRow(system=name, version=versions.get(name, ""), is_reference=True)
    evaluation = Evaluation(reference=choice.label, baseline=baseline, alpha=alpha, systems=list(rows.values()),
                            segment_keys=keys, n_reference_streams=n_streams,
                            skipped_segments=len(all_keys) - len(keys), references=references, hypotheses=hypotheses,
                            total_segments=len(all_keys), coverage=coverage)
    if keys:
        _automatic_metrics(evaluation, rows, tests, ar_trials, bootstrap_samples, trg_lang, n_jobs)

    ratings = collect_ratings(docs)
    mqm = score_ratings(ratings, weights=weights)
    if mqm.segments:
        evaluation.mqm = mqm
        _human_scores(evaluation, rows, mqm)
        evaluation.raters = rater_report(ratings, mqm)
    evaluation.agreement = agreement(docs, weights=weights, statuses=statuses)
    evaluation.ground_truth = against_ground_truth(docs, statuses=statuses)
    evaluation.primaries = [doc.primary_choice() for doc in docs]  # THE ranking (records), as the dataset's
    evaluation.preannotation = preannotation_report(docs, statuses=statuses)
    evaluation.effort = annotation_effort(docs, statuses=statuses)
    evaluation.omissions = lost_in_translation(docs, statuses=statuses)
    evaluation.post_edits = post_edit_consistency(docs, weights=weights, statuses=statuses, n_jobs=n_jobs)
    _rank(evaluation)
    return evaluation


def _automatic_metrics(evaluation: Evaluation, rows: dict[str, SystemRow], tests: Sequence[str],
                       ar_trials: int, bootstrap_samples: int, trg_lang: str, n_jobs: int) -> None:
    hyps, refs = evaluation.hypotheses, evaluation.references
    statistics = Statistics.extract(hyps, references=refs, trg_lang=trg_lang, n_jobs=n_jobs)
    evaluation.statistics = statistics
    corpus = statistics.corpus_scores()
    for system, scores in corpus.items():
        rows[system].metrics = scores
    evaluation.signatures = {m: s.signature for m, s in next(iter(corpus.values())).items()}
    evaluation.sentence = statistics.sentence_scores()
    if len(hyps) >= 2:
        for test in tests:
            n = ar_trials if test == "ar" else bootstrap_samples
            table = paired_test(list(hyps.items()), references=refs, test_type=test, n_samples=n,
                                trg_lang=trg_lang, statistics=statistics)
            evaluation.significance[test] = table
            for metric, results in table.results.items():
                for result in results:
                    target = rows[result.system].p_bs if test == "bs" else rows[result.system].p_ar
                    target[metric] = result.p_value
                    rows[result.system].ci.setdefault(metric, result.ci)
    for system in hyps:  # a single system (no paired test) still gets its CIs
        for metric in METRIC_NAMES:
            if rows[system].ci.get(metric) is None:
                rows[system].ci[metric] = corpus_ci(statistics, metric, system, bootstrap_samples or 1000)
    for metric in METRIC_NAMES:
        clusters = metric_clusters(statistics, metric=metric, alpha=evaluation.alpha,
                                   n_samples=bootstrap_samples or 1000)
        evaluation.clusters[metric] = clusters
        for index, members in enumerate(clusters, 1):
            for system in members:
                rows[system].cluster[metric] = index


def _human_scores(evaluation: Evaluation, rows: dict[str, SystemRow], mqm: MQMResult) -> None:
    for system, score in mqm.systems.items():
        row = rows.setdefault(system, SystemRow(system=system))
        if row not in evaluation.systems:
            evaluation.systems.append(row)
        row.mqm, row.mqm_segments = score, mqm.n_segments[system]
    mqm_systems = [r.system for r in evaluation.systems if r.mqm is not None]
    _, aligned = mqm.aligned_segment_scores(mqm_systems)
    if aligned and all(aligned.values()):
        base = evaluation.baseline if evaluation.baseline in aligned else mqm_systems[0]
        evaluation.mqm_significance = mqm_paired_test(aligned, baseline=base)
        for result in evaluation.mqm_significance:
            rows[result.system].mqm_ci, rows[result.system].mqm_p = result.ci, result.p_value
        evaluation.budget = annotation_budget(mqm, alpha=evaluation.alpha)
        clusters = mqm_clusters(aligned, alpha=evaluation.alpha)
        evaluation.clusters[MQM_NAME] = clusters
        for index, members in enumerate(clusters, 1):
            for system in members:
                rows[system].cluster[MQM_NAME] = index
    # Correlation on the metric segments that every metric-scored system has MQM for.
    seg_mqm = {(s.system, s.doc_id, s.seg_id): s.score for s in mqm.segments}
    metric_systems = [s for s in evaluation.hypotheses if all((s, *k) in seg_mqm for k in evaluation.segment_keys)]
    if evaluation.sentence and metric_systems:
        per_system = {s: [seg_mqm[(s, *k)] for k in evaluation.segment_keys] for s in metric_systems}
        sentence = {m: {s: v for s, v in by_s.items() if s in per_system} for m, by_s in evaluation.sentence.items()}
        corpus = {m: {s: rows[s].metrics[m].score for s in metric_systems} for m in METRIC_NAMES}
        system_mqm = {s: sum(v) / len(v) for s, v in per_system.items() if v}
        evaluation.correlations = meta_evaluate(  # + mt-metrics-eval's acc*_eq by item and SPA per system
            segment_correlations(sentence, per_system) + item_correlations(sentence, per_system)
            + system_correlations(corpus, system_mqm), sentence, per_system)


def _rank(evaluation: Evaluation) -> None:
    rows = [r for r in evaluation.systems if r.mqm is not None]
    if rows:
        # On the segments every rated system has: a system rated on 4 segments out of 39 must not
        # outrank the others on its own mean (the report's MQM coverage note says so).
        _, aligned = evaluation.mqm.aligned_segment_scores([r.system for r in rows]) if evaluation.mqm else ({}, {})
        if aligned and all(aligned.values()):
            common = {system: sum(scores) / len(scores) for system, scores in aligned.items()}
            ordered = sorted(rows, key=lambda r: (common[r.system], r.mqm))
        else:
            ordered = sorted(rows, key=lambda r: r.mqm)  # type: ignore[arg-type, return-value]
    else:
        rows = [r for r in evaluation.systems if "chrF2++" in r.metrics]
        ordered = sorted(rows, key=lambda r: -r.metrics["chrF2++"].score)
    for position, row in enumerate(ordered, 1):
        row.rank = position


def target_language(docs: Sequence[AnnotatedDocument]) -> str:
    """The documents' one target language (``""`` when none is stated or they differ)."""
    languages = {doc.target_language for doc in docs}
    return languages.pop() if len(languages) == 1 else ""


def _translations(docs: Sequence[AnnotatedDocument]) -> tuple[dict[tuple[str, str, int], str], dict[str, str]]:
    """``{(system, doc_id, seg_id): mt}`` and ``{system: version}`` in order of appearance; MT
    texts missing from ``translations`` are taken from ratings' targets."""
    texts: dict[tuple[str, str, int], str] = {}
    versions: dict[str, str] = {}
    for doc in docs:
        for t in doc.translations:
            if t.role != "mt":
                continue
            texts.setdefault((t.system, doc.doc_id, t.seg_id), t.mt)
            if not versions.get(t.system):
                versions[t.system] = t.system_version
        for ann in doc.annotations:
            for rating in ann.ratings:
                texts.setdefault((rating.system, doc.doc_id, rating.seg_id), rating.target)
                versions.setdefault(rating.system, "")
    return texts, versions


def _reference_texts(docs: Sequence[AnnotatedDocument],
                     translations: dict[tuple[str, str, int], str]) -> dict[tuple[str, str, int], str]:
    """Every translation that can serve as a reference: the MT outputs (a WMT MQM file's ``ref`` is
    a system), overridden by the imported references of the same name."""
    texts = dict(translations)
    for doc in docs:
        for t in doc.translations:
            if t.role == "reference":
                texts[(t.system, doc.doc_id, t.seg_id)] = t.mt
    return texts


def _references(docs: Sequence[AnnotatedDocument], names: Sequence[str], translations: dict[tuple[str, str, int], str],
                statuses: Sequence[str]) -> dict[tuple[str, int], list[str]]:
    """``(doc_id, seg_id)`` → its references: the named translations, one per name, where every
    named reference has the segment; the post-edits when ``names`` is empty."""
    refs: dict[tuple[str, int], list[str]] = {}
    if names:
        by_name: dict[str, dict[tuple[str, int], str]] = {name: {} for name in names}
        for (system, doc_id, seg_id), text in translations.items():
            if system in by_name:
                by_name[system][(doc_id, seg_id)] = text
        for key in set.intersection(*(set(texts) for texts in by_name.values())):
            refs[key] = [by_name[name][key] for name in names]
        return refs
    for doc in docs:  # the dataset's order (its reference = stream 1 here): one function decides it
        for seg_id, edits in post_edits_by_segment(doc, statuses).items():
            refs[(doc.doc_id, seg_id)] = [edit.text for edit in edits]
    return refs
