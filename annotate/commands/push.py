"""``annotate push``: create or update one Label Studio task per article (idempotent).

The documents come from a folder of raw articles (through :mod:`annotate.pipeline`, the one
ingest → segment → translate), from AnnotatedDocument JSON Lines, or from a WMT test set; the sync
itself is :func:`annotate.labelstudio.push.push_documents`'s. Server options as in
:mod:`annotate.commands.labelstudio` (registered there, next to ``server`` and ``pull``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from annotate.commands.labelstudio import PROJECT_HELP, TOKEN_HELP, URL_HELP, _connect, _console, _fail
from annotate.text import plural

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from annotate.labelstudio.connection import Connection
    from annotate.labelstudio.push import PushReport
    from annotate.records import AnnotatedDocument


def push_command(
    path: Annotated[Optional[Path], typer.Argument(help="Folder of raw articles: ingested, segmented and "
                                                   "translated by every available MT system, then pushed.")] = None,
    docs: Annotated[Optional[Path], typer.Option("--docs", help="AnnotatedDocument JSON Lines to push instead "
                                                 "('-' = stdin); their completed annotations are imported too.")] = None,
    project: Annotated[str, typer.Option(help=PROJECT_HELP)] = "annotate: es-en news",
    predictions: Annotated[bool, typer.Option("--predictions/--no-predictions",
                                              help="Add pre-annotations (entities, error suggestions).")] = True,
    overwrite_annotated: Annotated[bool, typer.Option(
        "--overwrite-annotated", help="Also update the data of tasks that already have annotations "
        "(their annotations stay and may no longer match). Off by default: such tasks are skipped and listed, "
        "unless the change only adds a new system's translations (that is always safe, and done).")] = False,
    chunk_size: Annotated[int, typer.Option(help="Largest bulk import call (calls start at 250 tasks and double).")] = 5000,
    overlap: Annotated[Optional[int], typer.Option(
        "--overlap", min=1, max=100, help="Annotators per task (2+ gives annotator agreement something to measure); "
        "default: leave the project's setting (1 for a new project).")] = None,
    overlap_percent: Annotated[int, typer.Option(
        "--overlap-percent", min=1, max=100, help="Share of the tasks that get --overlap annotators (the others one); "
        "they are handed out first.")] = 100,
    holdout_percent: Annotated[float, typer.Option(
        "--holdout-percent", min=0, max=100, help="Share of the tasks whose suggestions are withheld from annotators "
        "(kept in the task's meta, the same tasks on every push): they are labelled from scratch, and the report "
        "compares that with what annotators who saw the suggestions kept (anchoring).")] = 0.0,
    learn_from: Annotated[Optional[Path], typer.Option(
        "--learn-from", help="A Label Studio export (from `annotate pull`): the errors its annotators marked again "
        "and again are suggested wherever the same system writes the same words (error memory); tasks nobody "
        "started get the new suggestions.")] = None,
    imports: Annotated[Optional[list[str]], typer.Option(
        "--import", metavar="NAME=FILE", help="Add the outputs of another MT system as system NAME (repeatable): "
        "JSON Lines keyed by doc_id + seg_id (as `annotate segment --jsonl` prints) or plain text, one line per "
        "segment in `annotate segment` order.")] = None,
    reference_files: Annotated[Optional[list[str]], typer.Option(
        "--reference-file", metavar="NAME=FILE", help="Add a human reference translation NAME, same formats "
        "(repeatable: several references per segment); kept in the tasks for scoring, never shown to rate.")] = None,
    testset: Annotated[Optional[Path], typer.Option(
        "--testset", help="A test set in WMT's plain-text layout (sources/, references/, documents/, "
        "system-outputs/): one task per document, a column per system, for human MQM.")] = None,
    languages: Annotated[Optional[str], typer.Option(
        "--languages", metavar="SRC-TGT", help="With --testset: the pair to read (when it holds several).")] = None,
    post_edit_start: Annotated[str, typer.Option(
        "--post-edit-start", metavar="first-system|empty|SYSTEM", help="What each post-edit box starts with: the "
        "first system's output, nothing, or the output of the system named. A prefilled box left as it is counts "
        "as a post-edit only when the annotator ticks \"Correct as is\"; recorded in every task it writes "
        "(never changed under annotations), read back by pull and stated in the dataset card and report.")] = "first-system",
    protocol: Annotated[str, typer.Option(
        "--protocol", metavar="mqm|esa", help="What the pages ask for: mqm (entities, claims, MQM error spans with "
        "categories, post-edits) or esa (Error Span Annotation as WMT since 2024: Minor/Major spans, a [MISSING] "
        "marker, a 0-100 score per segment and translation, systems shown blind; --predictions pre-fill the "
        "spans: ESA-AI). A project keeps its protocol: push the other to another --project.")] = "mqm",
    esa_with: Annotated[Optional[list[str]], typer.Option(
        "--esa-with", metavar="entities|post-edits", help="With --protocol esa: the page also asks for entities and "
        "claims on the whole source article, or for post-edit boxes (as --post-edit-start says); repeatable. Kept "
        "once a project has them.")] = None,
    url: Annotated[Optional[str], typer.Option(help=URL_HELP)] = None,
    token: Annotated[Optional[str], typer.Option(help=TOKEN_HELP)] = None,
) -> None:
    """Create or update one Label Studio task per article (idempotent: never duplicates)."""
    from annotate.labelstudio.client import Overlap

    console = _console(stderr=True)
    if protocol not in ("mqm", "esa"):
        _fail(f"--protocol must be mqm or esa, not {protocol!r}", 2)
    if esa_with and protocol != "esa":
        _fail("--esa-with goes with --protocol esa (an MQM page has entities, claims and post-edits)", 2)
    if unknown := sorted(set(esa_with or ()) - {"entities", "post-edits"}):
        _fail(f"--esa-with takes entities or post-edits, not {', '.join(unknown)}", 2)
    documents, skipped_files = _documents_to_push(console, path, docs, testset, languages, imports or [],
                                                  reference_files or [])
    memory = _learn(console, learn_from, predictions) if learn_from is not None else None
    conn = _connect(url, token)
    report = _push_with_progress(console, conn, documents, project, with_predictions=predictions,
                                 chunk_size=chunk_size, overwrite_annotated=overwrite_annotated,
                                 overlap=Overlap(overlap, overlap_percent) if overlap else None,
                                 holdout_percent=holdout_percent, memory=memory, post_edit_start=post_edit_start,
                                 protocol=protocol, esa_with=tuple(esa_with or ()))
    _print_push_report(console, conn, report)
    if skipped_files:  # the good articles are pushed, but a skipped file must not pass as success (as ingest)
        _fail(f"{skipped_files} input file(s) could not be ingested and were not pushed (see the warnings above)")


def _documents_to_push(console: Console, path: Path | None, docs: Path | None, testset: Path | None,
                       languages: str | None, imports: list[str], reference_files: list[str],
                       ) -> tuple[list[AnnotatedDocument], int]:
    """The documents ``push`` was given (exactly one of: a folder of raw articles, AnnotatedDocument
    JSON Lines, a WMT test set), and how many input files were skipped; exits 2 on bad input."""
    if sum(x is not None for x in (path, docs, testset)) != 1:
        _fail("give one of: a folder of raw articles, --docs FILE.jsonl, --testset DIR", 2)
    if (imports or reference_files) and path is None:
        _fail("--import and --reference-file go with a folder of raw articles", 2)
    skipped_files = 0
    if testset is not None:
        from annotate.testset import TestSetError, read_testset, testset_documents

        try:
            documents = testset_documents(read_testset(testset, languages))
        except (TestSetError, OSError) as exc:
            _fail(str(exc), 2)
    elif path is not None:
        documents, skipped_files = _folder_documents(console, path, imports, reference_files)
    else:
        documents = _jsonl_documents(docs)
    if not documents:
        _fail("nothing to push (no documents)", 2)
    return documents, skipped_files


def _folder_documents(console: Console, path: Path, imports: list[str], reference_files: list[str],
                      ) -> tuple[list[AnnotatedDocument], int]:
    """A folder of raw articles through the one pipeline (annotate.pipeline: ingested, segmented,
    translated by every usable system, imported outputs and references added); files that could
    not be ingested and systems that cannot run are warnings. Returns (documents, skipped files)."""
    from annotate.pipeline import PipelineError, run_pipeline
    from annotate.terminal import print_warning
    from annotate.translate import TranslationError
    from annotate.translate.imported import ImportedOutputsError, ImportSpec

    try:
        specs = [ImportSpec.parse(spec) for spec in imports]
        refs = [ImportSpec.parse(spec) for spec in reference_files]
        with console.status("ingesting, segmenting and translating…"):
            result = run_pipeline(path, imports=specs, references=refs)
    except (PipelineError, ImportedOutputsError, TranslationError, ValueError) as exc:
        _fail(str(exc), 2)
    for problem in result.problems:
        print_warning(problem, console)
    for name, why in result.unavailable.items():
        print_warning(f"MT system {name} unavailable: {why}", console)
    return result.documents(), len(result.skipped)


def _jsonl_documents(docs: Path) -> list[AnnotatedDocument]:
    """AnnotatedDocument JSON Lines from a file (or stdin for ``-``); exits 2 if unreadable."""
    import sys

    from annotate.commands._io import JsonlError, read_records
    from annotate.records import AnnotatedDocument

    try:
        if str(docs) == "-":
            return list(read_records(AnnotatedDocument, sys.stdin))
        with open(docs, encoding="utf-8") as handle:
            return list(read_records(AnnotatedDocument, handle, name=str(docs)))
    except (OSError, JsonlError) as exc:
        _fail(str(exc), 2)


def _push_with_progress(console: Console, conn: Connection, documents: list[AnnotatedDocument], project: str,
                        **options: Any) -> PushReport:
    """push_documents with a progress bar (the tasks it imports), a line when another push from
    this machine holds the project, and SIGTERM taken as Ctrl-C (an interrupted push still says
    what the server committed); a failure exits 1 with the reason."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from annotate.labelstudio import LabelStudioError, push_documents
    from annotate.labelstudio.locking import sigterm_as_interrupt
    from annotate.terminal import line

    def waiting(holder: str) -> None:
        console.print(line(f"waiting for another push to this project from this machine to finish ({holder})…"))

    try:
        with sigterm_as_interrupt(), Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                              MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                              disable=not console.is_terminal) as bars:
            # the total (tasks to import) is known once the project's tasks are compared
            bar = bars.add_task(f"pushing {plural(len(documents), 'document')}: new or changed tasks imported",
                                total=None)
            return push_documents(conn, documents, project, on_wait=waiting,
                                  progress=lambda done, total: bars.update(bar, completed=done, total=total),
                                  **options)
    except (LabelStudioError, ValueError) as exc:  # PushInterrupted is a LabelStudioError
        _fail(str(exc))


def _print_push_report(console: Console, conn: Connection, report: PushReport) -> None:
    """What the push did: the summary, notes, duplicates, and the tasks it extended or left alone
    (each linked)."""
    from annotate.terminal import line, print_warning

    console.print(line(report.summary()))
    for note in report.notes:  # notes quote project titles
        print_warning(note, console, label="note:")
    if report.duplicate_inputs:
        print_warning(f"doc_ids given more than once (first kept): {report.duplicate_inputs}", console)
    if report.duplicate_tasks:
        print_warning("duplicate tasks left because someone worked on them (doc_id → task ids; the lowest id is "
                      f"the one push updates): {report.duplicate_tasks}", console)

    def list_tasks(heading: Text, tasks: dict[str, int]) -> None:
        console.print(heading)
        for doc_id, task_id in tasks.items():
            console.print(line(f"  doc {doc_id} → task {task_id} ({conn.task_url(report.project_id, task_id)})"))

    if report.extended:
        list_tasks(line(f"given the new systems' translations, annotations kept ({len(report.extended)} annotated "
                        "tasks; a new system stays unrated there until an annotator updates the annotation, "
                        "`annotate pull` lists them):"),
                   {doc_id: report.task_ids[doc_id] for doc_id in report.extended})
    if report.skipped_annotated:
        list_tasks(line(("not updated because annotators already worked on them (use --overwrite-annotated to "
                         "force):", "yellow")), report.skipped_annotated)
    if report.skipped_drafts:
        list_tasks(line(("not updated because an annotator has an unsubmitted draft on them (submit or delete it, "
                         "or use --overwrite-annotated to force):", "yellow")), report.skipped_drafts)


def _learn(console, export: Path, predictions: bool):
    """The error memory of an export's annotations (invalid annotations left out and counted)."""
    from annotate.commands.data import load_documents
    from annotate.error_memory import ErrorMemory

    if not predictions:
        _fail("--learn-from makes suggestions: it cannot go with --no-predictions", 2)
    problems: list = []
    try:
        memory = ErrorMemory.learn(load_documents(export, problems))
    except (ValueError, OSError) as exc:  # ExportError, JsonlError, MQMTsvError are ValueErrors
        _fail(f"--learn-from {export}: {exc}", 2)
    left_out = f"; {len(problems)} invalid annotation(s) left out" if problems else ""
    from annotate.terminal import line

    console.print(line(f"error memory: {len(memory)} phrase(s) to suggest, learned from {memory.annotations} "
                       f"annotation(s) in {export}{left_out}"))
    return memory
