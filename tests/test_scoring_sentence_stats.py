"""The fast sentence-statistics path must give EXACTLY sacrebleu's statistics (same values, same
int/float types): the committed dataset is compared byte for byte, so "close" is a failure."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotate.dataset.rows import scoring_pairs
from annotate.dataset.scores import Scorer
from annotate.scoring.sacrebleu_adapter import corpus_statistics
from annotate.scoring.sentence_stats import BeamEditDistance, translation_edit_rate
from annotate.dataset.synthetic import synthetic_documents

SEED_EXPORT = Path(__file__).resolve().parent.parent / "seeds" / "gold_export.json"

TRICKY = [
    # (case, hypothesis, reference)
    ("both empty", "", ""),
    ("empty hypothesis", "", "A reference with no hypothesis."),
    ("empty reference", "A hypothesis with no reference.", ""),
    ("whitespace only", "   ", "x"),
    ("identical", "Putin visits North Korea.", "Putin visits North Korea."),
    ("identical one character", "a", "a"),
    ("identical punctuation only", "«¡!»", "«¡!»"),
    ("identical with spaces and repeats", "  the the  the .", "  the the  the ."),
    ("identical long", " ".join(["word", "other", "6,700"] * 20), " ".join(["word", "other", "6,700"] * 20)),
    ("identical after TER lowercasing", "PUTIN visits North Korea", "putin visits north korea"),
    ("trailing space", "Putin visits North Korea. ", "Putin visits North Korea."),
    ("one word", "a", "b"),
    ("reversed words: shifts", "x y z w v", "v w z y x"),
    ("moved phrase", "on Tuesday Putin will arrive in Pyongyang", "Putin will arrive in Pyongyang on Tuesday"),
    ("repeated words", "the the the the of the the", "the of the the the"),
    ("punctuation attached (chrF words)", "(hi) «we» are ready!", "hi, we are ready"),
    ("tokenized period (BLEU 13a)", "It is done .", "It is done."),
    ("numbers", "6.700 containers", "6,700 containers of ammunition were shipped"),
    ("non-Latin and emoji", "Ким сказал 👍🏽 да", "Kim said 👍 yes"),
    ("newline and tab", "line one\nline\ttwo", "line one line two"),
    ("XML escapes", "a &amp; b &lt; c", "a & b < c"),
    ("much longer reference", "short", " ".join(["long"] * 80)),
    ("much longer hypothesis", " ".join(["word", "other"] * 40), "word other"),
]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def sacrebleu_statistics(scorer: Scorer, hypothesis: str, reference: str) -> tuple:
    """The reference path: sacrebleu's own corpus-statistics extraction, one pair at a time."""
    return tuple(corpus_statistics(metric, [hypothesis], [[reference]])[0] for metric in scorer._corpus)


def assert_exact(scorer: Scorer, hypothesis: str, reference: str) -> None:
    expected = sacrebleu_statistics(scorer, hypothesis, reference)
    got = scorer._statistics(hypothesis, reference)
    # repr: equal values AND equal types (an int edit count must not become a float)
    assert repr(got) == repr(expected), (hypothesis, reference)


@pytest.mark.parametrize("hypothesis, reference", [c[1:] for c in TRICKY], ids=[c[0] for c in TRICKY])
def test_tricky_pairs_equal_sacrebleu(scorer, hypothesis, reference):
    assert_exact(scorer, hypothesis, reference)
    assert_exact(scorer, reference, hypothesis)


def test_seed_and_synthetic_pairs_equal_sacrebleu(scorer):
    from annotate.labelstudio.export import load_export, parse_export

    docs = [*parse_export(load_export(SEED_EXPORT)), *synthetic_documents(40, segments=3)]
    pairs = [(hyp, ref) for doc in docs for _, hyp, ref in scoring_pairs(doc)]
    assert len(pairs) > 200
    for hypothesis, reference in pairs:
        assert_exact(scorer, hypothesis, reference)


def test_randomised_edits_of_seed_sentences_equal_sacrebleu(scorer):
    from annotate.labelstudio.export import load_export, parse_export

    words = [w for doc in parse_export(load_export(SEED_EXPORT)) for seg in doc.segments for w in seg.text.split()]
    rng = random.Random(20240611)
    for _ in range(150):
        hypothesis = rng.sample(words, rng.randint(0, 30))
        reference = list(hypothesis)
        for _ in range(rng.randint(0, 8)):  # deletions, insertions, swaps, block moves
            kind = rng.randrange(4)
            if kind == 0 and reference:
                reference.pop(rng.randrange(len(reference)))
            elif kind == 1:
                reference.insert(rng.randint(0, len(reference)), rng.choice(words))
            elif kind == 2 and len(reference) > 1:
                i, j = rng.randrange(len(reference)), rng.randrange(len(reference))
                reference[i], reference[j] = reference[j], reference[i]
            elif reference:
                start = rng.randrange(len(reference))
                block = reference[start : start + rng.randint(1, 4)]
                del reference[start : start + len(block)]
                at = rng.randint(0, len(reference))
                reference[at:at] = block
        assert_exact(scorer, " ".join(hypothesis), " ".join(reference))


@pytest.mark.parametrize("ref_words, hyp_words", [
    ([], []),
    (["a"], []),
    ([], ["a", "b"]),
    (["a", "b", "c"], ["a", "b", "c"]),
    (["a", "b", "c", "d"], ["d", "c", "b", "a"]),
    (["x"] * 3, ["y", "x", "x", "x", "x", "y"]),
    ([str(i) for i in range(70)], [str(i) for i in range(0, 70, 2)]),  # beam narrower than the row
])
def test_beam_edit_distance_equals_sacrebleus(ref_words, hyp_words):
    from sacrebleu.metrics.lib_ter import BeamEditDistance as SacrebleuBeamEditDistance

    ours, theirs = BeamEditDistance(ref_words), SacrebleuBeamEditDistance(ref_words)
    for words in (hyp_words, hyp_words[::-1], hyp_words, hyp_words[:-1] + ["z"]):  # repeats hit the cache
        assert ours(words) == theirs(words)


def test_translation_edit_rate_equals_sacrebleus_on_random_word_lists():
    from sacrebleu.metrics.lib_ter import translation_edit_rate as sacrebleu_translation_edit_rate

    rng = random.Random(11)
    for _ in range(400):  # a small vocabulary: many repeated words, many shift candidates
        ref = [rng.choice("abcdef") for _ in range(rng.randint(0, 30))]
        hyp = [rng.choice("abcdef") for _ in range(rng.randint(0, 30))]
        assert translation_edit_rate(hyp, ref) == sacrebleu_translation_edit_rate(hyp, ref), (hyp, ref)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_report_statistics_with_one_reference_stream_are_sacrebleus(n_jobs):
    """Statistics.extract (reports, `annotate score`) takes this path with one reference stream:
    every system's statistics must be what sacrebleu's own extraction gives, types included."""
    from annotate.scoring.metrics import Statistics, make_metrics

    hypotheses = [hypothesis for _, hypothesis, _ in TRICKY]
    references = [reference for _, _, reference in TRICKY]
    systems = {"forward": hypotheses, "swapped": references[::-1], "reference": references}
    extracted = Statistics.extract(systems, references=[references], n_jobs=n_jobs)
    for name, metric in make_metrics().items():
        for system, outputs in systems.items():
            expected = corpus_statistics(metric, outputs, [references])
            assert repr(extracted.stats[name][system]) == repr(expected), (name, system)


def test_zh_statistics_use_the_chinese_tokenizer():
    from annotate.scoring.metrics import Statistics, make_metrics

    hypotheses, references = ["猫睡觉。", "早上好！"], ["猫在睡觉。", "早上好！"]
    extracted = Statistics.extract({"a": hypotheses}, references=[references], trg_lang="zh")
    bleu = make_metrics(trg_lang="zh")["BLEU"]
    assert repr(extracted.stats["BLEU"]["a"]) == repr(corpus_statistics(bleu, hypotheses, [references]))
