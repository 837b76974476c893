"""WMT24's ESA JSON Lines: read and write.

The layout wmt-conference/wmt24-news-systems ``humeval/merge_to_jsonl.py`` writes
(``jsonl/wmt24_esa.jsonl``): one JSON object per line, one rating each, keys in this order::

    langs, line_id, src, tgt, doc_id, domain, esa_spans, esa_score, times, system, annotator, speech_info

* ``langs``: two-letter codes, ``"en-cs"``; ``line_id``: the line in the test set (Appraise's
  segment id); ``domain``: from the test set's documents file (``news``, ``social``, ``speech``,
  ``literary``);
* ``esa_spans``: the Appraise span objects (``start_i``, ``end_i`` — ``"missing"`` for an
  omission —, ``severity``, ``error_type``);
* ``esa_score`` and ``times`` (``[start, end]``) are strings in the published file, copied from
  the CSV; numbers are read too. ``times`` and ``speech_info`` (``{"file", "youtube"}`` for the
  speech domain, else null) may be absent.

There is no segment type: the published file holds ``TGT`` rows only (merge_to_jsonl drops ``BAD``
rows, tutorial and ``#bad``/``#dup``/``#incomplete`` documents), so a rating of another type cannot
be written here. The file is not deduplicated: an annotator's earlier ratings of an item are still
in it, which the scoring's "latest rating" rule (by the end time in ``times``) settles.

Module shape as :mod:`annotate.esa.appraise_csv`: :class:`ESAReadConfig`, :func:`parse_line`,
:func:`read_wmt_jsonl`, :func:`format_line`, :func:`write_wmt_jsonl`; every problem of a file is
listed (``file:line: what is wrong``); unknown keys are problems (records are strict at every
boundary).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from annotate.esa.records import (
    ESAReadConfig,
    TARGET,
    ESAFormatError,
    ESARating,
    decode_utf8,
    format_number,
    parse_score,
    parse_span,
    parse_time,
    two_letter,
)

KEYS: tuple[str, ...] = ("langs", "line_id", "src", "tgt", "doc_id", "domain", "esa_spans", "esa_score", "times",
                         "system", "annotator", "speech_info")
REQUIRED: tuple[str, ...] = ("langs", "line_id", "src", "tgt", "doc_id", "domain", "esa_spans", "esa_score",
                             "system", "annotator")


def read_wmt_jsonl(path: str | Path, config: ESAReadConfig | None = None) -> list[ESARating]:
    """Every rating of a WMT24 ESA JSON Lines file; ESAFormatError lists every problem."""
    path = Path(path)
    config = config or ESAReadConfig(name=str(path))
    # split on line feeds only: str.splitlines would also cut at U+2028 or U+0085 inside a JSON string
    lines = decode_utf8(path.read_bytes(), config.name).split("\n")
    return parse_wmt_jsonl((line.removesuffix("\r") for line in lines), config)


def parse_wmt_jsonl(lines: Iterable[str], config: ESAReadConfig) -> list[ESARating]:
    """The ratings of these lines (blank lines skipped); ESAFormatError lists every problem."""
    problems: list[str] = []
    ratings = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        rating = parse_line(line, f"{config.name}:{number}", config, problems)
        if rating is not None:
            ratings.append(rating)
    if problems:
        raise ESAFormatError(config.name, problems)
    if not ratings:
        raise ESAFormatError(config.name, [f"{config.name}: no ESA ratings in the file"])
    return ratings


def parse_line(line: str, where: str, config: ESAReadConfig, problems: list[str]) -> ESARating | None:
    """One line as a rating, or None after appending each thing wrong with it to ``problems``."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: not JSON ({exc.msg} at column {exc.colno})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{where}: expected a JSON object, got {type(data).__name__}")
        return None
    before = len(problems)
    missing = [key for key in REQUIRED if key not in data]
    unknown = sorted(set(data) - set(KEYS))
    if missing:
        problems.append(f"{where}: lacks {', '.join(missing)}")
    if unknown:
        problems.append(f"{where}: unknown keys {', '.join(unknown)} (known: {', '.join(KEYS)})")
    if missing:
        return None
    for key in ("src", "tgt", "doc_id", "domain", "system", "annotator"):
        if not isinstance(data[key], str):
            problems.append(f"{where}: {key} must be a string, got {data[key]!r}")
    for key in ("doc_id", "system", "annotator"):
        if isinstance(data[key], str) and not data[key].strip():
            problems.append(f"{where}: {key} is empty")
    langs = data["langs"]
    pair = langs.split("-") if isinstance(langs, str) else []
    if len(pair) != 2 or not all(part.strip() for part in pair):
        problems.append(f"{where}: langs must be SOURCE-TARGET, e.g. 'en-cs', got {langs!r}")
    line_id = data["line_id"]
    if not isinstance(line_id, int) or isinstance(line_id, bool) or line_id < 0:
        problems.append(f"{where}: line_id must be a whole number >= 0, got {line_id!r}")
    score = parse_score(data["esa_score"], f"{where}: esa_score", problems)
    start = end = None
    times = data.get("times")
    if times is not None:
        if not isinstance(times, list) or len(times) != 2:
            problems.append(f"{where}: times must be [start, end], got {times!r}")
        else:
            start = parse_time(times[0], "times[0]", where, problems)
            end = parse_time(times[1], "times[1]", where, problems)
    speech_info = data.get("speech_info")
    if speech_info is not None and not isinstance(speech_info, dict):
        problems.append(f"{where}: speech_info must be an object or null, got {speech_info!r}")
    spans = []
    if not isinstance(data["esa_spans"], list):
        problems.append(f"{where}: esa_spans must be a list, got {data['esa_spans']!r}")
    else:
        for index, raw in enumerate(data["esa_spans"]):
            span = parse_span(raw, f"{where}: esa_spans[{index}]", config.severities, problems)
            if span is not None:
                spans.append(span)
    if len(problems) > before:
        return None
    assert score is not None
    return ESARating(annotator=data["annotator"], system=data["system"], segment_id=line_id,
                     source_language=pair[0], target_language=pair[1], score=score, doc_id=data["doc_id"],
                     segment_type=TARGET, spans=tuple(spans), start_time=start, end_time=end, source=data["src"],
                     target=data["tgt"], domain=data["domain"], speech_info=speech_info)


def format_line(rating: ESARating) -> dict[str, Any]:
    """The JSON object of a rating, as WMT24 writes it (score and times as strings). A rating that
    is not ``TGT`` is a ValueError: the format has no segment type."""
    if rating.segment_type != TARGET:
        raise ValueError(f"{rating.annotator} {rating.system} {rating.doc_id}#{rating.segment_id}: WMT24 ESA JSON "
                         f"Lines holds {TARGET} ratings only, this one is {rating.segment_type}")
    times = None
    if rating.start_time is not None and rating.end_time is not None:
        times = [format_number(rating.start_time), format_number(rating.end_time)]
    return {"langs": f"{two_letter(rating.source_language)}-{two_letter(rating.target_language)}", "line_id": rating.segment_id, "src": rating.source or "",
            "tgt": rating.target or "", "doc_id": rating.doc_id, "domain": rating.domain_name,
            "esa_spans": [span.to_json() for span in rating.spans], "esa_score": format_number(rating.score),
            "times": times, "system": rating.system, "annotator": rating.annotator,
            "speech_info": rating.speech_info}


def write_wmt_jsonl(ratings: Iterable[ESARating], out: str | Path | IO[str]) -> int:
    """Write one JSON object per line (UTF-8, not ASCII-escaped); returns the count. Every line is
    formatted before a path is opened, so a rating the format cannot hold leaves no file."""
    lines = [json.dumps(format_line(rating), ensure_ascii=False) + "\n" for rating in ratings]
    if isinstance(out, (str, Path)):
        with Path(out).open("w", encoding="utf-8", newline="") as stream:
            stream.writelines(lines)
    else:
        out.writelines(lines)
    return len(lines)
