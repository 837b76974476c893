"""Concurrent and interrupted pushes against a real Label Studio, with real processes.

Several ``annotate push`` processes at once must end with ONE project per title and ONE task per
doc_id (predictions included), whether they share a state folder (one machine: the push lock
serialises them) or not (several machines: the server-side reconciliation makes them agree); a
push killed midway is completed, without duplicates, by the next one, which says what the
interrupted one had committed.

The server is the fixture named by ``push_server``'s parameters: ``ls_server`` (SQLite) by default;
``ANNOTATE_CONCURRENCY_SERVERS=ls_server,ls_pg_server`` runs every test on PostgreSQL too.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures_labelstudio import tricky_document, with_doc_id

from annotate.labelstudio import client as api
from annotate.labelstudio import push_documents
from annotate.labelstudio.pull import AmbiguousProject, pull
from annotate.labelstudio.reconcile import settle_new_project

pytestmark = pytest.mark.server

ANNOTATE = Path(sys.executable).with_name("annotate")  # the venv's console script
SERVER_FIXTURES = [name.strip() for name in
                   os.environ.get("ANNOTATE_CONCURRENCY_SERVERS", "ls_server").split(",") if name.strip()]
CONCURRENT_PUSHES = 3
PUSH_TIMEOUT = 600  # seconds a push process may take on a loaded 2-core machine; a hang fails, never a slow run


@pytest.fixture(params=SERVER_FIXTURES)
def push_server(request: pytest.FixtureRequest):  # -> annotate.labelstudio.Connection
    """The server under test, by fixture name (parametrize it to run these tests on another database)."""
    return request.getfixturevalue(request.param)


def _write_docs(path: Path, n: int, prefix: str) -> list[str]:
    base = tricky_document()
    docs = [with_doc_id(base, f"{prefix}-{i:03d}") for i in range(n)]
    path.write_text("".join(doc.to_json() + "\n" for doc in docs), encoding="utf-8")
    return [doc.doc_id for doc in docs]


def _push_env(conn, state: Path) -> dict[str, str]:
    env = dict(os.environ, ANNOTATE_LS_URL=conn.url, ANNOTATE_LS_TOKEN=conn.token, ANNOTATE_STATE_DIR=str(state))
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    return env


def _start_push(conn, docs_file: Path, title: str, state: Path, *extra: str) -> subprocess.Popen:
    state.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(ANNOTATE), "push", "--docs", str(docs_file), "--project", title, *extra],
                            env=_push_env(conn, state), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    out, err = process.communicate(timeout=PUSH_TIMEOUT)
    return process.returncode, " ".join((out + err).split())  # rich wraps lines: compare unwrapped


def _assert_one_project_one_task_per_doc(conn, title: str, doc_ids: list[str], predictions: bool) -> dict:
    ls = api.open_client(conn)
    projects = api.projects_titled(ls, conn, title)
    assert len(projects) == 1, [p.describe() for p in projects]
    tasks = api.list_tasks(ls, conn, projects[0].id, with_data=False)
    assert {doc_id: len(found) for doc_id, found in tasks.items()} == {doc_id: 1 for doc_id in doc_ids}
    if predictions:
        assert {doc_id: found[0].predictions for doc_id, found in tasks.items()} == {d: 1 for d in doc_ids}
    return tasks


@pytest.mark.parametrize("machines", ["one machine", "separate machines"])
@pytest.mark.parametrize("title_exists", [False, True], ids=["new title", "existing title"])
def test_concurrent_pushes_make_one_project_and_one_task_per_doc(push_server, project_title, tmp_path,
                                                                  machines, title_exists):
    """Three pushes at once, with predictions. "separate machines" gives each its own state folder,
    so no lock is shared and only the server-side reconciliation keeps the project whole."""
    docs_file = tmp_path / "docs.jsonl"
    doc_ids = _write_docs(docs_file, 8, "conc")
    if title_exists:  # an earlier push made the project and some of the tasks
        earlier = tmp_path / "earlier.jsonl"
        _write_docs(earlier, 3, "conc")
        code, output = _finish(_start_push(push_server, earlier, project_title, tmp_path / "state-0"))
        assert code == 0, output
    states = [tmp_path / ("state" if machines == "one machine" else f"state-{n}") for n in range(CONCURRENT_PUSHES)]
    pushes = [_start_push(push_server, docs_file, project_title, state) for state in states]
    results = [_finish(push) for push in pushes]
    for code, output in results:
        assert code == 0, output
        assert "error:" not in output, output
    _assert_one_project_one_task_per_doc(push_server, project_title, doc_ids, predictions=True)
    for _, output in results:  # what each push saw of the others (informative: the timing varies)
        print(re.findall(r"project \d+ \(.*?\): [^;]*?created[^.]*", output)[:1],
              "| race seen" if "same time" in output else "")


def test_a_new_project_loses_to_an_older_one_with_its_title(push_server, project_title):
    """The race, made deterministic: two projects with one title exist (both pushes created one);
    the newer one's push deletes its own and uses the older, and pull refuses to guess."""
    ls = api.open_client(push_server)
    first = api.create_project(ls, push_server, project_title, "<View><Text name='t' value='$t'/></View>", "")
    second = api.create_project(ls, push_server, project_title, "<View><Text name='t' value='$t'/></View>", "")
    with pytest.raises(AmbiguousProject) as ambiguous:
        pull(push_server, project_title)
    message = str(ambiguous.value)
    assert f"project {first.id} (0 tasks, 0 annotations" in message and f"project {second.id} (0 tasks" in message
    assert "--project-id" in message
    winner, notes = settle_new_project(ls, push_server, second)
    assert winner == first.id and "was deleted" in notes[0]
    assert [p.id for p in api.projects_titled(ls, push_server, project_title)] == [first.id]
    # the first one's own check finds nothing older: it keeps its project
    assert settle_new_project(ls, push_server, first) == (first.id, [])


def test_simultaneous_project_creations_agree_on_one(push_server, project_title):
    """The creations themselves at once (threads released together, no lock: as from several
    machines): every caller ends up with the same project, and only that one is left."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from annotate.labelstudio.push import ensure_project

    start = threading.Barrier(CONCURRENT_PUSHES)
    notes: list[list[str]] = [[] for _ in range(CONCURRENT_PUSHES)]

    def create(n: int) -> int:
        start.wait()
        return ensure_project(push_server, project_title, ["argos", "apertium"], notes=notes[n]).id

    with ThreadPoolExecutor(CONCURRENT_PUSHES) as pool:
        ids = list(pool.map(create, range(CONCURRENT_PUSHES)))
    ls = api.open_client(push_server)
    assert len(set(ids)) == 1
    assert [p.id for p in api.projects_titled(ls, push_server, project_title)] == ids[:1]
    assert api.get_project(ls, push_server, ids[0]).systems == ["argos", "apertium"]
    print("what the losers did:", [n for found in notes for n in found])
    # the survivor works (it may be the row of a creation the server retried: see reconcile.py)
    doc = with_doc_id(tricky_document(), "burst-1")
    report = push_documents(push_server, [doc], project_title, with_predictions=True)
    assert report.project_id == ids[0] and report.created == [doc.doc_id]
    _assert_one_project_one_task_per_doc(push_server, project_title, [doc.doc_id], predictions=True)


def test_pull_picks_a_project_by_id_when_titles_collide(push_server, project_title, tmp_path):
    doc = with_doc_id(tricky_document(), "by-id-1")
    report = push_documents(push_server, [doc], project_title, with_predictions=False)
    ls = api.open_client(push_server)
    api.create_project(ls, push_server, project_title, "<View><Text name='t' value='$t'/></View>", "")
    with pytest.raises(AmbiguousProject) as ambiguous:
        pull(push_server, project_title, tmp_path / "x.json")
    assert f"project {report.project_id} (1 tasks, 0 annotations" in str(ambiguous.value)
    result = pull(push_server, project_title, tmp_path / "pulled.json", project_id=report.project_id)
    assert [d.doc_id for d in result.documents] == [doc.doc_id]
    # a push to the ambiguous title uses the oldest and says the others exist
    again = push_documents(push_server, [doc], project_title, with_predictions=False)
    assert again.project_id == report.project_id and again.unchanged == [doc.doc_id]
    assert any("other projects are also titled" in note for note in again.notes)
    # the same through the CLI: exit 1 with the candidates, then --project-id
    from typer.testing import CliRunner

    from annotate.cli import app

    env = {"ANNOTATE_LS_URL": push_server.url, "ANNOTATE_LS_TOKEN": push_server.token}
    refused = CliRunner().invoke(app, ["pull", "--project", project_title, "--out", str(tmp_path / "y.json")], env=env)
    assert refused.exit_code == 1 and "--project-id" in refused.output
    assert f"project {report.project_id} (1 tasks" in " ".join(refused.output.split())
    chosen = CliRunner().invoke(app, ["pull", "--project-id", str(report.project_id), "--out",
                                      str(tmp_path / "z.json")], env=env)
    assert chosen.exit_code == 0, chosen.output
    assert f"project {report.project_id}: 1 task" in chosen.output


def test_a_push_waits_for_the_one_holding_the_lock_and_says_who(push_server, project_title):
    """Pushes from one machine (one state folder) take turns; the waiting one names the holder."""
    import threading

    from annotate.labelstudio.locking import push_lock

    doc = with_doc_id(tricky_document(), "locked-1")
    told: list[str] = []
    reports: list = []
    with push_lock(push_server.url, project_title):
        pusher = threading.Thread(target=lambda: reports.append(
            push_documents(push_server, [doc], project_title, with_predictions=False, on_wait=told.append)))
        pusher.start()
        for _ in range(6000):  # until the push reaches the lock (a hang fails at the join below)
            if told:
                break
            time.sleep(0.01)
        assert told and f"pid {os.getpid()}" in told[0]
        assert not reports and api.find_project(api.open_client(push_server), push_server, project_title) is None
    pusher.join(timeout=PUSH_TIMEOUT)
    assert reports and reports[0].created == [doc.doc_id]


def test_duplicate_tasks_are_removed_unless_someone_worked_on_them(push_server, project_title):
    """Duplicates as two racing imports leave them: push keeps the lowest id per doc_id, deletes the
    others, but never one that carries an annotation."""
    docs = [with_doc_id(tricky_document(), f"dup-{i}") for i in range(3)]
    first = push_documents(push_server, docs, project_title, with_predictions=False)
    ls = api.open_client(push_server)
    from annotate.labelstudio.tasks import build_task

    extra_ids = api.import_tasks(ls, push_server, first.project_id,
                                 [build_task(doc, first.systems) for doc in docs])  # what a racing push adds
    worked_on = extra_ids[2]
    ls.annotations.create(id=worked_on, result=[], was_cancelled=True)  # a skip is work too
    report = push_documents(push_server, docs, project_title, with_predictions=False)
    assert sorted(report.removed_duplicates) == sorted(extra_ids[:2])
    assert report.duplicate_tasks == {docs[2].doc_id: [worked_on]}
    assert report.task_ids == first.task_ids  # the lowest ids stay
    tasks = api.list_tasks(ls, push_server, first.project_id, with_data=False)
    assert {d: sorted(t.id for t in found) for d, found in tasks.items()} == {
        docs[0].doc_id: [first.task_ids[docs[0].doc_id]], docs[1].doc_id: [first.task_ids[docs[1].doc_id]],
        docs[2].doc_id: [first.task_ids[docs[2].doc_id], worked_on]}


def _wait_for_tasks(conn, title: str, process: subprocess.Popen, at_least: int = 1) -> bool:
    """Poll until the project has ``at_least`` tasks (True), or the push ended first (False)."""
    ls = api.open_client(conn)
    while process.poll() is None:
        projects = api.projects_titled(ls, conn, title)
        if projects and projects[0].tasks >= at_least:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_an_interrupted_push_is_reported_and_completed_without_duplicates(push_server, project_title, tmp_path, how):
    """A push stopped during its bulk import (small chunks: many calls). SIGTERM: the push itself
    says how many tasks the server committed. Either way the next push says it again, from its
    journal and the server, and adds exactly the rest."""
    docs_file = tmp_path / "many.jsonl"
    doc_ids = _write_docs(docs_file, 300, "kill")
    state = tmp_path / "state"
    victim = _start_push(push_server, docs_file, project_title, state, "--no-predictions", "--chunk-size", "10")
    if not _wait_for_tasks(push_server, project_title, victim):
        pytest.skip("the push finished before it could be interrupted (nothing to test on this run)")
    victim.send_signal(how)
    code, output = _finish(victim)
    said_by_victim = None
    if how == signal.SIGTERM:
        assert code == 1, output
        said = re.search(r"push interrupted: (\d+) of 300 new tasks were committed before the interruption", output)
        assert said, output
        assert "rerun the push to add the rest" in output
        said_by_victim = int(said.group(1))
    else:
        assert code == -signal.SIGKILL, output

    print(how.name, "victim:", output[-300:])
    code, output = _finish(_start_push(push_server, docs_file, project_title, state, "--no-predictions"))
    assert code == 0, output
    print(how.name, "rerun:", output[-500:])
    if "the rest was added since" not in output:  # a SIGKILL can land after the last import call
        recovered = re.search(r"was interrupted: (\d+) of 300 tasks it meant to import had been committed; "
                              r"this push adds the remaining (\d+)", output)
        assert recovered, output
        committed, remaining = int(recovered.group(1)), int(recovered.group(2))
        assert committed + remaining == 300
        assert f"{committed} unchanged" in output
        # the rest is created by this push, or (SIGKILL) by the killed push's import call still in
        # flight on the server, whose tasks this push then finds beside its own and keeps (lower ids)
        created = int(re.search(r"(\d+) created", output).group(1))
        elsewhere = re.search(r"(\d+) created at the same time by another push", output)
        assert created + (int(elsewhere.group(1)) if elsewhere else 0) == remaining, output
        if said_by_victim is not None:  # the victim waited for its import call in flight: same count
            assert committed == said_by_victim
    _assert_one_project_one_task_per_doc(push_server, project_title, doc_ids, predictions=False)
    # the journal is gone once a push completes: a third push says nothing about interruptions
    code, output = _finish(_start_push(push_server, docs_file, project_title, state, "--no-predictions"))
    assert code == 0 and "interrupted" not in output and "300 unchanged" in output, output
