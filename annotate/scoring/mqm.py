"""MQM scores from human error annotations (Freitag et al. 2021, "Experts, Errors, and Context").

Computed exactly as Google computes the WMT MQM scores (``mqm_scores.py`` in google-research and
the per-segment ``*.avg_seg_scores.tsv`` files of google/wmt-mqm-human-evaluation):

1. a rater's score for a segment = the sum of the weights of that rater's errors
   (a rating without errors — a "No-error" row — scores 0);
2. a segment's score = the mean of its raters' scores;
3. a document's / system's score = the mean over its rated segments (segments nobody rated are
   left out, not counted as 0).

Scores are penalties: **lower is better**, and they are reported positive (Google's per-segment
files store them negated). Weights come from :mod:`annotate.schema`: Google's by default
(``GOOGLE_MQM_WEIGHTS``, which reproduce the system scores Google published for its WMT MQM files),
or a named weighting (``MQMWeights.named("guidelines")``: a Source error weighs 0), or any
:class:`~annotate.schema.MQMWeights`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotate.records import COUNTED_STATUSES, AnnotatedDocument, SegmentRating
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights

SegmentKey = tuple[str, str, int]  # (system, doc_id, seg_id)


@dataclass(frozen=True)
class SegmentMQM:
    """The MQM score of one system's translation of one segment, with each rater's own score."""

    system: str
    doc_id: str
    seg_id: int
    score: float
    rater_scores: dict[str, float] = field(default_factory=dict, hash=False, compare=True)


@dataclass
class MQMResult:
    """MQM at every level. ``breakdown[system][(category, severity)]`` is that error type's share of
    the system score (so a system's shares sum to its score); ``error_counts`` counts the errors."""

    weights: MQMWeights
    segments: list[SegmentMQM]
    systems: dict[str, float]
    documents: dict[str, dict[str, float]]  # doc_id → system → mean segment MQM
    breakdown: dict[str, dict[tuple[str, str], float]]
    error_counts: dict[str, dict[tuple[str, str], int]]
    n_segments: dict[str, int]
    raters: list[str]

    def ranking(self) -> list[str]:
        """Systems best (lowest MQM) first."""
        return sorted(self.systems, key=lambda system: self.systems[system])

    def aligned_segment_scores(self, systems: Sequence[str] | None = None) -> tuple[list[tuple[str, int]], dict[str, list[float]]]:
        """Segment scores on the segments every given system has, aligned across systems:
        ``([(doc_id, seg_id), …], {system: [score, …]})`` — the input of paired tests."""
        systems = list(systems if systems is not None else self.systems)
        by_key: dict[str, dict[tuple[str, int], float]] = defaultdict(dict)
        for seg in self.segments:
            by_key[seg.system][(seg.doc_id, seg.seg_id)] = seg.score
        common = set.intersection(*(set(by_key[s]) for s in systems)) if systems else set()
        keys = sorted(common, key=lambda key: (key[0], key[1]))
        return keys, {system: [by_key[system][key] for key in keys] for system in systems}


def rating_penalty(rating: SegmentRating, weights: MQMWeights = GOOGLE_MQM_WEIGHTS) -> float:
    """One rater's score for one segment: the sum of the weights of their errors (0 if none)."""
    total = 0.0
    for error in rating.errors:
        try:
            total += weights.weight(error.category, error.severity)
        except KeyError as exc:
            raise ValueError(
                f"{rating.system} {rating.doc_id}#{rating.seg_id} rater {rating.rater}: {exc.args[0]}"
            ) from None
    return total


def collect_ratings(docs: Iterable[AnnotatedDocument], statuses: Sequence[str] = COUNTED_STATUSES) -> list[SegmentRating]:
    """Every segment rating of the documents' annotations whose status counts (default: completed)."""
    return [rating for doc in docs for ann in doc.annotations if ann.status in statuses for rating in ann.ratings]


def score_documents(docs: Iterable[AnnotatedDocument], *, weights: MQMWeights = GOOGLE_MQM_WEIGHTS) -> MQMResult:
    """MQM of every system in the documents' completed annotations."""
    return score_ratings(collect_ratings(docs), weights=weights)


def score_ratings(ratings: Iterable[SegmentRating], *, weights: MQMWeights = GOOGLE_MQM_WEIGHTS) -> MQMResult:
    """MQM at segment, document and system level from individual ratings (see module docstring).

    If one rater has several ratings of the same segment (e.g. two submitted annotations), their
    scores are averaged first so the rater is not counted twice.
    """
    per_rater: dict[SegmentKey, dict[str, list[SegmentRating]]] = defaultdict(lambda: defaultdict(list))
    systems_order: dict[str, None] = {}
    raters: dict[str, None] = {}
    for rating in ratings:
        per_rater[(rating.system, rating.doc_id, rating.seg_id)][rating.rater].append(rating)
        systems_order.setdefault(rating.system)
        raters.setdefault(rating.rater)

    segments: list[SegmentMQM] = []
    share: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for (system, doc_id, seg_id), by_rater in per_rater.items():
        rater_scores: dict[str, float] = {}
        for rater, rater_ratings in by_rater.items():
            rater_scores[rater] = sum(rating_penalty(r, weights) for r in rater_ratings) / len(rater_ratings)
            for rating in rater_ratings:
                # Each error's contribution to the segment score: weight / (#raters × #ratings).
                factor = 1.0 / (len(by_rater) * len(rater_ratings))
                for error in rating.errors:
                    key = (error.category, error.severity)
                    share[system][key] += weights.weight(*key) * factor
                    counts[system][key] += 1
        score = sum(rater_scores.values()) / len(rater_scores)
        segments.append(SegmentMQM(system, doc_id, seg_id, score, rater_scores))

    system_scores: dict[str, list[float]] = defaultdict(list)
    doc_scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for seg in segments:
        system_scores[seg.system].append(seg.score)
        doc_scores[seg.doc_id][seg.system].append(seg.score)
    n_segments = {system: len(system_scores[system]) for system in systems_order}
    return MQMResult(
        weights=weights,
        segments=segments,
        systems={system: _mean(system_scores[system]) for system in systems_order},
        documents={doc: {system: _mean(values) for system, values in by_system.items()}
                   for doc, by_system in doc_scores.items()},
        breakdown={system: {key: value / n_segments[system] for key, value in share[system].items()}
                   for system in systems_order},
        error_counts={system: dict(counts[system]) for system in systems_order},
        n_segments=n_segments,
        raters=list(raters),
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
