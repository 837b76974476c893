"""Build-time validation of annotation records: every span must satisfy ``text == field[start:end]``,
every label must exist in annotate.schema, every rating must point at a translation we have.
Failures raise DatasetBuildError naming the document, annotator, layer, span and both texts."""

from __future__ import annotations

from collections.abc import Iterable

from annotate import schema
from annotate.records import AnnotatedDocument, DocumentAnnotation, ErrorSpan, Span

COMPLETED = "completed"
_MQM_CATEGORIES = frozenset(schema.mqm_category_names())
_SEVERITIES = frozenset(schema.severity_names())


class DatasetBuildError(ValueError):
    """Input records that cannot become a dataset; the message says what and where."""


def check_span(container: str, start: int, end: int, text: str, where: str) -> None:
    """Fail unless ``0 <= start <= end <= len(container)`` and ``container[start:end] == text``."""
    if not (0 <= start <= end <= len(container)):
        raise DatasetBuildError(f"{where}: offsets [{start}:{end}] outside the text (length {len(container)})")
    actual = container[start:end]
    if actual != text:
        raise DatasetBuildError(f"{where}: span text {text!r} != text[{start}:{end}] = {actual!r}")


def check_pseudonym(name: str, where: str) -> None:
    """Annotator names must be pseudonyms: an e-mail address never reaches the dataset."""
    if "@" in name:
        raise DatasetBuildError(
            f"{where}: annotator name looks like an e-mail address ({name.split('@', 1)[0][:2]}…@…); "
            "records must carry pseudonyms (annotate.labelstudio.export pseudonymises them)"
        )


def _check_labelled_spans(
    spans: Iterable[Span], allowed: list[str], text: str, layer: str, where: str
) -> None:
    allowed_set = set(allowed)
    for number, span in enumerate(spans, 1):
        span_where = f"{where}, {layer} #{number} ({span.label})"
        if span.label not in allowed_set:
            raise DatasetBuildError(f"{span_where}: unknown label {span.label!r} (schema: {', '.join(allowed)})")
        check_span(text, span.start, span.end, span.text, span_where)


def _check_error(error: ErrorSpan, mt: str, source: str, where: str) -> None:
    if error.category not in _MQM_CATEGORIES:
        raise DatasetBuildError(f"{where}: unknown MQM category {error.category!r}")
    if error.severity not in _SEVERITIES:
        raise DatasetBuildError(
            f"{where}: unknown severity {error.severity!r} (schema: {', '.join(schema.severity_names())})"
        )
    if error.side == "none":  # a WMT row with no span marked
        if (error.start, error.end, error.text) != (0, 0, ""):
            raise DatasetBuildError(f"{where}: an error with side 'none' has a span {error.start}:{error.end}")
        return
    check_span(source if error.side == "source" else mt, error.start, error.end, error.text,
               where if error.side == "target" else f"{where} (in the source)")


def check_annotation(doc: AnnotatedDocument, annotation: DocumentAnnotation, mt_by_key: dict) -> None:
    """Validate one annotator's work against the document text and the translations shown."""
    where = f"document {doc.doc_id!r}, annotator {annotation.annotator!r}"
    check_pseudonym(annotation.annotator, f"document {doc.doc_id!r}")
    _check_labelled_spans(annotation.entities, schema.entity_values(), doc.text, "entity", where)
    _check_labelled_spans(annotation.claims, schema.claim_type_values(), doc.text, "claim", where)
    seg_ids = {segment.seg_id for segment in doc.segments}
    post_edited: set[int] = set()
    for post_edit in annotation.post_edits:
        if post_edit.seg_id not in seg_ids:
            raise DatasetBuildError(f"{where}: post-edit for unknown segment {post_edit.seg_id}")
        if post_edit.seg_id in post_edited:
            raise DatasetBuildError(f"{where}: two post-edits of segment {post_edit.seg_id}")
        post_edited.add(post_edit.seg_id)
    rated: set[tuple[str, str, int]] = set()
    for rating in annotation.ratings:
        rating_where = f"{where}, rating of system {rating.system!r} segment {rating.seg_id}"
        if (rating.rater, rating.system, rating.seg_id) in rated:
            raise DatasetBuildError(f"{rating_where}: rated twice by {rating.rater!r} in one annotation")
        rated.add((rating.rater, rating.system, rating.seg_id))
        check_pseudonym(rating.rater, rating_where)
        mt = mt_by_key.get((rating.system, rating.seg_id))
        if mt is None:
            raise DatasetBuildError(f"{rating_where}: no such translation in the document")
        if rating.target != mt:
            raise DatasetBuildError(f"{rating_where}: rated target {rating.target!r} differs from the MT {mt!r}")
        for number, error in enumerate(rating.errors, 1):
            _check_error(error, mt, rating.source, f"{rating_where}, error #{number} ({error.category})")


def check_document(doc: AnnotatedDocument) -> dict[tuple[str, int], str]:
    """Validate a document's segments, translations and completed annotations.

    Returns the MT text of each (system, seg_id) for the row builders. Annotations that are not
    ``completed`` (drafts, cancelled) are not used in the dataset and therefore not checked.
    """
    where = f"document {doc.doc_id!r}"
    segment_text: dict[int, str] = {}
    for segment in doc.segments:
        if segment.seg_id in segment_text:
            raise DatasetBuildError(f"{where}: segment {segment.seg_id} appears twice")
        check_span(doc.text, segment.start, segment.end, segment.text, f"{where}, segment {segment.seg_id}")
        segment_text[segment.seg_id] = segment.text
    mt_by_key: dict[tuple[str, int], str] = {}
    for translation in doc.translations:
        # a test set may ship a reference among its systems too (refB): one of each role is fine
        key = (translation.system, translation.seg_id) if translation.role == "mt" else \
            (f"{translation.system}\0reference", translation.seg_id)
        t_where = f"{where}, translation by {translation.system!r} of segment {translation.seg_id}"
        if translation.seg_id not in segment_text:
            raise DatasetBuildError(f"{t_where}: no such segment")
        if key in mt_by_key:
            raise DatasetBuildError(f"{t_where}: appears twice")
        if translation.source != segment_text[translation.seg_id]:
            raise DatasetBuildError(
                f"{t_where}: source {translation.source!r} != segment text {segment_text[translation.seg_id]!r}"
            )
        mt_by_key[key] = translation.mt
    for annotation in doc.annotations:
        if annotation.status == COMPLETED:
            check_annotation(doc, annotation, mt_by_key)
    return mt_by_key
