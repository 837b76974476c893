"""``annotate annotators add|list``: the people who annotate, as Label Studio accounts on the local
server (or on the one ``--url``/``--token`` name). Passwords go to owner-only files, never to the
terminal; user data (emails, names, project titles) is printed as plain text, never as markup."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from annotate.commands.labelstudio import TOKEN_HELP, URL_HELP

annotators_app = typer.Typer(help="Annotator accounts on Label Studio: add them, see their progress.",
                             no_args_is_help=True)


def _connect(url: str | None, token: str | None):
    """The server (external if configured, else the local one, started if needed)."""
    from annotate.commands._io import fail
    from annotate.labelstudio import LabelStudioError, ensure_server

    try:
        return ensure_server(url, token)
    except LabelStudioError as exc:
        raise fail(exc, 1) from None


@annotators_app.command("add")
def add_command(
    emails: Annotated[list[str], typer.Argument(metavar="EMAIL", help="ana@example.org, or \"Ana García "
                                                "<ana@example.org>\" to set the name too.")],
    url: Annotated[Optional[str], typer.Option(help=URL_HELP)] = None,
    token: Annotated[Optional[str], typer.Option(help=TOKEN_HELP)] = None,
) -> None:
    """Create a Label Studio account for each email, in your organisation (so it sees the projects),
    with a generated password written to a file only you can read. An email that already has an
    account is reported and left as it is (its password is not changed)."""
    from annotate.commands._io import fail
    from annotate.labelstudio.annotators import AnnotatorError, add_annotators, parse_annotator
    from annotate.labelstudio.errors import LabelStudioError
    from annotate.terminal import line, make_console

    console = make_console(highlight=False, soft_wrap=True)  # a path broken over lines cannot be copied
    try:
        for spec in emails:  # a typo fails before the server is started or touched
            parse_annotator(spec)
    except AnnotatorError as exc:
        raise fail(exc, 2) from None
    conn = _connect(url, token)
    try:
        added = add_annotators(conn, emails)
    except LabelStudioError as exc:
        raise fail(exc, 1) from None
    for annotator in added:
        who = f"{annotator.name} <{annotator.email}>" if annotator.name else annotator.email
        if annotator.created:
            console.print(line(("added", "green"), f" {who}: password in {annotator.password_file} (mode 0600)"))
        elif annotator.password_file:
            console.print(line(("exists", "yellow"), f" {who}: password unchanged, in {annotator.password_file}"))
        else:
            console.print(line(("exists", "yellow"), f" {who}: password unchanged (not made here: no file of it)"))
    if any(a.created for a in added):
        console.print(line(f"they log in at {conn.display_url}/user/login/ with their email and that password; "
                           "send it to them over a private channel"))


@annotators_app.command("list")
def list_command(
    project: Annotated[Optional[str], typer.Option(help="Only this project (by title); default: all of them.")] = None,
    url: Annotated[Optional[str], typer.Option(help=URL_HELP)] = None,
    token: Annotated[Optional[str], typer.Option(help=TOKEN_HELP)] = None,
) -> None:
    """Who has an account, and their progress: per project, tasks they submitted / tasks (and skipped)."""
    from rich.text import Text

    from annotate.commands._io import fail
    from annotate.labelstudio.annotators import list_annotators
    from annotate.labelstudio.errors import LabelStudioError
    from annotate.terminal import PlainTable, make_console

    conn = _connect(url, token)
    try:
        annotators, projects = list_annotators(conn, project)
    except LabelStudioError as exc:
        raise fail(exc, 1) from None
    table = PlainTable("email", "name", "role", title=f"annotators on {conn.display_url}", title_justify="left")
    for info in projects:  # project titles are user data: Text headers are never read as markup
        table.add_column(Text(f"{info.title} (#{info.project_id})\nsubmitted / tasks"), justify="right")
    for annotator in annotators:
        cells = [f"{p.submitted} / {p.tasks}" + (f" ({p.skipped} skipped)" if p.skipped else "")
                 for p in annotator.progress]
        table.add_row(annotator.email, annotator.name, annotator.role, *cells)
    console = make_console(highlight=False)
    console.print(table)
    if projects:
        console.print(Text("tasks with a submitted annotation: " + ", ".join(
            f"{p.title} (#{p.project_id}) {p.submitted} / {p.tasks}" for p in projects)))


def register(app: typer.Typer) -> None:
    """Add ``annotate annotators``."""
    app.add_typer(annotators_app, name="annotators")
