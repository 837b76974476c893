"""Bulk import in chunks: a small first call, each next one larger, the next chunk built while the
server imports the previous one. Each call is atomic on the server, so an interrupted import leaves
whole chunks behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotate.labelstudio import client as api
from annotate.labelstudio.connection import Connection
from annotate.labelstudio.errors import LabelStudioError
from annotate.records import AnnotatedDocument

DEFAULT_CHUNK_SIZE = 5000  # the largest import call; calls start small and double up to it
FIRST_CHUNK_SIZE = 250  # small, so the server starts working while the client builds the rest
# Each next call is this many times larger: the client builds + encodes a task ~4x faster than
# the server imports one (bench_labelstudio.py), so a 4x larger chunk is ready when the previous
# import ends, with as few calls as that allows (each call costs the server a project-wide update).
CHUNK_GROWTH = 4


def chunk_bounds(total: int, largest: int, first: int = FIRST_CHUNK_SIZE,
                 growth: int = CHUNK_GROWTH) -> list[tuple[int, int]]:
    """Import calls as (start, end): the first small, each next ``growth`` times the size, up to
    ``largest``. Each call costs the server a fixed overhead that grows with the project, so few
    calls are best; a small first one lets the server start early."""
    bounds, start, size = [], 0, max(1, min(first, largest))
    while start < total:
        bounds.append((start, min(total, start + size)))
        start += size
        size = min(largest, size * max(2, growth))
    return bounds


def import_pipelined(ls: Any, conn: Connection, project_id: int, items: list[tuple[AnnotatedDocument, dict | None]],
                     build: Callable[..., dict], chunk_size: int,
                     imported: Callable[[list[str], list[int], int], None]) -> None:
    """Bulk-import in chunks, building chunk k+1 (task JSON, suggestions) while the server imports
    chunk k: the client's work hides behind the server's. Chunks still go one at a time, in
    order, and a chunk is sent only after the previous one succeeded."""
    from concurrent.futures import ThreadPoolExecutor

    def send(body: bytes, count: int) -> list[int]:
        ids = api.import_tasks(ls, conn, project_id, body, count)
        if len(ids) != count:
            raise LabelStudioError(f"import into project {project_id} returned {len(ids)} task ids for "
                                   f"{count} tasks")
        return ids

    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ls-import") as sender:
        in_flight = None  # (doc_ids, future)
        for start, end in chunk_bounds(len(items), chunk_size):
            chunk = items[start:end]
            body = api.encode_tasks([build(doc, task_json) for doc, task_json in chunk])  # off the critical path
            if in_flight is not None:
                doc_ids, future = in_flight
                done += len(doc_ids)
                imported(doc_ids, future.result(), done)
            in_flight = ([doc.doc_id for doc, _ in chunk], sender.submit(send, body, len(chunk)))
        if in_flight is not None:
            doc_ids, future = in_flight
            imported(doc_ids, future.result(), done + len(doc_ids))
