"""Records → Label Studio task JSON: one task per article carrying every system's translation,
optional pre-annotations (``predictions``) and optional annotations (gold, imported in bulk).

Task identity is the article's ``doc_id``, stored in ``data.doc_id`` and ``meta.doc_id``. The
data also carries what export needs to map regions back (see :mod:`annotate.labelstudio.layout`):
``text`` (Article.text), ``source`` (numbered display), ``mt_<key>`` per system, and per segment
its offsets in every display text and the text its post-edit box starts with (``mt``; what that
is, is recorded in ``meta.post_edit_prefill``: :mod:`annotate.labelstudio.post_edits`), and
the documents' language pair, which pull gives back to each document. Every key of that layout
is :mod:`annotate.labelstudio.task_shape`'s; this module fills it in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from annotate import schema
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.results import (
    as_rendered,
    region_choice_result,
    region_textarea_result,
    span_result,
    textarea_result,
)
from annotate.labelstudio.layout import Line, article_to_line, build_display, number_prefix, on_one_line
from annotate.labelstudio.post_edits import confirmation_result, same_text
from annotate.labelstudio.pseudonyms import completed_by_email, imported_user_email
from annotate.labelstudio.review import with_final_mark
from annotate.languages import LanguagePair
from annotate.references import translation_names
from annotate.records import AnnotatedDocument, DocumentAnnotation, ErrorSpan, Span, Translation


class TaskBuildError(ValueError):
    """A document that cannot become a task (inconsistent segments, unknown system…)."""


def document_systems(docs: Sequence[AnnotatedDocument]) -> list[str]:
    """MT system names in order of first appearance across documents (imported references are
    not systems: annotators never rate them; they travel in the task data's ``references``)."""
    return translation_names(docs, "mt")


def _region_id(*parts: object) -> str:
    """A deterministic 10-character region id (Label Studio's own ids are 10 characters too)."""
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()[:10]


def _sorted_segments(doc: AnnotatedDocument):
    segments = sorted(doc.segments, key=lambda s: s.seg_id)
    previous_end = -1
    for segment in segments:
        if doc.text[segment.start:segment.end] != segment.text:
            raise TaskBuildError(f"doc {doc.doc_id}: segment {segment.seg_id} text {segment.text!r} != "
                                 f"text[{segment.start}:{segment.end}] {doc.text[segment.start:segment.end]!r}")
        if segment.start < previous_end:
            raise TaskBuildError(f"doc {doc.doc_id}: segment {segment.seg_id} overlaps the previous segment")
        previous_end = segment.end
    if not segments:
        raise TaskBuildError(f"doc {doc.doc_id}: has no segments (segment it before pushing)")
    return segments


def task_data(doc: AnnotatedDocument, systems: Sequence[str], post_edit_prefill: str | None = None) -> dict[str, Any]:
    """The ``data`` of the task for ``doc`` in a project showing ``systems`` (in that order).
    A system with no output for a segment shows an empty line, marked ``missing``. The post-edit
    boxes start with the output of the system ``post_edit_prefill`` (None: the first system's;
    ``""``: they start empty)."""
    keys = lsconfig.system_keys(systems)
    if post_edit_prefill is None:
        post_edit_prefill = systems[0] if systems else ""
    if post_edit_prefill and post_edit_prefill not in keys:
        raise TaskBuildError(f"doc {doc.doc_id}: post-edit boxes cannot start with the output of "
                             f"{post_edit_prefill!r}, which is not one of the project's systems {list(systems)}")
    segments = _sorted_segments(doc)
    by_system: dict[str, dict[int, Translation]] = {system: {} for system in systems}
    versions: dict[str, str] = {system: "" for system in systems}
    references: dict[str, ts.ReferenceEntry] = {}
    for translation in doc.translations:
        if translation.role == "reference":  # kept in the task for the scores, never shown to rate
            entry = references.setdefault(translation.system, ts.ReferenceEntry(translation.system,
                                                                                translation.system_version))
            entry.texts[str(translation.seg_id)] = translation.mt
            continue
        if translation.system not in by_system:
            raise TaskBuildError(f"doc {doc.doc_id}: translation by {translation.system!r}, which is not one "
                                 f"of the project's systems {list(systems)}")
        by_system[translation.system][translation.seg_id] = translation
        versions[translation.system] = versions[translation.system] or translation.system_version

    source_display, source_at = build_display([Line(s.seg_id, s.paragraph, s.text) for s in segments])
    mt_displays: dict[str, str] = {}
    per_segment: list[dict[str, ts.SystemOutput]] = [{} for _ in segments]
    for system in systems:
        lines = [Line(s.seg_id, s.paragraph, by_system[system][s.seg_id].mt if s.seg_id in by_system[system] else "")
                 for s in segments]
        display, starts = build_display(lines)
        mt_displays[keys[system]] = display
        for index, segment in enumerate(segments):
            translation = by_system[system].get(segment.seg_id)
            per_segment[index][keys[system]] = ts.SystemOutput(
                text=lines[index].text, at=starts[index], missing=translation is None,
                unknown_words=tuple(translation.unknown_words) if translation is not None else ())
    return ts.TaskData(
        doc_id=doc.doc_id, title=doc.title, source_name=doc.source_name, text=doc.text,
        source_display=source_display,
        systems=[ts.SystemColumn(system, keys[system], versions[system]) for system in systems],
        mt_displays=mt_displays,
        segments=[ts.SegmentEntry(
            seg_id=segment.seg_id, paragraph=segment.paragraph, start=segment.start, end=segment.end,
            source=segment.text, label=number_prefix(segment.seg_id) + on_one_line(segment.text),
            prefill=per_segment[index][keys[post_edit_prefill]].text if post_edit_prefill else "",
            src_at=source_at[index], outputs=per_segment[index]) for index, segment in enumerate(segments)],
        references=list(references.values()),
        languages=_pair(doc),
    ).to_json()


def same_data(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Is task data ``new`` what ``old`` holds? A task without a language pair
    (:data:`~annotate.labelstudio.task_shape.LANGUAGE_PAIR`: pushed before tasks recorded one) holds
    es-en's, so re-pushing its es-en documents changes nothing, annotated or not. (Another pair is
    an added key: :func:`extends_data`, a safe update.)"""
    if old == new:
        return True
    return (ts.LANGUAGE_PAIR not in old and new.get(ts.LANGUAGE_PAIR) == str(ts.UNRECORDED_PAIR)
            and {key: value for key, value in new.items() if key != ts.LANGUAGE_PAIR} == old)


def _pair(doc: AnnotatedDocument) -> LanguagePair | None:
    """``doc``'s language pair, None when its records do not state both languages."""
    pair = LanguagePair(doc.source_language, doc.target_language)
    return pair if pair.known else None


def extends_data(old: Any, new: Any) -> bool:
    """Does task data ``new`` only ADD to ``old``? Every key of a mapping kept, every list kept as
    a prefix, every other value equal. Then every region an annotation holds still points at the
    same text: the display texts (``source``, ``mt_<key>``) and each segment's offsets are values
    that must be equal, so what changes is only what a new system brings (its text, its per-segment
    entries, its line in ``systems``). A task whose data changes this way can be updated under its
    annotations without invalidating one."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(key in new and extends_data(value, new[key]) for key, value in old.items())
    if isinstance(old, list):
        return isinstance(new, list) and len(new) >= len(old) and all(map(extends_data, old, new))
    return type(old) is type(new) and old == new


def keep_unseen_marks(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Copy into ``new`` task data the :data:`~annotate.labelstudio.task_shape.UNSEEN_BY` marks that
    ``old`` carries, system by system (a rebuilt task has none; without them a re-push would see the
    data as changed)."""
    marks = ts.unseen_marks(old)
    for system in new[ts.SYSTEMS]:
        if system[ts.SYSTEM_NAME] in marks:
            system[ts.UNSEEN_BY] = marks[system[ts.SYSTEM_NAME]]


def mark_unseen(old: dict[str, Any], new: dict[str, Any], submitted: dict[str, str]) -> None:
    """In ``new`` task data (which :func:`extends_data` ``old``), mark each system that ``old``
    lacks as unseen by the ``submitted`` annotations ({annotation id: updated_at}): their
    annotators were never shown it, so the export does not count them as rating it."""
    before = ts.system_names(old)
    for system in new[ts.SYSTEMS]:
        if system[ts.SYSTEM_NAME] not in before and submitted:
            ts.set_unseen(system, submitted)


def unrated_systems(doc: AnnotatedDocument, systems: Sequence[str]) -> list[str]:
    """The ``systems`` that none of ``doc``'s imported annotations rates, when they rate some (the
    team's gold rating two of three columns): imported with the task, they must be marked unseen
    (:func:`mark_unrated`), or the export would read the annotation as "no error" on them."""
    rated = {r.system for a in doc.annotations if a.status == "completed" for r in a.ratings}
    return [system for system in systems if system not in rated] if rated else []


def mark_unrated(data: dict[str, Any], unrated: Sequence[str], submitted: dict[str, str]) -> None:
    """In imported task ``data``, mark ``unrated`` systems as unseen by the ``submitted``
    annotations ({annotation id: updated_at}), as :func:`mark_unseen` does for added systems."""
    for system in data[ts.SYSTEMS]:
        if system[ts.SYSTEM_NAME] in unrated and submitted:
            ts.set_unseen(system, submitted)


# ── records → result items ────────────────────────────────────────────────────────────────────


# Region texts are written as the UI writes them (see export.as_rendered): CR LF as two LFs.
def _source_region(data: dict[str, Any], span: Span) -> tuple[int, int, str]:
    """Display offsets (and text) on the numbered source of an Article.text span."""
    text = data[ts.TEXT]
    if text[span.start:span.end] != span.text:
        raise TaskBuildError(f"doc {data[ts.DOC_ID]}: {span.label} span text {span.text!r} != "
                             f"text[{span.start}:{span.end}] {text[span.start:span.end]!r}")
    segments = ts.segments(data)
    starts = [s[ts.START] for s in segments]
    ends = [s[ts.END] for s in segments]
    first, local_start = article_to_line(starts, ends, span.start, is_end=False)
    last, local_end = article_to_line(starts, ends, span.end, is_end=True)
    start = segments[first][ts.SRC_AT] + local_start
    end = segments[last][ts.SRC_AT] + local_end
    if end <= start:
        raise TaskBuildError(f"doc {data[ts.DOC_ID]}: span {span.text!r} [{span.start}:{span.end}] lies outside "
                             "every segment")
    return start, end, as_rendered(data[ts.SOURCE_FIELD][start:end])


def _error_region(data: dict[str, Any], key: str, seg_id: int, error: ErrorSpan) -> tuple[int, int, str]:
    for segment in ts.segments(data):
        if segment[ts.SEG_ID] == seg_id:
            entry = segment[ts.SEG_SYSTEMS][key]
            if entry[ts.OUTPUT_TEXT][error.start:error.end] != error.text:
                raise TaskBuildError(f"doc {data[ts.DOC_ID]}: error {error.category!r} text {error.text!r} != "
                                     f"segment {seg_id} MT[{error.start}:{error.end}]")
            start, end = entry[ts.OUTPUT_AT] + error.start, entry[ts.OUTPUT_AT] + error.end
            return start, end, as_rendered(data[ts.mt_field(key)][start:end])
    raise TaskBuildError(f"doc {data[ts.DOC_ID]}: error on segment {seg_id}, which the task does not have")


def _source_error_region(data: dict[str, Any], seg_id: int, error: ErrorSpan) -> tuple[int, int, str]:
    """Display offsets (and text) on the numbered source of an error marked in segment ``seg_id``'s
    source (an omission); only the schema's source-side categories have a button there."""
    if error.category not in {c.name for c in schema.SOURCE_SIDE_CATEGORIES}:
        raise TaskBuildError(f"doc {data[ts.DOC_ID]}: a {error.category!r} error marked in the source of segment "
                             f"{seg_id}: the labeling config marks only "
                             f"{', '.join(c.name for c in schema.SOURCE_SIDE_CATEGORIES)} in the source")
    for segment in ts.segments(data):
        if segment[ts.SEG_ID] == seg_id:
            if segment[ts.SEG_SOURCE][error.start:error.end] != error.text:
                raise TaskBuildError(f"doc {data[ts.DOC_ID]}: error {error.category!r} text {error.text!r} != "
                                     f"segment {seg_id} source[{error.start}:{error.end}]")
            start, end = segment[ts.SRC_AT] + error.start, segment[ts.SRC_AT] + error.end
            return start, end, as_rendered(data[ts.SOURCE_FIELD][start:end])
    raise TaskBuildError(f"doc {data[ts.DOC_ID]}: error on segment {seg_id}, which the task does not have")


def entity_results(data: dict[str, Any], spans: Sequence[Span], *, origin: str | None, salt: str) -> list[dict]:
    """Entity regions on the source."""
    out = []
    for number, span in enumerate(spans):
        start, end, text = _source_region(data, span)
        out.append(span_result(_region_id(salt, "entity", number, span.start, span.end), lsconfig.ENTITY_CONTROL,
                               lsconfig.SOURCE_TEXT, start, end, text, span.label, origin))
    return out


def claim_results(data: dict[str, Any], spans: Sequence[Span], *, origin: str | None, salt: str) -> list[dict]:
    """Claim regions on the source, each with its claim type as a per-region choice."""
    out = []
    for number, span in enumerate(spans):
        start, end, text = _source_region(data, span)
        region = _region_id(salt, "claim", number, span.start, span.end)
        out.append(span_result(region, lsconfig.CLAIM_CONTROL, lsconfig.SOURCE_TEXT, start, end, text,
                               schema.CLAIM_LABEL, origin))
        if span.label != schema.CLAIM_LABEL:
            out.append(region_choice_result(region, lsconfig.CLAIM_TYPE_CONTROL, lsconfig.SOURCE_TEXT,
                                            start, end, text, span.label, origin))
    return out


def error_results(data: dict[str, Any], system: str, seg_id: int, errors: Sequence[ErrorSpan], *,
                  origin: str | None, salt: str) -> list[dict]:
    """MQM error regions on one system's output, each with its severity as a per-region choice and
    its note (``ErrorSpan.comment``, if any) as a per-region text."""
    key = ts.system_keys(data).get(system)
    if key is None:
        raise TaskBuildError(f"doc {data[ts.DOC_ID]}: errors for system {system!r}, which the task does not show")
    out = []
    for number, error in enumerate(errors):
        if error.side == "source":
            start, end, text = _source_error_region(data, seg_id, error)
            target, label = lsconfig.SOURCE_TEXT, lsconfig.source_error_label(error.category, system)
            controls = (lsconfig.SOURCE_ERROR_CONTROL, lsconfig.SOURCE_ERROR_SEVERITY_CONTROL,
                        lsconfig.SOURCE_ERROR_NOTE_CONTROL)
        else:
            start, end, text = _error_region(data, key, seg_id, error)
            target, label = lsconfig.mt_text_name(key), error.category
            controls = (lsconfig.mqm_control_name(key), lsconfig.severity_control_name(key),
                        lsconfig.note_control_name(key))
        sides = ("source",) if error.side == "source" else ()  # target-side ids as before this side existed
        region = _region_id(salt, "mqm", system, seg_id, number, error.start, error.end, *sides)
        out.append(span_result(region, controls[0], target, start, end, text, label, origin))
        if error.severity:
            out.append(region_choice_result(region, controls[1], target, start, end, text, error.severity, origin))
        if error.comment:
            out.append(region_textarea_result(region, controls[2], target, start, end, error.comment, origin))
    return out


def annotation_json(data: dict[str, Any], annotation: DocumentAnnotation, *, salt: str) -> dict[str, Any]:
    """An annotation record as Label Studio stores a submitted (or skipped) one."""
    result = entity_results(data, annotation.entities, origin="manual", salt=salt)
    result += claim_results(data, annotation.claims, origin="manual", salt=salt)
    for rating in annotation.ratings:
        result += error_results(data, rating.system, rating.seg_id, rating.errors, origin="manual", salt=salt)
    index_of = {segment[ts.SEG_ID]: index for index, segment in enumerate(ts.segments(data))}
    for post_edit in annotation.post_edits:
        if post_edit.seg_id not in index_of:
            raise TaskBuildError(f"doc {data[ts.DOC_ID]}: post-edit of segment {post_edit.seg_id}, which the task "
                                 "does not have")
        index = index_of[post_edit.seg_id]
        result.append(textarea_result(_region_id(salt, "pe", post_edit.seg_id), f"{lsconfig.POST_EDIT_PREFIX}{index}",
                                      f"{lsconfig.POST_EDIT_TEXT_PREFIX}{index}", post_edit.text))
        prefill = ts.segments(data)[index][ts.SEG_PREFILL]
        if post_edit.confirmed or (prefill and same_text(post_edit.text, prefill)):
            # an imported post-edit equal to what its box starts with is someone's choice: confirmed
            result.append(confirmation_result(_region_id(salt, "pe-ok", post_edit.seg_id), index))
    return {
        "result": with_final_mark(result, annotation.marked_final, lsconfig.SOURCE_TEXT),  # a reviewer's tick
        "was_cancelled": annotation.status == "cancelled",
        # Label Studio's import default is True; UI submissions are False unless starred
        "ground_truth": annotation.ground_truth,
        "completed_by": completed_by_email(imported_user_email(annotation.annotator)),
    }


Suggester = Callable[[AnnotatedDocument, dict[str, Any]], list[dict]]


def build_task(doc: AnnotatedDocument, systems: Sequence[str], *, suggest: Suggester | None = None,
               model_version: str = "", with_annotations: bool = True,
               post_edit_prefill: str | None = None) -> dict[str, Any]:
    """The import JSON of one task. ``suggest(doc, data)`` returns prediction result items;
    annotations with status "draft" are not imported (Label Studio has no bulk draft import).
    ``post_edit_prefill``: see :func:`task_data`; the meta records it for export."""
    if post_edit_prefill is None:
        post_edit_prefill = systems[0] if systems else ""
    data = task_data(doc, systems, post_edit_prefill)
    task = ts.new_task(data, ts.task_meta(doc.doc_id, post_edit_prefill))
    if suggest is not None:
        add_suggestions(task, suggest(doc, data), model_version)
    if with_annotations:
        annotations = [a for a in doc.annotations if a.status in ("completed", "cancelled")]
        if annotations:
            task[ts.ANNOTATIONS] = [annotation_json(data, a, salt=f"{doc.doc_id}\0{a.annotator}\0{n}")
                                   for n, a in enumerate(annotations)]
    return task


def add_suggestions(task: dict[str, Any], result: list[dict], model_version: str, *, withhold: bool = False) -> None:
    """Attach pre-annotations to a task's import JSON: as its prediction, which the labeling UI
    loads for the annotator, or, ``withhold``-ing them (an anchoring control), in its meta, which
    Label Studio stores and exports but never shows."""
    ts.set_suggestions(task, result, model_version, withhold=withhold)
