"""What the translations lost: the entities and claims that an omission marked in the source covers.

Entities and claims are annotated on the source text, and omissions are marked on the source words
the translation lost (Google's MQM protocol, and the labeling UI's "Omission in …" buttons). An
omission that overlaps an entity or a claim therefore says, exactly and with no word alignment,
that this name or this fact is missing from that system's translation. Errors marked in the MT (a
mistranslated name) are not counted: without an alignment, their source words are unknown.

Whose entities and claims: the rater's own annotation of the document when it has any (the same
person read the source), else the document's primary annotation (the dataset's ranking: a reviewer's
choice first, then the most complete). A span lost in one system counts once per system, however
many raters marked the omission.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotate.records import AnnotatedDocument, DocumentAnnotation, Span
from annotate.scoring.mqm import COUNTED_STATUSES

OMISSION = "Accuracy/Omission"
LAYERS: tuple[str, ...] = ("entities", "claims")


@dataclass(frozen=True)
class LostSpan:
    """An entity or claim of the source that an omission in one system's translation covers."""

    system: str
    doc_id: str
    seg_id: int
    layer: str  # "entities" | "claims"
    label: str  # entity label or claim type
    start: int  # offsets of the entity / claim in AnnotatedDocument.text
    end: int
    text: str
    omitted: str  # the source words the rater marked as omitted
    severity: str
    rater: str


@dataclass
class OmissionReport:
    """Omissions marked in the source, per system, and the entities and claims they cover."""

    omissions: dict[str, int] = field(default_factory=dict)  # system → omissions marked in the source
    lost: list[LostSpan] = field(default_factory=list)  # one per (omission, span it covers)
    has_spans: bool = False  # whether any document with an omission has entities or claims annotated

    @property
    def systems(self) -> list[str]:
        return sorted(self.omissions)

    def distinct(self, system: str, layer: str) -> list[LostSpan]:
        """The spans of ``layer`` lost in ``system``, each once (whichever raters marked it)."""
        seen: dict[tuple, LostSpan] = {}
        for item in self.lost:
            if item.system == system and item.layer == layer:
                seen.setdefault((item.doc_id, item.start, item.end, item.label), item)
        return list(seen.values())

    def labels(self, system: str, layer: str) -> Counter[str]:
        """Label → how many distinct spans of ``layer`` ``system`` lost."""
        return Counter(item.label for item in self.distinct(system, layer))

    def examples(self, n: int) -> list[LostSpan]:
        """Up to ``n`` distinct lost spans, in system, document and text order."""
        items = [item for system in self.systems for layer in LAYERS for item in self.distinct(system, layer)]
        return sorted(items, key=lambda x: (x.system, x.doc_id, x.seg_id, x.start, x.layer))[:n]


def _spans_of(annotation: DocumentAnnotation | None) -> dict[str, list[Span]]:
    return {"entities": annotation.entities, "claims": annotation.claims} if annotation else {}


def lost_in_translation(docs: Iterable[AnnotatedDocument], *,
                        statuses: Sequence[str] = COUNTED_STATUSES) -> OmissionReport | None:
    """The omissions marked in the source and what they cover; None when no rater marked an
    omission in the source (nothing to say, rather than "nothing was lost")."""
    report = OmissionReport()
    for doc in docs:
        segment_start = {segment.seg_id: segment.start for segment in doc.segments}
        primary = _spans_of(doc.primary_annotation())
        for annotation in doc.annotations:
            if annotation.status not in statuses:
                continue
            own = _spans_of(annotation)
            spans = own if any(own.values()) else primary
            for rating in annotation.ratings:
                for error in rating.errors:
                    if error.side != "source" or error.category != OMISSION:
                        continue
                    report.omissions[rating.system] = report.omissions.get(rating.system, 0) + 1
                    report.has_spans = report.has_spans or any(spans.values())
                    offset = segment_start.get(rating.seg_id)
                    if offset is None or error.start == error.end:
                        continue
                    start, end = offset + error.start, offset + error.end
                    for layer in LAYERS:
                        for span in spans.get(layer, []):
                            if max(span.start, start) < min(span.end, end):
                                report.lost.append(LostSpan(
                                    rating.system, doc.doc_id, rating.seg_id, layer, span.label, span.start,
                                    span.end, span.text, error.text, error.severity, annotation.annotator))
    return report if report.omissions else None
