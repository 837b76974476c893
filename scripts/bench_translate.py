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

Usage: .venv/bin/python scripts/bench_translate.py [--sentences 3000] [--repeats 3]
Runs in a private temp HOME / XDG / ARGOS_PACKAGES_DIR; the user's setup is never touched.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
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
    # One CTranslate2 thread unless the caller says otherwise: on a shared 2-core machine, idle
    # worker threads spin and make both wall and CPU times erratic.
    os.environ.setdefault("ARGOS_INTRA_THREADS", "1")
    return root


def _seed_sentences() -> list[str]:
    from annotate.ingest.articles import ingest_dir
    from annotate.ingest.segment import segment_article

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


def _clock(fn) -> tuple[float, float]:  # noqa: ANN001
    """(wall seconds, CPU seconds of this process, all threads). CPU time is the steadier
    measure on a shared machine; wall time is what a user waits."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_argos(sentences: list[str], repeats: int, article_sentences: int) -> None:
    import ctranslate2

    sys.path.insert(0, str(REPO / "scripts"))
    from build_tiny_argos_model import build_tiny_argos_model

    from annotate.records import Segment
    from annotate.translate import get_translator, translate_segments
    from annotate.translate.argos import install_package
    from annotate.translate.cache import DEFAULT_BATCH_SIZE

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
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    variants = [("raw", run_raw), ("raw+tok", run_raw_with_tokenizer), ("ours", run_ours),
                ("ours/default", run_ours_default_batches)]
    for round_number in range(repeats):  # interleave in rotating order, keep the best of each
        shift = round_number % len(variants)
        for name, fn in variants[shift:] + variants[:shift]:
            seconds, cpu_seconds = _clock(fn)
            wall[name] = min(wall.get(name, float("inf")), seconds)
            cpu[name] = min(cpu.get(name, float("inf")), cpu_seconds)

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
    wall["argos/article"], cpu["argos/article"] = _clock(
        lambda: [argos_translate.translate(a, "es", "en") for a in articles])

    n = len(sentences)
    print(f"\nArgos tiny package ({ours.version}; {ours.settings_key}; max_batch_size="
          f"{ours.decode_options['max_batch_size']} tokens; intra_threads={ours.intra_threads}), "
          f"{n} distinct sentences, best of {repeats}:")
    print(f"  {'':<52} {'wall sent/s':>11} {'ratio':>6}   {'CPU sent/s':>10} {'ratio':>6}")
    for name, label in [("raw", "raw CTranslate2 translate_batch (pre-tokenised)"),
                        ("raw+tok", "raw CTranslate2 + SentencePiece encode/decode"),
                        ("ours", "ours: translate_segments, one batch"),
                        ("ours/default", f"ours: translate_segments, batches of {DEFAULT_BATCH_SIZE}"),
                        ("argos/article", f"argostranslate.translate(), {len(articles)} articles*")]:
        print(f"  {label:<52} {n / wall[name]:>11,.0f} {wall['raw'] / wall[name]:>6.2f}"
              f"   {n / cpu[name]:>10,.0f} {cpu['raw'] / cpu[name]:>6.2f}")
    print("  * argostranslate's own settings: 32-token CTranslate2 batches, one call per paragraph")
    print(f"  → our stage / raw CTranslate2 = {wall['raw'] / wall['ours']:.2f}× wall, "
          f"{cpu['raw'] / cpu['ours']:.2f}× CPU (target ≥ 0.9×)")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_apertium(sentences: list[str], single: int) -> None:
    from annotate.translate import get_translator

    apertium = get_translator("apertium")
    few = sentences[:single]

    def per_sentence() -> None:
        for sentence in few:
            subprocess.run(["apertium", "-u", "spa-eng"], input=sentence, capture_output=True, text=True,
                           check=True)

    rates = {}
    for name, fn, n in [("batch", lambda: apertium.translate_batch(sentences), len(sentences)),
                        ("single", per_sentence, len(few))]:
        cpu = _children_cpu()
        wall, _ = _clock(fn)
        rates[name] = (n / wall, n / (_children_cpu() - cpu))
    print(f"\nApertium ({apertium.version}), sent/s (wall / CPU of the apertium processes):")
    print(f"  one process for {len(sentences)} sentences   {rates['batch'][0]:>9,.0f} / {rates['batch'][1]:,.0f}")
    print(f"  one process per sentence ({len(few)})        {rates['single'][0]:>9,.1f} / {rates['single'][1]:,.1f}")
    print(f"  → batch / per-sentence = {rates['batch'][0] / rates['single'][0]:.0f}× wall, "
          f"{rates['batch'][1] / rates['single'][1]:.0f}× CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
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
