"""Annotator accounts against a real Label Studio: ``annotate annotators add`` makes accounts that
log in with their generated password (kept 0600, never printed) and see the project; adding again
changes nothing; ``list`` shows them with their progress; ``push --overlap`` is read back from the
server; ``pull`` names the tasks nobody has started."""

from __future__ import annotations

import contextlib
import hashlib
import json
import stat
from collections.abc import Iterator

import httpx
import pytest
from fixtures_labelstudio import gold_annotation, tricky_document, with_doc_id
from typer.testing import CliRunner

from annotate.cli import app
from annotate.labelstudio import client as api
from annotate.labelstudio import pull, push_documents
from annotate.labelstudio.annotators import AnnotatorError, add_annotators, list_annotators, parse_annotator
from annotate.labelstudio.connection import Connection
from annotate.labelstudio.tasks import annotation_json

pytestmark = pytest.mark.server


def _emails(project_title: str, *names: str) -> list[str]:
    """Addresses unique to the test (the session server is shared)."""
    tag = hashlib.sha1(project_title.encode()).hexdigest()[:6]
    return [f"{name}.{tag}@example.org" for name in names]


def _password(path) -> str:
    lines = dict(line.split(": ", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return lines["password"]


@contextlib.contextmanager
def _login(url: str, email: str, password: str) -> Iterator[httpx.Client]:
    """A browser's login: the CSRF cookie from the form, then the form posted; fails if refused."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get("/user/login/")
        answer = browser.post("/user/login/", data={"csrfmiddlewaretoken": browser.cookies["csrftoken"],
                                                    "email": email, "password": password})
        assert answer.status_code == 302, f"login of {email} refused (HTTP {answer.status_code})"
        yield browser


def _invoke(*args: str):
    """Run ``annotate ARGS…`` (wide, so that paths and tables are not wrapped)."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


@pytest.fixture
def on_session_server(ls_server, ls_state, monkeypatch):
    """Commands without --url find the session server as `annotate server start` left it."""
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(ls_state))
    for name in ("ANNOTATE_LS_URL", "ANNOTATE_LS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return ls_server


def test_added_annotators_log_in_with_their_password_and_see_the_project(on_session_server, ls_state, project_title):
    conn = on_session_server
    push_documents(conn, [tricky_document("team-doc")], project_title, with_predictions=False)
    ana, bob = _emails(project_title, "ana", "bob")

    added = _invoke("annotators", "add", f"Ana [b]García[/b] <{ana.upper()}>", bob)
    assert added.exit_code == 0, added.output
    folder = ls_state / "labelstudio" / "annotators"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    passwords = {}
    for email in (ana, bob):
        path = folder / f"{email}.password"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        passwords[email] = _password(path)
        assert len(passwords[email]) >= 24 and passwords[email] not in added.output  # never printed
        assert f"added {email}" in added.output or f"<{email}>: password in {path}" in added.output
    assert "Ana [b]García[/b]" in added.output  # the name printed as it is, not as markup

    for email, password in passwords.items():
        with _login(conn.url, email, password) as browser:
            me = browser.get("/api/current-user/whoami").json()
            assert me["email"] == email and me["active_organization"]
            titles = [p["title"] for p in browser.get("/api/projects/", params={"page_size": 500}).json()["results"]]
            assert project_title in titles  # a member of the admin's organisation sees its projects

    before = {email: (folder / f"{email}.password").stat().st_mtime_ns for email in passwords}
    again = _invoke("annotators", "add", ana)
    assert again.exit_code == 0, again.output
    assert f"exists Ana [b]García[/b] <{ana}>: password unchanged" in again.output
    assert {email: (folder / f"{email}.password").stat().st_mtime_ns for email in passwords} == before
    with _login(conn.url, ana, passwords[ana]):  # the password still works
        pass

    listed = _invoke("annotators", "list", "--project", project_title)
    assert listed.exit_code == 0, listed.output
    assert ana in listed.output and bob in listed.output and "Ana [b]García[/b]" in listed.output
    assert all(password not in listed.output for password in passwords.values())


def test_list_counts_each_annotators_submitted_and_skipped_tasks(on_session_server, ls_state, project_title):
    conn = on_session_server
    docs = [with_doc_id(tricky_document(), f"progress-{i}") for i in range(3)]
    report = push_documents(conn, docs, project_title, with_predictions=False)
    ana, bob = _emails(project_title, "ana", "bob")
    assert _invoke("annotators", "add", ana, bob).exit_code == 0
    folder = ls_state / "labelstudio" / "annotators"

    def as_user(email: str):
        with _login(conn.url, email, _password(folder / f"{email}.password")) as browser:
            token = browser.get("/api/current-user/token").json()["token"]
        return api.open_client(Connection(url=conn.url, token=token))

    tasks = api.list_tasks(api.open_client(conn), conn, report.project_id)
    first, second = (tasks[doc.doc_id][0] for doc in docs[:2])
    result = annotation_json(first.data, gold_annotation(docs[0]), salt="ana")["result"]
    as_user(ana).annotations.create(id=first.id, result=result, was_cancelled=False)
    as_user(ana).annotations.create(id=second.id, result=result, was_cancelled=False)
    as_user(bob).annotations.create(id=first.id, result=[], was_cancelled=True)  # a task both submitted and skipped

    annotators, projects = list_annotators(conn, project_title)
    (project,) = projects
    assert (project.tasks, project.submitted) == (3, 2)
    progress = {a.email: (a.progress[0].submitted, a.progress[0].skipped, a.role) for a in annotators}
    assert progress[ana] == (2, 0, "annotator") and progress[bob] == (0, 1, "annotator")
    assert progress[conn.username] == (0, 0, "owner")
    listed = _invoke("annotators", "list", "--project", project_title)
    assert "2 / 3" in listed.output and "0 / 3 (1 skipped)" in listed.output


def test_push_overlap_is_label_studios_own_setting_and_pull_names_unstarted_tasks(on_session_server, project_title,
                                                                                     tmp_path):
    conn = on_session_server
    docs = [with_doc_id(tricky_document(), f"unstarted-{i}") for i in range(8)]
    docs_file = tmp_path / "docs.jsonl"
    docs_file.write_text("".join(doc.to_json() + "\n" for doc in docs), encoding="utf-8")
    pushed = _invoke("push", "--docs", str(docs_file), "--project", project_title, "--no-predictions",
                     "--overlap", "2")
    assert pushed.exit_code == 0, pushed.output
    ls = api.open_client(conn)
    project = api.find_project(ls, conn, project_title)
    settings = ls.projects.get(id=project.id)  # read back from the server
    assert (settings.maximum_annotations, settings.overlap_cohort_percentage) == (2, 100)

    tasks = {doc_id: found[0] for doc_id, found in api.list_tasks(ls, conn, project.id).items()}
    result = annotation_json(tasks["unstarted-0"].data, gold_annotation(docs[0]), salt="x")["result"]
    ls.annotations.create(id=tasks["unstarted-0"].id, result=result, was_cancelled=False)
    ls.annotations.create(id=tasks["unstarted-1"].id, result=[], was_cancelled=True)  # a skip is a start
    api._raw(ls, conn, "saving a draft", "POST", f"/api/tasks/{tasks['unstarted-2'].id}/drafts",
             content=json.dumps({"result": result[:1], "lead_time": 2.0}).encode())

    expected = [(f"unstarted-{i}", tasks[f"unstarted-{i}"].id) for i in range(3, 8)]
    assert pull(conn, project_title, tmp_path / "export.json").unstarted == expected
    pulled = _invoke("pull", "--project", project_title, "-o", str(tmp_path / "again.json"))
    assert pulled.exit_code == 0, pulled.output
    summary = " ".join(pulled.output.split())
    assert "not started (no annotation, no draft): 5 of 8 tasks: unstarted-3 (task" in summary
    assert "unstarted-7" in summary and "unstarted-2" not in summary and "… and" not in summary


def test_an_external_servers_passwords_are_kept_apart_per_server(ls_server, project_title, tmp_path):
    """--url/--token: the same code, passwords under the state folder's annotators/<host_port>/."""
    external = Connection(url=ls_server.url, token=ls_server.token, external=True)
    (email,) = _emails(project_title, "eve")
    (added,) = add_annotators(external, [email], state=tmp_path)
    port = ls_server.url.rsplit(":", 1)[1]
    assert added.created and added.password_file == tmp_path / "annotators" / f"127.0.0.1_{port}" / f"{email}.password"
    for folder in (added.password_file.parent, added.password_file.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with _login(ls_server.url, email, _password(added.password_file)) as browser:
        assert browser.get("/api/current-user/whoami").json()["email"] == email
    (again,) = add_annotators(external, [email], state=tmp_path)
    assert not again.created and again.password_file == added.password_file


def test_a_refused_sign_up_leaves_no_password_file_and_no_account(ls_server, project_title, tmp_path, monkeypatch):
    import annotate.labelstudio.annotators as annotators

    monkeypatch.setattr(annotators, "_invite_token", lambda ls, conn: "not-the-organisations-token")
    (email,) = _emails(project_title, "fay")
    with pytest.raises(AnnotatorError, match="refused the sign-up .HTTP 403.") as refused:
        add_annotators(ls_server, [email], state=tmp_path)
    assert email in str(refused.value)
    assert list((tmp_path / "labelstudio" / "annotators").glob("*.password")) == []
    assert email not in {user.email for user in api.open_client(ls_server).users.list()}


@pytest.mark.parametrize(("spec", "expected"), [
    ("ana@example.org", ("ana@example.org", "")),
    ("  Ana@Example.ORG ", ("ana@example.org", "")),
    ("Ana García <ana@example.org>", ("ana@example.org", "Ana García")),
    ('"Bo [red]X[/] (ES)" <bo@example.org>', ("bo@example.org", "Bo [red]X[/] (ES)")),
])
def test_annotator_specs_parse(spec: str, expected: tuple[str, str]) -> None:
    assert parse_annotator(spec) == expected


@pytest.mark.parametrize("spec", ["nope", "@example.org", "ana@", "ana @example.org", "Ana <>", "a,b@example.org"])
def test_bad_annotator_specs_are_refused_before_any_account(spec: str) -> None:
    with pytest.raises(AnnotatorError, match="is not an email address"):
        parse_annotator(spec)
    result = CliRunner().invoke(app, ["annotators", "add", "ok@example.org", spec])
    assert result.exit_code == 2 and "is not an email address" in result.output
