"""The named rules that tell article text from page chrome, one raw line at a time.

:data:`RULES` is an ordered table; the first rule whose check matches a line decides its role:
``title``, ``body``, ``caption`` (photo captions and credits), ``attribution`` (``Con información
de …``, bylines) or ``removed`` (chrome). Rules look at the line's own text (patterns) and at its
place in the page (structure: what came before, sections that end an article, teaser blocks), so a
rule set tuned on one outlet carries over to others. ``annotate ingest DIR --explain`` prints, for
every line, the rule that decided it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

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


# ── patterns ──────────────────────────────────────────────────────────────────────────────────

_I = re.IGNORECASE
_SENTENCE_END = re.compile(r"[.!?…:;][\"'»”’)\]]*$")
_AGENCY = (r"(?:AP|AFP|EFE|Reuters|REUTERS|Europa Press|EP|dpa|DPA|Xinhua|ANSA|EPA|Sputnik|SPUTNIK|"
           r"Bloomberg|Getty Images|Anadolu|Anatolu|Kremlin Pool|Pool|Shutterstock|iStock)")
_PHOTO_WORD = (r"(?:[Ff]otos?|[Ff]otograf[íi]as?|FOTO|[Ii]m[áa]gen(?:es)?|[Pp]hoto|[Cc]r[ée]ditos?|"
               r"[Cc]ortes[íi]a|[Cc]aptura|[Aa]rchivo|ARCHIVO|[Mm]anual|[Hh]andout)")
_CREDIT_TOKEN = rf"(?:{_AGENCY}|{_PHOTO_WORD})"
# A credit in parentheses closing the line: "… (Foto de archivo: Reuters)", "… (AP)".
_PAREN_CREDIT = re.compile(rf"\((?P<credit>[^()]*\b{_CREDIT_TOKEN}\b[^()]*)\)$")
# "Foto: EFE", "Imagen de Juan Pérez / AFP" closing a line or standing alone.
_LABELLED_CREDIT = re.compile(rf"(?:^|[.\s(])(?:{_PHOTO_WORD})\s*:\s*[^:]{{2,80}}(?<![.!?…])$")
# Caption labels some outlets print ("Pie de foto, Manifestantes en …", "Leyenda: …").
_CAPTION_LABEL = re.compile(r"^(?:Pie de (?:foto|imagen)|Leyenda|Descripci[óo]n de la (?:foto|imagen))\s*[,:]\s*\S")
_AGENCY_LINE = re.compile(rf"^\(?{_AGENCY}(?:\s*[/,-]\s*{_AGENCY})*\)?\.?$")
_CREDIT_PART = re.compile(rf"^\(?(?:{_CREDIT_TOKEN})(?:\s+(?:{_CREDIT_TOKEN}|vía|via|de))*\)?$")

_ADVERTISEMENT = re.compile(
    r"^[-–—·|*\s]*(?:publicidad|anuncio|advertisement|ad|patrocinado|contenido patrocinado|"
    r"espacio publicitario)[-–—·|*\s]*$", _I)
_NETWORK = r"(?:facebook|twitter|x|whatsapp|telegram|linkedin|pinterest|e-?mail|correo|messenger|reddit|threads)"
_SHARE = re.compile(
    rf"^(?:(?:compartir|comparte|comp[áa]rtelo|share|tweet|tuitear|enviar)\b.{{0,40}}\b{_NETWORK}\b.{{0,20}}"
    rf"|(?:compartir|comparte|share)(?: (?:esta )?(?:noticia|nota|art[íi]culo))?:?"
    rf"|(?:{_NETWORK}|copiar enlace|copy link)(?:[\s,|·/]+(?:{_NETWORK}|copiar enlace|copy link))*)$", _I)
_INJECTED_LINK = re.compile(
    r"^(?:(?:READ|READ MORE|LEER|LEER MÁS|LEA|LEA TAMBIÉN|LEA MÁS|LEE|LEE TAMBIÉN|VER|VEA|VEA TAMBIÉN|"
    r"VER TAMBIÉN|TAMBIÉN|TAMBIÉN LEE|MÁS INFORMACIÓN|RELACIONADO|RELACIONADA|TE PUEDE INTERESAR|"
    r"SIGUE LEYENDO|LO MÁS LEÍDO)[\s\xa0]*[:|>»\-–—]?[\s\xa0]+\S"
    r"|(?i:lee también|lea también|leer más|ver también|vea también|te puede interesar|"
    r"más información|relacionad[oa]|sigue leyendo|read more)[\s\xa0]*[:|>»\-–—][\s\xa0]*\S)")
_NEWSLETTER = re.compile(
    r"\b(?:suscr[íi]bete|suscr[íi]base|reg[íi]strate|reg[íi]strese|quieres recibir|"
    r"(?:tu|su) (?:e-?mail|correo)(?! electr[óo]nico no)|nuestro (?:bolet[íi]n|newsletter)|newsletter|"
    r"haz clic aqu[íi]|descarga (?:la|nuestra) app|s[íi]guenos en|recibir notificaciones)\b", _I)
_COMMENT_FORM = re.compile(
    r"(?:no ser[áa] publicad[ao]|campos obligatorios|publicar (?:el )?comentario|guardar mi nombre|"
    r"cancelar respuesta|inicia sesi[óo]n para comentar|^(?:nombre|comentario|correo electr[óo]nico|"
    r"web|sitio web)\s*\*?$)", _I)
_END_SECTION = re.compile(
    r"^(?:lo m[áa]s (?:le[íi]do|visto|reciente|popular|compartido|comentado)|lo [úu]ltimo|"
    r"m[áa]s del autor|m[áa]s noticias|(?:art[íi]culos|noticias|notas|temas|contenidos?) relacionad[oa]s|"
    r"(?:tambi[ée]n )?te puede interesar|te recomendamos|recomendados|"
    r"deja (?:una respuesta|un comentario|tu comentario)|\d*\s*comentarios|etiquetas|tags|temas|"
    r"otras noticias|[úu]ltimas noticias|contenido patrocinado)\s*:?$", _I)
_SECTIONS = (r"(?:Noticias|Mundo|Internacional|Pol[íi]tica|Econom[íi]a|Deportes|Nacional|Sociedad|"
             r"Opini[óo]n|Cultura|Tecnolog[íi]a|Salud|Actualidad|Ciencia|Am[ée]rica|Europa|Asia)")
_BREADCRUMB = re.compile(
    rf"^(?:(?:Home|HOME)\s+\S|(?:Inicio|INICIO|Portada)\s*(?:[›»>/|·]|\s{_SECTIONS}\b)"
    r"|(?:[^›»>/|.]{1,40}\s[›»>|]\s){2,})")
_COUNTER = re.compile(
    r"^(?:\+?\d[\d.,\s]*\s*(?:k|m|mil)?\s*(?:comentarios?|compartidos|shares|likes|me gusta|vistas|"
    r"visitas|lecturas)?|(?:tiempo de )?lectura:?\s*\d+\s*min(?:utos)?\.?|\d+\s*min(?:utos)?\.? de lectura)$", _I)
_TIMESTAMP = re.compile(
    r"^(?:(?:publicado|actualizado|última actualización|fecha)\b[^.]{0,60}\d[^.]{0,30}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:\s*[-–|,]?\s*\d{1,2}:\d{2}\s*(?:h|hs|am|pm|a\. ?m\.|p\. ?m\.)?)?)$", _I)
_ATTRIBUTION = re.compile(
    r"^\(?\s*(?:con informaci[óo]n de|informaci[óo]n de|con reportes? de|con datos de|fuentes?:|"
    r"with reporting by|additional reporting by|reporting by)\s.{1,80}\)?$", _I)
_NAME = r"[A-ZÁÉÍÓÚÑ][\w.'’-]+"
_BYLINE = re.compile(rf"^(?:(?:Por|POR|By)\s+{_NAME}(?:\s+(?:{_NAME}|de|del|la|y|e))*\s*(?:[|/,–-]\s*[\w .]+)?"
                     rf"|Redacci[óo]n(?:\s+{_NAME})*)$")


# Hard-wrapped text: a line shorter than this that does not end a sentence is more likely a
# subheading or a caption than the first half of a wrapped paragraph.
MIN_WRAPPED_LINE = 40


def ends_sentence(text: str) -> bool:
    """True if ``text`` ends like a sentence (. ! ? … : ;, possibly inside closing quotes)."""
    return bool(_SENTENCE_END.search(text))


def _words(text: str) -> int:
    return len(text.split())


def _normalise(text: str) -> str:
    return " ".join(text.casefold().rstrip(".…: ").split())


# ── page structure seen so far ────────────────────────────────────────────────────────────────


@dataclass
class _Page:
    """Structure known when a line is decided: earlier decisions, where the body starts, where an
    end-of-article section began, and the teaser blocks found in a look-ahead pass."""

    lines: list[RawLine]
    decisions: list[LineDecision] = field(default_factory=list)
    title_seen: bool = False
    body_started: bool = False
    end_heading: RawLine | None = None
    seen: dict[str, int] = field(default_factory=dict)  # normalised text → first line number
    teasers: set[int] = field(default_factory=set)  # line numbers inside teaser blocks

    def previous_nonblank(self) -> LineDecision | None:
        return next((d for d in reversed(self.decisions) if d.line.text), None)

    def wraps_into_next(self, line: RawLine) -> bool:
        """Is ``line`` the first half of a hard-wrapped paragraph (long, next line not blank)?"""
        following = self.lines[line.number] if line.number < len(self.lines) else None
        return bool(following and following.text) and len(line.text) >= MIN_WRAPPED_LINE

    def continues_body(self, line: RawLine) -> bool:
        """Is ``line`` the second half of a hard-wrapped body line (adjacent, unfinished)?"""
        if not self.decisions:
            return False
        prev = self.decisions[-1]
        return prev.role == BODY and prev.line.number == line.number - 1 and not ends_sentence(prev.line.text)


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
        return "" if _words(line.text) <= max_words and pattern.search(line.text) else None

    return check


def _blank(line: RawLine, page: _Page) -> str | None:
    return "" if not line.text and not line.raw.strip(" \t") else None


def _invisible(line: RawLine, page: _Page) -> str | None:
    return f"only {line.raw!r}" if not line.text else None


def _trailing(line: RawLine, page: _Page) -> str | None:
    heading = page.end_heading
    return f"after {heading.text!r} (line {heading.number})" if heading else None


def _no_letters(line: RawLine, page: _Page) -> str | None:
    return "" if not any(c.isalnum() for c in line.text) else None


def _counter(line: RawLine, page: _Page) -> str | None:
    return "" if _COUNTER.match(line.text) and not page.continues_body(line) else None


def _end_section(line: RawLine, page: _Page) -> str | None:
    if not _END_SECTION.match(line.text):
        return None
    if page.body_started:
        page.end_heading = line
        return "ends the article: everything after it is removed"
    return "section heading before the article"


def _stray_tag(line: RawLine, page: _Page) -> str | None:
    text = line.text
    if _words(text) <= 2 and text[0].islower() and not ends_sentence(text) and not page.continues_body(line):
        return ""
    return None


def _credited_caption(line: RawLine, page: _Page) -> str | None:
    if _CAPTION_LABEL.match(line.text):
        return "caption label"
    match = _PAREN_CREDIT.search(line.text) or _LABELLED_CREDIT.search(line.text)
    if match and match.start() > 0 and _words(line.text) <= 120:  # a credit alone is photo-credit
        return f"credit {match.group(0).strip()!r}"
    return None


def _photo_credit(line: RawLine, page: _Page) -> str | None:
    text = line.text
    if _words(text) > 15 or ends_sentence(text):
        return None
    parts = [p.strip() for p in re.split(r"[/,|·]", text) if p.strip()]
    if any(_CREDIT_PART.match(p) for p in parts) or _LABELLED_CREDIT.match(text):
        return ""
    return None


def _after_credit(line: RawLine, page: _Page) -> str | None:
    prev = page.previous_nonblank()
    if prev and prev.rule == "photo-credit" and not page.body_started and _words(line.text) <= 60:
        return f"describes the photo credited on line {prev.line.number}"
    return None


def _teaser(line: RawLine, page: _Page) -> str | None:
    return "" if line.number in page.teasers else None


def _title(line: RawLine, page: _Page) -> str | None:
    if page.title_seen:
        return None
    page.title_seen = True
    return "first line that is not chrome"


def _repeated(line: RawLine, page: _Page) -> str | None:
    first = page.seen.get(_normalise(line.text))
    return f"repeats line {first}" if first is not None else None


def _header_caption(line: RawLine, page: _Page) -> str | None:
    if (not page.body_started and _words(line.text) <= 15 and not ends_sentence(line.text)
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
    Rule("no-letters", REMOVED, "no letters or digits: separators such as '|' or '***'", _no_letters),
    Rule("counter", REMOVED, "a bare number or reading time: share/comment counters", _counter),
    Rule("timestamp", REMOVED, "publication date/time line", _match(_TIMESTAMP, 15)),
    Rule("advertisement", REMOVED, "advertising placeholder ('- Publicidad -')", _match(_ADVERTISEMENT)),
    Rule("share-button", REMOVED, "social share button text", _match(_SHARE, 10)),
    Rule("injected-link", REMOVED, "link to another story ('READ …', 'Lee también: …')", _match(_INJECTED_LINK, 30)),
    Rule("newsletter-prompt", REMOVED, "newsletter, sign-up or app promotion prompt", _match(_NEWSLETTER, 40)),
    Rule("end-section", REMOVED, "heading of a section that ends the article ('Lo más leído', "
         "'Artículos relacionados', 'Deja una respuesta', …)", _end_section),
    Rule("comment-form", REMOVED, "comment form text", _match(_COMMENT_FORM, 30)),
    Rule("breadcrumb", REMOVED, "navigation path ('Home Noticias …', 'Inicio › Mundo')", _match(_BREADCRUMB, 30)),
    Rule("stray-tag", REMOVED, "one or two lowercase words alone: outlet or widget tags ('cnn', 'fuente')", _stray_tag),
    Rule("attribution", ATTRIBUTION, "source attribution ('Con información de …')", _match(_ATTRIBUTION, 15)),
    Rule("agency-line", ATTRIBUTION, "a news agency alone on a line ('EFE', 'AP/Reuters')",
         _match(_AGENCY_LINE, 6)),
    Rule("byline", ATTRIBUTION, "author line ('Por María López | EFE')", _match(_BYLINE, 12)),
    Rule("credited-caption", CAPTION, "photo caption: ends in a credit ('(Foto: Reuters)') or has a "
         "caption label ('Pie de foto, …')", _credited_caption),
    Rule("photo-credit", CAPTION, "a photo credit line ('Getty Images/Archivo', 'Foto: EFE')", _photo_credit),
    Rule("caption-after-credit", CAPTION, "photo description right after a lead photo credit", _after_credit),
    Rule("teaser-block", REMOVED, "block of headline + truncated snippet ('…') pairs", _teaser),
    Rule("title", TITLE, "the first line that is not chrome", _title),
    Rule("repeated-line", REMOVED, "repeats an earlier line (e.g. the title)", _repeated),
    Rule("header-caption", CAPTION, "short unpunctuated line between title and body (photo caption)",
         _header_caption),
    Rule("body", BODY, "article text", _body),
)


def _teaser_lines(lines: list[RawLine]) -> set[int]:
    """Line numbers inside teaser blocks: two or more consecutive pairs of a headline (no sentence
    end) followed by a snippet cut off with '...' or '…' (lists of other stories)."""
    nonblank = [line for line in lines if line.text]
    pairs: list[tuple[int, int]] = []  # (index of headline, index of snippet) in nonblank
    for i in range(len(nonblank) - 1):
        head, snippet = nonblank[i].text, nonblank[i + 1].text
        if (not ends_sentence(head) or head.endswith("?")) and _words(head) <= 25 and \
                re.search(r"(\.\.\.|…)$", snippet) and _words(snippet) >= 6:
            pairs.append((i, i + 1))
    marked: set[int] = set()
    run: list[tuple[int, int]] = []
    for pair in pairs + [(-9, -9)]:
        if run and pair[0] != run[-1][1] + 1:
            if len(run) >= 2:
                marked.update(nonblank[j].number for p in run for j in p)
            run = []
        run.append(pair)
    return marked


def classify_lines(lines: list[RawLine]) -> list[LineDecision]:
    """Decide every line with the first matching rule of :data:`RULES`, in page order."""
    page = _Page(lines, teasers=_teaser_lines(lines))
    for line in lines:
        for rule in RULES:
            detail = rule.check(line, page)
            if detail is not None:
                page.decisions.append(LineDecision(line, rule.role, rule.name, detail))
                break
        if line.text:
            page.seen.setdefault(_normalise(line.text), line.number)
    return page.decisions
