"""The error-span TSV of the WMT23/24 QE shared task 2 ("fine-grained error span detection").

Followed: the README of WMT-QE-Task/wmt-qe-2023-data (task 2 data: "mt_model, doc_id, seg_id,
annotator_id, source, target, error start id, error end id, error type"), its files
``task_2/train/*_processed.tsv`` (no header line) and ``task_2/evaluation/eval_task2_error_span_annotations.py``
(spans as character offsets, end exclusive; an empty span counts as one character). One line per
rater's rating of one translation, nine tab-separated columns::

    mt_model  doc_id  seg_id  annotator_id  source  target  START…  END…  TYPE…

``START…``/``END…``/``TYPE…`` are space-separated lists, one item per error span in the target,
sorted by (start, end): code-point offsets into ``target`` and ``minor`` / ``major``; a rating with
no span is ``-1  -1  no-error``. ``seg_id`` is the segment's number within its document (the MQM
TSV's ``doc_id`` column, as in WMT's files). (WMT's 2021 TED training files have the source and
target columns swapped, a slip of their conversion notebook; we write the documented order.)

What the format cannot hold is left out and counted, never silent: errors marked on the source or
nowhere (the task's spans index the target), and Neutral errors (no error for QE; weight 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotate.exchange.common import ExchangeError, lines_text, one_line, read_lines
from annotate.records import AnnotatedDocument, SegmentRating

NO_ERROR = "no-error"
SEVERITIES = {"Major": "major", "Minor": "minor"}  # our severity → the task's type
COLUMNS: tuple[str, ...] = ("mt_model", "doc_id", "seg_id", "annotator_id", "source", "target",
                            "error_start", "error_end", "error_type")


@dataclass(frozen=True)
class SpanRating:
    """One line: a rater's target-side spans on one translation, ``(start, end, type)`` sorted."""

    system: str
    doc_id: str
    seg_id: int
    rater: str
    source: str
    target: str
    spans: tuple[tuple[int, int, str], ...] = ()


@dataclass
class SpanExport:
    """The lines, and the errors left out (by reason)."""

    ratings: list[SpanRating] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=lambda: {"source side": 0, "no span": 0, "neutral": 0})


def span_ratings(docs: list[AnnotatedDocument], statuses: tuple[str, ...] = ("completed",)) -> SpanExport:
    """One :class:`SpanRating` per rating of the documents' (completed) annotations, in document,
    segment, system (as first shown), rater order."""
    export = SpanExport()
    for doc in docs:
        order = {s: i for i, s in enumerate(dict.fromkeys(t.system for t in doc.translations))}
        ratings: list[SegmentRating] = [r for a in doc.annotations if a.status in statuses for r in a.ratings]
        ratings.sort(key=lambda r: (r.seg_id, order.get(r.system, len(order)), r.system, r.rater))
        for rating in ratings:
            spans = []
            for error in rating.errors:
                if error.side != "target":
                    export.left_out["source side" if error.side == "source" else "no span"] += 1
                elif error.severity not in SEVERITIES:
                    export.left_out["neutral"] += 1
                else:
                    spans.append((error.start, error.end, SEVERITIES[error.severity]))
            export.ratings.append(SpanRating(rating.system, rating.doc_id, rating.seg_id, rating.rater,
                                             rating.source, rating.target, tuple(sorted(spans))))
    return export


def format_line(rating: SpanRating) -> str:
    """The TSV line of one rating."""
    where = f"{rating.system} {rating.doc_id}#{rating.seg_id} rater {rating.rater}"
    fields = [rating.system, rating.doc_id, str(rating.seg_id), rating.rater, rating.source, rating.target]
    for name, value in zip(COLUMNS, fields):
        one_line(value, f"{where}: {name}", tabs=True)
    if not rating.spans:
        return "\t".join([*fields, "-1", "-1", NO_ERROR])
    starts, ends, types = zip(*rating.spans)
    return "\t".join([*fields, " ".join(map(str, starts)), " ".join(map(str, ends)), " ".join(types)])


def error_span_files(export: SpanExport, name: str = "mqm") -> dict[str, str]:
    """``{NAME.error_spans.tsv: text}``."""
    if not export.ratings:
        raise ExchangeError("no rating to export")
    return {f"{name}.error_spans.tsv": lines_text(format_line(r) for r in export.ratings)}


def read_error_spans(path: Path) -> list[SpanRating]:
    """The ratings of a task-2 TSV file (a header line naming ``mt_model`` is skipped). Raises
    :class:`ExchangeError` naming file and line for a wrong column count, lists of different
    lengths, an offset that is not an integer or lies outside the target, or an unknown type."""
    ratings = []
    for number, line in enumerate(read_lines(Path(path)), 1):
        if not line.strip() or (number == 1 and line.startswith("mt_model\t")):
            continue
        fields = line.split("\t")
        where = f"{path}:{number}"
        if len(fields) != len(COLUMNS):
            raise ExchangeError(f"{where}: expected {len(COLUMNS)} tab-separated columns, found {len(fields)}")
        system, doc_id, seg_id, rater, source, target, starts, ends, types = fields
        if not seg_id.isdigit():
            raise ExchangeError(f"{where}: seg_id {seg_id!r} is not a number")
        ratings.append(SpanRating(system, doc_id, int(seg_id), rater, source, target,
                                  _spans(starts, ends, types, len(target), where)))
    return ratings


def _spans(starts: str, ends: str, types: str, length: int, where: str) -> tuple[tuple[int, int, str], ...]:
    if (starts, ends, types) == ("-1", "-1", NO_ERROR):
        return ()
    items = [starts.split(" "), ends.split(" "), types.split(" ")]
    if len({len(item) for item in items}) != 1:
        raise ExchangeError(f"{where}: {len(items[0])} starts, {len(items[1])} ends, {len(items[2])} types")
    spans = []
    for start, end, kind in zip(*items):
        try:
            a, b = int(start), int(end)
        except ValueError:
            raise ExchangeError(f"{where}: offsets {start!r} {end!r} are not integers") from None
        if not 0 <= a <= b <= length:
            raise ExchangeError(f"{where}: span {a}-{b} lies outside the target ({length} characters)")
        if kind not in SEVERITIES.values():
            raise ExchangeError(f"{where}: error type {kind!r} is not minor, major or a lone no-error")
        spans.append((a, b, kind))
    return tuple(spans)
