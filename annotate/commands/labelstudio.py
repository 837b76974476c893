"""Subcommands: labelstudio (filled in by its stage)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
