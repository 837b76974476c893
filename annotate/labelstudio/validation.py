"""What the label schema allows in an export, and which tasks of an export are duplicates: the
checks of :mod:`annotate.labelstudio.export` that LIST every fault instead of stopping at the first.

Label Studio stores whatever a client sends, so an entity label, a claim type, an MQM category or a
severity that :mod:`annotate.schema` lacks can reach an export (an edited labeling config, an API
client, a hand-edited file). :class:`SchemaCheck` collects every such value of one annotation
(region, field, value and the values allowed there) while the annotation is read on; the parser
then sets the annotation aside with one :class:`~annotate.records.ExportProblem` per value, exactly
as it sets aside a mistyped span, so every reader (``pull``, ``build``, ``score``, ``report``,
``mqm-scores``, ``export-mqm``, ``import-mqm``) lists them, honours ``--skip-invalid`` and writes
them to ``--problems``.

A task id or a ``doc_id`` held by several tasks (:func:`find_duplicates`) is a task problem naming
every task involved. Which task is read: for a task id, its first occurrence in the export; for a
``doc_id``, the task with the lowest id (the one ``annotate push`` keeps and updates, see
:mod:`annotate.labelstudio.reconcile`); the others are set aside.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from annotate import schema
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.export_file import TaskKey
from annotate.records import ExportProblem, ProblemKind

# What each checked field holds, for messages: "entity label 'PERSONA' is not in the label schema"
ENTITY, CLAIM, CLAIM_TYPE, CATEGORY, SEVERITY = "entity label", "claim label", "claim type", "MQM category", \
    "MQM severity"


@dataclass(frozen=True)
class SchemaIssue:
    """One value of a region that the label schema does not allow (or a required one missing:
    ``value`` None). ``where`` names task, annotation and region as the parser's messages do."""

    where: str
    region_id: str
    control: str  # the Label Studio control (``from_name``) that holds the value
    what: str  # ENTITY, CLAIM, CLAIM_TYPE, CATEGORY or SEVERITY
    value: str | None
    expected: tuple[str, ...]

    @property
    def message(self) -> str:
        """``task 1 (doc d) annotation 3 region r: MQM severity 'Catastrophic' is not in the label
        schema (field severity_apertium; expected one of Major, Minor, Neutral)``."""
        found = f"{self.what} {self.value!r} is not in the label schema" if self.value is not None \
            else f"{self.what} is missing"
        return f"{self.where}: {found} (field {self.control}; expected one of {', '.join(self.expected)})"


@dataclass
class SchemaCheck:
    """The schema's values, and the issues found in the annotation being read (:meth:`start`
    clears them). ``extra_categories``: MQM categories accepted beyond the schema's
    (``--allow-category``)."""

    extra_categories: Iterable[str] = ()
    issues: list[SchemaIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.allowed: dict[str, tuple[str, ...]] = {
            ENTITY: tuple(schema.entity_values()),
            CLAIM: (schema.CLAIM_LABEL,),
            CLAIM_TYPE: tuple(schema.claim_type_values()),
            CATEGORY: tuple(dict.fromkeys([*schema.mqm_category_names(), *self.extra_categories])),
            SEVERITY: tuple(schema.severity_names()),
        }
        self._sets = {what: frozenset(values) for what, values in self.allowed.items()}

    def start(self) -> None:
        """A new annotation: no issue yet."""
        self.issues = []

    def allows(self, what: str, value: Any, where: str, region_id: str, control: str,
               required: bool = True) -> bool:
        """Whether ``value`` (of kind ``what``) is allowed; if not, the issue is recorded. A
        missing value (None) is an issue only when ``required``."""
        if value is None:
            if not required:
                return True
        elif value.__class__ is str and value in self._sets[what]:
            return True
        self.issues.append(SchemaIssue(where=where, region_id=region_id, control=control, what=what,
                                       value=None if value is None else str(value), expected=self.allowed[what]))
        return False

    def source_region(self, control: str, label: Any, choice: Any, *, status: str, where: str, region_id: str,
                      choice_control: str | None) -> bool:
        """Whether an entity or claim region on the source may be read: an entity label, or a claim
        label and its type, that the schema has (a submitted claim needs its type: the config
        requires one, a dataset row needs it). Other controls are the parser's to judge."""
        if control == lsconfig.ENTITY_CONTROL:
            return self.allows(ENTITY, label, where, region_id, control)
        if control == lsconfig.CLAIM_CONTROL:
            known_label = self.allows(CLAIM, label, where, region_id, control)
            return self.allows(CLAIM_TYPE, choice, where, region_id, choice_control or control,
                               required=status == "completed") and known_label
        return True

    def mqm_error(self, category: Any, severity: Any, *, where: str, region_id: str, control: str,
                  choice_control: str | None) -> bool:
        """Whether an MQM error region may be read: its category (None: a source-side error, whose
        button names it) and its severity, if chosen, are the schema's. (A missing severity is the
        parser's fault to report: it depends on the annotation's status.)"""
        known = category is None or self.allows(CATEGORY, category, where, region_id, control)
        return self.allows(SEVERITY, severity, where, region_id, choice_control or control, required=False) and known

    def problems(self, kind: ProblemKind, task_id: int | None, doc_id: str | None, annotation_id: int | None,
                 annotator: str | None) -> list[ExportProblem]:
        """One problem per issue of the annotation just read."""
        return [ExportProblem(kind=kind, task_id=task_id, doc_id=doc_id, annotation_id=annotation_id,
                              annotator=annotator, message=issue.message, region_id=issue.region_id,
                              field=issue.control, value=issue.value, expected=list(issue.expected))
                for issue in self.issues]

    def set_aside(self, problems: list[ExportProblem] | None, where: str, kind: ProblemKind, task_id: int | None,
                  doc_id: str | None, annotation_id: int | None, annotator: str | None) -> None:
        """The annotation just read (``where``) had issues: they go to ``problems``; without a list,
        the first one is an ExportError (counting the others)."""
        if problems is None:
            more = len(self.issues) - 1
            raise ExportError(self.issues[0].message + (f" (and {more} more in {where})" if more else ""))
        problems.extend(self.problems(kind, task_id, doc_id, annotation_id, annotator))


# ── duplicated tasks ──────────────────────────────────────────────────────────────────────────

def find_duplicates(keys: Iterable[TaskKey]) -> dict[int, ExportProblem]:
    """The export items (by position) to set aside as duplicates, each with its problem: a task id
    seen before (the first occurrence is read), and a ``doc_id`` held by several tasks (the lowest
    task id is read). Tasks whose id is no integer or that have no ``doc_id`` are not compared
    (the parser sets them aside as broken)."""
    by_id: dict[int, list[tuple[int, str | None]]] = defaultdict(list)  # task id → [(position, doc_id)]
    for position, (task_id, doc_id) in enumerate(keys):
        if task_id.__class__ is int:
            by_id[task_id].append((position, None if doc_id is None else str(doc_id)))
    found: dict[int, ExportProblem] = {}
    by_doc: dict[str, list[tuple[int, int]]] = defaultdict(list)  # doc_id → [(task id, position)]
    for task_id, items in by_id.items():
        (first, first_doc), *others = items
        if first_doc is not None:
            by_doc[first_doc].append((task_id, first))
        for position, doc_id in others:
            found[position] = ExportProblem(
                kind="task", task_id=task_id, doc_id=doc_id, annotation_id=None, annotator=None,
                field="id", value=str(task_id), task_ids=[task_id],
                message=f"task {task_id} (export item {position}{_doc(doc_id)}): duplicate task id {task_id}, "
                        f"also export item {first}{_doc(first_doc)}; only the first, export item {first}, is read")
    for doc_id, tasks in by_doc.items():
        if len(tasks) < 2:
            continue
        tasks.sort()
        kept = tasks[0][0]
        ids = [task_id for task_id, _ in tasks]
        for task_id, position in tasks[1:]:
            found[position] = ExportProblem(
                kind="task", task_id=task_id, doc_id=doc_id, annotation_id=None, annotator=None,
                field="data.doc_id", value=doc_id, task_ids=ids,
                message=f"task {task_id} (doc {doc_id}): duplicate doc_id {doc_id!r}, held by tasks "
                        f"{_and(ids)}; only task {kept} is read (the lowest id, the task `annotate push` "
                        f"updates): merge the others' work into it or delete them in Label Studio")
    return dict(sorted(found.items()))


def _doc(doc_id: str | None) -> str:
    return f", doc {doc_id}" if doc_id is not None else ""


def _and(values: list[int]) -> str:
    """``1, 4 and 9``."""
    shown = [str(value) for value in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
