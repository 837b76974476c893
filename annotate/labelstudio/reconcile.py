"""Concurrent pushes made safe on any server, by reconciling after the fact.

Label Studio keeps neither project titles nor task data unique, and two pushes that start at once
(two terminals, two machines, a retried job) both see "no project" and "no task for this doc_id".
The push lock (:mod:`annotate.labelstudio.locking`) serialises pushes on one machine; for the
others every push applies the same deterministic rules, so that they agree without talking:

* **one project per title: the lowest id wins.** A push that has just created a project lists the
  projects with that title; if an older one exists, it deletes its own (still empty: it has imported
  nothing yet) and uses the older. The one committed first is seen by the one committed later, so
  at least the later one yields. Label Studio on SQLite adds a twist (measured): its
  ``DatabaseIsLockedRetryMiddleware`` replays a whole request that failed with "database is
  locked", even when the failure came after its project row was committed; the replay answers
  with a second project and the first, which no client ever hears of, stays. So a push
  that yields also deletes the other empty projects with the title created in the same burst
  (within ``ORPHAN_WINDOW_SECONDS`` of the winner): nobody can be using them, since every push uses
  the oldest.
* **one task per doc_id: the lowest id wins.** After its imports, a push lists the project's tasks
  and deletes the other tasks of each doc_id it pushed — unless someone worked on them (an
  annotation, a draft), then they stay and are reported. The push that commits last sees every
  task, so the project ends with one task per doc_id whichever order the pushes ran in. A task this
  very push imported with annotations (gold) may go when the kept task carries as many. (The same
  replay could make one import call commit its tasks twice (not observed): the same rule removes the copies.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from annotate.labelstudio import client as api
from annotate.labelstudio.connection import Connection

# Projects with the winner's title, empty, newer and created this close to it, came from the same burst
# of concurrent creations (a server-side retry's leftover, or a loser that died before deleting
# its own): a yielding push deletes them. Older or busier duplicates are only reported.
ORPHAN_WINDOW_SECONDS = 120.0


def settle_new_project(ls: Any, conn: Connection, created: api.ProjectInfo) -> tuple[int, list[str]]:
    """The project a push that has just created ``created`` must use (the lowest id with its title),
    and notes for the user. Deletes ``created`` when it loses and holds no task."""
    candidates = api.projects_titled(ls, conn, created.title)
    older = [c for c in candidates if c.id < created.id]
    if not older:
        return created.id, []
    winner = older[0]
    ours = next((c for c in candidates if c.id == created.id), None)
    if ours is not None and ours.tasks:
        # Someone else already imports into it (a server whose ids and commits come in different
        # orders, such as PostgreSQL): not ours alone to delete. Left, and reported.
        return winner.id, [f"another push created project {winner.id} titled {created.title!r} at the same time; "
                           f"this push uses it, and left its own project {created.id}, which already holds "
                           f"{ours.tasks} tasks"]
    api.delete_project(ls, conn, created.id)
    notes = [f"another push created project {winner.id} titled {created.title!r} at the same time; "
             f"this push uses it (its own, project {created.id}, was deleted)"]
    orphans = [c.id for c in candidates if c.id not in (winner.id, created.id) and _same_burst(winner, c)]
    if orphans := [project_id for project_id in orphans if api.delete_project(ls, conn, project_id)]:
        notes.append(f"deleted the empty projects {orphans} titled {created.title!r}, left by the same burst of "
                     "concurrent creations")
    return winner.id, notes


def _same_burst(winner: api.ProjectCandidate, other: api.ProjectCandidate) -> bool:
    """``other`` (newer than ``winner``) is empty and was created within ORPHAN_WINDOW_SECONDS of it."""
    if other.tasks or other.annotations or other.id < winner.id:
        return False
    try:
        gap = datetime.fromisoformat(other.created_at) - datetime.fromisoformat(winner.created_at)
    except ValueError:  # an unexpected date format: not provably an orphan
        return False
    # either sign: the server stamps created_at before it waits for the database's write lock
    return abs(gap.total_seconds()) <= ORPHAN_WINDOW_SECONDS


def other_projects_note(ls: Any, conn: Connection, project_id: int, title: str) -> str | None:
    """A warning when more projects than ``project_id`` carry ``title`` (pull then asks which)."""
    others = [c for c in api.projects_titled(ls, conn, title) if c.id != project_id]
    if not others:
        return None
    return (f"other projects are also titled {title!r}: " + "; ".join(c.describe() for c in others)
            + f". This push used project {project_id} (the oldest); `annotate pull --project-id ID` picks one")


@dataclass
class TaskReconciliation:
    """What reconciling a project's tasks found and did."""

    removed: list[int] = field(default_factory=list)  # duplicate task ids deleted
    kept: dict[str, int] = field(default_factory=dict)  # doc_id → its surviving task, where there were several
    left: dict[str, list[int]] = field(default_factory=dict)  # doc_id → duplicates kept: someone worked on them


def remove_duplicate_tasks(ls: Any, conn: Connection, project_id: int, doc_ids: Iterable[str],
                           own: set[int] = frozenset()) -> TaskReconciliation:
    """Make each of ``doc_ids`` have one task in the project: the lowest id is kept, every other is
    deleted unless it has an annotation or a draft. ``own``: tasks this push imported itself; one of
    those carrying (imported) annotations is deleted when the kept task has as many."""
    wanted = set(doc_ids)
    # Large pages: a concurrent push deleting tasks shifts the pages under a paged listing.
    tasks = api.list_tasks(ls, conn, project_id, page_size=5000, with_data=False)
    outcome = TaskReconciliation()
    duplicated = {doc_id: sorted(found, key=lambda t: t.id) for doc_id, found in tasks.items()
                  if doc_id in wanted and len(found) > 1}
    # Deleting is for good: count the annotations themselves, not the list's counters.
    annotations = api.annotation_counts(ls, conn, [t.id for found in duplicated.values() for t in found])
    candidates: dict[str, list[api.ExistingTask]] = {}
    for doc_id, (keep, *others) in duplicated.items():
        outcome.kept[doc_id] = keep.id
        for task in others:
            if task.id not in annotations:  # already deleted (by a concurrent push)
                continue
            if not annotations[task.id] or (task.id in own and annotations.get(keep.id, 0) >= annotations[task.id]):
                candidates.setdefault(doc_id, []).append(task)
            else:
                outcome.left.setdefault(doc_id, []).append(task.id)
    foreign = [t.id for found in candidates.values() for t in found if t.id not in own]
    drafted = api.tasks_with_drafts(ls, conn, project_id, foreign) if foreign else set()
    for doc_id, found in candidates.items():
        for task in found:
            if task.id in drafted:
                outcome.left.setdefault(doc_id, []).append(task.id)
    doomed = [t.id for found in candidates.values() for t in found if t.id not in drafted]
    outcome.removed = api.delete_tasks(ls, conn, doomed)
    return outcome
