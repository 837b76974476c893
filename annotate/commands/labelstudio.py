"""Subcommands for Label Studio: ``server start|stop|status``, ``push`` (in :mod:`annotate.commands.push`),
``pull``.

Every command that talks to a server uses, in order: ``--url``/``--token``, then
``ANNOTATE_LS_URL``/``ANNOTATE_LS_TOKEN``, then the SDK's ``LABEL_STUDIO_URL``/
``LABEL_STUDIO_API_KEY``, else the local server (started if needed). Tokens are never printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from annotate.text import plural

URL_HELP = "URL of a running Label Studio (else ANNOTATE_LS_URL / LABEL_STUDIO_URL, else the local server)."
TOKEN_HELP = "Its API token (else ANNOTATE_LS_TOKEN / LABEL_STUDIO_API_KEY). Prefer the env var: flags show in `ps`."
PROJECT_HELP = "Project title (found by title, created if missing)."


def _console(stderr: bool = False):
    from annotate.terminal import make_console

    return make_console(stderr=stderr, highlight=False)


def _fail(message: str, code: int = 1) -> None:
    from annotate.terminal import print_error

    print_error(message, label="error:", style="red")  # messages quote user data: printed as plain text
    raise typer.Exit(code)


def _connect(url: str | None, token: str | None):
    """External connection if configured, else start/reuse the local server."""
    from annotate.labelstudio import LabelStudioError, ensure_server

    try:
        return ensure_server(url, token)
    except LabelStudioError as exc:
        _fail(str(exc))


server_app = typer.Typer(help="Run a local Label Studio (SQLite or PostgreSQL, loopback unless --host, data in "
                              "the state folder).", no_args_is_help=True)

DATABASE_HELP = ("sqlite (one user at a time) or postgresql (a team: a private cluster in the state folder, "
                 "or --database-url). Recorded on first start; later starts use the recorded one.")
DATABASE_URL_HELP = ("An existing PostgreSQL: postgresql://user:pass@host:port/db (implies --database postgresql; "
                     "the password is kept in a 0600 file and never printed). Prefer the env var: flags show in `ps`.")
HOST_HELP = ("Address to listen on (default 127.0.0.1: this machine only). 0.0.0.0 or this machine's address lets "
             "annotators on other machines in: plain HTTP, so only on a network you trust (see the README, "
             "'Working as a team'); sign-up then needs the organisation's invite link.")
PORT_HELP = "Port to listen on (default: a free one, printed). An asked port that is taken is an error."


@server_app.command("start")
def server_start(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server (a first start migrates ~1 min).")] = 240.0,
    database: Annotated[Optional[str], typer.Option(help=DATABASE_HELP)] = None,
    database_url: Annotated[Optional[str], typer.Option(help=DATABASE_URL_HELP, envvar="ANNOTATE_DATABASE_URL",
                                                        show_envvar=True)] = None,
    host: Annotated[Optional[str], typer.Option(help=HOST_HELP, show_default=False)] = None,
    port: Annotated[Optional[int], typer.Option(help=PORT_HELP, min=1, max=65535)] = None,
) -> None:
    """Start the local server (or reuse the running one) and print its URL and login."""
    from annotate.labelstudio import LabelStudioError
    from annotate.labelstudio.listen import LOOPBACK, Listen
    from annotate.labelstudio.postgres import describe_database, ensure_server_on
    from annotate.labelstudio.server import server_status, stop_command
    from annotate.terminal import line, print_warning

    console = _console(stderr=True)
    with console.status("starting Label Studio (a first start takes about a minute)…"):
        try:
            # asked: a server running elsewhere is an error; not asked: any running one, else loopback
            listen = Listen(host or LOOPBACK, port) if host is not None or port is not None else None
            conn = ensure_server_on(database, database_url, timeout=timeout, listen=listen)
        except LabelStudioError as exc:
            _fail(str(exc))
    status = server_status()
    console.print(line("Label Studio is running at ", (conn.display_url, "bold"), f" (pid {conn.pid})"))
    bound_host, _, bound_port = (status.listening or LOOPBACK).rpartition(":")
    if bound_host and Listen(bound_host).beyond_loopback:  # said at every start, not only the first
        print_warning(f"it listens on {status.listening}, beyond this machine: annotators reach it at "
                      f"http://<this machine's address>:{bound_port}. Its plain HTTP carries passwords and API tokens "
                      "in clear, so only on a network you trust (or behind HTTPS); sign-up needs the invite link "
                      "(`annotate annotators add` makes the accounts).", console)
    console.print(line(f"database: {describe_database()}"))
    console.print(line(f"log in as {conn.username}; password and API token are in {status.credentials_path} "
                       "(mode 0600)"))
    console.print(line(f"stop it with: {stop_command()}"), soft_wrap=True)  # one line to copy


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local server (SIGTERM, then SIGKILL after a grace period)."""
    from annotate.labelstudio.server import stop_server

    stopped = stop_server()
    _console(stderr=True).print("stopped" if stopped else "no local server was running")


@server_app.command("status")
def server_status_command() -> None:
    """Is the local server running? Where are its URL, log and credentials?"""
    from annotate.labelstudio.postgres import describe_database
    from annotate.labelstudio.server import server_status
    from annotate.terminal import line

    status = server_status()
    console = _console()
    if status.running:
        console.print(line(f"running at {status.url} (pid {status.pid}), listening on {status.listening}"))
    else:
        console.print("not running")
    console.print(line(f"database: {describe_database()}\ncredentials: {status.credentials_path}\n"
                       f"log: {status.log_path}\ndata: {status.data_dir}"))
    if not status.running:
        raise typer.Exit(3)


def pull_command(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Where to save the export JSON (the input of "
                                                "`annotate build`); default out/labelstudio-<project>.json.")] = None,
    project: Annotated[str, typer.Option(help=PROJECT_HELP)] = "annotate: es-en news",
    project_id: Annotated[Optional[int], typer.Option(
        "--project-id", help="Pull the project with this id instead of finding it by title (needed when several "
        "projects share the title: pull then lists them).")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Also write the parsed AnnotatedDocument records "
                                        "to stdout, one per line.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Annotations that fail validation are "
                                               "listed as warnings (exit 0) and left out of --jsonl; default: "
                                               "listed as errors (exit 1, nothing on stdout).")] = False,
    problems_file: Annotated[Optional[Path], typer.Option("--problems", metavar="FILE", help="Write every "
                                                          "validation problem there, with the link to its task "
                                                          "(JSON Lines; empty when there is none).")] = None,
    timeout: Annotated[float, typer.Option(
        metavar="SECONDS", envvar="ANNOTATE_PULL_TIMEOUT", show_envvar=True,
        help="Give up after this many seconds of waiting for the server (every call of the pull together: the "
             "export snapshot, its download), with a message saying what it was waiting for. Counted once the "
             "server answers (starting the local one waits on its own).")] = 600.0,
    url: Annotated[Optional[str], typer.Option(help=URL_HELP)] = None,
    token: Annotated[Optional[str], typer.Option(help=TOKEN_HELP)] = None,
) -> None:
    """Export the project's annotations (snapshot API), save the JSON and check every span; list
    every annotation that fails the check, with a link to its task. A spinner shows what it waits
    for and for how long."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from annotate.commands.problems import print_problems, write_problems
    from annotate.labelstudio import ExportError, LabelStudioError, pull
    from annotate.progress import print_progress

    if not 0 < timeout < float("inf"):
        _fail(f"--timeout must be a number of seconds above 0, got {timeout:g}", 2)
    console = _console(stderr=True)
    conn = _connect(url, token)
    # The phase names the project (user text): shown as plain text, never as markup. Off when stderr
    # is no terminal (a log file gets the outcome, not spinner frames).
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                  TextColumn(f"(gives up after {timeout:g} s)", markup=False), console=console, transient=True,
                  disable=not console.is_terminal) as spinner:
        phase = spinner.add_task("connecting", total=None)
        try:
            result = pull(conn, project, out, project_id=project_id, timeout=timeout,
                          on_phase=lambda text: spinner.update(phase, description=text))
        except (ExportError, LabelStudioError) as exc:
            spinner.stop()  # the error goes below a cleared line, not inside the live display
            _fail(str(exc))
    counts: dict[str, int] = {}
    for document in result.documents:
        for annotation in document.annotations:
            counts[annotation.status] = counts.get(annotation.status, 0) + 1
    detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no annotations yet"
    from annotate.terminal import line

    # the --out path is the user's text: printed as it is, never read as markup
    console.print(line(f"project {result.project_id}: {plural(result.tasks, 'task')}, {detail}; saved {result.path}"))
    _print_unstarted(console, result.unstarted, result.tasks)
    from annotate.references import PostEditTally

    if boxes := PostEditTally.of(result.documents).describe():  # a box left as it started is no reference
        console.print(f"post-edit boxes of the submitted annotations: {boxes}")

    def task_url(task_id: int) -> str:
        return conn.task_url(result.project_id, task_id)

    print_progress(console, result.documents, task_url)

    if problems_file:
        write_problems(problems_file, result.problems, task_url)
    if result.problems:
        print_problems(console, result.problems, source=f"project {result.project_id}", fatal=not skip_invalid,
                       task_url=task_url, problems_file=problems_file)
        if not skip_invalid:
            console.print(line(f"the export is saved, whole, at {result.path}: fix them in Label Studio (links "
                               "above) and pull again, or build from it with --skip-invalid"), highlight=False)
            raise typer.Exit(1)
    if jsonl:
        from annotate.commands._io import write_records

        write_records(result.documents)


UNSTARTED_SHOWN = 5  # unstarted tasks named in the pull summary; the others are counted


def _print_unstarted(console, unstarted: list[tuple[str, int]], tasks: int) -> None:
    """``not started (no annotation, no draft): 3 of 10 tasks: doc a (task 7), …`` (doc_ids as plain text)."""
    from annotate.terminal import line

    if not unstarted:
        console.print(f"not started (no annotation, no draft): none of the {plural(tasks, 'task')}")
        return
    named = ", ".join(f"{doc_id or '?'} (task {task_id})" for doc_id, task_id in unstarted[:UNSTARTED_SHOWN])
    more = f" … and {len(unstarted) - UNSTARTED_SHOWN} more" if len(unstarted) > UNSTARTED_SHOWN else ""
    console.print(line(f"not started (no annotation, no draft): {len(unstarted)} of {plural(tasks, 'task')}: ",
                       named, more))


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
    app.add_typer(server_app, name="server")
    from annotate.commands.push import push_command  # here: that module imports this one's helpers

    app.command("push")(push_command)
    app.command("pull")(pull_command)
