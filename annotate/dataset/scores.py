"""Scores stored in the dataset: sacrebleu 2.6 BLEU / chrF++ / TER per segment and per system, and
MQM per segment with the schema's weights.

Each (hypothesis, reference) pair is read by sacrebleu ONCE: the segment's sufficient statistics
give the sentence score and are summed per system for the corpus score, exactly as sacrebleu's own
``corpus_score`` aggregates them (tests compare both against sacrebleu's public API). Reading the
corpus a second time would double the build's dominant cost.

Sentence statistics are the build's dominant cost, so (``scored_in_order``) each distinct
(hypothesis, reference) pair is scored once per build, pairs scored by an earlier build come from a
persistent cache (annotate.dataset.score_cache), and large builds spread the rest over worker
processes. Results come back in input order and the corpus sums are added in that order, so the
output is identical whatever the cache holds and whatever the worker count.
"""

from __future__ import annotations

import os
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import add
from statistics import fmean
from time import perf_counter
from typing import TYPE_CHECKING, TypeVar

from annotate.scoring.sentence_stats import SentenceStatistics
from annotate.records import SegmentRating
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights
from annotate.scoring.metrics import BLEU_NAME, CHRF_NAME, TER_NAME, make_metrics
from annotate.scoring.mqm import rating_penalty
from annotate.scoring.significance import ci_half_width, resampled_sums

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

    from annotate.dataset.score_cache import ScoreCache

METRIC_NAMES: tuple[str, ...] = ("bleu", "chrf", "ter")
# Bootstrap resamples behind the systems config's CIs: sacrebleu's default, as in the reports.
BOOTSTRAP_SAMPLES = 1000
CI_NAMES: tuple[str, ...] = ("bleu_ci", "chrf_ci", "ter_ci", "mqm_ci")
# Below this many pairs a worker pool costs more (process start, imports) than it saves.
PARALLEL_MIN_PAIRS = 2_000
# Pairs looked up and dispatched together (one cache query), and chunks scored ahead of the row
# builder: enough to keep workers busy, few enough to bound memory.
CHUNK_PAIRS = 1024
# …and at most this much of the items' own size (scored_in_order's item_size: a build counts the
# rows a document holds): a build with few or no pairs to score (a WMT MQM file has no reference)
# would otherwise hold every document of the corpus in one chunk (5.6 GB for a 500 MB file).
CHUNK_SIZE = 4096
_CHUNKS_AHEAD = 2
# Recently scored distinct pairs kept in memory (repeats within a build are scored once).
MEMO_PAIRS = 16_384

Item = TypeVar("Item")
# (key, hypothesis, reference): the reference is a tuple of strings with several reference streams
ScoringPair = tuple[Hashable, str, "str | tuple[str, ...]"]
Pair = tuple[str, "str | tuple[str, ...]"]  # (hypothesis, reference)


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
    # Every segment's statistics, for the bootstrap CIs: float32 as sacrebleu's bootstrap holds
    # them (exact for these integer counts), flat, ~150 bytes a segment.
    segment_stats: tuple[array, array, array] = field(default_factory=lambda: (array("f"), array("f"), array("f")))

    def add(self, scores: SegmentScores) -> None:
        """Add one segment's statistics."""
        self.n_scored += 1
        self.sums = [
            list(map(add, total, stats)) if total else list(stats)  # C-level map: same sums, same order
            for total, stats in zip(self.sums, scores.stats)
        ]
        for store, stats in zip(self.segment_stats, scores.stats):
            store.extend(stats)


class Scorer:
    """sacrebleu metrics configured once: BLEU (sentence: effective order), chrF++, TER."""

    def __init__(self, trg_lang: str = "", n_refs: int = 1) -> None:
        # The project's one definition of the metrics (annotate.scoring.metrics), so dataset scores
        # and reports carry the same signatures; `trg_lang` picks BLEU's tokenizer (e.g. zh).
        self.trg_lang = trg_lang
        self.n_refs = n_refs
        corpus = make_metrics(trg_lang=trg_lang)
        self._corpus = (corpus[BLEU_NAME], corpus[CHRF_NAME], corpus[TER_NAME])
        self._sentence_bleu = make_metrics(sentence_level=True, trg_lang=trg_lang)[BLEU_NAME]
        from annotate.scoring import sacrebleu_adapter  # sacrebleu's private API goes through it (#22.4)

        self._sacrebleu = sacrebleu_adapter
        # = corpus_statistics(metric, [hypothesis], [[reference]])[0] for each metric, faster
        self._statistics = SentenceStatistics(*self._corpus)
        # Filled by scored_in_order for the build report: sacrebleu CPU seconds (summed over workers)
        # and the wall seconds the build spent waiting for scores (equal without workers).
        self.seconds = 0.0
        self.wait_seconds = 0.0
        # Filled by scored_in_order: pairs asked for, distinct pairs read from the persistent cache,
        # distinct pairs scored (a repeated pair is scored once per build).
        self.counts = {"pairs": 0, "from_cache": 0, "scored": 0}
        # One public-API call each fixes the metrics' reference count, which their signatures print.
        self._sentence_bleu.sentence_score("a", ["a"] * n_refs)
        for metric in self._corpus:
            metric.corpus_score(["a"], [["a"]] * n_refs)

    def segment(self, hypothesis: str, reference: str | tuple[str, ...]) -> SegmentScores:
        """Sentence BLEU (effective order), chrF++ and TER of one hypothesis against one reference
        (or a tuple of references: sacrebleu's multi-reference statistics)."""
        if isinstance(reference, tuple):
            streams = [[text] for text in reference]
            stats = tuple(self._sacrebleu.corpus_statistics(metric, [hypothesis], streams)[0] for metric in self._corpus)
        else:
            stats = self._statistics(hypothesis, reference)
        score = self._sacrebleu.score_from_sums
        bleu = score(self._sentence_bleu, stats[0]).score
        chrf, ter = (score(metric, s).score for metric, s in zip(self._corpus[1:], stats[1:]))
        return SegmentScores(bleu=bleu, chrf=chrf, ter=ter, stats=stats)  # type: ignore[arg-type]

    def corpus(self, totals: CorpusTotals) -> dict[str, float | None]:
        """Corpus BLEU, chrF++ and TER from summed statistics (None when nothing was scored)."""
        if not totals.n_scored:
            return dict.fromkeys(METRIC_NAMES)
        return {
            name: self._sacrebleu.score_from_sums(metric, sums).score
            for name, metric, sums in zip(METRIC_NAMES, self._corpus, totals.sums)
        }

    def bootstrap_cis(self, systems: Sequence[tuple[CorpusTotals, Sequence[float]]],
                      n_samples: int = BOOTSTRAP_SAMPLES) -> list[dict[str, float | None]]:
        """For each (corpus totals, segment MQM values) of one split's systems: the half-widths of
        the bootstrap 95% CIs of corpus BLEU, chrF++, TER and mean MQM (``bleu_ci``, …, ``mqm_ci``;
        None without segments). sacrebleu's resamples of the segments in build order, as
        ``corpus_score(n_bootstrap=…)`` draws them; one pass over the draws per segment count."""
        import numpy as np

        matrices, owners = [], []
        for index, (totals, mqm) in enumerate(systems):
            if totals.n_scored:
                for which, store in enumerate(totals.segment_stats):
                    matrices.append(np.frombuffer(store, dtype=np.float32).reshape(totals.n_scored, -1))
                    owners.append((index, which))
            if len(mqm):
                matrices.append(np.asarray(mqm, dtype=np.float64).reshape(-1, 1))
                owners.append((index, len(METRIC_NAMES)))
        out: list[dict[str, float | None]] = [dict.fromkeys(CI_NAMES) for _ in systems]
        for (index, which), sums in zip(owners, resampled_sums(matrices, n_samples) if matrices else []):
            if which == len(METRIC_NAMES):  # MQM: the mean of the resampled segments
                samples = sums[:, 0] / len(systems[index][1])
            else:
                metric = self._corpus[which]
                samples = [self._sacrebleu.score_from_sums(metric, row).score for row in sums]
            out[index][CI_NAMES[which]] = ci_half_width(samples)
        return out

    def corpus_signatures(self) -> dict[str, str]:
        """sacrebleu signatures of the corpus metrics (systems config)."""
        return {name: str(metric.get_signature()) for name, metric in zip(METRIC_NAMES, self._corpus)}

    def sentence_signatures(self) -> dict[str, str]:
        """sacrebleu signatures of the sentence-level metrics (segments config)."""
        return {**self.corpus_signatures(), "bleu": str(self._sentence_bleu.get_signature())}

    def cache_namespace(self) -> str:
        """What a cached SegmentScores depends on: every signature (sacrebleu's version included)."""
        sentence, corpus = sorted(self.sentence_signatures().items()), sorted(self.corpus_signatures().items())
        return f"sentence {sentence} corpus {corpus}"


def _score_pairs(scorer: Scorer, pairs: list[Pair]) -> tuple[list[SegmentScores], float]:
    started = perf_counter()
    scores = [scorer.segment(hypothesis, reference) for hypothesis, reference in pairs]
    return scores, perf_counter() - started


_worker_scorers: dict[str, Scorer] = {}  # trg_lang → the worker process's scorer


def _score_pairs_in_worker(trg_lang: str, pairs: list[Pair]) -> tuple[list[SegmentScores], float]:
    if trg_lang not in _worker_scorers:
        _worker_scorers[trg_lang] = Scorer(trg_lang)
    return _score_pairs(_worker_scorers[trg_lang], pairs)


def choose_workers(n_pairs: int, workers: int | None) -> int:
    """``workers`` if given, else one per CPU (at most 8) when there are enough pairs to pay off."""
    if workers is not None:
        return max(1, workers)
    return min(os.cpu_count() or 1, 8) if n_pairs >= PARALLEL_MIN_PAIRS else 1


class _Job:
    """Scores of some distinct pairs, computed now (no pool) or in a worker; collected once."""

    def __init__(self, pairs: list[Pair], scorer: Scorer, pool: Pool | None) -> None:
        self.pairs = pairs
        self._pending: AsyncResult | None = None
        self.scores: dict[Pair, SegmentScores] | None = None
        self._stored = False
        if pool is None:
            scores, seconds = _score_pairs(scorer, pairs)
            scorer.seconds += seconds
            scorer.wait_seconds += seconds
            self.scores = dict(zip(pairs, scores))
        else:
            self._pending = pool.apply_async(_score_pairs_in_worker, (scorer.trg_lang, pairs))

    def collect(self, scorer: Scorer, cache: ScoreCache | None) -> dict[Pair, SegmentScores]:
        """The scores (waiting for the worker if need be); stored in ``cache`` on the first call."""
        if self._pending is not None:
            started = perf_counter()
            scores, seconds = self._pending.get()
            scorer.wait_seconds += perf_counter() - started
            scorer.seconds += seconds
            self.scores, self._pending = dict(zip(self.pairs, scores)), None
        assert self.scores is not None
        if not self._stored and cache is not None:
            cache.put_many(self.scores)
        self._stored = True
        return self.scores


class _Resolver:
    """Turns chunks of (item, pairs) into scores: each distinct pair is taken from the recent
    scores (bounded memo), else the persistent cache, else scored once (a job)."""

    def __init__(self, scorer: Scorer, cache: ScoreCache | None, pool: Pool | None, workers: int) -> None:
        self.scorer, self.cache, self.pool, self.workers = scorer, cache, pool, workers
        self.memo: OrderedDict[Pair, SegmentScores] = OrderedDict()
        self.in_flight: dict[Pair, _Job] = {}

    def submit(self, chunk: list[tuple[Item, list[ScoringPair]]]) -> tuple:
        """Look a chunk's pairs up and start scoring the missing ones (in workers: asynchronously)."""
        distinct = dict.fromkeys((hyp, ref) for _, pairs in chunk for _, hyp, ref in pairs)
        self.scorer.counts["pairs"] += sum(len(pairs) for _, pairs in chunk)
        known: dict[Pair, SegmentScores] = {}
        jobs: dict[int, _Job] = {}
        missing = []
        for pair in distinct:
            if pair in self.memo:
                known[pair] = self.memo[pair]
            elif pair in self.in_flight:  # being scored for an earlier chunk
                job = self.in_flight[pair]
                jobs[id(job)] = job
            else:
                missing.append(pair)
        if missing and self.cache is not None:
            found = self.cache.get_many(missing)
            known.update(found)
            self.scorer.counts["from_cache"] += len(found)
            missing = [pair for pair in missing if pair not in found]
        self.scorer.counts["scored"] += len(missing)
        if missing:
            # a few jobs per worker and chunk: balanced, and each result comes back in one message
            size = max(16, -(-len(missing) // (self.workers * 4)))
            for start in range(0, len(missing), size):
                job = _Job(missing[start : start + size], self.scorer, self.pool)
                jobs[id(job)] = job
                self.in_flight.update(dict.fromkeys(job.pairs, job))
        return chunk, known, list(jobs.values())

    def collect(self, submitted: tuple) -> Iterator[tuple[Item, dict]]:
        """Wait for a submitted chunk's jobs; yield its items with {key: SegmentScores}."""
        chunk, known, jobs = submitted
        for job in jobs:
            scores = job.collect(self.scorer, self.cache)
            known.update(scores)
            for pair in job.pairs:
                self.in_flight.pop(pair, None)
        for pair, value in known.items():
            self.memo[pair] = value
            self.memo.move_to_end(pair)
        while len(self.memo) > MEMO_PAIRS:
            self.memo.popitem(last=False)
        for item, pairs in chunk:
            yield item, {key: known[(hyp, ref)] for key, hyp, ref in pairs}


def scored_in_order(
    items: Iterable[tuple[Item, list[ScoringPair]]],
    scorer: Scorer,
    workers: int = 1,
    cache: ScoreCache | None = None,
    item_size: Callable[[Item], int] | None = None,
) -> Iterator[tuple[Item, dict]]:
    """For each (item, pairs): (item, {key: SegmentScores}), in input order.

    Each distinct (hypothesis, reference) pair is scored once per build and only if ``cache`` (a
    ScoreCache) does not have it; new scores are added to the cache. With ``workers`` > 1 the
    pairs are scored in worker processes, a bounded number of chunks ahead of the caller. Scoring
    time is added to ``scorer.seconds`` (CPU seconds across workers) and the time the caller waited
    to ``scorer.wait_seconds``. Scores are deterministic, so neither the cache nor the worker count
    changes the output. ``item_size``: how much an item holds (e.g. a document's rows); the items
    waiting in chunks ahead stay under a few :data:`CHUNK_SIZE` of it, however few pairs they have."""
    if workers <= 1:
        yield from _scored_chunks(items, _Resolver(scorer, cache, None, 1), item_size)
        return
    import multiprocessing

    # fork where the platform has it: workers only run sacrebleu (pure Python), and unlike spawn a
    # fork does not re-run the caller's __main__, which hangs the pool from an unguarded script.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        yield from _scored_chunks(items, _Resolver(scorer, cache, pool, workers), item_size)


def _scored_chunks(items: Iterable[tuple[Item, list[ScoringPair]]], resolver: _Resolver,
                   item_size: Callable[[Item], int] | None) -> Iterator[tuple[Item, dict]]:
    pending: deque = deque()
    chunk: list[tuple[Item, list[ScoringPair]]] = []
    n_pairs = size = 0
    for item, pairs in items:
        chunk.append((item, pairs))
        n_pairs += len(pairs)
        size += item_size(item) if item_size is not None else 0
        if n_pairs >= CHUNK_PAIRS or size >= CHUNK_SIZE:
            pending.append(resolver.submit(chunk))
            chunk, n_pairs, size = [], 0, 0
            if len(pending) > _CHUNKS_AHEAD:
                yield from resolver.collect(pending.popleft())
    if chunk:
        pending.append(resolver.submit(chunk))
    while pending:
        yield from resolver.collect(pending.popleft())


def segment_mqm(ratings: Iterable[SegmentRating], weights: MQMWeights = GOOGLE_MQM_WEIGHTS) -> float | None:
    """MQM of one segment: each rater's summed penalty (annotate.scoring.mqm), averaged over
    raters; None if unrated."""
    penalties = [rating_penalty(rating, weights) for rating in ratings]
    return fmean(penalties) if penalties else None
