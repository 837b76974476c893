"""``annotate esa-scores`` and ``annotate esa-export`` on our own ESA fixtures (tests/data/esa/)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from annotate.cli import app
from annotate.esa import read_esa_file

DATA = Path(__file__).parent / "data" / "esa"
WAVE = DATA / "wave.csv"
JSONL = DATA / "wmt24.jsonl"
runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_esa_scores_json_is_exact():
    result = runner.invoke(app, ["esa-scores", str(WAVE), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout == '{"eng-ces": {"A": 82.5, "B": 50.0}, "eng-deu": {"C": 70.0, "D": 65.0}}\n'


def test_esa_scores_reads_several_files_of_both_formats():
    result = runner.invoke(app, ["esa-scores", str(WAVE), str(JSONL), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"eng-ces": {"A": 82.5, "B": 50.0}, "eng-deu": {"C": 70.0, "D": 65.0},
                                         "en-cs": {"A": 82.5, "B": 50.0}}
    assert list(json.loads(result.stdout)) == ["eng-ces", "eng-deu", "en-cs"]  # in the files' order


def test_esa_scores_table():
    result = runner.invoke(app, ["esa-scores", str(WAVE)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ESA eng-ces: 2 systems (higher is better)"
    header = next(line for line in lines if "rank" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [
        "rank", "cluster", "system", "ESA", "95% CI", "items", "ratings", "news", "social"]
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    assert [row[:3] + row[5:] for row in rows] == [
        ["1–2", "1", "A", "3", "4", "75.00", "90.00"],
        ["1–2", "1", "B", "3", "3", "60.00", "40.00"],
        ["1–2", "1", "C", "1", "1", "70.00"],
        ["1–2", "1", "D", "1", "1", "65.00"]]
    assert [row[3] for row in rows] == ["82.50", "50.00", "70.00", "65.00"]
    assert all(row[4].startswith("± ") for row in rows)
    text = " ".join(lines)
    assert "kept 9 ratings; dropped 2 not TGT, 2 tutorial, 1 in #bad documents" in text
    assert "Wilcoxon signed-rank per domain" in text and "Stouffer" in text


def test_esa_scores_prints_names_as_they_are(tmp_path):
    path = tmp_path / "markup.csv"
    path.write_text("u1,[/b],1,TGT,eng,ces,80,test-en-news_d,False,[],1.5,2.5\n"
                    "u1,[red]x[/red],1,TGT,eng,ces,70,test-en-news_d,False,[],1.5,2.5\n", encoding="utf-8")
    result = runner.invoke(app, ["esa-scores", str(path)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "[/b]" in result.stdout and "[red]x[/red]" in result.stdout


def test_bad_input_exits_2_naming_file_and_line(tmp_path):
    path = tmp_path / "[red]w[b].csv"
    path.write_text("u1,A,1,TGT,eng,ces,80,d,False,[],1.5,2.5\n"
                    'u1,A,2,TGT,eng,ces,80,d,False,"[{""start_i"":0,""end_i"":1,""severity"":""critical""}]",1,2\n',
                    encoding="utf-8")
    result = runner.invoke(app, ["esa-scores", str(path)], env=WIDE)
    assert result.exit_code == 2
    assert f"error: {path}:2: error_spans[0]: unknown severity 'critical' (known: major, minor)" in result.stderr
    allowed = runner.invoke(app, ["esa-scores", str(path), "--allow-severity", "critical", "--json"])
    assert allowed.exit_code == 0 and json.loads(allowed.stdout) == {"eng-ces": {"A": 80.0}}
    missing = runner.invoke(app, ["esa-scores", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "none.csv: no such file" in missing.stderr
    only_tutorial = tmp_path / "tutorial.csv"
    only_tutorial.write_text("u1,ende-tutorial1,1000001,TGT,eng,ces,0,ende-tutorial1,False,[],1.5,2.5\n",
                             encoding="utf-8")
    nothing = runner.invoke(app, ["esa-scores", str(only_tutorial)])
    assert nothing.exit_code == 2 and "no ESA rating left to score" in nothing.stderr


def test_esa_export_converts_and_keeps_the_scores(tmp_path):
    jsonl = tmp_path / "wave.jsonl"
    result = runner.invoke(app, ["esa-export", str(WAVE), "-o", str(jsonl), "--wmt24-rules"])
    assert result.exit_code == 0, result.output
    assert f"9 ratings → {jsonl} (kept 9 ratings; dropped 2 not TGT" in result.stderr
    assert [r.domain for r in read_esa_file(jsonl)][:3] == ["news", "news", "social"]
    csv = tmp_path / "back.csv"
    assert runner.invoke(app, ["esa-export", str(jsonl), "-o", str(csv)]).exit_code == 0
    # WMT24's JSON Lines name pairs by two letters (its merge_to_jsonl.py maps them), Appraise by three
    for path, ces, deu in ((jsonl, "en-cs", "en-de"), (csv, "eng-ces", "eng-deu")):
        scores = runner.invoke(app, ["esa-scores", str(path), "--json"])
        assert json.loads(scores.stdout) == {ces: {"A": 82.5, "B": 50.0}, deu: {"C": 70.0, "D": 65.0}}
    # BAD rows cannot go to JSON Lines: an error, and no file
    refused = runner.invoke(app, ["esa-export", str(WAVE), "-o", str(tmp_path / "all.jsonl")])
    assert refused.exit_code == 2 and "holds TGT ratings only, this one is REF" in refused.stderr
    assert not (tmp_path / "all.jsonl").exists()
    wrong = runner.invoke(app, ["esa-export", str(WAVE), "-o", str(tmp_path / "x.tsv")])
    assert wrong.exit_code == 2 and "unknown ESA file type '.tsv'" in wrong.stderr


def test_esa_scores_table_keeps_long_system_names_whole_when_piped(tmp_path):
    # WMT24 names such as Unbabel-Tower70B were cut to "Unba…" in 80 columns: a pipe or a log
    # gets the table at its natural width instead.
    long_name = "Unbabel-Tower70B-with-a-long-suffix"
    rows = [f"u1,{system},{item},TGT,eng,jpn,{score},test-en-{domain}_doc{item},False,[],1,2"
            for system, score in ((long_name, 64), ("GPT-4", 50))
            for item, domain in ((1, "news"), (2, "social"), (3, "speech"))]
    wave = tmp_path / "wave.csv"
    wave.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["esa-scores", str(wave)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if long_name in line)
    assert row.split("│")[3].strip() == long_name
    assert "…" not in result.stdout
