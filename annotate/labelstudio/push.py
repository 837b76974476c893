"""Push documents to a Label Studio project (idempotently) and pull annotations back.

Push, per document (identity = ``doc_id`` in task data and meta):

* no task yet → bulk-imported: chunks of 250, 1000, 4000 … tasks (fewer calls: each costs the
  server a fixed overhead), the next chunk built while the server imports the previous one; each
  call is atomic on the server, so a push killed midway leaves whole chunks behind and a rerun
  imports the rest;
* task with the same data → left alone (a task pushed before tasks recorded their language pair
  holds es-en's: :func:`~annotate.labelstudio.tasks.same_data`; another pair is added to it, as a
  new system's text is, below);
* task with different data and no annotations → data PATCHed, predictions replaced;
* task with the same data, no annotations and no draft, whose suggestions came from another
  version of annotate's suggester (new rules, a grown error memory: ``push --learn-from``) → its
  suggestions are made again and replaced (never another model's predictions);
* with ``holdout_percent``, that share of the tasks (chosen by a hash of ``doc_id``: the same
  tasks on every push) gets its suggestions in its meta instead of as a prediction: annotators
  label them from scratch, and the report compares what they do there with what annotators who
  started from the suggestions kept (anchoring, :mod:`annotate.scoring.preannotation`);
* task with annotations (submitted or skipped) or with anyone's draft, whose new data only ADDS to
  the old (a new MT system's translations: :func:`~annotate.labelstudio.tasks.extends_data`) → the
  data is PATCHed, meta and predictions left alone: every annotation still points at the same text,
  and annotators see the new system's column (without it the labeling page of a project that gained
  a system has a column with no text). The submitted annotations are marked as not having seen the
  new system (``data.systems[i].unseen_by``), so they do not count as rating it "no error" until
  their annotator updates them;
* task with annotations or a draft whose data changes otherwise → NEVER overwritten: skipped
  and reported, unless ``overwrite_annotated=True`` (then the data is PATCHed and the annotations
  stay, which may no longer match — hence opt-in only);
* doc carrying gold annotations whose task exists without any → the task is re-imported with its
  annotations (there is nothing on it to lose), so annotations keep their annotators.

``post_edit_start`` says what the post-edit boxes start with (:mod:`annotate.labelstudio.post_edits`):
the first system's output (the default), a named system's, or nothing. It is written into each task
it builds (its data's prefills, and ``meta.post_edit_prefill``, which export reads back), so it
changes a task like any other data change: never under annotations. The project's config follows
the latest push's choice (its header; its "Correct as is" ticks are shown only when boxes are
prefilled).

Concurrent pushes to one project end with one project and one task per doc_id: pushes from this
machine take turns (:mod:`annotate.labelstudio.locking`), pushes from elsewhere are reconciled on the
server (:mod:`annotate.labelstudio.reconcile`). A push interrupted during its import (Ctrl-C,
SIGTERM) says how many of its new tasks the server committed; after a SIGKILL, the next push says
it, from the plan the killed one left in its journal, and adds the rest.

Pulling the annotations back is :mod:`annotate.labelstudio.pull`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.labelstudio import client as api
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import esa
from annotate.labelstudio import guidelines
from annotate.labelstudio.bulk_import import DEFAULT_CHUNK_SIZE, chunk_bounds  # noqa: F401  (chunk_bounds re-exported)
from annotate.labelstudio.connection import Connection, check_connection
from annotate.labelstudio.errors import LabelStudioError, ServerUnavailable
from annotate.labelstudio.locking import PushJournal, push_lock
from annotate.labelstudio.post_edits import FIRST_SYSTEM, resolve_prefill
from annotate.labelstudio.push_steps import PushSteps
from annotate.labelstudio.reconcile import settle_new_project
from annotate.labelstudio.suggestions import Suggester, default_suggester
from annotate.labelstudio.tasks import document_systems
from annotate.languages import SPANISH_ENGLISH, LanguagePair
from annotate.records import AnnotatedDocument

MQM = "mqm"
PROTOCOLS = (MQM, esa.PROTOCOL)  # what a project's pages ask for: see push_documents

if TYPE_CHECKING:
    from annotate.error_memory import ErrorMemory

DEFAULT_PROJECT_TITLE = "annotate: es-en news"


@dataclass
class PushReport:
    """What a push did, per doc_id."""

    project_id: int
    project_url: str
    systems: list[str]
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # re-imported to attach gold annotations
    extended: list[str] = field(default_factory=list)  # annotated (or drafted) tasks given new systems' text
    skipped_annotated: dict[str, int] = field(default_factory=dict)  # doc_id → task id, left untouched
    skipped_drafts: dict[str, int] = field(default_factory=dict)  # doc_id → task id with someone's draft
    duplicate_inputs: list[str] = field(default_factory=list)  # doc_ids given more than once (first kept)
    duplicate_tasks: dict[str, list[int]] = field(default_factory=dict)  # doc_id → extra tasks left (worked on)
    removed_duplicates: list[int] = field(default_factory=list)  # extra un-worked tasks of pushed docs, deleted
    created_elsewhere: list[str] = field(default_factory=list)  # created at once by a concurrent push: its task kept
    earlier_interrupted: tuple[int, int] | None = None  # an interrupted push's (committed, intended) new tasks
    task_ids: dict[str, int] = field(default_factory=dict)  # doc_id → task id, for every pushed doc
    model_version: str = ""
    overlap: str = ""  # the overlap setting this push applied, described
    withheld: list[str] = field(default_factory=list)  # doc_ids written with their suggestions withheld
    refreshed: list[str] = field(default_factory=list)  # untouched tasks given the current suggester's suggestions
    notes: list[str] = field(default_factory=list)
    post_edit_prefill: str = ""  # the system whose output the post-edit boxes of written tasks start with; "" = empty

    def summary(self) -> str:
        """One line for humans."""
        parts = [f"{len(self.created)} created", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        if self.replaced:
            parts.append(f"{len(self.replaced)} re-imported with annotations")
        if self.created_elsewhere:
            parts.append(f"{len(self.created_elsewhere)} created at the same time by another push")
        if self.removed_duplicates:
            parts.append(f"{len(self.removed_duplicates)} duplicate tasks removed")
        if self.refreshed:
            parts.append(f"{len(self.refreshed)} given new suggestions ({self.model_version})")
        if self.extended:
            parts.append(f"{len(self.extended)} annotated given new systems' translations (annotations kept)")
        if self.skipped_annotated:
            parts.append(f"{len(self.skipped_annotated)} SKIPPED (already annotated)")
        if self.skipped_drafts:
            parts.append(f"{len(self.skipped_drafts)} SKIPPED (an annotator's draft in progress)")
        if self.overlap:
            parts.append(f"overlap: {self.overlap}")
        if self.withheld:
            parts.append(f"suggestions withheld on {len(self.withheld)} (anchoring control)")
        parts.append(f"post-edit boxes start with the {self.post_edit_prefill} output" if self.post_edit_prefill
                     else "post-edit boxes start empty")
        return f"project {self.project_id} ({self.project_url}): " + ", ".join(parts)


class PushInterrupted(LabelStudioError):
    """The server went away, or the push was interrupted (Ctrl-C, SIGTERM), midway. ``report`` says
    what was done; rerunning the push completes it."""

    def __init__(self, message: str, report: PushReport):
        super().__init__(message)
        self.report = report


def _dedupe(docs: Sequence[AnnotatedDocument], report: PushReport) -> list[AnnotatedDocument]:
    kept: dict[str, AnnotatedDocument] = {}
    for doc in docs:
        if doc.doc_id in kept:
            report.duplicate_inputs.append(doc.doc_id)
        else:
            kept[doc.doc_id] = doc
    return list(kept.values())


def ensure_project(conn: Connection, title: str, systems: Sequence[str], ls: Any = None,
                   post_edit_start: str = FIRST_SYSTEM, notes: list[str] | None = None,
                   protocol: str = MQM, extras: Sequence[str] = (),
                   languages: LanguagePair = SPANISH_ENGLISH) -> api.ProjectInfo:
    """Find the project by title (create it if missing) and make its config show every system in
    ``systems`` plus those it already had (systems are only ever added), with post-edit boxes
    that start as ``post_edit_start`` says (a ValueError, before any change, if it names no system).
    Several projects with the title: the oldest (lowest id), as every concurrent push decides; one
    this call created loses to an older one created at the same time (see reconcile.py), which
    ``notes`` then mentions. ``protocol``: ``"mqm"`` or ``"esa"`` (:mod:`annotate.labelstudio.esa`);
    an existing project of the other protocol is a ValueError (its annotations would not read).
    ``extras``: what an ESA page also asks for (entities and claims, post-edits); kept once added.
    ``languages``: the documents' pair, which the page and its guidelines name ("Spanish source")."""
    ls = ls or api.open_client(conn)
    if not 3 <= len(title) <= 50:
        raise ValueError(f"project title {title!r} has {len(title)} characters; Label Studio needs 3 to 50")
    project = api.find_project(ls, conn, title)
    if project is None:
        xml = _label_config(list(systems), post_edit_start, protocol, extras, languages)
        created = api.create_project(ls, conn, title, xml, _instruction_html(protocol, languages))
        winner, settled = settle_new_project(ls, conn, created)
        if notes is not None:
            notes.extend(settled)
        if winner == created.id:
            return created
        project = api.get_project(ls, conn, winner)
    if project.protocol != protocol:
        raise ValueError(f"project {title!r} (id {project.id}) is an {project.protocol.upper()} project: push "
                         f"{protocol.upper()} tasks to another title (--project), or drop --protocol")
    wanted = list(project.systems)
    wanted += [s for s in systems if s not in wanted]
    # extras, like systems, are only ever added: Label Studio refuses a config without a control
    # that existing annotations use
    extras = tuple(sorted({*project.extras, *extras}))
    api.update_project(ls, conn, project.id,
                       label_config=_label_config(wanted, post_edit_start, protocol, extras, languages),
                       expert_instruction=_instruction_html(protocol, languages))
    return api.ProjectInfo(id=project.id, title=project.title, systems=wanted, created_at=project.created_at,
                           protocol=protocol, extras=extras)


def _label_config(systems: list[str], post_edit_start: str, protocol: str, extras: Sequence[str] = (),
                  languages: LanguagePair = SPANISH_ENGLISH) -> str:
    """The labeling config of a project of ``protocol`` showing ``systems`` (with its systems
    marker); ``extras``: an ESA page's (:data:`annotate.labelstudio.esa.EXTRAS`)."""
    names = guidelines.PageLanguages.of(languages)
    prefill = resolve_prefill(post_edit_start, systems)
    if protocol == esa.PROTOCOL:
        return api.config_with_marker(esa.esa_label_config(systems, extras, prefill, names), systems)
    return api.config_with_marker(lsconfig.label_config(systems, prefill, names), systems)


def _instruction_html(protocol: str, languages: LanguagePair = SPANISH_ENGLISH) -> str:
    if protocol == esa.PROTOCOL:
        return esa.esa_instruction_html()
    return guidelines.expert_instruction_html(guidelines.PageLanguages.of(languages))


def page_languages(docs: Sequence[AnnotatedDocument]) -> LanguagePair:
    """The one language pair of the documents a push brings (their tasks' page names it: "Spanish
    source"); es-en when they state none; a ValueError naming the pairs when they differ (a
    project's page, like a dataset, is in one pair: push each pair to a project of its own)."""
    pairs = sorted({LanguagePair(d.source_language, d.target_language) for d in docs} - {LanguagePair("", "")},
                   key=str)
    if len(pairs) > 1:
        raise ValueError(f"the documents are in {len(pairs)} language pairs ({', '.join(map(str, pairs))}): a "
                         "project's pages name one; push each pair to a project of its own (--project)")
    return pairs[0] if pairs and pairs[0].known else SPANISH_ENGLISH


def push_documents(
    conn: Connection,
    docs: Sequence[AnnotatedDocument],
    project_title: str = DEFAULT_PROJECT_TITLE,
    with_predictions: bool = True,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    overwrite_annotated: bool = False,
    suggester: Suggester | None = None,
    model_version: str = "",
    progress: Callable[[int, int], None] | None = None,
    overlap: api.Overlap | None = None,
    holdout_percent: float = 0.0,
    memory: ErrorMemory | None = None,
    post_edit_start: str = FIRST_SYSTEM,
    on_wait: Callable[[str], None] | None = None,
    protocol: str = MQM,
    esa_with: Sequence[str] = (),
) -> PushReport:
    """Create or update one task per document in the project titled ``project_title``.

    Documents carry text, segments and translations and, optionally, annotations (completed or
    cancelled ones are imported as real annotations by annotators named after their pseudonyms).
    ``with_predictions`` adds pre-annotations from :func:`default_suggester` (or ``suggester``).
    ``overlap``: annotators per task and on what share of the tasks (None leaves the project's setting).
    ``holdout_percent``: the share of tasks whose suggestions are withheld (see the module docstring).
    ``memory``: errors learned from annotations (:mod:`annotate.error_memory`), suggested too.
    ``post_edit_start``: what the post-edit boxes start with: ``"first-system"``, ``"empty"`` or a
    system's name (see the module docstring).
    ``on_wait`` is told who holds the push lock when another push to this project from this machine
    runs (this one waits for it; pushes from elsewhere are reconciled: see reconcile.py).
    ``protocol``: ``"mqm"`` (entities, claims, MQM errors, post-edits) or ``"esa"`` (Error Span
    Annotation: :mod:`annotate.labelstudio.esa`; suggestions become its pre-filled spans, ESA-AI);
    ``esa_with``: what an ESA page also asks for: ``"entities"`` (and claims), ``"post-edits"``.
    Raises PushInterrupted (with the partial report and what the server committed) if the server
    goes away or the push is interrupted (KeyboardInterrupt); rerun to complete."""
    check_connection(conn)
    with push_lock(conn.url, project_title, on_wait):
        return _push(conn, docs, project_title, with_predictions, chunk_size=chunk_size,
                     overwrite_annotated=overwrite_annotated, suggester=suggester, model_version=model_version,
                     progress=progress, overlap=overlap, holdout_percent=holdout_percent, memory=memory,
                     post_edit_start=post_edit_start, protocol=protocol, esa_with=esa_with)


def _push(conn: Connection, docs: Sequence[AnnotatedDocument], project_title: str, with_predictions: bool, *,
          chunk_size: int, overwrite_annotated: bool, suggester: Suggester | None, model_version: str,
          progress: Callable[[int, int], None] | None, overlap: api.Overlap | None, holdout_percent: float,
          memory: ErrorMemory | None, post_edit_start: str, protocol: str, esa_with: Sequence[str]) -> PushReport:
    """:func:`push_documents`, holding the push lock: the project set up, then the steps of
    :class:`~annotate.labelstudio.push_steps.PushSteps`."""
    ls = api.open_client(conn)
    if with_predictions and suggester is None:
        suggester, model_version = default_suggester(memory)
    if not with_predictions:
        suggester = None
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    if esa_with and protocol != esa.PROTOCOL:
        raise ValueError("--esa-with goes with --protocol esa (an MQM page has entities, claims and post-edits)")
    project, report = _begin(ls, conn, project_title, document_systems(docs), post_edit_start, suggester,
                             model_version, overlap, protocol, esa_with, page_languages(docs))
    if with_predictions and suggester is None:
        report.notes.append("no pre-annotations: annotate.suggest is not available")
    push = PushSteps(ls, conn, project, report, suggester, model_version, holdout_percent, protocol=protocol)
    docs = _dedupe(docs, report)
    existing = api.list_tasks(ls, conn, project.id)
    journal = PushJournal(project_title, project.id)
    if (leftover := journal.leftover()) is not None and leftover.project_id == project.id:
        report.notes.append(leftover.describe(set(existing), {doc.doc_id for doc in docs}))
        report.earlier_interrupted = (sum(d in existing for d in leftover.intended), len(leftover.intended))
    try:
        plan = push.plan(docs, existing, overwrite_annotated)
        push.hold_back_drafts(plan, overwrite_annotated)
        push.update_tasks(plan)
        push.extend_tasks(plan)
        push.import_new(plan, journal, chunk_size, progress)
        push.finish([doc.doc_id for doc in docs], project_title)
    except ServerUnavailable as exc:
        raise PushInterrupted(f"{exc}. Pushed so far: {report.summary()}. Run the push again to complete it "
                              "(it never duplicates tasks).", report) from exc
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM through locking.sigterm_as_interrupt
        raise PushInterrupted(_committed_before_interruption(ls, conn, project.id, push.importing),
                              report) from exc
    journal.finish()
    return report


def _begin(ls: Any, conn: Connection, title: str, systems: list[str], post_edit_start: str,
           suggester: Suggester | None, model_version: str, overlap: api.Overlap | None, protocol: str,
           esa_with: Sequence[str] = (), languages: LanguagePair = SPANISH_ENGLISH
           ) -> tuple[api.ProjectInfo, PushReport]:
    """The project found (or created) and configured for ``systems`` (and ``overlap``); the report begun."""
    notes: list[str] = []
    project = ensure_project(conn, title, systems, ls=ls, post_edit_start=post_edit_start, notes=notes,
                             protocol=protocol, extras=esa_with, languages=languages)
    report = PushReport(project_id=project.id, project_url=conn.project_url(project.id), systems=project.systems,
                        model_version=model_version if suggester else "",
                        post_edit_prefill=resolve_prefill(post_edit_start, project.systems), notes=notes)
    if overlap is not None:  # before the import: new tasks then join the overlap cohort as they arrive
        api.set_overlap(ls, conn, project.id, overlap)
        report.overlap = overlap.describe()
    return project, report


def _committed_before_interruption(ls: Any, conn: Connection, project_id: int, intended: list[str]) -> str:
    """The truth about an interrupted import, read back from the server."""
    if not intended:
        return "push interrupted before it imported anything; rerun it to complete"
    try:
        on_server = api.list_tasks(ls, conn, project_id, page_size=5000, with_data=False)
    except LabelStudioError as exc:
        return (f"push interrupted while importing {len(intended)} new tasks, and the server cannot say how "
                f"many it committed ({exc}); rerun the push: it adds the rest without duplicates")
    committed = sum(doc_id in on_server for doc_id in intended)
    return (f"push interrupted: {committed} of {len(intended)} new tasks were committed before the interruption "
            f"(project {project_id}); rerun the push to add the rest (it never duplicates tasks)")
