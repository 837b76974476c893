"""Which reader a file needs: ``.csv`` is Appraise's ESA CSV, ``.jsonl`` (or ``.json``) WMT24's ESA
JSON Lines, and a ``.json`` holding a JSON array a Label Studio export of an ESA project
(``annotate pull``); writing picks the format by the extension the same way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from annotate.esa.appraise_csv import read_appraise_csv, write_appraise_csv
from annotate.esa.records import ESAReadConfig, ESARating
from annotate.languages import LanguagePair
from annotate.esa.wmt_jsonl import read_wmt_jsonl, write_wmt_jsonl

FORMATS = {".csv": "Appraise ESA CSV", ".jsonl": "WMT24 ESA JSON Lines", ".json": "WMT24 ESA JSON Lines"}
LABEL_STUDIO_EXPORT = "Label Studio export of an ESA project"


def esa_format(path: Path) -> str:
    """The format's name for ``path``'s extension; ValueError naming the known ones."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"{path}: unknown ESA file type {path.suffix or '(none)'!r}; use .csv (Appraise's ESA CSV) "
                         "or .jsonl (WMT24's ESA JSON Lines)") from None


def read_esa_file(path: str | Path, *, allow_severities: Sequence[str] = (),
                  languages: LanguagePair | None = None) -> list[ESARating]:
    """The ratings of one ESA file, by its extension. ``languages``: the pair of a Label Studio
    export's ratings, overriding its tasks' own (the other formats name theirs). ESAFormatError (a
    ValueError) lists every problem; OSError when it cannot be read."""
    path = Path(path)
    if esa_format(path) == FORMATS[".csv"]:
        return read_appraise_csv(path, ESAReadConfig(name=str(path), allow_severities=tuple(allow_severities)))
    if label_studio_tasks(path) is not None:
        return _read_label_studio_export(path, languages)
    return read_wmt_jsonl(path, ESAReadConfig(name=str(path), allow_severities=tuple(allow_severities)))


def write_esa_file(ratings: Iterable[ESARating], path: str | Path) -> int:
    """Write the ratings in the format ``path``'s extension names; returns the count."""
    path = Path(path)
    if esa_format(path) == FORMATS[".csv"]:
        return write_appraise_csv(ratings, path)
    return write_wmt_jsonl(ratings, path)


def _starts_with(path: Path, char: bytes) -> bool:
    """Does the file's first non-blank byte (after a BOM) equal ``char``?"""
    with path.open("rb") as stream:
        head = stream.read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    return head[:1] == char


def label_studio_tasks(path: str | Path) -> list[dict] | None:
    """The tasks of a Label Studio export (a ``.json`` holding a JSON array), None for another
    ESA file; ValueError naming the file when it is not valid JSON."""
    import orjson

    path = Path(path)
    if path.suffix.lower() != ".json" or not _starts_with(path, b"["):
        return None
    try:
        tasks = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    return tasks


def _read_label_studio_export(path: Path, languages: LanguagePair | None = None) -> list[ESARating]:
    """The ESA ratings of a Label Studio export (its MQM tasks, if any, give none), each in its
    task's language pair (es→en for a task pushed before tasks recorded it); ``languages``, when
    given, overrides every task's."""
    from annotate.labelstudio.esa import esa_ratings

    tasks = label_studio_tasks(path) or []
    try:
        ratings = esa_ratings(tasks, languages)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not ratings:
        raise ValueError(f"{path}: no ESA rating in this Label Studio export (an MQM project, or nothing "
                         "submitted yet?)")
    return ratings
