"""Subcommands: ``annotate argos install PATH.argosmodel`` and ``annotate argos list``.

Package management goes through argostranslate (imported lazily, inside the commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from annotate.text import plural

argos_app = typer.Typer(
    name="argos",
    help="Manage Argos Translate packages (offline: install from an .argosmodel file).",
    no_args_is_help=True,
)


def _console(stderr: bool = False):  # noqa: ANN202 (rich.console.Console)
    from annotate.terminal import make_console

    return make_console(stderr=stderr, soft_wrap=False)


@argos_app.command("install")
def install_command(
    path: Annotated[Path, typer.Argument(help="An Argos Translate package file (.argosmodel).")],
) -> None:
    """Install an Argos Translate package from a local .argosmodel file."""
    from annotate.commands._io import fail
    from annotate.terminal import line
    from annotate.translate.argos import ArgosPackageError, install_package

    try:
        info = install_package(path)
    except ArgosPackageError as exc:
        raise fail(exc, 2) from None
    console = _console()
    console.print(line("installed ", (info.version, "bold"), f" ({info.from_code} → {info.to_code}) in {info.path}"))
    if info.is_test_fixture:
        console.print(
            "[yellow]note:[/] this is a TEST FIXTURE package (random weights, garbage output); it is only "
            "used when asked for by name: --system argos-test-fixture"
        )


@argos_app.command("list")
def list_command() -> None:
    """List installed Argos Translate packages and which one the `argos` system uses."""
    from rich.text import Text

    from annotate.commands._io import fail
    from annotate.terminal import PlainTable, line
    from annotate.translate.argos import REAL_PACKAGE_HINT, ArgosPackageError, argos_translator, installed_packages
    from annotate.translate.base import TranslatorUnavailable

    try:
        packages = installed_packages()
    except ArgosPackageError as exc:
        raise fail(exc, 2) from None
    try:
        used = argos_translator().package_info.path
    except TranslatorUnavailable:
        used = None
    table = PlainTable(title=plural(len(packages), "installed Argos package"))
    for column in ("package", "version", "languages", "note", "path"):
        table.add_column(column, overflow="fold")
    for info in packages:
        if info.is_test_fixture:
            note = Text("TEST FIXTURE (garbage output)", style="yellow")
        else:
            note = "used by `argos`" if info.path == used else ""
        table.add_row(info.name, info.package_version, f"{info.from_code} → {info.to_code}", note, str(info.path))
    console = _console()
    console.print(table)
    if used is None:
        console.print(line(("the `argos` system is unavailable:", "yellow"), " ", REAL_PACKAGE_HINT))


def register(app: typer.Typer) -> None:
    """Add ``annotate argos …`` to the `annotate` app."""
    app.add_typer(argos_app, name="argos")
