#!/usr/bin/env python3
"""Benchmark our Apertium stage against raw ``apertium`` measured in the same run (not a test).

Corpus: N sentences (default 3000) built by repeating the seed articles' segments, each copy
prefixed with its number so that all are distinct; written to a temp file, one per line.

  direct   raw   `apertium -u spa-eng < file > out` (one process chain: the baseline)
           ours  get_translator("apertium").translate_batch(sentences) (default jobs: one chain
                 per 2 CPUs), and forced to jobs=1 and to jobs=CPUs (one chunk per CPU)
  via-cat  raw   `apertium -u spa-cat < file | apertium -u cat-eng > out`
           ours  get_translator("apertium-via-cat").translate_batch(sentences): one chunk (the
                 pivot taggers carry state across blocks, so splitting would change outputs)
           ours with jobs=CPUs forced (for the timing only: its outputs differ, counted below)

Variants run interleaved in rotating order, best wall time of --repeats kept (with the CPU seconds
of the apertium processes in that round). ratio = raw wall / our wall (target ≥ 1.6× for direct).
The direct jobs=CPUs split must give exactly the one-chunk outputs, or the script fails.

Usage: .venv/bin/python scripts/bench_apertium.py [--sentences 3000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 1.6


def _corpus(n: int) -> list[str]:
    """n distinct sentences: the seed segments repeated, each copy numbered (no newlines inside)."""
    from annotate.ingest.articles import read_article
    from annotate.ingest.segment import segment_article

    seeds = [" ".join(segment.text.split()) for path in sorted((REPO / "seeds").glob("*.txt"))
             for segment in segment_article(read_article(path))]
    return [f"{i + 1}. {seeds[i % len(seeds)]}" for i in range(n)]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _raw(modes: tuple[str, ...], source: Path, target: Path) -> Callable[[], None]:
    """`apertium -u MODE1 < source | apertium -u MODE2 … > target`, without a shell."""
    def run() -> None:
        with source.open("rb") as stdin, target.open("wb") as stdout:
            processes: list[subprocess.Popen] = []
            for k, mode in enumerate(modes):
                last = k == len(modes) - 1
                processes.append(subprocess.Popen(
                    ["apertium", "-u", mode], stdin=processes[-1].stdout if processes else stdin,
                    stdout=stdout if last else subprocess.PIPE))
                if k:
                    processes[-2].stdout.close()  # so the first sees SIGPIPE if the second dies
            for process in processes:
                if process.wait() != 0:
                    raise RuntimeError(f"apertium {' | '.join(modes)} exited with {process.returncode}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("apertium") is None:
        sys.exit("apertium is not installed (scripts/setup.sh installs it)")
    sys.path.insert(0, str(REPO))
    from rich.console import Console
    from rich.table import Table

    from annotate.translate import get_translator
    from annotate.translate.apertium import PATHS, apertium_translator

    sentences = _corpus(args.sentences)
    cpus = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-apertium-"))
    try:
        source = tmp / "source.txt"
        source.write_text("".join(s + "\n" for s in sentences), encoding="utf-8")
        direct, via_cat = get_translator("apertium"), get_translator("apertium-via-cat")
        one, split = apertium_translator(PATHS[0], jobs=1), apertium_translator(PATHS[0], jobs=cpus)
        forced = apertium_translator(PATHS[1], jobs=cpus)
        if split.translate_batch(sentences) != one.translate_batch(sentences):
            sys.exit("apertium: the split batch differs from the one-chunk batch")
        differing = sum(a != b for a, b in zip(via_cat.translate_batch(sentences), forced.translate_batch(sentences)))
        variants: list[tuple[str, str, Callable[[], object]]] = [  # (group, label, run); raw first
            ("direct", "raw apertium -u spa-eng", _raw(direct.modes, source, tmp / "direct.out")),
            ("direct", f"ours, default jobs={direct.jobs}", lambda: direct.translate_batch(sentences)),
            ("direct", "ours, jobs=1", lambda: one.translate_batch(sentences)),
            ("direct", f"ours, jobs={cpus}", lambda: split.translate_batch(sentences)),
            ("via-cat", "raw apertium -u spa-cat | apertium -u cat-eng", _raw(via_cat.modes, source, tmp / "cat.out")),
            ("via-cat", f"ours, default jobs={via_cat.jobs}", lambda: via_cat.translate_batch(sentences)),
            ("via-cat", f"ours, jobs={cpus} forced*", lambda: forced.translate_batch(sentences)),
        ]
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for round_number in range(args.repeats):  # rotate the order: no variant always runs first
            shift = round_number % len(variants)
            for group, label, run in variants[shift:] + variants[:shift]:
                key = f"{group}/{label}"
                cpu_start, start = _children_cpu(), time.perf_counter()
                run()
                seconds = time.perf_counter() - start
                if seconds < wall.get(key, float("inf")):
                    wall[key], cpu[key] = seconds, _children_cpu() - cpu_start

        n = len(sentences)
        table = Table(title=f"Apertium, {n} distinct sentences, best of {args.repeats}, {cpus} CPUs")
        for column in ("system", "variant", "wall s", "sent/s", "apertium CPU s", "raw / ours"):
            table.add_column(column, justify="left" if column in ("system", "variant") else "right", no_wrap=True)
        raw_label = {group: label for group, label, _ in reversed(variants)}  # the first of each group
        for group, label, _ in variants:
            raw, key = wall[f"{group}/{raw_label[group]}"], f"{group}/{label}"
            table.add_row(group, label, f"{wall[key]:.2f}", f"{n / wall[key]:,.0f}", f"{cpu[key]:.2f}",
                          f"{raw / wall[key]:.2f}×")
        Console(width=120).print(table)
        print(f"  direct: {direct.version}; via-cat: {via_cat.version}")
        print(f"  * forced split of via-cat: {differing} of {n} outputs differ from one chunk (tagger state)")
        ratio = wall[f"direct/{variants[0][1]}"] / wall[f"direct/{variants[1][1]}"]
        print(f"  → raw / ours (direct, default jobs) = {ratio:.2f}× (target ≥ {TARGET}×)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
