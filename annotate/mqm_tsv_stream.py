"""Read a WMT MQM TSV file one document at a time, in memory that does not grow with the file.

:func:`annotate.mqm_tsv.parse_mqm_tsv` holds every row of a file until its last line (a 500 MB file
took 5.6 GB). Here a first pass checks every line (UTF-8, columns, ids, category, severity: the
errors a file usually has come before any document) and notes, per document, the byte ranges of
its rows: one range when the document's rows are contiguous, as in Google's files (sorted by
document, segment, system), a few when the file is sorted by system first. The second pass reads
each document's ranges back, builds it exactly as the whole-file parser does, and lets it go.

So the rows of one document may be anywhere in the file (no on-disk sort is needed: the file is
its own spool), and the documents come out in the order of their first row, with the same records
:func:`~annotate.mqm_tsv.parse_mqm_tsv` makes. Only the per-document index stays in memory: 24 bytes
per contiguous range (a file in random row order costs 24 bytes per row, still far below the rows).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from annotate.languages import UNKNOWN, LanguagePair, pair_from_file_name
from annotate.mqm_tsv import MQMTsvError, RowReader, RowsBuilder
from annotate.records import AnnotatedDocument

DOC_COLUMN = 1  # "doc" in system, doc, doc_id, seg_id, …


class MQMTsvReader:
    """A checked, indexed MQM TSV file; iterating it gives its documents (as often as wanted).

    Construction reads the whole file once (raising :class:`MQMTsvError` at the first bad line, as
    :func:`~annotate.mqm_tsv.parse_mqm_tsv` words it) and keeps only the index; the errors that need
    a whole document (a segment's text differing between rows, bad ``<v>`` markers) are raised while
    iterating, at that document. ``systems`` and ``raters`` are in the file's order."""

    def __init__(self, path: str | Path, *, extra_categories: Iterable[str] = (),
                 languages: LanguagePair | None = None) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.languages = languages or pair_from_file_name(self.name) or LanguagePair(UNKNOWN, UNKNOWN)
        self._rows = RowReader(self.name, extra_categories)
        # doc → flat (start byte, end byte, number of the range's first line) of each range of its rows
        self._ranges: dict[str, array] = {}
        self.systems: list[str] = []
        self.raters: list[str] = []
        with self.path.open("rb") as stream:
            self._index(stream)
        self._rows.check_not_empty()

    @property
    def has_comment_column(self) -> bool:
        """Whether the file has the optional 10th (comment) column."""
        return self._rows.has_comment_column

    @property
    def n_rows(self) -> int:
        """Data rows in the file."""
        return self._rows.n_rows

    def __len__(self) -> int:
        return len(self._ranges)

    def __iter__(self) -> Iterator[AnnotatedDocument]:
        with self.path.open("rb") as stream:
            for ranges in self._ranges.values():
                builder = RowsBuilder(self.name, self.languages)
                for index in range(0, len(ranges), 3):
                    start, end, first_number = ranges[index : index + 3]
                    for number, _, _, text in _numbered_lines(_lines_between(stream, start, end), first_number,
                                                              start, self.name):
                        row = self._rows.read(number, text)
                        if row is not None:
                            builder.add(**row)
                (document,) = builder.build().documents
                yield document

    def _index(self, stream: BinaryIO) -> None:
        """First pass: check every line and note where each document's rows are."""
        systems: dict[str, None] = {}
        raters: dict[str, None] = {}
        current: str | None = None  # the document of the open range
        open_range: list[int] = []  # its start byte and first line number
        end = 0  # the end byte of the last data row
        for number, offset, line_end, text in _numbered_lines(stream, 1, 0, self.name):
            row = self._rows.read(number, text)
            if row is None:
                continue
            doc = row["doc"]
            if doc != current:
                if current is not None:
                    self._ranges.setdefault(current, array("q")).extend((open_range[0], end, open_range[1]))
                current, open_range = doc, [offset, number]
            end = line_end
            systems.setdefault(row["system"])
            raters.setdefault(row["rater"])
        if current is not None:
            self._ranges.setdefault(current, array("q")).extend((open_range[0], end, open_range[1]))
        self.systems, self.raters = list(systems), list(raters)


def _lines_between(stream: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    """The lines from byte ``start`` to byte ``end``, one at a time (a range may end inside a line
    that a lone ``\\r`` splits)."""
    stream.seek(start)
    remaining = end - start
    while remaining > 0:
        raw = stream.readline(remaining)
        if not raw:
            return
        remaining -= len(raw)
        yield raw


def _numbered_lines(raw_lines: Iterable[bytes], first_number: int, first_offset: int,
                    name: str) -> Iterator[tuple[int, int, int, str]]:
    """(line number, start byte, end byte, text with its line end) of each line, decoded as UTF-8.

    Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``, as in a file read as text with universal
    newlines (the whole-file parser); a decoding error names the line (counted in ``\\n``) and the
    byte offset in the file, worded as ``annotate ingest`` words it."""
    number, offset = first_number, first_offset
    physical = first_number  # a lone \r is not counted here: the error counts lines as editors do
    for raw in raw_lines:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise MQMTsvError(f"{name}:{physical}: not UTF-8: byte 0x{bad} at offset {offset + exc.start} "
                              f"({exc.reason}); re-encode the file as UTF-8") from None
        physical += 1
        body = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
        if b"\r" not in body:
            yield number, offset, offset + len(raw), text
            number, offset = number + 1, offset + len(raw)
            continue
        for piece in raw.splitlines(keepends=True):  # bytes: only \n, \r and \r\n break lines
            yield number, offset, offset + len(piece), piece.decode("utf-8")
            number, offset = number + 1, offset + len(piece)
