#!/usr/bin/env python
"""Team load on a real local Label Studio, SQLite vs PostgreSQL (not a test; prints a table).

For each database: a server on a temp copy of a migrated template, N annotator accounts (own API
tokens), each submitting annotations concurrently through the API — as the labeling UI does, one
``POST /api/tasks/<id>/annotations/`` per submit, no client retries — then:

* submissions per second, p50/p95/max latency, errors (anything but 201, or no answer);
* a snapshot export checked against every submission that got a 201 (lost = acknowledged but
  not exported, or exported under the wrong annotator);
* ``annotate push`` of 10,000 tasks into the project the annotators then work in, and ``annotate
  pull`` of it afterwards (10,000 tasks, the submitted annotations among them), timed.

    .venv/bin/python scripts/bench_team_load.py                       # 20 annotators × 25, 10k push/pull
    .venv/bin/python scripts/bench_team_load.py --databases postgresql --tasks 2000

Templates: the test suite's cached ones (.pytest_cache/…) when present, else made now (SQLite
~1 min, PostgreSQL ~35 s of migrations). Every server and cluster is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

# Asks Label Studio's own Django for the annotators' API tokens: the REST API lets an admin create
# accounts but hands a token only to its owner (the UI would need a login per account).
_TOKENS_VIA_DJANGO = """
import json, os, sys
import label_studio
sys.path.insert(0, os.path.dirname(label_studio.__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
import django
django.setup()
from rest_framework.authtoken.models import Token
from users.models import User
emails = json.loads(sys.stdin.read())
tokens = {e: Token.objects.get_or_create(user=User.objects.get(email=e))[0].key for e in emails}
print("TOKENS " + json.dumps(tokens))
"""


@dataclass
class LoadResult:
    """One database's figures."""

    database: str
    submissions: int = 0
    accepted: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    lost: int = 0
    wrong_annotator: int = 0
    push_seconds: float = 0.0
    pulled: int = 0  # annotations `annotate pull` parsed
    set_aside: list[str] = field(default_factory=list)  # what pull's validation set aside, and why
    pull_seconds: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


def _template(database: str, tmp: Path) -> Path:
    """The cached migrated ``labelstudio/`` folder for this database, or a new one."""
    version = importlib.metadata.version("label-studio")
    cache = ROOT / ".pytest_cache" / "d"
    if database == "sqlite":
        cached = cache / f"annotate-labelstudio-template-{version}" / "labelstudio"
        if (cached / "data" / "label_studio.sqlite3").exists():
            return cached
        from annotate.labelstudio.server import init_data_dir

        print("no cached SQLite template: migrating (~1 min)…", file=sys.stderr)
        return init_data_dir(tmp / "template-sqlite")
    for cached in sorted(glob.glob(str(cache / f"annotate-labelstudio-pg*-template-{version}" / "labelstudio"))):
        if (Path(cached) / "database.json").exists():
            return Path(cached)
    from annotate.labelstudio.postgres import init_postgres_template

    print("no cached PostgreSQL template: migrating (~35 s)…", file=sys.stderr)
    return init_postgres_template(tmp / "template-postgresql")


def create_annotators(conn, state: Path, count: int) -> dict[str, str]:
    """``count`` annotator accounts (``annotate annotators add``'s way when it is there, else the
    admin API) → their API tokens."""
    from annotate.labelstudio.postgres import prepare_database
    from annotate.labelstudio.server import _child_env, labelstudio_dir, load_or_create_credentials

    emails = [f"annotator{i:02d}@bench.example.org" for i in range(count)]
    try:
        from annotate.labelstudio.annotators import add_annotators
    except ImportError:
        from annotate.labelstudio import client as api
        from annotate.labelstudio.snapshot import export_snapshot

        api.ensure_users(api.open_client(conn), conn, emails)
    else:
        add_annotators(conn, emails, state=state)
    root = labelstudio_dir(state)
    env = _child_env(root / "data", load_or_create_credentials(root / "credentials.json"),
                     prepare_database(None, None, state=state))
    done = subprocess.run([sys.executable, "-c", _TOKENS_VIA_DJANGO], input=json.dumps(emails), env=env,
                          capture_output=True, text=True, check=True, cwd=root, timeout=300)
    line = next(line for line in done.stdout.splitlines() if line.startswith("TOKENS "))
    return json.loads(line.removeprefix("TOKENS "))


def submit_concurrently(conn, tokens: dict[str, str], payloads: dict[str, list[tuple[int, list]]],
                        result: LoadResult) -> dict[int, str]:
    """Every annotator submits its payloads in its own thread (all start together); returns the
    acknowledged annotation id → annotator email."""
    import httpx

    acknowledged: dict[int, str] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens) + 1)

    def annotator(email: str) -> None:
        with httpx.Client(base_url=conn.url, timeout=120.0,
                          headers={"Authorization": f"Token {tokens[email]}"}) as http:
            barrier.wait()
            for task_id, items in payloads[email]:
                started = time.perf_counter()
                try:
                    response = http.post(f"/api/tasks/{task_id}/annotations/",
                                         json={"result": items, "was_cancelled": False, "lead_time": 42.0})
                    error = None if response.status_code == 201 else f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    response, error = None, type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    result.submissions += 1
                    result.latencies.append(elapsed)
                    if error:
                        result.errors.append(error)
                    else:
                        result.accepted += 1
                        acknowledged[response.json()["id"]] = email

    threads = [threading.Thread(target=annotator, args=(email,)) for email in tokens]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result.wall_seconds = time.perf_counter() - started
    return acknowledged


def run_database(database: str, args: argparse.Namespace, tmp: Path) -> LoadResult:
    """Start a server on ``database``, run the load and the bulk push/pull, stop it."""
    from bench_labelstudio import synthetic_documents
    from fixtures_labelstudio import gold_annotation

    from annotate.labelstudio import client as api
    from annotate.labelstudio.postgres import ensure_server_on
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import push_documents
    from annotate.labelstudio.server import stop_server
    from annotate.labelstudio.tasks import annotation_json

    result = LoadResult(database)
    state = tmp / f"state-{database}"
    conn = ensure_server_on(database, state=state, template=_template(database, tmp))
    try:
        tokens = create_annotators(conn, state, args.annotators)
        emails = sorted(tokens)
        n_load = args.annotators * args.per_annotator
        docs = synthetic_documents(max(args.tasks, n_load), with_annotations=False)
        print(f"[{database}] push of {len(docs)} tasks…", file=sys.stderr)
        started = time.perf_counter()
        report = push_documents(conn, docs, "bench team load", with_predictions=False)
        result.push_seconds = time.perf_counter() - started
        assert len(report.created) == len(docs), report.summary()
        tasks = api.list_tasks(api.open_client(conn), conn, report.project_id)
        payloads: dict[str, list[tuple[int, list]]] = {email: [] for email in emails}
        for number, doc in enumerate(docs[:n_load]):  # each annotator gets its own tasks, round robin
            email = emails[number % len(emails)]
            gold = gold_annotation(doc, email)
            payloads[email].append((report.task_ids[doc.doc_id],
                                    annotation_json(tasks[doc.doc_id][0].data, gold, salt=email)["result"]))
        print(f"[{database}] {len(emails)} annotators submit {n_load} annotations…", file=sys.stderr)
        acknowledged = submit_concurrently(conn, tokens, payloads, result)

        exported = json.loads(export_snapshot(api.open_client(conn), conn, report.project_id))
        found = {a["id"]: a.get("completed_by") for task in exported for a in task["annotations"]}
        user_ids = {u.email: u.id for u in api.open_client(conn).users.list()}
        result.lost = sum(1 for annotation_id in acknowledged if annotation_id not in found)
        result.wrong_annotator = sum(
            1 for annotation_id, email in acknowledged.items() if annotation_id in found
            and (found[annotation_id]["id"] if isinstance(found[annotation_id], dict) else found[annotation_id])
            != user_ids[email])

        print(f"[{database}] pull of {len(docs)} tasks…", file=sys.stderr)
        started = time.perf_counter()
        pulled = pull(conn, "bench team load", tmp / f"export-{database}.json")
        result.pull_seconds = time.perf_counter() - started
        assert len(pulled.documents) + sum(p.kind == "task" for p in pulled.problems) == len(docs)
        result.pulled = sum(len(d.annotations) for d in pulled.documents)
        result.set_aside = [f"{p.kind}: {p.message}" for p in pulled.problems]
    finally:
        stop_server(state)  # Label Studio, then (PostgreSQL) its cluster, by PID
    return result


def print_table(results: list[LoadResult], args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Label Studio {importlib.metadata.version('label-studio')}: {args.annotators} annotators "
                        f"× {args.per_annotator} concurrent submissions; push/pull of {args.tasks} tasks",
                  min_width=120)
    for column in ("database", "submissions", "subs/s", "p50 ms", "p95 ms", "max ms", "errors", "lost",
                   "wrong annotator", "pulled", "push s", "pull s"):
        table.add_column(column, justify="left" if column == "database" else "right")
    for r in results:
        kinds = ", ".join(f"{kind}×{r.errors.count(kind)}" for kind in sorted(set(r.errors)))
        table.add_row(r.database, str(r.submissions), f"{r.accepted / r.wall_seconds:.1f}",
                      f"{1000 * statistics.median(r.latencies):.0f}", f"{1000 * r.percentile(0.95):.0f}",
                      f"{1000 * max(r.latencies):.0f}", f"{len(r.errors)}" + (f" ({kinds})" if kinds else ""),
                      str(r.lost), str(r.wrong_annotator), f"{r.pulled}" + (f" (+{len(r.set_aside)} set aside)" if r.set_aside else ""),
                      f"{r.push_seconds:.1f}", f"{r.pull_seconds:.1f}")
    console = Console()
    if not console.is_terminal:  # piped into a file or a report: do not squeeze into 80 columns
        console.width = 160
    console.print(table)
    for r in results:
        for reason in sorted(set(r.set_aside))[:5]:
            console.print(f"{r.database}: pull set aside {r.set_aside.count(reason)} × {reason}", markup=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--per-annotator", type=int, default=25, help="submissions per annotator")
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks pushed and pulled (at least the annotated ones)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="annotate-bench-team-") as tmp:
        for database in args.databases.split(","):
            results.append(run_database(database.strip(), args, Path(tmp)))
    print_table(results, args)
    return 0 if all(r.lost == 0 and r.wrong_annotator == 0 and r.pulled == r.accepted for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
