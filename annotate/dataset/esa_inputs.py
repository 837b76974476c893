"""Which build inputs hold ESA ratings, and how they are read.

* An ESA file (:func:`is_esa_file`): Appraise's ESA CSV (``.csv``, the only CSV ``annotate build``
  reads) or WMT24's ESA JSON Lines (``.jsonl`` whose first record has ``esa_score``: a ``.jsonl``
  of AnnotatedDocument records, the ``--jsonl`` pipes' format, has none). It makes a dataset of
  the ESA configs alone (:mod:`annotate.dataset.esa_build`).
* Several inputs are read as one set of ESA ratings (WMT's waves): each must be an ESA file or a
  Label Studio export of an ESA project alone (:func:`export_beyond_esa` says what else an export
  holds); its documents then make no config of their own.
* A Label Studio export with ESA tasks (``data.protocol == "esa"``): its ESA ratings are read by
  :func:`annotate.labelstudio.esa.esa_ratings` in a pass of their own over the file
  (:func:`read_export_esa`), because the document pass (``annotate.labelstudio.export``, owned
  elsewhere) hands over parsed documents, not tasks. An export that holds no ESA task pays a byte
  search for ``"protocol"`` only (a task's data key as Label Studio writes it), not a second parse.
  The document pass reads an ESA task's article and translations as for any task; the MQM parser
  leaves its ESA spans and scores alone (no entity, claim or MQM rating comes of them), and
  :func:`without_esa_annotations` leaves its annotations out of the MQM configs, since the ``esa``
  config holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate.dataset.esa_rows import ESAInput
from annotate.esa.records import ESARating
from annotate.languages import LanguagePair
from annotate.records import AnnotatedDocument

_PROTOCOL_KEY = b'"protocol"'
_CHUNK = 1 << 20
WMT24_SCORE_KEY = "esa_score"  # every WMT24 ESA JSON Lines record has it; an AnnotatedDocument has not


def is_esa_file(path: Path) -> bool:
    """Is ``path`` an ESA file (Appraise CSV, or WMT24 JSON Lines judged by its first record)?"""
    import orjson

    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return True
    if suffix != ".jsonl":
        return False
    with path.open("rb") as stream:
        for line in stream:
            if line.strip():
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    return False  # the AnnotatedDocument reader says what is wrong, where
                return isinstance(record, dict) and WMT24_SCORE_KEY in record
    return False


def _mentions(path: Path, needle: bytes) -> bool:
    """Does the file contain ``needle``? Read in chunks that overlap by its length (bounded memory)."""
    tail = b""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def export_beyond_esa(path: Path) -> str | None:
    """What a Label Studio export holds beyond ESA ratings (``"3 MQM tasks"``, ESA pages that also
    ask for entities or post-edits, no ESA task at all), None when every task is an ESA page and
    nothing more: only then can its ratings join other ESA files' without losing anything.
    ExportError (a ValueError naming the file) when it is not an export."""
    from annotate.labelstudio.esa import is_esa_task, task_extras
    from annotate.labelstudio.export_file import iter_export_tasks
    from annotate.text import plural

    if not _mentions(path, _PROTOCOL_KEY):  # an MQM project's export: no second parse to say so
        return "a Label Studio export without ESA tasks (an MQM project's?)"
    esa = other = extras = 0
    for task in iter_export_tasks(path):
        data = task.get("data") if isinstance(task, dict) else None
        if not is_esa_task(data):
            other += 1
        elif task_extras(data):
            extras += 1
        else:
            esa += 1
    if not esa and not extras:
        return "a Label Studio export without ESA tasks (an MQM project's?)"
    beyond = [plural(other, "MQM task")] if other else []
    if extras:
        beyond.append(f"{plural(extras, 'ESA page')} that also {'asks' if extras == 1 else 'ask'} for entities, "
                      "claims or post-edits")
    return f"a Label Studio export with {' and '.join(beyond)}" if beyond else None


@dataclass
class ExportESA:
    """The ESA part of a Label Studio export: its ratings, its ESA tasks, what could not be read."""

    ratings: list[ESARating] = field(default_factory=list)
    task_ids: set[Any] = field(default_factory=set)
    doc_ids: set[str] = field(default_factory=set)
    with_extras: set[str] = field(default_factory=set)  # doc_ids whose page also asked for entities or post-edits
    problems: list[str] = field(default_factory=list)  # unreadable ratings (each left out whole)

    def as_input(self) -> ESAInput:
        """The ratings for the build (the card counts the problems as ratings left out)."""
        return ESAInput(self.ratings, "the Label Studio export's ESA tasks", n_unreadable=len(self.problems))


def read_export_esa(path: Path, languages: LanguagePair | None = None) -> ExportESA | None:
    """The ESA ratings of a Label Studio export file (``languages``: their pair, overriding each task's own),
    or None when it holds no ESA task. ExportError (a ValueError) when the file is not an export."""
    from annotate.labelstudio.esa import esa_ratings, is_esa_task, task_extras
    from annotate.labelstudio.export_file import iter_export_tasks

    if not path.is_file() or not _mentions(path, _PROTOCOL_KEY):
        return None
    found = ExportESA()
    for task in iter_export_tasks(path):
        data = task.get("data") if isinstance(task, dict) else None
        if not is_esa_task(data):
            continue
        found.task_ids.add(task.get("id"))
        found.doc_ids.add(str(data.get("doc_id")))
        if task_extras(data):
            found.with_extras.add(str(data.get("doc_id")))
        # one task at a time: the export is never held whole for its ESA part
        found.ratings.extend(esa_ratings([task], languages, found.problems))
    return found if found.task_ids else None


def without_esa_annotations(docs: Iterable[AnnotatedDocument], esa: ExportESA) -> Iterator[AnnotatedDocument]:
    """``docs`` with the annotations and predictions of ESA tasks whose page asked for ESA alone
    left out: the ``esa`` config holds them, and such an annotation has no entities, claims or MQM
    rating (it would otherwise count as an annotated document, with no entity, in the other
    configs). An ESA page that also asked for entities and claims or post-edits keeps them (never
    an MQM rating: the parser reads none on an ESA page)."""
    for doc in docs:
        if doc.doc_id in esa.doc_ids and doc.doc_id not in esa.with_extras:
            doc.annotations, doc.predictions = [], []
        yield doc
