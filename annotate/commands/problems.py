"""Telling the user what an export parse set aside (:class:`annotate.records.ExportProblem`): on the
terminal the first few, each with what is wrong and where (and the task's Label Studio page when the
server is known); with ``--problems FILE``, all of them as JSON Lines. :func:`settle_problems` is
the one ending every command that reads an export gives its problems (``--skip-invalid`` or not)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
from rich.console import Console

from annotate.records import ExportProblem, count_problems, describe_problems

SHOWN = 20  # problems printed; a 10k-task export with a systematic fault would otherwise flood the terminal
TaskUrl = Callable[[int], str]


def write_problems(path: Path, problems: Sequence[ExportProblem], task_url: TaskUrl | None = None) -> None:
    """Every problem as one JSON object per line (with ``url``, the task's page, when known). An
    empty list writes an empty file: the file always describes the latest run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        for problem in problems:
            row = problem.to_dict()
            if task_url is not None and problem.task_id is not None:
                row["url"] = task_url(problem.task_id)
            stream.write(orjson.dumps(row) + b"\n")


def print_problems(console: Console, problems: Sequence[ExportProblem], *, source: str, fatal: bool,
                   task_url: TaskUrl | None = None, problems_file: Path | None = None) -> None:
    """A header (``error:`` when ``fatal``, else a warning), then up to SHOWN problems."""
    from annotate.terminal import print_error, print_warning

    what = f"{source}: {describe_problems(list(problems))} failed validation"  # source: a file name, user data
    if fatal:
        print_error(f"{what}:", console)
    else:
        parts = sum(count_problems(list(problems)).values())  # an annotation with 3 problems is 1 part
        print_warning(f"{what} and {'are' if parts != 1 else 'is'} left out:", console)
    for problem in problems[:SHOWN]:
        console.print(f"  • {problem.message}", markup=False, highlight=False)
        if task_url is not None and problem.task_id is not None:
            console.print(f"    {task_url(problem.task_id)}", markup=False, highlight=False)
    if len(problems) > SHOWN:
        where = f"all of them are in {problems_file}" if problems_file else "--problems FILE writes them all"
        console.print(f"  … and {len(problems) - SHOWN} more ({where})", markup=False, highlight=False)
    elif problems_file:
        console.print(f"  (also written to {problems_file})", markup=False, highlight=False)


def settle_problems(problems: Sequence[ExportProblem], *, source: str, skip_invalid: bool,
                    problems_file: Path | None, advice: str, console: Console | None = None) -> None:
    """How a command that read an export ends with what failed validation: ``problems_file`` is
    written (always when given, empty when there is none: it describes the latest run); the
    problems are listed, as warnings with ``skip_invalid`` (the command goes on without them), else
    as errors followed by ``advice`` and ``typer.Exit(1)``."""
    import typer

    from annotate.terminal import line, make_console

    if problems_file is not None:
        write_problems(problems_file, problems)
    if not problems:
        return
    console = console or make_console(stderr=True, soft_wrap=True)
    print_problems(console, problems, source=source, fatal=not skip_invalid, problems_file=problems_file)
    if not skip_invalid:
        console.print(line(advice), highlight=False)
        raise typer.Exit(1)
