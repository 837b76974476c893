"""Small helpers for user-facing text: counts with the right noun form ("1 document", "2 documents").

Every message, report, card and table that puts a number before a noun goes through
:func:`plural`, so "1 documents" cannot slip into one place while another is fixed."""

from __future__ import annotations

from typing import Any

_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")


def plural_form(word: str) -> str:
    """The regular English plural of ``word``: "segment" → "segments", "entity" → "entities",
    "match" → "matches". Irregular nouns pass their plural to :func:`plural` instead."""
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(_SIBILANT_ENDINGS):
        return word + "es"
    return word + "s"


def plural(count: int, word: str, many: str | None = None, *, grouped: bool = False) -> str:
    """``count`` and ``word`` in the form the count needs: ``plural(1, "document")`` is "1 document",
    ``plural(0, "document")`` "0 documents". ``many``: the plural when it is irregular
    ("hypothesis", "hypotheses"); ``grouped``: thousands separators ("1,024 segments")."""
    number = f"{count:,}" if grouped else str(count)
    return f"{number} {word if count == 1 else many or plural_form(word)}"


def markdown_escape(text: Any) -> str:
    """Escape text for a Markdown table cell or paragraph."""
    # any line break (CR LF, CR, LF) would end a table row or a list item: one space each
    out = str(text).replace("\\", "\\\\").replace("|", "\\|")
    out = out.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    for char in "*_`[]<>#":
        out = out.replace(char, "\\" + char)
    return out
