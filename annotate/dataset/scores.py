"""Scores stored in the dataset: sacrebleu 2.6 BLEU / chrF++ / TER per segment and per system, and
MQM per segment with the schema's weights.

Each (hypothesis, reference) pair is read by sacrebleu ONCE: the segment's sufficient statistics
give the sentence score and are summed per system for the corpus score, exactly as sacrebleu's own
``corpus_score`` aggregates them (tests compare both against sacrebleu's public API). Reading the
corpus a second time would double the build's dominant cost.

Sentence statistics are the build's dominant cost (TER's shift search above all), so large builds
spread them over worker processes (``scored_in_order``); results come back in input order and the
corpus sums are added in that order, so the output is identical whatever the worker count.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from statistics import fmean
from time import perf_counter
from typing import TYPE_CHECKING, TypeVar

from annotate.dataset.sentence_stats import SentenceStatistics
from annotate.records import SegmentRating
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights
from annotate.scoring.metrics import BLEU_NAME, CHRF_NAME, TER_NAME, make_metrics
from annotate.scoring.mqm import rating_penalty

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

METRIC_NAMES: tuple[str, ...] = ("bleu", "chrf", "ter")
# Below this many pairs a worker pool costs more (process start, imports) than it saves.
PARALLEL_MIN_PAIRS = 2_000
# Batches in flight per worker: enough to keep workers busy, few enough to bound memory.
_BATCHES_IN_FLIGHT_PER_WORKER = 8

Item = TypeVar("Item")
ScoringPair = tuple[Hashable, str, str]  # (key, hypothesis, reference)


@dataclass(frozen=True)
class SegmentScores:
    """Sentence-level scores of one hypothesis against one reference, plus the statistics that
    the corpus score sums."""

    bleu: float
    chrf: float
    ter: float
    stats: tuple[list, list, list]


@dataclass
class CorpusTotals:
    """Running sums of segment statistics for one system (over one split)."""

    n_scored: int = 0
    sums: list[list[float]] = field(default_factory=lambda: [[], [], []])

    def add(self, scores: SegmentScores) -> None:
        """Add one segment's statistics."""
        self.n_scored += 1
        self.sums = [
            [a + b for a, b in zip(total, stats)] if total else list(stats)
            for total, stats in zip(self.sums, scores.stats)
        ]


class Scorer:
    """sacrebleu metrics configured once: BLEU (sentence: effective order), chrF++, TER."""

    def __init__(self) -> None:
        # The project's one definition of the metrics (annotate.scoring.metrics), so dataset scores
        # and reports carry the same signatures.
        corpus = make_metrics()
        self._corpus = (corpus[BLEU_NAME], corpus[CHRF_NAME], corpus[TER_NAME])
        self._sentence_bleu = make_metrics(sentence_level=True)[BLEU_NAME]
        # = metric._extract_corpus_statistics([hypothesis], [[reference]])[0] for each metric, faster
        self._statistics = SentenceStatistics(*self._corpus)
        # Filled by scored_in_order for the build report: sacrebleu CPU seconds (summed over workers)
        # and the wall seconds the build spent waiting for scores (equal without workers).
        self.seconds = 0.0
        self.wait_seconds = 0.0
        # One public-API call each fixes the metrics' reference count, which their signatures print.
        self._sentence_bleu.sentence_score("a", ["a"])
        for metric in self._corpus:
            metric.corpus_score(["a"], [["a"]])

    def segment(self, hypothesis: str, reference: str) -> SegmentScores:
        """Sentence BLEU (effective order), chrF++ and TER of one hypothesis against one reference."""
        stats = self._statistics(hypothesis, reference)
        bleu = self._sentence_bleu._compute_score_from_stats(stats[0]).score
        chrf, ter = (metric._compute_score_from_stats(s).score for metric, s in zip(self._corpus[1:], stats[1:]))
        return SegmentScores(bleu=bleu, chrf=chrf, ter=ter, stats=stats)  # type: ignore[arg-type]

    def corpus(self, totals: CorpusTotals) -> dict[str, float | None]:
        """Corpus BLEU, chrF++ and TER from summed statistics (None when nothing was scored)."""
        if not totals.n_scored:
            return dict.fromkeys(METRIC_NAMES)
        return {
            name: metric._compute_score_from_stats(sums).score
            for name, metric, sums in zip(METRIC_NAMES, self._corpus, totals.sums)
        }

    def corpus_signatures(self) -> dict[str, str]:
        """sacrebleu signatures of the corpus metrics (systems config)."""
        return {name: str(metric.get_signature()) for name, metric in zip(METRIC_NAMES, self._corpus)}

    def sentence_signatures(self) -> dict[str, str]:
        """sacrebleu signatures of the sentence-level metrics (segments config)."""
        return {**self.corpus_signatures(), "bleu": str(self._sentence_bleu.get_signature())}


def _score_batch(scorer: Scorer, pairs: list[ScoringPair]) -> tuple[dict, float]:
    started = perf_counter()
    scores = {key: scorer.segment(hypothesis, reference) for key, hypothesis, reference in pairs}
    return scores, perf_counter() - started


_worker_scorer: Scorer | None = None


def _score_batch_in_worker(pairs: list[ScoringPair]) -> tuple[dict, float]:
    global _worker_scorer
    if _worker_scorer is None:
        _worker_scorer = Scorer()
    return _score_batch(_worker_scorer, pairs)


def choose_workers(n_pairs: int, workers: int | None) -> int:
    """``workers`` if given, else one per CPU (at most 8) when there are enough pairs to pay off."""
    if workers is not None:
        return max(1, workers)
    return min(os.cpu_count() or 1, 8) if n_pairs >= PARALLEL_MIN_PAIRS else 1


def scored_in_order(
    items: Iterable[tuple[Item, list[ScoringPair]]], scorer: Scorer, workers: int = 1
) -> Iterator[tuple[Item, dict]]:
    """For each (item, pairs): (item, {key: SegmentScores}), in input order. With ``workers`` > 1
    the pairs are scored in that many worker processes, a bounded number of batches ahead; the
    time spent scoring is added to ``scorer.seconds`` either way (CPU seconds across workers)."""
    if workers <= 1:
        for item, pairs in items:
            scores, seconds = _score_batch(scorer, pairs)
            scorer.seconds += seconds
            scorer.wait_seconds += seconds
            yield item, scores
        return
    import multiprocessing

    # fork where the platform has it: workers only run sacrebleu (pure Python), and unlike spawn a
    # fork does not re-run the caller's __main__, which hangs the pool from an unguarded script.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        pending: deque = deque()
        for item, pairs in items:
            pending.append((item, pool.apply_async(_score_batch_in_worker, (pairs,))))
            if len(pending) >= workers * _BATCHES_IN_FLIGHT_PER_WORKER:
                yield _collect(pending.popleft(), scorer)
        while pending:
            yield _collect(pending.popleft(), scorer)


def _collect(entry: tuple[Item, AsyncResult], scorer: Scorer) -> tuple[Item, dict]:
    item, result = entry
    started = perf_counter()
    scores, seconds = result.get()
    scorer.wait_seconds += perf_counter() - started
    scorer.seconds += seconds
    return item, scores


def segment_mqm(ratings: Iterable[SegmentRating], weights: MQMWeights = GOOGLE_MQM_WEIGHTS) -> float | None:
    """MQM of one segment: each rater's summed penalty (annotate.scoring.mqm), averaged over
    raters; None if unrated."""
    penalties = [rating_penalty(rating, weights) for rating in ratings]
    return fmean(penalties) if penalties else None
