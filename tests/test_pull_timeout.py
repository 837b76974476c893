"""Waiting is visible (issue #20, point 7): ``annotate pull`` against a slow server shows what it
waits for with the elapsed time, and gives up after ``--timeout`` (ANNOTATE_PULL_TIMEOUT) with a
message saying what it waited for, for how long, on which server and what to do — wherever the
server hangs: the create call, a snapshot never finished, a download that stalls. An earlier
export file is never lost.

The server is a real HTTP server on 127.0.0.1 (a free port, a thread) answering the Label Studio
API calls pull makes, slow where each test says."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from annotate.cli import app

TOKEN = "tok-4f1e-never-printed"
PROJECT = {"id": 3, "title": "slow [news] project", "label_config": "<View></View>",
           "created_at": "2024-05-01T10:00:00Z", "task_number": 1, "total_annotations_number": 0}
EXPORT_ID = 7
HANG = 120.0  # how long a slow answer waits at most (released at teardown): far beyond any --timeout here
WIDE = {"COLUMNS": "500"}  # rich folds long lines at the terminal width; the messages are asserted whole


class FakeLabelStudio:
    """The API calls of a pull, answered like Label Studio 1.x does, except where ``slow`` says to
    hang: ``"create"`` (the snapshot request never answers), ``"snapshot"`` (the snapshot is never
    finished), ``"download"`` (the download sends a few bytes and stalls), or ``None`` (fast)."""

    def __init__(self, slow: str | None) -> None:
        self.slow = slow
        self.release = threading.Event()
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
                pass  # keep the test output clean

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake.answer(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                fake.answer(self, "POST")

            def do_DELETE(self) -> None:  # noqa: N802
                fake.answer(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        """One request: record it, then answer (or hang) as the mode says."""
        url = urlsplit(handler.path)
        path, query = url.path.rstrip("/"), parse_qs(url.query)
        self.requests.append((method, path))
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        if path == "/health":
            return self.send(handler, {"status": "UP"})
        if handler.headers.get("Authorization") != f"Token {TOKEN}":
            return self.send(handler, {"detail": "no token"}, status=401)
        export = f"/api/projects/{PROJECT['id']}/exports"
        if path == "/api/current-user/whoami":
            return self.send(handler, {"id": 1, "email": "admin@example.org"})
        if path == "/api/projects":
            page = int(query.get("page", ["1"])[0])
            return self.send(handler, {"count": 1, "next": None, "previous": None,
                                       "results": [PROJECT] if page == 1 else []})
        if path == f"/api/projects/{PROJECT['id']}":
            return self.send(handler, PROJECT)
        if path == export and method == "POST":
            if self.slow == "create":
                self.release.wait(HANG)  # the community edition builds the snapshot inside this request
            status = "in_progress" if self.slow == "snapshot" else "completed"
            return self.send(handler, {"id": EXPORT_ID, "status": status, "title": "pull"}, status=201)
        if path == f"{export}/{EXPORT_ID}" and method == "GET":
            return self.send(handler, {"id": EXPORT_ID, "status": "in_progress" if self.slow == "snapshot" else "completed"})
        if path == f"{export}/{EXPORT_ID}/download":
            body = json.dumps([]).encode() + b" " * 4096
            if self.slow == "download":
                handler.send_response(200)
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body[:10])
                handler.wfile.flush()
                self.release.wait(HANG)  # the rest never comes
                handler.close_connection = True
                return None
            return self.send(handler, None, raw=body)
        if path == f"{export}/{EXPORT_ID}" and method == "DELETE":
            handler.send_response(204)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        return self.send(handler, {"detail": f"not found: {method} {path}"}, status=404)

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, payload: object, status: int = 200, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up (that is the point of these tests)

    def __enter__(self) -> FakeLabelStudio:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()  # let the hanging handlers finish
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_server(request: pytest.FixtureRequest) -> Iterator[FakeLabelStudio]:
    with FakeLabelStudio(request.param) as server:
        yield server


@pytest.fixture
def earlier_export(tmp_path: Path) -> Path:
    """An export file from an earlier pull: a timed-out pull must leave it as it was."""
    out = tmp_path / "export.json"
    out.write_bytes(b'[{"id": 1, "data": {"doc_id": "earlier"}}]')
    return out


def _pull(server: FakeLabelStudio, out: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["pull", "--out", str(out), *args],
                              env={"ANNOTATE_LS_URL": server.url, "ANNOTATE_LS_TOKEN": TOKEN, **WIDE, **(env or {})})


def _one_line(text: str) -> str:
    return " ".join(text.split())


WAITED_FOR = {
    "create": f"create the export snapshot of project {PROJECT['id']} (the community edition builds it inside "
              "that request)",
    "snapshot": f"finish export snapshot {EXPORT_ID} of project {PROJECT['id']}",
    "download": f"send export snapshot {EXPORT_ID} of project {PROJECT['id']}",
}


@pytest.mark.parametrize("slow_server", ["create", "snapshot", "download"], indirect=True)
def test_pull_gives_up_after_the_timeout_saying_what_it_waited_for(slow_server: FakeLabelStudio,
                                                                   earlier_export: Path) -> None:
    before = earlier_export.read_bytes()
    result = _pull(slow_server, earlier_export, "--project-id", str(PROJECT["id"]), "--timeout", "2")
    assert result.exit_code == 1, result.output
    message = _one_line(result.stderr)
    assert re.search(r"error: gave up after \d+ s \(the limit is 2 s\): still waiting for Label Studio at "
                     + re.escape(f"{slow_server.url} to {WAITED_FOR[slow_server.slow]}. "), message), message
    assert ("For a big project or a busy server, pull again with a longer --timeout SECONDS (or "
            "ANNOTATE_PULL_TIMEOUT); if it keeps happening, check the server's log (on the machine that runs it). "
            f"No export was saved (the earlier {earlier_export} is unchanged).") in message
    assert TOKEN not in result.output
    assert earlier_export.read_bytes() == before  # nothing lost
    assert not list(earlier_export.parent.glob("*.partial"))
    deleted = ("DELETE", f"/api/projects/{PROJECT['id']}/exports/{EXPORT_ID}") in slow_server.requests
    assert deleted == (slow_server.slow != "create")  # a snapshot that exists is cleaned up: it holds emails


@pytest.mark.parametrize("slow_server", ["snapshot"], indirect=True)
def test_the_timeout_comes_from_the_environment_and_the_project_by_title(slow_server: FakeLabelStudio,
                                                                         tmp_path: Path) -> None:
    out = tmp_path / "new" / "export.json"
    result = _pull(slow_server, out, "--project", PROJECT["title"], env={"ANNOTATE_PULL_TIMEOUT": "1.5"})
    assert result.exit_code == 1, result.output
    message = _one_line(result.stderr)
    assert "(the limit is 1.5 s)" in message and WAITED_FOR["snapshot"] in message, message
    assert message.endswith("No export was saved.")  # no earlier file to speak of
    assert not out.exists()
    assert ("GET", "/api/projects") in slow_server.requests  # found by its title ("[news]" printed as it is)


@pytest.mark.parametrize("slow_server", [None], indirect=True)
def test_a_fast_server_pulls_through_the_same_calls(slow_server: FakeLabelStudio, earlier_export: Path) -> None:
    """The fake answers a pull like Label Studio: the timeouts above are the waiting's doing."""
    result = _pull(slow_server, earlier_export, "--project-id", str(PROJECT["id"]), "--timeout", "30")
    assert result.exit_code == 0, result.output
    assert json.loads(earlier_export.read_bytes()) == []  # replaced by the new (empty) export
    assert ("DELETE", f"/api/projects/{PROJECT['id']}/exports/{EXPORT_ID}") in slow_server.requests


@pytest.mark.parametrize("slow_server", ["snapshot"], indirect=True)
def test_pull_reports_each_phase(slow_server: FakeLabelStudio, tmp_path: Path) -> None:
    from annotate.labelstudio.snapshot import DeadlineExceeded
    from annotate.labelstudio.connection import Connection
    from annotate.labelstudio.pull import pull

    phases: list[str] = []
    conn = Connection(url=slow_server.url, token=TOKEN, external=True)
    with pytest.raises(DeadlineExceeded, match="to finish export snapshot 7 of project 3"):
        pull(conn, out=tmp_path / "x.json", project_id=PROJECT["id"], timeout=1.5, on_phase=phases.append)
    assert phases == ["checking the server", "looking up the project", "creating export snapshot of project 3",
                      "waiting for Label Studio to finish the snapshot"]


@pytest.mark.parametrize(("value", "where"), [("0", "--timeout"), ("-5", "--timeout"), ("soon", "ANNOTATE_PULL_TIMEOUT")])
def test_a_timeout_that_is_no_positive_number_is_refused(value: str, where: str, tmp_path: Path) -> None:
    args = ["--timeout", value] if where == "--timeout" else []
    env = {"ANNOTATE_PULL_TIMEOUT": value} if where != "--timeout" else {}
    result = CliRunner().invoke(app, ["pull", "--out", str(tmp_path / "x.json"), *args],
                                env={"ANNOTATE_LS_URL": "http://127.0.0.1:9", "ANNOTATE_LS_TOKEN": TOKEN, **env})
    assert result.exit_code == 2, result.output
    assert "timeout" in result.output.lower()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("slow_server", ["snapshot"], indirect=True)
def test_a_terminal_sees_a_spinner_with_the_phase_and_the_elapsed_time(slow_server: FakeLabelStudio,
                                                                       tmp_path: Path) -> None:
    """In a real (pseudo-)terminal: the spinner line names the phase, counts the time, states the
    limit, and is cleared before the error."""
    annotate = Path(sys.executable).parent / "annotate"
    env = {**os.environ, "ANNOTATE_LS_URL": slow_server.url, "ANNOTATE_LS_TOKEN": TOKEN, "TERM": "xterm-256color",
           "COLUMNS": "200", "LINES": "40"}
    env.pop("NO_COLOR", None)
    master, slave = pty.openpty()
    process = subprocess.Popen([str(annotate), "pull", "--out", str(tmp_path / "x.json"), "--project-id",
                                str(PROJECT["id"]), "--timeout", "3"], stdin=slave, stdout=slave, stderr=slave,
                               env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        process.wait(timeout=60)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert process.returncode == 1, screen
    assert "waiting for Label Studio to finish the snapshot" in screen
    assert "(gives up after 3 s)" in screen
    assert re.search(r"0:00:0\d", screen)  # TimeElapsedColumn
    assert "gave up after" in screen and TOKEN not in screen


def test_the_local_server_message_names_its_log_file(tmp_path: Path) -> None:
    from annotate.labelstudio.connection import Connection
    from annotate.labelstudio.pull import server_log_hint

    local = Connection(url="http://127.0.0.1:1", token=TOKEN, data_dir=tmp_path / "labelstudio" / "data")
    assert server_log_hint(local) == f"the server's log ({tmp_path / 'labelstudio' / 'server.log'})"
