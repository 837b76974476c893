#!/usr/bin/env python3
"""Benchmark: annotate's bootstrap resampling (annotate.scoring.significance) against sacrebleu's
own ``_bootstrap_resample`` on the same segment statistics, in the same run. It is why the two
rewrites of it stay (issue #22.4: a rewrite of sacrebleu code stays only if a benchmark shows why):

* ``PairedBootstrap.resampled`` (significance clusters): one system's scores on sacrebleu's 1,000
  seeded resamples, one resample at a time, reused for every pair of systems; must equal
  sacrebleu's scores exactly (==);
* ``resampled_sums`` (the CIs of the dataset's systems config and of ``corpus_ci``): the same
  draws as per-segment counts in chunks, summed by a matrix product; equal to sacrebleu's up to
  float32 summation order (the max difference is printed).

sacrebleu's ``_bootstrap_resample`` gathers every resample's statistics at once (1,000 × segments ×
statistics float32 values) before scoring them. Measured per size: CPU seconds and peak memory
(tracemalloc: numpy's arrays included) of chrF++ statistics (24 per segment: the widest) taken
from bench_scoring's corpus, repeated to the size.

    .venv/bin/python scripts/bench_bootstrap.py [--segments 2000,20000] [--samples 1000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def measured(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(CPU seconds, peak traced MB, output) of one run."""
    gc.collect()
    tracemalloc.start()
    started = time.process_time()
    try:
        out = run()
        seconds = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return seconds, peak, out


def chrf_statistics(n: int) -> list[list[int]]:
    """n segments' chrF++ statistics: bench_scoring's corpus scored (at most 2,000), repeated."""
    from bench_scoring import synthetic_corpus

    from annotate.scoring.metrics import CHRF_NAME, make_metrics
    from annotate.scoring.sacrebleu_adapter import corpus_statistics

    refs, hyps, _ = synthetic_corpus(min(n, 2000))
    stats = corpus_statistics(make_metrics()[CHRF_NAME], hyps, [refs])
    return (stats * (n // len(stats) + 1))[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", default="2000,20000", help="comma-separated corpus sizes")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples (sacrebleu's default)")
    args = parser.parse_args()

    import numpy as np
    from sacrebleu.significance import _bootstrap_resample

    from annotate.scoring.metrics import CHRF_NAME, Statistics, make_metrics
    from annotate.scoring.sacrebleu_adapter import score_from_sums
    from annotate.scoring.significance import PairedBootstrap, resampled_sums

    metric = make_metrics()[CHRF_NAME]
    print(f"one system's chrF++ on {args.samples} bootstrap resamples (sacrebleu's seeded draws); "
          "CPU seconds and peak traced memory")
    print(f"{'segments':>9} {'path':52} {'seconds':>8} {'peak MB':>8} {'sacrebleu / ours':>26}")
    for n in map(int, args.segments.split(",")):
        stats = chrf_statistics(n)
        base_s, base_mb, theirs = measured(
            lambda: np.array([s.score for s in _bootstrap_resample(stats, metric, args.samples)[1]]))
        print(f"{n:9} {'sacrebleu _bootstrap_resample':52} {base_s:8.2f} {base_mb:8.0f}")

        statistics = Statistics(references=[[""] * n], stats={CHRF_NAME: {"a": stats}}, hypotheses={"a": []})
        ours_s, ours_mb, ours = measured(
            lambda: PairedBootstrap(statistics, metric=CHRF_NAME, n_samples=args.samples).resampled("a"))
        assert np.array_equal(ours, theirs), "PairedBootstrap's resampled scores differ from sacrebleu's"
        print(f"{'':9} {'PairedBootstrap.resampled (scores identical)':52} {ours_s:8.2f} {ours_mb:8.0f} "
              f"{base_s / max(ours_s, 1e-9):9.1f}× time {base_mb / max(ours_mb, 1e-9):7.1f}× memory")

        def summed() -> Any:
            (sums,) = resampled_sums([np.asarray(stats, dtype="float32")], args.samples)
            return np.array([score_from_sums(metric, row).score for row in sums])

        sums_s, sums_mb, via_sums = measured(summed)
        print(f"{'':9} {'resampled_sums (max |difference| ' + f'{np.abs(via_sums - theirs).max():.1e})':52} "
              f"{sums_s:8.2f} {sums_mb:8.0f} {base_s / max(sums_s, 1e-9):9.1f}× time "
              f"{base_mb / max(sums_mb, 1e-9):7.1f}× memory")


if __name__ == "__main__":
    main()
