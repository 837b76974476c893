#!/usr/bin/env python
"""Benchmark a cold `annotate build` against its true floor, measured in the same run (not a test).

A build from a Label Studio export must at least parse the export, score the sentence pairs with
sacrebleu and tokenise the texts with spaCy. The floor is those three, done with the libraries'
own public calls and nothing else, each timed apart and summed, one process:

* parse: ``orjson.loads`` of the export file (the fastest JSON parser for Python we know);
* score: sacrebleu's public ``sentence_score`` — BLEU (effective order), chrF++, TER, configured as
  the build configures them — on exactly the distinct (hypothesis, reference) pairs the build scores;
* tokenise: the build's spaCy tokenizer (``annotate.tokens.spacy_tokenizer``: ``spacy.blank``) on
  exactly the texts the build tokenises (each source sentence of a document once; each rated MT).

The build: ``annotate build``'s path in a fresh process (``iter_documents`` + ``build_dataset``),
COLD: no sentence-score cache (``score_cache=False``, as ``--no-score-cache``, and an empty state
folder). Imports (and loading the tokenizers) are timed apart, for the floor and the build alike;
the whole ``annotate build`` command (imports included) is timed too. The build may score in a
worker pool (one worker per CPU for large builds), so both its wall time and its CPU time (its own
+ its workers') are compared with the floor: target build ≤ 1.25 × floor.

Input: N synthetic documents (annotate.dataset.synthetic, every sentence distinct, like real news:
one article = ``--segments`` sentences × 2 MT systems, a completed annotation with entities,
claims, MQM errors and post-edits) written as a Label Studio JSON export by the project's own task
builder, or an export of yours (``--export``).

    .venv/bin/python scripts/bench_build.py --tasks 200,2000 --segments 12
    .venv/bin/python scripts/bench_build.py --export project-export.json
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

TARGET = 1.25  # build ≤ 1.25 × floor, cold


def peak_rss_mb() -> float:
    """This process's peak resident set size."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of ``who`` (RUSAGE_SELF, or RUSAGE_CHILDREN: reaped children)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def cores() -> str:
    """The CPU count and the CPUs this process may run on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{os.cpu_count()} CPUs ({usable} usable)"


def write_export(folder: Path, tasks: int, segments: int) -> Path:
    """N synthetic documents (distinct sentences) as a Label Studio export, built offline by the
    project's own task builder."""
    from annotate.dataset.synthetic import SYSTEMS, synthetic_documents
    from annotate.labelstudio.tasks import build_task

    export = folder / f"export-{tasks}x{segments}.json"
    systems = [name for name, _ in SYSTEMS]
    with export.open("w", encoding="utf-8") as array:
        array.write("[")
        for task_id, doc in enumerate(synthetic_documents(tasks, segments=segments, distinct=True), 1):
            task = build_task(doc, systems)
            task.update(id=task_id, project=1)
            for number, annotation in enumerate(task.get("annotations", []), 1):
                annotation.update(id=task_id * 10 + number, updated_at=doc.annotations[number - 1].updated_at)
            array.write(("," if task_id > 1 else "") + json.dumps(task, ensure_ascii=False))
        array.write("]")
    return export


# ---------------------------------------------------------------- the floor's inputs (not timed)

def build_work(path: Path) -> dict:
    """What the build of ``path`` scores and tokenises, read with the project's own parser (not
    timed): the distinct scoring pairs, the source sentences and the rated MT texts, and the
    languages. Follows build_dataset's rules: references as it chooses them by default, a document's
    sources tokenised when it has a primary annotation and the sources carry an entity or claim
    layer, or when one of its translations is rated; each rated MT translation tokenised once."""
    from annotate.commands.data import iter_documents
    from annotate.dataset.build import _Facts
    from annotate.dataset.rows import scoring_pairs

    facts = _Facts()
    docs = {doc.doc_id: doc for doc in facts.observe(iter_documents(path))}
    reference_system = ",".join(facts.imported_references) or None
    pairs: dict[tuple, None] = {}
    sources: list[str] = []
    mt_texts: list[str] = []
    for doc_id in sorted(docs):
        doc = docs[doc_id]
        pairs.update((pair[1:], None) for pair in scoring_pairs(doc, reference_system))
        ranked = doc.ranked_annotations()
        rated = {(r.system, r.seg_id) for a in ranked for r in a.ratings}
        rated_mts = [t for t in doc.translations if t.role == "mt" and (t.system, t.seg_id) in rated]
        mt_texts.extend(t.mt for t in rated_mts)
        whole = bool(ranked) and (facts.entities or facts.claims)
        rated_segments = {t.seg_id for t in rated_mts}
        sources.extend(s.text for s in sorted(doc.segments, key=lambda s: s.seg_id)
                       if whole or s.seg_id in rated_segments)
    languages = facts.languages()
    return {"pairs": list(pairs), "sources": sources, "mt_texts": mt_texts, "source": languages.source,
            "target": languages.target, "documents": len(docs)}


# ---------------------------------------------------------------- children (one fresh process each)

def child_floor(path: Path, out: Path) -> dict:
    """The floor: orjson parse + sacrebleu sentence scores + spaCy tokenisation, each timed apart."""
    work = build_work(path)
    started = time.perf_counter()
    import orjson

    from annotate.scoring.metrics import BLEU_NAME, CHRF_NAME, TER_NAME, make_metrics
    from annotate.tokens import spacy_tokenizer

    metrics = make_metrics(sentence_level=True, trg_lang=work["target"])  # sacrebleu's own classes
    bleu, chrf, ter = metrics[BLEU_NAME], metrics[CHRF_NAME], metrics[TER_NAME]
    source_tokenizer, target_tokenizer = spacy_tokenizer(work["source"]), spacy_tokenizer(work["target"])
    imported = time.perf_counter()

    def timed(run) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        return time.perf_counter() - wall, time.process_time() - cpu

    def parse() -> None:
        orjson.loads(path.read_bytes())

    def score() -> None:
        for hypothesis, reference in work["pairs"]:
            references = list(reference) if isinstance(reference, tuple) else [reference]
            bleu.sentence_score(hypothesis, references)
            chrf.sentence_score(hypothesis, references)
            ter.sentence_score(hypothesis, references)

    def tokenise() -> None:
        for text in work["sources"]:
            source_tokenizer(text)
        for text in work["mt_texts"]:
            target_tokenizer(text)

    parts = {"parse": timed(parse), "score": timed(score), "tokenise": timed(tokenise)}
    # not timed: the MT tokens, as the build counts them (the texts are the build's)
    mt_tokens = sum(not token.is_space for text in work["mt_texts"] for token in target_tokenizer(text))
    return {"parts": parts, "import_s": imported - started, "pairs": len(work["pairs"]),
            "sources": len(work["sources"]), "mt_texts": len(work["mt_texts"]), "mt_tokens": mt_tokens,
            "documents": work["documents"]}


def child_build(path: Path, out: Path) -> dict:
    """``annotate build``'s path, cold (no score cache), imports and tokenizer loading timed apart."""
    started = time.perf_counter()
    import jinja2  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import sacrebleu  # noqa: F401
    import spacy  # noqa: F401

    import datasets  # noqa: F401
    from annotate.commands.data import iter_documents
    from annotate.dataset import build_dataset
    from annotate.languages import SPANISH_ENGLISH
    from annotate.tokens import spacy_tokenizer

    for language in (SPANISH_ENGLISH.source, SPANISH_ENGLISH.target):
        spacy_tokenizer(language)
    imported = time.perf_counter()
    cpu = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    report = build_dataset(iter_documents(path), out / "dataset", name="bench", split="hash", score_cache=False)
    wall = time.perf_counter() - imported
    own_cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu[0]
    workers_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu[1]  # the pool's workers, reaped at its end
    return {"import_s": imported - started, "seconds": wall, "cpu_s": own_cpu + workers_cpu, "own_cpu_s": own_cpu,
            "workers_cpu_s": workers_cpu, "sacrebleu_s": report.seconds["sacrebleu"],
            "scoring_wait_s": report.seconds["scoring_wait"], "scoring": report.scoring,
            "mt_tokens": report.word_tags.get("tokens", 0), "peak_rss_mb": peak_rss_mb(),
            "rows": sum(sum(splits.values()) for splits in report.counts.values())}


def child_profile(path: Path, out: Path) -> dict:
    """The cold build under cProfile, one process (workers=1: every cost shows); the top lines."""
    import cProfile
    import io
    import pstats

    from annotate.commands.data import iter_documents
    from annotate.dataset import build_dataset

    profiler = cProfile.Profile()
    profiler.enable()
    build_dataset(iter_documents(path), out / "dataset", name="bench", split="hash", score_cache=False, workers=1)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(40)
    return {"profile": text.getvalue()}


def child_env(out: str) -> dict[str, str]:
    """A cold environment: offline Hugging Face, a fresh (empty) state folder."""
    return {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
            "ANNOTATE_STATE_DIR": str(Path(out) / "state")}


def run_child(kind: str, path: Path) -> dict:
    """One measurement in a fresh interpreter; its JSON result line."""
    with tempfile.TemporaryDirectory(prefix="bench-build-out-") as out:
        result = subprocess.run([sys.executable, __file__, "--child", kind, "--input", str(path), "--out", out],
                                check=True, capture_output=True, text=True, env=child_env(out))
    return json.loads(result.stdout.strip().splitlines()[-1])


def annotate_command() -> list[str]:
    """The installed ``annotate`` console script next to this interpreter, else ``python -m annotate.cli``."""
    script = Path(sys.executable).parent / "annotate"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "annotate.cli"]


def run_command(path: Path) -> dict:
    """The whole ``annotate build EXPORT OUT --no-score-cache`` command: wall and CPU (with workers)."""
    with tempfile.TemporaryDirectory(prefix="bench-build-cli-") as out:
        before, started = cpu_seconds(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([*annotate_command(), "build", str(path), str(Path(out) / "dataset"),
                        "--no-score-cache", "--name", "bench"],
                       check=True, capture_output=True, text=True, env=child_env(out), cwd=out)
        return {"seconds": time.perf_counter() - started, "cpu_s": cpu_seconds(resource.RUSAGE_CHILDREN) - before}


# ---------------------------------------------------------------- report

def print_size(label: str, floor: dict, build: dict, command: dict) -> None:
    """The floor's parts, the build, and the ratios, as one table."""
    from rich.console import Console
    from rich.table import Table

    parts = floor["parts"]
    floor_wall = sum(wall for wall, _ in parts.values())
    floor_cpu = sum(cpu for _, cpu in parts.values())
    table = Table(title=label)
    for column in ("measured", "wall s", "CPU s", "× floor (wall)", "× floor (CPU)", "what"):
        table.add_column(column, justify="left" if column in ("measured", "what") else "right")
    what = {"parse": "orjson.loads(export)",
            "score": f"sacrebleu sentence_score BLEU+chrF+++TER, {floor['pairs']} distinct pairs",
            "tokenise": f"spaCy: {floor['sources']} sources + {floor['mt_texts']} rated MTs"}
    for name, (wall, cpu) in parts.items():
        table.add_row(f"floor: {name}", f"{wall:.2f}", f"{cpu:.2f}", "", "", what[name])
    table.add_row("floor (sum)", f"{floor_wall:.2f}", f"{floor_cpu:.2f}", "1.00", "1.00",
                  f"one process; imports + tokenizer loads {floor['import_s']:.1f} s apart", end_section=True)
    scoring = build["scoring"]
    table.add_row("annotate build, cold", f"{build['seconds']:.2f}", f"{build['cpu_s']:.2f}",
                  f"{build['seconds'] / floor_wall:.2f}", f"{build['cpu_s'] / floor_cpu:.2f}",
                  f"imports {build['import_s']:.1f} s apart; {scoring['scored']} pairs scored "
                  f"(sacrebleu CPU {build['sacrebleu_s']:.2f} s, waited {build['scoring_wait_s']:.2f} s); "
                  f"workers' CPU {build['workers_cpu_s']:.2f} s; {build['rows']} rows; peak RSS "
                  f"{build['peak_rss_mb']:.0f} MB")
    table.add_row("`annotate build` command", f"{command['seconds']:.2f}", f"{command['cpu_s']:.2f}", "", "",
                  "whole process, imports included (cold, --no-score-cache)")
    Console(width=200).print(table)
    verdict = "meets" if build["seconds"] / floor_wall <= TARGET else "misses"
    print(f"ratio build/floor: wall {build['seconds'] / floor_wall:.2f} ×, CPU {build['cpu_s'] / floor_cpu:.2f} × "
          f"(target ≤ {TARGET} ×, cold: the wall ratio {verdict} it) on {cores()}; "
          f"same texts: MT tokens {floor['mt_tokens']} (floor) vs {build['mt_tokens']} (build), "
          f"same pairs: {floor['pairs']} (floor) vs {scoring['scored']} (build)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="200,2000", help="document counts, comma-separated (synthetic exports)")
    parser.add_argument("--segments", type=int, default=12, help="sentences per document (× 2 MT systems)")
    parser.add_argument("--export", type=Path, help="benchmark this Label Studio export instead")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of each build (workers=1)")
    parser.add_argument("--child", choices=["floor", "build", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        children = {"floor": child_floor, "build": child_build, "profile": child_profile}
        print(json.dumps(children[args.child](args.input, args.out)))
        return
    print(f"machine: {cores()}; every measurement in a fresh process")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        exports = ([(args.export, f"{args.export.name}")] if args.export else
                   [(write_export(Path(tmp), int(n), args.segments), f"{n} documents × {args.segments} sentences × "
                     "2 systems (distinct sentences)") for n in args.tasks.split(",") if n])
        for export, label in exports:
            label = f"{label}, export {export.stat().st_size / 2**20:.1f} MB"
            print_size(label, run_child("floor", export), run_child("build", export), run_command(export))
            if args.profile:
                print(run_child("profile", export)["profile"])


if __name__ == "__main__":
    main()
