"""Read and write Google's WMT MQM TSV format (google/wmt-mqm-human-evaluation, MQM Viewer).

One row per error, tab-separated, columns::

    system  doc  doc_id  seg_id  rater  source  target  category  severity  [comment]

* ``doc_id`` is the 1-based segment number *within* the document (our ``Segment.seg_id``);
  ``seg_id`` is the segment number across the whole file (kept in ``Segment.global_seg_id``).
* The error span is marked inline with ``<v>…</v>`` in the target (or, for e.g. omissions, in the
  source: ``ErrorSpan.side``); ``<v></v>`` is an empty span (a position). A segment a rater saw without errors is one
  ``No-error`` row (category and severity ``No-error``).
* Quotes are text, not CSV quoting: lines are split on tabs only (``csv.QUOTE_NONE``).

Import gives :class:`~annotate.records.AnnotatedDocument` records (one per ``doc``; one
:class:`~annotate.records.DocumentAnnotation` per rater, holding that rater's
:class:`~annotate.records.SegmentRating` records with code-point :class:`ErrorSpan` offsets into
the clean text), and export writes them back: import → export → import is lossless. The file has
no language column: the documents' language pair is given, or read from Google's file names
(``mqm_ted_ende.tsv`` → en-de), else left unknown (``""``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from annotate.languages import UNKNOWN, LanguagePair, pair_from_file_name
from annotate.records import (
    AnnotatedDocument,
    DocumentAnnotation,
    ErrorSpan,
    Segment,
    SegmentRating,
    Translation,
)
from annotate.schema import NO_ERROR, mqm_category_names, severity_names

COLUMNS: tuple[str, ...] = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target",
                            "category", "severity", "comment")
OPEN, CLOSE = "<v>", "</v>"
SEGMENT_SEPARATOR = "\n"  # AnnotatedDocument.text of an imported doc: its source segments, one per line
BYTE_ORDER_MARK = "\ufeff"  # may start a UTF-8 file; read_mqm_tsv and parse_mqm_tsv skip it


class MQMTsvError(ValueError):
    """Bad MQM TSV input; the message starts with ``file:line:``."""


@dataclass
class MQMTsv:
    """An imported MQM TSV file: the documents, with the file's systems and raters in order."""

    documents: list[AnnotatedDocument]
    systems: list[str]
    raters: list[str]
    has_comment_column: bool = True

    @property
    def global_seg_ids(self) -> dict[tuple[str, int], int]:
        """(doc, doc_id) → the file-wide ``seg_id`` (each ``Segment.global_seg_id``)."""
        return {(s.doc_id, s.seg_id): s.global_seg_id for d in self.documents for s in d.segments
                if s.global_seg_id is not None}


def read_mqm_tsv(path: str | Path, *, extra_categories: Iterable[str] = (),
                 languages: LanguagePair | None = None) -> MQMTsv:
    """Import an MQM TSV file (UTF-8, with or without a byte order mark). ``extra_categories`` admits
    categories beyond the schema's; ``languages``: the documents' pair (default: from the file name,
    see :func:`parse_mqm_tsv`). The records are :func:`parse_mqm_tsv`'s; the file is read document by
    document (:class:`annotate.mqm_tsv_stream.MQMTsvReader`, which gives them one at a time without
    this list), so only the documents take memory, not every row's pieces."""
    from annotate.mqm_tsv_stream import MQMTsvReader  # it builds on this module

    reader = MQMTsvReader(path, extra_categories=extra_categories, languages=languages)
    return MQMTsv(documents=list(reader), systems=reader.systems, raters=reader.raters,
                  has_comment_column=reader.has_comment_column)


def parse_mqm_tsv(lines: Iterable[str], *, name: str = "<tsv>", extra_categories: Iterable[str] = (),
                  languages: LanguagePair | None = None) -> MQMTsv:
    """Parse MQM TSV lines into records; every problem raises :class:`MQMTsvError` naming
    ``name:line``: no data rows at all, wrong column count, non-integer ids, unknown category or severity, unbalanced
    or multiple ``<v>`` markers, or a segment whose clean source/target differs between rows.
    ``languages`` (default: read from a Google file ``name`` such as ``mqm_ted_ende.tsv``, else
    unknown) goes into every document's ``source_language``/``target_language``.

    Every row is held until the end (any line order works); a file is better read with
    :func:`read_mqm_tsv` or, one document at a time, :class:`annotate.mqm_tsv_stream.MQMTsvReader`."""
    rows = RowReader(name, extra_categories)
    builder = RowsBuilder(name, languages or pair_from_file_name(name) or LanguagePair(UNKNOWN, UNKNOWN))
    for number, raw in enumerate(lines, 1):
        row = rows.read(number, raw)
        if row is not None:
            builder.add(**row)
    rows.check_not_empty()
    result = builder.build()
    result.has_comment_column = rows.has_comment_column
    return result


class RowReader:
    """Checks MQM TSV lines one at a time (header, column count, integer ids, known category and
    severity) and turns each data line into :meth:`RowsBuilder.add`'s keyword arguments."""

    def __init__(self, name: str, extra_categories: Iterable[str] = ()) -> None:
        self.name = name
        self.categories = set(mqm_category_names()) | set(extra_categories)
        self.severities = set(severity_names())
        self.n_columns: int | None = None  # from the header, else the first data row
        self.n_rows = 0

    @property
    def has_comment_column(self) -> bool:
        """Whether the file has the optional 10th column."""
        return self.n_columns != 9

    def read(self, number: int, raw: str) -> dict[str, Any] | None:
        """Line ``number`` (1-based, with or without its line end) as a row, or None for the
        header or a blank line; raises MQMTsvError naming ``name:number``."""
        line = raw[:-1] if raw.endswith("\n") else raw
        line = line[:-1] if line.endswith("\r") else line
        if number == 1:  # a byte order mark (Excel's "UTF-8" TSV) belongs to no header or system name
            line = line.removeprefix(BYTE_ORDER_MARK)
        if not line.strip():
            return None
        fields = line.split("\t")
        if number == 1 and fields[:2] == ["system", "doc"]:
            self.n_columns = len(fields)
            if fields != list(COLUMNS[:self.n_columns]) or self.n_columns not in (9, 10):
                raise MQMTsvError(f"{self.name}:1: unexpected header {fields}; expected {list(COLUMNS)}")
            return None
        where = f"{self.name}:{number}"
        if len(fields) not in (9, 10) or (self.n_columns is not None and len(fields) != self.n_columns):
            expected = self.n_columns or "9 or 10"
            raise MQMTsvError(f"{where}: expected {expected} tab-separated columns, found {len(fields)}")
        self.n_columns = self.n_columns or len(fields)
        system, doc, local_id, global_id, rater, source, target, category, severity = fields[:9]
        comment = fields[9] if len(fields) == 10 else ""
        if category == NO_ERROR:
            if severity not in (NO_ERROR, ""):
                raise MQMTsvError(f"{where}: a {NO_ERROR} row has severity {severity!r}")
        elif category not in self.categories:
            raise MQMTsvError(
                f"{where}: unknown MQM category {category!r}; known: {sorted(self.categories)} "
                "(add it to annotate/schema.py MQM_CATEGORIES, or allow it explicitly)"
            )
        elif severity not in self.severities:
            raise MQMTsvError(f"{where}: unknown MQM severity {severity!r}; known: {sorted(self.severities)}")
        self.n_rows += 1
        return {"where": where, "system": system, "doc": doc, "local_id": _int(local_id, "doc_id", where),
                "global_id": _int(global_id, "seg_id", where), "rater": rater, "source": source,
                "target": target, "category": category, "severity": severity, "comment": comment}

    def check_values(self, system: str, doc: str, seg_id: str, rater: str, *, category: str, severity: str) -> None:
        """Refuse a row to be written whose category or severity :meth:`read` would refuse."""
        if category == NO_ERROR or (category in self.categories and severity in self.severities):
            return
        where = f"{system} {doc}#{seg_id} rater {rater}"
        if category not in self.categories:
            raise ValueError(f"{where}: MQM category {category!r} is not in the label schema (known: "
                             f"{sorted(self.categories)}); MQM TSV readers would refuse it (allow it explicitly)")
        raise ValueError(f"{where}: MQM severity {severity!r} is not in the label schema (known: "
                         f"{sorted(self.severities)}); MQM TSV readers would refuse it")

    def check_not_empty(self) -> None:
        """Raise when no data row was read: an empty import would silently overwrite -o files and
        score nothing."""
        if not self.n_rows:
            raise MQMTsvError(f"{self.name}: no rows (the file is empty or has only a header)")


def strip_markers(text: str, where: str = "<text>") -> tuple[str, list[tuple[int, int]]]:
    """Remove ``<v>``/``</v>`` markers; return the clean text and each span's code-point
    ``(start, end)`` in it. A last ``<v>`` left open runs to the end of the text; a nested
    ``<v>`` or a stray ``</v>`` raises :class:`MQMTsvError`."""
    clean: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    position = 0
    open_at: int | None = None
    while True:
        next_open = text.find(OPEN, position)
        next_close = text.find(CLOSE, position)
        candidates = [i for i in (next_open, next_close) if i >= 0]
        if not candidates:
            break
        index = min(candidates)
        clean.append(text[position:index])
        length += index - position
        if index == next_open:
            if open_at is not None:
                raise MQMTsvError(f"{where}: nested {OPEN} marker at character {index}")
            open_at = length
            position = index + len(OPEN)
        else:
            if open_at is None:
                raise MQMTsvError(f"{where}: {CLOSE} without {OPEN} at character {index}")
            spans.append((open_at, length))
            open_at = None
            position = index + len(CLOSE)
    clean.append(text[position:])
    if open_at is not None:
        # Real WMT files have a few targets whose closing tag was lost ("… Mobilität. <v>?"):
        # the span then runs to the end of the text (export writes the closing tag back).
        spans.append((open_at, length + len(text) - position))
    return "".join(clean), spans


def mark_span(text: str, start: int, end: int) -> str:
    """Insert ``<v>…</v>`` around ``text[start:end]`` (an empty span gives ``<v></v>``)."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} is outside a text of {len(text)} characters")
    return f"{text[:start]}{OPEN}{text[start:end]}{CLOSE}{text[end:]}"


def write_mqm_tsv(
    docs: Sequence[AnnotatedDocument], out: str | Path | IO[str], *, statuses: Sequence[str] = ("completed",),
    extra_categories: Iterable[str] = (),
) -> int:
    """Write the documents' ratings as MQM TSV (10 columns, with header); returns the row count.

    Rows come in document, segment, system, rater order. The file-wide ``seg_id`` column is each
    segment's ``global_seg_id`` (kept from an imported TSV); segments without one are numbered
    1, 2, … across the documents in order. A category or severity that reading the file back would
    refuse (:class:`RowReader`: the schema's, plus ``extra_categories``) is a ValueError naming the
    rating: what is written always reads back."""
    if isinstance(out, (str, Path)):
        with Path(out).open("w", encoding="utf-8", newline="") as stream:
            return write_mqm_tsv(docs, stream, statuses=statuses, extra_categories=extra_categories)
    known = RowReader("<written>", extra_categories)
    out.write("\t".join(COLUMNS) + "\n")
    count = 0
    for row in iter_mqm_rows(docs, statuses=statuses):
        known.check_values(row[0], row[1], row[2], row[4], category=row[7], severity=row[8])
        out.write("\t".join(row) + "\n")
        count += 1
    return count


def iter_mqm_rows(
    docs: Sequence[AnnotatedDocument], *, statuses: Sequence[str] = ("completed",),
) -> Iterator[list[str]]:
    """The rows :func:`write_mqm_tsv` writes, as lists of 10 fields."""
    system_order: dict[str, int] = {}
    for doc in docs:  # systems in the order they were shown (translations), then rated
        for translation in doc.translations:
            system_order.setdefault(translation.system, len(system_order))
    running = 0
    for doc in docs:
        by_segment: dict[int, list[SegmentRating]] = {}
        for ann in doc.annotations:
            if ann.status not in statuses:
                continue
            for rating in ann.ratings:
                system_order.setdefault(rating.system, len(system_order))
                by_segment.setdefault(rating.seg_id, []).append(rating)
        global_ids = {s.seg_id: s.global_seg_id for s in doc.segments if s.global_seg_id is not None}
        seg_ids = [s.seg_id for s in doc.segments] or sorted(by_segment)
        seg_ids += sorted(set(by_segment) - set(seg_ids))
        for seg_id in seg_ids:
            ratings = by_segment.get(seg_id, [])
            if not ratings:
                continue
            running += 1
            global_id = global_ids.get(seg_id, running)
            ratings.sort(key=lambda r: (system_order[r.system], r.rater))
            for rating in ratings:
                yield from _rating_rows(doc.doc_id, seg_id, global_id, rating)


def _rating_rows(doc: str, seg_id: int, global_id: int, rating: SegmentRating) -> Iterator[list[str]]:
    where = f"{rating.system} {doc}#{seg_id} rater {rating.rater}"
    for name, value in (("system", rating.system), ("rater", rating.rater), ("doc", doc),
                        ("source", rating.source), ("target", rating.target)):
        if "\t" in value or "\n" in value or "\r" in value:
            raise ValueError(f"{where}: {name} contains a tab or line break, which MQM TSV cannot hold")
        if OPEN in value or CLOSE in value:
            raise ValueError(f"{where}: {name} contains a literal {OPEN} or {CLOSE} marker")
    head = [rating.system, doc, str(seg_id), str(global_id), rating.rater]
    if not rating.errors:
        yield [*head, rating.source, rating.target, NO_ERROR, NO_ERROR, ""]
        return
    for error in rating.errors:
        source, target = rating.source, rating.target
        side = error.side
        marked_text = {"target": target, "source": source}.get(side)
        if marked_text is not None and marked_text[error.start:error.end] != error.text:
            raise ValueError(f"{where}: error span {error.start}:{error.end} is {marked_text[error.start:error.end]!r} "
                             f"in the {side}, but the error says {error.text!r}")
        if side == "target":
            target = mark_span(target, error.start, error.end)
        elif side == "source":
            source = mark_span(source, error.start, error.end)
        comment = error.comment.replace("\t", " ").replace("\r", " ").replace("\n", " ")
        yield [*head, source, target, error.category, error.severity, comment]


class RowsBuilder:
    """Accumulates rows (of a whole file, or of one document: MQMTsvReader) into records, and checks
    that every segment's text agrees across rows."""

    def __init__(self, name: str, languages: LanguagePair) -> None:
        self.name = name
        self.languages = languages
        self.docs: dict[str, dict[int, tuple[str, str]]] = {}  # doc → local id → (source, where)
        self.targets: dict[tuple[str, str, int], tuple[str, str]] = {}  # (system, doc, id) → (target, where)
        self.global_ids: dict[tuple[str, int], int] = {}
        self.ratings: dict[tuple[str, str, int, str], SegmentRating] = {}
        self.no_error: dict[tuple[str, str, int, str], str] = {}
        self.systems: dict[str, None] = {}
        self.raters: dict[str, None] = {}

    def add(self, where: str, *, system: str, doc: str, local_id: int, global_id: int, rater: str,
            source: str, target: str, category: str, severity: str, comment: str) -> None:
        clean_source, source_spans = strip_markers(source, f"{where}: source")
        clean_target, target_spans = strip_markers(target, f"{where}: target")
        self._agree(where, doc, local_id, global_id, system, clean_source, clean_target)
        self.systems.setdefault(system)
        self.raters.setdefault(rater)
        key = (system, doc, local_id, rater)
        rating = self.ratings.get(key)
        if rating is None:
            rating = self.ratings[key] = SegmentRating(system=system, doc_id=doc, seg_id=local_id, rater=rater,
                                                       source=clean_source, target=clean_target, doc=doc)
        if category == NO_ERROR:
            if source_spans or target_spans:
                raise MQMTsvError(f"{where}: a {NO_ERROR} row marks a span")
            if rating.errors or key in self.no_error:
                raise MQMTsvError(f"{where}: {NO_ERROR} row for a segment this rater already rated")
            self.no_error[key] = where
            return
        if key in self.no_error:
            raise MQMTsvError(f"{where}: error row for a segment this rater marked {NO_ERROR} "
                              f"at {self.no_error[key]}")
        if len(source_spans) + len(target_spans) > 1:
            raise MQMTsvError(f"{where}: one error row marks {len(source_spans) + len(target_spans)} spans")
        if target_spans:
            (start, end), text = target_spans[0], clean_target
            error: ErrorSpan = ErrorSpan(start, end, category, severity, text[start:end], comment)
        elif source_spans:
            (start, end), text = source_spans[0], clean_source
            error = ErrorSpan(start, end, category, severity, text[start:end], comment, side="source")
        else:
            error = ErrorSpan(0, 0, category, severity, "", comment, side="none")
        rating.errors.append(error)

    def _agree(self, where: str, doc: str, local_id: int, global_id: int, system: str,
               source: str, target: str) -> None:
        seen = self.docs.setdefault(doc, {}).setdefault(local_id, (source, where))
        if seen[0] != source:
            raise MQMTsvError(f"{where}: source of {doc}#{local_id} differs from {seen[1]} "
                              f"(after removing {OPEN}{CLOSE} markers)")
        known_global = self.global_ids.setdefault((doc, local_id), global_id)
        if known_global != global_id:
            raise MQMTsvError(f"{where}: {doc}#{local_id} has seg_id {global_id}, earlier rows say {known_global}")
        seen_target = self.targets.setdefault((system, doc, local_id), (target, where))
        if seen_target[0] != target:
            raise MQMTsvError(f"{where}: target of {system} {doc}#{local_id} differs from {seen_target[1]} "
                              f"(after removing {OPEN}{CLOSE} markers)")

    def build(self) -> MQMTsv:
        targets_by_doc: dict[str, list[Translation]] = {}
        for (system, doc, local_id), (target, _) in self.targets.items():
            targets_by_doc.setdefault(doc, []).append(Translation(
                doc_id=doc, seg_id=local_id, system=system, system_version="",
                source=self.docs[doc][local_id][0], mt=target))
        annotations_by_doc: dict[str, dict[str, DocumentAnnotation]] = {}
        for (_, doc, _, rater), rating in self.ratings.items():
            by_rater = annotations_by_doc.setdefault(doc, {})
            if rater not in by_rater:
                by_rater[rater] = DocumentAnnotation(doc_id=doc, annotator=rater, status="completed")
            by_rater[rater].ratings.append(rating)
        documents = []
        for doc, sources in self.docs.items():
            segments, offset = [], 0
            for position, local_id in enumerate(sorted(sources)):
                text = sources[local_id][0]
                segments.append(Segment(doc_id=doc, seg_id=local_id, paragraph=position,
                                        start=offset, end=offset + len(text), text=text,
                                        global_seg_id=self.global_ids[(doc, local_id)]))
                offset += len(text) + len(SEGMENT_SEPARATOR)
            documents.append(AnnotatedDocument(
                doc_id=doc, title=doc, text=SEGMENT_SEPARATOR.join(s.text for s in segments),
                source_name=Path(self.name).name, segments=segments, translations=targets_by_doc.get(doc, []),
                annotations=list(annotations_by_doc.get(doc, {}).values()),
                source_language=self.languages.source, target_language=self.languages.target))
        return MQMTsv(documents=documents, systems=list(self.systems), raters=list(self.raters))


def _int(value: str, column: str, where: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise MQMTsvError(f"{where}: column {column} must be an integer, got {value!r}") from None
