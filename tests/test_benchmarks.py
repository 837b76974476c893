"""The benchmark scripts still run (on tiny sizes) and still print their same-run comparison.

No timing is asserted (timings belong to the scripts' own output, never to a test): a benchmark that
no longer starts after a refactor is caught here instead of by the next person who needs a number.
The Label Studio benchmark is left out: it needs its own server start (minutes), and the server
path is exercised by the integration tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.parametrize(("script", "arguments", "expected"), [
    ("bench_build.py", ["--tasks", "20", "--segments", "3"],
     ["floor (sum)", "annotate build, cold", "ratio build/floor: wall", "same pairs: 120 (floor) vs 120 (build)"]),
    ("bench_scoring.py", ["--segments", "300"], ["ratio annotate / sacrebleu", "scores identical to 4 decimals: True"]),
    ("bench_post_edits.py", ["--pairs", "200"], ["× sacrebleu", "post_edit_consistency"]),
    ("bench_sentence_scores.py", ["--synthetic-docs", "5", "--zipf-segments", "20", "--repeats", "1"],
     ["every output checked identical", "TER edits: lib_ter.translation_edit_rate vs ours", "identical pairs"]),
    ("bench_bootstrap.py", ["--segments", "200", "--samples", "50"],
     ["sacrebleu _bootstrap_resample", "PairedBootstrap.resampled (scores identical)", "× memory"]),
    ("bench_translate.py", ["--sentences", "60", "--repeats", "1", "--apertium-single", "10"],
     ["our stage / raw CTranslate2", "batch / per-sentence"]),
])
def test_benchmark_runs_and_compares_with_its_baseline(script, arguments, expected, tmp_path):
    env = {**os.environ, "ANNOTATE_STATE_DIR": str(tmp_path / "state")}
    result = subprocess.run([sys.executable, str(REPO / "scripts" / script), *arguments], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for text in expected:
        assert text in result.stdout, (text, result.stdout[-2000:])
