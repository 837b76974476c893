"""The Label Studio API calls we make (SDK 2.x), with errors turned into clear ones.

Retries: the SDK retries a request after a connection error or a 5xx, including POSTs. A retried
bulk import whose first attempt was committed would duplicate tasks, so imports run with
``max_retries=0`` and push re-reads the project instead (see push.py). Reads retry once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.errors import AuthenticationError, LabelStudioError, ServerUnavailable
from annotate.labelstudio.connection import Connection

if TYPE_CHECKING:  # heavy import, only at call time
    from label_studio_sdk import LabelStudio

DEFAULT_TIMEOUT = 60.0  # one call; bulk imports of 1000 tasks with predictions take ~1.5 s
SYSTEMS_MARKER = re.compile(r"<!-- annotate-systems: (\[.*?\]) -->")
# Task listing: enough to decide create / update / skip for every doc_id.
_TASK_FIELDS = f"{ts.TASK_ID},{ts.DATA},{ts.META},total_annotations,cancelled_annotations,total_predictions"


def open_client(conn: Connection, timeout: float = DEFAULT_TIMEOUT, max_retries: int = 1) -> LabelStudio:
    """An SDK client for ``conn`` (does not contact the server)."""
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=conn.url, api_key=conn.token, timeout=timeout, max_retries=max_retries)


@contextmanager
def api_errors(conn: Connection, action: str) -> Iterator[None]:
    """Turn SDK / httpx exceptions into our errors, naming the server and the action."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise AuthenticationError(f"{action}: Label Studio at {conn.url} refused the token "
                                      f"(HTTP {exc.status_code})") from exc
        body = exc.body if isinstance(exc.body, str) else json.dumps(exc.body, ensure_ascii=False, default=str)
        raise LabelStudioError(f"{action}: Label Studio at {conn.url} answered HTTP {exc.status_code}: "
                               f"{body[:1500]}") from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise ServerUnavailable(f"{action}: lost the connection to Label Studio at {conn.url} ({exc})") from exc
    except httpx.TimeoutException as exc:
        raise ServerUnavailable(f"{action}: Label Studio at {conn.url} did not answer in time ({exc})") from exc


def _raw(ls: LabelStudio, conn: Connection, action: str, method: str, path: str, *,
         params: dict[str, Any] | None = None, content: bytes | None = None, missing_ok: bool = False) -> Any:
    """One HTTP call through the SDK's own httpx client and auth headers (personal access tokens
    included), without its per-item ``jsonable_encoder`` pass and pydantic models: on bulk calls
    those cost more than the server itself (measured by scripts/bench_labelstudio.py). No retry.
    ``missing_ok``: a 404 returns None instead of raising."""
    import httpx

    wrapper = ls._client_wrapper  # the SDK's documented extension point (its *_ext clients use it)
    headers = dict(wrapper.get_headers())
    if content is not None:
        headers["Content-Type"] = "application/json"
    try:
        response = wrapper.httpx_client.httpx_client.request(
            method, f"{wrapper.get_base_url().rstrip('/')}{path}", params=params, content=content,
            headers=headers, timeout=wrapper.get_timeout())
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise ServerUnavailable(f"{action}: lost the connection to Label Studio at {conn.url} ({exc})") from exc
    except httpx.TimeoutException as exc:
        raise ServerUnavailable(f"{action}: Label Studio at {conn.url} did not answer in time ({exc})") from exc
    if response.status_code in (401, 403):
        raise AuthenticationError(f"{action}: Label Studio at {conn.url} refused the token (HTTP {response.status_code})")
    if response.status_code == 404 and missing_ok:
        return None
    if response.status_code >= 400:
        raise LabelStudioError(f"{action}: Label Studio at {conn.url} answered HTTP {response.status_code}: "
                               f"{response.text[:1500]}")
    return response.json()


# ── projects ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ProjectInfo:
    """What push needs to know about a project."""

    id: int
    title: str
    systems: list[str]  # from the config's annotate-systems marker; [] if none
    created_at: str
    protocol: str = "mqm"  # what its labeling page asks for: "mqm" (+ entities, claims, post-edits) or "esa"
    extras: tuple[str, ...] = ()  # an ESA page's extras (annotate.labelstudio.esa.EXTRAS)


def systems_in_config(label_config: str | None) -> list[str]:
    """The MT systems a config generated by :func:`config_with_marker` was built for."""
    match = SYSTEMS_MARKER.search(label_config or "")
    return list(json.loads(match.group(1))) if match else []


def protocol_of_config(label_config: str | None) -> str:
    """``"esa"`` for a config :func:`annotate.labelstudio.esa.esa_label_config` made, else ``"mqm"``."""
    from annotate.labelstudio.esa import PROTOCOL, SCORE_PREFIX

    return PROTOCOL if f'name="{SCORE_PREFIX}' in (label_config or "") else "mqm"


def _extras(label_config: str | None) -> tuple[str, ...]:
    from annotate.labelstudio.esa import extras_of_config

    return extras_of_config(label_config) if protocol_of_config(label_config) != "mqm" else ()


def config_with_marker(xml: str, systems: Sequence[str]) -> str:
    """The config plus a comment recording its systems, so a later push can extend, not replace, them."""
    marker = f"<!-- annotate-systems: {json.dumps(list(systems), ensure_ascii=False)} -->"
    return xml.replace("<View>", f"<View>{marker}", 1)


def find_project(ls: LabelStudio, conn: Connection, title: str) -> ProjectInfo | None:
    """The project with exactly this title (the oldest if several), or None."""
    with api_errors(conn, f"looking up project {title!r}"):
        matches = [p for p in ls.projects.list(title=title, page_size=100) if p.title == title]
    if not matches:
        return None
    return get_project(ls, conn, min(p.id for p in matches))


def create_project(ls: LabelStudio, conn: Connection, title: str, label_config: str,
                   instruction_html: str) -> ProjectInfo:
    """Create a project (the server validates the config: a 400 names the problem)."""
    with api_errors(conn, f"creating project {title!r}"):
        project = ls.projects.create(title=title, label_config=label_config, expert_instruction=instruction_html,
                                     show_instruction=True, show_collab_predictions=True, show_skip_button=True)
    return ProjectInfo(id=project.id, title=project.title, systems=systems_in_config(label_config),
                       created_at=str(getattr(project, "created_at", "")), protocol=protocol_of_config(label_config),
                       extras=_extras(label_config))


@dataclass(frozen=True)
class ProjectCandidate:
    """One of the projects carrying a title, with what tells a working project from an empty
    duplicate (Label Studio does not keep titles unique)."""

    id: int
    title: str
    tasks: int
    annotations: int
    created_at: str

    def describe(self) -> str:
        """``project 12 (30 tasks, 4 annotations, created 2026-…)``."""
        return (f"project {self.id} ({self.tasks} tasks, {self.annotations} annotations, "
                f"created {self.created_at})")


def projects_titled(ls: LabelStudio, conn: Connection, title: str,
                    request_options: dict[str, Any] | None = None) -> list[ProjectCandidate]:
    """Every project with exactly this title (the server's filter also matches substrings), oldest
    (lowest id) first. ``request_options``: the SDK's, e.g. a timeout (:meth:`Deadline.request_options`)."""
    with api_errors(conn, f"looking up projects titled {title!r}"):
        found = [p for p in ls.projects.list(title=title, page_size=100, request_options=request_options)
                 if p.title == title]
    return sorted((ProjectCandidate(id=p.id, title=p.title, tasks=p.task_number or 0,
                                    annotations=p.total_annotations_number or 0, created_at=str(p.created_at))
                   for p in found), key=lambda p: p.id)


def get_project(ls: LabelStudio, conn: Connection, project_id: int,
                request_options: dict[str, Any] | None = None) -> ProjectInfo:
    """The project with this id (a LabelStudioError naming it when there is none)."""
    with api_errors(conn, f"reading project {project_id}"):
        full = ls.projects.get(id=project_id, request_options=request_options)
    return ProjectInfo(id=full.id, title=full.title, systems=systems_in_config(full.label_config),
                       created_at=str(full.created_at), protocol=protocol_of_config(full.label_config),
                       extras=_extras(full.label_config))


def delete_project(ls: LabelStudio, conn: Connection, project_id: int) -> bool:
    """Delete a project; False if it was already gone."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        with api_errors(conn, f"deleting project {project_id}"):
            ls.projects.delete(id=project_id)
    except LabelStudioError as exc:
        if isinstance(exc.__cause__, ApiError) and exc.__cause__.status_code == 404:
            return False
        raise
    return True


def delete_tasks(ls: LabelStudio, conn: Connection, task_ids: Sequence[int]) -> list[int]:
    """Delete these tasks; returns those this call deleted (one already gone, e.g. removed by a
    concurrent push reconciling the same duplicates, is no error)."""
    from label_studio_sdk.core.api_error import ApiError

    deleted = []
    for task_id in task_ids:
        try:
            with api_errors(conn, f"deleting task {task_id}"):
                ls.tasks.delete(id=str(task_id))
        except LabelStudioError as exc:
            if isinstance(exc.__cause__, ApiError) and exc.__cause__.status_code == 404:
                continue
            raise
        deleted.append(task_id)
    return deleted


def update_project(ls: LabelStudio, conn: Connection, project_id: int, **fields: Any) -> None:
    """PATCH project settings (label_config, expert_instruction, model_version …)."""
    with api_errors(conn, f"updating project {project_id}"):
        ls.projects.update(id=project_id, **fields)


@dataclass(frozen=True)
class Overlap:
    """How many annotators label each task, on what share of the tasks: Label Studio's
    ``maximum_annotations`` and ``overlap_cohort_percentage`` (both honoured by the open-source
    server's label stream, though only its Enterprise UI shows them). Doubly-labelled tasks are
    what annotator agreement is measured on; ``percent`` below 100 keeps the cost down (WMT
    campaigns double-rate a sample), and those tasks are then handed out first."""

    annotators: int = 2
    percent: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.annotators <= 100:
            raise ValueError(f"overlap: annotators per task must be 1 to 100, got {self.annotators}")
        if not 1 <= self.percent <= 100:
            raise ValueError(f"overlap: the share of tasks must be 1 to 100 percent, got {self.percent}")

    def describe(self) -> str:
        """``2 annotators on 20% of the tasks`` (or ``1 annotator per task``)."""
        if self.annotators == 1:
            return "1 annotator per task"
        share = "every task" if self.percent == 100 else f"{self.percent}% of the tasks (1 on the others)"
        return f"{self.annotators} annotators on {share}"


def set_overlap(ls: LabelStudio, conn: Connection, project_id: int, overlap: Overlap) -> None:
    """Apply ``overlap`` to the project; the server re-draws which tasks are in the overlap cohort
    now and whenever tasks are added."""
    update_project(ls, conn, project_id, maximum_annotations=overlap.annotators,
                   overlap_cohort_percentage=overlap.percent,
                   show_overlap_first=overlap.annotators > 1 and overlap.percent < 100)


# ── tasks ─────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ExistingTask:
    """A task already in the project, keyed by its doc_id."""

    id: int
    data: dict[str, Any]
    annotations: int  # submitted + skipped: such tasks are never overwritten silently
    predictions: int
    # the model version of its suggestions, as push recorded it (shown or withheld)
    suggestion_versions: frozenset[str] = frozenset()


def list_tasks(ls: LabelStudio, conn: Connection, project_id: int, page_size: int = 500,
               with_data: bool = True) -> dict[str, list[ExistingTask]]:
    """doc_id → tasks carrying it (normally one; more means a duplicate). Without ``with_data``
    the tasks come without their data (``{}``): a much lighter call, enough to count them."""
    out: dict[str, list[ExistingTask]] = {}
    seen, page = 0, 1
    fields = _TASK_FIELDS if with_data else _TASK_FIELDS.replace(f"{ts.DATA},", "")
    while True:
        body = _raw(ls, conn, f"listing the tasks of project {project_id}", "GET", "/api/tasks",
                    params={"project": project_id, "include": fields, "page_size": page_size, "page": page})
        tasks = body.get("tasks") or []
        for task in tasks:
            data = ts.data_of(task)
            doc_id = ts.doc_id_of(task)
            if not doc_id:
                continue  # not one of ours (added by hand): left alone
            out.setdefault(str(doc_id), []).append(ExistingTask(
                id=task[ts.TASK_ID], data=data,
                annotations=(task.get("total_annotations") or 0) + (task.get("cancelled_annotations") or 0),
                predictions=task.get("total_predictions") or 0, suggestion_versions=ts.suggestion_versions(task)))
        seen += len(tasks)
        if not tasks or seen >= (body.get("total") or 0):
            return out
        page += 1


def annotation_counts(ls: LabelStudio, conn: Connection, task_ids: Sequence[int]) -> dict[int, int]:
    """task id → its annotations (submitted and skipped), counted from the task's own annotation
    list (``/api/tasks/<id>/annotations/`` leaves skipped ones out; the task list's counters once
    missed a fresh annotation under load). A task that is gone (deleted meanwhile, e.g. by a
    concurrent push) is left out."""
    counts = {}
    for task_id in task_ids:
        task = _raw(ls, conn, f"reading task {task_id}", "GET", f"/api/tasks/{task_id}", missing_ok=True)
        if task is not None:
            counts[task_id] = len(task.get(ts.ANNOTATIONS) or [])
    return counts


def tasks_with_drafts(ls: LabelStudio, conn: Connection, project_id: int, task_ids: list[int],
                      batch: int = 200) -> set[int]:
    """The tasks among ``task_ids`` holding an unsubmitted draft by ANY user. (The task API shows a
    user only their own drafts; the export endpoint, asked for these ids, lists everyone's.)"""
    return tasks_with_work(ls, conn, project_id, task_ids, batch)[0]


def tasks_with_work(ls: LabelStudio, conn: Connection, project_id: int, task_ids: list[int],
                    batch: int = 200) -> tuple[set[int], set[int]]:
    """(the tasks holding a draft by any user, the tasks holding an annotation) among ``task_ids``,
    read from the tasks themselves through the export endpoint: the task list's counters can lag
    an annotation submitted a moment ago (seen on a fresh 2-core machine), and a push must never
    take such a task for untouched."""
    drafted: set[int] = set()
    annotated: set[int] = set()
    for task in _exported_tasks(ls, conn, project_id, task_ids, "looking for drafts and annotations on", batch):
        if task.get(ts.DRAFTS):
            drafted.add(task[ts.TASK_ID])
        if task.get(ts.ANNOTATIONS):
            annotated.add(task[ts.TASK_ID])
    return drafted, annotated


def _exported_tasks(ls: LabelStudio, conn: Connection, project_id: int, task_ids: list[int], action: str,
                    batch: int = 200) -> Iterator[dict[str, Any]]:
    """The export endpoint's JSON of ``task_ids`` (every user's annotations and drafts), asked
    ``batch`` ids per call (the ids travel in the query string)."""
    for start in range(0, len(task_ids), batch):
        ids = task_ids[start:start + batch]
        yield from _raw(ls, conn, f"{action} {len(ids)} tasks of project {project_id}", "GET",
                        f"/api/projects/{project_id}/export",
                        params={"exportType": "JSON", "download_all_tasks": "true", "ids[]": ids}) or []


def submitted_annotations(ls: LabelStudio, conn: Connection, project_id: int,
                          task_ids: list[int]) -> dict[int, dict[str, str]]:
    """task id → {annotation id: its ``updated_at``} of the submitted (not skipped) annotations on
    each of ``task_ids``, read through the export endpoint: the same fields, in the same format,
    as a pull's export carries them."""
    stamps: dict[int, dict[str, str]] = {task_id: {} for task_id in task_ids}
    for task in _exported_tasks(ls, conn, project_id, task_ids, "reading the annotations of"):
        stamps[task[ts.TASK_ID]] = {str(a["id"]): str(a.get("updated_at") or "")
                                    for a in task.get(ts.ANNOTATIONS) or [] if not a.get("was_cancelled")}
    return stamps


def task_annotations(ls: LabelStudio, conn: Connection, task_id: int) -> list[dict[str, Any]]:
    """Every user's annotations of a task (submitted and skipped; drafts are not annotations), as
    the API returns them (``id``, ``result``, ``ground_truth``, ``was_cancelled``, …)."""
    return _raw(ls, conn, f"reading the annotations of task {task_id}", "GET",
                f"/api/tasks/{task_id}/annotations/") or []


def update_annotation(ls: LabelStudio, conn: Connection, annotation_id: int, **fields: Any) -> dict[str, Any]:
    """PATCH an annotation (``result``, ``ground_truth``); its annotator stays who they were.
    ``ground_truth=True`` unstars the task's other annotations (Label Studio does that itself)."""
    return _raw(ls, conn, f"updating annotation {annotation_id}", "PATCH", f"/api/annotations/{annotation_id}/",
                content=json.dumps(fields, ensure_ascii=False).encode("utf-8"))


def encode_tasks(tasks: list[dict[str, Any]]) -> bytes:
    """The request body of a bulk import (UTF-8 JSON; orjson: a tenth of ``json.dumps``'s time)."""
    import orjson

    return orjson.dumps(tasks)


def import_tasks(ls: LabelStudio, conn: Connection, project_id: int, tasks: list[dict[str, Any]] | bytes,
                 count: int | None = None) -> list[int]:
    """One bulk import call (atomic on the server) of tasks, or of their :func:`encode_tasks`
    body (then give ``count``); returns the new task ids. Never retried."""
    body = tasks if isinstance(tasks, bytes) else encode_tasks(tasks)
    count = len(tasks) if count is None and not isinstance(tasks, bytes) else count
    answer = _raw(ls, conn, f"importing {count} tasks into project {project_id}", "POST",
                  f"/api/projects/{project_id}/import", params={"return_task_ids": "true"}, content=body)
    return list(answer.get("task_ids") or [])


def update_task(ls: LabelStudio, conn: Connection, task_id: int, data: dict[str, Any],
                meta: dict[str, Any] | None = None) -> None:
    """PATCH a task's data, and its meta unless ``meta`` is None (then the meta stays as it is)."""
    with api_errors(conn, f"updating task {task_id}"):
        if meta is None:
            ls.tasks.update(id=str(task_id), data=data)
        else:
            ls.tasks.update(id=str(task_id), data=data, meta=meta)


def replace_predictions(ls: LabelStudio, conn: Connection, task_id: int, result: list[dict], model_version: str) -> None:
    """Delete the task's predictions and create one with ``result`` (after its data changed)."""
    with api_errors(conn, f"replacing the predictions of task {task_id}"):
        for prediction in ls.predictions.list(task=task_id):
            ls.predictions.delete(id=prediction.id)
        if result:
            ls.predictions.create(task=task_id, result=result, model_version=model_version)


def ensure_users(ls: LabelStudio, conn: Connection, emails: Sequence[str]) -> None:
    """Create organisation members for these emails when missing (imported annotations need them)."""
    if not emails:
        return
    with api_errors(conn, "listing users"):
        known = {user.email for user in ls.users.list()}
    for email in sorted(set(emails) - known):
        with api_errors(conn, f"creating user {email}"):
            ls.users.create(email=email, username=email.split("@", 1)[0])
