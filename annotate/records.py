"""The typed records that cross stage boundaries.

Data flows one way::

    raw file ─ingest→ Article ─segment→ Segment ─translate→ Translation
      ─labelstudio.export→ DocumentAnnotation (entities, claims, SegmentRating, PostEdit)
                           + ExportProblem (what failed validation and was set aside)
      ─dataset / scoring→ …

Every offset is a Unicode code-point index (a Python ``str`` index), end-exclusive, and every span
carries its ``text`` so that ``text == container[start:end]`` can be checked at each boundary.
Records serialise to plain JSON objects (``to_dict`` / ``from_dict``) so stages compose through
JSON Lines pipes (``annotate ingest DIR --jsonl | annotate segment --jsonl | …``).
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

# RecordError is re-exported: callers catch it where they read records
from annotate.record_io import RecordError, record_from_dict  # noqa: F401

T = TypeVar("T", bound="Record")


class Record:
    """Mixin: lossless conversion to and from JSON-ready dicts (nested records and lists included).
    Reading is strict (annotate.record_io): unknown keys, wrong types and values outside a closed
    set (a ``Literal`` field) raise RecordError naming the record type and the field."""

    # Keys ``to_dict`` adds beyond the fields (derived properties, for consumers of --jsonl):
    # accepted by ``from_dict`` when they agree with the record.
    DERIVED_KEYS: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        """The record ``data`` describes (as ``to_dict`` writes it); raises RecordError if it does not fit."""
        return record_from_dict(cls, data)

    @classmethod
    def from_json(cls: type[T], line: str) -> T:
        """The record one JSON object describes; raises ValueError (RecordError or a JSON error)."""
        return cls.from_dict(json.loads(line))


# ── ingest ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Paragraph(Record):
    """A kept block of text and where it came from in the raw file (code points)."""

    text: str
    raw_start: int
    raw_end: int


@dataclass
class Article(Record):
    """A cleaned article. ``text`` is the clean document: the title, then the body paragraphs,
    joined by blank lines; segments and entity/claim spans are offsets into ``text``."""

    doc_id: str  # stable hash of the normalised clean text (see articles.doc_id_for)
    source_name: str  # file name only, never a local path
    title: str
    title_raw_start: int
    title_raw_end: int
    paragraphs: list[Paragraph]
    captions: list[Paragraph] = field(default_factory=list)  # photo captions and credits
    source_attribution: list[Paragraph] = field(default_factory=list)  # "Con información de …"

    DERIVED_KEYS = ("text",)

    @property
    def text(self) -> str:
        return PARAGRAPH_SEPARATOR.join([self.title, *(p.text for p in self.paragraphs)])

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["text"] = self.text  # derived, included for consumers of --jsonl
        return data


PARAGRAPH_SEPARATOR = "\n\n"


# ── segment ───────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Segment(Record):
    """One source sentence. ``seg_id`` is 1-based within the document (as in WMT MQM TSV and as
    annotators see it); ``start``/``end`` index ``Article.text``; paragraph 0 is the title."""

    doc_id: str
    seg_id: int
    paragraph: int
    start: int
    end: int
    text: str
    # The segment's number across a whole evaluation file (the WMT MQM TSV ``seg_id`` column) when
    # it came from one; None for our own articles, where (doc_id, seg_id) is the identity.
    global_seg_id: int | None = None


# ── translate ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Translation(Record):
    """One system's output for one segment."""

    doc_id: str
    seg_id: int
    system: str  # e.g. "apertium", "argos"
    system_version: str  # e.g. "apertium-eng-spa 0.8.x" — recorded in every dataset row and report
    source: str
    mt: str
    unknown_words: list[str] = field(default_factory=list)  # source words the system left untranslated
    # "mt": a system's output, to be rated and scored; "reference": an imported human translation,
    # a reference for scoring (annotate.references), never shown to annotators as a system to rate
    role: TranslationRole = "mt"

    def __post_init__(self) -> None:  # records built in code; from_dict checks the Literal first
        if self.role not in TRANSLATION_ROLES:
            raise ValueError(f"translation role {self.role!r} is not one of {', '.join(TRANSLATION_ROLES)}")


TranslationRole = Literal["mt", "reference"]
TRANSLATION_ROLES: tuple[str, ...] = typing.get_args(TranslationRole)


# ── annotations (produced by annotate.labelstudio.export and annotate.mqm_tsv) ────────────────


@dataclass(frozen=True)
class Span(Record):
    """A labelled span: an entity (label = PER, ORG, …) or a claim (label = claim type)."""

    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True)
class ErrorSpan(Record):
    """One MQM error in a translation. Offsets index the text named by ``side``: the segment's MT
    (``"target"``), its source (``"source"``: an omission marked on the source words the translation
    lost, or a source error, as Google's WMT files and the labeling UI mark them) or nothing
    (``"none"``: a WMT row with no span marked; start = end = 0). An empty span (start == end) is an
    error with no extent."""

    start: int
    end: int
    category: str  # an MQM category from annotate.schema, e.g. "Accuracy/Mistranslation"
    severity: ErrorSeverity
    text: str
    comment: str = ""  # the annotator's note (why it is an error, the right translation)
    side: ErrorSide = "target"

    def __post_init__(self) -> None:  # records built in code; from_dict checks the Literal first
        if self.side not in ERROR_SIDES:
            raise ValueError(f"error side {self.side!r} is not one of {', '.join(ERROR_SIDES)}")


ErrorSide = Literal["target", "source", "none"]
ERROR_SIDES: tuple[str, ...] = typing.get_args(ErrorSide)
# annotate.schema.SEVERITIES by name, or "" for a severity not chosen yet (a draft's or a prediction's
# error; a completed annotation always has one). Spelled out because records do not depend on the
# schema; tests/test_records_parsing.py keeps the two in step.
ErrorSeverity = Literal["Major", "Minor", "Neutral", ""]
ERROR_SEVERITIES: tuple[str, ...] = typing.get_args(ErrorSeverity)


@dataclass
class SegmentRating(Record):
    """One rater's MQM judgement of one translated segment (no errors = a "No-error" rating)."""

    system: str
    doc_id: str
    seg_id: int
    rater: str  # pseudonym, never an email
    source: str
    target: str
    errors: list[ErrorSpan] = field(default_factory=list)
    doc: str = ""  # human-readable document name (WMT TSV "doc" column), optional


@dataclass(frozen=True)
class PostEdit(Record):
    """A post-edited (reference) translation of one source segment."""

    seg_id: int
    text: str
    confirmed: bool = False  # left as its box started (a system's output), ticked "Correct as is"


AnnotationStatus = Literal["completed", "cancelled", "draft", "prediction", "withheld"]
ANNOTATION_STATUSES: tuple[str, ...] = typing.get_args(AnnotationStatus)
PREDICTION_STATUSES: tuple[str, ...] = ("prediction", "withheld")  # in AnnotatedDocument.predictions
COUNTED_STATUSES: tuple[str, ...] = ("completed",)  # judgements: drafts and skipped tasks are not


@dataclass
class DocumentAnnotation(Record):
    """One annotator's work on one article (one Label Studio task); also a pre-annotation (status
    ``"prediction"``, ``annotator`` = the model version that made it, ``annotation_id`` = its
    Label Studio prediction id), which has the same layers, or a pre-annotation computed but
    withheld from annotators as an anchoring control (status ``"withheld"``, no id)."""

    doc_id: str
    annotator: str  # pseudonym, e.g. "annotator-3f2a…"
    status: AnnotationStatus
    task_id: int | None = None
    annotation_id: int | None = None
    entities: list[Span] = field(default_factory=list)  # offsets into Article.text
    claims: list[Span] = field(default_factory=list)  # offsets into Article.text
    ratings: list[SegmentRating] = field(default_factory=list)  # one per (system, segment)
    post_edits: list[PostEdit] = field(default_factory=list)
    updated_at: str = ""
    ground_truth: bool = False  # starred as ground truth in Label Studio (only its API can): a reviewer's mark
    # "Final" ticked in the labeling UI's review control (a reviewer's mark made in Label Studio's own UI)
    marked_final: bool = False
    # the prediction (its annotation_id) the annotator started from in the labeling UI; None = from scratch
    parent_prediction: int | None = None
    lead_time: float | None = None  # seconds spent in the labeling UI, as Label Studio recorded them
    # seg_ids of post-edit boxes that hold no post-edit: left as they started, unconfirmed, or blank
    ignored_post_edits: list[int] = field(default_factory=list)

    @property
    def adjudicated(self) -> bool:
        """Did a reviewer mark it as the document's final annotation (the star or the Final tick)?"""
        return self.ground_truth or self.marked_final

    @property
    def review_mark(self) -> str:
        """How a reviewer marked it: ``"final tick"``, ``"ground-truth star"``, both, or ``""``."""
        return " and ".join(mark for mark, on in (("final tick", self.marked_final),
                                                  ("ground-truth star", self.ground_truth)) if on)

    @property
    def completeness(self) -> int:
        """How much it holds: entities, claims, MQM errors and post-edits (the primary policy's measure)."""
        return (len(self.entities) + len(self.claims) + sum(len(rating.errors) for rating in self.ratings)
                + sum(1 for post_edit in self.post_edits if post_edit.text.strip()))


# Why completeness before recency: the latest update is often a quick fix of a sparse annotation
# (seen: a 13-entity annotation chosen over a 67-entity one); stated in the dataset card and report.
PRIMARY_POLICY = (
    "the annotation a reviewer marked as final (\u201cFinal\u201d ticked in Label Studio's review control, or "
    "starred as ground truth through its API); without a reviewer's mark, the most complete one (most entities, "
    "claims, MQM errors and post-edits), ties broken by the latest update, then annotator pseudonym, then "
    "annotation id"
)
ReviewState = Literal["reviewed", "conflicting", "unreviewed", "single", "unannotated"]


@dataclass(frozen=True)
class PrimaryChoice:
    """Which completed annotation of a document is primary, and why: ``state`` is ``"reviewed"``
    (exactly one annotation marked by a reviewer), ``"conflicting"`` (several marked: the policy
    chose among them), ``"unreviewed"`` (several annotations, none marked: the policy chose),
    ``"single"`` (one annotation) or ``"unannotated"`` (none: ``annotation`` is None)."""

    doc_id: str
    annotation: DocumentAnnotation | None
    state: ReviewState
    candidates: int  # completed annotations

    @property
    def needs_review(self) -> bool:
        """Was the primary annotation chosen by the policy among several a reviewer should settle?"""
        return self.state in ("unreviewed", "conflicting")


@dataclass
class AnnotatedDocument(Record):
    """Everything known about one article after annotation: what was shown (clean text, segments,
    every system's translation) and what annotators made of it. A Label Studio export parses into
    a list of these (annotate.labelstudio.export); a WMT MQM TSV file imports into them too
    (annotate.mqm_tsv); the dataset builder and the scorers consume them."""

    doc_id: str
    title: str
    text: str  # Article.text: segments and entity/claim spans index it
    source_name: str = ""
    segments: list[Segment] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    annotations: list[DocumentAnnotation] = field(default_factory=list)
    predictions: list[DocumentAnnotation] = field(default_factory=list)  # pre-annotations, shown or withheld
    # ISO 639 codes of the source text and of the translations ("" = not stated; see annotate.languages)
    source_language: str = "es"
    target_language: str = "en"
    domain: str = ""  # a test set's domain of the document (WMT docs file: news, social, …), "" = none
    # what its post-edit boxes started with in Label Studio: a system's name, "" = empty, None = unknown
    post_edit_prefill: str | None = None

    def ranked_annotations(self) -> list[DocumentAnnotation]:
        """The completed annotations, primary first (:data:`PRIMARY_POLICY`): marked final by a
        reviewer, then the most complete, then the latest update, then annotator pseudonym, then
        annotation id. THE ranking: the dataset (``documents``, ``ner``, ``claims``, references),
        the report (references, agreement against the reviewer's choice, per-document primary) and
        ``annotate review`` all follow it."""
        completed = [a for a in self.annotations if a.status == "completed"]
        completed.sort(key=lambda a: (a.annotator, a.annotation_id if a.annotation_id is not None else -1))
        completed.sort(key=lambda a: a.updated_at, reverse=True)  # stable: ties keep the order above
        completed.sort(key=lambda a: (not a.adjudicated, -a.completeness))  # stable: recency breaks ties
        return completed

    def primary_choice(self) -> PrimaryChoice:
        """The primary annotation (first of :meth:`ranked_annotations`) and how it was chosen."""
        ranked = self.ranked_annotations()
        marked = sum(a.adjudicated for a in ranked)
        state: ReviewState = ("unannotated" if not ranked else "conflicting" if marked > 1 else "reviewed" if marked
                              else "single" if len(ranked) == 1 else "unreviewed")
        return PrimaryChoice(self.doc_id, ranked[0] if ranked else None, state, len(ranked))

    def primary_annotation(self) -> DocumentAnnotation | None:
        """The primary annotation (see :meth:`ranked_annotations`); None without a completed one."""
        ranked = self.ranked_annotations()
        return ranked[0] if ranked else None


# ── what an export parse set aside ─────────────────────────────────────────────────────────────


ProblemKind = Literal["annotation", "draft", "prediction", "task"]
PROBLEM_KINDS: tuple[str, ...] = typing.get_args(ProblemKind)


@dataclass(frozen=True)
class ExportProblem(Record):
    """One part of an export that failed validation: an annotation, a draft or a prediction (set
    aside whole, so no half-read annotation skews MQM), or a task whose data is broken (its
    document is set aside). ``message`` says what is wrong and where (task, annotation, region).
    A value the label schema lacks (:mod:`annotate.labelstudio.validation`) also fills ``region_id``,
    ``field``, ``value`` and ``expected``; a duplicated task id or doc_id fills ``field``, ``value``
    and ``task_ids``."""

    kind: ProblemKind
    task_id: int | None
    doc_id: str | None
    annotation_id: int | None  # the annotation's id (a draft's or prediction's own id); None for a task
    annotator: str | None  # pseudonym
    message: str
    region_id: str | None = None  # the region (result item id) holding the value
    field: str | None = None  # the Label Studio control holding it (e.g. severity_apertium), or "id" / "data.doc_id"
    value: str | None = None  # the value found (None: a required value is missing)
    expected: list[str] | None = None  # the values the label schema allows there
    task_ids: list[int] | None = None  # a duplicate: every task holding that task id or doc_id


def count_problems(problems: list[ExportProblem]) -> dict[str, int]:
    """How many parts of each kind were set aside, in PROBLEM_KINDS order, kinds without any left
    out. Several problems of one annotation (draft, prediction) with an id count it once (it is
    set aside whole); a task is counted per problem."""
    seen: set[tuple[str, int | None, str | None, int]] = set()
    counts: Counter[str] = Counter()
    for problem in problems:
        if problem.kind != "task" and problem.annotation_id is not None:
            part = (problem.kind, problem.task_id, problem.doc_id, problem.annotation_id)
            if part in seen:
                continue
            seen.add(part)
        counts[problem.kind] += 1
    return {kind: counts[kind] for kind in PROBLEM_KINDS if counts[kind]}


def describe_problems(problems: list[ExportProblem]) -> str:
    """``2 annotations, 1 draft and 1 task``: what a list of problems set aside."""
    parts = [f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in count_problems(problems).items()]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts) or "nothing"
