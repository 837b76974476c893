"""Offline Spanish sentence segmentation with code-point offsets.

Rule-based, hand-written: pysbd 0.3.4 (the only maintained-looking candidate on PyPI) splits
Spanish after "Sr.", "EE.UU. el" and "p. ej.", so it was measured and not used (see tests).

A boundary is a run of terminal punctuation (``.``, ``!``, ``?``, ``…``/``...``), with any closing
quotes or brackets, followed by whitespace and then by something that can start a sentence
(an uppercase letter, a digit, ``¿``, ``¡``, an opening quote or bracket, a dash). It is not a
boundary when:

* the period closes an abbreviation that never ends a sentence (``Sr.``, ``Dra.``, ``núm.``,
  ``p. ej.``, …) or an initial (``J. R. Smith``);
* the next word starts in lowercase (``EE.UU. el martes``, ``etc. y``, ``¿Cómo? preguntó``);
* it lies inside a balanced «…», “…”, "…" quote or (…) that closes later in the paragraph
  (``«Vamos. Ya es hora», dijo Kim.`` stays one sentence);
* there is no whitespace after it (``6.700``, ``2.5``, ``«Listos.», dijo``, ``www.x.com``).

Blank lines are hard paragraph boundaries; a sentence never crosses one.
"""

from __future__ import annotations

import re

from annotate.records import PARAGRAPH_SEPARATOR, Article, Segment

__all__ = ["segment_text", "segment_article", "NEVER_FINAL_ABBREVIATIONS"]

# Abbreviations that are (almost) never the last word of a sentence: titles, "núm.", "pág."…
# Compared lowercased, without the final period. Acronyms that often end sentences (EE.UU., etc.)
# are deliberately absent: they end a sentence when an uppercase word follows.
NEVER_FINAL_ABBREVIATIONS = frozenset(
    """sr sra srta sres sras dr dra dres dras lic lcdo lcda ing arq prof profa mons pbro gral
    cnel tte sgto cap cmdte almte sto sta ud uds vd vds dña dª excmo excma ilmo ilma
    núm nro nº pág págs p pp art arts vol vols ej fig figs av avda tel cía dpto depto
    ee vs cfr op aprox""".split()
)

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# Terminal punctuation run, then closing quotes/brackets; must be followed by whitespace.
_TERMINAL = re.compile(r"(?:\.\.\.|[.!?…])+[\"'»”’)\]]*(?=\s)")
_SPACE = re.compile(r"\s*")
_OPENERS = {"«": "»", "“": "”", "(": ")", "[": "]"}
_QUOTE_OR_BRACKET = re.compile(r'[«»“”"()\[\]]')
_SENTENCE_START = "¿¡«“\"'([—–-"
_TOKEN_TRIM = "«“\"'([¿¡"


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) index pairs of balanced quotes and brackets; unbalanced ones are ignored."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for match in _QUOTE_OR_BRACKET.finditer(text):
        i, char = match.start(), match.group()
        if char in _OPENERS:
            stack.append((char, i))
        elif char == '"':
            if straight is None:
                straight = i
            else:
                spans.append((straight, i))
                straight = None
        elif stack and char == _OPENERS[stack[-1][0]]:
            spans.append((stack.pop()[1], i))
        elif char in _OPENERS.values():
            # A closer with no matching opener on top: drop openers until it matches, if ever.
            for depth in range(len(stack) - 1, -1, -1):
                if _OPENERS[stack[depth][0]] == char:
                    spans.append((stack[depth][1], i))
                    del stack[depth:]
                    break
    return spans


def _is_abbreviation(text: str, period: int) -> bool:
    """Does the period at ``text[period]`` close an abbreviation or an initial?"""
    start = period
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    token = text[start:period].lstrip(_TOKEN_TRIM)
    if len(token) == 1 and token.isalpha() and token.isupper():
        return True  # an initial: "J. R. Smith"
    return token.lower() in NEVER_FINAL_ABBREVIATIONS


def _boundaries(text: str) -> list[int]:
    """End offsets (exclusive) of every sentence but the last in one paragraph of ``text``."""
    protected = _protected_spans(text)
    ends: list[int] = []
    for match in _TERMINAL.finditer(text):
        end = match.end()
        following = _SPACE.match(text, end).end()
        if following >= len(text):
            break
        nxt = text[following]
        if not (nxt.isupper() or nxt.isdigit() or nxt in _SENTENCE_START):
            continue
        punct = match.group(0).rstrip("\"'»”’)]")
        if punct == "." and _is_abbreviation(text, match.start()):
            continue
        if any(open_ < match.start() and end <= close for open_, close in protected):
            continue  # inside a quote or bracket that closes later
        ends.append(end)
    return ends


def segment_text(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text`` (code points, end exclusive), whitespace
    trimmed, in order; blank lines are paragraph boundaries that no sentence crosses."""
    spans: list[tuple[int, int]] = []
    paragraph_start = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        paragraph_end = brk.start() if brk else len(text)
        paragraph = text[paragraph_start:paragraph_end]
        start = 0
        for end in [*_boundaries(paragraph), len(paragraph)]:
            piece = paragraph[start:end]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                s = paragraph_start + start + lead
                spans.append((s, s + len(stripped)))
            start = end
        if brk:
            paragraph_start = brk.end()
    return spans


def segment_article(article: Article) -> list[Segment]:
    """Number an Article's sentences from 1: the title is one segment (paragraph 0), then each
    body paragraph (1, 2, …) is split with :func:`segment_text`. Offsets index ``article.text``."""
    text = article.text
    segments: list[Segment] = []
    offset = 0
    for index, paragraph in enumerate([article.title, *(p.text for p in article.paragraphs)]):
        spans = [(0, len(paragraph))] if index == 0 else segment_text(paragraph)
        for start, end in spans:
            start, end = offset + start, offset + end
            segments.append(Segment(article.doc_id, len(segments) + 1, index, start, end, text[start:end]))
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    return segments
