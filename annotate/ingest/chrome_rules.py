"""The text patterns behind :mod:`annotate.ingest.chrome`'s rules: what page chrome looks like on one line.

Each pattern recognises one kind of chrome by its own text (share buttons, bylines, dates, photo
credits, section labels…); :mod:`annotate.ingest.chrome` decides where on the page each may apply. The
vocabularies are Spanish news-site usage, with the English forms scrapers often leave in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

_I = re.IGNORECASE

SENTENCE_END = re.compile(r"[.!?…:;][\"'»”’)\]]*$")

# ── dates, times and people ───────────────────────────────────────────────────────────────────

_MONTH = (r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
          r"diciembre|ene|feb|mar|abr|may|jun|jul|ago|sept?|set|oct|nov|dic)\.?")
_WEEKDAY = r"(?:lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo)"
_DATE = (rf"(?:(?:{_WEEKDAY},?\s+)?\d{{1,2}}\s+(?:de\s+)?{_MONTH}(?:,?\s+(?:de\s+|del\s+)?\d{{4}})?"
         r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})")
_TIME = (r"(?:(?:a\s+las\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:h|hs|hrs|horas|am|pm|a\.\s?m\.|p\.\s?m\.))?"
         r"(?:\s*\(?(?:GMT|UTC|CET|CEST|hora local|hora peninsular)\)?)?)")
_AGO = r"(?:hace\s+(?:\d+|un|una)\s+(?:minutos?|min|horas?|h|d[íi]as?))"
# A date, a time, both ("2 de mayo de 2024 - 08:15", "02/05/2024, 8.15 h") or "hace 3 horas".
WHEN = rf"(?:{_DATE}(?:\s*(?:[-–—|,·]|a\s+las)?\s*{_TIME})?|{_TIME}|{_AGO})"
# A place before a date ("Madrid, 2 de mayo de 2024"): capitalised even inside case-blind patterns.
_PLACE = r"(?-i:[A-ZÁÉÍÓÚÑ][\wáéíóúñ.]+(?:\s+(?:de\s+)?[A-ZÁÉÍÓÚÑ][\wáéíóúñ.]+){0,2}),\s+"

# A line that only dates the page: "Publicado: 29/01/2025 - 18:42", "Jueves, 2 de mayo de 2024",
# "Madrid, 2 de mayo de 2024", "11:40" (live-blog entry), "Hace 3 horas".
TIMESTAMP = re.compile(
    r"^(?:(?:publicado|actualizado|última actualización|fecha)\b[^.]{0,60}\d[^.]{0,30}"
    rf"|(?:(?:publicado|actualizado|[úu]ltima actualizaci[óo]n|act\.|fecha)(?:\s+(?:el|a las))?\s*:?\s*)?"
    rf"(?:{_PLACE})?{WHEN}(?:\s*[-–—|,·]\s*{WHEN})?\.?)$", _I)

NAME = r"[A-ZÁÉÍÓÚÑ][\w.'’-]+"
_NAMES = rf"{NAME}(?:\s+(?:{NAME}|de|del|la|y|e))*"
_ROLE = (r"(?i:columnista|corresponsal|enviad[oa] especial|redactor(?:a)?|periodista|analista|editor(?:a)?|"
         r"colaborador(?:a)?|cronista|jefe de secci[óo]n)")
# Words of a place or a role after a byline separator ("Santiago", "Enviada especial a Kiev").
_WORDS = r"[\w.]+(?:[ \t]+[\w.]+)*"
# One "| part" of a byline, up to the next separator; atomic ((?>…)) so that a line that fails is
# not re-split part by part (exponential on long lines).
_BYLINE_PART = rf"(?>\s*[|/,–—-]\s*(?:(?i:{WHEN})|{_WORDS})(?=\s*(?:[|/,–—-]|$)))"
# "Por María López | EFE", "Por Redacción Central | 2 de mayo de 2024 - 08:15",
# "Lucía Fernández | Columnista", "Redacción BBC News Mundo".
BYLINE = re.compile(
    rf"^(?:(?:Por|POR|By)\s+{_NAMES}{_BYLINE_PART}*"
    rf"|{_NAMES}{_BYLINE_PART}*?\s*[|/,–—-]\s*(?:{_ROLE}|(?i:{WHEN}))"
    rf"|Redacci[óo]n(?:\s+{NAME})*)\s*$")

# ── photo captions and credits ────────────────────────────────────────────────────────────────

AGENCY = (r"(?:AP|AFP|EFE|Reuters|REUTERS|Europa Press|EUROPA PRESS|EP|dpa|DPA|Xinhua|ANSA|EPA|Sputnik|SPUTNIK|"
          r"Bloomberg|Getty Images|Anadolu|Anatolu|Kremlin Pool|Pool|Shutterstock|iStock)")
_PHOTO_WORD = (r"(?:[Ff]otos?|[Ff]otograf[íi]as?|FOTO|[Ii]m[áa]gen(?:es)?|[Pp]hoto|[Cc]r[ée]ditos?|"
               r"[Cc]ortes[íi]a|[Cc]aptura|[Aa]rchivo|ARCHIVO|[Mm]anual|[Hh]andout)")
# Photo words as credits print them (capitalised): lower-case "archivo" or "manual" is prose.
_PHOTO_LABEL = (r"(?:Fotos?|Fotograf[íi]as?|FOTO|Im[áa]gen(?:es)?|Photo|Cr[ée]ditos?|Cortes[íi]a|Captura|Archivo|"
                r"ARCHIVO|Manual|Handout)")
_CREDIT_TOKEN = rf"(?:{AGENCY}|{_PHOTO_WORD})"
_QUOTES = "«»“”\""

# A credit in parentheses closing the line: "… (Foto de archivo: Reuters)", "… (AP)".
PAREN_CREDIT = re.compile(rf"\((?P<credit>[^(){_QUOTES}]{{1,200}})\)$")
STRONG_CREDIT = re.compile(rf"\b(?:{AGENCY}|{_PHOTO_LABEL})\b")
# "Foto: EFE", "Imagen: Juan Pérez / AFP" standing alone or closing a caption: the label starts
# the line or follows a sentence end, a parenthesis or a separator, and what follows it is a
# short credit, not a quotation ("Según consta en el archivo: «…»" is prose).
LABELLED_CREDIT = re.compile(
    rf"(?:^|[.!?…»”]\s*|\(|\s[|/—–-]\s*)(?:{_PHOTO_WORD})\s*:\s*(?P<credit>[^:{_QUOTES}]{{2,80}})(?<![.!?…])$")
MAX_CREDIT_WORDS = 10
# A credit with no label or parentheses closing a caption: "Manifestantes frente al Congreso.
# REUTERS/Ana López", "… en el Benito Villamarín | EFE/Julio Muñoz". This finds the text after the
# last sentence end or separator; :func:`closing_credit` then checks it part by part.
BARE_CREDIT = re.compile(
    rf"(?:[.!?…»”]\s+(?P<after_sentence>[^.!?…|—–{_QUOTES}]+)|\s[|—–]\s+(?P<after_separator>[^|—–{_QUOTES}]+))$")
PHOTO_BY = re.compile(r"^(?:Fotos?|Imagen|Fotograf[íi]a)\s+(?:de\s+|por\s+)?[A-ZÁÉÍÓÚÑ]")
# Caption labels some outlets print ("Pie de foto, Manifestantes en …", "Leyenda: …").
CAPTION_LABEL = re.compile(r"^(?:Pie de (?:foto|imagen)|Leyenda|Descripci[óo]n de la (?:foto|imagen))\s*[,:]\s*\S")
AGENCY_LINE = re.compile(rf"^\(?{AGENCY}(?:\s*[/,-]\s*{AGENCY})*\)?\.?$")
CREDIT_TOKEN = re.compile(rf"\b{_CREDIT_TOKEN}\b")
CREDIT_PART = re.compile(rf"^\(?(?:{_CREDIT_TOKEN})(?:\s+(?:{_CREDIT_TOKEN}|vía|via|de))*\)?$")
# One part of a credit line that is a name ("Oficina de prensa del Kremlin", "Evelyn Hockstein").
CREDIT_NAME_PART = re.compile(r"^[A-ZÁÉÍÓÚÑ]\S*(?:\s+\S+){0,5}$")
# A wire dateline opens a lede, never a caption: "MADRID, 3 May. (EUROPA PRESS) -", "Lima (AFP).-".
DATELINE = re.compile(
    rf"^(?:[^()]{{1,60}}\((?:{AGENCY}|[A-ZÁÉÍÓÚÑ ]{{2,20}})\)\s*\.?\s*[-–—]"
    r"|[A-ZÁÉÍÓÚÑ]{2,}(?:\s+[A-ZÁÉÍÓÚÑ]{2,})*\s*[,:(])")
SECOND_SENTENCE = re.compile(r"[.!?…][\"'»”’)]*\s+[¿¡«\"“(]?[A-ZÁÉÍÓÚÑ]")

# ── buttons, prompts, links ───────────────────────────────────────────────────────────────────

ADVERTISEMENT = re.compile(
    r"^[-–—·|*\s]*(?:publicidad|anuncio|advertisement|ad|patrocinado|contenido patrocinado|"
    r"espacio publicitario)[-–—·|*\s]*$", _I)
_NETWORK = r"(?:facebook|twitter|x|whatsapp|telegram|linkedin|pinterest|e-?mail|correo|messenger|reddit|threads)"
SHARE = re.compile(
    rf"^(?:(?:compartir|comparte|comp[áa]rtelo|share|tweet|tuitear|enviar)\b.{{0,40}}\b{_NETWORK}\b.{{0,20}}"
    rf"|(?:compartir|comparte|share)(?: (?:esta )?(?:noticia|nota|art[íi]culo|entrada|publicaci[óo]n|v[íi]deo))?:?"
    rf"|(?:{_NETWORK}|copiar enlace|copy link)(?:[\s,|·/]+(?:{_NETWORK}|copiar enlace|copy link))*)$", _I)
# Player and page controls scraped as text: "Escuchar noticia", "Guardar", "Cargar más entradas".
INTERFACE = re.compile(
    r"^(?:escuchar(?: (?:la )?(?:noticia|art[íi]culo|audio))?|guardar|imprimir|seguir|a\+|a-|"
    r"(?:cargar|ver|mostrar) m[áa]s(?: (?:entradas|noticias|comentarios|actualizaciones))?|"
    r"ver (?:comentarios|galer[íi]a|v[íi]deo)(?:\s*\(\d+\))?|volver arriba|ir arriba|reportar (?:un )?error|"
    r"comentarios\s*\(\d+\)|m[áa]s (?:art[íi]culos|columnas|noticias) de\s.{1,60})$", _I)
INJECTED_LINK = re.compile(
    r"^(?:(?:READ|READ MORE|LEER|LEER MÁS|LEA|LEA TAMBIÉN|LEA MÁS|LEE|LEE TAMBIÉN|VER|VEA|VEA TAMBIÉN|"
    r"VER TAMBIÉN|TAMBIÉN|TAMBIÉN LEE|MÁS INFORMACIÓN|RELACIONADO|RELACIONADA|TE PUEDE INTERESAR|"
    r"SIGUE LEYENDO|LO MÁS LEÍDO)[\s\xa0]*[:|>»\-–—]?[\s\xa0]+\S"
    r"|(?i:lee también|lea también|leer más|ver también|vea también|te puede interesar|"
    r"más información|relacionad[oa]|sigue leyendo|read more)[\s\xa0]*[:|>»\-–—][\s\xa0]*\S)")
# A prompt speaks to the reader (imperative, "tu", a question): "Suscríbete…", "¿Quieres recibir…?",
# "Deja tu email". Words alone ("newsletter", "su correo") also occur in reporting, so they are not
# enough: "usó su correo personal" is news.
NEWSLETTER = re.compile(
    r"\b(?:suscr[íi]b(?:ete|ase|ite|irte)|reg[íi]str(?:ate|ese|arte)|s[íi]g(?:ue|a)nos|"
    r"[úu]n(?:ete|ase) a nuestr[oa]|ap[úu]nt(?:ate|ese)|haz clic|haga clic|pincha aqu[íi]|pulsa aqu[íi]|"
    r"clic aqu[íi]|quieres recibir|te gustar[íi]a recibir|(?:puedes|podr[áa]s) recibir|"
    r"(?:deja|introduce|ingresa|escribe|indica|d[ée]janos) tu (?:e-?mail|correo)|comparte con nosotros tu|"
    r"en tu (?:e-?mail|correo|bandeja)|activa las notificaciones)\b"
    # "Descarga…", "Recibe…" are prompts only as a sentence's first word ("la descarga la inició…",
    # "cada familia recibe cada mes…" are news), and "¿Quiere recibir…?" only as a question.
    r"|(?:^|[.!?]\s+|[¿¡])(?-i:Desc[áa]rga(?:la|te)?|Descargue|Recibe|Quiere recibir)\b", _I)
COMMENT_FORM = re.compile(
    r"(?:no ser[áa] publicad[ao]|campos obligatorios|publicar (?:el )?comentario|guardar mi nombre|"
    r"cancelar respuesta|inicia sesi[óo]n para comentar|^(?:nombre|comentario|correo electr[óo]nico|"
    r"web|sitio web)\s*\*?$)", _I)
COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\b)|\btodos los derechos reservados\b", _I)

# ── sections, lists, labels ───────────────────────────────────────────────────────────────────

# Headings of what follows an article. Alone on a line after the body they end the article.
END_SECTION = re.compile(
    r"^(?:lo m[áa]s (?:le[íi]do|visto|reciente|popular|compartido|comentado)|lo [úu]ltimo(?:,?\s*minuto a minuto)?|"
    r"m[áa]s del autor|m[áa]s noticias|(?:art[íi]culos|noticias|notas|temas|contenidos?) relacionad[oa]s|"
    r"(?:tambi[ée]n )?te puede interesar|te recomendamos|recomendados|"
    r"deja (?:una respuesta|un comentario|tu comentario)|\d*\s*comentarios|etiquetas|tags|temas|"
    r"otras noticias|[úu]ltimas noticias|contenido patrocinado|"
    r"sobre (?:el|la) autor[a]?|acerca (?:del|de la) autor[a]?)\s*:?$", _I)
# Headings of ranked lists of other stories (or of a standings table): they head numbered items.
LIST_HEADING = re.compile(
    r"^(?:(?:lo|las|los)?\s*m[áa]s (?:le[íi]d[oa]s?|vist[oa]s?|popular(?:es)?|compartid[oa]s?|comentad[oa]s?)"
    r"(?:\s+(?:hoy|de (?:hoy|la semana|la jornada)|del d[íi]a|en \S+))?|top\s*\d+|ranking|clasificaci[óo]n|"
    r"tabla de posiciones)\s*:?$", _I)
# "1", "2." alone (the counter of the next headline) or "1. Real Madrid 84" (an item with its text).
NUMBERED_COUNTER = re.compile(r"^#?(?P<number>\d{1,2})[.)]?$")
NUMBERED_ITEM = re.compile(r"^#?(?P<number>\d{1,2})\s*[.)\-–—:]?\s+(?P<text>\S.*)$")
# "Temas: Perú, Congreso, Reforma judicial": a label, then a list of short items, no sentence. An
# item starts and ends with a non-space, so a line splits into items one way only.
_TAG_ITEM = r"[^\s,|·•;.:!?](?:[^,|·•;.:!?]{0,38}[^\s,|·•;.:!?])?"
TAG_LINE = re.compile(
    r"^(?:temas|etiquetas|tags|palabras clave|archivado en|m[áa]s sobre|categor[íi]as?|secciones|"
    rf"tem[áa]ticas)\s*:\s*{_TAG_ITEM}(?:\s*[,|·•;]\s*{_TAG_ITEM})*$", _I)
# Section and kicker labels printed above a headline ("Internacional", "EN DIRECTO", "Economía | Empleo").
_SECTION_WORDS = (
    "noticias", "mundo", "internacional", "pol[íi]tica", "econom[íi]a", "deportes?", "nacional", "sociedad",
    "opini[óo]n", "cultura", "tecnolog[íi]a", "salud", "actualidad", "ciencia", "am[ée]rica", "am[ée]rica latina",
    "latinoam[ée]rica", "europa", "asia", "[áa]frica", "oriente medio", "local", "regional", "sucesos",
    "tribunales", "justicia", "educaci[óo]n", "medio ambiente", "clima", "gente", "espect[áa]culos", "cine",
    "m[úu]sica", "televisi[óo]n", "motor", "viajes", "gastronom[íi]a", "ocio", "f[úu]tbol", "tenis",
    "baloncesto", "negocios", "mercados", "empresas", "finanzas", "empleo", "trabajo", "vivienda", "elecciones",
    "seguridad", "migraci[óo]n", "[úu]ltima hora", "en directo", "en vivo", "directo", "exclusiva", "an[áa]lisis",
    "entrevista", "cr[óo]nica", "reportaje", "editorial", "tribuna", "columna", "blog", "especial",
    "verificaci[óo]n", "v[íi]deo", "video", "galer[íi]a", "fotogaler[íi]a", "podcast", "finalizado",
    "descanso", "en juego", "previa", "aplazado",
)
_SECTION = rf"(?:{'|'.join(_SECTION_WORDS)})"
SECTION_LABEL = re.compile(rf"^{_SECTION}(?:\s*(?:[|›»>/·,-]|\by\b)\s*{_SECTION}){{0,3}}$", _I)
# A site's name over its pages: "La Voz del Sur — Edición Digital", "Diario de Granada | Opinión",
# "pulsodigital.es". Names are title case (Spanish headlines are not), with a tagline or a domain.
_FUNCTION_WORD = r"(?:de|del|la|las|el|los|y|e|en|a)"
_CAPITALISED = r"[A-ZÁÉÍÓÚÑ][\w'’.-]*"
_TITLE_CASE = rf"(?:{_CAPITALISED}(?:\s+(?:{_FUNCTION_WORD}|{_CAPITALISED}))+)"
_TAGLINE = rf"(?:{_CAPITALISED}(?:\s+(?:{_FUNCTION_WORD}|{_CAPITALISED})){{0,3}})"
MASTHEAD = re.compile(
    rf"^(?:{_TITLE_CASE}\s+[—–|·-]\s+{_TAGLINE}"
    r"|(?:www\.)?[\w-]+\.(?:com|es|net|org|mx|ar|co|cl|pe|info|news)(?:\.\w{2})?)$")
# A score line over a match report: "Real Betis 2 - 1 Sevilla FC".
_TEAM = rf"(?:{_CAPITALISED}(?:\s+(?:{_FUNCTION_WORD}|{_CAPITALISED})){{0,4}})"
SCORE_LINE = re.compile(rf"^{_TEAM}\s+\d{{1,3}}\s*[-–:]\s*\d{{1,3}}\s+{_TEAM}$")
_SECTIONS_IN_PATH = (r"(?:Noticias|Mundo|Internacional|Pol[íi]tica|Econom[íi]a|Deportes|Nacional|Sociedad|"
                     r"Opini[óo]n|Cultura|Tecnolog[íi]a|Salud|Actualidad|Ciencia|Am[ée]rica|Europa|Asia)")
BREADCRUMB = re.compile(
    rf"^(?:(?:Home|HOME)\s+\S|(?:Inicio|INICIO|Portada)\s*(?:[›»>/|·]|\s{_SECTIONS_IN_PATH}\b)"
    r"|(?:[^›»>/|.]{1,40}\s[›»>|]\s){2,})")
COUNTER = re.compile(
    r"^(?:\+?\d[\d.,\s]*\s*(?:k|m|mil)?\s*(?:comentarios?|compartidos|shares|likes|me gusta|vistas|"
    r"visitas|lecturas)?|(?:tiempo de )?lectura:?\s*\d+\s*min(?:utos)?\.?|\d+\s*min(?:utos)?\.? de lectura)$", _I)
# "Con información de Reuters": where the facts came from (kept on the Article, not in the body).
SOURCE_ATTRIBUTION = re.compile(
    r"^\(?\s*(?:con informaci[óo]n de|informaci[óo]n de|con reportes? de|con datos de|fuentes?:|"
    r"with reporting by|additional reporting by|reporting by)\s.{1,80}\)?$", _I)


# ── recognisers that need more than one pattern ─────────────────────────────────────────────────


def ends_sentence(text: str) -> bool:
    """True if ``text`` ends like a sentence (. ! ? … : ;, possibly inside closing quotes)."""
    return bool(SENTENCE_END.search(text))


def word_count(text: str) -> int:
    """Whitespace-separated words in ``text``."""
    return len(text.split())


def closing_credit(text: str) -> str | None:
    """The photo credit that closes a caption line ("… (Foto: Reuters)", "… Foto: EFE/Ana Pérez",
    "… REUTERS/Ana López", "… | EFE"), or None. A credit alone on its line is not a caption's."""
    paren = PAREN_CREDIT.search(text)
    if paren and paren.start() > 0 and STRONG_CREDIT.search(paren.group("credit")) \
            and word_count(paren.group("credit")) <= 2 * MAX_CREDIT_WORDS:
        return paren.group(0)
    labelled = LABELLED_CREDIT.search(text)
    if labelled and labelled.start() > 0 and word_count(labelled.group("credit")) <= MAX_CREDIT_WORDS:
        return labelled.group(0).strip(" .|/—–-")
    bare = BARE_CREDIT.search(text)
    if bare is None:
        return None
    credit = (bare["after_sentence"] or bare["after_separator"]).strip()
    parts = [part.strip() for part in credit.split("/")]
    if word_count(credit) > MAX_CREDIT_WORDS or not CREDIT_TOKEN.search(credit) \
            or not all(CREDIT_PART.match(p) or CREDIT_NAME_PART.match(p) for p in parts):
        return None
    if bare["after_sentence"] and len(parts) < 2 and not PHOTO_BY.match(credit):
        return None  # "… con la diplomacia estancada. AFP" is a wire tag on a body paragraph
    return credit


def is_credit_line(text: str) -> bool:
    """Is ``text`` a photo credit alone ("Foto: EFE", "REUTERS/Evelyn Hockstein", "Oficina de
    prensa del Kremlin/Manual/Getty Images")? Every part must be a credit or a name, so a subheading
    that merely contains a credit word ("Archivo, memoria y justicia") is not one."""
    if word_count(text) > 15 or ends_sentence(text):
        return False
    labelled = LABELLED_CREDIT.match(text)
    if labelled:
        return word_count(labelled.group("credit")) <= MAX_CREDIT_WORDS
    parts = [p.strip() for p in re.split(r"[/,|·]", text) if p.strip()]
    return any(CREDIT_PART.match(p) for p in parts) and \
        all(CREDIT_PART.match(p) or CREDIT_NAME_PART.match(p) for p in parts)


# ── look-ahead passes: blocks recognised as a whole ──────────────────────────────────────────

# Items of a list of other stories are headlines, not paragraphs; so are headlines under a kicker.
MAX_HEADLINE_WORDS = 30


class PageLine(Protocol):
    """What the look-ahead passes read of a line (:class:`annotate.ingest.chrome.RawLine` has it)."""

    @property
    def number(self) -> int: ...

    @property
    def text(self) -> str: ...


def teaser_lines(lines: Sequence[PageLine]) -> set[int]:
    """Line numbers inside teaser blocks: two or more consecutive pairs of a headline (no sentence
    end) followed by a snippet cut off with '...' or '…' (lists of other stories)."""
    nonblank = [line for line in lines if line.text]
    pairs: list[tuple[int, int]] = []  # (index of headline, index of snippet) in nonblank
    for i in range(len(nonblank) - 1):
        head, snippet = nonblank[i].text, nonblank[i + 1].text
        if (not ends_sentence(head) or head.endswith("?")) and word_count(head) <= 25 and \
                re.search(r"(\.\.\.|…)$", snippet) and word_count(snippet) >= 6:
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


def is_headline(text: str) -> bool:
    """A list item's text: short, and not a sentence (a question or exclamation may be)."""
    closed = text.rstrip("\"'»”’)")
    return word_count(text) <= MAX_HEADLINE_WORDS and (not ends_sentence(text) or closed.endswith(("?", "!")))


def _numbered_run(nonblank: Sequence[PageLine], start: int) -> tuple[list[int], int, bool]:
    """The items numbered 1, 2, 3… from ``nonblank[start]``: the indexes they take, how many
    items, and whether each item is a counter line followed by its headline ("1" / "El precio…")
    rather than one line ("1. Real Madrid 84")."""
    taken: list[int] = []
    items, i, counters_only = 0, start, True
    while i < len(nonblank):
        counter = NUMBERED_COUNTER.match(nonblank[i].text)
        item = NUMBERED_ITEM.match(nonblank[i].text)
        if counter and int(counter["number"]) == items + 1 and i + 1 < len(nonblank) \
                and not NUMBERED_COUNTER.match(nonblank[i + 1].text) and is_headline(nonblank[i + 1].text):
            taken += [i, i + 1]
        elif item and int(item["number"]) == items + 1 and is_headline(item["text"]):
            taken.append(i)
            counters_only = False
        else:
            break
        items += 1
        i = taken[-1] + 1
    return taken, items, counters_only


def numbered_list_lines(lines: Sequence[PageLine]) -> dict[int, str]:
    """Line numbers inside ranked lists of other stories (or standings tables), with a detail: a
    list heading ('Lo más leído', 'Las más leídas', 'Clasificación') over two or more numbered
    headlines, or three or more counter + headline pairs (under a short unpunctuated heading, if
    any). A numbered list inside the article ("Estos son los cambios:" / "1. La Junta … .") has a
    heading that ends a sentence and items that are sentences, so it stays body."""
    nonblank = [line for line in lines if line.text]
    marked: dict[int, str] = {}
    i = 0
    while i < len(nonblank):
        taken, items, counters_only = _numbered_run(nonblank, i)
        heading = nonblank[i - 1] if i > 0 else None
        named = heading is not None and bool(LIST_HEADING.match(heading.text) or END_SECTION.match(heading.text))
        if not ((named and items >= 2) or (counters_only and items >= 3)):
            i += 1
            continue
        detail = f"{items} numbered items"
        if heading is not None and (named or (word_count(heading.text) <= 8 and not ends_sentence(heading.text))):
            marked[heading.number] = f"heading of a list of {items} numbered items"
            detail += f" under {heading.text!r} (line {heading.number})"
        marked.update((nonblank[j].number, detail) for j in taken)
        i = taken[-1] + 1
    return marked


