"""Inter-annotator agreement where several annotators labelled the same document.

* **Span F1** per layer — ``entities`` and ``claims`` (spans in the source article) and
  ``errors`` (MQM error spans in each system's translation of each segment) — for every pair of
  annotators of a document, micro-averaged over documents and pairs:

  - *exact*: same start, end and label;
  - *overlap*: same label and the spans share at least one character (two empty spans — e.g.
    omission markers — match when they sit at the same position). Precision counts spans of A
    that match some span of B, recall spans of B matched by A, so the score is symmetric.

* **Severity agreement** on error spans matched by overlap (one-to-one, greedily by largest
  overlap): the share of matched pairs with the same severity.
* **Krippendorff's alpha** (interval) on segment MQM scores, raters × (system, segment) units,
  computed with the ``krippendorff`` package (Krippendorff 2011, "Computing Krippendorff's
  Alpha-Reliability"). Undefined (None, with the reason in :attr:`AgreementReport.alpha_undefined`)
  when no unit has two raters, or when every rating is the same: alpha = 1 − observed / expected
  disagreement, and with no variation both are 0 — raters who all say "0 errors" have not shown
  they can tell good from bad translations, so reporting perfect agreement (1.0) would mislead.
* **Against the reviewer's choice**: where a reviewer marked a task's final annotation in Label Studio
  (the "Final" tick, or the ground-truth star), every other annotator's span F1 and severity
  agreement against it (:func:`against_ground_truth`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotate.records import AnnotatedDocument, DocumentAnnotation, ErrorSpan
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights
from annotate.scoring.mqm import COUNTED_STATUSES, rating_penalty

LAYERS: tuple[str, ...] = ("entities", "claims", "errors")
# Why Krippendorff's alpha is undefined, as the report and scores.json say it.
ALPHA_NO_SHARED_SEGMENTS = "no segment was rated by two raters"
ALPHA_IDENTICAL_RATINGS = "every rating is identical"
# A comparable span: (unit, start, end, label). The unit is "" for article spans and
# "system#seg_id" for error spans, so errors only match within the same translation.
SpanKey = tuple[str, int, int, str]


@dataclass
class SpanCounts:
    """Micro-averaged span agreement counts for one layer and one matching mode."""

    matched_a: int = 0  # spans of A matching some span of B
    total_a: int = 0
    matched_b: int = 0
    total_b: int = 0

    def add(self, other: SpanCounts) -> None:
        """Accumulate another comparison's counts (micro-averaging)."""
        self.matched_a += other.matched_a
        self.total_a += other.total_a
        self.matched_b += other.matched_b
        self.total_b += other.total_b

    @property
    def precision(self) -> float:
        return self.matched_a / self.total_a if self.total_a else 0.0

    @property
    def recall(self) -> float:
        return self.matched_b / self.total_b if self.total_b else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class AgreementReport:
    """Agreement over all documents annotated by two or more annotators."""

    n_documents: int = 0  # documents with ≥ 2 counted annotations
    n_pairs: int = 0  # annotator pairs compared (summed over documents)
    span_f1: dict[str, dict[str, SpanCounts]] = field(default_factory=dict)  # layer → exact|overlap → counts
    severity_matched: int = 0
    severity_agreeing: int = 0
    alpha_mqm: float | None = None  # None: undefined, see alpha_undefined
    alpha_units: int = 0  # (system, segment) units with ≥ 2 raters

    @property
    def alpha_undefined(self) -> str | None:
        """Why ``alpha_mqm`` is undefined (None when it is a number)."""
        if self.alpha_mqm is not None:
            return None
        return ALPHA_IDENTICAL_RATINGS if self.alpha_units else ALPHA_NO_SHARED_SEGMENTS

    @property
    def severity_agreement(self) -> float | None:
        """Share of overlap-matched error pairs with the same severity (None if none matched)."""
        return self.severity_agreeing / self.severity_matched if self.severity_matched else None


def error_label(error: ErrorSpan) -> str:
    """What two error spans must share to match: the category, and the text their offsets index
    (a source-side span never matches a target-side one at the same offsets)."""
    return error.category if error.side == "target" else f"{error.category} [{error.side}]"


def layer_spans(annotation: DocumentAnnotation, layer: str, units: set[str] | None = None) -> list[SpanKey]:
    """The comparable spans of one annotation for ``entities``, ``claims`` or ``errors``; for
    errors, only in the translations ``units`` ("system#seg_id") when given."""
    if layer == "entities":
        return [("", s.start, s.end, s.label) for s in annotation.entities]
    if layer == "claims":
        return [("", s.start, s.end, s.label) for s in annotation.claims]
    if layer == "errors":
        return [(unit, e.start, e.end, error_label(e)) for r in annotation.ratings for e in r.errors
                for unit in [f"{r.system}#{r.seg_id}"] if units is None or unit in units]
    raise ValueError(f"unknown layer {layer!r}; use one of {LAYERS}")


def spans_match(a: SpanKey, b: SpanKey, mode: str) -> bool:
    """Do two spans match under ``mode`` (``"exact"`` or ``"overlap"``)?"""
    if a[0] != b[0] or a[3] != b[3]:
        return False
    if mode == "exact":
        return a[1] == b[1] and a[2] == b[2]
    if mode == "overlap":
        if a[1] == a[2] or b[1] == b[2]:  # an empty span is a position
            return a[1] == b[1] and a[2] == b[2] or (a[1] < b[1] < a[2]) or (b[1] < a[1] < b[2])
        return min(a[2], b[2]) > max(a[1], b[1])
    raise ValueError(f"unknown matching mode {mode!r}; use 'exact' or 'overlap'")


def span_counts(spans_a: Sequence[SpanKey], spans_b: Sequence[SpanKey], mode: str) -> SpanCounts:
    """Agreement counts between two annotators' spans of one layer of one document."""
    return SpanCounts(
        matched_a=sum(any(spans_match(a, b, mode) for b in spans_b) for a in spans_a),
        total_a=len(spans_a),
        matched_b=sum(any(spans_match(a, b, mode) for a in spans_a) for b in spans_b),
        total_b=len(spans_b),
    )


def rated_units(annotation: DocumentAnnotation) -> set[str]:
    """The translations ("system#seg_id") an annotation rated, with or without errors."""
    return {f"{r.system}#{r.seg_id}" for r in annotation.ratings}


def severity_pairs(a: DocumentAnnotation, b: DocumentAnnotation) -> list[tuple[str, str]]:
    """Severities of error spans matched one-to-one by overlap (largest overlap first)."""
    errors_a = [((f"{r.system}#{r.seg_id}", e.start, e.end, error_label(e)), e.severity) for r in a.ratings for e in r.errors]
    errors_b = [((f"{r.system}#{r.seg_id}", e.start, e.end, error_label(e)), e.severity) for r in b.ratings for e in r.errors]
    candidates = []
    for i, (span_a, _) in enumerate(errors_a):
        for j, (span_b, _) in enumerate(errors_b):
            if spans_match(span_a, span_b, "overlap"):
                overlap = min(span_a[2], span_b[2]) - max(span_a[1], span_b[1])
                candidates.append((-overlap, i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((errors_a[i][1], errors_b[j][1]))
    return pairs


def _compare(a: DocumentAnnotation, b: DocumentAnnotation, span_f1: dict[str, dict[str, SpanCounts]]) -> tuple[int, int]:
    """Add A-vs-B span counts of every layer (errors: on the translations both rated) into
    ``span_f1``; return (error pairs matched by overlap, of which with the same severity)."""
    shared = rated_units(a) & rated_units(b)
    for layer in LAYERS:
        spans_a, spans_b = layer_spans(a, layer, shared), layer_spans(b, layer, shared)
        for mode, total in span_f1[layer].items():
            total.add(span_counts(spans_a, spans_b, mode))
    pairs = severity_pairs(a, b)
    return len(pairs), sum(severity_a == severity_b for severity_a, severity_b in pairs)


def agreement(
    docs: Iterable[AnnotatedDocument], *, weights: MQMWeights = GOOGLE_MQM_WEIGHTS,
    statuses: Sequence[str] = COUNTED_STATUSES,
) -> AgreementReport:
    """Span F1 per layer, severity agreement and Krippendorff's alpha over all documents."""
    report = AgreementReport(span_f1={layer: {"exact": SpanCounts(), "overlap": SpanCounts()} for layer in LAYERS})
    rater_scores: dict[tuple[str, str, int], dict[str, float]] = defaultdict(dict)
    for doc in docs:
        annotations = [a for a in doc.annotations if a.status in statuses]
        for annotation in annotations:
            for rating in annotation.ratings:
                rater_scores[(rating.system, rating.doc_id, rating.seg_id)][rating.rater] = rating_penalty(rating, weights)
        compared = False
        for a, b in itertools.combinations(annotations, 2):
            shared = rated_units(a) & rated_units(b)
            has_source_layers = bool(a.entities or a.claims) and bool(b.entities or b.claims)
            if a.annotator == b.annotator or not (shared or has_source_layers):
                continue  # e.g. WMT MQM files: each rater saw different systems' translations
            compared = True
            report.n_pairs += 1
            matched, agreeing = _compare(a, b, report.span_f1)
            report.severity_matched += matched
            report.severity_agreeing += agreeing
        report.n_documents += compared
    report.alpha_mqm, report.alpha_units = mqm_alpha(rater_scores)
    return report


@dataclass
class GroundTruthScores:
    """One annotator's work measured against the ground-truth annotations of the same tasks (span
    counts as in :class:`AgreementReport`, with A = the annotator and B = the ground truth: precision
    = the annotator's spans found in the ground truth, recall = ground-truth spans the annotator found)."""

    annotator: str
    n_documents: int = 0
    span_f1: dict[str, dict[str, SpanCounts]] = field(
        default_factory=lambda: {layer: {"exact": SpanCounts(), "overlap": SpanCounts()} for layer in LAYERS})
    severity_matched: int = 0
    severity_agreeing: int = 0

    @property
    def severity_agreement(self) -> float | None:
        """Share of overlap-matched error pairs with the ground truth's severity (None if none matched)."""
        return self.severity_agreeing / self.severity_matched if self.severity_matched else None


def against_ground_truth(docs: Iterable[AnnotatedDocument], *,
                         statuses: Sequence[str] = COUNTED_STATUSES) -> list[GroundTruthScores]:
    """Each annotator against the reviewer's choice of the tasks both annotated, by pseudonym: the
    document's primary annotation (:meth:`AnnotatedDocument.primary_annotation`, as the dataset's)
    where a reviewer marked it final (the "Final" tick or Label Studio's ground-truth star). Empty
    without a reviewer's choice."""
    scores: dict[str, GroundTruthScores] = {}
    for doc in docs:
        annotations = [a for a in doc.annotations if a.status in statuses]
        truth = doc.primary_annotation() if any(a.adjudicated for a in annotations) else None
        if truth is None or not truth.adjudicated:
            continue
        for annotation in annotations:
            if annotation.adjudicated or annotation.annotator == truth.annotator:
                continue
            entry = scores.setdefault(annotation.annotator, GroundTruthScores(annotation.annotator))
            entry.n_documents += 1
            matched, agreeing = _compare(annotation, truth, entry.span_f1)
            entry.severity_matched += matched
            entry.severity_agreeing += agreeing
    return [scores[annotator] for annotator in sorted(scores)]


def mqm_alpha(rater_scores: dict[tuple[str, str, int], dict[str, float]]) -> tuple[float | None, int]:
    """Krippendorff's alpha (interval) of raters' segment MQM scores; returns (alpha, #units with
    ≥ 2 raters). Units rated once carry no agreement information and are left out. alpha is None
    (undefined) without such units, and when every rating in them is the same (0/0: no variation
    to agree on)."""
    import numpy as np

    units = [scores for scores in rater_scores.values() if len(scores) >= 2]
    if not units:
        return None, 0
    raters = sorted({rater for scores in units for rater in scores})
    data = np.full((len(raters), len(units)), np.nan)
    for column, scores in enumerate(units):
        for rater, score in scores.items():
            data[raters.index(rater), column] = score
    values = data[~np.isnan(data)]
    if np.allclose(values, values[0]):
        return None, len(units)  # expected disagreement 0: alpha is 0/0, not perfect agreement
    import krippendorff

    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval")), len(units)
