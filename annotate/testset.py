"""Read a ready-made test set in WMT's published plain-text layout (as in WMT's ``txt/`` folders)::

    DIR/sources/<src>-<tgt>.txt
    DIR/references/<src>-<tgt>.<refname>.txt      one or more references
    DIR/documents/<src>-<tgt>.docs                 "<domain>\\t<doc_id>" per line (optional)
    DIR/system-outputs/<src>-<tgt>/<system>.txt    one file per system

Every file is line-aligned with the source: line i of each is segment i. Coverage is checked,
never guessed: a file with more or fewer lines than the source raises :class:`TestSetError` naming
it and both counts (every such file at once), and nothing is returned. Files are UTF-8; a line
keeps everything but its line break (``\\n`` or ``\\r\\n``).

:func:`testset_documents` turns a test set into :class:`~annotate.records.AnnotatedDocument`
records as :mod:`annotate.mqm_tsv` does for an MQM file: systems are ``role="mt"`` translations,
references ``role="reference"`` ones (see :mod:`annotate.references`), and every translation's
``system_version`` is the content hash of its file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from annotate.ingest.articles import link_problem
from annotate.languages import LanguagePair, parse_pair
from annotate.mqm_tsv import SEGMENT_SEPARATOR
from annotate.records import AnnotatedDocument, Segment, Translation
from annotate.references import AUTO, POST_EDITS

# Characters inside a line that other tools (str.splitlines, text-mode reading) take for line
# breaks: where one appears, files made by such tools stop being aligned.
_OTHER_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class TestSetError(ValueError):
    """A test set that cannot be used as it is; the message names the file (and line) at fault."""

    __test__ = False  # not a pytest test class


@dataclass
class TestSet:
    """One language pair of a test set: the source lines, each reference's and each system's
    lines (as many as the source's, by name; systems sorted by name) and, when the test set has a
    documents file, each line's ``(domain, doc_id)``."""

    __test__ = False  # not a pytest test class

    path: Path
    pair: LanguagePair
    sources: list[str]
    references: dict[str, list[str]]
    systems: dict[str, list[str]]
    docs: list[tuple[str, str]] | None = None
    hashes: dict[Path, str] = field(default_factory=dict, repr=False)  # each file read → its content hash

    @property
    def source_path(self) -> Path:
        return self.path / "sources" / f"{self.pair}.txt"

    @property
    def docs_path(self) -> Path:
        return self.path / "documents" / f"{self.pair}.docs"

    def reference_path(self, name: str) -> Path:
        return self.path / "references" / f"{self.pair}.{name}.txt"

    def system_path(self, name: str) -> Path:
        return self.path / "system-outputs" / str(self.pair) / f"{name}.txt"

    def version(self, system: str) -> str:
        """The content hash of ``system``'s file, e.g. ``sha256:3f2a9c0d41be``."""
        return self.hashes[self.system_path(system)]

    def reference_version(self, name: str) -> str:
        """The content hash of reference ``name``'s file."""
        return self.hashes[self.reference_path(name)]


def read_testset(path: Path, pair: str | None = None) -> TestSet:
    """Read the ``pair`` (e.g. ``"en-de"``; None: the only pair under ``sources/``) of the test set
    in ``path``. Raises :class:`TestSetError` for a missing source, no reference, no system output,
    a file that is not UTF-8, a file whose line count differs from the source's, or a malformed
    documents file."""
    path = Path(path)
    if not path.is_dir():
        raise TestSetError(f"{path}: no such directory (expected a test set: sources/, references/, system-outputs/)")
    ts = TestSet(path=path, pair=_choose_pair(path, pair), sources=[], references={}, systems={})
    if not ts.source_path.is_file():
        why = link_problem(ts.source_path) or "no such file"
        raise TestSetError(f"{ts.source_path}: {why} (the source of {ts.pair})")
    ts.sources = _read_lines(ts.source_path, ts.hashes)
    if not ts.sources:
        raise TestSetError(f"{ts.source_path}: empty (no source segments)")
    prefix = f"{ts.pair}."
    for file in sorted((path / "references").glob(f"{ts.pair}.*.txt"), key=lambda p: p.name):
        if file.is_file() or link_problem(file):  # a dangling link or a loop is named, never skipped unsaid
            ts.references[file.name[len(prefix):-len(".txt")]] = _read_lines(file, ts.hashes)
    if not ts.references:
        raise TestSetError(f"{ts.reference_path('<refname>')}: no reference (one file per reference expected)")
    outputs = ts.path / "system-outputs" / str(ts.pair)
    for file in sorted(outputs.glob("*.txt"), key=lambda p: p.name):
        if file.is_file() or link_problem(file):  # a system's dangling link is named, not dropped unsaid
            ts.systems[file.name[:-len(".txt")]] = _read_lines(file, ts.hashes)
    if not ts.systems:
        raise TestSetError(f"{ts.system_path('<system>')}: no system output (one file per system expected)")
    has_docs = ts.docs_path.is_file() or link_problem(ts.docs_path) is not None  # a broken link is named
    doc_lines = _read_lines(ts.docs_path, ts.hashes) if has_docs else None
    files = [(ts.reference_path(name), lines) for name, lines in ts.references.items()]
    files += [(ts.system_path(name), lines) for name, lines in ts.systems.items()]
    files += [(ts.docs_path, doc_lines)] if doc_lines is not None else []
    problems = [problem for file, lines in files
                if (problem := _coverage_problem(file, lines, ts.source_path, ts.sources)) is not None]
    if problems:
        raise TestSetError("\n".join(problems))
    ts.docs = None if doc_lines is None else _parse_docs(ts.docs_path, doc_lines)
    return ts


def choose_testset_references(ts: TestSet, requested: str | None = None) -> list[str]:
    """The references to score against: every one of the test set (``requested`` None, ``""`` or
    ``"auto"``), or those named, comma-separated. An unknown name, or ``"post_edits"`` (a test set
    has none), is a :class:`TestSetError` listing the references there are."""
    if requested in (None, "", AUTO):
        return list(ts.references)
    names = list(dict.fromkeys(name.strip() for name in requested.split(",") if name.strip()))
    unknown = [name for name in names if name not in ts.references]
    if unknown or not names:
        what = "post-edits" if requested == POST_EDITS else f"reference {', '.join(unknown) or requested!r}"
        raise TestSetError(f"{ts.path} has no {what} for {ts.pair}; its references: {', '.join(ts.references)} "
                           f"({ts.reference_path('<refname>')})")
    return names


def testset_documents(ts: TestSet) -> list[AnnotatedDocument]:
    """One :class:`AnnotatedDocument` per document (consecutive lines of one ``doc_id``; without
    a documents file, one per line, named ``line-000001`` …). Segments are numbered from 1 within
    the document, ``global_seg_id`` is the line number; every system gives one ``role="mt"``
    translation per segment and every reference one ``role="reference"`` translation."""
    streams = [("mt", name, ts.version(name), lines) for name, lines in ts.systems.items()]
    streams += [("reference", name, ts.reference_version(name), lines) for name, lines in ts.references.items()]
    documents = []
    domains = testset_domains(ts)
    for doc_id, indices in _document_lines(ts):
        segments, offset = [], 0
        for position, index in enumerate(indices):
            text = ts.sources[index]
            segments.append(Segment(doc_id=doc_id, seg_id=position + 1, paragraph=position, start=offset,
                                    end=offset + len(text), text=text, global_seg_id=index + 1))
            offset += len(text) + len(SEGMENT_SEPARATOR)
        translations = [Translation(doc_id=doc_id, seg_id=segment.seg_id, system=name, system_version=version,
                                    source=segment.text, mt=lines[index], role=role)
                        for role, name, version, lines in streams
                        for segment, index in zip(segments, indices)]
        documents.append(AnnotatedDocument(
            doc_id=doc_id, title=doc_id, text=SEGMENT_SEPARATOR.join(s.text for s in segments),
            source_name=ts.source_path.name, segments=segments, translations=translations,
            source_language=ts.pair.source, target_language=ts.pair.target, domain=domains.get(doc_id, "")))
    return documents


def testset_domains(ts: TestSet) -> dict[str, str]:
    """``doc_id → domain`` from the documents file; empty when the test set has none."""
    return {doc_id: domain for domain, doc_id in ts.docs or ()}


def _choose_pair(path: Path, pair: str | None) -> LanguagePair:
    if pair is not None:
        try:
            return parse_pair(pair)
        except ValueError as exc:
            raise TestSetError(str(exc)) from None
    found = []
    for file in sorted((path / "sources").glob("*.txt")):
        try:
            found.append(parse_pair(file.name[:-len(".txt")]))
        except ValueError:
            continue  # not a <src>-<tgt>.txt file
    if not found:
        raise TestSetError(f"{path / 'sources'}: no <src>-<tgt>.txt source file (e.g. sources/en-de.txt)")
    if len(found) > 1:
        raise TestSetError(f"{path} has several language pairs ({', '.join(map(str, found))}): "
                           "name one (annotate score --languages SRC-TGT)")
    return found[0]


def _read_lines(file: Path, hashes: dict[Path, str]) -> list[str]:
    """The lines of a UTF-8 file without their line breaks; records the file's content hash."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise TestSetError(f"{file}: {link_problem(file) or exc.strerror or exc}") from None
    hashes[file] = "sha256:" + hashlib.sha256(data).hexdigest()[:12]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex()
        raise TestSetError(f"{file}:{line}: not UTF-8: byte 0x{bad} at offset {exc.start} ({exc.reason}); "
                           "re-encode the file as UTF-8") from None
    lines = text.split("\n")
    if lines[-1] == "":  # the final line break ends the last line (or the file is empty)
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _coverage_problem(file: Path, lines: list[str], source_file: Path, sources: list[str]) -> str | None:
    """None when ``file`` has a line per source line, else what is wrong and where it may start."""
    found, expected = len(lines), len(sources)
    if found == expected:
        return None
    if found > expected:
        extra = lines[expected:]
        where = f"{_lines(expected + 1, found)} {'has' if found == expected + 1 else 'have'} no source line"
        where += " (all empty: blank lines at the end of the file?)" if not any(s.strip() for s in extra) else ""
    else:
        where = f"source {_lines(found + 1, expected)} {'has' if expected == found + 1 else 'have'} no line here"
    hints = [where]
    blank = next((n for n, (a, b) in enumerate(zip(lines, sources), 1) if (not a.strip()) != (not b.strip())), None)
    if blank is not None:
        empty_here = not lines[blank - 1].strip()
        hints.append(f"line {blank} is {'empty here, not' if empty_here else 'empty in the source, not'} "
                     f"{'in the source' if empty_here else 'here'}")
    for side, texts in (("line", lines), ("source line", sources)):
        hit = next(((n, m.group()) for n, text in enumerate(texts, 1) if (m := _OTHER_BREAK.search(text))), None)
        if hit is not None:
            number, char = hit
            name = unicodedata.name(char, "a control character")
            hints.append(f"{side} {number} contains U+{ord(char):04X} ({name}), which some tools read as a line break")
    return f"{file}: has {found} lines, the source {source_file.name} has {expected}; " + "; ".join(hints)


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def _parse_docs(file: Path, lines: list[str]) -> list[tuple[str, str]]:
    """``(domain, doc_id)`` per line; every line is ``domain\\tdoc_id`` and a document's lines are
    consecutive (one domain each)."""
    docs: list[tuple[str, str]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != 2 or not all(f.strip() for f in fields):
            raise TestSetError(f"{file}:{number}: expected '<domain>\\t<doc_id>', got {line!r}")
        domain, doc_id = fields
        if docs and docs[-1][1] == doc_id:
            if docs[-1][0] != domain:
                raise TestSetError(f"{file}:{number}: document {doc_id!r} has domain {domain!r}, "
                                   f"its earlier lines {docs[-1][0]!r}")
        elif doc_id in first_line:
            raise TestSetError(f"{file}:{number}: document {doc_id!r} again (it began at line {first_line[doc_id]}): "
                               "a document's lines must be consecutive")
        else:
            first_line[doc_id] = number
        docs.append((domain, doc_id))
    return docs


def _document_lines(ts: TestSet) -> Iterator[tuple[str, list[int]]]:
    """Each document's id and its 0-based line indices, in file order."""
    if ts.docs is None:
        for index in range(len(ts.sources)):
            yield f"line-{index + 1:06d}", [index]
        return
    docs = ts.docs
    for doc_id, group in groupby(range(len(docs)), key=lambda index: docs[index][1]):
        yield doc_id, list(group)
