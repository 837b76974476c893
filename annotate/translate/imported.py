"""Imported systems and references: the outputs of any MT system (a commercial API, an LLM, your own
model) or human reference translations, brought as files and turned into
:class:`~annotate.records.Translation` records next to the built-in systems' own.

Two file layouts, for the segments ``annotate segment`` makes of a folder of articles:

* JSON Lines (``.jsonl``), one object per segment, keyed by ``doc_id`` + ``seg_id`` (what
  ``annotate segment --jsonl`` prints); the translation is in ``mt`` (or ``translation``, or
  ``text`` — a segment file whose texts were replaced by their translations). A ``source`` field,
  when present, must equal the segment's text: it catches outputs made from another segmentation.
  A document is covered whole or not at all (a system that translated some articles only is
  legitimate; half an article is a broken file).
* plain text (any other name): one line per segment, in ``annotate segment`` order, every segment.

Coverage is checked, never guessed: unknown or repeated segments, a half-covered document or a
line count that differs from the segments' is an :class:`ImportedOutputsError` naming the file, the expected
and found counts and the first mismatch, and nothing is imported. An imported system's version is a
content hash of its outputs, so a changed file is a new version everywhere it is recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotate.records import Segment, Translation
from annotate.text import plural

TEXT_FIELDS = ("mt", "translation", "text")


class ImportedOutputsError(ValueError):
    """An imported file that does not cover the segments as it must; the message says where."""


@dataclass(frozen=True)
class ImportSpec:
    """``NAME=FILE`` from the command line: a system (or reference) name and its file."""

    name: str
    path: Path

    @classmethod
    def parse(cls, spec: str) -> ImportSpec:
        """``"gpt4=out/gpt4.jsonl"`` → ImportSpec; a ValueError says what the form must be."""
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise ValueError(f"{spec!r}: expected NAME=FILE (e.g. deepl=outputs/deepl.jsonl)")
        return cls(name.strip(), Path(path.strip()))


def content_version(outputs: Sequence[tuple[str, int, str]]) -> str:
    """``imported sha256:1a2b3c4d5e6f``: a hash of the (doc_id, seg_id, text) triples, in order."""
    digest = hashlib.sha256(json.dumps(sorted(outputs), ensure_ascii=False).encode("utf-8")).hexdigest()
    return f"imported sha256:{digest[:12]}"


def import_outputs(spec: ImportSpec, segments: Sequence[Segment], *, role: str = "mt") -> list[Translation]:
    """The Translation records of ``spec``'s file for ``segments`` (``role="reference"`` for a
    human reference). Raises ImportedOutputsError (nothing imported) when coverage is wrong."""
    try:
        raw = spec.path.read_bytes()
    except OSError as exc:
        raise ImportedOutputsError(f"{spec.path}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportedOutputsError(f"{spec.path}: line {line}, byte {exc.start}: not UTF-8") from None
    if spec.path.suffix.lower() == ".jsonl":
        outputs = _from_jsonl(spec.path, text, segments)
    else:
        outputs = _from_lines(spec.path, text, segments)
    version = content_version([(s.doc_id, s.seg_id, mt) for s, mt in outputs])
    return [Translation(doc_id=s.doc_id, seg_id=s.seg_id, system=spec.name, system_version=version,
                        source=s.text, mt=mt, role=role) for s, mt in outputs]


def _from_lines(path: Path, text: str, segments: Sequence[Segment]) -> list[tuple[Segment, str]]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line, it does not start another
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if len(lines) != len(segments):
        first = segments[min(len(lines), len(segments) - 1)] if segments else None
        where = f"; line {len(lines) + 1} would be {first.doc_id}#{first.seg_id}" if first and len(lines) < len(segments) else ""
        raise ImportedOutputsError(f"{path}: {len(lines)} lines, expected {len(segments)} (one per segment, in "
                                   f"`annotate segment` order){where}")
    return list(zip(segments, lines))


def _from_jsonl(path: Path, text: str, segments: Sequence[Segment]) -> list[tuple[Segment, str]]:
    by_key = {(s.doc_id, s.seg_id): s for s in segments}
    found: dict[tuple[str, int], str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportedOutputsError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("doc_id"), str) or not isinstance(item.get("seg_id"), int):
            raise ImportedOutputsError(f"{where}: needs doc_id (string) and seg_id (integer)")
        key = (item["doc_id"], item["seg_id"])
        mt = next((item[f] for f in TEXT_FIELDS if isinstance(item.get(f), str)), None)
        if mt is None:
            raise ImportedOutputsError(f"{where}: no translation ({' or '.join(TEXT_FIELDS)}, a string)")
        if key not in by_key:
            raise ImportedOutputsError(f"{where}: {key[0]}#{key[1]} is not a segment of these articles "
                                       f"({plural(len(segments), 'segment')} in {plural(len({s.doc_id for s in segments}), 'document')})")
        if key in found:
            raise ImportedOutputsError(f"{where}: {key[0]}#{key[1]} is translated twice")
        source = item.get("source")
        if isinstance(source, str) and source != by_key[key].text:
            raise ImportedOutputsError(f"{where}: source of {key[0]}#{key[1]} is {source[:60]!r}, the segment is "
                                       f"{by_key[key].text[:60]!r} (made from another segmentation?)")
        found[key] = mt
    covered = {doc_id for doc_id, _ in found}
    for doc_id in covered:
        doc_segments = [s for s in segments if s.doc_id == doc_id]
        missing = [s for s in doc_segments if (s.doc_id, s.seg_id) not in found]
        if missing:
            raise ImportedOutputsError(f"{path}: document {doc_id} has {len(doc_segments) - len(missing)} of its "
                                       f"{plural(len(doc_segments), 'segment')}; first missing: #{missing[0].seg_id}")
    if not found:
        raise ImportedOutputsError(f"{path}: no translations")
    return [(s, found[(s.doc_id, s.seg_id)]) for s in segments if (s.doc_id, s.seg_id) in found]
