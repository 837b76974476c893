"""The ``annotate translate`` stage: read segments, translate with each chosen system through the
cache, show progress on stderr, and write Translation JSON Lines or a summary table."""

from __future__ import annotations

import sys
from pathlib import Path

from annotate.records import Segment, Translation
from annotate.translate.base import (
    Translator,
    TranslatorUnavailable,
    available_translators,
    get_translator,
    unavailable_reasons,
)
from annotate.translate.cache import DEFAULT_BATCH_SIZE, TranslationCache, TranslationRun, translate_segments_run


class StageError(Exception):
    """A problem the user must fix (bad input, unknown or unavailable system); exit code 2/1."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def read_segments(path: Path | None) -> tuple[list[Segment], list[str]]:
    """Segments from a folder of raw articles (ingest + segment) or from Segment JSONL on stdin.
    Returns the segments and a list of per-file problems (files that could not be ingested)."""
    from annotate.jsonl import JsonlError, read_records

    if path is not None:
        from annotate.articles import ingest_dir
        from annotate.segment import segment_article

        try:
            articles, errors = ingest_dir(path)
        except FileNotFoundError as exc:
            raise StageError(str(exc)) from None
        problems = [f"{error.path}: {error.reason}" for error in errors]
        return [segment for article in articles for segment in segment_article(article)], problems
    if sys.stdin.isatty():
        raise StageError(
            "give a folder of raw articles, or pipe Segment JSON Lines in: "
            "annotate segment DIR --jsonl | annotate translate --jsonl"
        )
    try:
        return list(read_records(Segment)), []
    except JsonlError as exc:
        raise StageError(str(exc)) from None


def choose_translators(names: list[str]) -> tuple[list[Translator], dict[str, str]]:
    """The named systems (each must be usable), or every usable real system when none is named.
    Also returns why the other registered systems are not usable (to tell the user)."""
    if not names:
        translators = available_translators()
        reasons = unavailable_reasons()
        if not translators:
            detail = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
            raise StageError(f"no MT system is usable on this machine ({detail})", exit_code=1)
        return translators, reasons
    translators = []
    for name in dict.fromkeys(names):
        try:
            translators.append(get_translator(name))
        except KeyError as exc:
            raise StageError(str(exc.args[0])) from None
        except TranslatorUnavailable as exc:
            raise StageError(f"MT system {name!r} is not usable here: {exc}", exit_code=1) from None
    return translators, {}


def run_translations(
    segments: list[Segment],
    translators: list[Translator],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    use_cache: bool = True,
    show_progress: bool = True,
) -> list[TranslationRun]:
    """Translate ``segments`` with each translator (through the cache), with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    runs: list[TranslationRun] = []
    cache = TranslationCache() if use_cache else None
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not show_progress,
            transient=False,
        ) as progress:
            for translator in translators:
                task = progress.add_task(f"translate · {translator.name}", total=len(segments))
                runs.append(
                    translate_segments_run(
                        segments,
                        translator,
                        cache,
                        batch_size=batch_size,
                        progress=lambda n, task=task: progress.advance(task, n),
                    )
                )
    finally:
        if cache is not None:
            cache.close()
    return runs


def summary_table(runs: list[TranslationRun], translators: list[Translator]):  # -> rich.table.Table
    """system, version, segments, cached, new, seconds, sentences/s — one row per system."""
    from rich.text import Text

    from annotate.terminal import PlainTable

    table = PlainTable(title="annotate translate")
    table.add_column("system", no_wrap=True)
    table.add_column("version", overflow="fold")
    for column in ("segments", "cached", "new", "seconds", "sent/s"):
        table.add_column(column, justify="right")
    for run, translator in zip(runs, translators):
        rate = f"{run.translated / run.seconds:,.0f}" if run.translated and run.seconds > 0 else "–"
        # the system name is the user's (an imported system may be called anything, brackets included)
        name = Text.assemble(translator.name, (" (test fixture)", "yellow") if translator.is_test_fixture else "")
        table.add_row(
            name,
            translator.version,
            str(len(run.translations)),
            str(run.cached),
            str(run.translated),
            f"{run.seconds:.2f}",
            rate,
        )
    return table


def all_translations(runs: list[TranslationRun]) -> list[Translation]:
    """Every Translation of every run, system by system."""
    return [translation for run in runs for translation in run.translations]
