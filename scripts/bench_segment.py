#!/usr/bin/env python3
"""Compare our Spanish sentence segmenter with pysbd: correctness on a case table, and speed.

Cases: ``tests/data/segment_cases.json``, the same table ``tests/test_segment.py`` asserts (a case
with ``"form": "NFD"`` is fed, and expected, in NFD). A segmenter is correct on a case when its
sentences (``text[start:end]``, whitespace-trimmed) equal the expected list exactly. The table was
written alongside our rules (news-style Spanish and issue #18's counter-examples), so it favours
them: read pysbd's misses as "where the two differ", not as a neutral accuracy.

  ours   annotate.ingest.segment.segment_text(text)
  pysbd  pysbd.Segmenter(language="es", clean=False, char_span=True).segment(text)

Speed: both segment every body paragraph of ``seeds/*.txt`` (read with
``annotate.ingest.articles.read_article``) in the same run, passes interleaved, best of ``--repeats``
passes kept; sentences/s = sentences found in one pass / its wall time; ratio = ours / pysbd. It
also counts the seed paragraphs where both give the same sentences.

Usage: .venv/bin/python scripts/bench_segment.py [--repeats 20]
Needs pysbd (``pip install -e ".[bench]"``, or ``bash scripts/setup.sh``): exits 2 saying so
when it is missing. Exits 1 if our segmenter gets a case wrong (the tests would fail too).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing

CASES_PATH = REPO / "tests" / "data" / "segment_cases.json"
SpanFinder = Callable[[str], list[tuple[int, int]]]


def load_cases() -> list[tuple[str, str, list[str]]]:
    """(id, text, expected sentences) of every case, in the Unicode form each is to be fed in."""
    cases = []
    for case in json.loads(CASES_PATH.read_text(encoding="utf-8")):
        form = case.get("form", "NFC")
        cases.append((case["id"], unicodedata.normalize(form, case["text"]),
                      [unicodedata.normalize(form, sentence) for sentence in case["expected"]]))
    return cases


def seed_paragraphs() -> list[str]:
    """Body paragraphs of the seed articles (the title is one segment by construction: left out)."""
    from annotate.ingest.articles import read_article

    return [paragraph.text for path in sorted((REPO / "seeds").glob("*.txt"))
            for paragraph in read_article(path).paragraphs]


def pysbd_spans() -> SpanFinder:
    """pysbd as a span finder (one Segmenter, reused: building one per text would dominate timing)."""
    import pysbd

    segmenter = pysbd.Segmenter(language="es", clean=False, char_span=True)
    return lambda text: [(span.start, span.end) for span in segmenter.segment(text)]


def sentences(find_spans: SpanFinder, text: str) -> list[str] | None:
    """Trimmed non-empty sentences, or None when the segmenter raises."""
    try:
        spans = find_spans(text)
    except Exception:  # a crash on a case counts as a wrong answer
        return None
    return [piece for start, end in spans if (piece := text[start:end].strip())]


def best_pass(find_spans: SpanFinder, paragraphs: list[str]) -> tuple[float, int]:
    """(wall seconds, sentences found) of one pass over the paragraphs."""
    started = time.perf_counter()
    found = sum(len(find_spans(paragraph)) for paragraph in paragraphs)
    return time.perf_counter() - started, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed passes per segmenter (best kept)")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from annotate.ingest.segment import segment_text

    console = Console()
    try:
        import pysbd
    except ImportError:
        console.print("[red]pysbd is not installed[/red]: run `bash scripts/setup.sh` or "
                      "`.venv/bin/python -m pip install -e '.[bench]'`, then rerun.")
        return 2
    theirs = pysbd_spans()

    cases = load_cases()
    table = Table(title=f"Sentence segmentation: ours vs pysbd {pysbd.__version__} ({CASES_PATH.relative_to(REPO)})")
    table.add_column("case")
    table.add_column("expected", justify="right")
    table.add_column("ours", justify="center")
    table.add_column("pysbd", justify="center")
    ours_correct = pysbd_correct = 0
    for case_id, text, expected in cases:
        marks = []
        for find_spans in (segment_text, theirs):
            got = sentences(find_spans, text)
            correct = got == expected
            marks.append("[green]✓[/green]" if correct else
                         f"[red]✗[/red] ({'error' if got is None else len(got)})")
            if find_spans is segment_text:
                ours_correct += correct
            else:
                pysbd_correct += correct
        table.add_row(case_id, str(len(expected)), *marks)
    table.add_section()
    table.add_row(f"total ({len(cases)} cases)", str(sum(len(c[2]) for c in cases)),
                  f"{ours_correct}/{len(cases)}", f"{pysbd_correct}/{len(cases)}")
    console.print(table)

    paragraphs = seed_paragraphs()
    timings: dict[str, list[tuple[float, int]]] = {"ours": [], "pysbd": []}
    for _ in range(args.repeats):  # interleaved so that machine noise hits both alike
        timings["ours"].append(best_pass(segment_text, paragraphs))
        timings["pysbd"].append(best_pass(theirs, paragraphs))
    rates = {}
    for name, runs in timings.items():
        seconds, found = min(runs)
        rates[name] = found / seconds
        console.print(f"{name}: {found} sentences, {seconds * 1000:.2f} ms per pass "
                      f"(best of {args.repeats}) → {rates[name]:,.0f} sentences/s")
    agree = sum(sentences(segment_text, p) == sentences(theirs, p) for p in paragraphs)
    console.print(f"seed paragraphs segmented identically: {agree}/{len(paragraphs)}")
    console.print(f"speed ratio ours/pysbd: {rates['ours'] / rates['pysbd']:.1f}×")
    return 0 if ours_correct == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
