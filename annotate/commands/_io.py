"""What commands share for input and output: JSON Lines in and out (:mod:`annotate.jsonl`, re-exported
here for the commands), and :func:`fail`, the one way a command reports an error and exits (the
message, which quotes file names and user data, is never read as rich markup: see
:mod:`annotate.terminal`)."""

from __future__ import annotations

import typer

from annotate.jsonl import JsonlError, read_records, write_records

__all__ = ["JsonlError", "fail", "read_records", "write_records"]


def fail(message: object, code: int = 2) -> typer.Exit:
    """Print ``error: <message>`` on stderr, as plain text, and return the Exit to raise:
    ``raise fail(f"{path}: no such file")``."""
    from annotate.terminal import print_error

    print_error(message)
    return typer.Exit(code)
