#!/usr/bin/env python3
"""Benchmark: the post-edit alignment behind the report's "Post-edits against the errors marked"
against its raw baseline, sacrebleu's own TER edit count, on the same word lists in the same run.

* baseline: ``sacrebleu.metrics.lib_ter.translation_edit_rate(mt_words, pe_words)`` — the shift
  search and edit distance alone, no tags;
* ours: ``annotate.scoring.post_edits.edit_tags`` on the same lists (one process) — the same
  search (over the project's faster beam edit distance) plus per-token and per-gap tags;
* whole check: ``post_edit_consistency`` on one-segment documents made of the same pairs (spaCy
  tokenisation, alignment, error and stretch checks), on every core.

Pairs: bench_scoring's synthetic corpus (Zipf words, 6–24 per segment, some moved phrases), the
reference as the post-edit of the more edited system. Prints seconds and the ratio ours / sacrebleu.

    .venv/bin/python scripts/bench_post_edits.py [--pairs 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=20_000)
    args = parser.parse_args()

    from bench_scoring import synthetic_corpus
    from sacrebleu.metrics.lib_ter import translation_edit_rate

    from annotate.records import AnnotatedDocument, DocumentAnnotation, PostEdit, Segment, SegmentRating
    from annotate.scoring.post_edits import edit_tags, post_edit_consistency
    from annotate.tokens import token_spans

    refs, _, mts = synthetic_corpus(args.pairs)
    pairs = [(mt.split(), ref.split()) for mt, ref in zip(mts, refs)]
    started = time.perf_counter()
    baseline = [translation_edit_rate(mt, pe)[0] for mt, pe in pairs]
    sacrebleu_s = time.perf_counter() - started
    started = time.perf_counter()
    ours = [edit_tags(mt, pe).edits for mt, pe in pairs]
    ours_s = time.perf_counter() - started
    assert ours == baseline, "edit counts differ from sacrebleu's"

    docs = [AnnotatedDocument(f"d{i}", "t", "s", segments=[Segment(f"d{i}", 1, 1, 0, 1, "s")], annotations=[
        DocumentAnnotation(f"d{i}", "ann", "completed", ratings=[SegmentRating("sys", f"d{i}", 1, "ann", "s", mt)],
                           post_edits=[PostEdit(1, ref)])]) for i, (mt, ref) in enumerate(zip(mts, refs))]
    token_spans("warm up", "en")  # the tokenizer loads once per process, outside the timing
    started = time.perf_counter()
    report = post_edit_consistency(docs, n_jobs=0)
    check_s = time.perf_counter() - started
    assert report is not None and report.total.segments == len(docs)

    print(f"{len(pairs)} (MT, post-edit) pairs, {sum(len(mt) for mt, _ in pairs) / len(pairs):.1f} MT words on average")
    print(f"sacrebleu translation_edit_rate (edit counts only)   {sacrebleu_s:7.2f} s")
    print(f"annotate edit_tags (same counts + token/gap tags)    {ours_s:7.2f} s = {ours_s / sacrebleu_s:.2f} × sacrebleu")
    print(f"post_edit_consistency (tokenise, align, check; all cores) {check_s:7.2f} s "
          f"= {check_s / sacrebleu_s:.2f} × sacrebleu's single-process edit counts")


if __name__ == "__main__":
    main()
