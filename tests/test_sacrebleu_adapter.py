"""The one door to sacrebleu's private API (annotate.scoring.sacrebleu_adapter, issue #22.4): it
says clearly when the installed sacrebleu is not the one it was written for, it gives sacrebleu's
own public-API numbers, and no other module of the package goes around it."""

from __future__ import annotations

import io
import subprocess
import sys
import tokenize
import warnings
from pathlib import Path

import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER, base, helpers, lib_ter
from sacrebleu.metrics.lib_ter import translation_edit_rate

from annotate.scoring import sacrebleu_adapter as sb
from annotate.scoring.metrics import BLEU_NAME, CHRF_NAME, TER_NAME, make_metrics

PACKAGE = Path(__file__).resolve().parents[1] / "annotate"

# (hypothesis, reference, sentence BLEU (effective order), chrF++, TER): sacrebleu 2.6.0's
# sentence_score on each pair, written out so that a sacrebleu giving other numbers is noticed.
EXPECTED = [
    ("The president of Russia will arrive to North Korea the Tuesday.",
     "Russia's president will arrive in North Korea on Tuesday.", 12.192091596713041, 60.60774404607705,
     55.55555555555556),
    ("Putin visits North Korea.", "Putin visits North Korea.", 100.00000000000004, 100.0, 0.0),
    ("on Tuesday Putin will arrive in Pyongyang", "Putin will arrive in Pyongyang on Tuesday", 70.71067811865478,
     91.92333229112758, 14.285714285714285),
    ("6.700 containers", "6,700 containers of ammunition were shipped", 6.7667641618306344, 28.127213606038193,
     83.33333333333334),
    ("", "A reference with no hypothesis.", 0.0, 0.0, 100.0),
    ("Kim said «we are ready» in Pyongyang.", 'Kim said: "We are ready", in Pyongyang.', 16.409149280404737,
     61.81425038463002, 42.857142857142854),
]
CORPUS = {BLEU_NAME: 27.383926227280224, CHRF_NAME: 58.733908890199835, TER_NAME: 50.0}  # of the pairs above


# ── the version check ────────────────────────────────────────────────────────────────────────────


def test_the_installed_sacrebleu_is_the_one_the_adapter_was_written_for():
    assert sacrebleu.__version__ == sb.WRITTEN_FOR
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb.check_sacrebleu()  # no warning, no error


def test_another_version_gives_one_clear_warning(monkeypatch):
    monkeypatch.setattr(sacrebleu, "__version__", "2.7.1")
    with pytest.warns(sb.SacrebleuVersionWarning) as caught:
        sb.check_sacrebleu()
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message == (
        "sacrebleu 2.7.1 is installed but annotate's use of its private API was written for and tested with "
        "sacrebleu 2.6.0; scores may differ from sacrebleu's own: install the version it was written for "
        "(pip install 'sacrebleu==2.6.0'), or update annotate/scoring/sacrebleu_adapter.py and its tests "
        "(tests/test_sacrebleu_adapter.py) to the new sacrebleu.")


def test_the_check_runs_when_the_adapter_is_imported():
    code = ("import warnings, sacrebleu; sacrebleu.__version__ = '2.5.0'; warnings.simplefilter('always'); "
            "import annotate.scoring.sacrebleu_adapter")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr.count("SacrebleuVersionWarning: sacrebleu 2.5.0 is installed") == 1, run.stderr


@pytest.mark.parametrize("owner, attribute, shown", [
    (lib_ter, "_shift", "sacrebleu.metrics.lib_ter._shift"),
    (lib_ter, "_MAX_SHIFT_CANDIDATES", "sacrebleu.metrics.lib_ter._MAX_SHIFT_CANDIDATES"),
    (base.Metric, "_extract_corpus_statistics", "sacrebleu.metrics.base.Metric._extract_corpus_statistics"),
])
def test_a_missing_private_name_is_an_error_that_names_it(monkeypatch, owner, attribute, shown):
    monkeypatch.setattr(sacrebleu, "__version__", "3.0.0")
    monkeypatch.delattr(owner, attribute)
    with pytest.raises(sb.SacrebleuAPIError) as error:
        sb.check_sacrebleu()
    assert str(error.value) == (
        f"sacrebleu 3.0.0 has no {shown}, a private name annotate uses (written for sacrebleu 2.6.0): install "
        "the version it was written for (pip install 'sacrebleu==2.6.0'), or update "
        "annotate/scoring/sacrebleu_adapter.py and its tests (tests/test_sacrebleu_adapter.py) to the new sacrebleu.")


def test_pyproject_asks_for_the_same_minor_version():
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    major, minor, _ = sb.WRITTEN_FOR.split(".")
    assert f'"sacrebleu=={major}.{minor}.*"' in pyproject or f'"sacrebleu=={sb.WRITTEN_FOR}"' in pyproject


# ── the same numbers as sacrebleu's public API ───────────────────────────────────────────────────


@pytest.mark.parametrize("hypothesis, reference, bleu, chrf, ter", EXPECTED)
def test_sentence_scores_through_the_adapter_are_sacrebleus(hypothesis, reference, bleu, chrf, ter):
    public = (BLEU(effective_order=True).sentence_score(hypothesis, [reference]).score,
              CHRF(word_order=2).sentence_score(hypothesis, [reference]).score,
              TER().sentence_score(hypothesis, [reference]).score)
    assert public == (bleu, chrf, ter)
    corpus, sentence_bleu = make_metrics(), make_metrics(sentence_level=True)[BLEU_NAME]
    scorers = {BLEU_NAME: sentence_bleu, CHRF_NAME: corpus[CHRF_NAME], TER_NAME: corpus[TER_NAME]}
    for (name, scorer), expected in zip(scorers.items(), (bleu, chrf, ter)):
        metric = corpus[name]
        (stats,) = sb.corpus_statistics(metric, [hypothesis], [[reference]])
        # one reference prepared once, the hypothesis scored against it: the same statistics
        prepared = sb.segment_statistics(metric, hypothesis, sb.prepare_reference(metric, reference))
        assert repr(prepared) == repr(stats)
        assert sb.score_from_sums(scorer, stats).score == expected
        assert sb.score_from_segments(scorer, [stats]).score == expected


def test_corpus_scores_through_the_adapter_are_sacrebleus():
    hypotheses, references = [row[0] for row in EXPECTED], [row[1] for row in EXPECTED]
    for name, metric in make_metrics().items():
        stats = sb.corpus_statistics(metric, hypotheses, [references])
        sums = [sum(column) for column in zip(*stats)]
        assert sb.score_from_segments(metric, stats).score == CORPUS[name]
        assert sb.score_from_sums(metric, sums).score == pytest.approx(CORPUS[name], abs=1e-12)
        assert metric.corpus_score(hypotheses, [references]).score == CORPUS[name]


def test_preprocess_is_the_metrics_tokenisation():
    corpus = make_metrics()
    assert sb.preprocess(corpus[BLEU_NAME], "It is done.") == "It is done ."  # 13a splits the period
    assert sb.preprocess(corpus[TER_NAME], "It is Done.") == "it is done."  # tercom: lowercased, no split


@pytest.mark.parametrize("hypothesis, reference", [
    ("a b c d e f", "d e f a b c"),
    ("on Tuesday Putin will arrive in Pyongyang", "Putin will arrive in Pyongyang on Tuesday"),
    ("x y z w v", "v w z y x"),
    ("a", "a b c"),
])
def test_ter_shift_search_with_sacrebleus_edit_distance_is_its_edit_rate(hypothesis, reference):
    words_hyp, words_ref = hypothesis.split(), reference.split()
    distance = lib_ter.BeamEditDistance(words_ref)
    shifts, shifted = sb.ter_shift_search(words_hyp, words_ref, distance)
    assert sorted(shifted) == sorted(words_hyp)
    assert (shifts + distance(shifted)[0], len(words_ref)) == translation_edit_rate(words_hyp, words_ref)


def test_ter_constants_are_lib_ters():
    assert (sb.TER_BEAM_WIDTH, sb.TER_MAX_SHIFT_CANDIDATES, sb.TER_COSTS) == (25, 1000, (1, 1, 1))
    assert (sb.TER_NOP, sb.TER_SUB, sb.TER_INS, sb.TER_DEL, sb.TER_UNDEFINED) == (" ", "s", "i", "d", "x")


def test_memoizing_metric_returns_the_memo_and_computes_the_rest():
    hypotheses, references = ["a b c", "d e"], [["a b c", "d f"]]
    memo = {tuple(hypotheses): ["memoized"]}
    metric = sb.memoizing_metric(CHRF, memo, word_order=2)
    assert type(metric).__name__ == "MemoizedCHRF"
    assert sb.corpus_statistics(metric, hypotheses, references) == ["memoized"]
    assert sb.corpus_statistics(metric, ["x", "y"], references) == sb.corpus_statistics(
        CHRF(word_order=2), ["x", "y"], references)


def test_set_reference_count_is_what_the_signature_prints():
    metric = make_metrics()[TER_NAME]
    sb.set_reference_count(metric, 2)
    assert str(metric.get_signature()).startswith("nrefs:2|")
    metric = TER()
    metric.corpus_score(["a"], [["a"], ["b"]])
    assert str(metric.get_signature()).startswith("nrefs:2|")


def test_p_value_counts_strictly_larger_resamples():
    import numpy as np

    samples = np.array([0.1, 0.5, 0.5, 0.9])
    assert sb.p_value(samples, 0.5) == (1 + 1) / (4 + 1)  # only 0.9 is strictly above
    assert sb.p_value(samples, 1.0) == 1 / 5


# ── no other module goes around the adapter ──────────────────────────────────────────────────────

# sacrebleu's private names: every single-underscore attribute of its metrics, their base classes
# and its helper, TER and significance modules.
SACREBLEU_PRIVATE = {
    name
    for owner in (BLEU, CHRF, TER, base.Metric, base.Score, base.Signature, lib_ter, lib_ter.BeamEditDistance,
                  helpers, __import__("sacrebleu.significance", fromlist=["_"]))
    for name in dir(owner) if name.startswith("_") and not name.startswith("__")
}
def _private_uses(path: Path) -> set[str]:
    """sacrebleu private names used in the code of ``path`` (names, not comments or docstrings)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return {token.string for token in tokens if token.type == tokenize.NAME and token.string in SACREBLEU_PRIVATE}


def test_only_the_adapter_uses_sacrebleus_private_names():
    assert {"_extract_corpus_statistics", "_shift", "_compute_p_value", "_bootstrap_resample"} <= SACREBLEU_PRIVATE
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE))
        if relative != "scoring/sacrebleu_adapter.py" and (used := _private_uses(path)):
            offenders[relative] = sorted(used)
    assert not offenders, offenders
    assert _private_uses(PACKAGE / "scoring" / "sacrebleu_adapter.py")  # the scan does see them
