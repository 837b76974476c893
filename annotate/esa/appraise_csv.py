"""Appraise's ESA CSV: read and write.

What Appraise exports for an ESA campaign (``DirectAssessmentDocumentResult.get_system_data`` with
``extended_csv``: AppraiseDev/Appraise ``EvalData/models/direct_assessment_document.py``), and what
WMT24 published (wmt-conference/wmt24-news-systems ``humeval/esa_generalMT2024_wave*.csv``): no
header, comma-separated with standard CSV quoting, twelve columns::

    user, system, segment_id, segment_type, src_lang3, tgt_lang3, score, doc_id,
    isCompleteDocument, error_spans, start_time, end_time

e.g. ``engjpn7904,Llama3-70B,7,TGT,eng,jpn,91,test-en-news_brisbanetimes.com.au.228963,False,
"[{""start_i"":54,""end_i"":57,""severity"":""minor"",""error_type"":null}]",1724108941.361,
1724109050.071``.

* ``segment_type``: ``TGT`` (a system's translation), ``BAD`` (an attention check: a degraded
  copy, in a ``…#bad`` document), ``REF``, ``CHK``;
* the boolean (``True``/``False``) is Appraise's ``isCompleteDocument``: the item that closes a
  document in document-level campaigns; WMT24's ESA rows all say ``False``;
* ``error_spans``: a JSON list of ``{"start_i", "end_i", "severity", "error_type"}``; an omission
  has ``"start_i": "missing", "end_i": "missing"``; tutorial rows omit ``error_type``;
* times: Unix seconds with milliseconds.

Like the readers of Hugging Face ``datasets``' packaged modules: a config dataclass
(:class:`ESAReadConfig`), one narrow function per step (:func:`parse_row`, :func:`iter_ratings`,
:func:`read_appraise_csv`; :func:`format_row`, :func:`write_appraise_csv`). The reader reads the
whole file and lists every problem (``file:line: what is wrong``) in one
:class:`~annotate.esa.records.ESAFormatError`; read → write → read gives the same records.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from annotate.esa.records import (
    ESAReadConfig,
    SEGMENT_TYPES,
    ESAFormatError,
    ESARating,
    decode_utf8,
    format_number,
    parse_score,
    parse_span,
    parse_time,
    three_letter,
)

COLUMNS: tuple[str, ...] = ("user", "system", "segment_id", "segment_type", "src_lang3", "tgt_lang3", "score",
                            "doc_id", "is_complete_document", "error_spans", "start_time", "end_time")
BOOLEANS = {"True": True, "False": False, "true": True, "false": False}


def read_appraise_csv(path: str | Path, config: ESAReadConfig | None = None) -> list[ESARating]:
    """Every rating of an Appraise ESA CSV file; ESAFormatError lists every problem (an empty or
    non-UTF-8 file is one)."""
    path = Path(path)
    config = config or ESAReadConfig(name=str(path))
    text = decode_utf8(path.read_bytes(), config.name)
    return list(iter_ratings(io.StringIO(text, newline=""), config))


def iter_ratings(stream: Iterable[str], config: ESAReadConfig) -> Iterator[ESARating]:
    """Parse the rows; all problems are collected and raised together once the stream ends, so
    nothing is yielded from a file with a problem only if the caller consumes it whole (``list``)."""
    problems: list[str] = []
    ratings: list[ESARating] = []
    reader = csv.reader(stream)
    line = 1
    try:
        for fields in reader:
            where = f"{config.name}:{line}"
            line = reader.line_num + 1  # a quoted field may span lines: the next row starts after it
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            rating = parse_row(fields, where, config, problems)
            if rating is not None:
                ratings.append(rating)
    except csv.Error as exc:
        problems.append(f"{config.name}:{reader.line_num}: not valid CSV ({exc})")
    if problems:
        raise ESAFormatError(config.name, problems)
    if not ratings:
        raise ESAFormatError(config.name, [f"{config.name}: no ESA ratings in the file"])
    yield from ratings


def parse_row(fields: list[str], where: str, config: ESAReadConfig, problems: list[str]) -> ESARating | None:
    """One row as a rating, or None after appending each thing wrong with it to ``problems``."""
    if len(fields) != len(COLUMNS):
        hint = " (is this a header? Appraise's ESA CSV has none)" if fields[:2] == ["user", "system"] else ""
        problems.append(f"{where}: expected {len(COLUMNS)} comma-separated columns "
                        f"({', '.join(COLUMNS)}), found {len(fields)}{hint}")
        return None
    (user, system, segment_id, segment_type, src, tgt, score_text, doc_id, complete, spans_json,
     start_text, end_text) = fields
    before = len(problems)
    for column, value in (("user", user), ("system", system), ("src_lang3", src), ("tgt_lang3", tgt),
                          ("doc_id", doc_id)):
        if not value.strip():
            problems.append(f"{where}: column {column} is empty")
    try:
        segment = int(segment_id)
        if segment < 0:
            raise ValueError
    except ValueError:
        problems.append(f"{where}: column segment_id must be a whole number >= 0, got {segment_id!r}")
        segment = -1
    if segment_type not in SEGMENT_TYPES:
        problems.append(f"{where}: unknown segment_type {segment_type!r} (known: {', '.join(SEGMENT_TYPES)})")
    score = parse_score(score_text, f"{where}: column score", problems)
    if complete not in BOOLEANS:
        problems.append(f"{where}: column is_complete_document must be True or False, got {complete!r}")
    start = parse_time(start_text, "start_time", where, problems)
    end = parse_time(end_text, "end_time", where, problems)
    spans = []
    try:
        raw_spans = json.loads(spans_json)
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: column error_spans is not JSON ({exc.msg} at character {exc.pos}): {spans_json[:80]!r}")
        raw_spans = []
    if not isinstance(raw_spans, list):
        problems.append(f"{where}: column error_spans must be a JSON list, got {spans_json[:80]!r}")
        raw_spans = []
    for index, raw in enumerate(raw_spans):
        span = parse_span(raw, f"{where}: error_spans[{index}]", config.severities, problems)
        if span is not None:
            spans.append(span)
    if len(problems) > before:
        return None
    assert score is not None
    return ESARating(annotator=user, system=system, segment_id=segment, source_language=src, target_language=tgt,
                     score=score, doc_id=doc_id, segment_type=segment_type, is_complete_document=BOOLEANS[complete],
                     spans=tuple(spans), start_time=start, end_time=end)


def format_row(rating: ESARating) -> list[str]:
    """The twelve fields of a rating; ValueError when it lacks what the format needs (times)."""
    if rating.start_time is None or rating.end_time is None:
        raise ValueError(f"{rating.annotator} {rating.system} {rating.doc_id}#{rating.segment_id}: Appraise's CSV needs "
                         "start and end times, and this rating has none")
    spans = json.dumps([span.to_json() for span in rating.spans], ensure_ascii=False, separators=(",", ":"))
    return [rating.annotator, rating.system, str(rating.segment_id), rating.segment_type,
            three_letter(rating.source_language), three_letter(rating.target_language), format_number(rating.score),
            rating.doc_id, str(rating.is_complete_document), spans, format_number(rating.start_time), format_number(rating.end_time)]


def write_appraise_csv(ratings: Iterable[ESARating], out: str | Path | IO[str]) -> int:
    """Write the ratings as Appraise ESA CSV (no header, ``\\n`` line ends); returns the row count.
    Every row is formatted before anything is written to a path, so a bad rating leaves no file."""
    rows = [format_row(rating) for rating in ratings]
    if isinstance(out, (str, Path)):
        with Path(out).open("w", encoding="utf-8", newline="") as stream:
            return write_appraise_csv_rows(rows, stream)
    return write_appraise_csv_rows(rows, out)


def write_appraise_csv_rows(rows: list[list[str]], stream: IO[str]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerows(rows)
    return len(rows)
