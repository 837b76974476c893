"""Automatic metrics (annotate.scoring.metrics) against the real sacrebleu: its command line for
corpus scores and signatures, its sentence_score for segment scores, and the reference-orientation
traps of sacrebleu issues #220 / #256."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from annotate.scoring.metrics import METRIC_NAMES, Statistics, corpus_scores, score_systems, sentence_scores

SACREBLEU = Path(sys.executable).parent / "sacrebleu"

HYPS = [
    "The president of Russia will arrive to North Korea the Tuesday.",
    "The two leaders signed an agreement of cooperation.",
    "Über den Fluss gehen wir, sagte er – „nie wieder“.",
    "It is the first visit since the year 2000.",
    "Kremlin no gave more details.",
    "The visit will last 2 days.",
]
REFS_A = [
    "The president of Russia will arrive in North Korea on Tuesday.",
    "The two leaders will sign a cooperation agreement.",
    "Wir gehen über den Fluss, sagte er – „nie wieder“.",
    "It is the first visit since 2000.",
    "The Kremlin gave no further details.",
    "The visit will last two days.",
]
REFS_B = [
    "Russia's president arrives in North Korea on Tuesday.",
    "Both leaders will sign an agreement on cooperation.",
    "Über den Fluss gehen wir, sagte er, „nie wieder“.",
    "This is the first visit since the year 2000.",
    "The Kremlin did not give more details.",
    "The visit is to last two days.",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli(tmp_path: Path, refs: list[list[str]]) -> dict[str, dict]:
    ref_files = [str(_write(tmp_path / f"ref{i}.txt", stream)) for i, stream in enumerate(refs)]
    hyp_file = _write(tmp_path / "hyp.txt", HYPS)
    run = subprocess.run([str(SACREBLEU), *ref_files, "-i", str(hyp_file), "-m", "bleu", "chrf", "ter",
                          "--chrf-word-order", "2", "-f", "json", "-w", "4"],
                         capture_output=True, text=True, check=True)
    return {entry["name"]: entry for entry in json.loads(run.stdout)}


@pytest.mark.parametrize("refs", [[REFS_A], [REFS_A, REFS_B]], ids=["one-reference", "two-references"])
def test_corpus_scores_match_sacrebleu_command_line(tmp_path: Path, refs: list[list[str]]) -> None:
    cli = _cli(tmp_path, refs)
    ours = corpus_scores(hypotheses=HYPS, references=refs)
    assert list(ours) == list(METRIC_NAMES) == list(cli)
    for name, score in ours.items():
        assert round(score.score, 4) == pytest.approx(cli[name]["score"], abs=1e-4), name
        assert score.signature == cli[name]["signature"], name
    # score_systems shares the reference statistics between systems and must agree exactly
    shared = score_systems({"sys": HYPS, "other": REFS_B}, references=refs, n_jobs=2)["sys"]
    assert {n: s.score for n, s in shared.items()} == {n: s.score for n, s in ours.items()}
    assert {n: s.signature for n, s in shared.items()} == {n: s.signature for n, s in ours.items()}


def test_swapping_hypotheses_and_references_changes_scores() -> None:
    # BLEU's brevity penalty and TER's normalisation by reference length make the metrics
    # asymmetric: scoring in the wrong direction silently gives other numbers (#220, #256).
    straight = corpus_scores(hypotheses=HYPS, references=[REFS_A])
    swapped = corpus_scores(hypotheses=REFS_A, references=[HYPS])
    for name in METRIC_NAMES:
        assert straight[name].score != pytest.approx(swapped[name].score, abs=1e-6), name


def test_second_reference_raises_bleu_and_lowers_ter() -> None:
    one = corpus_scores(hypotheses=HYPS, references=[REFS_A])
    two = corpus_scores(hypotheses=HYPS, references=[REFS_A, REFS_B])
    for refs, ours in (([REFS_A], one), ([REFS_A, REFS_B], two)):  # sacrebleu's own numbers
        assert ours["BLEU"].score == pytest.approx(BLEU().corpus_score(HYPS, refs).score, abs=1e-9)
        assert ours["TER"].score == pytest.approx(TER().corpus_score(HYPS, refs).score, abs=1e-9)
    assert two["BLEU"].score > one["BLEU"].score
    assert two["TER"].score < one["TER"].score
    assert two["BLEU"].signature.startswith("nrefs:2|") and one["BLEU"].signature.startswith("nrefs:1|")


@pytest.mark.parametrize(
    ("references", "error", "message"),
    [
        (REFS_A, TypeError, "list of reference streams"),  # a bare stream, not wrapped in a list
        ([REFS_A[:-1]], ValueError, "reference stream 0 has 5 segments but there are 6 hypotheses"),
        ([REFS_A, REFS_B[:2]], ValueError, "reference stream 1 has 2 segments"),
        ([REFS_A[:1]], ValueError, "reference stream 0 has 1 segment but there are 6 hypotheses"),
        ([], ValueError, "at least one reference stream"),
    ],
)
def test_badly_shaped_references_are_refused(references, error, message) -> None:
    with pytest.raises(error, match=message):
        corpus_scores(hypotheses=HYPS, references=references)


def test_a_single_hypothesis_is_counted_in_the_singular() -> None:
    with pytest.raises(ValueError, match="reference stream 0 has 2 segments but there is 1 hypothesis:"):
        corpus_scores(hypotheses=HYPS[:1], references=[REFS_A[:2]])


def test_sentence_scores_equal_sacrebleu_sentence_score() -> None:
    ours = sentence_scores(hypotheses=HYPS, references=[REFS_A, REFS_B])
    expected = {
        "BLEU": [BLEU(effective_order=True).sentence_score(h, [a, b]).score for h, a, b in zip(HYPS, REFS_A, REFS_B)],
        "chrF2++": [CHRF(word_order=2).sentence_score(h, [a, b]).score for h, a, b in zip(HYPS, REFS_A, REFS_B)],
        "TER": [TER().sentence_score(h, [a, b]).score for h, a, b in zip(HYPS, REFS_A, REFS_B)],
    }
    assert ours.keys() == expected.keys()
    for name in expected:
        assert ours[name] == pytest.approx(expected[name], abs=1e-9), name


@pytest.mark.parametrize(
    ("hypothesis", "reference", "bleu", "chrf", "ter"),
    [
        ("The Kremlin gave no further details.", "The Kremlin gave no further details.", 100.0, 100.0, 0.0),
        # effective order 1: unigram precision 1, brevity penalty e^(1 - 7/1); TER: tercom splits on
        # spaces only ("details." is one word), so 5 deletions over 6 reference words
        ("Kremlin", "The Kremlin gave no further details.", 100 * 2.718281828459045 ** -6, None, 500 / 6),
        # one shift of a two-word block: 1 edit over 6 reference words
        ("gave no further details. The Kremlin", "The Kremlin gave no further details.", None, None, 100 / 6),
    ],
)
def test_sentence_scores_table(hypothesis: str, reference: str, bleu, chrf, ter) -> None:
    scores = sentence_scores(hypotheses=[hypothesis], references=[[reference]])
    for name, expected in (("BLEU", bleu), ("chrF2++", chrf), ("TER", ter)):
        if expected is not None:
            assert scores[name][0] == pytest.approx(expected, abs=1e-4), name


def test_statistics_in_parallel_equal_sequential() -> None:
    systems = {"a": HYPS, "b": REFS_B, "c": list(reversed(HYPS))}
    sequential = Statistics.extract(systems, references=[REFS_A], n_jobs=1)
    parallel = Statistics.extract(systems, references=[REFS_A], n_jobs=2)
    assert sequential.stats == parallel.stats
    assert sequential.subset_scores("chrF2++", range(6)) == {
        s: scores["chrF2++"].score for s, scores in sequential.corpus_scores().items()}
