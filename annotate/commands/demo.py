"""``annotate demo``: the whole product on a folder of articles (the seeds by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    source_dir: Annotated[Path, typer.Argument(help="Folder of raw articles (the seeds).")] = Path("seeds"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where the dataset and report go.")] = Path("out/demo"),
) -> None:
    """Run every stage on SOURCE_DIR: ingest, segment, translate, Label Studio, dataset, report."""
    from rich.console import Console

    from annotate.demo import run_demo

    raise typer.Exit(run_demo(source_dir, out_dir, Console()))


def register(app: typer.Typer) -> None:
    """Add ``annotate demo``."""
    app.command("demo")(demo_command)
