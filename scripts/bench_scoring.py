#!/usr/bin/env python3
"""Benchmark: corpus BLEU / chrF++ / TER of two systems on N synthetic segments (default 100,000)
with annotate's scorer vs the ``sacrebleu`` command line on the same files, in the same run.

Both sides run as fresh processes reading the same text files (start-up and imports included),
and their scores must agree. Prints wall times and the ratio ours / sacrebleu (target ≤ 1.1).

    .venv/bin/python scripts/bench_scoring.py [--segments 100000] [--jobs 0]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "an", "el", "or", "is", "tra", "gen", "di"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


def synthetic_corpus(n: int, seed: int = 13) -> tuple[list[str], list[str], list[str]]:
    """A reference stream and two systems that edit it (the second system edits more): Zipf-
    distributed words from a 3,000-word vocabulary, 6–24 words per segment, some moved phrases."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    refs, sys_a, sys_b = [], [], []
    for _ in range(n):
        ref = rng.choices(vocabulary, cum_weights=cum_weights, k=rng.randint(6, 24))
        ref[0] = ref[0].capitalize()
        refs.append(" ".join(ref) + ".")
        for out, p_edit in ((sys_a, 0.15), (sys_b, 0.3)):
            hyp = [rng.choices(vocabulary, cum_weights=cum_weights)[0] if rng.random() < p_edit else w
                   for w in ref if rng.random() > p_edit / 3]
            if rng.random() < 0.05 and len(hyp) > 4:  # a moved phrase, which TER counts as one shift
                cut = rng.randint(1, len(hyp) - 2)
                hyp = hyp[cut:] + hyp[:cut]
            out.append(" ".join(hyp) + ".")
    return refs, sys_a, sys_b


def score_files(ref: Path, systems: list[Path], jobs: int) -> None:
    """The measured side: annotate's scorer on text files, scores printed as JSON."""
    from annotate.scoring.metrics import score_systems

    read = lambda path: path.read_text(encoding="utf-8").split("\n")[:-1]  # noqa: E731
    scores = score_systems({p.name: read(p) for p in systems}, references=[read(ref)], n_jobs=jobs)
    print(json.dumps({system: {m: s.score for m, s in by_metric.items()} for system, by_metric in scores.items()}))


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall time, CPU time (the process and everything it waited for) and stdout of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, run.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=0, help="processes for annotate (0 = all cores)")
    parser.add_argument("--score-files", nargs="+", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_files:
        score_files(args.score_files[0], args.score_files[1:], args.jobs)
        return

    sacrebleu = Path(sys.executable).parent / "sacrebleu"
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as tmp:
        folder = Path(tmp)
        paths = []
        for name, lines in zip(("ref.txt", "sys_a.txt", "sys_b.txt"), synthetic_corpus(args.segments)):
            (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            paths.append(folder / name)
        ref, sys_a, sys_b = paths
        base_wall, base_cpu, base_out = timed([str(sacrebleu), str(ref), "-i", str(sys_a), str(sys_b), "-m", "bleu",
                                               "chrf", "ter", "--chrf-word-order", "2", "-f", "json", "-w", "4"])
        ours_wall, ours_cpu, ours_out = timed([sys.executable, __file__, "--jobs", str(args.jobs), "--score-files",
                                               str(ref), str(sys_a), str(sys_b)])
    ours = json.loads(ours_out)
    cli = {Path(entry["system"]).name: entry for entry in json.loads(base_out)}
    agree = all(abs(ours[system][metric] - float(cli[system][metric])) < 1e-4
                for system in ours for metric in ("BLEU", "chrF2++", "TER"))
    print(f"segments: {args.segments:,} × 2 systems; BLEU, chrF2++, TER; annotate jobs={args.jobs or 'all cores'}")
    print(f"{'':26}{'wall s':>10}{'cpu s':>10}")
    print(f"{'sacrebleu command line':26}{base_wall:10.1f}{base_cpu:10.1f}")
    print(f"{'annotate scorer':26}{ours_wall:10.1f}{ours_cpu:10.1f}")
    print(f"ratio annotate / sacrebleu: wall {ours_wall / base_wall:.3f}, cpu {ours_cpu / base_cpu:.3f}  (target ≤ 1.1)")
    print(f"scores identical to 4 decimals: {agree}")
    print("annotate:", json.dumps(ours))

if __name__ == "__main__":
    main()
