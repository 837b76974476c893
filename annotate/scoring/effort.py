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

What a segment costs under each protocol (``annotate effort``): every submitted annotation, MQM or
ESA, is a :class:`TimedAnnotation` (an ESA page's rated translations are its scores), each task's
a :class:`TimedTask` under its protocol (:mod:`annotate.labelstudio.timing` reads them from an
export); :func:`compare_protocols` gives each protocol's :class:`EffortReport` and ESA's paces as a
ratio of MQM's (:class:`EffortComparison`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Literal

from annotate.records import AnnotatedDocument, DocumentAnnotation
from annotate.scoring.mqm import COUNTED_STATUSES

MQM, ESA = "mqm", "esa"
PROTOCOLS = (MQM, ESA)  # the order of every table and JSON object
PROTOCOL_NAMES = {MQM: "MQM", ESA: "ESA"}
ALL_ANNOTATORS = "all annotators"  # the pooled row's name


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
    def median_task_seconds(self) -> float | None:
        return median(self.task_seconds) if self.task_seconds else None

    @property
    def seconds_per_segment(self) -> float | None:
        return self.seconds / self.segments if self.segments else None

    @property
    def seconds_per_translation(self) -> float | None:
        return self.seconds / self.translations if self.translations else None

    def to_json_dict(self, untimed: int = 0) -> dict[str, Any]:
        """The numbers of ``annotate effort --json`` (``untimed``: the annotator's untimed ones)."""
        return {"annotator": self.annotator, "timed": len(self.task_seconds), "untimed": untimed,
                "segments": self.segments, "translations": self.translations,
                "seconds": self.seconds if self.task_seconds else None,  # untimed is no zero time
                "median_task_seconds": self.median_task_seconds, "seconds_per_segment": self.seconds_per_segment,
                "seconds_per_translation": self.seconds_per_translation}


@dataclass
class EffortReport:
    """Every annotator's timed work; ``untimed`` counts submitted annotations without a time
    (``untimed_by``: per annotator)."""

    annotators: list[AnnotatorEffort] = field(default_factory=list)
    untimed: int = 0
    # started from the suggestions? → (annotations, seconds, source sentences), timed ones only
    by_start: dict[bool, tuple[int, float, int]] = field(default_factory=dict)
    untimed_by: dict[str, int] = field(default_factory=dict)

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

    @property
    def pooled(self) -> AnnotatorEffort:
        """Every timed annotation as one annotator's (:data:`ALL_ANNOTATORS`): the pooled paces."""
        return AnnotatorEffort(ALL_ANNOTATORS, [s for a in self.annotators for s in a.task_seconds],
                               sum(a.segments for a in self.annotators), sum(a.translations for a in self.annotators))

    def rows(self) -> list[tuple[AnnotatorEffort, int]]:
        """(annotator's timed work, their untimed annotations) for every annotator who submitted one,
        timed or not, in pseudonym order; an annotator with untimed ones only has no timed work."""
        timed = {a.annotator: a for a in self.annotators}
        return [(timed.get(name) or AnnotatorEffort(name), self.untimed_by.get(name, 0))
                for name in sorted(timed.keys() | self.untimed_by.keys())]

    def hours_for(self, translations: int) -> float | None:
        """Annotator-hours ``translations`` rated translations take at the pooled pace (an upper
        bound for MQM alone: the pace includes every layer)."""
        pace = self.seconds_per_translation
        return None if pace is None else translations * pace / 3600

    def to_json_dict(self) -> dict[str, Any]:
        """Every annotator's numbers and the pooled ones (``all``), as ``annotate effort --json``."""
        return {"annotators": [a.to_json_dict(untimed) for a, untimed in self.rows()],
                "all": {**self.pooled.to_json_dict(self.untimed), "annotator": None}}


def format_duration(seconds: float | None) -> str:
    """``4.4 s``, ``42 s``, ``3.5 min``, ``12.0 h``; ``—`` for None."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:,.1f} h"


@dataclass(frozen=True)
class TimedAnnotation:
    """One submitted annotation, whatever the protocol: who made it, the seconds the labeling UI
    timed (None: untimed), the source sentences of its task, the translations it rated, and
    whether it started from the suggestions."""

    annotator: str
    lead_time: float | None
    segments: int
    translations: int
    started_from_suggestions: bool = False


def document_annotations(doc: AnnotatedDocument, *, statuses: Sequence[str] = COUNTED_STATUSES,
                         translations: Callable[[DocumentAnnotation], int] | None = None
                         ) -> Iterator[TimedAnnotation]:
    """The annotations of ``doc`` with one of ``statuses``, as TimedAnnotations. ``translations``:
    how many translations an annotation rated; by default its MQM ratings (every (system, segment)
    pair a submission saw); an ESA page rates none in MQM, its caller counts its scores."""
    for annotation in doc.annotations:
        if annotation.status in statuses:
            yield TimedAnnotation(annotation.annotator, annotation.lead_time, len(doc.segments),
                                  len(annotation.ratings) if translations is None else translations(annotation),
                                  annotation.parent_prediction is not None)


def effort_of(annotations: Iterable[TimedAnnotation]) -> EffortReport:
    """The timed ``annotations`` per annotator (pseudonym order), the untimed counted apart."""
    by_annotator: dict[str, AnnotatorEffort] = {}
    by_start: dict[bool, tuple[int, float, int]] = {}
    untimed_by: dict[str, int] = {}
    for annotation in annotations:
        if annotation.lead_time is None:  # made through the API: no time, never a zero one
            untimed_by[annotation.annotator] = untimed_by.get(annotation.annotator, 0) + 1
            continue
        entry = by_annotator.setdefault(annotation.annotator, AnnotatorEffort(annotation.annotator))
        entry.task_seconds.append(annotation.lead_time)
        entry.segments += annotation.segments
        entry.translations += annotation.translations
        count, seconds, segments = by_start.get(annotation.started_from_suggestions, (0, 0.0, 0))
        by_start[annotation.started_from_suggestions] = (count + 1, seconds + annotation.lead_time,
                                                         segments + annotation.segments)
    return EffortReport(annotators=[by_annotator[name] for name in sorted(by_annotator)],
                        untimed=sum(untimed_by.values()), by_start=by_start, untimed_by=untimed_by)


def annotation_effort(docs: Iterable[AnnotatedDocument], *, statuses: Sequence[str] = COUNTED_STATUSES) -> EffortReport:
    """The timed annotations of ``docs`` per annotator (pseudonym order)."""
    return effort_of(annotation for doc in docs for annotation in document_annotations(doc, statuses=statuses))


# ── MQM against ESA ─────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TimedTask:
    """One task's submitted annotations under the protocol its page asked for (:data:`PROTOCOLS`);
    ``extras``: the work the page asked for beside that protocol's ratings (e.g. ``entities``,
    ``post-edits``: the MQM page always does, an ESA page when pushed with them)."""

    protocol: str
    doc_id: str
    annotations: tuple[TimedAnnotation, ...]
    extras: frozenset[str] = frozenset()


@dataclass
class EffortComparison:
    """Each protocol's annotation time (the protocols that had a task), and ESA's pace as a ratio
    of MQM's. ``documents``: the doc_ids of each protocol's timed tasks (the material the paces
    were measured on); ``extras``: what else its timed pages asked for."""

    reports: dict[str, EffortReport] = field(default_factory=dict)
    documents: dict[str, frozenset[str]] = field(default_factory=dict)
    extras: dict[str, frozenset[str]] = field(default_factory=dict)

    def ratio(self, per: Literal["segment", "translation"]) -> float | None:
        """ESA's pooled seconds per source segment (or per rated translation) over MQM's; None
        unless both protocols have that pace."""
        paces = [self.pace(protocol, per) for protocol in (ESA, MQM)]
        return None if paces[0] is None or not paces[1] else paces[0] / paces[1]

    def pace(self, protocol: str, per: Literal["segment", "translation"]) -> float | None:
        """A protocol's pooled seconds per source segment (or per rated translation); None without it."""
        report = self.reports.get(protocol)
        if report is None:
            return None
        pooled = report.pooled
        return pooled.seconds_per_segment if per == "segment" else pooled.seconds_per_translation

    @property
    def shared_documents(self) -> frozenset[str]:
        """The documents both protocols were timed on."""
        return self.documents.get(MQM, frozenset()) & self.documents.get(ESA, frozenset())

    @property
    def same_documents(self) -> bool:
        """Were both protocols timed on exactly the same documents (the ratio compares like with like)?"""
        return self.documents.get(MQM, frozenset()) == self.documents.get(ESA, frozenset())

    def to_json_dict(self) -> dict[str, Any]:
        """``annotate effort --json``: every protocol (null when no task had it) and the ratio
        (null unless both were timed)."""
        protocols = {protocol: None if protocol not in self.reports else {
            **self.reports[protocol].to_json_dict(), "documents": len(self.documents.get(protocol, ())),
            "extras": sorted(self.extras.get(protocol, ()))} for protocol in PROTOCOLS}
        ratio = None
        if self.ratio("segment") is not None or self.ratio("translation") is not None:
            ratio = {"per_segment": self.ratio("segment"), "per_translation": self.ratio("translation"),
                     "same_documents": self.same_documents, "shared_documents": len(self.shared_documents)}
        return {"protocols": protocols, "esa_to_mqm": ratio}


def compare_protocols(tasks: Iterable[TimedTask]) -> EffortComparison:
    """Each protocol's :class:`EffortReport` over ``tasks`` (only the protocols they hold), the
    documents and page extras of its timed tasks."""
    by_protocol: dict[str, list[TimedTask]] = {}
    for task in tasks:
        if task.protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {task.protocol!r} (known: {', '.join(PROTOCOLS)})")
        by_protocol.setdefault(task.protocol, []).append(task)
    comparison = EffortComparison()
    for protocol in (p for p in PROTOCOLS if p in by_protocol):
        found = by_protocol[protocol]
        comparison.reports[protocol] = effort_of(a for task in found for a in task.annotations)
        timed = [task for task in found if any(a.lead_time is not None for a in task.annotations)]
        comparison.documents[protocol] = frozenset(task.doc_id for task in timed)
        comparison.extras[protocol] = frozenset(extra for task in timed for extra in task.extras)
    return comparison
