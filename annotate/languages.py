"""Language pairs: which languages a document's source and translations are in.

Our own pipeline is Spanish → English; WMT MQM files are not (TED talks are English → German,
newstest2020 also Chinese → English). The pair travels in every
:class:`~annotate.records.AnnotatedDocument` and decides the dataset's language tags, the
``translation`` config's keys and the spaCy tokenizers of ``ner`` and ``word_qe``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_CODE = r"[a-z]{2,3}"
_PAIR = re.compile(rf"^({_CODE})-({_CODE})$")
# Google's WMT MQM files are named mqm_<test set>_<source><target>.tsv, e.g. mqm_ted_ende.tsv
_GOOGLE_FILE = re.compile(r"^mqm_.+_([a-z]{2})([a-z]{2})(?:\..*)?$")
UNKNOWN = ""  # a record whose languages nobody stated


@dataclass(frozen=True)
class LanguagePair:
    """ISO 639 codes of a translation direction, e.g. ``LanguagePair("es", "en")``."""

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source}-{self.target}"

    @property
    def known(self) -> bool:
        """Both languages are stated."""
        return bool(self.source and self.target)

    def describe(self) -> str:
        """``Spanish (es) → English (en)``."""
        return f"{language_name(self.source)} ({self.source}) → {language_name(self.target)} ({self.target})"


SPANISH_ENGLISH = LanguagePair("es", "en")


def parse_pair(text: str) -> LanguagePair:
    """``"en-de"`` → ``LanguagePair("en", "de")``; ValueError naming the expected form otherwise."""
    match = _PAIR.match(text.strip().lower())
    if not match or match.group(1) == match.group(2):
        raise ValueError(f"{text!r} is not a language pair; write the two ISO 639 codes as SOURCE-TARGET, e.g. en-de")
    return LanguagePair(match.group(1), match.group(2))


def pair_from_file_name(name: str) -> LanguagePair | None:
    """The pair Google's WMT MQM file names carry (``mqm_ted_ende.tsv`` → en-de), else None."""
    match = _GOOGLE_FILE.match(name.rsplit("/", 1)[-1])
    return LanguagePair(match.group(1), match.group(2)) if match else None


@functools.cache
def language_name(code: str) -> str:
    """English name of a language code, from spaCy's language classes (``de`` → ``German``); the
    code itself where spaCy has no class for it."""
    import spacy.util

    try:
        return spacy.util.get_lang_class(code).__name__
    except Exception:  # spaCy raises ImportError for an unknown code
        return code
