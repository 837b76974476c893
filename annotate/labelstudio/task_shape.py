"""Label Studio's task shape: the ONE module that spells a key of a task, of its ``data`` or of its
``meta``. The writer (:mod:`annotate.labelstudio.tasks`) builds task data through
:class:`TaskData`; every reader (the export's task view, the client, push, suggestions, review)
reads it through the names and accessors here. A test (``tests/test_task_shape.py``) fails if
another module of the package spells one of these keys.

A task as push imports it (and as the API and the JSON export give it back)::

    {"data": {
        "doc_id": "…", "title": "…", "source_name": "…",
        "text": "…",                       # Article.text: what entity and claim offsets point into
        "source_numbered": "[1] …\\n[2] …",  # the numbered source shown (labeling config's $source_numbered)
        "systems": [{"name": "apertium", "key": "apertium", "version": "…",
                     "unseen_by": {"<annotation id>": "<updated_at>"}}],   # unseen_by: only when added later
        "annotate_format": 1,
        "language_pair": "es-en",          # the documents' SOURCE-TARGET (absent: es-en, see LANGUAGE_PAIR)
        "references": [{"name": "…", "version": "…", "texts": {"<seg_id>": "…"}}],  # only when imported
        "mt_apertium": "[1] …\\n[2] …",      # one numbered display text per system: mt_<key>
        "segments": [{"seg_id": 1, "paragraph": 0, "start": 0, "end": 42, "source": "…",
                      "label": "[1] …",       # the post-edit box's numbered sentence
                      "mt": "…",              # what its post-edit box starts with ("" = empty)
                      "src_at": 4,            # its offset in source_numbered
                      "systems": {"apertium": {"text": "…", "at": 4,      # its output, offset in mt_<key>
                                               "missing": true, "unknown_words": ["…"]}}}]},  # either, optional
     "meta": {"doc_id": "…", "post_edit_prefill": "apertium",
              "suggestion_version": "…", "withheld_prediction": {"model_version": "…", "result": […]}},
     "predictions": [{"model_version": "…", "result": […]}]}

What a task id is keyed by: ``data.doc_id`` (and ``meta.doc_id``, which survives a data edit by hand).
The shape of a ``result`` item (regions, choices, text areas) is :mod:`annotate.labelstudio.results`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotate.languages import SPANISH_ENGLISH, LanguagePair, parse_pair

TASK_FORMAT = 1  # data["annotate_format"]: bump when the task data layout changes

# ── a task's own fields (import JSON, API, export) ────────────────────────────────────────────
TASK_ID = "id"
DATA = "data"
META = "meta"
PREDICTIONS = "predictions"
ANNOTATIONS = "annotations"
DRAFTS = "drafts"

# ── data ──────────────────────────────────────────────────────────────────────────────────────
DOC_ID = "doc_id"
TITLE = "title"  # also the labeling config's page header ($title)
SOURCE_NAME = "source_name"
TEXT = "text"
# The numbered source display text (the config's $source_numbered). Not "source": the labeling
# UI overwrites data.source with the task's JSON.
SOURCE_FIELD = "source_numbered"
SYSTEMS = "systems"
FORMAT = "annotate_format"
REFERENCES_FIELD = "references"  # imported human references in task data: [{name, version, texts}]
SEGMENTS_FIELD = "segments"  # the config's Repeater runs over it ($segments)
# The documents' language pair, "SRC-TGT" (annotate.languages). Optional, so TASK_FORMAT stays 1:
# tasks pushed before push wrote it lack it and read as UNRECORDED_PAIR (what records default to);
# a document whose languages nobody stated writes none either.
LANGUAGE_PAIR = "language_pair"
UNRECORDED_PAIR = SPANISH_ENGLISH
_MT_PREFIX = "mt_"  # mt_<system key>: a system's numbered display text

# data.systems[i]
SYSTEM_NAME = "name"
SYSTEM_KEY = "key"
SYSTEM_VERSION = "version"
# data.systems[i] key: the submitted annotations a system joined the task after, {annotation id:
# its updated_at then}. Their annotators never saw that system: unless updated since, they do not
# rate it (a submission rates only the translations it was shown).
UNSEEN_BY = "unseen_by"

# data.references[i]
REFERENCE_NAME = "name"
REFERENCE_VERSION = "version"
REFERENCE_TEXTS = "texts"  # {str(seg_id): text}

# data.segments[i]
SEG_ID = "seg_id"
PARAGRAPH = "paragraph"
START = "start"  # offsets of the sentence in data.text
END = "end"
SEG_SOURCE = "source"
SEG_LABEL = "label"  # numbered sentence beside the post-edit box ($segments[i].label)
SEG_PREFILL = "mt"  # what the post-edit box starts with ($segments[i].mt); "" = empty
SRC_AT = "src_at"  # offset of the sentence in data.source_numbered
SEG_SYSTEMS = "systems"  # {system key: output entry}

# data.segments[i].systems[key]
OUTPUT_TEXT = "text"
OUTPUT_AT = "at"  # offset of the output in data.mt_<key>
MISSING = "missing"  # True: the system has no output for the segment (an empty line is shown)
UNKNOWN_WORDS = "unknown_words"

# ── meta ──────────────────────────────────────────────────────────────────────────────────────
META_DOC_ID = "doc_id"
POST_EDIT_PREFILL = "post_edit_prefill"  # the system whose output prefilled the boxes, "" = empty
SUGGESTION_VERSION = "suggestion_version"  # the model version of the suggestions push made
# suggestions withheld from annotators (an anchoring control): a prediction object
# ({"model_version", "result"}) that Label Studio stores and exports but never shows
WITHHELD_PREDICTION = "withheld_prediction"

# ── a prediction object (in ``predictions`` or ``meta.withheld_prediction``) ──────────────────
MODEL_VERSION = "model_version"
RESULT = "result"


def mt_field(key: str) -> str:
    """The data field (and Text tag) of system ``key``'s numbered display text: ``mt_<key>``."""
    return f"{_MT_PREFIX}{key}"


def mt_field_key(name: str) -> str | None:
    """The system key of an ``mt_<key>`` field name, None for any other name."""
    return name[len(_MT_PREFIX):] if name.startswith(_MT_PREFIX) else None


# ── writing ───────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SystemColumn:
    """One entry of ``data.systems``: a system shown in its own column."""

    name: str
    key: str
    version: str

    def to_json(self) -> dict[str, Any]:
        return {SYSTEM_NAME: self.name, SYSTEM_KEY: self.key, SYSTEM_VERSION: self.version}


@dataclass(frozen=True)
class SystemOutput:
    """One system's output for one segment (``data.segments[i].systems[key]``)."""

    text: str
    at: int
    missing: bool = False
    unknown_words: Sequence[str] = ()

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {OUTPUT_TEXT: self.text, OUTPUT_AT: self.at}
        if self.missing:
            entry[MISSING] = True
        elif self.unknown_words:
            entry[UNKNOWN_WORDS] = list(self.unknown_words)
        return entry


@dataclass(frozen=True)
class SegmentEntry:
    """One entry of ``data.segments``."""

    seg_id: int
    paragraph: int
    start: int
    end: int
    source: str
    label: str
    prefill: str
    src_at: int
    outputs: Mapping[str, SystemOutput]  # by system key, in column order

    def to_json(self) -> dict[str, Any]:
        return {SEG_ID: self.seg_id, PARAGRAPH: self.paragraph, START: self.start, END: self.end,
                SEG_SOURCE: self.source, SEG_LABEL: self.label,
                # What the post-edit box starts with (export tells an edited box from an untouched one by it)
                SEG_PREFILL: self.prefill, SRC_AT: self.src_at,
                SEG_SYSTEMS: {key: output.to_json() for key, output in self.outputs.items()}}


@dataclass
class ReferenceEntry:
    """One entry of ``data.references``: an imported human reference, kept for the scores."""

    name: str
    version: str
    texts: dict[str, str] = field(default_factory=dict)  # str(seg_id) → text

    def to_json(self) -> dict[str, Any]:
        return {REFERENCE_NAME: self.name, REFERENCE_VERSION: self.version, REFERENCE_TEXTS: self.texts}


@dataclass(frozen=True)
class TaskData:
    """A task's ``data`` as push writes it; :meth:`to_json` is the dict Label Studio stores."""

    doc_id: str
    title: str
    source_name: str
    text: str
    source_display: str
    systems: Sequence[SystemColumn]
    mt_displays: Mapping[str, str]  # by system key, in column order
    segments: Sequence[SegmentEntry]
    references: Sequence[ReferenceEntry] = ()
    languages: LanguagePair | None = None  # None: not stated, no LANGUAGE_PAIR written

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            DOC_ID: self.doc_id,
            TITLE: self.title,
            SOURCE_NAME: self.source_name,
            TEXT: self.text,
            SOURCE_FIELD: self.source_display,
            SYSTEMS: [system.to_json() for system in self.systems],
            FORMAT: TASK_FORMAT,
            **({LANGUAGE_PAIR: str(self.languages)} if self.languages is not None else {}),
            **({REFERENCES_FIELD: [r.to_json() for r in self.references]} if self.references else {}),
        }
        for key, display in self.mt_displays.items():
            data[mt_field(key)] = display
        data[SEGMENTS_FIELD] = [segment.to_json() for segment in self.segments]
        return data


def task_meta(doc_id: str, post_edit_prefill: str) -> dict[str, Any]:
    """A new task's ``meta``: its doc_id and what its post-edit boxes start with."""
    return {META_DOC_ID: doc_id, POST_EDIT_PREFILL: post_edit_prefill}


def new_task(data: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """A task's import JSON (predictions and annotations are added to it after)."""
    return {DATA: data, META: meta}


def prediction(model_version: str, result: list[dict]) -> dict[str, Any]:
    """A prediction object: shown (in ``predictions``) or withheld (in ``meta``)."""
    return {MODEL_VERSION: model_version, RESULT: result}


def set_suggestions(task: dict[str, Any], result: list[dict], model_version: str, *, withhold: bool = False) -> None:
    """Put pre-annotations in a task's import JSON: as its only prediction, or withheld in its meta
    (the other place emptied), recording their model version in the meta either way."""
    made = prediction(model_version, result)
    task.setdefault(META, {})[SUGGESTION_VERSION] = model_version  # so a later push can tell it is outdated
    if withhold:
        task.setdefault(META, {})[WITHHELD_PREDICTION] = made
        task.pop(PREDICTIONS, None)
    else:
        task[PREDICTIONS] = [made]
        task.get(META, {}).pop(WITHHELD_PREDICTION, None)


def set_unseen(system: dict[str, Any], submitted: Mapping[str, str]) -> None:
    """Mark a ``data.systems`` entry as unseen by the ``submitted`` annotations ({id: updated_at})."""
    system[UNSEEN_BY] = dict(submitted)


# ── reading (raw task dicts; the export's checked view is annotate.labelstudio.task_view) ─────


def data_of(task: Mapping[str, Any]) -> dict[str, Any]:
    """A task's ``data`` ({} when it has none, e.g. listed without it)."""
    data = task.get(DATA)
    return data if isinstance(data, dict) else {}


def meta_of(task: Mapping[str, Any]) -> dict[str, Any]:
    """A task's ``meta`` ({} when it has none)."""
    meta = task.get(META)
    return meta if isinstance(meta, dict) else {}


def doc_id_of(task: Mapping[str, Any]) -> Any:
    """The doc_id a task carries (its data's, else its meta's), None if neither has one."""
    return data_of(task).get(DOC_ID) or meta_of(task).get(META_DOC_ID)


def data_doc_id(task: Any) -> Any:
    """``data.doc_id`` of a raw export item, None when it is missing or malformed."""
    data = task.get(DATA) if isinstance(task, dict) else None
    return data.get(DOC_ID) if isinstance(data, dict) else None


def shown_predictions(task: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The task's prediction objects (an export without them expanded lists only ids: none here)."""
    return [p for p in task.get(PREDICTIONS) or [] if isinstance(p, dict)]


def withheld_prediction(task: Mapping[str, Any]) -> Any:
    """The prediction withheld in the task's meta, None without one."""
    return meta_of(task).get(WITHHELD_PREDICTION)


def suggestion_versions(task: Mapping[str, Any]) -> frozenset[str]:
    """The model versions of the suggestions push recorded in the task's meta (shown or withheld)."""
    # Push records its suggester's version in the meta (the task list gives predictions' versions
    # only with every other aggregate computed too); a withheld suggestion carries its own.
    meta = meta_of(task)
    withheld = meta.get(WITHHELD_PREDICTION) or {}
    return frozenset(v for v in (meta.get(SUGGESTION_VERSION), withheld.get(MODEL_VERSION)) if v)


def first_prediction_result(task: Mapping[str, Any]) -> list[dict]:
    """The result of the task's first prediction ([] without one)."""
    return (task.get(PREDICTIONS) or [{}])[0].get(RESULT, [])


def system_entries(data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The ``data.systems`` entries (anything malformed skipped)."""
    return (s for s in data.get(SYSTEMS) or [] if isinstance(s, dict))


def system_keys(data: Mapping[str, Any]) -> dict[str, str]:
    """System name → key, as the task data shows them."""
    return {s[SYSTEM_NAME]: s[SYSTEM_KEY] for s in data[SYSTEMS]}


def system_names(data: Mapping[str, Any]) -> set[str]:
    """The names of the systems the task data shows."""
    return {s[SYSTEM_NAME] for s in system_entries(data)}


def unseen_marks(data: Mapping[str, Any]) -> dict[str, Any]:
    """System name → its :data:`UNSEEN_BY` mark, for the systems that carry one."""
    return {s[SYSTEM_NAME]: s[UNSEEN_BY] for s in system_entries(data) if UNSEEN_BY in s}


def language_pair(data: Mapping[str, Any]) -> LanguagePair:
    """The language pair task data records (:data:`UNRECORDED_PAIR` without one); ValueError when
    its value is not a pair."""
    value = data.get(LANGUAGE_PAIR)
    if value is None:
        return UNRECORDED_PAIR
    try:
        if isinstance(value, str):
            return parse_pair(value)
    except ValueError:
        pass
    raise ValueError(f"{LANGUAGE_PAIR} {value!r} is not a language pair (SRC-TGT, e.g. en-de)")


def segments(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``data.segments`` entries."""
    return data[SEGMENTS_FIELD]
