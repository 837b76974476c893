"""Numbered display texts and the offset mapping between them and the records (tables)."""

from __future__ import annotations

import pytest

from annotate.labelstudio.layout import Line, article_to_line, build_display, locate, on_one_line

LINES = [Line(1, 0, "Título 🇷🇺"), Line(2, 1, "Uno «dos»."), Line(3, 1, "Tres\r\ncuatro 👩‍👩‍👧.")]
DISPLAY, STARTS = build_display(LINES)
LENGTHS = [len(line.text) for line in LINES]


def test_display_text_and_sentence_starts():
    # One line per sentence: the CR LF inside sentence 3 shows as two spaces (same length).
    assert DISPLAY == "[1] Título 🇷🇺\n\n[2] Uno «dos».\n[3] Tres  cuatro 👩‍👩‍👧."
    for start, line in zip(STARTS, LINES):
        assert DISPLAY[start:start + len(line.text)] == on_one_line(line.text)
        assert len(on_one_line(line.text)) == len(line.text)


def test_empty_and_single_line_displays():
    assert build_display([]) == ("", [])
    assert build_display([Line(7, 3, "")]) == ("[7] ", [4])


A, B, C = STARTS  # where sentences 1, 2, 3 start


@pytest.mark.parametrize(
    ("offset", "is_end", "expected", "why"),
    [
        (A, False, (0, 0), "start of sentence 1"),
        (A + 3, False, (0, 3), "inside sentence 1"),
        (0, False, (0, 0), "inside the first number prefix"),
        (A + LENGTHS[0], True, (0, LENGTHS[0]), "end of sentence 1"),
        (A + LENGTHS[0] + 1, False, (1, 0), "start in the blank line: next sentence"),
        (A + LENGTHS[0] + 1, True, (0, LENGTHS[0]), "end in the blank line: previous sentence"),
        (B - 2, False, (1, 0), "start inside '[2] '"),
        (B - 2, True, (0, LENGTHS[0]), "end inside '[2] '"),
        (B, True, (0, LENGTHS[0]), "end exactly where sentence 2 starts closes sentence 1"),
        (B, False, (1, 0), "start exactly at sentence 2"),
        (C + 6, False, (2, 6), "after the \\r\\n (counts 2 code points)"),
        (C + LENGTHS[2], True, (2, LENGTHS[2]), "end of the text"),
    ],
)
def test_locate(offset, is_end, expected, why):
    assert locate(STARTS, LENGTHS, offset, is_end=is_end) == expected, why


SEG_STARTS, SEG_ENDS = [0, 12, 30], [10, 25, 40]  # article offsets of three segments


@pytest.mark.parametrize(
    ("offset", "is_end", "expected"),
    [
        (0, False, (0, 0)),
        (10, True, (0, 10)),
        (11, False, (1, 0)),  # between segments: a start moves forward
        (11, True, (0, 10)),  # … an end moves back
        (12, True, (0, 10)),
        (20, False, (1, 8)),
        (40, True, (2, 10)),
        (45, True, (2, 10)),  # past the last segment
    ],
)
def test_article_to_line(offset, is_end, expected):
    assert article_to_line(SEG_STARTS, SEG_ENDS, offset, is_end=is_end) == expected


def test_mapping_without_sentences_is_an_error():
    with pytest.raises(ValueError):
        locate([], [], 0, is_end=False)
    with pytest.raises(ValueError):
        article_to_line([], [], 0, is_end=False)
