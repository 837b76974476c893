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

Post-edits as references: :func:`post_edits_by_segment` is the ONE place that orders them, for the
dataset (``reference`` = the first, ``references`` = all) and the report (reference stream ``i`` =
the ``i``-th): the post-edits of the completed annotations, in rank order
(:meth:`~annotate.records.AnnotatedDocument.ranked_annotations`, THE ranking: a reviewer's choice
first, then the most complete), blank ones left out. Only edited or confirmed boxes are post-edits at all
(:mod:`annotate.labelstudio.post_edits`); :class:`PostEditTally` counts what became of every box.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotate.records import COUNTED_STATUSES, AnnotatedDocument, DocumentAnnotation
from annotate.text import plural

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


@dataclass(frozen=True)
class SegmentPostEdit:
    """One annotator's post-edit of a segment, as a reference."""

    annotator: str
    text: str


def post_editors(doc: AnnotatedDocument, statuses: Sequence[str] = COUNTED_STATUSES) -> list[DocumentAnnotation]:
    """The annotations whose post-edits are references, best first: the completed ones in rank
    order (:meth:`~annotate.records.AnnotatedDocument.ranked_annotations`), then those of any other
    status in ``statuses``, in export order."""
    ranked = doc.ranked_annotations() if "completed" in statuses else []
    return ranked + [a for a in doc.annotations if a.status in statuses and a.status != "completed"]


def post_edits_by_segment(doc: AnnotatedDocument,
                          statuses: Sequence[str] = COUNTED_STATUSES) -> dict[int, list[SegmentPostEdit]]:
    """seg_id → every (non-blank) post-edit of it, best first (see :func:`post_editors`): the
    first is THE reference of the segment, in the dataset and in the report."""
    by_segment: dict[int, list[SegmentPostEdit]] = {}
    for annotation in post_editors(doc, statuses):
        for post_edit in annotation.post_edits:
            if post_edit.text.strip():
                by_segment.setdefault(post_edit.seg_id, []).append(SegmentPostEdit(annotation.annotator, post_edit.text))
    return dict(sorted(by_segment.items()))


@dataclass
class PostEditTally:
    """What became of the post-edit boxes of the counted annotations: ``edited`` (post-edits),
    ``confirmed`` (left as the prefilled output and ticked "Correct as is": post-edits too) and
    ``ignored`` (left as they started, unconfirmed, or blank: no post-edits); ``starts``: what the
    boxes started with → documents (a system's name, ``""`` for empty boxes; documents not from
    Label Studio are not counted)."""

    edited: int = 0
    confirmed: int = 0
    ignored: int = 0
    starts: Counter = field(default_factory=Counter)

    def add(self, doc: AnnotatedDocument, statuses: Sequence[str] = COUNTED_STATUSES) -> None:
        """Count one document's boxes."""
        counted = [a for a in doc.annotations if a.status in statuses]
        if doc.post_edit_prefill is not None:
            self.starts[doc.post_edit_prefill] += 1
        for annotation in counted:
            confirmed = sum(p.confirmed for p in annotation.post_edits if p.text.strip())
            self.confirmed += confirmed
            self.edited += sum(1 for p in annotation.post_edits if p.text.strip()) - confirmed
            self.ignored += len(annotation.ignored_post_edits)

    @classmethod
    def of(cls, docs: Iterable[AnnotatedDocument], statuses: Sequence[str] = COUNTED_STATUSES) -> PostEditTally:
        """The tally of ``docs``."""
        tally = cls()
        for doc in docs:
            tally.add(doc, statuses)
        return tally

    def __bool__(self) -> bool:
        return bool(self.edited or self.confirmed or self.ignored)

    def describe_starts(self) -> str:
        """How the boxes started: ``"with the apertium output (5 documents)"``, ``"empty (2
        documents)"``, joined by "; "; ``""`` when unknown."""
        return "; ".join(f"{f'with the {start} output' if start else 'empty'} ({plural(n, 'document')})"
                         for start, n in sorted(self.starts.items()))

    def describe(self) -> str:
        """One line: "40 edited, 2 confirmed unchanged, 3 ignored (left as they started or blank);
        the boxes started with the apertium output (5 documents)"; "" when no box was counted."""
        if not self:
            return ""
        counts = (f"{self.edited} edited, {self.confirmed} confirmed unchanged (\u201cCorrect as is\u201d), "
                  f"{self.ignored} ignored (left as they started, unconfirmed, or blank)")
        return f"{counts}; the boxes started {self.describe_starts()}" if self.starts else counts

    def as_dict(self) -> dict[str, object]:
        """For scores.json and the dataset card."""
        return {"edited": self.edited, "confirmed": self.confirmed, "ignored": self.ignored,
                "starts": dict(sorted(self.starts.items()))}
