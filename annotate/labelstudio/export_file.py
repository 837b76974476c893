"""Reading a saved Label Studio JSON export file: a list of tasks, at once or task by task.
What a task holds is ``export.py``'s business."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from annotate.labelstudio.errors import ExportError

# Exports from this size up are read task by task (bounded memory) instead of at once (faster).
STREAM_FROM_BYTES = 16 * 2**20


def load_export(path: Path | str) -> list[dict[str, Any]]:
    """Read a saved export file; a truncated or non-list file is a clear ExportError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the export: {exc}") from exc
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # also invalid UTF-8; a json.JSONDecodeError subclass
        raise ExportError(f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                          f"{_hint(exc.msg)}") from exc
    if not isinstance(data, list):
        raise ExportError(f"{path}: a Label Studio JSON export is a list of tasks, got {type(data).__name__}")
    return data


def iter_export_tasks(path: Path | str) -> Iterator[dict[str, Any]]:
    """The tasks of a saved export file, in file order. Files from STREAM_FROM_BYTES up are parsed
    task by task (ijson) so a huge export never sits in memory whole; smaller ones at once (orjson,
    a third faster). Errors as :func:`load_export`'s: what is wrong, and where."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the export: {exc}") from exc
    if size < STREAM_FROM_BYTES:
        tasks = load_export(path)
        tasks.reverse()
        while tasks:  # each raw task is let go once the caller has it: never two full copies
            yield tasks.pop()
        return
    import ijson

    with path.open("rb") as stream:
        head = stream.read(64).lstrip()
        if not head.startswith(b"["):
            raise ExportError(f"{path}: a Label Studio JSON export is a list of tasks; the file starts with "
                              f"{head[:20]!r}")
        stream.seek(0)
        count, last_id = 0, None
        try:
            for task in ijson.items(stream, "item", use_float=True):
                count, last_id = count + 1, task.get("id") if isinstance(task, dict) else None
                yield task
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise ExportError(f"{path}: not valid JSON after {count} complete tasks"
                              f"{f' (the last one: task {last_id})' if last_id is not None else ''}: "
                              f"{_first_line(exc)}; {_hint(str(exc))}") from exc


def _first_line(exc: Exception) -> str:
    """yajl's message without the excerpt it draws below it (bytes in some versions)."""
    message = exc.args[0] if exc.args else str(exc)
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__


def _hint(message: str) -> str:
    return "the file is not UTF-8" if "utf" in message.lower() else "the export may be truncated — pull it again"
