"""Scores stored in the dataset: the one-pass statistics path must give exactly what sacrebleu's
public API gives (sentence and corpus level, signatures), and MQM must follow the schema weights."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from annotate.dataset.scores import CorpusTotals, Scorer, segment_mqm
from annotate.records import ErrorSpan, SegmentRating

PAIRS = [
    # (hypothesis, reference)
    ("The president of Russia will arrive to North Korea the Tuesday.",
     "Russia's president will arrive in North Korea on Tuesday."),
    ("Putin visits North Korea", "Putin visits North Korea"),
    ("", "A reference with no hypothesis."),
    ("Kim said «we are ready» in Pyongyang.", "Kim said: \"We are ready\", in Pyongyang."),
    ("6.700 containers", "6,700 containers of ammunition were shipped"),
    ("Das ist ein Test.", "This is a test."),
]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.mark.parametrize("hypothesis, reference", PAIRS)
def test_sentence_scores_equal_sacrebleu_public_api(scorer, hypothesis, reference):
    scores = scorer.segment(hypothesis, reference)
    assert scores.bleu == BLEU(effective_order=True).sentence_score(hypothesis, [reference]).score
    assert scores.chrf == CHRF(word_order=2).sentence_score(hypothesis, [reference]).score
    assert scores.ter == TER().sentence_score(hypothesis, [reference]).score


def test_corpus_scores_from_summed_statistics_equal_corpus_score(scorer):
    totals = CorpusTotals()
    for hypothesis, reference in PAIRS:
        totals.add(scorer.segment(hypothesis, reference))
    hyps, refs = [h for h, _ in PAIRS], [r for _, r in PAIRS]
    expected = {"bleu": BLEU(), "chrf": CHRF(word_order=2), "ter": TER()}
    corpus = scorer.corpus(totals)
    for name, metric in expected.items():
        assert corpus[name] == pytest.approx(metric.corpus_score(hyps, [refs]).score, abs=1e-9)
        assert scorer.corpus_signatures()[name] == str(metric.get_signature())
    # swapping hypotheses and references must change the score (orientation is not symmetric)
    swapped = CorpusTotals()
    for hypothesis, reference in PAIRS:
        swapped.add(scorer.segment(reference, hypothesis))
    assert scorer.corpus(swapped)["bleu"] != pytest.approx(corpus["bleu"])
    assert totals.n_scored == len(PAIRS)
    assert scorer.corpus(CorpusTotals()) == {"bleu": None, "chrf": None, "ter": None}


def test_sentence_signatures_name_effective_order(scorer):
    signatures = scorer.sentence_signatures()
    assert "eff:yes" in signatures["bleu"] and "nrefs:1" in signatures["bleu"]
    assert "nw:2" in signatures["chrf"] and signatures["ter"].startswith("nrefs:1|case:lc|tok:tercom")


def rating(rater: str, *errors: tuple[str, str]) -> SegmentRating:
    return SegmentRating("sys", "doc", 1, rater, "src", "target text",
                         [ErrorSpan(0, 6, category, severity, "target") for category, severity in errors])


MQM_CASES = [
    ("unrated", [], None),
    ("no error", [rating("a")], 0.0),
    ("major + minor", [rating("a", ("Accuracy/Mistranslation", "Major"), ("Fluency/Grammar", "Minor"))], 6.0),
    ("minor punctuation 0.1", [rating("a", ("Fluency/Punctuation", "Minor"))], 0.1),
    ("major punctuation 5", [rating("a", ("Fluency/Punctuation", "Major"))], 5.0),
    ("non-translation 25 whatever severity", [rating("a", ("Non-translation!", "Minor"))], 25.0),
    ("neutral 0", [rating("a", ("Style/Awkward", "Neutral"))], 0.0),
    ("source error by severity (Google's weights)", [rating("a", ("Source error", "Major"))], 5.0),
    ("mean over raters", [rating("a", ("Accuracy/Omission", "Major")), rating("b")], 2.5),
]


@pytest.mark.parametrize("ratings, expected", [c[1:] for c in MQM_CASES], ids=[c[0] for c in MQM_CASES])
def test_segment_mqm(ratings, expected):
    result = segment_mqm(ratings)
    assert result == pytest.approx(expected) if expected is not None else result is None
