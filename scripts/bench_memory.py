#!/usr/bin/env python
"""Peak memory of ``annotate build`` and ``annotate import-mqm`` against the input's size (not a test).

Issue #20: memory must stay flat (under 1 GB) whatever the input size. This script writes inputs of
the asked sizes (default 50 MB and 500 MB) of both kinds into a temporary folder:

* a Label Studio JSON export: synthetic tasks made by the project's own task builder, every sentence
  distinct (``scripts/bench_build.py``'s writer);
* a WMT MQM TSV file: a small real-shaped file repeated with new document ids and distinct sentences
  (Google's TED en-de file from ``../shared/mqm`` when it is there, else the corners fixture), in
  the layout of Google's files (document by document).

Then it runs each command in a fresh process (cold sentence-score cache) and prints, next to the
input's size, the peak resident set size (``wait4``'s ``ru_maxrss`` of the process and the
scoring workers it waited for: the largest of them), the wall seconds and RSS ÷ input size.

    .venv/bin/python scripts/bench_memory.py                 # 50 MB and 500 MB (several minutes)
    .venv/bin/python scripts/bench_memory.py --sizes 5,50 --kinds tsv
    PYTHONPATH=/some/other/tree .venv/bin/python scripts/bench_memory.py   # e.g. an older checkout
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TED_ENDE = REPO.parent / "shared" / "mqm" / "mqm_ted_ende.tsv"
CORNERS = REPO / "tests" / "data" / "mqm" / "corners.tsv"
MB = 2**20


@dataclass
class Measurement:
    """One command's run: what it read, how long it took, its peak RSS."""

    kind: str
    command: str
    input_bytes: int
    seconds: float
    peak_rss_bytes: int
    exit_code: int


def write_tsv(path: Path, target_bytes: int) -> Path:
    """An MQM TSV file of about ``target_bytes``: the template file's rows repeated, each copy with
    new document names, new file-wide segment numbers and its own sentences (a copy number at the
    end of every source and target), copy after copy as Google's files are laid out."""
    template = TED_ENDE if TED_ENDE.exists() else CORNERS
    header, *rows = template.read_text(encoding="utf-8").splitlines()
    fields = [row.split("\t") for row in rows if row.strip()]
    width = len(header.split("\t"))
    largest_seg = max(int(f[3]) for f in fields)
    written, copy = 0, 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        while written < target_bytes:
            copy += 1
            for f in fields:
                system, doc, local, global_, rater, source, target, *rest = f
                line = "\t".join([system, f"{doc}~{copy}", local, str(int(global_) + copy * largest_seg), rater,
                                  f"{source} [{copy}]", f"{target} [{copy}]", *rest][:width]) + "\n"
                out.write(line)
                written += len(line.encode("utf-8"))
    return path


def write_export(path: Path, target_bytes: int) -> Path:
    """A Label Studio export of about ``target_bytes`` (distinct sentences, 2 segments × 2 systems
    per task): the tasks per MB are measured on a small sample first."""
    from bench_build import write_inputs

    with tempfile.TemporaryDirectory(prefix="bench-memory-sample-") as sample_dir:
        _, sample = write_inputs(Path(sample_dir), 200, 2, distinct=True)
        bytes_per_task = sample.stat().st_size / 200
    tasks = max(1, round(target_bytes / bytes_per_task))
    _, export = write_inputs(path.parent, tasks, 2, distinct=True)
    records = path.parent / f"records-distinct-{tasks}.jsonl"
    records.unlink(missing_ok=True)  # bench_build writes both; only the export is measured here
    export.rename(path)
    return path


def measure(kind: str, label: str, argv: list[str], input_path: Path, env: dict[str, str]) -> Measurement:
    """Run ``argv`` and take its peak RSS from ``wait4`` (this process's own memory is not counted)."""
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        # run from the temporary folder: `python -m` puts the working folder first on sys.path
        process = subprocess.Popen(argv, stdout=devnull, stderr=subprocess.PIPE, env=env, cwd=input_path.parent)
        stderr = process.stderr.read() if process.stderr else b""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode:
        print(f"{label} failed ({process.returncode}):\n{stderr.decode(errors='replace')[-2000:]}", file=sys.stderr)
    return Measurement(kind, label, input_path.stat().st_size, seconds, usage.ru_maxrss * 1024, process.returncode)


def runs(folder: Path, kinds: list[str], size_mb: int) -> Iterator[tuple[str, str, list[str], Path]]:
    """(kind, label, argv, input) of every command to measure at one size."""
    annotate = [sys.executable, "-m", "annotate.cli"]
    if "export" in kinds:
        export = write_export(folder / f"export-{size_mb}MB.json", size_mb * MB)
        yield "LS export", "annotate build", [*annotate, "build", str(export), str(folder / "ds-export")], export
    if "tsv" in kinds:
        tsv = write_tsv(folder / f"mqm-{size_mb}MB.tsv", size_mb * MB)
        out = folder / "imported.jsonl"
        yield "MQM TSV", "annotate import-mqm", [*annotate, "import-mqm", str(tsv), "-o", str(out)], tsv
        yield "MQM TSV", "annotate build", [*annotate, "build", str(tsv), str(folder / "ds-tsv"),
                                            "--languages", "en-de"], tsv


def print_table(results: list[Measurement], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("input", "command", "input size", "peak RSS", "seconds", "RSS ÷ input", "exit"):
        table.add_column(column, justify="left" if column in ("input", "command") else "right")
    for m in results:
        table.add_row(m.kind, m.command, f"{m.input_bytes / MB:.0f} MB", f"{m.peak_rss_bytes / MB:.0f} MB",
                      f"{m.seconds:.1f}", f"{m.peak_rss_bytes / m.input_bytes:.2f}", str(m.exit_code))
    Console(width=110).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,500", help="input sizes in MB, comma-separated")
    parser.add_argument("--kinds", default="export,tsv", help="export (Label Studio) and/or tsv (WMT MQM)")
    parser.add_argument("--title", default="annotate: peak memory against input size")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    sys.path.insert(0, str(REPO / "scripts"))
    results: list[Measurement] = []
    for size_mb in (int(s) for s in args.sizes.split(",") if s.strip()):
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            folder = Path(tmp)
            env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
                   "ANNOTATE_STATE_DIR": str(folder / "state")}  # a cold sentence-score cache
            for kind, label, argv, input_path in runs(folder, kinds, size_mb):
                result = measure(kind, label, argv, input_path, env)
                results.append(result)
                print(f"{kind:10} {label:20} {result.input_bytes / MB:6.0f} MB  peak {result.peak_rss_bytes / MB:6.0f} MB "
                      f"{result.seconds:7.1f} s  exit {result.exit_code}", flush=True)
    print_table(results, args.title)


if __name__ == "__main__":
    main()
