"""How long the annotation took, from the time Label Studio's labeling UI records on each
annotation (``lead_time``: seconds the task was open before it was submitted, summed over the
sessions spent on it). Annotations created through the API (imported gold, WMT files) carry none
and are counted as untimed, never as zero.

A task is the whole job on one article: entities and claims on the source, MQM on every system's
translation, a post-edit of every sentence. The pace per *rated translation* (task time divided by
the (system, segment) pairs the annotation rated) therefore includes all of it: priced with it, an
MQM-only round costs at most that (:meth:`EffortReport.hours_for`).

The other side of pre-annotation's anchoring (:mod:`annotate.scoring.preannotation`) is the time
it saves: :attr:`EffortReport.by_start` sets the pace of annotations that started from the
suggestions against those made from scratch, per source sentence (tasks differ in length).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

from annotate.records import AnnotatedDocument
from annotate.scoring.mqm import COUNTED_STATUSES


@dataclass
class AnnotatorEffort:
    """One annotator's timed annotations."""

    annotator: str
    task_seconds: list[float] = field(default_factory=list)  # one per timed annotation
    segments: int = 0  # source sentences of the timed tasks
    translations: int = 0  # (system, segment) pairs the timed annotations rated

    @property
    def seconds(self) -> float:
        return sum(self.task_seconds)

    @property
    def median_task_seconds(self) -> float:
        return median(self.task_seconds)

    @property
    def seconds_per_segment(self) -> float | None:
        return self.seconds / self.segments if self.segments else None

    @property
    def seconds_per_translation(self) -> float | None:
        return self.seconds / self.translations if self.translations else None


@dataclass
class EffortReport:
    """Every annotator's timed work; ``untimed`` counts submitted annotations without a time."""

    annotators: list[AnnotatorEffort] = field(default_factory=list)
    untimed: int = 0
    # started from the suggestions? → (annotations, seconds, source sentences), timed ones only
    by_start: dict[bool, tuple[int, float, int]] = field(default_factory=dict)

    def seconds_per_segment(self, started_from_suggestions: bool) -> float | None:
        """Pace per source sentence of the timed annotations that did (or did not) start from
        the suggestions; None without any."""
        _, seconds, segments = self.by_start.get(started_from_suggestions, (0, 0.0, 0))
        return seconds / segments if segments else None

    @property
    def time_saved(self) -> float | None:
        """Share of the from-scratch time per sentence that starting from the suggestions saved
        (negative: it cost time); None unless both kinds were timed."""
        started, scratch = self.seconds_per_segment(True), self.seconds_per_segment(False)
        return None if started is None or not scratch else 1 - started / scratch

    def __bool__(self) -> bool:
        return bool(self.annotators)

    @property
    def timed(self) -> int:
        return sum(len(a.task_seconds) for a in self.annotators)

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.annotators)

    @property
    def seconds_per_translation(self) -> float | None:
        """The pooled pace: all timed seconds over all translations those annotations rated."""
        translations = sum(a.translations for a in self.annotators)
        return self.seconds / translations if translations else None

    def hours_for(self, translations: int) -> float | None:
        """Annotator-hours ``translations`` rated translations take at the pooled pace (an upper
        bound for MQM alone: the pace includes every layer)."""
        pace = self.seconds_per_translation
        return None if pace is None else translations * pace / 3600


def format_duration(seconds: float | None) -> str:
    """``4.4 s``, ``42 s``, ``3.5 min``, ``12.0 h``; ``—`` for None."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:,.1f} h"


def annotation_effort(docs: Iterable[AnnotatedDocument], *, statuses: Sequence[str] = COUNTED_STATUSES) -> EffortReport:
    """The timed annotations of ``docs`` per annotator (pseudonym order)."""
    by_annotator: dict[str, AnnotatorEffort] = {}
    by_start: dict[bool, tuple[int, float, int]] = {}
    untimed = 0
    for doc in docs:
        for annotation in doc.annotations:
            if annotation.status not in statuses:
                continue
            if annotation.lead_time is None:
                untimed += 1
                continue
            entry = by_annotator.setdefault(annotation.annotator, AnnotatorEffort(annotation.annotator))
            entry.task_seconds.append(annotation.lead_time)
            entry.segments += len(doc.segments)
            entry.translations += len(annotation.ratings)
            started = annotation.parent_prediction is not None
            count, seconds, segments = by_start.get(started, (0, 0.0, 0))
            by_start[started] = (count + 1, seconds + annotation.lead_time, segments + len(doc.segments))
    return EffortReport(annotators=[by_annotator[name] for name in sorted(by_annotator)], untimed=untimed,
                        by_start=by_start)
