#!/usr/bin/env python
"""Benchmark push and pull against a real local Label Studio (not a test; prints numbers).

Push: N synthetic articles through ``push_documents`` (find/create project, list existing tasks,
build task JSON, chunked bulk imports) vs ONE raw ``POST /api/projects/<id>/import`` of the very
same task JSON into a twin project (baseline measured in the same run, same server).
Pull: N annotated tasks through ``pull`` (snapshot export, wait, download, pseudonymise, save,
parse with span checks) vs the raw snapshot export + download alone.

    .venv/bin/python scripts/bench_labelstudio.py            # 10,000 tasks
    .venv/bin/python scripts/bench_labelstudio.py -n 2000 --chunk-size 500

The server runs on a temp copy of an initialised data folder: the test suite's cached template
(.pytest_cache/…) when present, else one made now (~1–3 min of migrations).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def synthetic_documents(n: int, with_annotations: bool):
    """N distinct articles: the test suite's hazard-laden article under N doc_ids, every sentence
    made unique, two MT systems; optionally one completed gold annotation each."""
    from dataclasses import replace

    from fixtures_labelstudio import gold_annotation, tricky_document, with_doc_id

    base = tricky_document()
    docs = []
    for i in range(n):
        doc = with_doc_id(base, f"bench-{i:06d}")
        doc.translations = [replace(t, mt=f"{t.mt} ({i})") for t in doc.translations]
        if with_annotations:
            doc.annotations = [gold_annotation(doc, f"annotator-{i % 7:08x}")]
        docs.append(doc)
    return docs


def raw_import(conn, project_id: int, tasks: list[dict]) -> tuple[float, float]:
    """One raw bulk import call of ``tasks``: (seconds for the call, seconds to serialise the JSON)."""
    start = time.perf_counter()
    body = json.dumps(tasks, ensure_ascii=False).encode()
    serialise = time.perf_counter() - start
    request = urllib.request.Request(f"{conn.url}/api/projects/{project_id}/import", data=body, method="POST",
                                     headers={"Authorization": f"Token {conn.token}",
                                              "Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310 (loopback)
        result = json.loads(response.read())
    elapsed = time.perf_counter() - start
    assert result["task_count"] == len(tasks), result
    return elapsed, serialise


def template_dir() -> Path | None:
    version = importlib.metadata.version("label-studio")
    cached = ROOT / ".pytest_cache" / "d" / f"annotate-labelstudio-template-{version}" / "labelstudio"
    return cached if (cached / "data" / "label_studio.sqlite3").exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--tasks", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=5000, help="largest import call of our push")
    args = parser.parse_args(argv)

    from annotate.labelstudio import client as api
    from annotate.labelstudio.snapshot import export_snapshot
    from annotate.labelstudio import config as lsconfig
    from annotate.labelstudio import guidelines
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import chunk_bounds, push_documents
    from annotate.labelstudio.server import ensure_server, init_data_dir, stop_server
    from annotate.labelstudio.tasks import build_task, document_systems

    with tempfile.TemporaryDirectory(prefix="annotate-bench-ls-") as tmp:
        state = Path(tmp) / "state"
        template = template_dir()
        if template is None:
            print("no cached template: initialising a data folder (1–3 min)…", file=sys.stderr)
            template = init_data_dir(Path(tmp) / "template")
        conn = ensure_server(state=state, template=template)
        try:
            n = args.tasks
            docs = synthetic_documents(n, with_annotations=False)
            systems = document_systems(docs)
            ls = api.open_client(conn)

            # Baseline: the same task JSON our push sends, in one raw call, into a twin project.
            tasks = [build_task(doc, systems) for doc in docs]
            xml = api.config_with_marker(lsconfig.label_config(systems), systems)
            twin = api.create_project(ls, conn, "bench raw import", xml, guidelines.expert_instruction_html())
            raw_push, raw_serialise = raw_import(conn, twin.id, tasks)

            start = time.perf_counter()
            report = push_documents(conn, docs, "bench push", with_predictions=False, chunk_size=args.chunk_size)
            ours_push = time.perf_counter() - start
            assert len(report.created) == n

            start = time.perf_counter()
            again = push_documents(conn, docs, "bench push", with_predictions=False, chunk_size=args.chunk_size)
            repush = time.perf_counter() - start
            assert len(again.unchanged) == n

            # Pull: N annotated tasks.
            annotated = synthetic_documents(n, with_annotations=True)
            push_documents(conn, annotated, "bench pull", with_predictions=False, chunk_size=args.chunk_size)
            project = api.find_project(ls, conn, "bench pull")
            start = time.perf_counter()
            raw_bytes = export_snapshot(ls, conn, project.id)
            raw_pull = time.perf_counter() - start
            start = time.perf_counter()
            pulled = pull(conn, "bench pull", Path(tmp) / "export.json")
            ours_pull = time.perf_counter() - start
            assert len(pulled.documents) == n and all(d.annotations for d in pulled.documents)
        finally:
            stop_server(state)

    mb = len(json.dumps(tasks, ensure_ascii=False).encode()) / 1e6
    print(f"Label Studio {importlib.metadata.version('label-studio')} (SQLite), {n} tasks "
          f"({mb:.1f} MB of task JSON, {len(docs[0].segments)} sentences × {len(systems)} systems each)")
    print(f"push  raw single import : {raw_push:7.2f} s  {n / raw_push:8.0f} tasks/s")
    print(f"push  raw + json.dumps  : {raw_push + raw_serialise:7.2f} s  {n / (raw_push + raw_serialise):8.0f} tasks/s")
    print(f"push  annotate push     : {ours_push:7.2f} s  {n / ours_push:8.0f} tasks/s   "
          f"ratio {ours_push / raw_push:.2f}× the call, {ours_push / (raw_push + raw_serialise):.2f}× call + "
          f"serialisation (target ≤ 1.2×; calls of {', '.join(str(b - a) for a, b in chunk_bounds(n, args.chunk_size))})")
    print(f"push  re-push unchanged : {repush:7.2f} s  {n / repush:8.0f} tasks/s")
    print(f"pull  raw snapshot      : {raw_pull:7.2f} s  {n / raw_pull:8.0f} tasks/s   "
          f"({len(raw_bytes) / 1e6:.1f} MB)")
    print(f"pull  annotate pull     : {ours_pull:7.2f} s  {n / ours_pull:8.0f} tasks/s   "
          f"ratio {ours_pull / raw_pull:.2f}× (+ pseudonymise, save, parse with span checks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
