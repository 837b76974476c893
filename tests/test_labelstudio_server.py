"""Local server lifecycle against a real Label Studio: start, reuse, status, stop, port hop,
start-up failure, server down, wrong token, external-server settings."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.labelstudio import server as lsserver
from annotate.labelstudio.errors import AuthenticationError, ServerError, ServerUnavailable
from annotate.labelstudio.server import Connection, check_connection, external_connection


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed again: nothing listens


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, (None, None), None),
        ({"ANNOTATE_LS_URL": "http://ls:8080/", "ANNOTATE_LS_TOKEN": "tok-annotate-1"}, (None, None), ("http://ls:8080", "tok-annotate-1")),
        ({"LABEL_STUDIO_URL": "http://sdk:1", "LABEL_STUDIO_API_KEY": "tok-sdk-2"}, (None, None), ("http://sdk:1", "tok-sdk-2")),
        ({"ANNOTATE_LS_URL": "http://ours:1", "ANNOTATE_LS_TOKEN": "tok-annotate-1", "LABEL_STUDIO_URL": "http://sdk:1",
          "LABEL_STUDIO_API_KEY": "tok-sdk-2"}, (None, None), ("http://ours:1", "tok-annotate-1")),
        ({"ANNOTATE_LS_URL": "http://env:1", "ANNOTATE_LS_TOKEN": "tok-annotate-1"}, ("http://flag:2", "tok-flag-3"), ("http://flag:2", "tok-flag-3")),
    ],
)
def test_external_connection_precedence(monkeypatch, env, args, expected):
    for var in ("ANNOTATE_LS_URL", "ANNOTATE_LS_TOKEN", "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    conn = external_connection(*args)
    assert (None if conn is None else (conn.url, conn.token)) == expected
    if conn is not None:
        assert conn.external and conn.token not in repr(conn)


def test_url_without_token_and_token_without_url_are_errors(monkeypatch):
    for var in ("ANNOTATE_LS_URL", "ANNOTATE_LS_TOKEN", "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ServerError, match="no API token"):
        external_connection("http://x:1", None)
    with pytest.raises(ServerError, match="no server URL"):
        external_connection(None, "secret-token")


def test_server_down_is_a_clear_error_not_a_hang():
    url = _dead_url()
    with pytest.raises(ServerUnavailable, match=f"no Label Studio answers at {url}.*annotate server start"):
        check_connection(Connection(url=url, token="t"))


def test_push_and_pull_to_a_dead_server_fail_clearly():
    from fixtures_labelstudio import tricky_document

    from annotate.labelstudio import pull, push_documents

    conn = Connection(url=_dead_url(), token="t")
    with pytest.raises(ServerUnavailable, match=conn.url):
        push_documents(conn, [tricky_document()], "test dead server")
    with pytest.raises(ServerUnavailable, match=conn.url):
        pull(conn, "test dead server")


@pytest.mark.server
def test_wrong_token_is_rejected_clearly(ls_server):
    with pytest.raises(AuthenticationError, match="rejected the API token"):
        check_connection(Connection(url=ls_server.url, token="not-the-token"))


@pytest.mark.server
def test_start_reuse_status_stop(tmp_path: Path, ls_template: Path):
    state = tmp_path / "state"
    conn = lsserver.ensure_server(state=state, template=ls_template)
    try:
        assert conn.url.startswith("http://127.0.0.1:") and not conn.external
        again = lsserver.ensure_server(state=state)
        assert again.pid == conn.pid and again.url == conn.url  # reused, not restarted
        status = lsserver.server_status(state)
        assert status.running and status.pid == conn.pid and status.url == conn.url
        # Credentials: private file; the secrets never reach the log or the pid file.
        creds = status.credentials_path
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        secrets = json.loads(creds.read_text())
        for path in (status.log_path, state / "labelstudio" / "server.json"):
            text = path.read_text(errors="replace")
            assert secrets["token"] not in text and secrets["password"] not in text
        # The server listens on loopback only.
        port = int(conn.url.rsplit(":", 1)[1])
        listening = Path("/proc/net/tcp").read_text().split("\n")[1:]
        local = [line.split()[1] for line in listening if line.strip() and line.split()[3] == "0A"]
        assert f"0100007F:{port:04X}" in local and f"00000000:{port:04X}" not in local
    finally:
        assert lsserver.stop_server(state) is True
    assert not lsserver.server_status(state).running
    with pytest.raises(ProcessLookupError):
        os.kill(conn.pid, 0)
    assert lsserver.stop_server(state) is False  # nothing left to stop


def _busy_pair() -> tuple[socket.socket, socket.socket]:
    """A listening socket on a loopback port and a merely bound one on the next port.

    Label Studio probes a port by connecting, so it hops past the listening one; the bound one refuses
    connections yet cannot be bound again, like a client connection's ephemeral port (seen in CI),
    so Label Studio's hop lands on it and exits."""
    for _ in range(50):
        first = socket.socket()
        first.bind(("127.0.0.1", 0))
        second = socket.socket()
        try:
            second.bind(("127.0.0.1", first.getsockname()[1] + 1))
        except OSError:
            first.close()
            second.close()
            continue
        first.listen()
        return first, second
    pytest.fail("no two adjacent free loopback ports in 50 tries")


@pytest.mark.server
@pytest.mark.parametrize("neighbour_taken", [False, True], ids=["hop-followed", "started-again-on-a-new-port"])
def test_a_busy_port_never_fails_the_start(tmp_path: Path, ls_template: Path, monkeypatch, neighbour_taken):
    """Label Studio silently hops to the next port when ours is taken: we follow it (its log says
    where). When the next port is taken too it exits: we start it again on a fresh port."""
    blocker, neighbour = _busy_pair()
    if not neighbour_taken:
        neighbour.close()  # free for the hop
    with blocker, neighbour:
        busy = blocker.getsockname()[1]
        picks = iter([busy])
        real_pick_port = lsserver._pick_port
        monkeypatch.setattr(lsserver, "_pick_port", lambda listen: next(picks, None) or real_pick_port(listen))
        state = tmp_path / "state"
        try:
            conn = lsserver.ensure_server(state=state, template=ls_template)
            taken = (busy, busy + 1) if neighbour_taken else (busy,)
            assert conn.url not in [f"http://127.0.0.1:{port}" for port in taken]
            assert lsserver.is_healthy(conn.url)
        finally:
            lsserver.stop_server(state)


@pytest.mark.server
def test_start_gives_up_after_repeated_port_clashes(tmp_path: Path, ls_template: Path, monkeypatch):
    blocker, neighbour = _busy_pair()
    with blocker, neighbour:
        busy = blocker.getsockname()[1]
        monkeypatch.setattr(lsserver, "_pick_port", lambda listen: busy)
        state = tmp_path / "state"
        try:
            with pytest.raises(ServerError, match="port taken 3 times"):
                lsserver.ensure_server(state=state, template=ls_template)
            assert not lsserver.server_status(state).running
        finally:
            lsserver.stop_server(state)  # never leave a server behind, even when this test fails


@pytest.mark.server
def test_start_failure_shows_the_log_tail(tmp_path: Path, ls_template: Path):
    state = tmp_path / "state"
    root = state / "labelstudio"
    root.mkdir(parents=True)
    for item in ("credentials.json",):
        (root / item).write_bytes((ls_template / item).read_bytes())
    (root / "data").mkdir()
    (root / "data" / "label_studio.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ServerError) as info:
        lsserver.ensure_server(state=state, timeout=180)
    message = str(info.value)
    assert "server.log" in message and "database" in message.lower()
    assert not lsserver.server_status(state).running


@pytest.mark.server
def test_cli_status_prints_paths_never_secrets(ls_server, ls_state, monkeypatch):
    from annotate.cli import app

    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(ls_state))
    result = CliRunner().invoke(app, ["server", "status"])
    assert result.exit_code == 0, result.output
    assert ls_server.url in result.output and "credentials.json" in result.output
    assert ls_server.token not in result.output and ls_server.password not in result.output


# ── one server per data folder (#19) ──────────────────────────────────────────────────────────


def _servers_of(data_dir: Path) -> list[int]:
    """Every live Label Studio process serving ``data_dir``."""
    from annotate.labelstudio.process import is_server_of

    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and is_server_of(int(p.name), data_dir)]


def test_a_start_while_another_process_holds_the_start_lock_waits_then_reports(tmp_path: Path):
    import fcntl

    state = tmp_path / "state"
    root = lsserver.labelstudio_dir(state)
    with open(root / "server.lock", "w") as held:  # another `annotate` starting the server
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ServerError, match=r"still starting Label Studio .* not starting a second server") as info:
            lsserver.ensure_server(state=state, timeout=1.0)
    assert f"ANNOTATE_STATE_DIR={root.parent} annotate server stop" in str(info.value)
    assert not (root / "server.json").exists() and _servers_of(root / "data") == []


@pytest.mark.server
def test_one_server_per_data_folder_even_when_it_is_slow(tmp_path: Path, ls_template: Path):
    """Two concurrent starts share one server; a server that stops answering /health/ (SIGSTOP) is
    waited for and reported, never doubled."""
    import signal
    import threading

    state = tmp_path / "state"
    data = state.absolute() / "labelstudio" / "data"
    results: list = []
    starters = [threading.Thread(target=lambda: results.append(lsserver.ensure_server(state=state, template=ls_template)))
                for _ in range(2)]
    try:
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join(timeout=300)
        assert len(results) == 2 and results[0].pid == results[1].pid and results[0].url == results[1].url
        pid = results[0].pid
        assert _servers_of(data) == [pid]
        os.kill(pid, signal.SIGSTOP)  # alive, but /health/ hangs
        try:
            with pytest.raises(ServerError, match=rf"pid {pid}\) .* running but has not answered .* not starting a "
                                                  "second server"):
                lsserver.ensure_server(state=state, timeout=4.0)
            assert _servers_of(data) == [pid]
        finally:
            os.kill(pid, signal.SIGCONT)
        assert lsserver.ensure_server(state=state, timeout=60).pid == pid  # answers again: reused
        # Its starter died before confirming the port: the port is read from its start in the log.
        from annotate.labelstudio.process import START_MARKER

        root = state.absolute() / "labelstudio"
        offset = (root / "server.log").read_bytes().rindex(START_MARKER.encode())
        (root / "server.json").write_text(json.dumps({"pid": pid, "port": 1, "url": "http://127.0.0.1:1",
                                                      "confirmed": False, "log_offset": offset}))
        assert lsserver.ensure_server(state=state, timeout=60).pid == pid
        assert json.loads((root / "server.json").read_text())["url"] == results[0].url
        assert _servers_of(data) == [pid]
    finally:
        lsserver.stop_server(state)
    assert _servers_of(data) == []


@pytest.mark.server
def test_stop_never_kills_a_process_that_is_not_this_folders_server(tmp_path: Path, ls_server, ls_state):
    import subprocess
    import sys

    state = tmp_path / "state"
    server_file = lsserver.labelstudio_dir(state) / "server.json"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        # a PID reused by an unrelated process, then the PID of ANOTHER folder's Label Studio
        for pid in (sleeper.pid, ls_server.pid):
            server_file.write_text(json.dumps({"pid": pid, "port": 1, "url": "http://127.0.0.1:1", "confirmed": True}))
            assert lsserver.stop_server(state) is False
            assert not server_file.exists()  # the stale record is dropped
        assert sleeper.poll() is None
        assert lsserver.is_healthy(ls_server.url)
        server_file.write_text(json.dumps({"pid": sleeper.pid, "url": "http://127.0.0.1:1", "confirmed": True}))
        assert not lsserver.server_status(state).running
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.server
def test_private_modes_appended_log_and_the_stop_hint(tmp_path: Path, ls_template: Path, monkeypatch):
    from annotate.cli import app
    from annotate.labelstudio.process import START_MARKER, copy_template

    state = tmp_path / "state"
    root = lsserver.labelstudio_dir(state)
    copy_template(ls_template, root)
    for path in (root / "data", *(root / "data").rglob("*")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # what Label Studio itself leaves
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(state))
    try:
        result = CliRunner().invoke(app, ["server", "start"])
        assert result.exit_code == 0, result.output
        assert f"stop it with: ANNOTATE_STATE_DIR={state} annotate server stop" in result.output
        first_pid = lsserver.server_status(state).pid
        assert first_pid
        database = root / "data" / "label_studio.sqlite3"
        assert stat.S_IMODE(root.stat().st_mode) == 0o700 and stat.S_IMODE((root / "data").stat().st_mode) == 0o700
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        loose = [p for p in (root / "data").rglob("*") if p.stat().st_mode & 0o077]
        assert loose == []  # media, exports, SQLite journals: owner only
        assert stat.S_IMODE((root / "server.log").stat().st_mode) == 0o600
        assert CliRunner().invoke(app, ["server", "stop"]).exit_code == 0
        first_log = (root / "server.log").read_text()
        second = lsserver.ensure_server(state=state)
        assert second.pid != first_pid
        log = (root / "server.log").read_text()
        assert log.startswith(first_log) and log.count(START_MARKER) == 2
        assert log.count("Starting development server at") == 2
    finally:
        lsserver.stop_server(state)


def test_stop_command_names_a_state_folder_that_is_not_the_default(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert lsserver.stop_command(tmp_path / ".annotate") == "annotate server stop"
    assert lsserver.stop_command(tmp_path / "my state", program=".venv/bin/annotate") == \
        f"ANNOTATE_STATE_DIR='{tmp_path}/my state' .venv/bin/annotate server stop"


# ── secrets and personal data (#19) ───────────────────────────────────────────────────────────


def test_a_password_in_a_url_never_reaches_a_message(monkeypatch):
    from annotate.cli import app
    from annotate.labelstudio import client as api
    from annotate.labelstudio.errors import LabelStudioError, redact_url_secrets

    assert redact_url_secrets("at http://u:secret@h:1/x and postgresql://a:p@ss@db/x, https://tok@h/") == \
        "at http://u:***@h:1/x and postgresql://a:***@db/x, https://***@h/"
    url = _dead_url().replace("http://", "http://u:secret@")
    conn = Connection(url=url, token="tok-not-shown")
    messages = [repr(conn), conn.project_url(1), conn.task_url(1, 2)]
    with pytest.raises(ServerUnavailable) as info:
        check_connection(conn)
    messages.append(str(info.value))
    with pytest.raises(LabelStudioError) as info:
        api.find_project(api.open_client(conn, max_retries=0), conn, "anything")
    messages.append(str(info.value))
    with pytest.raises(ServerError) as info:
        external_connection(url, None)
    messages.append(str(info.value))
    for var in ("ANNOTATE_LS_URL", "ANNOTATE_LS_TOKEN", "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    from fixtures_labelstudio import tricky_document

    for command in (["pull", "--url", url, "--token", "tok-not-shown"], ["push", "--docs", "-", "--url", url]):
        result = CliRunner().invoke(app, command, input=tricky_document().to_json() + "\n",
                                    env={"ANNOTATE_LS_TOKEN": "tok-not-shown"})
        assert result.exit_code != 0 and "no Label Studio answers at http://u:***@" in result.output.replace("\n", "")
        messages.append(result.output)
    for message in messages:
        assert "secret" not in message and "tok-not-shown" not in message, message
    assert "u:***@127.0.0.1" in messages[3]


@pytest.mark.server
def test_pull_leaves_no_export_snapshot_on_the_server(ls_server, ls_state, project_title, tmp_path: Path):
    from fixtures_labelstudio import tricky_document

    from annotate.labelstudio import client as api
    from annotate.labelstudio import pull, push_documents

    assert ls_server.data_dir == (ls_state / "labelstudio" / "data").absolute()
    exports = ls_server.data_dir / "media" / "export"
    before = {p for p in exports.rglob("*") if p.is_file()}
    push_documents(ls_server, [tricky_document()], project_title)
    result = pull(ls_server, project_title, out=tmp_path / "export.json")
    assert result.tasks == 1 and (tmp_path / "export.json").exists()
    assert {p for p in exports.rglob("*") if p.is_file()} - before == set()
    ls = api.open_client(ls_server)
    assert list(ls.projects.exports.list(id=result.project_id)) == []


@pytest.mark.parametrize(
    ("host", "beyond_loopback", "client_host"),
    [
        ("127.0.0.1", False, "127.0.0.1"),
        ("127.0.0.5", False, "127.0.0.5"),
        ("localhost", False, "127.0.0.1"),
        ("0.0.0.0", True, "127.0.0.1"),
        ("192.0.2.7", True, "192.0.2.7"),
        ("labels.internal", True, "labels.internal"),
    ],
)
def test_where_a_server_listens(host: str, beyond_loopback: bool, client_host: str):
    from annotate.labelstudio.listen import Listen

    listen = Listen(host)
    assert (listen.beyond_loopback, listen.client_host) == (beyond_loopback, client_host)
    assert listen.env() == ({"LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"} if beyond_loopback else {})


def test_an_asked_port_that_is_taken_or_an_ipv6_host_is_a_clear_error():
    from annotate.labelstudio.listen import Listen

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(ServerError, match=f"cannot listen on 127.0.0.1:{port}: .*another program uses the port"):
            Listen("127.0.0.1", port).pick_port()
    with pytest.raises(ServerError, match="IPv6 is not supported"):
        Listen("::")


@pytest.mark.server
def test_a_server_listening_beyond_loopback_refuses_open_sign_up_but_annotators_add_works(
        tmp_path: Path, ls_template: Path):
    from annotate.labelstudio.annotators import AnnotatorError, _sign_up, add_annotators
    from annotate.labelstudio.listen import Listen

    state = tmp_path / "state"
    conn = lsserver.ensure_server(state=state, template=ls_template, listen=Listen("0.0.0.0"))
    try:
        port = int(conn.url.rsplit(":", 1)[1])
        assert conn.url == f"http://127.0.0.1:{port}"  # annotate itself talks over loopback
        assert lsserver.server_status(state).listening == f"0.0.0.0:{port}"
        listening = Path("/proc/net/tcp").read_text().split("\n")[1:]
        local = [line.split()[1] for line in listening if line.strip() and line.split()[3] == "0A"]
        assert f"00000000:{port:04X}" in local  # every interface
        with pytest.raises(AnnotatorError, match="HTTP 403"):  # a stranger without the invite link
            _sign_up(conn, "stranger@example.org", "A-l0ng-enough-passphrase", invite="")
        (added,) = add_annotators(conn, ["ana@example.org"], state=tmp_path)  # the invite link still admits
        assert added.created and added.password_file is not None
        # asked for another address while it runs: said, never silently reused or doubled
        with pytest.raises(ServerError, match=f"already runs, listening on 0.0.0.0:{port}; to listen on 127.0.0.1"):
            lsserver.ensure_server(state=state, listen=Listen("127.0.0.1"))
        assert lsserver.ensure_server(state=state).pid == conn.pid  # not asked: reused
    finally:
        assert lsserver.stop_server(state) is True
