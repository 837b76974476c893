#!/usr/bin/env python
"""Benchmark `annotate build` against a raw baseline measured in the same run (not a test).

Input: N synthetic tasks (one task = one article: segments, two MT systems, a completed annotation
with entities, claims, MQM errors and post-edits), written two ways from the same documents:

* ``records.jsonl``: AnnotatedDocument records, one per line (``annotate build`` reads .jsonl);
* ``export.json``: a Label Studio JSON export made offline by the project's own task builder
  (annotate.labelstudio.tasks.build_task), read by load_export + parse_export.

Two corpora: ``distinct`` (every sentence carries its own number, so every (MT, post-edit) pair is
new, like real news: the honest cold-build number) and ``repeating`` (the default synthetic
sentences: a few hundred combinations, so the build's per-pair dedupe does most of the work).

Each measurement runs in a fresh subprocess:

* baseline: ``pyarrow.json.read_json(records.jsonl)`` + ``pyarrow.parquet.write_table``. (pyarrow
  cannot read the Label Studio export itself: it is not line-delimited, and ``value.text`` is a
  string in label regions but a list in text areas.)
* sacrebleu: the scores' own raw cost — sacrebleu's ``sentence_score`` for BLEU, chrF++ and TER on
  the same (MT, reference) pairs, one process; pyarrow + this is the "same work, no overhead"
  baseline that the cold build is also compared with.
* floor: ``orjson.loads`` of the export alone — what any Python build pays before doing anything
  (the export is not line-delimited, so pyarrow's C++ reader is not an option for it).
* build: ``annotate build``'s path — ``iter_documents`` + ``build_dataset`` (validation, selection
  rules, spaCy BIO, sacrebleu sentence statistics in worker processes, parquet, card). ``cold`` =
  empty sentence-score cache (a fresh state folder); ``warm`` = the same build again with the cache
  the cold build filled (a rebuild after ``annotate pull``: only new pairs are scored).

Printed: wall seconds (imports excluded, reported apart), ratios to the baseline with and without
the wall time the build waited for sentence scores, and peak RSS per size: libraries (after
imports) + everything the reading and the build added on top (the export is read task by task
when large, documents spill to a temporary file past a size), which must grow far slower than
the task count.

    .venv/bin/python scripts/bench_build.py --tasks 10000 --memory-sizes 10000,50000
"""

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


def write_inputs(folder: Path, tasks: int, segments: int, distinct: bool = False) -> tuple[Path, Path]:
    """The same synthetic documents as AnnotatedDocument JSON Lines and as a Label Studio export."""
    from annotate.dataset.synthetic import SYSTEMS, synthetic_documents
    from annotate.labelstudio.tasks import build_task

    kind = "distinct" if distinct else "repeating"
    records, export = folder / f"records-{kind}-{tasks}.jsonl", folder / f"export-{kind}-{tasks}.json"
    systems = [name for name, _ in SYSTEMS]
    with records.open("w", encoding="utf-8") as jsonl, export.open("w", encoding="utf-8") as array:
        array.write("[")
        for task_id, doc in enumerate(synthetic_documents(tasks, segments=segments, distinct=distinct), 1):
            jsonl.write(doc.to_json() + "\n")
            task = build_task(doc, systems)
            task.update(id=task_id, project=1)
            for number, annotation in enumerate(task.get("annotations", []), 1):
                annotation.update(id=task_id * 10 + number, updated_at=doc.annotations[number - 1].updated_at)
            array.write(("," if task_id > 1 else "") + json.dumps(task, ensure_ascii=False))
        array.write("]")
    return records, export


def child_baseline(path: Path, out: Path) -> dict:
    started = time.perf_counter()
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    imported = time.perf_counter()
    # One block for the whole file so type inference sees every row (nested lists can be empty).
    table = pj.read_json(path, read_options=pj.ReadOptions(block_size=path.stat().st_size + 1))
    pq.write_table(table, out / "baseline.parquet")
    return {"import_s": imported - started, "seconds": time.perf_counter() - imported, "peak_rss_mb": peak_rss_mb()}


def child_sacrebleu(path: Path, out: Path) -> dict:
    """The scores' own raw baseline: sacrebleu's public ``sentence_score`` (BLEU effective order,
    chrF++, TER) on exactly the (MT, reference) pairs the build scores, one process, no cache."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    from annotate.commands.data import load_documents
    from annotate.dataset.rows import scoring_pairs

    pairs = [(mt, ref) for doc in load_documents(path) for _, mt, ref in scoring_pairs(doc)]
    metrics = (BLEU(effective_order=True), CHRF(word_order=2), TER())
    started, cpu = time.perf_counter(), time.process_time()
    for mt, ref in pairs:
        for metric in metrics:
            metric.sentence_score(mt, [ref])
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu, "pairs": len(pairs)}


def child_floor(path: Path, out: Path) -> dict:
    """The floor of any Python build from this file: deserialising it into Python objects with
    orjson (the fastest JSON parser for Python we know), nothing else."""
    import orjson

    started = time.perf_counter()
    tasks = orjson.loads(path.read_bytes())
    return {"seconds": time.perf_counter() - started, "items": len(tasks)}


def child_build(path: Path, out: Path) -> dict:
    started = time.perf_counter()
    # Imports are timed apart: they are paid once per process, whatever the size.
    import jinja2  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import sacrebleu  # noqa: F401
    import spacy  # noqa: F401

    import datasets  # noqa: F401
    from annotate.commands.data import iter_documents
    from annotate.dataset import build_dataset
    from annotate.tokens import spacy_tokenizer
    from annotate.languages import SPANISH_ENGLISH

    for language in (SPANISH_ENGLISH.source, SPANISH_ENGLISH.target):  # load the tokenizers outside the timed part too
        spacy_tokenizer(language)
    imported = time.perf_counter()
    rss_imported = rss_now_mb()
    # `annotate build`'s own path: documents read (task by task for a large export) while the
    # build sorts them (in memory, or spilled to a temporary file for a large one).
    report = build_dataset(iter_documents(path), out / "dataset", name="bench", split="hash")
    done = time.perf_counter()
    return {
        "import_s": imported - started,
        "sacrebleu_s": report.seconds["sacrebleu"],
        "scoring_wait_s": report.seconds["scoring_wait"],
        "scoring": report.scoring,
        "seconds": done - imported,
        "rows": sum(sum(splits.values()) for splits in report.counts.values()),
        "rss_imported_mb": rss_imported,
        "peak_rss_mb": peak_rss_mb(),
        # scoring workers are forked: their RSS counts pages they share with this process
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_child(kind: str, path: Path, state_dir: Path | None = None) -> dict:
    """Run one measurement in a fresh interpreter; returns its JSON result line. ``state_dir``
    holds the sentence-score cache (a fresh temporary one when None: a cold build)."""
    with tempfile.TemporaryDirectory(prefix="bench-build-out-") as out:
        env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
               "ANNOTATE_STATE_DIR": str(state_dir or Path(out) / "state")}
        result = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--input", str(path), "--out", out],
            check=True, capture_output=True, text=True, env=env,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def print_build(label: str, build: dict, baseline: dict) -> None:
    own = build["peak_rss_mb"] - build["rss_imported_mb"]
    without = (build["seconds"] - build["scoring_wait_s"]) / baseline["seconds"]
    pairs = build["scoring"]
    print(f"annotate build ({label})")
    print(f"  read + build     {build['seconds']:8.2f} s   waiting for sentence scores {build['scoring_wait_s']:.2f} s "
          f"(scoring CPU {build['sacrebleu_s']:.2f} s), {build['rows']} rows")
    print(f"  sentence pairs   {pairs['pairs']} = {pairs['scored']} distinct scored + {pairs['from_cache']} distinct "
          f"from the cache + {pairs['pairs'] - pairs['scored'] - pairs['from_cache']} repeats")
    print(f"  total            {build['seconds']:8.2f} s   = {build['seconds'] / baseline['seconds']:.1f} × pyarrow; "
          f"without the scoring wait {without:.1f} ×")
    print(f"  memory           peak RSS {build['peak_rss_mb']:.0f} MB = {build['rss_imported_mb']:.0f} MB libraries "
          f"(after imports) + {own:.0f} MB reading and building; largest scoring worker "
          f"{build['worker_peak_rss_mb']:.0f} MB (shared pages counted)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks for the timing comparison")
    parser.add_argument("--memory-sizes", default="10000,50000", help="task counts for the memory runs")
    parser.add_argument("--segments", type=int, default=2, help="segments per task (× 2 MT systems)")
    parser.add_argument("--child", choices=["baseline", "sacrebleu", "build", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        children = {"baseline": child_baseline, "sacrebleu": child_sacrebleu, "build": child_build,
                    "floor": child_floor}
        result = children[args.child](args.input, args.out)
        print(json.dumps(result))
        return

    sizes = sorted({args.tasks, *(int(s) for s in args.memory_sizes.split(",") if s)})
    own_memory = {}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        for tasks in sizes:
            records, export = write_inputs(Path(tmp), tasks, args.segments, distinct=True)
            baseline = run_child("baseline", records)
            sizes_mb = records.stat().st_size / 2**20, export.stat().st_size / 2**20
            print(f"\n== {tasks} tasks ({args.segments} segments × 2 systems each; distinct sentences; records "
                  f"{sizes_mb[0]:.1f} MB, export {sizes_mb[1]:.1f} MB) ==", flush=True)
            print(f"pyarrow read_json + write_table (records.jsonl): {baseline['seconds']:.2f} s, "
                  f"peak RSS {baseline['peak_rss_mb']:.0f} MB (imports {baseline['import_s']:.1f} s apart)")
            if tasks == args.tasks:
                floor = run_child("floor", export)
                print(f"orjson.loads(export.json) alone, no build at all: {floor['seconds']:.2f} s = "
                      f"{floor['seconds'] / baseline['seconds']:.1f}× pyarrow — the floor of any build in Python "
                      "from this file (every task becomes Python objects before anything else happens)")
            state = Path(tmp) / f"state-{tasks}"
            cold = run_child("build", export, state)
            print_build("export.json, Label Studio path, COLD: empty score cache", cold, baseline)
            own_memory[tasks] = cold["peak_rss_mb"] - cold["rss_imported_mb"]
            if tasks == args.tasks:
                raw_scores = run_child("sacrebleu", records)
                with_scores = baseline["seconds"] + raw_scores["seconds"]
                print(f"pyarrow + sacrebleu sentence_score on the same {raw_scores['pairs']} pairs (one process): "
                      f"{with_scores:.2f} s → the cold build is {cold['seconds'] / with_scores:.2f}× that "
                      "(the build scores in up to one worker per CPU)")
                print_build("export.json, WARM: the same build again, scores from the cache",
                            run_child("build", export, state), baseline)
                print_build("records.jsonl (the baseline's file), warm", run_child("build", records, state), baseline)
                records.unlink()
                export.unlink()
                rep_records, rep_export = write_inputs(Path(tmp), tasks, args.segments, distinct=False)
                rep_baseline = run_child("baseline", rep_records)
                print(f"-- repeating synthetic sentences (same sizes): pyarrow {rep_baseline['seconds']:.2f} s")
                print_build("export.json, repeating sentences, cold: per-build dedupe", run_child("build", rep_export),
                            rep_baseline)
                rep_records.unlink()
                rep_export.unlink()
            else:
                records.unlink()
                export.unlink()
            print(f"imports (not timed above): annotate + spaCy {cold['import_s']:.1f} s", flush=True)
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            growth = own_memory[large] / max(own_memory[small], 1)
            print(f"\nmemory of reading + building {small} → {large} tasks (× {large / small:.0f}), cold builds: "
                  f"{own_memory[small]:.0f} → {own_memory[large]:.0f} MB (× {growth:.2f})")


if __name__ == "__main__":
    main()
