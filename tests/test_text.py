"""Counts in user-facing text (annotate.text.plural): "1 document", never "1 documents", in the
helper and in a real rendered report and dataset card of a one-document set."""

from __future__ import annotations

import re

import pytest
from test_scoring_fixtures import synthetic_documents

from annotate.text import plural, plural_form

# Nouns the report, card and CLI put after a count; "1 <noun>s" must never appear
NOUNS = ("document", "segment", "scored segment", "system", "annotator pair", "matched pair", "pair", "rater",
         "doubly-rated segment", "annotation", "task", "stream", "omission", "reference stream", "sentence")


@pytest.mark.parametrize(
    ("count", "word", "many", "expected"),
    [
        (1, "document", None, "1 document"),
        (0, "document", None, "0 documents"),
        (2, "document", None, "2 documents"),
        (1, "entity", None, "1 entity"),
        (3, "entity", None, "3 entities"),
        (2, "day", None, "2 days"),  # a vowel before the y: just s
        (2, "match", None, "2 matches"),
        (2, "annotator pair", None, "2 annotator pairs"),  # the last word takes the plural
        (1, "hypothesis", "hypotheses", "1 hypothesis"),
        (4, "hypothesis", "hypotheses", "4 hypotheses"),
    ],
)
def test_plural(count, word, many, expected) -> None:
    assert plural(count, word, many) == expected


def test_grouped_thousands() -> None:
    assert plural(1234, "segment", grouped=True) == "1,234 segments"
    assert plural(1, "segment", grouped=True) == "1 segment"
    assert plural_form("analysis") == "analysises"  # irregular nouns pass `many`: the rule is only regular


def singular_count_with_plural_noun(text: str) -> list[str]:
    """Every "1 <noun>s" in ``text`` (a count of exactly one, not e.g. "21 documents" or "0.1 …")."""
    nouns = "|".join(re.escape(plural_form(noun)) for noun in sorted(NOUNS, key=len, reverse=True))
    return re.findall(rf"(?<![\d.,])\b1 (?:{nouns})\b", text)


def test_the_check_finds_what_it_looks_for() -> None:
    text = "of 1 documents, 21 segments, 0.1 pairs, 1 segment, (1 annotator pairs)"
    assert singular_count_with_plural_noun(text) == ["1 documents", "1 annotator pairs"]


def test_a_one_document_report_says_1_document(tmp_path) -> None:
    from annotate.report import render_report
    from annotate.scoring.evaluate import evaluate

    (doc,) = synthetic_documents()[:1]
    evaluation = evaluate([doc], ar_trials=200, bootstrap_samples=100)
    paths = render_report(evaluation, [doc], out_dir=tmp_path, title="one article")
    markdown = paths.markdown.read_text(encoding="utf-8")
    html = paths.html.read_text(encoding="utf-8")
    assert "· 1 document · 3 scored segments ·" in markdown and "· 1 document · 3 scored segments ·" in html
    assert "1 document, 1 annotator pair." in markdown and "1 document, 1 annotator pair." in html
    assert singular_count_with_plural_noun(markdown) == [] and singular_count_with_plural_noun(html) == []
    assert "1 documents" not in markdown + html and "1 annotator pairs" not in markdown + html


def test_a_one_document_dataset_card_says_1_document(tmp_path) -> None:
    from annotate.dataset import build_dataset

    (doc,) = synthetic_documents()[:1]
    report = build_dataset([doc], tmp_path / "one", name="one", score_cache=False)
    card = report.readme.read_text(encoding="utf-8")
    assert "Built with `annotate build` from 1 document." in card and "With 1 document, a split may" in card
    assert singular_count_with_plural_noun(card) == []
