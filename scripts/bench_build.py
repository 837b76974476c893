#!/usr/bin/env python
"""Benchmark `annotate build` against a raw baseline measured in the same run (not a test).

Input: a synthetic export of N tasks (one task = one annotated article: segments, two MT systems,
MQM ratings, post-edits), written as AnnotatedDocument JSON Lines — the records the Label Studio
export parser produces. Each measurement runs in a fresh subprocess:

* baseline: ``pyarrow.json.read_json(file)`` + ``pyarrow.parquet.write_table`` of the same file;
* build: JSON → records (``annotate.commands.data.load_documents``) + ``build_dataset``.

Printed: wall seconds (imports excluded, reported apart), the ratio build / baseline, the part of
the build spent inside sacrebleu (sentence statistics, read once per segment pair) and the ratio
without it, and peak RSS at each size plus the builder's own increment over the loaded records
(peak RSS − RSS once the records are in memory), which must grow far slower than the task count.

    .venv/bin/python scripts/bench_build.py --tasks 10000 --memory-sizes 10000,50000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def rss_now_mb() -> float:
    """Current resident set size of this process (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_export(path: Path, tasks: int, segments: int) -> None:
    from annotate.commands._io import write_records
    from annotate.dataset.synthetic import synthetic_documents

    with path.open("w", encoding="utf-8") as stream:
        write_records(synthetic_documents(tasks, segments=segments), stream)


def child_baseline(path: Path, out: Path) -> dict:
    started = time.perf_counter()
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    imported = time.perf_counter()
    # One block for the whole file so type inference sees every row (nested lists can be empty).
    table = pj.read_json(path, read_options=pj.ReadOptions(block_size=path.stat().st_size + 1))
    pq.write_table(table, out / "baseline.parquet")
    return {"import_s": imported - started, "seconds": time.perf_counter() - imported, "peak_rss_mb": peak_rss_mb()}


def child_build(path: Path, out: Path) -> dict:
    started = time.perf_counter()
    import spacy  # noqa: F401  (imports are timed apart: they are paid once per process)

    from annotate.commands.data import load_documents
    from annotate.dataset import build_dataset
    from annotate.dataset.bio import BioTagger

    BioTagger()._tokenizer  # noqa: B018  (load the tokenizer outside the timed part too)
    imported = time.perf_counter()
    docs = load_documents(path)
    loaded = time.perf_counter()
    rss_loaded = rss_now_mb()
    report = build_dataset(docs, out / "dataset", name="bench", split="hash")
    done = time.perf_counter()
    return {
        "import_s": imported - started,
        "load_s": loaded - imported,
        "build_s": done - loaded,
        "sacrebleu_s": report.seconds["sacrebleu"],
        "seconds": done - imported,
        "rows": sum(sum(splits.values()) for splits in report.counts.values()),
        "rss_after_load_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(kind: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-build-out-") as out:
        result = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--export", str(path), "--out", out],
            check=True, capture_output=True, text=True,
            env={**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"},
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks for the timing comparison")
    parser.add_argument("--memory-sizes", default="10000,50000", help="task counts for the memory runs")
    parser.add_argument("--segments", type=int, default=2, help="segments per task (× 2 MT systems)")
    parser.add_argument("--child", choices=["baseline", "build"], help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = (child_baseline if args.child == "baseline" else child_build)(args.export, args.out)
        print(json.dumps(result))
        return

    sizes = sorted({args.tasks, *(int(s) for s in args.memory_sizes.split(",") if s)})
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        results = {}
        for tasks in sizes:
            path = Path(tmp) / f"export-{tasks}.jsonl"
            write_export(path, tasks, args.segments)
            size_mb = path.stat().st_size / 2**20
            baseline, build = run_child("baseline", path), run_child("build", path)
            results[tasks] = (baseline, build)
            print(f"\n== {tasks} tasks ({args.segments} segments × 2 systems each; export {size_mb:.1f} MB) ==")
            print(f"pyarrow read_json + write_table : {baseline['seconds']:8.2f} s   peak RSS {baseline['peak_rss_mb']:7.0f} MB")
            print(f"annotate load + build           : {build['seconds']:8.2f} s   peak RSS {build['peak_rss_mb']:7.0f} MB"
                  f"   ({build['rows']} rows)")
            print(f"  JSON → records                : {build['load_s']:8.2f} s")
            print(f"  build_dataset                 : {build['build_s']:8.2f} s   of which sacrebleu {build['sacrebleu_s']:.2f} s")
            print(f"  builder's own memory          : {build['peak_rss_mb'] - build['rss_after_load_mb']:8.0f} MB over "
                  f"{build['rss_after_load_mb']:.0f} MB of loaded records")
            print(f"ratio build / pyarrow           : {build['seconds'] / baseline['seconds']:8.1f} ×")
            print(f"ratio without sacrebleu         : {(build['seconds'] - build['sacrebleu_s']) / baseline['seconds']:8.1f} ×")
            print(f"imports (not timed above)       : pyarrow {baseline['import_s']:.1f} s, annotate+spaCy {build['import_s']:.1f} s")
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            (_, b_small), (_, b_large) = results[small], results[large]
            own = [b["peak_rss_mb"] - b["rss_after_load_mb"] for b in (b_small, b_large)]
            print(f"\nmemory {small} → {large} tasks (× {large / small:.0f}): peak RSS × "
                  f"{b_large['peak_rss_mb'] / b_small['peak_rss_mb']:.2f}, builder's own × {own[1] / max(own[0], 1):.2f}")


if __name__ == "__main__":
    main()
