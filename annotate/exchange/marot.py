"""Marot's data file: the MQM TSV with a JSON ``metadata`` column (Google's MQM viewer, Anthea's output).

Followed: ``marot/README.md`` ("Data file format", "Data Notes") and ``marot/marot.js`` of
google-research/google-research. Ten tab-separated columns, one line per marked error::

    system  doc  docSegId  globalSegId  rater  source  target  category  severity  metadata

The first nine are what ``annotate export-mqm`` writes (:func:`annotate.mqm_tsv.iter_mqm_rows`: the
same rows, in the same order, spans marked ``<v>…</v>``), except that a rating without errors says
``no-error`` as Marot's README spells it. ``metadata`` is a JSON object:

* ``marked_text`` (the error's text, ``""`` without one; Marot reads its length on every rated row),
  ``note`` (the annotator's comment, when there is one), ``timestamp`` (ms since the epoch, from the
  annotation's last update, when known), ``corrected_translation`` (the rater's post-edit of the
  segment, when there is one);
* ``source_spans`` / ``target_spans``: ``[[first, last]]`` token indices of the span into
  ``segment.source_tokens`` / ``segment.target_tokens`` (``[]`` for an empty span or none);
* ``segment`` (on every row: Marot takes it from the first row of a doc+segment+system that passes
  its filters): ``metrics`` (``{"MQM": the segment's MQM}``, lower is better), ``source_tokens`` and
  ``target_tokens`` (tokens *and* the whitespace between them, so that joined they give the text
  back, as Marot joins them), ``reference_tokens`` and ``primary_reference`` when a reference is
  chosen;
* ``evaluation`` on the first row: ``template`` ``"MQM"``, ``source_language``, ``target_language``.

Tokens are the dataset's (:func:`annotate.tokens.token_spans`, the documents' languages).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from annotate.exchange.common import ExchangeError, documents_pair, lines_text, read_lines
from annotate.languages import LanguagePair
from annotate.mqm_tsv import NO_ERROR as TSV_NO_ERROR, iter_mqm_rows, strip_markers
from annotate.records import AnnotatedDocument, ErrorSpan, SegmentRating
from annotate.schema import GOOGLE_MQM_WEIGHTS, MQMWeights

COLUMNS: tuple[str, ...] = ("system", "doc", "docSegId", "globalSegId", "rater", "source", "target",
                            "category", "severity", "metadata")
NO_ERROR = "no-error"


@dataclass
class MarotConfig:
    """``pair``: the languages (tokenizers, ``evaluation``; default: the documents'); ``reference``:
    as :func:`annotate.references.choose_references` (None: imported references only; their first
    is ``primary_reference``); ``weights``: the MQM of ``segment.metrics``."""

    pair: LanguagePair | None = None
    reference: str | None = None
    weights: MQMWeights = GOOGLE_MQM_WEIGHTS


@dataclass
class MarotRow:
    """One line read back: the columns, the error it records (None on a ``no-error`` line) and the
    metadata object."""

    system: str
    doc: str
    seg_id: int
    global_seg_id: int
    rater: str
    source: str
    target: str
    category: str
    severity: str
    error: ErrorSpan | None
    metadata: dict[str, Any] = field(default_factory=dict)


def full_tokens(text: str, language: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Marot's tokens of ``text`` — every word token and every run of whitespace around them, so
    that ``"".join(tokens) == text`` — and each token's ``(start, end)`` in ``text``."""
    from annotate.tokens import token_spans

    tokens, spans, position = [], [], 0
    for start, end in token_spans(text, language):
        if start > position:
            tokens.append(text[position:start])
            spans.append((position, start))
        tokens.append(text[start:end])
        spans.append((start, end))
        position = end
    if position < len(text):
        tokens.append(text[position:])
        spans.append((position, len(text)))
    return tokens, spans


def token_range(spans: list[tuple[int, int]], start: int, end: int) -> list[list[int]]:
    """``[[first, last]]``: the tokens a character span touches; ``[]`` for an empty span."""
    touched = [i for i, (a, b) in enumerate(spans) if a < end and start < b]
    return [[touched[0], touched[-1]]] if start < end and touched else []


def marot_lines(docs: list[AnnotatedDocument], config: MarotConfig | None = None) -> Iterator[str]:
    """The header and one line per row of :func:`annotate.mqm_tsv.iter_mqm_rows`, with metadata."""
    from annotate.references import choose_references
    from annotate.scoring.mqm import score_documents

    config = config or MarotConfig()
    pair = documents_pair(docs, config.pair)
    mqm = {(s.system, s.doc_id, s.seg_id): s.score for s in score_documents(docs, weights=config.weights).segments}
    names = choose_references(docs, config.reference).names
    references = {(t.system, t.doc_id, t.seg_id): t.mt for doc in docs for t in doc.translations if t.system in names}
    pending: dict[tuple[str, str, int, str], list] = defaultdict(list)  # row key → [(rating, error, annotation)]
    for doc in docs:
        for annotation in doc.annotations:
            if annotation.status == "completed":
                for rating in annotation.ratings:
                    key = (rating.system, doc.doc_id, rating.seg_id, rating.rater)
                    pending[key] += [(rating, error, annotation) for error in (rating.errors or [None])]
    cursors = {key: iter(items) for key, items in pending.items()}
    tokens: dict[tuple[str, str], tuple[list[str], list[tuple[int, int]]]] = {}

    def tokenised(text: str, language: str) -> tuple[list[str], list[tuple[int, int]]]:
        if (text, language) not in tokens:
            tokens[(text, language)] = full_tokens(text, language)
        return tokens[(text, language)]

    yield "\t".join(COLUMNS)
    first = True
    for row in iter_mqm_rows(docs):
        system, doc_id, seg_id, rater = row[0], row[1], int(row[2]), row[4]
        rating, error, annotation = next(cursors[(system, doc_id, seg_id, rater)])
        source_tokens, source_spans = tokenised(rating.source, pair.source)
        target_tokens, target_spans = tokenised(rating.target, pair.target)
        segment: dict[str, Any] = {"metrics": {"MQM": mqm[(system, doc_id, seg_id)]},
                                   "source_tokens": source_tokens, "target_tokens": target_tokens}
        refs = {name: references[(name, doc_id, seg_id)] for name in names if (name, doc_id, seg_id) in references}
        if refs:
            segment["reference_tokens"] = {name: tokenised(text, pair.target)[0] for name, text in refs.items()}
            segment["primary_reference"] = next(iter(refs))
        metadata: dict[str, Any] = {"marked_text": error.text if error else ""}
        if error is not None and error.comment:
            metadata["note"] = error.comment
        stamp = _milliseconds(annotation.updated_at)
        if stamp is not None:
            metadata["timestamp"] = stamp
        post_edit = next((p.text for p in annotation.post_edits if p.seg_id == seg_id and p.text.strip()), None)
        if post_edit is not None:
            metadata["corrected_translation"] = post_edit
        metadata["source_spans"] = token_range(source_spans, error.start, error.end) \
            if error is not None and error.side == "source" else []
        metadata["target_spans"] = token_range(target_spans, error.start, error.end) \
            if error is not None and error.side == "target" else []
        metadata["segment"] = segment
        if first:
            metadata["evaluation"] = {"template": "MQM", "source_language": pair.source,
                                      "target_language": pair.target}
            first = False
        category, severity = (NO_ERROR, NO_ERROR) if row[7] == TSV_NO_ERROR else (row[7], row[8])
        yield "\t".join([*row[:7], category, severity, json.dumps(metadata, ensure_ascii=False)])


def marot_files(docs: list[AnnotatedDocument], config: MarotConfig | None = None, name: str = "mqm") -> dict[str, str]:
    """``{NAME.marot.tsv: text}``; ValueError (with the rating) for a text the TSV cannot hold."""
    lines = list(marot_lines(docs, config))
    if len(lines) == 1:
        raise ExchangeError("no rating to export")
    return {f"{name}.marot.tsv": lines_text(lines)}


def _milliseconds(stamp: str) -> int | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round(moment.timestamp() * 1000)


def read_marot(path: Path) -> list[MarotRow]:
    """The rows of a Marot file (a header line holding ``system<TAB>doc`` is skipped, as Marot
    does). Raises :class:`ExchangeError` naming file and line for a wrong column count, ids that
    are not integers, metadata that is not a JSON object, or markers that do not fit the row."""
    rows = []
    for number, line in enumerate(read_lines(Path(path)), 1):
        where = f"{path}:{number}"
        if not line.strip() or (number == 1 and "system\tdoc" in line):
            continue
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise ExchangeError(f"{where}: expected {len(COLUMNS)} tab-separated columns, found {len(fields)}")
        system, doc, seg_id, global_id, rater, source, target, category, severity, raw = fields
        try:
            metadata = json.loads(raw) if raw else {}
        except json.JSONDecodeError as exc:
            raise ExchangeError(f"{where}: metadata is not JSON ({exc.msg})") from None
        if not isinstance(metadata, dict) or not seg_id.isdigit() or not global_id.lstrip("-").isdigit():
            raise ExchangeError(f"{where}: docSegId/globalSegId must be integers and metadata a JSON object")
        try:
            clean_source, source_marks = strip_markers(source, f"{where}: source")
            clean_target, target_marks = strip_markers(target, f"{where}: target")
        except ValueError as exc:
            raise ExchangeError(str(exc)) from None
        error = None
        if category.lower() != NO_ERROR:
            if len(source_marks) + len(target_marks) > 1:
                raise ExchangeError(f"{where}: one error row marks {len(source_marks) + len(target_marks)} spans")
            side, text, marks = ("target", clean_target, target_marks) if target_marks else \
                ("source", clean_source, source_marks) if source_marks else ("none", "", [(0, 0)])
            start, end = marks[0]
            error = ErrorSpan(start, end, category, severity, text[start:end], metadata.get("note", ""), side=side)
        rows.append(MarotRow(system, doc, int(seg_id), int(global_id), rater, clean_source, clean_target,
                             category, severity, error, metadata))
    return rows


def marot_ratings(rows: list[MarotRow]) -> list[SegmentRating]:
    """The rows as ratings: one per (system, doc, segment, rater), errors in row order."""
    ratings: dict[tuple[str, str, int, str], SegmentRating] = {}
    for row in rows:
        key = (row.system, row.doc, row.seg_id, row.rater)
        if key not in ratings:
            ratings[key] = SegmentRating(row.system, row.doc, row.seg_id, row.rater, row.source, row.target, doc=row.doc)
        if row.error is not None:
            ratings[key].errors.append(row.error)
    return list(ratings.values())
