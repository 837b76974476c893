"""Reading a saved Label Studio JSON export file: a list of tasks, at once or task by task.
What a task holds is ``export.py``'s business."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from annotate.labelstudio import task_shape as ts
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


TaskKey = tuple[Any, Any]  # (id, data.doc_id) of a task, as the file holds them (None where missing)


def task_key(task: Any) -> TaskKey:
    """(``id``, ``data.doc_id``) of an exported task, as found (None where missing)."""
    if not isinstance(task, dict):
        return None, None
    return task.get(ts.TASK_ID), ts.data_doc_id(task)


def iter_export_tasks(path: Path | str) -> Iterator[dict[str, Any]]:
    """The tasks of a saved export file, in file order. Files from STREAM_FROM_BYTES up are parsed
    task by task (ijson) so a huge export never sits in memory whole; smaller ones at once (orjson,
    a third faster). Errors as :func:`load_export`'s: what is wrong, and where."""
    path = Path(path)
    if _size(path) < STREAM_FROM_BYTES:
        yield from _handed_over(load_export(path))
    else:
        yield from _streamed(path)


def read_export_tasks(path: Path | str) -> tuple[list[TaskKey], Iterator[dict[str, Any]]]:
    """(id, doc_id) of EVERY task of the file (:func:`task_key`, in file order), known before the
    first task is read (duplicates are judged on them), and the tasks, as :func:`iter_export_tasks`
    gives them. A file from STREAM_FROM_BYTES up is read twice for it: once for the keys alone
    (bounded memory), once task by task; a file that is not valid JSON fails on the first read,
    before any task is handed over."""
    path = Path(path)
    if _size(path) < STREAM_FROM_BYTES:
        tasks = load_export(path)
        return [task_key(task) for task in tasks], _handed_over(tasks)
    return _scanned_keys(path), _streamed(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the export: {exc}") from exc


def _handed_over(tasks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    tasks.reverse()
    while tasks:  # each raw task is let go once the caller has it: never two full copies
        yield tasks.pop()


def _check_head(path: Path, stream: Any) -> None:
    head = stream.read(64).lstrip()
    if not head.startswith(b"["):
        raise ExportError(f"{path}: a Label Studio JSON export is a list of tasks; the file starts with "
                          f"{head[:20]!r}")
    stream.seek(0)


def _invalid(path: Path, count: int, last_id: Any, exc: Exception) -> ExportError:
    return ExportError(f"{path}: not valid JSON after {count} complete tasks"
                       f"{f' (the last one: task {last_id})' if last_id is not None else ''}: "
                       f"{_first_line(exc)}; {_hint(str(exc))}")


def _streamed(path: Path) -> Iterator[dict[str, Any]]:
    import ijson

    with path.open("rb") as stream:
        _check_head(path, stream)
        count, last_id = 0, None
        try:
            for task in ijson.items(stream, "item", use_float=True):
                count, last_id = count + 1, task.get("id") if isinstance(task, dict) else None
                yield task
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _invalid(path, count, last_id, exc) from exc


_SCALARS = frozenset(("string", "number", "boolean", "null"))


def _scanned_keys(path: Path) -> list[TaskKey]:
    """:func:`task_key` of every task, from ijson's event stream (no task is built). Errors as
    :func:`_streamed`'s, with the same counts."""
    import ijson

    keys: list[TaskKey] = []
    with path.open("rb") as stream:
        _check_head(path, stream)
        task_id = doc_id = None
        try:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if prefix == "item":
                    if event == "start_map" or event == "start_array":
                        task_id = doc_id = None
                    elif event != "map_key":  # the item ends (a scalar item is whole at once)
                        keys.append((task_id, doc_id))
                elif prefix == "item.id" and event in _SCALARS:
                    task_id = value
                elif prefix == "item.data.doc_id" and event in _SCALARS:
                    doc_id = value
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            last_id = keys[-1][0] if keys else None
            raise _invalid(path, len(keys), last_id, exc) from exc
    return keys


def _first_line(exc: Exception) -> str:
    """yajl's message without the excerpt it draws below it (bytes in some versions)."""
    message = exc.args[0] if exc.args else str(exc)
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__


def _hint(message: str) -> str:
    return "the file is not UTF-8" if "utf" in message.lower() else "the export may be truncated — pull it again"
