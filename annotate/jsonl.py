"""JSON Lines between stages: one record per line, read strictly (a bad line names its file and
line), so stage commands compose in pipes (``--jsonl``) and library stages read the same files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

from annotate.records import Record, RecordError

R = TypeVar("R", bound=Record)


class JsonlError(RecordError):
    """A line of JSON Lines input that is not a valid record: says which file and line, and why
    (``docs.jsonl:3: not a valid AnnotatedDocument record: AnnotatedDocument.annotations[0].status:
    'compelted' is not one of completed, …``)."""


def read_records(cls: type[R], stream: IO[str] | None = None, *, name: str = "<stdin>") -> Iterator[R]:
    """Parse one record per non-blank line, strictly (Record.from_dict: unknown keys, wrong types
    and unknown enum values are errors); a bad line raises JsonlError naming ``name`` and the line."""
    stream = stream if stream is not None else sys.stdin
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line.rstrip("\r\n"))  # the line end is not part of a cut-off string
        except json.JSONDecodeError as exc:
            raise JsonlError(f"{name}:{number}: not a valid {cls.__name__} record: not JSON "
                             f"({exc.msg}: column {exc.colno})") from None
        try:
            record = cls.from_dict(data)
        except RecordError as exc:
            raise JsonlError(f"{name}:{number}: not a valid {cls.__name__} record: {exc}") from None
        yield record


def write_records(records: Iterable[Record], stream: IO[str] | None = None) -> int:
    """Write one JSON object per line; returns how many were written."""
    stream = stream if stream is not None else sys.stdout
    count = 0
    for record in records:
        stream.write(record.to_json() + "\n")
        count += 1
    stream.flush()
    return count
