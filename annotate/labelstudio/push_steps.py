"""The steps of one push (:mod:`annotate.labelstudio.push`, whose docstring says what a push does
to each task): compare each document with the project's tasks (a :class:`PushPlan`), hold back the
tasks with an annotator's draft, update the tasks nobody worked on, extend the worked-on ones with
new systems' text, import the new ones, and settle (unrated marks, model version, one task per
doc_id). ``push_documents`` holds the lock and turns an interruption into PushInterrupted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.labelstudio import client as api
from annotate.labelstudio import esa
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.bulk_import import import_pipelined
from annotate.labelstudio.connection import Connection
from annotate.labelstudio.locking import PushJournal
from annotate.labelstudio.pseudonyms import imported_user_email
from annotate.labelstudio.reconcile import other_projects_note, remove_duplicate_tasks
from annotate.labelstudio.suggestions import Suggester, is_held_out, stale_suggestions
from annotate.labelstudio.tasks import (
    add_suggestions,
    build_task,
    extends_data,
    keep_unseen_marks,
    mark_unrated,
    mark_unseen,
    same_data,
    unrated_systems,
)
from annotate.records import AnnotatedDocument

if TYPE_CHECKING:
    from annotate.labelstudio.push import PushReport


_Change = tuple[AnnotatedDocument, int, dict]  # (doc, id of its task, its new task JSON)


@dataclass
class PushPlan:
    """What a push does to each document, from comparing it with the project's tasks."""

    existing_data: dict[int, dict]  # task id → the data the task has now
    to_import: list[tuple[AnnotatedDocument, dict | None]] = field(default_factory=list)  # (doc, task JSON if built)
    to_delete: list[int] = field(default_factory=list)
    to_update: list[_Change] = field(default_factory=list)
    to_replace: list[_Change] = field(default_factory=list)
    to_extend: list[_Change] = field(default_factory=list)  # data only grows: safe under annotations


class PushSteps:
    """One push's steps (holding the push lock), sharing the project, the report, and the tasks it
    wrote with a prediction shown (``shown``) or with annotations rating only some systems."""

    def __init__(self, ls: Any, conn: Connection, project: api.ProjectInfo, report: PushReport,
                 suggester: Suggester | None, model_version: str, holdout_percent: float, *,
                 protocol: str = "mqm") -> None:
        self.ls, self.conn, self.project, self.report = ls, conn, project, report
        self.esa = protocol == esa.PROTOCOL
        self.suggester, self.model_version, self.holdout_percent = suggester, model_version, holdout_percent
        self.prefill = report.post_edit_prefill
        self.shown: list[str] = []  # doc_ids written with a prediction annotators see
        self.partly_rated: dict[str, tuple[list[str], dict]] = {}  # doc_id → (systems its annotations skip, data)
        self.importing: list[str] = []  # doc_ids of the new tasks, once their import has begun

    def task_json(self, doc: AnnotatedDocument) -> dict:
        """The task of ``doc`` as this project shows it, without suggestions. An ESA task carries
        ESA's fields and none of the document's annotations (they are MQM's, for an MQM page)."""
        task_json = build_task(doc, self.project.systems, post_edit_prefill=self.prefill, with_annotations=not self.esa)
        if self.esa:
            esa.add_esa_fields(ts.data_of(task_json), self.project.extras)
        return task_json

    def build(self, doc: AnnotatedDocument, task_json: dict | None = None) -> dict:
        """A task written to the server, with its suggestions (computed only for tasks actually written)."""
        task_json = task_json or self.task_json(doc)
        if not self.esa and (unrated := unrated_systems(doc, self.project.systems)):
            self.partly_rated[doc.doc_id] = (unrated, ts.data_of(task_json))
        if self.suggester is not None:
            withhold = is_held_out(doc.doc_id, self.holdout_percent)
            suggested = self.suggester(doc, ts.data_of(task_json))
            if self.esa:  # ESA-AI: our MQM suggestions as pre-filled ESA spans
                suggested = esa.esa_suggestions(ts.data_of(task_json), suggested)
            add_suggestions(task_json, suggested, self.model_version, withhold=withhold)
            (self.report.withheld if withhold else self.shown).append(doc.doc_id)
        return task_json

    def plan(self, docs: Sequence[AnnotatedDocument], existing: dict[str, list[Any]],
             overwrite_annotated: bool) -> PushPlan:
        """Each document compared with its task (the lowest id when there are several)."""
        report = self.report
        plan = PushPlan(existing_data={task.id: task.data for tasks in existing.values() for task in tasks})
        for doc in docs:
            tasks = sorted(existing.get(doc.doc_id, []), key=lambda t: t.id)
            if not tasks:
                plan.to_import.append((doc, None))  # built later, while the previous chunk imports
                continue
            task_json = self.task_json(doc)
            current, extra = tasks[0], tasks[1:]
            keep_unseen_marks(current.data, ts.data_of(task_json))
            if extra:
                report.duplicate_tasks[doc.doc_id] = [t.id for t in extra]
            report.task_ids[doc.doc_id] = current.id
            if current.annotations and not overwrite_annotated:
                self._keep_worked_on(plan, doc, current.id, task_json, report.skipped_annotated)
            elif task_json.get(ts.ANNOTATIONS) and not current.annotations:
                plan.to_replace.append((doc, current.id, task_json))
            elif (not same_data(current.data, ts.data_of(task_json))
                  or stale_suggestions(current, self.suggester, self.model_version)):
                plan.to_update.append((doc, current.id, task_json))
            else:
                report.unchanged.append(doc.doc_id)
        return plan

    def hold_back_drafts(self, plan: PushPlan, overwrite_annotated: bool) -> None:
        """A draft (saved, not submitted) is an annotator's work too: neither replaced nor left to
        point at text that changed under it; its task is at most extended. So is an annotation the
        task list's counters did not show yet (submitted a moment ago): its task is treated as the
        annotated task it is. Both are looked up only for tasks the push would touch."""
        report = self.report
        touched = [task_id for _, task_id, _ in plan.to_replace] + [task_id for _, task_id, _ in plan.to_update]
        drafted, annotated = (api.tasks_with_work(self.ls, self.conn, self.project.id, touched)
                              if touched and not overwrite_annotated else (set(), set()))
        for doc, task_id, task_json in plan.to_replace:
            if task_id in annotated:
                self._keep_worked_on(plan, doc, task_id, task_json, report.skipped_annotated)
            elif task_id in drafted:
                report.skipped_drafts[doc.doc_id] = task_id
            else:
                plan.to_delete.append(task_id)
                plan.to_import.append((doc, task_json))
                report.replaced.append(doc.doc_id)
        for doc, task_id, task_json in plan.to_update:
            if task_id in annotated:
                self._keep_worked_on(plan, doc, task_id, task_json, report.skipped_annotated)
            elif task_id in drafted:
                self._keep_worked_on(plan, doc, task_id, task_json, report.skipped_drafts)
        plan.to_update = [change for change in plan.to_update if change[1] not in drafted | annotated]

    def _keep_worked_on(self, plan: PushPlan, doc: AnnotatedDocument, task_id: int, task_json: dict[str, Any],
                        skipped: dict[str, int]) -> None:
        """A task someone worked on: unchanged if its data is the same (its suggestions left as they
        were), extended if the push only adds to it, else left alone and listed in ``skipped``."""
        if same_data(plan.existing_data[task_id], ts.data_of(task_json)):
            self.report.unchanged.append(doc.doc_id)
        elif extends_data(plan.existing_data[task_id], ts.data_of(task_json)):
            plan.to_extend.append((doc, task_id, task_json))
        else:
            skipped[doc.doc_id] = task_id

    def update_tasks(self, plan: PushPlan) -> None:
        """Tasks nobody worked on: new data and meta, predictions replaced."""
        for doc, task_id, task_json in plan.to_update:
            unchanged = same_data(plan.existing_data[task_id], ts.data_of(task_json))  # only its suggestions are stale
            task_json = self.build(doc, task_json)
            api.update_task(self.ls, self.conn, task_id, ts.data_of(task_json), ts.meta_of(task_json))
            api.replace_predictions(self.ls, self.conn, task_id, ts.first_prediction_result(task_json),
                                    self.model_version)
            (self.report.refreshed if unchanged else self.report.updated).append(doc.doc_id)

    def extend_tasks(self, plan: PushPlan) -> None:
        """Worked-on tasks given new systems' text; their submitted annotations marked as not having seen it."""
        submitted = api.submitted_annotations(self.ls, self.conn, self.project.id,
                                              [task_id for _, task_id, _ in plan.to_extend])
        for doc, task_id, task_json in plan.to_extend:
            mark_unseen(plan.existing_data[task_id], ts.data_of(task_json), submitted[task_id])
            api.update_task(self.ls, self.conn, task_id, ts.data_of(task_json))  # meta and predictions kept
            self.report.extended.append(doc.doc_id)

    def import_new(self, plan: PushPlan, journal: PushJournal, chunk_size: int,
                   progress: Callable[[int, int], None] | None) -> None:
        """New tasks (and re-imported ones, their old task deleted) bulk-imported, the plan journalled
        first for the next push to check if this one is interrupted."""
        ls, conn, report = self.ls, self.conn, self.report
        api.ensure_users(ls, conn, sorted({imported_user_email(a.annotator) for doc, _ in plan.to_import
                                           for a in doc.annotations if a.status in ("completed", "cancelled")}))
        if plan.to_delete:  # a concurrent push may have removed some already
            api.delete_tasks(ls, conn, plan.to_delete)
        if plan.to_import:
            self.importing = [doc.doc_id for doc, _ in plan.to_import]
            journal.begin(self.project.id, self.importing)

        def imported(chunk: list[str], ids: list[int], done: int) -> None:
            for doc_id, task_id in zip(chunk, ids):
                report.task_ids[doc_id] = task_id
                if doc_id not in report.replaced:
                    report.created.append(doc_id)
            if progress:
                progress(done, len(plan.to_import))

        import_pipelined(ls, conn, self.project.id, plan.to_import, self.build, chunk_size, imported)

    def finish(self, doc_ids: list[str], project_title: str) -> None:
        """Unrated marks on imported annotations, the model version, one task per doc_id, notes."""
        ls, conn, project_id, report = self.ls, self.conn, self.project.id, self.report
        if self.partly_rated:  # imported annotations that rate only some columns: the rest stays unrated
            ids = {doc_id: report.task_ids[doc_id] for doc_id in self.partly_rated}
            stamps = api.submitted_annotations(ls, conn, project_id, list(ids.values()))
            for doc_id, (unrated, data) in self.partly_rated.items():
                mark_unrated(data, unrated, stamps[ids[doc_id]])
                api.update_task(ls, conn, ids[doc_id], data)
        if self.suggester is not None and self.shown:
            # Shown to annotators as pre-annotations; the server accepts a version only once
            # predictions with it exist, hence after the import.
            api.update_project(ls, conn, project_id, model_version=self.model_version)
        if self.importing or report.duplicate_tasks:
            reconcile_tasks(ls, conn, project_id, doc_ids, report)
        if note := other_projects_note(ls, conn, project_id, project_title):
            report.notes.append(note)


def reconcile_tasks(ls: Any, conn: Connection, project_id: int, doc_ids: list[str], report: PushReport) -> None:
    """One task per pushed doc_id, whatever concurrent pushes imported (reconcile.py), in the report."""
    created = set(report.created)
    own = {report.task_ids[doc_id] for doc_id in created | set(report.replaced) if doc_id in report.task_ids}
    outcome = remove_duplicate_tasks(ls, conn, project_id, doc_ids, own)
    for doc_id, kept in outcome.kept.items():
        if report.task_ids.get(doc_id) != kept and doc_id in created:  # another push's task was first
            report.created.remove(doc_id)
            report.created_elsewhere.append(doc_id)
        report.task_ids[doc_id] = kept
    report.removed_duplicates = outcome.removed
    report.duplicate_tasks = outcome.left
