"""Ingestion: raw scraped text files → clean :class:`~annotate.records.Article` records.

Page chrome (share buttons, ads, injected links, newsletter prompts, teaser lists, comment forms,
counters, breadcrumbs…) is removed by a small ordered table of named rules (:data:`RULES`, in
:mod:`annotate.ingest.chrome`); the first rule that matches a line decides its fate, so every line can be
explained (``annotate ingest DIR --explain``). Photo captions / credits and source attributions
leave the body but are kept on the Article. Every kept piece keeps code-point offsets into the
decoded raw text: ``raw[p.raw_start:p.raw_end] == p.text``.

An Article's ``doc_id`` is derived from its clean text (:func:`doc_id_for`), not from the file's
bytes: line endings, a BOM, trailing spaces or chrome lines the cleaner removes do not change it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from annotate.ingest.chrome import (
    ATTRIBUTION,
    BODY,
    CAPTION,
    min_wrapped_line,
    REMOVED,
    TITLE,
    LineDecision,
    RawLine,
    classify_lines,
    ends_sentence,
)
from annotate.records import Article, Paragraph

__all__ = [
    "IngestError",
    "CleanResult",
    "clean_text",
    "read_article",
    "ingest_dir",
    "ingest_dir_explained",
    "explain_file",
    "input_entries",
    "input_files",
    "link_problem",
    "split_lines",
    "doc_id_for",
]

# A wire-agency tag glued to the end of the last paragraph ("… estancada. AFP").
_AGENCY_TAG = re.compile(
    r"(?<=[.!?»”\"…)])[ \t\xa0]+"
    r"(?P<tag>AFP|EFE|AP|Reuters|DPA|dpa|ANSA|Xinhua|Europa Press|Sputnik|VOA|EP|AP/EFE|EFE/AFP)"
    r"[ \t\xa0]*$"
)


class IngestError(Exception):
    """A file that cannot become an Article; names the file and says why."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class CleanResult:
    """What cleaning one raw text produced: the article parts and one decision per line."""

    title: Paragraph
    paragraphs: list[Paragraph]
    captions: list[Paragraph]
    source_attribution: list[Paragraph]
    decisions: list[LineDecision]

    @property
    def removed_lines(self) -> int:
        """Lines dropped as page chrome (NBSP-only lines included, empty lines not)."""
        return sum(1 for d in self.decisions if d.role == REMOVED)


_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
# Whitespace plus the invisible format characters scrapers leave behind (BOM, zero-width
# space/joiners, word joiner); \s already covers NBSP and the other Unicode spaces.
_BLANK = r"[\s\ufeff\u200b\u200c\u200d\u2060]"
_LEADING = re.compile(f"^{_BLANK}+")
_TRAILING = re.compile(f"{_BLANK}+$")


def split_lines(raw: str) -> list[RawLine]:
    """Split raw text into lines (``\\n``, ``\\r\\n`` or ``\\r``), each trimmed by offsets only:
    ``raw[line.start:line.end] == line.text`` without leading/trailing whitespace (NBSP, BOM…)."""
    lines: list[RawLine] = []
    for number, match in enumerate(_LINE.finditer(raw), 1):
        start, end = match.span(1)
        if start == len(raw) and not match.group(2) and lines:
            break  # the empty match after a final newline is not a line
        lead = _LEADING.match(match.group(1))
        line_start = start + (lead.end() if lead else 0)
        trail = _TRAILING.search(raw, line_start, end)
        line_end = max(line_start, trail.start() if trail else end)
        lines.append(RawLine(number, line_start, line_end, raw[line_start:line_end], match.group(1)))
    return lines


def clean_text(raw: str) -> CleanResult:
    """Decide every line of a raw article (title, body, caption, attribution, removed) and build
    the kept parts with offsets into ``raw``. Raises ValueError if nothing is left to be a title,
    or no body paragraph is left after it."""
    decisions = classify_lines(split_lines(raw))
    title_line = next((d.line for d in decisions if d.role == TITLE), None)
    if title_line is None:
        raise ValueError("no article text left after removing page chrome (see --explain)")
    paragraphs = _merge_body(raw, decisions)
    if not paragraphs:  # a title alone (e.g. a cookie notice on a chrome-only page) is no article to annotate
        raise ValueError("no article text left after removing page chrome: no body paragraph after the title "
                         "(see --explain)")
    captions = [_para(d.line) for d in decisions if d.role == CAPTION]
    attribution = [_para(d.line) for d in decisions if d.role == ATTRIBUTION]
    tag = _AGENCY_TAG.search(paragraphs[-1].text) if paragraphs else None
    if tag:
        # "… estancada. AFP": the sentence stays in the body, the agency becomes attribution.
        last = paragraphs[-1]
        body_end = last.raw_start + tag.start()
        tag_start = last.raw_start + tag.start("tag")
        tag_para = Paragraph(tag.group("tag"), tag_start, tag_start + len(tag.group("tag")))
        paragraphs[-1] = Paragraph(raw[last.raw_start : body_end], last.raw_start, body_end)
        attribution.append(tag_para)
        attribution.sort(key=lambda p: p.raw_start)
        line = next(d.line for d in decisions if d.line.start <= tag_start < d.line.end)
        decisions.append(LineDecision(line, ATTRIBUTION, "agency-tag", f"split off {tag_para.text!r}"))
    return CleanResult(_para(title_line), paragraphs, captions, attribution, decisions)


def _para(line: RawLine) -> Paragraph:
    return Paragraph(line.text, line.start, line.end)


def _merge_body(raw: str, decisions: list[LineDecision]) -> list[Paragraph]:
    """Body lines become paragraphs; a hard-wrapped paragraph (adjacent body lines, the first one
    long and not ending a sentence) is joined back into one paragraph spanning the raw newline."""
    spans: list[list[int]] = []
    previous: LineDecision | None = None
    min_wrapped = min_wrapped_line(decision.line.text for decision in decisions)
    for decision in decisions:
        line = decision.line
        if decision.role == BODY:
            if (
                previous is not None
                and previous.role == BODY
                and previous.line.number == line.number - 1
                and len(previous.line.text) >= min_wrapped
                and not ends_sentence(previous.line.text)
            ):
                spans[-1][1] = line.end
            else:
                spans.append([line.start, line.end])
        previous = decision
    return [Paragraph(raw[start:end], start, end) for start, end in spans]


def decode_raw(path: Path, data: bytes) -> str:
    """Decode a file's bytes as UTF-8; raise IngestError for empty, binary or non-UTF-8 content."""
    if not data.strip():
        raise IngestError(path, "empty file (no text)")
    if b"\x00" in data:
        nul = data.index(b"\x00")
        raise IngestError(path, f"binary file (NUL byte at offset {nul}), expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise IngestError(
            path, f"not UTF-8: byte 0x{bad} at offset {exc.start} ({exc.reason}); re-encode the file as UTF-8"
        ) from None


# Whitespace for doc_id purposes: Unicode spaces and line breaks (NBSP, CR, LF…), the BOM and the
# zero-width space. Zero-width joiners stay: they are part of emoji and of some scripts' words.
_DOC_ID_SPACE = re.compile(r"[\s\ufeff\u200b]+")


def doc_id_for(title: str, paragraphs: Iterable[str]) -> str:
    """Stable document id from the clean text: the first 16 hex digits of the SHA-256 (of the
    UTF-8 bytes) of the title and the body paragraphs, each NFC-normalised with every run of
    whitespace (line breaks of any kind, NBSP, BOM, zero-width space) made one space and the ends
    trimmed, joined with "\n". So CRLF vs LF, a BOM, trailing spaces, hard wrapping or chrome that
    the cleaner removes (bylines, tag lines, captions…) leave it unchanged; a change to one word of
    the title or the body changes it."""
    parts = [title, *paragraphs]
    normalised = [_DOC_ID_SPACE.sub(" ", unicodedata.normalize("NFC", part)).strip() for part in parts]
    return hashlib.sha256("\n".join(normalised).encode("utf-8")).hexdigest()[:16]


def read_article(path: Path | str) -> Article:
    """Read one raw text file into an Article. Raises IngestError(path, reason) if it is
    unreadable, empty, binary, not UTF-8, or has no article text once the chrome is removed."""
    return _read(Path(path))[0]


# One article is at most this many bytes (≈ characters): spaCy's own per-text limit (nlp.max_length),
# and about a hundred times a long feature article. A bigger file is a dump of many articles, or not
# an article at all; reading it whole would spend minutes before failing somewhere downstream.
MAX_ARTICLE_BYTES = 1_000_000


def _read(path: Path) -> tuple[Article, CleanResult]:
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise IngestError(path, f"{size:,} bytes is too big for one article (the limit is "
                                    f"{MAX_ARTICLE_BYTES:,}): split it into one file per article")
        data = path.read_bytes()
    except OSError as exc:
        # a dangling link or a link loop says so (and where it points) rather than "No such file"
        raise IngestError(path, link_problem(path) or f"cannot read: {exc.strerror or exc}") from None
    raw = decode_raw(path, data)
    try:
        result = clean_text(raw)
    except ValueError as exc:
        raise IngestError(path, str(exc)) from None
    article = Article(
        doc_id=doc_id_for(result.title.text, (p.text for p in result.paragraphs)),
        source_name=path.name,
        title=result.title.text,
        title_raw_start=result.title.raw_start,
        title_raw_end=result.title.raw_end,
        paragraphs=result.paragraphs,
        captions=result.captions,
        source_attribution=result.source_attribution,
    )
    return article, result


def explain_file(path: Path | str) -> CleanResult:
    """The line-by-line decisions for one file (what ``annotate ingest --explain`` shows)."""
    return _read(Path(path))[1]


DEFAULT_PATTERN = "*.txt"

# How many links :func:`link_problem` follows to describe a chain: the kernel's own limit (40 on Linux).
_MAX_LINK_HOPS = 40


def link_problem(path: Path | str) -> str | None:
    """Why the symbolic link ``path`` cannot be read — ``"dangling symbolic link to X (no such
    file)"`` or ``"symbolic link loop (a.txt → b.txt → a.txt)"`` —, or None when ``path`` is not a
    link or its target can be reached (a link to a file is read like the file: the user's choice)."""
    path = Path(path)
    if not path.is_symlink():
        return None
    try:
        os.stat(path)
    except OSError as exc:
        hops = _link_chain(path)
        if exc.errno == errno.ELOOP:
            return f"symbolic link loop ({' → '.join([path.name, *hops])})"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"dangling symbolic link to {' → '.join(hops)} (no such file)"
        return None  # e.g. a permission error: the reader reports it as it reports any unreadable file
    return None


def _link_chain(path: Path) -> list[str]:
    """The targets of the link ``path`` as written, hop by hop, until one is no link, or a link
    seen before (a loop), or the kernel's hop limit: what the user reads to find the broken link."""
    hops: list[str] = []
    seen = {os.path.normpath(os.path.abspath(path))}
    current = path
    for _ in range(_MAX_LINK_HOPS):
        try:
            target = os.readlink(current)
        except OSError:
            break
        hops.append(target)
        current = current.parent / target
        key = os.path.normpath(os.path.abspath(current))
        if key in seen or not current.is_symlink():
            break
        seen.add(key)
    return hops


def _looping_folder_link(root: Path, file: Path) -> Path | None:
    """The folder link on the way from ``root`` to ``file`` (a ``--glob`` such as ``*/*.txt``
    goes through folder links) that points back to a folder holding it — following it is a loop
    that reads the same files again under other names —, or None."""
    current = root
    for part in file.relative_to(root).parts[:-1]:
        current = current / part
        if current.is_symlink():
            try:
                target, holder = current.resolve(strict=True), current.parent.resolve(strict=True)
            except (OSError, RuntimeError):  # glob went through it, so it resolved; if not now, do not follow it
                return current
            if target == holder or target in holder.parents:
                return current
    return None


def input_entries(path: Path | str, pattern: str = DEFAULT_PATTERN) -> list[tuple[Path, str | None]]:
    """What ``ingest`` finds in a folder, sorted by name: each non-hidden entry matching ``pattern``
    (not recursive unless the pattern is) that is a file or a link to one, with None, and each
    link that cannot be read — dangling, a loop, or a folder link back to a folder holding it —,
    with the reason it is skipped. Folders (and links to folders) matching the pattern are not
    files and are left out. ``path`` itself may be one file. Raises FileNotFoundError for a
    missing path (naming a dangling link or a loop as such)."""
    path = Path(path)
    if path.is_file():
        return [(path, None)]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: {link_problem(path) or 'no such file or folder'}")
    entries: dict[Path, str | None] = {}
    # Path.glob does not follow folder links for "**" and goes through them only as deep as the
    # pattern says, so it never runs round a loop itself; the loop links are listed below.
    for entry in path.glob(pattern):
        if entry.name.startswith("."):
            continue
        loop = _looping_folder_link(path, entry)
        if loop is not None:
            entries[loop] = (f"symbolic link loop ({loop.name} → {os.readlink(loop)}, a folder that holds it; "
                             "not followed)")
        elif entry.is_file():
            entries[entry] = None
        elif (problem := link_problem(entry)) is not None:
            entries[entry] = problem
    return sorted(entries.items(), key=lambda item: (item[0].name, str(item[0])))


def input_files(path: Path | str, pattern: str = DEFAULT_PATTERN) -> list[Path]:
    """The files ``ingest`` reads: ``path`` itself, or a folder's non-hidden files matching
    ``pattern`` (not recursive), sorted by name; links that cannot be read are left out (see
    :func:`input_entries`). Raises FileNotFoundError for a missing path."""
    return [entry for entry, problem in input_entries(path, pattern) if problem is None]


def ingest_dir(path: Path | str, pattern: str = DEFAULT_PATTERN) -> tuple[list[Article], list[IngestError]]:
    """Ingest every ``*.txt`` file of a folder (or ``pattern``), sorted by file name. Bad files do
    not stop the others: they come back as IngestErrors alongside the Articles that were read (a
    dangling symbolic link or a link loop too, its reason saying so: see :func:`input_entries`)."""
    results, errors = ingest_dir_explained(path, pattern)
    return [article for article, _ in results], errors


def ingest_dir_explained(
    path: Path | str, pattern: str = DEFAULT_PATTERN
) -> tuple[list[tuple[Article, CleanResult]], list[IngestError]]:
    """Like :func:`ingest_dir`, with each Article's line-by-line decisions (for ``--explain``)."""
    results: list[tuple[Article, CleanResult]] = []
    errors: list[IngestError] = []
    for file, problem in input_entries(path, pattern):
        if problem is not None:  # a dangling link or a loop is listed like any file that cannot be read
            errors.append(IngestError(file, problem))
            continue
        try:
            results.append(_read(file))
        except IngestError as exc:
            errors.append(exc)
    return results, errors
