"""What every exchange format shares: its error type, the fixed segment order, one-line fields,
the documents' language pair, and atomic file writing (temporary file + rename, UTF-8, ``\\n``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from annotate.languages import LanguagePair
from annotate.records import AnnotatedDocument, Segment


class ExchangeError(ValueError):
    """Records a format cannot hold, or a file that is not in the format; the message names the
    record (system, document, segment) or the file and line."""


def ordered_segments(docs: Sequence[AnnotatedDocument]) -> list[tuple[AnnotatedDocument, Segment]]:
    """Every segment once, in the fixed order all formats use: documents as given (an MQM TSV's in
    file order), segments by ``seg_id`` within each."""
    return [(doc, segment) for doc in docs for segment in sorted(doc.segments, key=lambda s: s.seg_id)]


def one_line(value: str, what: str, *, tabs: bool = False) -> str:
    """``value`` unchanged, or an :class:`ExchangeError` when it holds a line break (or, with
    ``tabs``, a tab): line- and tab-separated formats cannot hold one."""
    bad = ("\n", "\r", "\t") if tabs else ("\n", "\r")
    if any(char in value for char in bad):
        kind = "a tab or line break" if tabs else "a line break"
        raise ExchangeError(f"{what} contains {kind}, which this format cannot hold: {value[:60]!r}")
    return value


def one_word(value: str, what: str) -> str:
    """``value`` unchanged, or an :class:`ExchangeError` when it is empty or holds whitespace (a
    name in a whitespace-separated file)."""
    if not value or any(char.isspace() for char in value):
        raise ExchangeError(f"{what} {value!r} is empty or contains whitespace, which this format cannot hold "
                            "(its fields are whitespace-separated)")
    return value


def documents_pair(docs: Iterable[AnnotatedDocument], pair: LanguagePair | None = None) -> LanguagePair:
    """``pair`` when given, else the documents' one language pair; an :class:`ExchangeError` when
    they disagree or do not say (then ``--languages`` must)."""
    if pair is not None:
        return pair
    found = {(doc.source_language, doc.target_language) for doc in docs}
    if len(found) == 1:
        source, target = found.pop()
        if source and target:
            return LanguagePair(source, target)
    said = ", ".join(sorted(f"{s or '?'}-{t or '?'}" for s, t in found)) or "none"
    raise ExchangeError(f"the documents' language pair is unknown or not one (found: {said}); "
                        "give it with --languages SRC-TGT")


def write_files(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``{relative path: text}`` under ``out_dir`` (folders made as needed), each file UTF-8
    with ``\\n`` line ends, atomically: written to a temporary file in its folder, then renamed
    over the target, so a reader never sees half a file. Returns the paths written, in order."""
    written = []
    for relative, text in files.items():
        path = Path(out_dir) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file without their line ends; an :class:`ExchangeError` naming the file
    when it is missing or not UTF-8."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ExchangeError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def lines_text(lines: Iterable[str]) -> str:
    """Lines joined into a file's text, each ended by ``\\n``."""
    return "".join(f"{line}\n" for line in lines)
