"""Which references a score is computed against: ONE choice, made here, that the report, the
``score`` command and the dataset all follow, and that every score names.

References are either the annotators' post-edits (:data:`POST_EDITS`) or human translations carried
as :class:`~annotate.records.Translation` records: imported ones have ``role="reference"`` (a test
set's ``references/<pair>.<name>.txt``, or ``--reference-file NAME=FILE`` for articles); a WMT MQM
file's ``ref`` is an ordinary system that can be named as the reference. Several names mean several
reference streams (sacrebleu's multi-reference BLEU / chrF++ / TER): a segment is scored only where
every named reference has it.

Unless the user names one, the choice is automatic: every imported reference if there is any (an
independent human translation is the better reference), else the post-edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annotate.records import AnnotatedDocument

POST_EDITS = "post_edits"
AUTO = "auto"


@dataclass(frozen=True)
class ReferenceChoice:
    """The references of an evaluation: ``names`` of reference translations (one stream each), or
    none for the post-edits."""

    names: tuple[str, ...] = ()

    @property
    def is_post_edits(self) -> bool:
        return not self.names

    @property
    def label(self) -> str:
        """What every score says it was computed against: ``post_edits`` or ``refA+refB``."""
        return POST_EDITS if self.is_post_edits else "+".join(self.names)

    def __str__(self) -> str:
        return self.label


def translation_names(docs: Iterable[AnnotatedDocument], role: str) -> list[str]:
    """Names of the translations of ``role`` ("mt": systems; "reference": imported references),
    in order of first appearance across documents."""
    seen: dict[str, None] = {}
    for doc in docs:
        for translation in doc.translations:
            if translation.role == role:
                seen.setdefault(translation.system, None)
    return list(seen)


def imported_reference_names(docs: Iterable[AnnotatedDocument]) -> list[str]:
    """Names of the imported references (``role="reference"``), in order of first appearance."""
    return translation_names(docs, "reference")


def choose_references(docs: Sequence[AnnotatedDocument], requested: str | None = None) -> ReferenceChoice:
    """The reference choice for ``docs``: ``requested`` is ``None``/``"auto"`` (every imported
    reference, else the post-edits), ``"post_edits"``, or comma-separated names of translations
    (imported references or systems, e.g. ``ref`` of a WMT MQM file). An unknown name is a
    ValueError listing the names there are."""
    if requested in (None, "", AUTO):
        return ReferenceChoice(tuple(imported_reference_names(docs)))
    if requested == POST_EDITS:
        return ReferenceChoice()
    names = tuple(dict.fromkeys(name.strip() for name in requested.split(",") if name.strip()))
    known = {t.system for doc in docs for t in doc.translations}
    known |= {r.system for doc in docs for a in doc.annotations for r in a.ratings}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(f"reference {requested!r}: no translations named {', '.join(unknown) or requested!r} "
                         f"(there are: {', '.join(sorted(known)) or 'none'}; or use {POST_EDITS!r})")
    return ReferenceChoice(names)
