"""One typed record per ESA rating, shared by both file formats and by the scoring.

An ESA (Error Span Annotation) rating is one annotator's judgement of one translated segment: error
spans on the translation, each ``minor`` or ``major`` (an omission is a span whose offsets are the
string ``"missing"``: Appraise shows a ``[MISSING]`` marker after the translation), then a 0–100
score. Both published formats hold the same facts:

* Appraise's ESA CSV (:mod:`annotate.esa.appraise_csv`) names the annotator, system, segment, item
  type, languages (ISO 639-3, ``eng``), score, document, ``isCompleteDocument``, spans (JSON) and
  the start/end times of the rating, but not the texts;
* WMT24's ESA JSON Lines (:mod:`annotate.esa.wmt_jsonl`) add the source and target texts and the
  domain, and name the languages by two letters (``en-cs``); item type and times come filtered /
  optional.

Span offsets are Appraise's: character indices into the target as the browser rendered it
(JavaScript string indices). They are kept as they are and not checked against a text.

Sources followed (public repositories, read for this module):
AppraiseDev/Appraise ``EvalData/models/direct_assessment_document.py`` (``get_system_data``: the
column order; ``isCompleteDocument`` is the boolean) and
``EvalView/static/EvalView/js/direct-assessment-document-mqm-esa.js`` (severities, the
``missing`` marker); wmt-conference/wmt24-news-systems ``humeval/esa_generalMT2024_wave2.csv``
(real rows: ``ende-tutorial1`` tutorial rows, ``BAD`` items in ``…#bad`` documents,
``…#incomplete`` documents, spans with ``"error_type":null``) and ``humeval/merge_to_jsonl.py``
(the JSON Lines fields).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ESA_SEVERITIES: tuple[str, ...] = ("minor", "major")
MISSING = "missing"  # start_i/end_i of an omission span
# Appraise's item types (TextPairWithContext.itemType): TGT is a system's translation; BAD a
# deliberately degraded copy (attention check), REF a reference shown as a check, CHK a repeat.
SEGMENT_TYPES: tuple[str, ...] = ("TGT", "BAD", "REF", "CHK", "SRC")
TARGET = "TGT"
# WMT24 marks documents that must not be scored with a suffix on the doc_id.
DOC_FLAGS: tuple[str, ...] = ("#bad", "#dup", "#incomplete")
NO_DOMAIN = ""  # a doc_id that does not name its domain (and no domain given)
# WMT24 doc_ids: test-en-news_brisbanetimes.com.au.228963, test-en-speech_-uigLE6EI1g_000, …
_DOMAIN_IN_DOC_ID = re.compile(r"^[A-Za-z0-9]+-[A-Za-z]{2,3}-([A-Za-z]+)_")


class ESAFormatError(ValueError):
    """Bad ESA input. ``problems`` lists every one found (each ``file:line: what is wrong``); the
    message says how many and lists them."""

    def __init__(self, name: str, problems: list[str], *, shown: int = 25) -> None:
        self.name = name
        self.problems = list(problems)
        if len(problems) == 1:
            message = problems[0]
        else:
            lines = [f"{name}: {len(problems)} problems:"]
            lines += [f"  • {p}" for p in problems[:shown]]
            if len(problems) > shown:
                lines.append(f"  … and {len(problems) - shown} more")
            message = "\n".join(lines)
        super().__init__(message)


# Appraise's three-letter codes and WMT24's two-letter ones, as WMT24's merge_to_jsonl.py maps them
# (its LANG_3_TO_2, where Polish is "plk"); converting a file to the other format renames its pair.
LANG_3_TO_2: dict[str, str] = {
    "eng": "en", "deu": "de", "ces": "cs", "hrv": "hr", "plk": "pl", "rus": "ru", "zho": "zh",
    "jpn": "ja", "spa": "es", "hin": "hi", "isl": "is", "ukr": "uk",
}
LANG_2_TO_3: dict[str, str] = {two: three for three, two in LANG_3_TO_2.items()}


def two_letter(code: str) -> str:
    """``eng`` → ``en`` (WMT24 JSON Lines); a code not in the table, or already short, stays."""
    return LANG_3_TO_2.get(code, code)


def three_letter(code: str) -> str:
    """``en`` → ``eng`` (Appraise CSV); a code not in the table, or already long, stays."""
    return LANG_2_TO_3.get(code, code)


@dataclass(frozen=True)
class ESAReadConfig:
    """How to read an ESA file (either format): ``name``, the file name in messages, and
    ``allow_severities``, span severities accepted beyond ESA's ``minor`` and ``major``
    (Appraise's MQM mode also knows ``critical``, ``neutral``, ``undecided``)."""

    name: str = "<esa>"
    allow_severities: tuple[str, ...] = ()

    @property
    def severities(self) -> frozenset[str]:
        return frozenset(ESA_SEVERITIES) | frozenset(self.allow_severities)


@dataclass(frozen=True)
class ESASpan:
    """One error span: ``start``/``end`` are character offsets into the translation, both None for
    an omission (Appraise writes ``"missing"``). ``error_type`` is Appraise's MQM-style type, None
    in ESA (written as ``null``)."""

    start: int | None
    end: int | None
    severity: str
    error_type: str | None = None

    @property
    def missing(self) -> bool:
        """An omission: marked on the ``[MISSING]`` marker, not on characters."""
        return self.start is None

    def to_json(self) -> dict[str, Any]:
        """The span as Appraise and WMT24 write it."""
        return {"start_i": MISSING if self.start is None else self.start,
                "end_i": MISSING if self.end is None else self.end,
                "severity": self.severity, "error_type": self.error_type}


@dataclass(frozen=True)
class ESARating:
    """One annotator's ESA rating of one segment of one system.

    ``source_language``/``target_language`` are the codes as the file writes them (``eng`` in
    Appraise CSV, ``en`` in WMT24 JSON Lines); :attr:`langs` joins them (``eng-ces``) and is the
    language pair's key everywhere. ``segment_id`` is Appraise's item id (WMT24's ``line_id``: the
    line in the test set). ``domain`` is given by WMT24 JSON Lines; otherwise :attr:`domain_name`
    reads it from the doc_id. ``source``/``target`` texts come with JSON Lines only."""

    annotator: str
    system: str
    segment_id: int
    source_language: str
    target_language: str
    score: float
    doc_id: str
    segment_type: str = TARGET
    is_complete_document: bool = False
    spans: tuple[ESASpan, ...] = ()
    start_time: float | None = None
    end_time: float | None = None
    source: str | None = None
    target: str | None = None
    domain: str | None = None
    speech_info: dict[str, Any] | None = field(default=None, compare=True, hash=False)

    @property
    def langs(self) -> str:
        """The language pair as the file names it: ``eng-ces``, ``en-cs``."""
        return f"{self.source_language}-{self.target_language}"

    @property
    def domain_name(self) -> str:
        """The domain: as given, else read from a WMT24 doc_id (``test-en-news_…`` → ``news``),
        else :data:`NO_DOMAIN`."""
        return self.domain if self.domain is not None else domain_from_doc_id(self.doc_id)

    @property
    def doc_flag(self) -> str | None:
        """``#bad``, ``#dup`` or ``#incomplete`` when the doc_id ends with it (WMT24's marks of
        documents that are not scored), else None."""
        return next((flag for flag in DOC_FLAGS if self.doc_id.endswith(flag)), None)

    @property
    def is_tutorial(self) -> bool:
        """A tutorial item: WMT24 drops rows whose system names a tutorial (``ende-tutorial1``,
        humeval/tools.py) or whose document does (``-tutorial``, humeval/merge_to_jsonl.py)."""
        return "tutorial" in self.system or "-tutorial" in self.doc_id


def domain_from_doc_id(doc_id: str) -> str:
    """The domain a WMT24 doc_id names: ``test-en-news_brisbanetimes.com.au.228963`` → ``news``
    (``#bad``-style suffixes ignored); :data:`NO_DOMAIN` when it names none."""
    match = _DOMAIN_IN_DOC_ID.match(doc_id.split("#", 1)[0])
    return match.group(1) if match else NO_DOMAIN


def format_number(value: float) -> str:
    """A score or time as the files write it: ``98`` for a whole number, else Python's shortest
    exact form (``1724108643.055``)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def parse_span(raw: Any, where: str, severities: frozenset[str], problems: list[str]) -> ESASpan | None:
    """One span object of an Appraise / WMT24 span list, or None after appending what is wrong
    (``where`` names the file, line and span) to ``problems``."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: a span must be a JSON object, got {raw!r}")
        return None
    unknown = sorted(set(raw) - {"start_i", "end_i", "severity", "error_type"})
    missing_keys = [key for key in ("start_i", "end_i", "severity") if key not in raw]
    if unknown or missing_keys:
        parts = []
        if missing_keys:
            parts.append(f"lacks {', '.join(missing_keys)}")
        if unknown:
            parts.append(f"has unknown keys {', '.join(unknown)}")
        problems.append(f"{where}: span {' and '.join(parts)} (expected start_i, end_i, severity[, error_type])")
        return None
    start, end, severity = raw["start_i"], raw["end_i"], raw["severity"]
    error_type = raw.get("error_type")
    ok = True
    if severity not in severities:
        problems.append(f"{where}: unknown severity {severity!r} (known: {', '.join(sorted(severities))})")
        ok = False
    if error_type is not None and not isinstance(error_type, str):
        problems.append(f"{where}: error_type must be a string or null, got {error_type!r}")
        ok = False
    if start == MISSING or end == MISSING:
        if start != end:
            problems.append(f"{where}: an omission has start_i and end_i both {MISSING!r}, got {start!r} and {end!r}")
            return None
        return ESASpan(None, None, severity, error_type) if ok else None
    if not (_is_int(start) and _is_int(end)):
        problems.append(f"{where}: start_i and end_i must be integers (or both {MISSING!r}), got {start!r} and {end!r}")
        return None
    if not 0 <= start <= end:
        problems.append(f"{where}: span {start}:{end} is not 0 <= start_i <= end_i")
        return None
    return ESASpan(start, end, severity, error_type) if ok else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_score(value: Any, where: str, problems: list[str]) -> float | None:
    """A 0–100 score from a number or a numeric string, or None after appending the problem."""
    try:
        if isinstance(value, bool):
            raise ValueError
        score = float(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: score must be a number from 0 to 100, got {value!r}")
        return None
    if not 0 <= score <= 100:
        problems.append(f"{where}: score {format_number(score)} is outside 0–100")
        return None
    return score


def parse_time(value: Any, what: str, where: str, problems: list[str]) -> float | None:
    """A Unix time in seconds (number or numeric string), or None after appending the problem."""
    try:
        if isinstance(value, bool):
            raise ValueError
        time = float(value)
        if time != time or time in (float("inf"), float("-inf")):
            raise ValueError
    except (TypeError, ValueError):
        problems.append(f"{where}: {what} must be a time in seconds, got {value!r}")
        return None
    return time


def decode_utf8(data: bytes, name: str) -> str:
    """The file's text (a UTF-8 byte order mark dropped); ESAFormatError naming the line and byte
    of the first byte that is not UTF-8, or saying the file is empty."""
    if not data.strip():
        raise ESAFormatError(name, [f"{name}: the file is empty (no ESA ratings)"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ESAFormatError(name, [
            f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at byte offset {exc.start}); "
            "save the file as UTF-8"]) from None
    return text.removeprefix("\ufeff")
