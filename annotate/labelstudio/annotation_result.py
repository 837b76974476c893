"""One annotation's ``result`` (or a draft's, or a prediction's) → its
:class:`annotate.records.DocumentAnnotation`: entity and claim regions on the source, MQM errors
on each MT output and in the source (omissions), post-edit boxes, and the ratings a submission
implies. Read against the task's checked data (:class:`annotate.labelstudio.task_view.TaskView`).

An MQM error region must cover some sentence text: one on a sentence number or a line break only
is an ExportError (a problem to fix), never an error counted. A region the annotator kept from an
automatic suggestion (same id as a region of the prediction it came from) keeps the suggestion's
note; one they changed (category, severity or span) is theirs, and loses that note.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotate import schema
from annotate.labelstudio import esa
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.config import region_choice_control
from annotate.labelstudio.errors import ExportError, need as _need
from annotate.labelstudio.layout import locate
from annotate.labelstudio.post_edits import read_boxes
from annotate.labelstudio.provenance import RegionSignature, stale_suggestion_notes
from annotate.labelstudio.results import checked_span, group_regions, as_rendered
from annotate.labelstudio.task_view import TaskView
from annotate.labelstudio.validation import SchemaCheck
from annotate.records import DocumentAnnotation, ErrorSpan, SegmentRating, Span

def _error_span(view: TaskView, display: str, line_starts: list[int], texts: list[str], lengths: list[int],
                start: int, end: int, where: str, *, category: str, choice: str | None, notes: list[dict],
                status: str, note_control: str, side: str, on: str, suggested_notes: frozenset[str] = frozenset()
                ) -> tuple[int, ErrorSpan]:
    """An MQM error region (offsets ``start:end`` on the ``display`` text whose sentence ``i`` is
    ``texts[i]``, of length ``lengths[i]``, at ``line_starts[i]``; ``on`` names that text in
    messages) → (sentence index, ErrorSpan with offsets in that sentence). A region covering no
    sentence text is an ExportError. ``suggested_notes``: note texts that an automatic suggestion
    wrote about a region the annotator has since changed (they are left out of the comment)."""
    index, local_start = locate(line_starts, lengths, start, is_end=False)
    end_index, local_end = locate(line_starts, lengths, end, is_end=True)
    if start < end and local_start == lengths[index] and index + 1 < len(lengths):
        index, local_start = index + 1, 0  # starting at a sentence's end: its first character is in the gap
    if start < end and not (end_index > index or (end_index == index and local_end > local_start)):
        raise ExportError(f"{where}: the {category} error on {on} covers no sentence text (only a sentence "
                          f"number or line break: {as_rendered(display[start:end])!r})")
    if any(note["from_name"] != note_control for note in notes):
        raise ExportError(f"{where}: note {[n['from_name'] for n in notes]} does not belong to {on}")
    comment = "\n".join(str(text).strip() for note in notes
                         for text in _need(note["value"], "text", where, list)
                         if str(text).strip() and str(text).strip() not in suggested_notes)
    if end_index != index or local_end < local_start:
        # A span crossing sentences is attributed to the sentence where it starts.
        clipped = f"span crossed into segment {view.segments[end_index].seg_id}; clipped"
        comment = f"{comment}\n{clipped}" if comment else clipped
        local_end = max(local_start, lengths[index]) if end_index > index else local_start
    if choice is None and status == "completed":
        raise ExportError(f"{where}: MQM error {category!r} on {on} has no severity")
    return index, ErrorSpan(start=local_start, end=local_end, category=category, severity=choice or "",
                            text=texts[index][local_start:local_end], comment=comment, side=side)


# MQM errors found in an annotation, by (system key, segment index)
_Errors = dict[tuple[str, int], list[ErrorSpan]]
_Suggested = Mapping[str, tuple[RegionSignature, frozenset[str]]]


@dataclass(frozen=True)
class _Region:
    """One region's result items with its labels item read: what every kind of region needs."""

    id: str
    where: str
    items: list[dict]
    item: dict  # the labels item
    control: str
    target: str  # the Text tag it is on
    label: str
    choice_control: str | None
    choice: str | None  # its own per-region choice (claim type, severity)
    notes: list[dict]  # per-region TextAreas (an MQM error's note)


def _read_region(region_id: str, items: list[dict], where: str) -> _Region:
    """The items of one region (its id's) → a :class:`_Region`; not exactly one labels item, or not
    exactly one label, is an ExportError."""
    rwhere = f"{where} region {region_id}"
    labels = [i for i in items if i["type"] == "labels"]
    choices = [i for i in items if i["type"] == "choices"]
    notes = [i for i in items if i["type"] == "textarea"]
    if len(labels) != 1:
        raise ExportError(f"{rwhere}: expected one labels item per region, found {len(labels)} "
                          f"(types {[i['type'] for i in items]})")
    item = labels[0]
    control, target = item["from_name"], _need(item, "to_name", rwhere, str)
    label_values = _need(item["value"], "labels", rwhere, list)
    if len(label_values) != 1:
        raise ExportError(f"{rwhere}: expected exactly one label, got {label_values}")
    # Only the region's own choice control: a severity key of another column attaches that
    # column's choice to whatever region is selected (measured in the UI); that is a stray press.
    choice_control = region_choice_control(control)
    own = [i for i in choices if i.get("from_name") == choice_control]
    choice = (_need(own[0]["value"], "choices", rwhere, list) or [None])[0] if own else None
    return _Region(id=region_id, where=rwhere, items=items, item=item, control=control, target=target,
                   label=label_values[0], choice_control=choice_control, choice=choice, notes=notes)


def _read_source_error(view: TaskView, region: _Region, *, status: str, check: SchemaCheck,
                       suggested: _Suggested | None) -> tuple[tuple[str, int], ErrorSpan] | None:
    """An error marked in the source (an omission: one label per category × system) → ((system
    key, segment index), its ErrorSpan); None if the schema check set it aside."""
    rwhere, label = region.where, region.label
    if not check.mqm_error(None, region.choice, where=rwhere, region_id=region.id, control=region.control,
                           choice_control=region.choice_control):
        return None
    if label not in view.source_error_labels:
        raise ExportError(f"{rwhere}: unknown source-side error label {label!r} (this task's are "
                          f"{sorted(view.source_error_labels)})")
    key, category = view.source_error_labels[label]
    start, end = checked_span(region.item, view.display, rwhere)
    index, error = _error_span(view, view.display, view.src_at, view.src_texts, view.src_len, start, end,
                               rwhere, category=category, choice=region.choice, notes=region.notes, status=status,
                               note_control=lsconfig.SOURCE_ERROR_NOTE_CONTROL, side="source",
                               on=f"{lsconfig.SOURCE_TEXT} ({label})",
                               suggested_notes=stale_suggestion_notes(region.id, region.items, suggested))
    return (key, index), error


def _read_source_span(view: TaskView, region: _Region, record: DocumentAnnotation, *, status: str,
                      check: SchemaCheck) -> None:
    """An entity or claim region on the source → a Span in Article.text offsets, added to ``record``
    (unless the schema check set it aside)."""
    rwhere, control, label, choice = region.where, region.control, region.label, region.choice
    if region.notes:  # never dropped silently: the config offers notes on MQM errors only
        raise ExportError(f"{rwhere}: note {[n['from_name'] for n in region.notes]} on a source region "
                          "(notes belong to MQM errors)")
    if not check.source_region(control, label, choice, status=status, where=rwhere, region_id=region.id,
                               choice_control=region.choice_control):
        return
    start, end = checked_span(region.item, view.display, rwhere)
    first, local_start = locate(view.src_at, view.src_len, start, is_end=False)
    last, local_end = locate(view.src_at, view.src_len, end, is_end=True)
    a = view.segments[first].start + local_start
    b = view.segments[last].start + local_end
    if b <= a:
        raise ExportError(f"{rwhere}: the {label} span {region.item['value']['text']!r} covers no sentence text "
                          "(only a sentence number or line break)")
    if control == lsconfig.ENTITY_CONTROL:
        record.entities.append(Span(start=a, end=b, label=label, text=view.text[a:b]))
    elif control == lsconfig.CLAIM_CONTROL:
        record.claims.append(Span(start=a, end=b, label=choice or schema.CLAIM_LABEL, text=view.text[a:b]))
    else:
        raise ExportError(f"{rwhere}: unknown control {control!r} on the source text")


def _read_mt_error(view: TaskView, region: _Region, key: str, *, status: str, check: SchemaCheck,
                   suggested: _Suggested | None) -> tuple[tuple[str, int], ErrorSpan] | None:
    """An MQM error on system ``key``'s output → ((key, segment index), its ErrorSpan); None if the
    schema check set it aside."""
    rwhere, target, control = region.where, region.target, region.control
    display = view.data[target]
    start, end = checked_span(region.item, display, rwhere)
    if control != lsconfig.mqm_control_name(key):
        raise ExportError(f"{rwhere}: unknown control {control!r} on {target}")
    if not check.mqm_error(region.label, region.choice, where=rwhere, region_id=region.id, control=control,
                           choice_control=region.choice_control):
        return None
    index, error = _error_span(view, display, view.mt_at[key], view.mt[key], view.mt_len[key], start, end,
                               rwhere, category=region.label, choice=region.choice, notes=region.notes,
                               status=status, note_control=lsconfig.note_control_name(key), side="target",
                               on=target, suggested_notes=stale_suggestion_notes(region.id, region.items, suggested))
    return (key, index), error


def _ratings(view: TaskView, errors: _Errors, *, status: str, annotator: str, annotation_id: int | None,
             updated_at: str) -> list[SegmentRating]:
    """The SegmentRatings an annotation holds: every (system, segment) it marked errors on and, for
    a submission, every other translation it was shown ("no error")."""
    ratings: list[SegmentRating] = []
    for name, key, _ in view.systems:
        # a submission rates every translation it was shown: not a system added after it
        # (see annotate.labelstudio.task_shape.UNSEEN_BY)
        shown = view.unseen_by.get(name, {}).get(str(annotation_id)) != updated_at
        for index, segment in enumerate(view.segments):
            found = sorted(errors.get((key, index), []), key=lambda e: (e.start, e.end, e.category))
            # an empty line where a system has no output is not a translation rated "no error"
            if found or (status == "completed" and shown and (key, index) not in view.missing):
                ratings.append(SegmentRating(
                    system=name, doc_id=view.doc_id, seg_id=segment.seg_id, rater=annotator,
                    source=segment.text, target=view.mt[key][index], errors=found,
                    doc=str(view.data.get(ts.SOURCE_NAME) or view.doc_id)))
    return ratings


def _parse_annotation(view: TaskView, result: list[Any], status: str, annotator: str, annotation_id: int | None,
                      where: str, updated_at: str, ground_truth: bool = False,
                      suggested: _Suggested | None = None, check: SchemaCheck | None = None) -> DocumentAnnotation:
    """One annotation, draft or prediction (its ``result``) → its record. ``suggested``: the
    regions of the predictions it may have started from (:func:`suggested_regions`). ``check``
    collects every label, claim type, MQM category and severity the schema lacks (the region is
    then not read; the caller sets the annotation aside): see :mod:`annotate.labelstudio.validation`."""
    check = check if check is not None else SchemaCheck()
    is_esa = esa.is_esa_task(view.data)
    if is_esa:  # an ESA page: its spans and scores are ESA's (annotate.labelstudio.esa reads them)
        result = [item for item in result if not esa.is_esa_item(item)]
    by_id, answers = group_regions(result, where)
    record = DocumentAnnotation(doc_id=view.doc_id, annotator=annotator, status=status, task_id=view.task_id,
                                annotation_id=annotation_id, updated_at=updated_at, ground_truth=ground_truth)
    errors: _Errors = defaultdict(list)
    for region_id, items in by_id.items():
        region = _read_region(region_id, items, where)
        found: tuple[tuple[str, int], ErrorSpan] | None = None
        if region.target == lsconfig.SOURCE_TEXT and region.control == lsconfig.SOURCE_ERROR_CONTROL:
            found = _read_source_error(view, region, status=status, check=check, suggested=suggested)
        elif region.target == lsconfig.SOURCE_TEXT:
            _read_source_span(view, region, record, status=status, check=check)
        elif (key := ts.mt_field_key(region.target)) is not None and key in view.mt:
            found = _read_mt_error(view, region, key, status=status, check=check, suggested=suggested)
        else:
            raise ExportError(f"{region.where}: region on unknown object {region.target!r}")
        if found is not None:
            errors[found[0]].append(found[1])
    record.post_edits, record.ignored_post_edits = read_boxes(answers, view.segments, view.prefills, where)
    record.entities.sort(key=lambda s: (s.start, s.end, s.label))
    record.claims.sort(key=lambda s: (s.start, s.end, s.label))
    # An ESA page rates no segment in MQM: none of its translations may read as "no MQM error".
    record.ratings = [] if is_esa else _ratings(view, errors, status=status, annotator=annotator,
                                                annotation_id=annotation_id, updated_at=updated_at)
    return record
