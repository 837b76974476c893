"""What the ``annotate translate`` stage shows around :mod:`annotate.pipeline` (which composes
ingest → segment → translate): where its segments come from (a folder, or Segment JSON Lines on
stdin), progress bars on stderr, and the summary table. The demo shows the same bars and table."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from annotate.pipeline import PipelineError, PipelineResult, ProgressFactory, SystemRun, ingest_and_segment
from annotate.records import Segment


def read_segments(path: Path | None) -> PipelineResult:
    """Segments from a folder of raw articles (ingested and segmented, files that could not be
    ingested in ``skipped``) or from Segment JSON Lines on stdin (no articles then)."""
    from annotate.jsonl import JsonlError, read_records

    if path is not None:
        return ingest_and_segment(path)
    if sys.stdin.isatty():
        raise PipelineError(
            "give a folder of raw articles, or pipe Segment JSON Lines in: "
            "annotate segment DIR --jsonl | annotate translate --jsonl"
        )
    try:
        return PipelineResult(segments=list(read_records(Segment)))
    except JsonlError as exc:
        raise PipelineError(str(exc)) from None


@contextmanager
def progress_bars(show: bool = True) -> Iterator[ProgressFactory]:
    """A progress bar per system on stderr (``translate · SYSTEM  n/total``), for
    :func:`annotate.pipeline.translate`'s ``progress``. The display starts with the first system,
    so what is printed before (systems not used) stays above the bars."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
        transient=False,
    )

    def start(system: str, total: int) -> Callable[[int], None]:
        if not progress.live.is_started:
            progress.start()
        task = progress.add_task(f"translate · {system}", total=total)
        return lambda n: progress.advance(task, n)

    try:
        yield start
    finally:
        if progress.live.is_started:  # stopping a display never started would print a blank line
            progress.stop()


def summary_table(runs: Sequence[SystemRun]):  # -> rich.table.Table
    """system, version, segments, cached, new, seconds, sentences/s — one row per system."""
    from rich.text import Text

    from annotate.terminal import PlainTable

    table = PlainTable(title="annotate translate")
    table.add_column("system", no_wrap=True)
    table.add_column("version", overflow="fold")
    for column in ("segments", "cached", "new", "seconds", "sent/s"):
        table.add_column(column, justify="right")
    for system in runs:
        run, translator = system.run, system.translator
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
