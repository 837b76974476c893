"""The ``Translator`` protocol and the registry of MT systems usable on this machine.

A translator turns a batch of pre-segmented source sentences into one output per sentence, in
order. Systems are registered by name with a factory that either returns a ready translator or
raises :class:`TranslatorUnavailable` saying why it cannot run here (and how to fix that), so
callers can list both what works and what does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class TranslationOutput:
    """One system output for one source sentence."""

    mt: str
    unknown_words: list[str] = field(default_factory=list)  # source words left untranslated


@runtime_checkable
class Translator(Protocol):
    """An MT system. ``version`` identifies the exact model/data, e.g. ``apertium-eng-spa 0.8.1-2``.

    ``is_test_fixture`` is True for systems that exist only to exercise code paths (their output
    is garbage); ``settings_key`` names the output-affecting settings (e.g. beam size) so cached
    outputs are never reused across different settings ("" when there are none).
    """

    name: str
    version: str
    is_test_fixture: bool
    settings_key: str

    def translate_batch(self, sentences: list[str]) -> list[TranslationOutput]:
        """Translate ``sentences``; returns exactly one output per sentence, in order."""
        ...


class TranslatorUnavailable(RuntimeError):
    """A system cannot run on this machine; the message says why and how to fix it."""


class TranslationError(RuntimeError):
    """A system failed while translating (bad process exit, misaligned output, …)."""


TranslatorFactory = Callable[[], Translator]

# name → (factory, is_test_fixture). Filled by register_translator() below.
_REGISTRY: dict[str, tuple[TranslatorFactory, bool]] = {}


def register_translator(name: str, factory: TranslatorFactory, *, test_fixture: bool = False) -> None:
    """Make a system known to available_translators() / get_translator() under ``name``."""
    _REGISTRY[name] = (factory, test_fixture)


def registered_names(*, include_test_fixtures: bool = False) -> list[str]:
    """Names of all registered systems (real ones first, in registration order)."""
    return [name for name, (_, fixture) in _REGISTRY.items() if include_test_fixtures or not fixture]


def get_translator(name: str) -> Translator:
    """The translator called ``name``; raises TranslatorUnavailable (with the reason) or KeyError."""
    _ensure_builtin_systems()
    if name not in _REGISTRY:
        known = ", ".join(registered_names(include_test_fixtures=True))
        raise KeyError(f"unknown MT system {name!r} (known: {known})")
    factory, _ = _REGISTRY[name]
    return factory()


def probe_translators(*, include_test_fixtures: bool = False) -> tuple[list[Translator], dict[str, str]]:
    """Every MT system usable on this machine, and why each other registered one is not: one probe
    (each system is constructed once), for callers that need both."""
    return _probe(include_test_fixtures)


def _probe(include_test_fixtures: bool) -> tuple[list[Translator], dict[str, str]]:
    _ensure_builtin_systems()
    usable: list[Translator] = []
    reasons: dict[str, str] = {}
    for name in registered_names(include_test_fixtures=include_test_fixtures):
        try:
            usable.append(get_translator(name))
        except TranslatorUnavailable as exc:
            reasons[name] = str(exc)
    return usable, reasons


def available_translators(*, include_test_fixtures: bool = False) -> list[Translator]:
    """Every MT system usable on this machine. Test fixtures (garbage output) only on request."""
    return _probe(include_test_fixtures)[0]


def unavailable_reasons(*, include_test_fixtures: bool = False) -> dict[str, str]:
    """For each registered system that cannot run here: why, and how to make it available."""
    return _probe(include_test_fixtures)[1]


def _ensure_builtin_systems() -> None:
    # Imported here, not at module top: the system modules register themselves on import, and
    # their own heavy imports (argostranslate, ctranslate2) stay inside their functions.
    from annotate.translate import apertium, argos  # noqa: F401
