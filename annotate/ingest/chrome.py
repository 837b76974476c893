"""The named rules that tell article text from page chrome, one raw line at a time.

:data:`RULES` is an ordered table; the first rule whose check matches a line decides its role:
``title``, ``body``, ``caption`` (photo captions and credits), ``attribution`` (``Con información
de …``, bylines) or ``removed`` (chrome). Rules look at the line's own text (patterns) and at its
place in the page (structure: what came before, sections that end an article, teaser blocks), so a
rule set tuned on one outlet carries over to others. The patterns themselves, and the look-ahead
passes that find whole blocks (teaser lists, numbered lists of other stories), live in
:mod:`annotate.ingest.chrome_rules`. ``annotate ingest DIR --explain`` prints, for every line, the rule
that decided it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from annotate.ingest.chrome_rules import (
    ADVERTISEMENT,
    AGENCY_LINE,
    BREADCRUMB,
    BYLINE,
    CAPTION_LABEL,
    COMMENT_FORM,
    COPYRIGHT,
    COUNTER,
    DATELINE,
    END_SECTION,
    INJECTED_LINK,
    INTERFACE,
    LABELLED_CREDIT,
    MASTHEAD,
    MAX_HEADLINE_WORDS,
    NEWSLETTER,
    SCORE_LINE,
    SECOND_SENTENCE,
    SECTION_LABEL,
    SHARE,
    SOURCE_ATTRIBUTION,
    TAG_LINE,
    TIMESTAMP,
    closing_credit,
    ends_sentence,
    is_credit_line,
    is_headline,
    numbered_list_lines,
    teaser_lines,
    word_count,
)

__all__ = [
    "TITLE", "BODY", "CAPTION", "ATTRIBUTION", "REMOVED", "BLANK", "MIN_WRAPPED_LINE", "min_wrapped_line", "RULES", "RawLine",
    "LineDecision", "Rule", "classify_lines", "ends_sentence",
]

TITLE, BODY, CAPTION, ATTRIBUTION, REMOVED, BLANK = (
    "title", "body", "caption", "attribution", "removed", "blank"
)


@dataclass(frozen=True)
class RawLine:
    """One line of the raw text; ``start``/``end`` are code-point offsets into the raw text with
    surrounding whitespace left out, so ``raw[start:end] == text``; ``number`` is 1-based."""

    number: int
    start: int
    end: int
    text: str
    raw: str  # the whole line as in the file, without its line break


@dataclass(frozen=True)
class LineDecision:
    """What happened to one raw line and which rule decided it (``detail`` says more)."""

    line: RawLine
    role: str
    rule: str
    detail: str = ""



# Hard-wrapped text: a line shorter than this that does not end a sentence is more likely a
# subheading or a caption than the first half of a wrapped paragraph.
MIN_WRAPPED_LINE = 40
# ...and in a file whose full lines are longer (not hard-wrapped at all: one paragraph per line), a
# line shorter than this share of its typical full line is a subheading too ("Hay que tomarse la
# vida en 'brevio': medio en broma, medio enserio" over a 200-character paragraph), not half of one.
WRAPPED_SHARE_OF_FULL_LINE = 0.75


def min_wrapped_line(texts: Iterable[str]) -> float:
    """How long a line of this file must be to be the first half of a hard-wrapped paragraph:
    :data:`MIN_WRAPPED_LINE`, or :data:`WRAPPED_SHARE_OF_FULL_LINE` of the median length of its
    full lines (those of at least MIN_WRAPPED_LINE characters) if that is more. In hard-wrapped
    text the full lines sit near the wrap width, so a wrapped line passes; in a file with one
    paragraph per line, a short unpunctuated line does not."""
    full = sorted(len(text) for text in texts if len(text) >= MIN_WRAPPED_LINE)
    if not full:
        return MIN_WRAPPED_LINE
    return max(MIN_WRAPPED_LINE, WRAPPED_SHARE_OF_FULL_LINE * full[len(full) // 2])
# A topic kicker over a headline ("Guerra en Ucrania") is this short; headlines are longer.
MAX_KICKER_WORDS = 3
# A photo description is one sentence of at most this many words; a lede may be longer.
MAX_CAPTION_WORDS = 40


def _normalise(text: str) -> str:
    return " ".join(text.casefold().rstrip(".…: ").split())


# ── page structure seen so far ────────────────────────────────────────────────────────────────


@dataclass
class _Page:
    """Structure known when a line is decided: earlier decisions, where the body starts, where an
    end-of-article section began, and the blocks (teasers, numbered lists) found in a look-ahead
    pass."""

    lines: list[RawLine]
    decisions: list[LineDecision] = field(default_factory=list)
    title_seen: bool = False
    body_started: bool = False
    end_heading: RawLine | None = None
    seen: dict[str, int] = field(default_factory=dict)  # normalised text → first line number
    teasers: set[int] = field(default_factory=set)  # line numbers inside teaser blocks
    numbered_lists: dict[int, str] = field(default_factory=dict)  # line number → what the block is
    promos: dict[int, int] = field(default_factory=dict)  # line number → the headline it stands over
    min_wrapped: float = MIN_WRAPPED_LINE  # see min_wrapped_line()

    def previous_nonblank(self) -> LineDecision | None:
        return next((d for d in reversed(self.decisions) if d.line.text), None)

    def next_nonblank(self, line: RawLine) -> RawLine | None:
        """The first non-empty line after ``line`` (``lines[n]`` is line number ``n + 1``)."""
        return next((later for later in self.lines[line.number:] if later.text), None)

    def wraps_into_next(self, line: RawLine) -> bool:
        """Is ``line`` the first half of a hard-wrapped paragraph (long, next line not blank)?"""
        following = self.lines[line.number] if line.number < len(self.lines) else None
        return bool(following and following.text) and len(line.text) >= self.min_wrapped

    def continues_body(self, line: RawLine) -> bool:
        """Is ``line`` the second half of a hard-wrapped body line (adjacent, unfinished)?"""
        if not self.decisions:
            return False
        prev = self.decisions[-1]
        return (prev.role == BODY and prev.line.number == line.number - 1 and len(prev.line.text) >= self.min_wrapped
                and not ends_sentence(prev.line.text))


Check = Callable[[RawLine, _Page], "str | None"]


@dataclass(frozen=True)
class Rule:
    """A named rule: when ``check`` returns a string (a detail, possibly empty) the line gets
    ``role``."""

    name: str
    role: str
    description: str
    check: Check


def _match(pattern: re.Pattern[str], max_words: int = 40) -> Check:
    def check(line: RawLine, page: _Page) -> str | None:
        return "" if word_count(line.text) <= max_words and pattern.search(line.text) else None

    return check


def _blank(line: RawLine, page: _Page) -> str | None:
    return "" if not line.text and not line.raw.strip(" \t") else None


def _invisible(line: RawLine, page: _Page) -> str | None:
    return f"only {line.raw!r}" if not line.text else None


def _trailing(line: RawLine, page: _Page) -> str | None:
    heading = page.end_heading
    return f"after {heading.text!r} (line {heading.number})" if heading else None


def _numbered_list(line: RawLine, page: _Page) -> str | None:
    return page.numbered_lists.get(line.number)


def _no_letters(line: RawLine, page: _Page) -> str | None:
    return "" if not any(c.isalnum() for c in line.text) else None


def _counter(line: RawLine, page: _Page) -> str | None:
    return "" if COUNTER.match(line.text) and not page.continues_body(line) else None


def _end_section(line: RawLine, page: _Page) -> str | None:
    if not END_SECTION.match(line.text):
        return None
    if page.body_started:
        page.end_heading = line
        return "ends the article: everything after it is removed"
    return "section heading before the article"


def _stray_tag(line: RawLine, page: _Page) -> str | None:
    text = line.text
    if word_count(text) <= 2 and text[0].islower() and not ends_sentence(text) and not page.continues_body(line):
        return ""
    return None


def _credited_caption(line: RawLine, page: _Page) -> str | None:
    if CAPTION_LABEL.match(line.text):
        return "caption label"
    credit = closing_credit(line.text) if word_count(line.text) <= 120 else None
    return f"credit {credit!r}" if credit else None


def _photo_credit(line: RawLine, page: _Page) -> str | None:
    return "" if is_credit_line(line.text) else None


def _after_credit(line: RawLine, page: _Page) -> str | None:
    """Credit-first layouts ("Getty Images/Archivo", then the description): the one-sentence line
    after a lead photo's credit describes the photo. A labelled credit ("Foto: EFE") closes its
    photo block instead, and a line that opens with a wire dateline is the lede."""
    prev = page.previous_nonblank()
    if not prev or prev.rule != "photo-credit" or page.body_started or LABELLED_CREDIT.match(prev.line.text):
        return None
    text = line.text
    if word_count(text) > MAX_CAPTION_WORDS or SECOND_SENTENCE.search(text) or DATELINE.match(text):
        return None
    return f"describes the photo credited on line {prev.line.number}"


# How far down the page the date or byline under a headline is looked for.
MAX_HEADER_LINES = 12


def promos_above_headline(lines: list[RawLine]) -> dict[int, int]:
    """Other stories' headlines stacked above the article's own (a front-page promo block, a live
    feed's link: "LA PORTADA DE MAÑANA" / "Especulación en el infierno: …" / "Minuto a Minuto
    Directo | …" over the headline): when the page's first date or byline line comes right after a
    headline and two or more headline-like lines, none of them a sentence, stand above that
    headline, they are promos. Line number → the headline's. (One line above is a headline over its
    standfirst, and stays.)"""
    nonblank = [line for line in lines if line.text][:MAX_HEADER_LINES]
    dated = next((i for i, line in enumerate(nonblank)
                  if word_count(line.text) <= 16 and (TIMESTAMP.search(line.text) or BYLINE.search(line.text))), None)
    if dated is None or dated < 3 or not is_headline(nonblank[dated - 1].text):
        return {}
    headline = nonblank[dated - 1]
    above = [line for line in nonblank[:dated - 1] if not _chrome_by_its_text(line.text) and
             not INTERFACE.search(line.text)]
    if len(above) < 2 or not all(is_headline(line.text) and not ends_sentence(line.text) for line in above):
        return {}
    return {line.number: headline.number for line in above}


def _promo(line: RawLine, page: _Page) -> str | None:
    headline = page.promos.get(line.number)
    return None if headline is None else f"another story's headline over the headline on line {headline}"


def _teaser(line: RawLine, page: _Page) -> str | None:
    return "" if line.number in page.teasers else None


def _page_label(line: RawLine, page: _Page) -> str | None:
    """Labels printed over the headline: a section or kicker ("Internacional", "EN DIRECTO"), a
    score line, the site's name ("La Voz del Sur — Edición Digital") or a short topic kicker right
    above a longer headline ("Guerra en Ucrania"). Only before the body, and never the last line."""
    if page.body_started:
        return None
    text, following = line.text, page.next_nonblank(line)
    if following is None:
        return None
    if SECTION_LABEL.match(text):
        return "section or kicker label"
    if SCORE_LINE.match(text):
        return "score line"
    if page.title_seen:
        return None
    if MASTHEAD.match(text):
        return "the site's name"
    if (word_count(text) <= MAX_KICKER_WORDS and not ends_sentence(text) and not ends_sentence(following.text)
            and word_count(text) + 3 <= word_count(following.text) <= MAX_HEADLINE_WORDS
            and not _chrome_by_its_text(following.text)):
        return f"short kicker over the headline on line {following.number}"
    return None


# Lines that are chrome by their text alone, wherever they stand. A short line over one of these
# ("Muere Vargas Llosa" over "Por Ana Martínez | 13 de abril de 2025") is a headline, not a kicker.
_CHROME_PATTERNS = (TIMESTAMP, BYLINE, SHARE, INTERFACE, COUNTER, BREADCRUMB, ADVERTISEMENT, INJECTED_LINK,
                    NEWSLETTER, TAG_LINE, SOURCE_ATTRIBUTION, AGENCY_LINE, SECTION_LABEL, SCORE_LINE, MASTHEAD,
                    CAPTION_LABEL)


def _chrome_by_its_text(text: str) -> bool:
    return any(p.search(text) for p in _CHROME_PATTERNS) or is_credit_line(text) or closing_credit(text) is not None


def _title(line: RawLine, page: _Page) -> str | None:
    if page.title_seen:
        return None
    page.title_seen = True
    return "first line that is not chrome"


def _repeated(line: RawLine, page: _Page) -> str | None:
    first = page.seen.get(_normalise(line.text))
    return f"repeats line {first}" if first is not None else None


def _header_caption(line: RawLine, page: _Page) -> str | None:
    if (not page.body_started and word_count(line.text) <= 15 and not ends_sentence(line.text)
            and not page.continues_body(line) and not page.wraps_into_next(line)):
        return "short line without sentence punctuation between the title and the body"
    return None


def _body(line: RawLine, page: _Page) -> str | None:
    page.body_started = True
    return ""


RULES: tuple[Rule, ...] = (
    Rule("blank", BLANK, "empty line: separates paragraphs", _blank),
    Rule("invisible-only", REMOVED, "only NBSP or zero-width characters", _invisible),
    Rule("trailing-section", REMOVED, "after a section that ends the article", _trailing),
    Rule("numbered-list", REMOVED, "a ranked list of other stories or a table: its heading ('Lo más "
         "leído', 'Clasificación'), counters and headlines", _numbered_list),
    Rule("no-letters", REMOVED, "no letters or digits: separators such as '|' or '***'", _no_letters),
    Rule("counter", REMOVED, "a bare number or reading time: share/comment counters", _counter),
    Rule("timestamp", REMOVED, "date or time line ('Publicado: 29/01/2025', 'Jueves, 2 de mayo de 2024', "
         "'11:40', 'Hace 3 horas')", _match(TIMESTAMP, 15)),
    Rule("advertisement", REMOVED, "advertising placeholder ('- Publicidad -')", _match(ADVERTISEMENT)),
    Rule("share-button", REMOVED, "social share button text", _match(SHARE, 10)),
    Rule("interface-text", REMOVED, "player and page controls ('Escuchar noticia', 'Cargar más entradas')",
         _match(INTERFACE, 12)),
    Rule("injected-link", REMOVED, "link to another story ('READ …', 'Lee también: …')", _match(INJECTED_LINK, 30)),
    Rule("newsletter-prompt", REMOVED, "newsletter, sign-up or app prompt addressed to the reader",
         _match(NEWSLETTER, 40)),
    Rule("end-section", REMOVED, "heading of a section that ends the article ('Lo más leído', "
         "'Artículos relacionados', 'Deja una respuesta', 'Sobre la autora', …)", _end_section),
    Rule("tag-line", REMOVED, "a label and a list of topics ('Temas: Perú, Congreso')", _match(TAG_LINE, 40)),
    Rule("comment-form", REMOVED, "comment form text", _match(COMMENT_FORM, 30)),
    Rule("copyright", REMOVED, "copyright notice ('© 2024 Europa Press …')", _match(COPYRIGHT, 60)),
    Rule("byline", ATTRIBUTION, "author line ('Por María López | EFE', 'Por Redacción | 2 de mayo de 2024 - "
         "08:15')", _match(BYLINE, 16)),
    Rule("breadcrumb", REMOVED, "navigation path ('Home Noticias …', 'Inicio › Mundo')", _match(BREADCRUMB, 30)),
    Rule("stray-tag", REMOVED, "one or two lowercase words alone: outlet or widget tags ('cnn', 'fuente')", _stray_tag),
    Rule("attribution", ATTRIBUTION, "source attribution ('Con información de …')", _match(SOURCE_ATTRIBUTION, 15)),
    Rule("agency-line", ATTRIBUTION, "a news agency alone on a line ('EFE', 'AP/Reuters')",
         _match(AGENCY_LINE, 6)),
    Rule("credited-caption", CAPTION, "photo caption: ends in a credit ('(Foto: Reuters)', '. REUTERS/Ana "
         "López') or has a caption label ('Pie de foto, …')", _credited_caption),
    Rule("photo-credit", CAPTION, "a photo credit line ('Getty Images/Archivo', 'Foto: EFE')", _photo_credit),
    Rule("caption-after-credit", CAPTION, "one-sentence photo description right after a lead photo's "
         "credit", _after_credit),
    Rule("teaser-block", REMOVED, "block of headline + truncated snippet ('…') pairs", _teaser),
    Rule("promo-headline", REMOVED, "other stories' headlines stacked over the article's own, above its date "
         "or byline", _promo),
    Rule("page-label", REMOVED, "label over the headline: section, kicker, score line or site name",
         _page_label),
    Rule("title", TITLE, "the first line that is not chrome", _title),
    Rule("repeated-line", REMOVED, "repeats an earlier line (e.g. the title)", _repeated),
    Rule("header-caption", CAPTION, "short unpunctuated line between title and body (photo caption)",
         _header_caption),
    Rule("body", BODY, "article text", _body),
)


def classify_lines(lines: list[RawLine]) -> list[LineDecision]:
    """Decide every line with the first matching rule of :data:`RULES`, in page order."""
    page = _Page(lines, teasers=teaser_lines(lines), numbered_lists=numbered_list_lines(lines),
                 promos=promos_above_headline(lines), min_wrapped=min_wrapped_line(line.text for line in lines))
    for line in lines:
        for rule in RULES:
            detail = rule.check(line, page)
            if detail is not None:
                page.decisions.append(LineDecision(line, rule.role, rule.name, detail))
                break
        if line.text:
            page.seen.setdefault(_normalise(line.text), line.number)
    return page.decisions
