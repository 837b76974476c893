"""Display texts with numbered sentences, and the offset arithmetic between them and the records.

An annotator sees each document-level text (the Spanish source, every MT output) as one sentence
per line, prefixed with its number, with a blank line between paragraphs (a line break INSIDE a
sentence is shown as a space — same length, so offsets are unchanged — which keeps every text's
line structure identical, the basis of the row alignment in config.py)::

    [1] Putin acepta invitación de Kim Jong Un

    [2] La reunión, de acuerdo con Pyongyang, …
    [3] …

``at[i]`` is where sentence ``i``'s own text starts in the display text. The gap between two
sentences (line break, blank line, the next ``[n] `` prefix) belongs to no sentence: a region that
STARTS in a gap starts at the next sentence, a region that ENDS in a gap ends with the previous one.
Offsets are code points (Python ``str`` indices), as Label Studio counts them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass


def on_one_line(sentence: str) -> str:
    """A sentence as displayed: each CR or LF replaced by one space (offsets are preserved)."""
    return sentence.replace("\r", " ").replace("\n", " ")


def number_prefix(seg_id: int) -> str:
    """What precedes sentence ``seg_id`` on its line."""
    return f"[{seg_id}] "


@dataclass(frozen=True)
class Line:
    """One sentence of a display text."""

    seg_id: int
    paragraph: int
    text: str


def build_display(lines: Sequence[Line]) -> tuple[str, list[int]]:
    """The display text and, per line, the offset where its sentence text starts."""
    parts: list[str] = []
    starts: list[int] = []
    position = 0
    previous_paragraph: int | None = None
    for line in lines:
        if parts:
            separator = "\n\n" if line.paragraph != previous_paragraph else "\n"
            parts.append(separator)
            position += len(separator)
        prefix = number_prefix(line.seg_id)
        parts.append(prefix)
        position += len(prefix)
        starts.append(position)
        parts.append(on_one_line(line.text))
        position += len(line.text)
        previous_paragraph = line.paragraph
    return "".join(parts), starts


def locate(starts: Sequence[int], lengths: Sequence[int], offset: int, *, is_end: bool) -> tuple[int, int]:
    """Map a display offset to ``(line index, offset within that line's sentence)``.

    A start offset in a gap moves forward to the next sentence; an end offset in a gap moves back
    to the end of the previous sentence (see the module docstring)."""
    if not starts:
        raise ValueError("a display text without sentences has no offsets to map")
    index = bisect_right(starts, offset) - 1  # last sentence starting at or before offset
    if index < 0:
        return 0, 0  # inside the first line's prefix
    local = offset - starts[index]
    if local <= lengths[index]:
        if is_end and local == 0 and index > 0:
            return index - 1, lengths[index - 1]  # an end exactly at a sentence start closes the previous one
        return index, local
    # Past this sentence's end: in the gap before the next one.
    if is_end or index + 1 == len(starts):
        return index, lengths[index]
    return index + 1, 0


def article_to_line(seg_starts: Sequence[int], seg_ends: Sequence[int], offset: int, *, is_end: bool) -> tuple[int, int]:
    """Map an offset into the article text to ``(segment index, offset within the segment)``.
    Segments are sorted and disjoint; offsets between segments snap as in :func:`locate`."""
    if not seg_starts:
        raise ValueError("an article without segments has no offsets to map")
    index = bisect_right(seg_starts, offset) - 1
    if index < 0:
        return 0, 0
    local = offset - seg_starts[index]
    length = seg_ends[index] - seg_starts[index]
    if local <= length:
        if is_end and local == 0 and index > 0:
            return index - 1, seg_ends[index - 1] - seg_starts[index - 1]
        return index, local
    if is_end or index + 1 == len(seg_starts):
        return index, length
    return index + 1, 0
