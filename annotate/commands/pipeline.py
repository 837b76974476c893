"""Subcommands of the text pipeline: ``ingest`` (raw files → Articles), ``segment`` (Articles →
Segments). Each stage reads/writes JSON Lines with ``--jsonl`` so stages compose in pipes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from annotate.text import plural

JSONL_HELP = "Write one JSON object per line to stdout (for pipes) instead of a table."


def _console(stderr: bool = False):  # rich is light, but keep imports local like the others
    from annotate.terminal import make_console

    return make_console(stderr=stderr, soft_wrap=False)


def _ingest(path: Path, pattern: str, explain: bool, explain_to_stderr: bool):
    """Ingest a folder (or one file); print the --explain tables; return (results, errors)."""
    from annotate.ingest.articles import ingest_dir_explained
    from annotate.commands._io import fail

    try:
        results, errors = ingest_dir_explained(path, pattern)
    except FileNotFoundError as exc:
        raise fail(exc, 2) from None
    if explain:
        console = _console(stderr=explain_to_stderr)
        for article, result in results:
            console.print(_explain_table(article.source_name, result))
    return results, errors


def _explain_table(name: str, result):
    """One row per non-blank line of a raw file: its role, the rule that gave it, and its text
    (plain text: a scraped line holding ``[/b]`` is shown as it is)."""
    from annotate.ingest.chrome import BLANK, RULES
    from annotate.terminal import PlainTable

    descriptions = {rule.name: rule.description for rule in RULES}

    table = PlainTable(title=f"{name}: why each line was kept or removed", title_justify="left")
    for column in ("line", "role", "rule"):
        table.add_column(column, no_wrap=True)
    table.add_column("detail", ratio=1, overflow="fold")
    table.add_column("text", ratio=2, overflow="fold")
    styles = {"removed": "red", "caption": "yellow", "attribution": "cyan", "title": "bold green"}
    for decision in sorted(result.decisions, key=lambda d: d.line.number):
        if decision.role == BLANK:
            continue
        text = decision.line.text or repr(decision.line.raw)
        detail = decision.detail or descriptions.get(decision.rule, "")
        table.add_row(str(decision.line.number), decision.role, decision.rule, detail,
                      text if len(text) <= 90 else text[:87] + "…", style=styles.get(decision.role))
    return table


def _stdin_if_dash(path: Optional[Path]) -> Optional[Path]:
    """``-`` means "read JSON Lines from stdin", as the README's ``segment DIR|-`` documents."""
    return None if path is not None and str(path) == "-" else path


def _report_failures(errors) -> None:
    """List files that could not be ingested (after the good ones were written) and exit 1."""
    if errors:
        from annotate.terminal import line

        console = _console(stderr=True)
        console.print(line((f"{plural(len(errors), 'file')} could not be ingested:", "red")))
        for error in errors:
            console.print(line("  ", ("✗", "red"), f" {error.path}: {error.reason}"))
        raise typer.Exit(1)


def ingest_command(
    path: Annotated[Path, typer.Argument(help="Folder of raw UTF-8 article files (or one file).")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help=JSONL_HELP)] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show, line by line, which rule kept or "
                                          "removed it (to stderr with --jsonl).")] = False,
    pattern: Annotated[str, typer.Option("--glob", help="Which files of the folder to read.")] = "*.txt",
) -> None:
    """Read raw scraped articles, strip page chrome, and output clean Article records."""
    from annotate.commands._io import write_records

    results, errors = _ingest(path, pattern, explain, explain_to_stderr=jsonl)
    if jsonl:
        write_records(article for article, _ in results)
    else:
        from annotate.terminal import PlainTable

        table = PlainTable(title=f"{plural(len(results), 'article')} from {path}")
        table.add_column("file", overflow="fold")
        table.add_column("doc_id", overflow="fold")
        table.add_column("title", overflow="fold", ratio=1)
        for column in ("paragraphs", "captions", "chars", "removed"):
            table.add_column(column, justify="right")
        for article, result in results:
            removed = result.removed_lines
            table.add_row(article.source_name, article.doc_id, article.title, str(len(article.paragraphs)),
                          str(len(article.captions)), str(len(article.text)), str(removed))
        _console().print(table)
    _report_failures(errors)


def segment_command(
    path: Annotated[Optional[Path], typer.Argument(
        help="Folder of raw articles to ingest and segment in one go; without it (or with -), read "
             "Article JSON Lines from stdin (annotate ingest DIR --jsonl | annotate segment).")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help=JSONL_HELP)] = False,
    pattern: Annotated[str, typer.Option("--glob", help="Which files of the folder to read.")] = "*.txt",
) -> None:
    """Split Articles into numbered sentences (Segments) with offsets into Article.text."""
    from annotate.commands._io import JsonlError, fail, read_records, write_records
    from annotate.pipeline import PipelineError, ingest_and_segment, segment_articles
    from annotate.records import Article

    path = _stdin_if_dash(path)
    if path is not None:
        try:
            result = ingest_and_segment(path, pattern)
        except PipelineError as exc:
            raise fail(exc, exc.exit_code) from None
    elif sys.stdin.isatty():
        raise fail("give a folder of raw articles, or pipe Article JSON Lines in: "
                   "annotate ingest DIR --jsonl | annotate segment", 2)
    else:
        try:
            result = segment_articles(list(read_records(Article)))
        except JsonlError as exc:
            raise fail(exc, 2) from None
    if jsonl:
        write_records(result.segments)
    else:
        from annotate.terminal import PlainTable

        console = _console()
        segments = result.segments_by_doc()
        for article in result.articles:
            table = PlainTable(title=f"{article.source_name or article.doc_id}: {article.title}",
                               title_justify="left")
            for column in ("seg", "par", "start", "end"):
                table.add_column(column, justify="right", no_wrap=True)
            table.add_column("text", overflow="fold")
            for seg in segments[article.doc_id]:
                table.add_row(str(seg.seg_id), str(seg.paragraph), str(seg.start), str(seg.end), seg.text)
            console.print(table)
    _report_failures(result.skipped)


def translate_command(
    path: Annotated[Optional[Path], typer.Argument(
        help="Folder of raw articles to ingest, segment and translate in one go; without it (or with "
             "-), read Segment JSON Lines from stdin (annotate segment DIR --jsonl | annotate translate).")] = None,
    system: Annotated[Optional[list[str]], typer.Option(
        "--system", "-s", help="MT system to use (repeatable): apertium, argos, argos-test-fixture. "
                               "Default: every usable real system.")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help=JSONL_HELP)] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1,
                                            help="Sentences per system call (and per cache commit).")] = 1024,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the translation "
                                           "cache (.annotate/translations.sqlite).")] = False,
    imports: Annotated[Optional[list[str]], typer.Option(
        "--import", metavar="NAME=FILE", help="Also output another system's translations from a file, as system "
        "NAME (repeatable): JSON Lines keyed by doc_id + seg_id, or plain text, one line per segment.")] = None,
    reference_files: Annotated[Optional[list[str]], typer.Option(
        "--reference-file", metavar="NAME=FILE", help="Also output a human reference NAME from a file "
        "(role \"reference\"; same formats; repeatable).")] = None,
) -> None:
    """Machine-translate Segments with every usable MT system (cached), output Translations."""
    from annotate.commands._io import fail, write_records
    from annotate.pipeline import PipelineError, translate
    from annotate.terminal import line, print_warning
    from annotate.translate import TranslationError
    from annotate.translate.imported import ImportedOutputsError, ImportSpec
    from annotate.translate.stage import progress_bars, read_segments, summary_table

    err = _console(stderr=True)
    try:
        result = read_segments(_stdin_if_dash(path))
        specs = [ImportSpec.parse(spec) for spec in imports or []]
        refs = [ImportSpec.parse(spec) for spec in reference_files or []]
        with progress_bars() as bars:
            translate(result, system or [], imports=specs, references=refs, use_cache=not no_cache,
                      batch_size=batch_size, progress=bars,
                      on_unavailable=lambda name, reason: print_warning(reason, err, label=f"{name} not used:"))
    except TranslationError as exc:  # batches finished before the failure are already cached
        raise fail(exc, 1) from None
    except (PipelineError, ImportedOutputsError, ValueError) as exc:
        raise fail(exc, getattr(exc, "exit_code", 2)) from None
    if jsonl:
        write_records(result.translations)
    else:
        _console().print(summary_table(result.runs))
        for imported in result.imported:
            err.print(line(f"imported {imported.spec.name} ({'reference' if imported.role == 'reference' else 'system'}) "
                           f"from {imported.spec.path}: {len(imported.translations)} of "
                           f"{plural(len(result.segments), 'segment')}, {imported.translations[0].system_version}"))
    for problem in result.problems:
        err.print(line("  ", ("✗", "red"), f" {problem}"))
    if result.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
    app.command("ingest")(ingest_command)
    app.command("segment")(segment_command)
    app.command("translate")(translate_command)
