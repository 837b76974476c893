"""Automatic MT metrics with sacrebleu 2.6: BLEU, chrF++ (``CHRF(word_order=2)``) and TER, at corpus
and sentence level, each number carrying its sacrebleu signature.

Reference orientation is the classic silent bug (sacrebleu issues #220, #256): every function here
takes ``hypotheses=`` and ``references=`` by keyword, and ``references`` is a list of reference
*streams* (``[refs_a]`` or ``[refs_a, refs_b]``), each as long as ``hypotheses``; a bare list of
strings is refused with an explanation instead of being misread as many one-line streams.

Speed: TER's per-segment alignment dominates everything (tens of ms for a long sentence), so an
evaluation extracts each system's sacrebleu *sufficient statistics* once (:class:`Statistics`,
optionally on several processes) and derives corpus scores, sentence scores, paired tests and
clusters from them — exactly the numbers sacrebleu computes, without recomputing the alignments.
With one reference stream (the usual case) the statistics come from
:class:`~annotate.scoring.sentence_stats.SentenceStatistics`, which computes sacrebleu's exact
statistics about twice as fast (its tests compare them value for value and type for type).
sacrebleu's private API (statistics, scores from statistics) is reached only through
:mod:`annotate.scoring.sacrebleu_adapter`, which checks the installed version.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.text import plural

if TYPE_CHECKING:  # sacrebleu is imported lazily: `annotate --help` must stay fast
    from sacrebleu.metrics.base import Metric

BLEU_NAME, CHRF_NAME, TER_NAME = "BLEU", "chrF2++", "TER"  # the names sacrebleu gives its scores
METRIC_NAMES: tuple[str, ...] = (BLEU_NAME, CHRF_NAME, TER_NAME)
HIGHER_IS_BETTER: dict[str, bool] = {BLEU_NAME: True, CHRF_NAME: True, TER_NAME: False}


@dataclass(frozen=True)
class MetricScore:
    """One corpus-level score and the sacrebleu signature that makes it reproducible."""

    metric: str
    score: float
    signature: str
    higher_is_better: bool

    def __str__(self) -> str:
        return f"{self.metric} = {self.score:.2f}"


@functools.cache
def bleu_language(trg_lang: str) -> str:
    """``trg_lang`` if sacrebleu can tokenise it here, else ``""`` (its default tokenizer, 13a), with
    a warning: Japanese and Korean need sacrebleu's ``ja``/``ko`` extras (MeCab). Chinese needs
    nothing. The BLEU signature (``tok:``) always says which tokenizer was used."""
    from sacrebleu.metrics import BLEU

    try:
        BLEU(trg_lang=trg_lang)
    except RuntimeError as exc:  # sacrebleu's "requires extra dependencies"
        reason = next((line for line in str(exc).splitlines() if line.strip()), str(exc)).strip()
        warnings.warn(f"BLEU: {reason} BLEU falls back to its default tokenizer (13a, see its signature).",
                      stacklevel=2)
        return ""
    return trg_lang


def make_metrics(*, sentence_level: bool = False, trg_lang: str = "",
                 references: Sequence[Sequence[str]] | None = None) -> dict[str, Metric]:
    """Fresh sacrebleu metric objects keyed by score name: BLEU, chrF2++ and TER.

    ``sentence_level`` switches BLEU to ``effective_order=True`` (the right setting for single
    sentences); ``trg_lang`` (the target language's ISO code) lets BLEU pick its tokenizer, as
    ``sacrebleu -l SRC-TGT`` does (``zh`` → the Chinese tokenizer; see :func:`bleu_language`);
    ``references`` pre-processes the reference streams once (sacrebleu's reference cache).
    """
    from sacrebleu.metrics import BLEU, CHRF, TER

    refs = None if references is None else [list(stream) for stream in references]
    return {
        BLEU_NAME: BLEU(effective_order=sentence_level, trg_lang=bleu_language(trg_lang), references=refs),
        CHRF_NAME: CHRF(word_order=2, references=refs),
        TER_NAME: TER(references=refs),
    }


def check_references(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[list[str]]:
    """Validate the orientation and shape of ``references`` and return it as lists.

    Raises TypeError for a bare list of strings (one stream not wrapped in a list) and ValueError
    naming the stream whose length differs from the hypotheses'.
    """
    if isinstance(references, str) or any(isinstance(stream, str) for stream in references):
        raise TypeError(
            "references must be a list of reference streams, e.g. [refs] or [refs_a, refs_b], "
            "each a list with one reference per hypothesis; got a list of strings "
            "(wrap a single reference stream in a list)"
        )
    if not references:
        raise ValueError("at least one reference stream is needed")
    streams = [list(stream) for stream in references]
    for index, stream in enumerate(streams):
        if len(stream) != len(hypotheses):
            raise ValueError(
                f"reference stream {index} has {plural(len(stream), 'segment')} but there "
                f"{'is' if len(hypotheses) == 1 else 'are'} {plural(len(hypotheses), 'hypothesis', 'hypotheses')}: "
                "references must be aligned with hypotheses"
            )
        for line, text in enumerate(stream, 1):
            if not isinstance(text, str):
                raise TypeError(f"reference stream {index}, segment {line}: expected str, got {type(text).__name__}")
    for line, text in enumerate(hypotheses, 1):
        if not isinstance(text, str):
            raise TypeError(f"hypothesis {line}: expected str, got {type(text).__name__}")
    return streams


def corpus_scores(*, hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                  trg_lang: str = "") -> dict[str, MetricScore]:
    """Corpus BLEU / chrF++ / TER of one system against one or more reference streams."""
    streams = check_references(hypotheses, references)
    metrics = make_metrics(trg_lang=trg_lang)
    return {name: _score(metric, metric.corpus_score(list(hypotheses), streams)) for name, metric in metrics.items()}


def sentence_scores(*, hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                    trg_lang: str = "") -> dict[str, list[float]]:
    """Per-segment scores ``{metric: [score for each hypothesis]}``, as ``sentence_score`` gives
    them (sentence BLEU with ``effective_order=True``)."""
    streams = check_references(hypotheses, references)
    stats = Statistics.extract({"_": hypotheses}, references=streams, trg_lang=trg_lang)
    return {metric: by_system["_"] for metric, by_system in stats.sentence_scores().items()}


def score_systems(systems: Mapping[str, Sequence[str]], *, references: Sequence[Sequence[str]],
                  trg_lang: str = "", n_jobs: int = 1) -> dict[str, dict[str, MetricScore]]:
    """Corpus scores of several systems on the same references: ``{system: {metric: score}}``."""
    return Statistics.extract(systems, references=references, trg_lang=trg_lang, n_jobs=n_jobs).corpus_scores()


@dataclass
class Statistics:
    """sacrebleu's per-segment sufficient statistics of several systems against one set of
    references: ``stats[metric][system]`` is what ``sacrebleu_adapter.corpus_statistics`` returns
    (used exactly as ``PairedTest`` uses it)."""

    references: list[list[str]]
    trg_lang: str = ""
    stats: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    hypotheses: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def extract(cls, systems: Mapping[str, Sequence[str]], *, references: Sequence[Sequence[str]],
                trg_lang: str = "", n_jobs: int = 1) -> Statistics:
        """Extract the statistics of every (metric, system), on ``n_jobs`` processes (0 = all cores)."""
        if not systems:
            raise ValueError("no systems to score")
        first = next(iter(systems.values()))
        streams = check_references(first, references)
        for name, hyps in systems.items():
            if len(hyps) != len(first):
                raise ValueError(f"system {name!r} has {plural(len(hyps), 'segment')}, expected {len(first)}")
            check_references(hyps, streams)
        result = cls(references=streams, trg_lang=trg_lang, hypotheses={s: list(h) for s, h in systems.items()})
        # one job per system and metric; with one reference stream, one job per system (all three at once)
        single = len(streams) == 1
        jobs: list[Any] = list(systems) if single else [(m, s) for s in systems for m in METRIC_NAMES]
        extract = _extract_system if single else _extract_one
        n_jobs = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
        global _FORK_STATE
        _FORK_STATE = (result.hypotheses, streams, trg_lang)
        try:
            if n_jobs == 1 or len(jobs) == 1:
                extracted = [extract(job) for job in jobs]
            else:
                import multiprocessing

                # fork: workers inherit the texts instead of receiving them pickled
                with multiprocessing.get_context("fork").Pool(min(n_jobs, len(jobs))) as pool:
                    extracted = pool.map(extract, jobs, chunksize=1)
        finally:
            _FORK_STATE = None
        for job, stats in zip(jobs, extracted):
            for metric, system_stats in (stats.items() if single else [(job[0], stats)]):
                result.stats.setdefault(metric, {})[job if single else job[1]] = system_stats
        return result

    def corpus_scores(self) -> dict[str, dict[str, MetricScore]]:
        """``{system: {metric: MetricScore}}`` computed from the statistics."""
        from annotate.scoring.sacrebleu_adapter import score_from_segments

        metrics = make_metrics(trg_lang=self.trg_lang)
        signatures = {name: _signature(metric, len(self.references)) for name, metric in metrics.items()}
        out: dict[str, dict[str, MetricScore]] = {}
        for system in self.hypotheses:
            out[system] = {}
            for name, metric in metrics.items():
                score = score_from_segments(metric, self.stats[name][system])
                out[system][name] = MetricScore(score.name, float(score.score), signatures[name],
                                                HIGHER_IS_BETTER.get(score.name, True))
        return out

    def sentence_scores(self) -> dict[str, dict[str, list[float]]]:
        """``{metric: {system: [segment score, …]}}``, identical to ``sentence_score`` per segment."""
        from annotate.scoring.sacrebleu_adapter import score_from_segments

        metrics = make_metrics(sentence_level=True, trg_lang=self.trg_lang)
        return {name: {system: [float(score_from_segments(metric, [seg]).score) for seg in by_system[system]]
                       for system in by_system}
                for name, by_system in self.stats.items() for metric in [metrics[name]]}

    def subset_scores(self, metric: str, indices: Sequence[int]) -> dict[str, float]:
        """Corpus ``metric`` of every system on the segments at ``indices`` (e.g. one document)."""
        from annotate.scoring.sacrebleu_adapter import score_from_segments

        scorer = make_metrics(trg_lang=self.trg_lang)[metric]
        return {system: float(score_from_segments(scorer, [stats[i] for i in indices]).score)
                for system, stats in self.stats[metric].items()}

    def memo_metrics(self) -> dict[str, Metric]:
        """Metric objects for ``sacrebleu.significance.PairedTest`` that return these statistics
        instead of recomputing them (any other hypotheses are computed normally)."""
        from sacrebleu.metrics import BLEU, CHRF, TER

        from annotate.scoring.sacrebleu_adapter import memoizing_metric, set_reference_count

        classes = {BLEU_NAME: BLEU, CHRF_NAME: CHRF, TER_NAME: TER}
        kwargs: dict[str, dict[str, Any]] = {BLEU_NAME: {"trg_lang": bleu_language(self.trg_lang)},
                                             CHRF_NAME: {"word_order": 2}, TER_NAME: {}}
        out = {}
        for name, cls in classes.items():
            memo = {tuple(self.hypotheses[s]): stats for s, stats in self.stats[name].items()}
            out[name] = memoizing_metric(cls, memo, **kwargs[name])
            set_reference_count(out[name], len(self.references))  # for signatures: sacrebleu sets it on extraction
        return out


_FORK_STATE: tuple[dict[str, list[str]], list[list[str]], str] | None = None


def _extract_one(job: tuple[str, str]) -> list[Any]:
    from annotate.scoring.sacrebleu_adapter import corpus_statistics

    metric_name, system = job
    assert _FORK_STATE is not None
    hypotheses, references, trg_lang = _FORK_STATE
    metric = make_metrics(trg_lang=trg_lang)[metric_name]
    return corpus_statistics(metric, hypotheses[system], references)


def _extract_system(system: str) -> dict[str, list[Any]]:
    """All three metrics' statistics of one system against the one reference stream."""
    from annotate.scoring.sentence_stats import SentenceStatistics

    assert _FORK_STATE is not None
    hypotheses, references, trg_lang = _FORK_STATE
    metrics = make_metrics(trg_lang=trg_lang)
    statistics = SentenceStatistics(metrics[BLEU_NAME], metrics[CHRF_NAME], metrics[TER_NAME])
    per_segment = [statistics(hypothesis, reference) for hypothesis, reference in zip(hypotheses[system], references[0])]
    return {name: [segment[index] for segment in per_segment] for index, name in enumerate(METRIC_NAMES)}


def _signature(metric: Any, n_refs: int) -> str:
    from annotate.scoring.sacrebleu_adapter import set_reference_count

    set_reference_count(metric, n_refs)  # what sacrebleu records once it has seen the references
    return str(metric.get_signature())


def _score(metric: Any, score: Any) -> MetricScore:
    return MetricScore(metric=score.name, score=float(score.score), signature=str(metric.get_signature()),
                       higher_is_better=HIGHER_IS_BETTER.get(score.name, True))
