"""``annotate effort EXPORT…``: what a segment costs under each protocol (MQM, ESA), from the time
Label Studio's labeling UI records on each annotation (``lead_time``). Reads Label Studio JSON
exports (:mod:`annotate.labelstudio.timing`), computes with :mod:`annotate.scoring.effort`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from annotate.commands._io import fail

if TYPE_CHECKING:  # imported where used: `annotate --help` stays fast
    from annotate.scoring.effort import EffortComparison

Exports = Annotated[list[Path], typer.Argument(
    metavar="EXPORT", help="Label Studio JSON exports (annotate pull): MQM projects, ESA projects, or one with both "
                           "kinds of task; several are read together.")]
SkipInvalid = Annotated[bool, typer.Option(
    "--skip-invalid", help="Leave out (and list, as warnings) the annotations and tasks that fail validation "
                           "instead of stopping (default: list them and exit 1).")]
INVALID_ADVICE = "fix them in Label Studio and pull again, or rerun with --skip-invalid to go on without them"
COUNTERBALANCE = ("compare them on the same documents, or counterbalanced (each annotator does half the "
                  "documents under each protocol)")


def read_exports(paths: list[Path], skip_invalid: bool) -> EffortComparison:
    """Each protocol's annotation time over the exports at ``paths`` (an EffortComparison), or
    exit 1 naming the file that is missing or not an export, or listing what failed validation
    (as warnings, and without it, with ``skip_invalid``)."""
    from annotate.commands.problems import settle_problems
    from annotate.labelstudio.errors import ExportError
    from annotate.labelstudio.timing import export_timing
    from annotate.scoring.effort import compare_protocols

    tasks: list = []
    seen: dict = {}  # every task read, with where (a task given twice counts once)
    for path in paths:
        if not path.is_file():
            raise fail(f"{path}: no such file", code=1)
        if (other := _not_an_export(path)) is not None:
            raise fail(f"{path}: {other}", code=1)
        problems: list = []
        try:
            tasks.extend(export_timing(path, problems, seen))
        except ExportError as exc:  # the file's errors name it
            raise fail(str(exc), code=1) from None
        settle_problems(problems, source=str(path), skip_invalid=skip_invalid, problems_file=None,
                        advice=INVALID_ADVICE)
    return compare_protocols(tasks)


def _not_an_export(path: Path) -> str | None:
    """Why a file of another format cannot be timed here (None for a .json file: read it)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return None
    if suffix in (".csv", ".jsonl"):
        return ("an ESA file, not a Label Studio export: its own start and end times give each annotator's "
                f"pace in `annotate esa-report {path}`")
    if suffix == ".tsv":
        return "a WMT MQM TSV file: it records no annotation time (`annotate effort` reads Label Studio exports)"
    return "not a Label Studio JSON export (`annotate pull` writes one)"


def effort(
    exports: Exports,
    as_json: Annotated[bool, typer.Option(
        "--json", help='Print the numbers as JSON: {"protocols": {"mqm": …, "esa": …}, "esa_to_mqm": …}.')] = False,
    skip_invalid: SkipInvalid = False,
) -> None:
    """What a segment costs under each protocol: per protocol (MQM, ESA) and annotator, the timed
    annotations (Label Studio's lead_time) and the untimed ones (made through the API: counted
    apart, never as zero), the source segments and translations they rated, the total and median
    task time, the seconds per source segment and per rated translation; then ESA's paces as a
    ratio of MQM's."""
    comparison = read_exports(exports, skip_invalid)
    if as_json:
        typer.echo(json.dumps(comparison.to_json_dict(), ensure_ascii=False))
        return
    print_comparison(comparison)


def print_comparison(comparison: EffortComparison) -> None:
    """The table (a row per annotator and an "all annotators" row per protocol) and the closing
    lines: the ratio, and what it compares."""
    from rich.text import Text

    from annotate.scoring.effort import PROTOCOL_NAMES, format_duration
    from annotate.terminal import PlainTable, make_console, plain, print_table

    console = make_console(soft_wrap=True)
    if not comparison.reports:
        console.print(plain("No task in the exports."))
        return
    table = PlainTable(title="Annotation time per protocol (Label Studio's lead_time)", title_justify="left")
    for column in ("protocol", "annotator", "timed", "untimed", "segments", "translations", "total", "median task",
                   "s / segment", "s / translation"):
        table.add_column(column, justify="left" if column in ("protocol", "annotator") else "right")
    for protocol, report in comparison.reports.items():
        rows = [(effort, untimed, "") for effort, untimed in report.rows()]
        rows.append((report.pooled, report.untimed, "bold"))
        for effort, untimed, style in rows:
            cells = (PROTOCOL_NAMES[protocol], effort.annotator, str(len(effort.task_seconds)), str(untimed),
                     str(effort.segments), str(effort.translations), format_duration(effort.seconds if effort.task_seconds else None),
                     format_duration(effort.median_task_seconds), format_duration(effort.seconds_per_segment),
                     format_duration(effort.seconds_per_translation))
            table.add_row(*(Text(cell, style=style) for cell in cells), end_section=bool(style))
    table.caption = Text("timed: submitted in the labeling UI; untimed: made through the API (no lead_time, never "
                         "counted as zero). translations: (system, segment) pairs rated (MQM) or scores given (ESA).")
    table.caption_justify = "left"
    print_table(console, table)
    for sentence in closing_lines(comparison):
        console.print(plain(sentence))


def closing_lines(comparison: EffortComparison) -> list[str]:
    """ESA's paces as a ratio of MQM's, and what could make it compare unlike things (other
    documents, other work on the page); nothing unless both protocols are there."""
    from annotate.scoring.effort import ESA, MQM, format_duration

    if not {MQM, ESA} <= comparison.reports.keys():
        return []
    untimed = [name for name, protocol in (("MQM", MQM), ("ESA", ESA)) if not comparison.reports[protocol]]
    if untimed:
        return [f"No ratio: {' and '.join(untimed)} {'has' if len(untimed) == 1 else 'have'} no timed annotation "
                "(annotations made through the API carry no lead_time)."]
    paces = {per: [format_duration(comparison.pace(p, per)) for p in (ESA, MQM)] for per in ("segment", "translation")}
    parts = [f"{_times(comparison.ratio(per))} MQM's time per {what} ({paces[per][0]} against {paces[per][1]})"
             for per, what in (("segment", "source segment"), ("translation", "rated translation"))]
    lines = [f"ESA took {parts[0]} and {parts[1]}."]
    documents = comparison.documents
    if comparison.same_documents:
        count = len(documents[MQM])
        lines[0] = lines[0][:-1] + f", on the same {'document' if count == 1 else f'{count} documents'}."
    else:
        lines.append(f"Caution: the two were timed on different documents (MQM {len(documents[MQM])}, ESA "
                     f"{len(documents[ESA])}, {len(comparison.shared_documents)} shared): the ratio mixes the "
                     f"protocols with the material; {COUNTERBALANCE}.")
    extras = comparison.extras
    if extras[MQM] != extras[ESA]:
        lines.append(f"The pages asked for different work: MQM's time includes {_extras(extras[MQM])}, ESA's "
                     f"{_extras(extras[ESA])}.")
    return lines


def _times(ratio: float | None) -> str:
    return "—×" if ratio is None else f"{ratio:.2f}×"


EXTRA_NAMES = {"entities": "entities and claims", "post-edits": "post-edits"}  # what push --esa-with calls them


def _extras(extras: frozenset[str]) -> str:
    named = [EXTRA_NAMES.get(extra, extra) for extra in sorted(extras)]
    return f"{' plus '.join(named)} beside its ratings" if named else "its ratings alone"


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
    app.command("effort")(effort)
