"""Documents in ``doc_id`` order, each once, without a large build's documents all in memory.

A build writes its rows in ``doc_id`` order (the dataset then does not depend on the export's task
order), so it must see every document before writing the first row. Small inputs are simply held;
once the held documents pass ``spill_after_rows`` (segment, translation and rating rows, a proxy for their
size), the following ones go to an anonymous temporary file (pickled, one after the other: this
process writes and reads it) and only their ``doc_id`` → offset stays in memory. A 50k-document
export then costs the held documents plus a few MB of index instead of gigabytes of objects.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from annotate.dataset.checks import DatasetBuildError
from annotate.records import AnnotatedDocument

# Held as objects up to here (rows as document_rows counts them): measured 0.6–0.9 KB a row for
# Label Studio and WMT MQM documents, so 30–45 MB. Beyond it a build pays ~0.4 ms per document to
# spill and read back, and its memory stops growing with the input.
SPILL_AFTER_ROWS = 50_000


def document_rows(doc: AnnotatedDocument) -> int:
    """A document's size in rows: segments, translations and ratings (an MQM document's ratings,
    one per system, segment and rater, are most of its memory), a proxy for the memory it holds."""
    return len(doc.segments) + len(doc.translations) + sum(len(a.ratings) for a in doc.annotations)


class SortedDocuments:
    """Consume ``docs`` now; iterate them later in ``doc_id`` order (as often as wanted).

    Raises DatasetBuildError when a ``doc_id`` appears twice or there is no document. Use as a
    context manager (or call :meth:`close`) so a spilled file is released at once."""

    def __init__(self, docs: Iterable[AnnotatedDocument], *, spill_after_rows: int | None = None) -> None:
        limit = SPILL_AFTER_ROWS if spill_after_rows is None else spill_after_rows
        self._held: dict[str, AnnotatedDocument] = {}
        self._offsets: dict[str, tuple[int, int]] = {}  # doc_id → (offset, length) in the spill file
        self._spill: IO[bytes] | None = None
        self.n_translations = 0
        rows = 0
        try:
            for doc in docs:
                if doc.doc_id in self._held or doc.doc_id in self._offsets:
                    raise DatasetBuildError(f"document {doc.doc_id!r} appears twice in the input")
                self.n_translations += len(doc.translations)
                rows += document_rows(doc)
                if self._spill is None and rows > limit:
                    self._start_spilling()
                if self._spill is None:
                    self._held[doc.doc_id] = doc
                else:
                    self._write(doc)
        except BaseException:
            self.close()
            raise
        if not len(self):
            raise DatasetBuildError("no documents to build a dataset from")
        self._order = sorted([*self._held, *self._offsets])

    @property
    def spilled(self) -> bool:
        """Whether the documents went to a temporary file."""
        return self._spill is not None

    def __len__(self) -> int:
        return len(self._held) + len(self._offsets)

    def __iter__(self) -> Iterator[AnnotatedDocument]:
        for doc_id in self._order:
            held = self._held.get(doc_id)
            if held is not None:
                yield held
                continue
            assert self._spill is not None, "iterating closed SortedDocuments"
            offset, length = self._offsets[doc_id]
            self._spill.seek(offset)
            yield pickle.loads(self._spill.read(length))  # noqa: S301 (our own file, this process)

    def close(self) -> None:
        """Release the temporary file (deleted by the OS on close)."""
        if self._spill is not None:
            self._spill.close()

    def __enter__(self) -> SortedDocuments:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start_spilling(self) -> None:
        # The documents held so far stay held (their memory is bounded): only later ones pay.
        self._spill = tempfile.TemporaryFile(prefix="annotate-build-")  # noqa: SIM115 (closed in close())

    def _write(self, doc: AnnotatedDocument) -> None:
        assert self._spill is not None
        data = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
        self._spill.seek(0, 2)
        self._offsets[doc.doc_id] = (self._spill.tell(), len(data))
        self._spill.write(data)
