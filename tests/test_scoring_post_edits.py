"""Post-edits against the errors their annotator marked: TER edit tags, unfixed errors, unexplained edits."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from sacrebleu.metrics.lib_ter import translation_edit_rate

from annotate.labelstudio.export import parse_export
from annotate.records import AnnotatedDocument, DocumentAnnotation, ErrorSpan, PostEdit, Segment, SegmentRating
from annotate.schema import GOOGLE_MQM_WEIGHTS, GUIDELINES_MQM_WEIGHTS, MQMWeights
from annotate.scoring.post_edits import edit_tags, post_edit_consistency

GOLD_EXPORT = Path(__file__).resolve().parent.parent / "seeds" / "gold_export.json"

# ── edit tags: (MT, post-edit) → changed tokens, changed gaps (before each token and after the last) ──

EDIT_TAGS = [
    # mt, pe, changed tokens, gaps with words inserted {gap: words}, TER edits
    ("a b c", "a b c", "...", {}, 0),
    ("a b c", "a x c", ".X.", {}, 1),  # substitution
    ("a b c", "a c", ".X.", {}, 1),  # deletion
    ("a b c", "x a b c", "...", {0: ["x"]}, 1),  # insertion before the first token
    ("a b c", "a b x y c", "...", {2: ["x", "y"]}, 2),  # two words inserted in the middle
    ("a b c", "a b c x", "...", {3: ["x"]}, 1),  # … and after the last
    ("the president said", "the President said", ".X.", {}, 1),  # case-sensitive
    ("a moment crucial for", "a crucial moment for", "..X.", {1: ["crucial"]}, 1),  # a word moved: BAD, lands in gap 1
    ("a b c d e f", "d e f a b c", "...XXX", {0: ["d", "e", "f"]}, 1),  # a block moved by one shift
    ("a b c", "", "XXX", {}, 3),  # everything deleted
    ("", "a b", "", {0: ["a", "b"]}, 2),  # everything inserted
]


@pytest.mark.parametrize("mt, pe, changed, inserted, edits", EDIT_TAGS)
def test_edit_tags(mt: str, pe: str, changed: str, inserted: dict[int, list[str]], edits: int) -> None:
    tags = edit_tags(mt.split(), pe.split())
    assert "".join("X" if c else "." for c in tags.changed) == changed
    assert {gap: words for gap, words in enumerate(tags.inserted) if words} == inserted
    assert tags.gaps == [bool(words) for words in tags.inserted]
    assert tags.edits == edits


def test_edit_counts_equal_sacrebleu_ter_and_the_alignment_accounts_for_every_post_edit_word() -> None:
    rng = random.Random(7)
    vocabulary = "a b c d e f g".split()
    for _ in range(1500):
        mt = [rng.choice(vocabulary) for _ in range(rng.randint(0, 14))]
        pe = [rng.choice(vocabulary) for _ in range(rng.randint(1, 14))]
        tags = edit_tags(mt, pe)
        assert tags.edits == translation_edit_rate(mt, pe)[0], (mt, pe)
        kept = [i for i, p in enumerate(tags.aligned) if p >= 0]
        # every post-edit word is either a token's counterpart or inserted (a moved token counts in both)
        landed = sum(1 for i in kept if tags.moved[i])
        assert len(kept) + sum(map(len, tags.inserted)) - landed == len(pe), (mt, pe)
        assert len({tags.aligned[i] for i in kept}) == len(kept) and all(0 <= tags.aligned[i] < len(pe) for i in kept)
        for i, (changed, moved, p) in enumerate(zip(tags.changed, tags.moved, tags.aligned)):
            if not changed:  # an unchanged token is the same word in the post-edit
                assert not moved and mt[i] == pe[p]


# ── consistency of a post-edit with its annotator's errors ──────────────────────────────────────


def _error(mt: str, words: str, category: str = "Accuracy/Mistranslation", severity: str = "Major",
           side: str = "target", at: int | None = None) -> ErrorSpan:
    """An error on the first occurrence of ``words`` in ``mt`` (``at``: an error with no extent there)."""
    if at is not None:
        return ErrorSpan(at, at, category, severity, "", side=side)
    start = mt.index(words)
    return ErrorSpan(start, start + len(words), category, severity, words, side=side)


def _doc(pe: str, ratings: dict[str, tuple[str, list[ErrorSpan]]], status: str = "completed",
         source: str = "Fuente.") -> AnnotatedDocument:
    """One segment, one annotator: a post-edit and a rating per system {system: (mt, errors)}."""
    segment = Segment("d1", 1, 1, 0, len(source), source)
    rating_records = [SegmentRating(system, "d1", 1, "ann-1", source, mt, errors)
                      for system, (mt, errors) in ratings.items()]
    annotation = DocumentAnnotation("d1", "ann-1", status, ratings=rating_records, post_edits=[PostEdit(1, pe)])
    return AnnotatedDocument("d1", "T", source, segments=[segment], annotations=[annotation])


def _check(pe: str, mt: str, errors: list[ErrorSpan], weights: MQMWeights = GOOGLE_MQM_WEIGHTS):
    report = post_edit_consistency([_doc(pe, {"apertium": (mt, errors)})], weights=weights)
    assert report is not None
    return report


UNFIXED = [
    # post-edit, MT, the error (words in the MT or a callable), unfixed?
    ("The tall official said.", "The tall official said.", "tall", True),  # post-edit left unfinished
    ("The senior official said.", "The tall official said.", "tall", False),  # substituted
    ("Leaders of Korea, the United States and Japan.", "Leaders of Korea, United States and Japan.",
     "United States", False),  # a word inserted at the span's edge
    ("It was revealed, although late.", "It was revealed , although late.", " ,", False),  # spacing fixed
    ("It was revealed , although late.", "It was revealed , although late.", " ,", True),
    ("Their statements come a few days before.", "Their statements come  a few days before.", "  ", False),
    ("Their statements come  a few days before.", "Their statements come  a few days before.", "  ", True),
    ("Russia has previously backed sanctions.", "Russia has leaned previously sanctions.", "previously", False),
    ("He did visit Korea last week.", "He did visit Korea last week.", "visit Korea", True),
]


@pytest.mark.parametrize("pe, mt, words, unfixed", UNFIXED)
def test_an_error_whose_words_the_post_edit_kept_is_unfixed(pe: str, mt: str, words: str, unfixed: bool) -> None:
    report = _check(pe, mt, [_error(mt, words, "Fluency/Punctuation" if not words.strip(" ") else
                                    "Accuracy/Mistranslation", "Minor")])
    assert (report.total.errors, report.total.unfixed) == (1, int(unfixed))
    if unfixed:
        (item,) = report.unfixed
        assert (item.text, item.mt, item.post_edit, item.system) == (words, mt, pe, "apertium")


def test_an_error_with_no_extent_is_fixed_by_words_inserted_where_it_sits() -> None:
    mt = "He arrived Tuesday."
    omission = _error(mt, "", "Accuracy/Omission", at=mt.index(" Tuesday"))
    assert _check("He arrived on Tuesday.", mt, [omission]).total.unfixed == 0
    assert _check("He arrived Tuesday.", mt, [omission]).total.unfixed == 1


def test_errors_that_do_not_weigh_are_not_checked_but_explain_edits() -> None:
    mt = "The tall official said."
    neutral = _error(mt, "official", severity="Neutral")
    source_error = _error(mt, "tall", "Source error", "Minor")
    report = _check("The tall officer said.", mt, [neutral, source_error], GUIDELINES_MQM_WEIGHTS)
    assert (report.total.errors, report.total.unfixed) == (0, 0)
    # Google's weights (the default) count a Source error by its severity: it is checked (and fixed,
    # since the edit of its neighbour "official" may be TER's alignment of its fix)
    assert (_check("The tall officer said.", mt, [neutral, source_error]).total.errors) == 1
    assert (report.total.stretches, report.total.unexplained) == (1, 0)  # "official" → "officer": touched


def test_edits_no_error_touches_are_unexplained() -> None:
    mt = "In the middle of increasing tensions, the leader arrived."
    pe = "Amid rising tensions, the leader arrived."
    report = _check(pe, mt, [])  # rated "no error", then rewritten
    assert report.total.stretches == report.total.unexplained == 1
    (edit,) = report.unexplained
    assert edit.text == "In the middle of increasing" and mt[edit.start:edit.end] == edit.text
    explained = _check(pe, mt, [_error(mt, "increasing", severity="Minor")])
    assert (explained.total.stretches, explained.total.unexplained) == (1, 0)


def test_an_insertion_is_explained_by_an_omission_marked_in_the_source() -> None:
    mt = "He arrived Tuesday."
    pe = "He arrived in Moscow on Tuesday."
    assert _check(pe, mt, []).total.unexplained == 1
    omission = ErrorSpan(0, 5, "Accuracy/Omission", "Major", "Fuent", side="source")
    report = _check(pe, mt, [omission])
    assert (report.total.stretches, report.total.unexplained, report.total.errors) == (1, 0, 0)
    (edit,) = _check(pe, mt, []).unexplained
    assert (edit.text, edit.inserted, edit.start, edit.end) == ("", "in Moscow on", 10, 10)


def test_only_the_system_the_post_edit_is_closest_to_is_checked() -> None:
    apertium, argos = "The tall official said.", "The senior official told."
    pe = "The senior official said."
    doc = _doc(pe, {"apertium": (apertium, [_error(apertium, "tall")]),
                    "argos": (argos, [_error(argos, "official", severity="Minor")])})
    report = post_edit_consistency([doc])
    assert report.total.segments == 1 and report.total.errors == 1  # argos is one edit further: not checked
    assert report.unfixed == []
    doc_argos_closer = _doc("The senior official told us.", {"apertium": (apertium, [_error(apertium, "tall")]),
                                                             "argos": (argos, [_error(argos, "official", severity="Minor")])})
    (unfixed,) = post_edit_consistency([doc_argos_closer]).unfixed
    assert (unfixed.system, unfixed.text) == ("argos", "official")


def test_nothing_to_compare_without_a_post_edit_or_with_drafts_only() -> None:
    mt = "The tall official said."
    assert post_edit_consistency([_doc("", {"apertium": (mt, [_error(mt, "tall")])})]) is None  # blank post-edit
    assert post_edit_consistency([_doc(mt, {"apertium": (mt, [_error(mt, "tall")])}, status="draft")]) is None


# ── the team's gold annotations of the seed articles (a real Label Studio export) ────────────────


def _gold_documents() -> list[AnnotatedDocument]:
    return parse_export(json.loads(GOLD_EXPORT.read_text(encoding="utf-8")))


def test_the_gold_post_edits_fix_every_error_the_gold_marked() -> None:
    report = post_edit_consistency(_gold_documents())
    (gold,) = report.annotators
    assert gold.segments == sum(len(d.segments) for d in _gold_documents()) and gold.unchanged == 0
    assert gold.errors > 400 and gold.unfixed == 0
    assert 0 < gold.unexplained < gold.stretches
    for edit in report.unexplained:  # every stretch is where the alignment put it, in its own MT
        assert edit.mt[edit.start:edit.end] == edit.text


def test_an_unfinished_post_edit_in_the_gold_shows_every_error_of_its_segment_as_unfixed() -> None:
    docs = _gold_documents()
    gold = docs[0].annotations[0]
    rating = max(gold.ratings, key=lambda r: len(r.errors))
    docs[0].annotations[0] = replace(gold, post_edits=[
        PostEdit(p.seg_id, rating.target if p.seg_id == rating.seg_id else p.text) for p in gold.post_edits])
    report = post_edit_consistency(docs)
    weighing = [e for e in rating.errors
                if e.side == "target" and GOOGLE_MQM_WEIGHTS.weight(e.category, e.severity) > 0]
    assert len(report.unfixed) == len(weighing) > 3
    assert {(u.doc_id, u.seg_id) for u in report.unfixed} == {(rating.doc_id, rating.seg_id)}
    assert report.annotators[0].unchanged == 1


def test_worker_processes_give_the_same_report(monkeypatch) -> None:
    import annotate.scoring.post_edits as post_edits

    docs = _gold_documents()
    serial = post_edit_consistency(docs, n_jobs=1)
    monkeypatch.setattr(post_edits, "PARALLEL_FROM", 1)
    assert post_edit_consistency(docs, n_jobs=2) == serial
