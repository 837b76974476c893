"""Label Studio export JSON → :class:`annotate.records.AnnotatedDocument`. This is the ONLY module
that knows the shape of Label Studio results (``tasks.py`` builds results through the helpers here),
with parts of it in modules of their own: the post-edit boxes (:mod:`annotate.labelstudio.post_edits`),
which regions are still a suggestion as it was made (:mod:`annotate.labelstudio.provenance`), the
annotators' pseudonyms (:mod:`annotate.labelstudio.pseudonyms`) and a reviewer's "Final" tick
(:mod:`annotate.labelstudio.review`: ``DocumentAnnotation.marked_final``).

A result item, as the labeling UI stores it::

    {"id": "k3Jx9aQ2bT", "from_name": "entity", "to_name": "source", "type": "labels",
     "origin": "manual", "value": {"start": 40, "end": 53, "text": "Vladímir Putin", "labels": ["PER"]}}

A per-region choice (claim type, MQM severity) is a separate item with the SAME ``id`` as its
region. A post-edit box is ``{"from_name": "pe_3", "type": "textarea", "value": {"text": ["…"]}}``,
its "Correct as is" tick ``{"from_name": "ok_3", "type": "choices", …}``; which boxes hold a
post-edit is :mod:`annotate.labelstudio.post_edits`'s to say.

An MQM error region must cover some sentence text: one on a sentence number or a line break only
is an ExportError (a problem to fix), never an error counted. A region the annotator kept from an
automatic suggestion (same id as a region of the prediction it came from) keeps the suggestion's
note; one they changed (category, severity or span) is theirs, and loses that note.

Statuses (``DocumentAnnotation.status``):

* ``"completed"`` — a submitted annotation. Every (system, segment) gets a SegmentRating, an empty
  error list meaning "no error" (the annotator saw and accepted it).
* ``"cancelled"`` — the annotator skipped the task (``was_cancelled``). Whatever it holds is kept,
  but it yields NO no-error ratings: skipping is not judging. Consumers normally drop these.
* ``"draft"`` — unsubmitted work (``drafts`` in a snapshot export); ratings only where errors were
  marked. Not for scoring; kept so nothing an annotator did is lost silently.
* ``"prediction"`` — a pre-annotation shown to annotators (``predictions`` expanded in a snapshot
  export), in ``AnnotatedDocument.predictions``, never among the annotations; ``annotator`` is its
  ``model_version``. An annotation's ``parent_prediction`` names the one the annotator started from
  in the UI (whose regions then carry ``origin: "prediction"``), and ``lead_time`` the seconds the
  UI measured; both None for annotations created through the API.
* ``"withheld"`` — suggestions computed for the task but withheld from annotators
  (``annotate push --holdout-percent``), read from ``meta.withheld_prediction``; in
  ``AnnotatedDocument.predictions`` too, without an id. The anchoring control: annotators
  work on these tasks from scratch.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from annotate import schema
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.export_file import iter_export_tasks, load_export  # noqa: F401  (re-exported)
from annotate.labelstudio.export_file import read_export_tasks, task_key
from annotate.labelstudio.config import region_choice_control
from annotate.labelstudio.layout import locate, on_one_line
from annotate.labelstudio.post_edits import is_box_answer, prefill_of, read_boxes
from annotate.labelstudio.provenance import RegionSignature, stale_suggestion_notes, suggested_regions
from annotate.labelstudio.review import split_review
from annotate.labelstudio.validation import SchemaCheck, find_duplicates
from annotate.labelstudio.pseudonyms import (  # noqa: F401  (re-exported: where callers found them)
    IMPORTED_USER_DOMAIN,
    annotator_of,
    completed_by_email,
    default_salt,
    imported_user_email,
    pseudonym,
    scrub_export,
)
from annotate.records import (
    PREDICTION_STATUSES,
    AnnotatedDocument,
    DocumentAnnotation,
    ErrorSpan,
    ExportProblem,
    ProblemKind,
    Segment,
    SegmentRating,
    Span,
    Translation,
)

TASK_FORMAT = 1  # data["annotate_format"]: bump when the task data layout changes
# meta key of a task's suggestions withheld from annotators (an anchoring control): a prediction
# object ({"model_version", "result"}) that Label Studio stores and exports but never shows
WITHHELD_PREDICTION = "withheld_prediction"
SUGGESTION_VERSION = "suggestion_version"  # task meta: the model version of the suggestions push made
# data.systems[i] key: the submitted annotations a system joined the task after, {annotation id:
# its updated_at then}. Their annotators never saw that system: unless updated since, they do not
# rate it (a submission rates only the translations it was shown).
UNSEEN_BY = "unseen_by"
REFERENCES_FIELD = "references"  # imported human references in task data: [{name, version, texts}]


# ── building result items (used by tasks.py for predictions and imported annotations) ─────────


def _item(region_id: str, from_name: str, to_name: str, kind: str, value: dict[str, Any],
          origin: str | None) -> dict[str, Any]:
    item = {"id": region_id, "from_name": from_name, "to_name": to_name, "type": kind, "value": value}
    if origin is not None:  # the UI marks its own results "manual"; predictions carry none
        item["origin"] = origin
    return item


def span_result(region_id: str, from_name: str, to_name: str, start: int, end: int, text: str,
                label: str, origin: str | None = "manual") -> dict[str, Any]:
    """A ``labels`` region on a Text tag."""
    return _item(region_id, from_name, to_name, "labels", {"start": start, "end": end, "text": text, "labels": [label]},
                 origin)


def region_choice_result(region_id: str, from_name: str, to_name: str, start: int, end: int, text: str,
                         choice: str, origin: str | None = "manual") -> dict[str, Any]:
    """A per-region choice: same ``id`` (and span) as the region it qualifies."""
    return _item(region_id, from_name, to_name, "choices", {"start": start, "end": end, "text": text, "choices": [choice]},
                 origin)


def textarea_result(region_id: str, from_name: str, to_name: str, text: str,
                    origin: str | None = "manual") -> dict[str, Any]:
    """A TextArea answer (one submitted text)."""
    return _item(region_id, from_name, to_name, "textarea", {"text": [text]}, origin)


def region_textarea_result(region_id: str, from_name: str, to_name: str, start: int, end: int, note: str,
                           origin: str | None = "manual") -> dict[str, Any]:
    """A per-region TextArea (an MQM error's note): same ``id`` and span as its region; as the UI
    stores it, ``value.text`` is the LIST of submitted texts, not the span's text."""
    return _item(region_id, from_name, to_name, "textarea", {"start": start, "end": end, "text": [note]}, origin)


# ── reading ───────────────────────────────────────────────────────────────────────────────────


def _need(mapping: Any, key: str, where: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """``mapping[key]``, checked: a missing key or a wrong type is an ExportError naming ``where``.
    (Hot on 10k-task exports: exact class tests first, isinstance only as a fallback.)"""
    if mapping.__class__ is not dict and not isinstance(mapping, dict):
        raise ExportError(f"{where}: expected an object, got {type(mapping).__name__}")
    try:
        value = mapping[key]
    except KeyError:
        raise ExportError(f"{where}: missing key {key!r}") from None
    if kind is not None and value.__class__ is not kind and not isinstance(value, kind):
        raise ExportError(f"{where}: {key!r} should be {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    return value


# once per set of systems, not once per task (10k-task exports)
_source_error_labels = functools.lru_cache(maxsize=64)(lsconfig.source_error_labels)


class _TaskView:
    """The task data an export carries, with its layout checked once."""

    def __init__(self, task: dict[str, Any], where: str):
        self.where = where
        self.task_id = _need(task, "id", where, int)
        data = _need(task, "data", where, dict)
        self.data = data
        dwhere = f"{where} data"
        self.doc_id = str(_need(data, "doc_id", dwhere))
        self.text = _need(data, "text", dwhere, str)
        self.display = _need(data, lsconfig.SOURCE_FIELD, dwhere, str)
        systems = _need(data, "systems", dwhere, list)
        self.systems = [(_need(s, "name", f"{dwhere}.systems"), _need(s, "key", f"{dwhere}.systems"),
                         s.get("version", "")) for s in systems]
        displays = {key: _need(data, lsconfig.mt_text_name(key), dwhere, str) for _, key, _ in self.systems}
        self.key_to_system = {key: name for name, key, _ in self.systems}
        self.unseen_by: dict[str, dict[str, str]] = {
            str(s["name"]): {str(k): str(v) for k, v in _need(s, UNSEEN_BY, f"{dwhere}.systems", dict).items()}
            for s in systems if UNSEEN_BY in s}
        key_of = {name: key for name, key, _ in self.systems}
        self.source_error_labels = {label: (key_of[name], category) for label, (name, category)
                                    in _source_error_labels(tuple(key_of)).items()}
        self.segments: list[Segment] = []
        self.prefills: list[str] = []  # what each post-edit box started with
        self.post_edit_prefill = prefill_of(task.get("meta"), [name for name, _, _ in self.systems])
        self.src_at: list[int] = []
        self.mt: dict[str, list[str]] = {key: [] for _, key, _ in self.systems}
        self.mt_at: dict[str, list[int]] = {key: [] for _, key, _ in self.systems}
        self.translations: list[Translation] = []
        self.missing: set[tuple[str, int]] = set()  # (system key, segment index) with no output shown
        for index, seg in enumerate(_need(data, lsconfig.SEGMENTS_FIELD, dwhere, list)):
            swhere = f"{where} data.segments[{index}]"
            segment = Segment(doc_id=self.doc_id, seg_id=_need(seg, "seg_id", swhere, int),
                              paragraph=_need(seg, "paragraph", swhere, int), start=_need(seg, "start", swhere, int),
                              end=_need(seg, "end", swhere, int), text=_need(seg, "source", swhere, str))
            if self.text[segment.start:segment.end] != segment.text:
                raise ExportError(f"{swhere}: segment {segment.seg_id} text {segment.text!r} != data.text"
                                  f"[{segment.start}:{segment.end}] {self.text[segment.start:segment.end]!r}")
            at = _need(seg, "src_at", swhere, int)
            if self.display[at:at + len(segment.text)] != on_one_line(segment.text):
                raise ExportError(f"{swhere}: segment {segment.seg_id} is not at offset {at} of data.source")
            self.segments.append(segment)
            self.prefills.append(_need(seg, "mt", swhere, str))
            self.src_at.append(at)
            per_system = _need(seg, "systems", swhere, dict)
            for name, key, version in self.systems:
                entry = _need(per_system, key, f"{swhere}.systems", dict)
                ewhere = f"{swhere}.systems.{key}"
                mt = _need(entry, "text", ewhere, str)
                mt_at = _need(entry, "at", ewhere, int)
                if displays[key][mt_at:mt_at + len(mt)] != on_one_line(mt):
                    raise ExportError(f"{swhere}: the {name} output of segment {segment.seg_id} is not at "
                                      f"offset {mt_at} of data.{lsconfig.mt_text_name(key)}")
                self.mt[key].append(mt)
                self.mt_at[key].append(mt_at)
                if entry.get("missing"):
                    self.missing.add((key, index))
                else:
                    self.translations.append(Translation(
                        doc_id=self.doc_id, seg_id=segment.seg_id, system=name, system_version=version,
                        source=segment.text, mt=mt, unknown_words=list(entry.get("unknown_words") or [])))
        for index, reference in enumerate(data.get(REFERENCES_FIELD) or []):  # imported references
            rwhere = f"{dwhere}.{REFERENCES_FIELD}[{index}]"
            name, version = _need(reference, "name", rwhere, str), str(reference.get("version") or "")
            texts = _need(reference, "texts", rwhere, dict)
            for segment in self.segments:
                if str(segment.seg_id) in texts:
                    self.translations.append(Translation(
                        doc_id=self.doc_id, seg_id=segment.seg_id, system=name, system_version=version,
                        source=segment.text, mt=str(texts[str(segment.seg_id)]), role="reference"))
        # per-sentence texts and lengths, once per task (every error region reads them)
        self.src_texts = [s.text for s in self.segments]
        self.src_len = [len(t) for t in self.src_texts]
        self.mt_len = {key: [len(t) for t in texts] for key, texts in self.mt.items()}

    def document(self) -> AnnotatedDocument:
        return AnnotatedDocument(doc_id=self.doc_id, title=str(self.data.get("title", "")), text=self.text,
                                 source_name=str(self.data.get("source_name", "")), segments=list(self.segments),
                                 translations=list(self.translations), post_edit_prefill=self.post_edit_prefill)


def _regions(result: list[Any], where: str) -> tuple[dict[str, list[dict]], list[dict]]:
    """Group result items by region id; the post-edit boxes' answers (texts, "Correct as is"
    ticks) are returned apart, per-region TextAreas (error notes) stay with their region."""
    by_id: dict[str, list[dict]] = defaultdict(list)
    answers: list[dict] = []
    for index, item in enumerate(result):
        # Fast path for well-formed items (exact types, as JSON parsers make them); anything else
        # goes through _need, which names the item and what is wrong with it.
        fields = (item.get("type"), item.get("from_name"), item.get("value")) if item.__class__ is dict else None
        if fields is None or fields[0].__class__ is not str or fields[1].__class__ is not str \
                or fields[2].__class__ is not dict:
            iwhere = f"{where} result[{index}]"
            fields = (_need(item, "type", iwhere, str), _need(item, "from_name", iwhere, str),
                      _need(item, "value", iwhere, dict))
        kind, from_name, _ = fields
        if kind != "labels" and is_box_answer(kind, from_name):
            answers.append(item)
        else:
            region_id = item.get("id")
            if region_id is None:
                region_id = _need(item, "id", f"{where} result[{index}]")
            by_id[str(region_id)].append(item)
    return by_id, answers


def as_rendered(text: str) -> str:
    """How the labeling UI writes a region's ``text``: from the browser selection, with every CR
    and every LF replaced by the two characters ``\\n`` (Label Studio's
    ``selection.toString().replace(/[\\n\\r]/g, "\\\\n")``); a CR LF thus becomes ``\\n\\n``.
    Offsets are untouched (code points, CR LF counting 2). This is the ONLY difference accepted
    between a region's text and the task data."""
    return text.replace("\r", "\\n").replace("\n", "\\n") if ("\r" in text or "\n" in text) else text


def _checked_span(item: dict, display: str, where: str) -> tuple[int, int]:
    value = item["value"]
    start, end, text = value.get("start"), value.get("end"), value.get("text")
    if start.__class__ is not int or end.__class__ is not int or text.__class__ is not str:  # see _regions
        start, end = _need(value, "start", where, int), _need(value, "end", where, int)
        text = _need(value, "text", where, str)
    in_range = 0 <= start <= end <= len(display)
    if not in_range or (display[start:end] != text and as_rendered(display[start:end]) != text):
        mismatch = f"{where}: region text {_clipped(text)!r} does not match the task data"
        if end > len(display):  # slicing would quote the whole article (kilobytes) instead of the fault
            raise ExportError(f"{mismatch}: end {end} is past the end of the text {item['to_name']} "
                              f"({len(display)} characters)")
        if not in_range:
            raise ExportError(f"{mismatch}: {start}:{end} is not a span of the text {item['to_name']} "
                              f"({len(display)} characters)")
        raise ExportError(f"{mismatch} {item['to_name']}[{start}:{end}] = {_clipped(display[start:end])!r}")
    return start, end


def _clipped(text: str, limit: int = 80) -> str:
    """``text`` cut to about ``limit`` characters for an error message (a region may span a whole article)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_span(view: _TaskView, display: str, line_starts: list[int], texts: list[str], lengths: list[int],
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


def _parse_annotation(view: _TaskView, result: list[Any], status: str, annotator: str, annotation_id: int | None,
                      where: str, updated_at: str, ground_truth: bool = False,
                      suggested: Mapping[str, tuple[RegionSignature, frozenset[str]]] | None = None,
                      check: SchemaCheck | None = None) -> DocumentAnnotation:
    """One annotation, draft or prediction (its ``result``) → its record. ``suggested``: the
    regions of the predictions it may have started from (:func:`suggested_regions`). ``check``
    collects every label, claim type, MQM category and severity the schema lacks (the region is
    then not read; the caller sets the annotation aside): see :mod:`annotate.labelstudio.validation`."""
    check = check if check is not None else SchemaCheck()
    by_id, answers = _regions(result, where)
    record = DocumentAnnotation(doc_id=view.doc_id, annotator=annotator, status=status, task_id=view.task_id,
                                annotation_id=annotation_id, updated_at=updated_at, ground_truth=ground_truth)
    errors: dict[tuple[str, int], list[ErrorSpan]] = defaultdict(list)
    for region_id, items in by_id.items():
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
        label = label_values[0]
        # Only the region's own choice control: a severity key of another column attaches that
        # column's choice to whatever region is selected (measured in the UI); that is a stray press.
        choice_control = region_choice_control(control)
        own = [i for i in choices if i.get("from_name") == choice_control]
        choice = (_need(own[0]["value"], "choices", rwhere, list) or [None])[0] if own else None
        if target == lsconfig.SOURCE_TEXT and control == lsconfig.SOURCE_ERROR_CONTROL:
            if not check.mqm_error(None, choice, where=rwhere, region_id=region_id, control=control,
                                   choice_control=choice_control):
                continue
            if label not in view.source_error_labels:
                raise ExportError(f"{rwhere}: unknown source-side error label {label!r} (this task's are "
                                  f"{sorted(view.source_error_labels)})")
            key, category = view.source_error_labels[label]
            start, end = _checked_span(item, view.display, rwhere)
            index, error = _error_span(view, view.display, view.src_at, view.src_texts, view.src_len, start, end,
                                       rwhere, category=category, choice=choice, notes=notes, status=status,
                                       note_control=lsconfig.SOURCE_ERROR_NOTE_CONTROL, side="source",
                                       on=f"{lsconfig.SOURCE_TEXT} ({label})",
                                       suggested_notes=stale_suggestion_notes(region_id, items, suggested))
            errors[(key, index)].append(error)
        elif target == lsconfig.SOURCE_TEXT:
            if notes:  # never dropped silently: the config offers notes on MQM errors only
                raise ExportError(f"{rwhere}: note {[n['from_name'] for n in notes]} on a source region "
                                  "(notes belong to MQM errors)")
            if not check.source_region(control, label, choice, status=status, where=rwhere, region_id=region_id,
                                       choice_control=choice_control):
                continue
            start, end = _checked_span(item, view.display, rwhere)
            first, local_start = locate(view.src_at, view.src_len, start, is_end=False)
            last, local_end = locate(view.src_at, view.src_len, end, is_end=True)
            a = view.segments[first].start + local_start
            b = view.segments[last].start + local_end
            if b <= a:
                raise ExportError(f"{rwhere}: the {label} span {item['value']['text']!r} covers no sentence text "
                                  "(only a sentence number or line break)")
            if control == lsconfig.ENTITY_CONTROL:
                record.entities.append(Span(start=a, end=b, label=label, text=view.text[a:b]))
            elif control == lsconfig.CLAIM_CONTROL:
                record.claims.append(Span(start=a, end=b, label=choice or schema.CLAIM_LABEL, text=view.text[a:b]))
            else:
                raise ExportError(f"{rwhere}: unknown control {control!r} on the source text")
        elif target.startswith("mt_") and target[3:] in view.mt:
            key = target[3:]
            display = view.data[target]
            start, end = _checked_span(item, display, rwhere)
            if control != lsconfig.mqm_control_name(key):
                raise ExportError(f"{rwhere}: unknown control {control!r} on {target}")
            if not check.mqm_error(label, choice, where=rwhere, region_id=region_id, control=control,
                                   choice_control=choice_control):
                continue
            index, error = _error_span(view, display, view.mt_at[key], view.mt[key], view.mt_len[key], start, end,
                                       rwhere, category=label, choice=choice, notes=notes, status=status,
                                       note_control=lsconfig.note_control_name(key), side="target", on=target,
                                       suggested_notes=stale_suggestion_notes(region_id, items, suggested))
            errors[(key, index)].append(error)
        else:
            raise ExportError(f"{rwhere}: region on unknown object {target!r}")
    record.post_edits, record.ignored_post_edits = read_boxes(answers, view.segments, view.prefills, where)
    record.entities.sort(key=lambda s: (s.start, s.end, s.label))
    record.claims.sort(key=lambda s: (s.start, s.end, s.label))
    for name, key, _ in view.systems:
        # a submission rates every translation it was shown: not a system added after it (see UNSEEN_BY)
        shown = view.unseen_by.get(name, {}).get(str(annotation_id)) != updated_at
        for index, segment in enumerate(view.segments):
            found = sorted(errors.get((key, index), []), key=lambda e: (e.start, e.end, e.category))
            # an empty line where a system has no output is not a translation rated "no error"
            if found or (status == "completed" and shown and (key, index) not in view.missing):
                record.ratings.append(SegmentRating(
                    system=name, doc_id=view.doc_id, seg_id=segment.seg_id, rater=annotator,
                    source=segment.text, target=view.mt[key][index], errors=found,
                    doc=str(view.data.get("source_name") or view.doc_id)))
    return record


def parse_export(data: list[dict[str, Any]], *, salt: str | None = None,
                 problems: list[ExportProblem] | None = None,
                 extra_categories: Iterable[str] = ()) -> list[AnnotatedDocument]:
    """Parse a full JSON export (snapshot API, predictions expanded or not) into documents.

    Every region is checked ``text == data[start:end]`` and against the label schema (entity
    labels, claim types, MQM categories, severities; ``extra_categories`` are accepted MQM
    categories beyond the schema's); task ids and doc_ids must be unique. Any fault raises
    ExportError naming task, annotation and region. With a ``problems`` list, the parse goes on
    instead: a broken annotation or draft is left out of its document and a task with broken data
    (or a duplicate: :func:`annotate.labelstudio.validation.find_duplicates` says which one is kept)
    is left out of the result, each appended to ``problems`` (see :func:`parse_task`).
    ``salt`` defaults to one derived from the project id (see module docstring)."""
    if not isinstance(data, list):
        raise ExportError(f"a Label Studio JSON export is a list of tasks, got {type(data).__name__}")
    return list(_documents(enumerate(data), [task_key(task) for task in data], salt=salt, problems=problems,
                           extra_categories=extra_categories))


def read_export_documents(path: Path | str, *, salt: str | None = None,
                          problems: list[ExportProblem] | None = None,
                          extra_categories: Iterable[str] = ()) -> Iterator[AnnotatedDocument]:
    """The documents of an export file, one task at a time (:func:`read_export_tasks`): memory stays
    bounded by one task whatever the export's size. Errors and ``problems`` as :func:`parse_export`'s,
    plus the file's (a file that cannot be read whole is always an error)."""
    keys, tasks = read_export_tasks(path)
    yield from _documents(enumerate(tasks), keys, salt=salt, problems=problems, extra_categories=extra_categories)


def _documents(tasks: Iterable[tuple[int, Any]], keys: list[tuple[Any, Any]], *, salt: str | None,
               problems: list[ExportProblem] | None, extra_categories: Iterable[str]) -> Iterator[AnnotatedDocument]:
    """Each (position, task)'s document, but for the duplicates among ``keys`` (every task's
    (id, doc_id)): those are problems (or the first of them an ExportError without ``problems``)."""
    duplicates = find_duplicates(keys)
    check = SchemaCheck(extra_categories)
    for position, task in tasks:
        duplicate = duplicates.get(position)
        if duplicate is not None:
            if problems is None:
                raise ExportError(duplicate.message)
            problems.append(duplicate)
            continue
        document = parse_task(task, position, salt=salt, problems=problems, check=check)
        if document is not None:
            yield document


def _task_problem(task: Any, message: str) -> ExportProblem:
    task_id = task.get("id") if isinstance(task, dict) else None
    data = task.get("data") if isinstance(task, dict) else None
    doc_id = data.get("doc_id") if isinstance(data, dict) else None
    return ExportProblem(kind="task", task_id=task_id if isinstance(task_id, int) else None,
                         doc_id=None if doc_id is None else str(doc_id), annotation_id=None, annotator=None,
                         message=message)


def parse_task(task: Any, position: int, *, salt: str | None = None,
               problems: list[ExportProblem] | None = None, check: SchemaCheck | None = None
               ) -> AnnotatedDocument | None:
    """One exported task (item ``position`` of the export) → its document with every annotation,
    draft and (expanded or withheld) prediction; see :func:`parse_export`. Without ``problems``
    the first problem raises ExportError; with it, problems are appended there and the task (None
    is returned) or the annotation is left out. ``check``: the label schema (:class:`SchemaCheck`;
    every value it lacks in an annotation is a problem of its own, the annotation left out whole)."""
    check = check if check is not None else SchemaCheck()
    where = f"task {task.get('id', '?') if isinstance(task, dict) else '?'} (export item {position})"
    try:
        view = _TaskView(task, where)
    except ExportError as exc:
        if problems is None:
            raise
        problems.append(_task_problem(task, str(exc)))
        return None
    where = f"task {view.task_id} (doc {view.doc_id})"
    task_salt = salt or default_salt(task)
    document = view.document()
    shown = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    worked_on = task.get("annotations") or task.get("drafts")
    suggested_in_task = suggested_regions(*shown) if shown and worked_on else {}
    entries = [("annotation", index, annotation) for index, annotation in enumerate(task.get("annotations") or [])]
    # drafts and predictions exported as ids only (plain JSON export) carry nothing to parse
    entries += [("draft", index, draft) for index, draft in enumerate(task.get("drafts") or []) if isinstance(draft, dict)]
    entries += [("prediction", index, prediction) for index, prediction in enumerate(task.get("predictions") or [])
                if isinstance(prediction, dict)]
    meta = task.get("meta")
    if isinstance(meta, dict) and meta.get(WITHHELD_PREDICTION) is not None:
        entries.append(("withheld", 0, meta[WITHHELD_PREDICTION]))
    for kind, index, entry in entries:
        is_dict = isinstance(entry, dict)
        entry_id = entry.get("id") if is_dict else None
        ewhere = f"{where} {kind} {entry_id if entry_id is not None else f'#{index}'}"
        if kind == "annotation":
            status = "cancelled" if is_dict and entry.get("was_cancelled") else "completed"
            annotator = annotator_of(entry.get("completed_by") if is_dict else None, task_salt)
            annotation_id = entry_id
        elif kind == "draft":
            status, annotator, annotation_id = "draft", annotator_of(entry.get("user"), task_salt), entry.get("annotation")
        else:  # a pre-annotation, shown or withheld: its "annotator" is the model version that made it
            model_version = str(entry.get("model_version") or "unknown model") if is_dict else "unknown model"
            status, annotator, annotation_id = kind, model_version, entry_id if kind == "prediction" else None
        # the regions it may have kept from a suggestion: its parent prediction's (an annotation
        # carries it whole), else the task's predictions' (their region ids are unique per task)
        started_from = entry.get("prediction") if kind == "annotation" and is_dict else None
        started_from = started_from if isinstance(started_from, dict) and started_from else None
        suggested = ({**suggested_in_task, **suggested_regions(started_from)} if started_from
                     else suggested_in_task) if kind in ("annotation", "draft") else None
        problem_kind: ProblemKind = "prediction" if kind == "withheld" else kind  # type: ignore[assignment]
        problem_id = entry_id if isinstance(entry_id, int) else None
        check.start()
        try:
            result, marked_final = split_review(_need(entry, "result", ewhere, list), ewhere)  # a reviewer's tick
            record = _parse_annotation(view, result, status, annotator, annotation_id, ewhere,
                                       str(entry.get("updated_at") or ""),
                                       ground_truth=kind == "annotation" and entry.get("ground_truth") is True,
                                       suggested=suggested, check=check)
            if check.issues:  # values the schema lacks: the annotation is set aside whole, each listed
                check.set_aside(problems, ewhere, problem_kind, view.task_id, view.doc_id, problem_id, annotator)
                continue
            record.marked_final = marked_final and status not in PREDICTION_STATUSES
            if status in PREDICTION_STATUSES:
                document.predictions.append(record)
            else:
                parent, lead_time = entry.get("parent_prediction"), entry.get("lead_time")
                if parent is None and started_from:  # the prediction it opened with, carried whole
                    parent = started_from.get("id")
                record.parent_prediction = parent if parent.__class__ is int else None
                record.lead_time = float(lead_time) if lead_time.__class__ in (int, float) and lead_time >= 0 else None
                document.annotations.append(record)
        except ExportError as exc:
            if problems is None:
                raise
            # what the schema check found before the fault, then the fault
            problems.extend(check.problems(problem_kind, view.task_id, view.doc_id, problem_id, annotator))
            problems.append(ExportProblem(kind=problem_kind, task_id=view.task_id, doc_id=view.doc_id,
                                          annotation_id=problem_id, annotator=annotator, message=str(exc)))
    return document
