#!/usr/bin/env python3
"""Benchmark: ``annotate score --testset DIR --json`` vs the ``sacrebleu`` command line scoring the
same files in one call, on a synthetic test set in WMT's plain-text layout (default 20 systems ×
1,000 segments, one reference, en-de), in the same run.

Both sides are fresh processes (start-up and imports included: the real ``annotate`` console
script, and ``sacrebleu REF -i SYS1 … SYSn -m bleu chrf ter --chrf-word-order 2 -l en-de``), and
their scores must agree to 2 decimals. Prints wall times and the ratio ours / sacrebleu (target ≤ 1.2).

    .venv/bin/python scripts/bench_testset.py [--systems 20] [--segments 1000] [--repeats 1]
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

TARGET = 1.2
PAIR = "en-de"
_FUNCTION_WORDS = {
    "en": "the of and to a in that is for on with as was by at from it be this are have not".split(),
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch".split(),
}
_SYLLABLES = ["ge", "ver", "ung", "en", "keit", "schaft", "lich", "ar", "ber", "stein", "land", "werk", "haus",
              "zeit", "tra", "mon", "ka", "li", "ro", "sel", "bau", "nach", "richt", "wirt", "tag", "ost"]


def _vocabulary(rng: random.Random, language: str, size: int = 4000) -> tuple[list[str], list[float]]:
    """Function words then invented content words, with Zipf cumulative weights."""
    content = sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(size * 2)})
    words = _FUNCTION_WORDS[language] + rng.sample(content, size)
    return words, list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))


def _sentence(rng: random.Random, vocabulary: tuple[list[str], list[float]]) -> list[str]:
    """About 20 words (normal, sd 6, at least 4), capitalised."""
    words, weights = vocabulary
    sentence = rng.choices(words, cum_weights=weights, k=max(4, round(rng.gauss(20, 6))))
    sentence[0] = sentence[0].capitalize()
    return sentence


def _system_output(rng: random.Random, reference: list[str], edit: float,
                   vocabulary: tuple[list[str], list[float]]) -> str:
    """The reference with random word substitutions, deletions and, sometimes, a moved phrase."""
    words, weights = vocabulary
    out = [rng.choices(words, cum_weights=weights)[0] if rng.random() < edit else w
           for w in reference if rng.random() > edit / 3]
    if rng.random() < 0.1 and len(out) > 4:
        cut = rng.randint(1, len(out) - 2)
        out = out[cut:] + out[:cut]
    return " ".join(out) + "."


def write_testset(folder: Path, n_systems: int, n_segments: int, n_references: int = 1,
                  seed: int = 7) -> list[Path]:
    """A test set in WMT's layout under ``folder`` (documents of 10 lines, two domains); returns
    [reference files…, system files…]. Systems edit the first reference, from lightly to heavily;
    a second reference is a light edit of it too."""
    rng = random.Random(seed)
    source_vocabulary, target_vocabulary = _vocabulary(rng, "en"), _vocabulary(rng, "de")
    sources = [" ".join(_sentence(rng, source_vocabulary)) + "." for _ in range(n_segments)]
    references = [_sentence(rng, target_vocabulary) for _ in range(n_segments)]
    docs = [f"{'news' if i // 10 % 3 else 'social'}\tdoc-{i // 10:04d}" for i in range(n_segments)]
    reference_files = [folder / "references" / f"{PAIR}.ref{chr(ord('A') + k)}.txt" for k in range(n_references)]
    files = {folder / "sources" / f"{PAIR}.txt": sources, folder / "documents" / f"{PAIR}.docs": docs,
             reference_files[0]: [" ".join(r) + "." for r in references]}
    for path in reference_files[1:]:
        files[path] = [_system_output(rng, r, 0.1, target_vocabulary) for r in references]
    for k in range(n_systems):
        edit = 0.05 + 0.3 * k / max(1, n_systems - 1)
        files[folder / "system-outputs" / PAIR / f"system-{k:02d}.txt"] = [
            _system_output(rng, r, edit, target_vocabulary) for r in references]
    for path, lines in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [*reference_files, *sorted((folder / "system-outputs" / PAIR).glob("*.txt"))]


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall time, CPU time (the process and its children) and stdout of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"{' '.join(command[:3])} … failed ({run.returncode}):\n{run.stderr[-3000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), run.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--systems", type=int, default=20)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--references", type=int, default=1, choices=(1, 2, 3, 4))
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side (the best wall time counts)")
    args = parser.parse_args()

    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-testset-") as tmp:
        folder = Path(tmp)
        paths = write_testset(folder, args.systems, args.segments, args.references)
        references, systems = paths[:args.references], paths[args.references:]
        theirs_command = [str(bin_dir / "sacrebleu"), *map(str, references), "-i", *map(str, systems),
                          "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2", "-l", PAIR, "-f", "json", "-w", "2"]
        ours_command = [str(bin_dir / "annotate"), "score", "--testset", str(folder), "--languages", PAIR, "--json"]
        base_times, ours_times = [], []
        for _ in range(args.repeats):  # interleaved: both sides see the same machine load
            *times, base_out = timed(theirs_command)
            base_times.append(tuple(times))
            *times, ours_out = timed(ours_command)
            ours_times.append(tuple(times))
    ours = json.loads(ours_out)["systems"]
    entries = json.loads(base_out)
    if isinstance(entries[0], dict) and "system" not in entries[0]:  # one system: a list of metric entries
        entries = [{"system": str(systems[0]), **{e["name"]: e["score"] for e in entries}}]
    theirs = {Path(entry["system"]).stem: entry for entry in entries}
    agree = sorted(ours) == sorted(theirs) and all(
        f"{ours[system][metric]:.2f}" == f"{float(theirs[system][metric]):.2f}"
        for system in ours for metric in ("BLEU", "chrF2++", "TER"))
    (base_wall, base_cpu), (ours_wall, ours_cpu) = min(base_times), min(ours_times)
    print(f"test set: {args.systems} systems × {args.segments:,} segments, {args.references} reference(s), {PAIR}; "
          f"BLEU, chrF2++, TER; best of {args.repeats}")
    print(f"{'':34}{'wall s':>10}{'cpu s':>10}")
    print(f"{'sacrebleu command line':34}{base_wall:10.2f}{base_cpu:10.2f}")
    print(f"{'annotate score --testset --json':34}{ours_wall:10.2f}{ours_cpu:10.2f}")
    print(f"ratio annotate / sacrebleu: wall {ours_wall / base_wall:.3f} (target ≤ {TARGET}), "
          f"cpu {ours_cpu / base_cpu:.3f}")
    print(f"scores identical to 2 decimals: {agree}")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
