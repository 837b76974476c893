"""``annotate review``: which annotation of each task is final, and marking it from the command line.

``annotate review`` lists the documents with several completed annotations (``--all``: every
annotated one) and, for each annotation, what it holds, how a reviewer marked it and which one the
dataset and the report take (:meth:`~annotate.records.AnnotatedDocument.primary_choice`, the ONE
ranking); ``annotate review DOC`` lists one document; ``annotate review DOC --final ID`` ticks
"Final" in annotation ``ID`` through the API, the mark a reviewer ticks in the labeling page
(:mod:`annotate.labelstudio.adjudicate`). ``--export FILE`` reads a pulled export instead of the
server (listing only).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from annotate.commands._io import fail
from annotate.labelstudio.push import DEFAULT_PROJECT_TITLE
from annotate.records import AnnotatedDocument, PrimaryChoice
from annotate.text import plural

_STATE_WORDS = {"reviewed": "reviewed", "conflicting": "CONFLICTING marks (the policy chose among them)",
                "unreviewed": "UNREVIEWED (the policy chose)", "single": "one annotation",
                "unannotated": "no completed annotation"}


def _documents(project: str, export: Path | None, url: str | None, token: str | None,
               ) -> tuple[list[AnnotatedDocument], int, tuple[Any, int] | None]:
    """The parsed documents (invalid annotations left out), how many problems were set aside, and
    the connection (None when read from ``export``)."""
    from annotate.labelstudio import LabelStudioError, ensure_server, pull
    from annotate.labelstudio.export import ExportError, read_export_documents

    problems: list = []
    try:
        if export is not None:
            return list(read_export_documents(export, problems=problems)), len(problems), None
        conn = ensure_server(url, token)
        with tempfile.TemporaryDirectory(prefix="annotate-review-") as folder:  # pull's file is not wanted here
            result = pull(conn, project, Path(folder) / "export.json")
        return result.documents, len(result.problems), (conn, result.project_id)
    except (ExportError, LabelStudioError, OSError) as exc:
        raise fail(str(exc), code=1) from None


def _json(choice: PrimaryChoice, doc: AnnotatedDocument) -> str:
    ranked = doc.ranked_annotations()
    return json.dumps({
        "doc_id": doc.doc_id, "task_id": ranked[0].task_id if ranked else None, "state": choice.state,
        "primary": choice.annotation.annotation_id if choice.annotation else None,
        "annotations": [{"annotation_id": a.annotation_id, "annotator": a.annotator, "completeness": a.completeness,
                         "updated_at": a.updated_at, "marked_final": a.marked_final, "ground_truth": a.ground_truth}
                        for a in ranked]}, ensure_ascii=False)


def _print_documents(docs: list[AnnotatedDocument], task_url: Callable[[int], str] | None) -> None:
    from annotate.terminal import PlainTable, line, make_console

    console = make_console()
    table = PlainTable("document", "annotation", "annotator", title="completed annotations, primary first",
                       title_justify="left")
    for column in ("entities", "claims", "errors", "post-edits"):
        table.add_column(column, justify="right")
    for column in ("updated (UTC)", "reviewer's mark", "taken"):
        table.add_column(column)
    for doc in docs:
        choice = doc.primary_choice()
        ranked = doc.ranked_annotations()
        where = f"{doc.doc_id} (task {ranked[0].task_id})" if ranked else doc.doc_id
        if ranked and task_url and ranked[0].task_id is not None:
            where = f"{doc.doc_id}\n{task_url(ranked[0].task_id)}"
        for index, annotation in enumerate(ranked):
            table.add_row(where if index == 0 else "", str(annotation.annotation_id), annotation.annotator,
                          str(len(annotation.entities)), str(len(annotation.claims)),
                          str(sum(len(r.errors) for r in annotation.ratings)),
                          str(sum(1 for p in annotation.post_edits if p.text.strip())),
                          annotation.updated_at[:16].replace("T", " "), annotation.review_mark or "—",
                          _STATE_WORDS[choice.state] if index == 0 else "", end_section=index == len(ranked) - 1)
    console.print(table)
    counts = {state: sum(1 for doc in docs if doc.primary_choice().state == state) for state in _STATE_WORDS}
    console.print(line(f"{plural(len(docs), 'document')}: {counts['reviewed']} reviewed, {counts['unreviewed']} "
                       f"unreviewed, {counts['conflicting']} with conflicting marks. Mark one: tick \u201cFinal\u201d in "
                       "the labeling page and Update, or `annotate review DOC --final ANNOTATION_ID`."))


def review_command(
    doc: Annotated[Optional[str], typer.Argument(metavar="[DOC]", help="A document (doc_id): list its "
                                                 "annotations, or mark one final with --final.")] = None,
    final: Annotated[Optional[int], typer.Option("--final", metavar="ANNOTATION_ID", help="Tick \u201cFinal\u201d "
                                                 "in this annotation of DOC (and take every other reviewer's mark, "
                                                 "tick or star, off the task's other annotations).")] = None,
    project: Annotated[str, typer.Option(help="Project title.")] = DEFAULT_PROJECT_TITLE,
    every: Annotated[bool, typer.Option("--all", help="List every annotated document, not only those with "
                                        "several annotations.")] = False,
    export: Annotated[Optional[Path], typer.Option(help="List from this pulled export instead of the server.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per document on stdout.")] = False,
    url: Annotated[Optional[str], typer.Option(help="URL of a running Label Studio (else ANNOTATE_LS_URL / "
                                               "LABEL_STUDIO_URL, else the local server).")] = None,
    token: Annotated[Optional[str], typer.Option(help="Its API token (else ANNOTATE_LS_TOKEN / "
                                                 "LABEL_STUDIO_API_KEY).")] = None,
) -> None:
    """Which annotation of each task is final (the one the dataset and the report take), and why;
    with DOC --final ID, mark it final in Label Studio."""
    from annotate.terminal import line, make_console

    if final is not None:
        if doc is None:
            raise fail("--final needs the document: annotate review DOC --final ANNOTATION_ID")
        if export is not None:
            raise fail("--final marks the annotation in Label Studio: leave out --export")
        from annotate.labelstudio import LabelStudioError, ensure_server
        from annotate.labelstudio.adjudicate import mark_final

        try:
            conn = ensure_server(url, token)
            mark = mark_final(conn, project, doc, final)
        except LabelStudioError as exc:
            raise fail(str(exc), code=1) from None
        console = make_console(stderr=True)
        for change in mark.changes or [f"annotation {final} was already the only one marked final"]:
            console.print(line(change))
        console.print(line(f"document {doc}: annotation {final} is final ", conn.task_url(mark.project_id, mark.task_id)))
        return

    docs, set_aside, server = _documents(project, export, url, token)
    if doc is not None:
        docs = [d for d in docs if d.doc_id == doc]
        if not docs:
            raise fail(f"no document {doc!r} in {export or f'project {project!r}'}", code=1)
    elif not every:
        docs = [d for d in docs if d.primary_choice().candidates > 1]
    else:
        docs = [d for d in docs if d.primary_choice().candidates > 0]
    if as_json:
        for document in docs:
            typer.echo(_json(document.primary_choice(), document))
        return
    task_url: Callable[[int], str] | None = None
    if server is not None:
        conn, project_id = server
        task_url = lambda task_id: conn.task_url(project_id, task_id)  # noqa: E731
    if not docs:
        make_console(stderr=True).print("no document has several completed annotations (--all lists every one)")
    else:
        _print_documents(docs, task_url)
    if set_aside:
        make_console(stderr=True).print(line(f"{plural(set_aside, 'invalid part')} of the export left out "
                                             "(`annotate pull` lists them)"))


def register(app: typer.Typer) -> None:
    """Add ``annotate review`` to the app."""
    app.command("review")(review_command)
