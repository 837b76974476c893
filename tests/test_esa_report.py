"""``annotate esa-report``: the numbers of tests/data/esa/wave.csv, worked out by hand below, in the
Markdown twin, the HTML and scores.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.cli import app
from annotate.esa import read_esa_file
from annotate.esa.report import SpanStats
from annotate.esa.scoring import score_esa

WAVE = Path(__file__).parent / "data" / "esa" / "wave.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("esa-report")
    result = runner.invoke(app, ["esa-report", str(WAVE), "-o", str(out), "--title", "Wave [1] | *test*"])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [str(out / "report.html"), str(out / "report.md"), str(out / "scores.json")]
    return out


def _rows(markdown: str, header_start: str) -> list[list[str]]:
    """The cells of the table whose header row starts with ``header_start`` (first match)."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_system_table_has_the_hand_computed_values(report):
    # A: item 1 rated 80 (u1) and 100 (u2) → 90, item 2 60 (u1's later rating; its 10 is superseded),
    # item 3 90 (social): news (90+60)/2 = 75, social 90, ESA (75+90)/2 = 82.5. Its 4 ratings hold one
    # minor span (0.25 per segment), none major, 3 of 4 without a span; they took 10.1, 10, 10 and
    # 1 s: median 10.0. B: news (70+50)/2 = 60, social 40 → 50, 1 s each.
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert _rows(markdown, "| Rank | System | ESA") == [
        ["1–2 `[1]`", "A", "82.50 ± 7.50", "75.00", "90.00", "3", "4", "0.25 / 0.00", "0.00", "75%", "10.0"],
        ["1–2 `[1]`", "B", "50.00 ± 5.00", "60.00", "40.00", "3", "3", "0.00 / 0.00", "0.00", "100%", "1.0"],
    ]


def test_annotator_table_shows_scale_and_pace(report):
    # u1: A 80, 60, 90 and B 70, 50, 40 → mean 65; one minor span in 6 ratings; median of
    # 10.1, 10, 10, 1, 1, 1 seconds = 5.5. u2: A's item 1, 100, 1 s.
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert _rows(markdown, "| Annotator |") == [
        ["u1", "6", "2", "65.00", "0.17 / 0.00", "0.00", "5.5"],
        ["u2", "1", "1", "100.00", "0.00 / 0.00", "0.00", "1.0"],
    ]


def test_p_value_matrix_and_title_are_escaped(report):
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Wave \\[1\\] \\| \\*test\\*\n")
    expected_p = score_esa(read_esa_file(WAVE)).pairs["eng-ces"].p_values[("A", "B")]
    assert _rows(markdown, "| | A | B |") == [["A", "·", f"{expected_p:.3f} (3)"], ["B", f"{expected_p:.3f} (3)", "·"]]
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "<title>Wave [1] | *test*</title>" in html
    assert html.count('src="data:image/png;base64,') == 2  # one chart per language pair


def test_scores_json_holds_what_esa_scores_computes(report):
    data = json.loads((report / "scores.json").read_text(encoding="utf-8"))
    expected = score_esa(read_esa_file(WAVE))
    assert {langs: {s["system"]: s["score"] for s in pair["systems"]} for langs, pair in data["pairs"].items()} \
        == expected.to_json_dict()
    assert data["pairs"]["eng-ces"]["systems"][0]["rank"] == [1, 2]
    assert data["rules"] == {"not_target": 2, "tutorial": 2, "bad": 1, "dup": 1, "incomplete": 1,
                             "superseded": 1, "kept": 9}


def test_systems_without_a_shared_segment_get_no_p_value(tmp_path):
    wave = tmp_path / "wave.csv"
    wave.write_text("u1,X,1,TGT,eng,ces,90,test-en-news_d,False,[],1,2\n"
                    "u1,Y,2,TGT,eng,ces,40,test-en-news_d,False,[],1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["esa-report", str(wave), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert _rows(markdown, "| | X | Y |") == [["X", "·", "—"], ["Y", "—", "·"]]


@pytest.mark.parametrize(("spans", "expected"), [
    ([], (0.0, 0.0, 0.0, 1.0)),
    ([{"start_i": 0, "end_i": 2, "severity": "minor"}, {"start_i": "missing", "end_i": "missing",
                                                          "severity": "major"}], (1.0, 0.0, 1.0, 0.0)),
])
def test_span_stats_count_omissions_apart(tmp_path, spans, expected):
    wave = tmp_path / "w.csv"
    cell = json.dumps(spans).replace('"', '""')
    wave.write_text(f'u1,X,1,TGT,eng,ces,50,test-en-news_d,False,"{cell}",5,7\n', encoding="utf-8")
    stats = SpanStats.of(read_esa_file(wave))
    assert (stats.minor, stats.major, stats.missing, stats.no_span, stats.seconds) == (*expected, 2.0)


def test_nothing_left_to_score_is_a_clear_error(tmp_path):
    wave = tmp_path / "w.csv"
    wave.write_text("u1,ende-tutorial1,1,TGT,eng,ces,0,ende-tutorial1,False,[],1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["esa-report", str(wave), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no ESA rating left to score" in result.stderr
    assert not (tmp_path / "out").exists()
