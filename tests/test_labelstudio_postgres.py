"""Label Studio on PostgreSQL (#19): a private loopback cluster under the state folder, started and
stopped with the server; push → annotate → pull → build on it; ``--database-url`` parsing; the
CLI's ``server start --database postgresql``. One PostgreSQL-backed server per session
(``ls_pg_server``), copied from a migrated cluster cached in .pytest_cache (~5 s start)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from fixtures_labelstudio import gold_annotation, tricky_document, with_doc_id
from typer.testing import CliRunner

from annotate.labelstudio import pull, push_documents
from annotate.labelstudio import client as api
from annotate.labelstudio.errors import ServerError
from annotate.labelstudio.postgres import (
    _copy_template,
    cluster_pid,
    parse_database_url,
    prepare_database,
    recorded_database,
    wait_for_cluster_exit,
)
from annotate.labelstudio.tasks import annotation_json


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _query(state: Path, sql: str, password: str | None = None) -> list[tuple]:
    """Run ``sql`` on the state folder's Label Studio database, as Label Studio connects to it."""
    import psycopg

    record = recorded_database(state / "labelstudio")
    with psycopg.connect(host=record["host"], port=record["port"], user=record["user"],
                         password=password if password is not None else record["password"],
                         dbname=record["name"], connect_timeout=5) as connection:
        return connection.execute(sql).fetchall()


# ── no server needed ──────────────────────────────────────────────────────────────────────────


def test_database_url_is_parsed_and_its_password_never_shown():
    settings = parse_database_url("postgresql://ls%40team:s3cr%3Aet@db.internal:6543/label_studio")
    assert (settings.user, settings.password, settings.host, settings.port, settings.name) == (
        "ls@team", "s3cr:et", "db.internal", 6543, "label_studio")
    assert "s3cr" not in repr(settings) and "s3cr" not in str(settings)
    assert settings.label_studio_env() == {
        "DJANGO_DB": "postgresql", "POSTGRE_HOST": "db.internal", "POSTGRE_PORT": "6543",
        "POSTGRE_USER": "ls@team", "POSTGRE_PASSWORD": "s3cr:et", "POSTGRE_NAME": "label_studio"}
    assert parse_database_url("postgres://u:p@h/db").port == 5432


@pytest.mark.parametrize("url", ["mysql://u:hunter2@h/db", "postgresql://u:hunter2@h:99999/db",
                                 "postgresql://u:hunter2@h:5432/"])
def test_bad_database_urls_are_refused_without_quoting_the_password(url):
    with pytest.raises(ServerError) as info:
        parse_database_url(url)
    assert "hunter2" not in str(info.value)


def test_a_state_folder_keeps_the_database_it_started_with(tmp_path):
    state = tmp_path / "state"
    assert prepare_database(None, None, state=state) == {}  # default: SQLite, recorded
    with pytest.raises(ServerError, match="holds a sqlite Label Studio"):
        prepare_database("postgresql", None, state=state)
    with pytest.raises(ServerError, match="with --database postgresql"):
        prepare_database("sqlite", "postgresql://u:p@h/db", state=state)
    with pytest.raises(ServerError, match="must be one of"):
        prepare_database("mysql", None, state=tmp_path / "other")


def test_an_external_database_is_recorded_owner_only(tmp_path):
    state = tmp_path / "state"
    env = prepare_database(None, "postgresql://team:pw@10.0.0.5:5432/ls", state=state)
    assert env["POSTGRE_HOST"] == "10.0.0.5" and env["DJANGO_DB"] == "postgresql"
    record = state / "labelstudio" / "database.json"
    assert _mode(record) == 0o600 and json.loads(record.read_text())["kind"] == "postgresql-external"
    assert prepare_database(None, None, state=state) == env  # later starts reuse it
    assert not (state / "labelstudio" / "postgres").exists()  # no local cluster for an external one


# ── the shared PostgreSQL-backed server ───────────────────────────────────────────────────────


@pytest.mark.server
def test_push_annotate_pull_build_round_trip_on_postgresql(ls_pg_server, ls_pg_state, project_title, tmp_path):
    from annotate.dataset import build_dataset

    docs = [with_doc_id(tricky_document(), f"pg-{i}") for i in range(2)]
    report = push_documents(ls_pg_server, docs, project_title, with_predictions=True)
    assert sorted(report.created) == ["pg-0", "pg-1"]
    ls = api.open_client(ls_pg_server)
    tasks = api.list_tasks(ls, ls_pg_server, report.project_id)
    for number, doc in enumerate(docs):
        gold = gold_annotation(doc, f"annotator-{number:08x}")
        ls.annotations.create(id=report.task_ids[doc.doc_id], was_cancelled=False, ground_truth=False,
                              result=annotation_json(tasks[doc.doc_id][0].data, gold, salt="pg")["result"])

    # The tasks and annotations are rows of PostgreSQL, not of a SQLite file.
    assert not (ls_pg_state / "labelstudio" / "data" / "label_studio.sqlite3").exists()
    rows = _query(ls_pg_state, f"SELECT count(*) FROM task_completion c JOIN task t ON t.id = c.task_id "
                               f"WHERE t.project_id = {int(report.project_id)}")
    assert rows == [(2,)]

    result = pull(ls_pg_server, project_title, tmp_path / "export.json")
    assert sorted(d.doc_id for d in result.documents) == ["pg-0", "pg-1"]
    for parsed, doc in zip(sorted(result.documents, key=lambda d: d.doc_id), docs):
        (annotation,) = parsed.annotations
        gold = gold_annotation(doc)
        assert parsed.text == doc.text and annotation.status == "completed"
        assert annotation.entities == sorted(gold.entities, key=lambda s: (s.start, s.end))
        assert annotation.post_edits == gold.post_edits

    built = build_dataset(result.documents, tmp_path / "dataset", name="pg-round-trip", score_cache=False)
    assert built.n_documents == 2 and built.annotation_status.get("completed") == 2
    assert sum(built.counts["ner"].values()) == 2 * len(docs[0].segments), built.counts  # a row per sentence


@pytest.mark.server
def test_the_cluster_is_private_and_listens_on_loopback_only(ls_pg_server, ls_pg_state):
    root = ls_pg_state / "labelstudio"
    assert _mode(root / "postgres") == 0o700 and _mode(root / "database.json") == 0o600
    hba = [line.split() for line in (root / "postgres" / "pg_hba.conf").read_text().splitlines()
           if line.strip() and not line.lstrip().startswith("#")]
    assert hba and all(line[-1] == "scram-sha-256" for line in hba)  # no trust, no peer
    assert _query(ls_pg_state, "SHOW listen_addresses") == [("127.0.0.1",)]
    assert _query(ls_pg_state, "SHOW unix_socket_directories") == [("",)]
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _query(ls_pg_state, "SELECT 1", password="not-the-password")
    record = recorded_database(root)
    assert record["password"] not in (root / "server.log").read_text(errors="replace")


@pytest.mark.server
def test_cli_starts_label_studio_on_postgresql_and_stops_both(ls_pg_template, tmp_path, monkeypatch):
    from annotate.cli import app
    from annotate.labelstudio.server import labelstudio_dir

    state = tmp_path / "state"
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(state))
    root = labelstudio_dir(state)
    _copy_template(ls_pg_template, root)  # skips ~35 s of migrations; the CLI does the rest
    runner = CliRunner()
    try:
        started = runner.invoke(app, ["server", "start", "--database", "postgresql"], env={"COLUMNS": "300"})
        assert started.exit_code == 0, started.output
        record = recorded_database(root)
        assert "PostgreSQL cluster" in started.output and f"127.0.0.1:{record['port']}" in started.output
        assert record["password"] not in started.output
        pid = cluster_pid(root)
        assert pid is not None

        refused = runner.invoke(app, ["server", "start", "--database", "sqlite"])
        assert refused.exit_code != 0 and "holds a postgresql Label Studio" in refused.output
    finally:
        stopped = runner.invoke(app, ["server", "stop"])
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    assert cluster_pid(root) is None and wait_for_cluster_exit(pid)
