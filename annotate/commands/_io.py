"""JSON Lines in and out, so stage commands compose in pipes (``--jsonl``)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

from annotate.records import Record

R = TypeVar("R", bound=Record)


class JsonlError(ValueError):
    """A line of JSON Lines input that is not a valid record: says which line and why."""


def read_records(cls: type[R], stream: IO[str] | None = None, *, name: str = "<stdin>") -> Iterator[R]:
    """Parse one record per non-blank line; a bad line raises JsonlError naming the line."""
    stream = stream if stream is not None else sys.stdin
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield cls.from_json(line)
        except (ValueError, TypeError, KeyError) as exc:
            raise JsonlError(f"{name}:{number}: not a valid {cls.__name__} record: {exc}") from exc


def write_records(records: Iterable[Record], stream: IO[str] | None = None) -> int:
    """Write one JSON object per line; returns how many were written."""
    stream = stream if stream is not None else sys.stdout
    count = 0
    for record in records:
        stream.write(record.to_json() + "\n")
        count += 1
    stream.flush()
    return count
