"""Machine translation: the Translator protocol, Apertium and Argos systems, the persistent cache.

Typical use::

    from annotate.translate import available_translators, translate_segments, TranslationCache
    with TranslationCache() as cache:
        for translator in available_translators():
            translations = translate_segments(segments, translator, cache)
"""

from __future__ import annotations

from annotate.translate.base import (
    TranslationError,
    TranslationOutput,
    Translator,
    TranslatorUnavailable,
    available_translators,
    get_translator,
    probe_translators,
    registered_names,
    unavailable_reasons,
)
from annotate.translate.cache import (
    TranslationCache,
    TranslationRun,
    translate_segments,
    translate_segments_run,
)

__all__ = [
    "TranslationCache",
    "TranslationError",
    "TranslationOutput",
    "TranslationRun",
    "Translator",
    "TranslatorUnavailable",
    "available_translators",
    "get_translator",
    "probe_translators",
    "registered_names",
    "translate_segments",
    "translate_segments_run",
    "unavailable_reasons",
]
