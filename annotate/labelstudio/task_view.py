"""The task data of an exported task, read through :mod:`annotate.labelstudio.task_shape` and
checked once (every segment's offsets in the display texts, every system's output): the
:class:`TaskView` every annotation of the task is then read against."""

from __future__ import annotations

import functools
from typing import Any

from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.errors import ExportError, need as _need
from annotate.labelstudio.layout import on_one_line
from annotate.labelstudio.post_edits import prefill_of
from annotate.records import AnnotatedDocument, Segment, Translation

# once per set of systems, not once per task (10k-task exports)
_source_error_labels = functools.lru_cache(maxsize=64)(lsconfig.source_error_labels)


class TaskView:
    """The task data an export carries, with its layout checked once."""

    def __init__(self, task: dict[str, Any], where: str):
        self.where = where
        self.task_id = _need(task, ts.TASK_ID, where, int)
        data = _need(task, ts.DATA, where, dict)
        self.data = data
        dwhere = f"{where} {ts.DATA}"
        self.doc_id = str(_need(data, ts.DOC_ID, dwhere))
        try:  # what push recorded; es-en for a task pushed before it recorded one
            self.languages = ts.language_pair(data)
        except ValueError as exc:
            raise ExportError(f"{dwhere}: {exc}") from None
        self.text = _need(data, ts.TEXT, dwhere, str)
        self.display = _need(data, ts.SOURCE_FIELD, dwhere, str)
        systems = _need(data, ts.SYSTEMS, dwhere, list)
        syswhere = f"{dwhere}.{ts.SYSTEMS}"
        self.systems = [(_need(s, ts.SYSTEM_NAME, syswhere), _need(s, ts.SYSTEM_KEY, syswhere),
                         s.get(ts.SYSTEM_VERSION, "")) for s in systems]
        displays = {key: _need(data, ts.mt_field(key), dwhere, str) for _, key, _ in self.systems}
        self.key_to_system = {key: name for name, key, _ in self.systems}
        self.unseen_by: dict[str, dict[str, str]] = {
            str(s[ts.SYSTEM_NAME]): {str(k): str(v) for k, v in _need(s, ts.UNSEEN_BY, syswhere, dict).items()}
            for s in systems if ts.UNSEEN_BY in s}
        key_of = {name: key for name, key, _ in self.systems}
        self.source_error_labels = {label: (key_of[name], category) for label, (name, category)
                                    in _source_error_labels(tuple(key_of)).items()}
        self.segments: list[Segment] = []
        self.prefills: list[str] = []  # what each post-edit box started with
        self.post_edit_prefill = prefill_of(task.get(ts.META), [name for name, _, _ in self.systems])
        self.src_at: list[int] = []
        self.mt: dict[str, list[str]] = {key: [] for _, key, _ in self.systems}
        self.mt_at: dict[str, list[int]] = {key: [] for _, key, _ in self.systems}
        self.translations: list[Translation] = []
        self.missing: set[tuple[str, int]] = set()  # (system key, segment index) with no output shown
        for index, seg in enumerate(_need(data, ts.SEGMENTS_FIELD, dwhere, list)):
            swhere = f"{where} {ts.DATA}.{ts.SEGMENTS_FIELD}[{index}]"
            segment = Segment(doc_id=self.doc_id, seg_id=_need(seg, ts.SEG_ID, swhere, int),
                              paragraph=_need(seg, ts.PARAGRAPH, swhere, int), start=_need(seg, ts.START, swhere, int),
                              end=_need(seg, ts.END, swhere, int), text=_need(seg, ts.SEG_SOURCE, swhere, str))
            if self.text[segment.start:segment.end] != segment.text:
                raise ExportError(f"{swhere}: segment {segment.seg_id} text {segment.text!r} != data.text"
                                  f"[{segment.start}:{segment.end}] {self.text[segment.start:segment.end]!r}")
            at = _need(seg, ts.SRC_AT, swhere, int)
            if self.display[at:at + len(segment.text)] != on_one_line(segment.text):
                raise ExportError(f"{swhere}: segment {segment.seg_id} is not at offset {at} of data.source")
            self.segments.append(segment)
            self.prefills.append(_need(seg, ts.SEG_PREFILL, swhere, str))
            self.src_at.append(at)
            per_system = _need(seg, ts.SEG_SYSTEMS, swhere, dict)
            for name, key, version in self.systems:
                entry = _need(per_system, key, f"{swhere}.{ts.SEG_SYSTEMS}", dict)
                ewhere = f"{swhere}.{ts.SEG_SYSTEMS}.{key}"
                mt = _need(entry, ts.OUTPUT_TEXT, ewhere, str)
                mt_at = _need(entry, ts.OUTPUT_AT, ewhere, int)
                if displays[key][mt_at:mt_at + len(mt)] != on_one_line(mt):
                    raise ExportError(f"{swhere}: the {name} output of segment {segment.seg_id} is not at "
                                      f"offset {mt_at} of {ts.DATA}.{ts.mt_field(key)}")
                self.mt[key].append(mt)
                self.mt_at[key].append(mt_at)
                if entry.get(ts.MISSING):
                    self.missing.add((key, index))
                else:
                    self.translations.append(Translation(
                        doc_id=self.doc_id, seg_id=segment.seg_id, system=name, system_version=version,
                        source=segment.text, mt=mt, unknown_words=list(entry.get(ts.UNKNOWN_WORDS) or [])))
        for index, reference in enumerate(data.get(ts.REFERENCES_FIELD) or []):  # imported references
            rwhere = f"{dwhere}.{ts.REFERENCES_FIELD}[{index}]"
            name = _need(reference, ts.REFERENCE_NAME, rwhere, str)
            version = str(reference.get(ts.REFERENCE_VERSION) or "")
            texts = _need(reference, ts.REFERENCE_TEXTS, rwhere, dict)
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
        """The task's document, without annotations (the caller adds them)."""
        return AnnotatedDocument(doc_id=self.doc_id, title=str(self.data.get(ts.TITLE, "")), text=self.text,
                                 source_name=str(self.data.get(ts.SOURCE_NAME, "")), segments=list(self.segments),
                                 translations=list(self.translations), post_edit_prefill=self.post_edit_prefill,
                                 source_language=self.languages.source, target_language=self.languages.target)


_TaskView = TaskView  # its name before the split of export.py
