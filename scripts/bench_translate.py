#!/usr/bin/env python3
"""Benchmark the translate stage against raw baselines measured in the same run (not a test).

Argos (tiny REAL test package, garbage output but real CTranslate2 + SentencePiece work):
  raw      ctranslate2.Translator.translate_batch on pre-tokenised input (same options)
  ours     annotate.translate.translate_segments (tokenise + ONE CTranslate2 call + decode), no cache
  argos    argostranslate.translate.translate() per article, with the package's sentence splitter
           replaced by one that returns our segmentation (its MiniSBD default would try to download
           a model offline); paragraphs are "\\n"-separated, as argos expects
Apertium:
  batch    one `apertium` process for all sentences (our ApertiumTranslator)
  single   one process per sentence (`apertium -u spa-eng`), on a few hundred sentences only

Usage: .venv/bin/python scripts/bench_translate.py [--sentences 2000] [--repeats 2]
Runs in a private temp HOME / XDG / ARGOS_PACKAGES_DIR; the user's setup is never touched.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _isolate() -> Path:
    """Point argostranslate and annotate at a temp dir BEFORE they are imported."""
    root = Path(tempfile.mkdtemp(prefix="bench-translate-"))
    for var, sub in {"HOME": "home", "XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config",
                     "XDG_CACHE_HOME": "cache", "ARGOS_PACKAGES_DIR": "argos", "ANNOTATE_STATE_DIR": "state"}.items():
        (root / sub).mkdir(parents=True)
        os.environ[var] = str(root / sub)
    os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")
    return root


def _seed_sentences() -> list[str]:
    from annotate.articles import ingest_dir
    from annotate.segment import segment_article

    articles, _ = ingest_dir(REPO / "seeds")
    return [segment.text for article in articles for segment in segment_article(article)]


def _corpus(n: int) -> list[str]:
    """n DISTINCT sentences (the stage de-duplicates, so repeats would flatter it): the seed
    sentences, shuffled, each copy prefixed with a different number."""
    seeds = _seed_sentences()
    rng = random.Random(13)
    out: list[str] = []
    while len(out) < n:
        batch = seeds[:]
        rng.shuffle(batch)
        out.extend(f"{len(out) + i}. {s}" for i, s in enumerate(batch))
    return out[:n]


def _best(fn, repeats: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_argos(sentences: list[str], repeats: int, article_sentences: int) -> None:
    import ctranslate2

    sys.path.insert(0, str(REPO / "scripts"))
    from build_tiny_argos_model import build_tiny_argos_model

    from annotate.records import Segment
    from annotate.translate import get_translator, translate_segments
    from annotate.translate.argos import install_package

    install_package(build_tiny_argos_model(Path(os.environ["HOME"])))
    ours = get_translator("argos-test-fixture")
    ours.translate_batch(["calentamiento"])  # load the model outside the timings
    segments = [Segment("bench", i + 1, 1, 0, len(s), s) for i, s in enumerate(sentences)]
    tokens = ours.encode(sentences)
    raw = ctranslate2.Translator(str(ours.package_info.path / "model"), device=ours.device,
                                 inter_threads=ours.inter_threads, intra_threads=ours.intra_threads,
                                 compute_type=ours.compute_type)

    def run_raw() -> list:
        return raw.translate_batch(tokens, **ours.decode_options)

    def run_raw_with_tokenizer() -> list[str]:
        results = raw.translate_batch(ours.encode(sentences), **ours.decode_options)
        return [ours.decode(r.hypotheses[0]) for r in results]

    def run_ours() -> list:
        return translate_segments(segments, ours, None, batch_size=len(segments))

    def run_ours_default_batches() -> list:
        return translate_segments(segments, ours, None)

    assert [t.mt for t in run_ours()] == run_raw_with_tokenizer(), "stage output differs from raw CTranslate2"
    timings = {}
    for _ in range(repeats):  # interleave, keep the best of each: the machine is shared
        for name, fn in [("raw", run_raw), ("raw+tok", run_raw_with_tokenizer), ("ours", run_ours),
                         ("ours/256", run_ours_default_batches)]:
            timings[name] = min(timings.get(name, float("inf")), _best(fn, 1))

    # argostranslate's own path, per article (paragraphs of 5 sentences).
    from argostranslate import translate as argos_translate

    paragraphs = [sentences[i : i + 5] for i in range(0, len(sentences), 5)]
    by_paragraph = {" ".join(p): p for p in paragraphs}

    class PreSegmented(argos_translate.sbd.ISentenceBoundaryDetectionModel):
        def split_sentences(self, text: str) -> list[str]:
            return by_paragraph[text]

    translation = argos_translate.get_translation_from_codes("es", "en")
    translation.underlying.sentencizer = PreSegmented()
    per_article = article_sentences // 5
    articles = ["\n".join(" ".join(p) for p in paragraphs[i : i + per_article])
                for i in range(0, len(paragraphs), per_article)]
    timings["argos/article"] = _best(lambda: [argos_translate.translate(a, "es", "en") for a in articles], 1)

    n = len(sentences)
    print(f"\nArgos tiny package ({ours.version}; {ours.settings_key}; max_batch_size="
          f"{ours.decode_options['max_batch_size']} tokens), {n} distinct sentences, best of {repeats}:")
    for name, label in [("raw", "raw CTranslate2 translate_batch (pre-tokenised)"),
                        ("raw+tok", "raw CTranslate2 + SentencePiece encode/decode"),
                        ("ours", "ours: translate_segments, one batch"),
                        ("ours/256", "ours: translate_segments, batches of 256"),
                        ("argos/article", f"argostranslate.translate() per article ({len(articles)})")]:
        print(f"  {label:<55} {n / timings[name]:>9,.0f} sent/s   ratio vs raw {timings['raw'] / timings[name]:.2f}")
    print(f"  → our stage / raw CTranslate2 = {timings['raw'] / timings['ours']:.2f}× (target ≥ 0.9×)")


def bench_apertium(sentences: list[str], single: int) -> None:
    from annotate.translate import get_translator

    apertium = get_translator("apertium")
    start = time.perf_counter()
    apertium.translate_batch(sentences)
    batch_seconds = time.perf_counter() - start
    few = sentences[:single]
    start = time.perf_counter()
    for sentence in few:
        subprocess.run(["apertium", "-u", "spa-eng"], input=sentence, capture_output=True, text=True, check=True)
    single_seconds = time.perf_counter() - start
    batch_rate, single_rate = len(sentences) / batch_seconds, len(few) / single_seconds
    print(f"\nApertium ({apertium.version}):")
    print(f"  one process for {len(sentences)} sentences  {batch_rate:>9,.0f} sent/s")
    print(f"  one process per sentence ({len(few)})       {single_rate:>9,.1f} sent/s")
    print(f"  → batch / per-sentence = {batch_rate / single_rate:.0f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--article-sentences", type=int, default=25, help="sentences per article (argos path)")
    parser.add_argument("--apertium-single", type=int, default=200, help="sentences for the per-sentence run")
    args = parser.parse_args()
    root = _isolate()
    sys.path.insert(0, str(REPO))
    try:
        sentences = _corpus(args.sentences)
        bench_argos(sentences, args.repeats, args.article_sentences)
        if shutil.which("apertium"):
            bench_apertium(sentences, args.apertium_single)
        else:
            print("\nApertium: not installed, skipped")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
