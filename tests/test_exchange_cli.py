"""``annotate export-scores``: the command end to end (its own Typer app, as ``annotate.cli``
registers it), its one-line errors, and the real WMT file: the system scores of the exported
mt-metrics-eval ``sys`` file are ``annotate mqm-scores``'s, negated (MTME stores MQM higher = better)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from annotate.commands import exchange, scoring
from annotate.exchange.mtme import read_mtme

TINY = Path(__file__).parent / "data" / "exchange" / "mqm_tiny_ende.tsv"
WMT_TED = Path(__file__).resolve().parents[2] / "shared" / "mqm" / "mqm_ted_ende.tsv"

runner = CliRunner()
app = typer.Typer()
exchange.register(app)
scoring.register(app)


def test_cli_registers_the_command():
    from annotate.cli import app as annotate_app

    assert "export-scores" in {command.name for command in annotate_app.registered_commands}


@pytest.mark.parametrize(("fmt", "expected"), [
    ("mtme", {"sources/en-de.txt", "documents/en-de.docs", "references/en-de.ref.txt",
              "system-outputs/en-de/A.txt", "system-outputs/en-de/B.txt", "system-outputs/en-de/ref.txt",
              "human-scores/en-de.mqm.seg.score", "human-scores/en-de.mqm.doc.score",
              "human-scores/en-de.mqm.sys.score"}),
    ("wmt-qe", {f"mqm.{ext}" for ext in ("src", "mt", "pe", "src_tags", "tags", "hter", "segments.tsv")}),
    ("error-spans", {"mqm.error_spans.tsv"}),
    ("marot", {"mqm.marot.tsv"}),
])
def test_export_scores_writes_the_format(tmp_path, fmt, expected):
    result = runner.invoke(app, ["export-scores", str(TINY), "--format", fmt, "--out-dir", str(tmp_path),
                                 "--reference", "ref"])
    assert result.exit_code == 0, result.output
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == expected  # and no temporary file left behind
    count = f"{len(expected)} file{'s' if len(expected) > 1 else ''}"
    assert f"{count} → {tmp_path}" in " ".join(result.output.split())


def test_export_scores_names_what_it_left_out(tmp_path):
    result = runner.invoke(app, ["export-scores", str(TINY), "-f", "error-spans", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "left out: 1 error (source side" in result.output
    assert "left out: 1 error (neutral" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xml"], "error: --format: 'xml' is not one of mtme, wmt-qe, error-spans, marot"),
    (["--format", "mtme", "--reference", "refX"], "mqm_tiny_ende.tsv: reference 'refX': no translations named 'refX' (there are: A, B, ref"),
    (["--format", "mtme", "--name", "my.mqm"], "mqm_tiny_ende.tsv: score name 'my.mqm': no '.'"),
])
def test_export_scores_errors(tmp_path, args, message):
    result = runner.invoke(app, ["export-scores", str(TINY), "--out-dir", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not any(tmp_path.iterdir())  # nothing half written


def test_export_scores_missing_input_and_markup(tmp_path):
    missing = tmp_path / "[bold]no such[/bold].tsv"
    result = runner.invoke(app, ["export-scores", str(missing), "-f", "mtme", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{missing}: no such file" in " ".join(result.output.split())  # printed as text, not rich markup


@pytest.mark.skipif(not WMT_TED.is_file(), reason="../shared/mqm (Google's WMT MQM files) is not here")
def test_real_wmt_file_sys_scores_are_mqm_scores_negated(tmp_path):
    result = runner.invoke(app, ["export-scores", str(WMT_TED), "-f", "mtme", "-o", str(tmp_path),
                                 "--reference", "ref"])
    assert result.exit_code == 0, result.output
    scores = runner.invoke(app, ["mqm-scores", str(WMT_TED), "--json"])
    assert scores.exit_code == 0, scores.output
    published = json.loads(scores.output)["systems"]
    data = read_mtme(tmp_path, "en-de")
    assert len(published) == 14
    assert data.scores["sys"] == {system: [-score] for system, score in published.items()}
    assert len(data.sources) == 529 and set(data.systems) == set(published)
    assert all(len(scores) == 529 for scores in data.scores["seg"].values())
    assert data.scores["sys"]["Facebook-AI"][0] == pytest.approx(-1.0559546313799621)
