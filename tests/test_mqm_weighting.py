"""The MQM weighting is chosen in one place (``--weights``, default Google's) and reaches every
number and statement downstream: ``mqm-scores``, ``score``, ``report`` (scores and its provenance
line) and ``build`` (``mqm``, the ``word_qe`` tags and the card's line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.cli import app

HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\n"
# sysA's segment 1 reproduces a defect of the source (Major Source error on "Tgt") and has a Minor
# mistranslation; segment 2 is error-free. "ref" is the human reference, rated error-free.
ROWS = [
    ("sysA", 1, "Fuente uno.", "<v>Tgt</v> one.", "Source error", "Major"),
    ("sysA", 1, "Fuente uno.", "Tgt <v>one</v>.", "Accuracy/Mistranslation", "Minor"),
    ("sysA", 2, "Fuente dos.", "Tgt two.", "No-error", "No-error"),
    ("ref", 1, "Fuente uno.", "Source one.", "No-error", "No-error"),
    ("ref", 2, "Fuente dos.", "Source two.", "No-error", "No-error"),
]
WEIGHTINGS = [
    # --weights, sysA's MQM (mean of segments 1 and 2), segment 1's MQM, word_qe tags of "Tgt one ."
    (None, (5 + 1) / 2, 6.0, [1, 1, 0]),  # Google's: the Source error weighs 5, "Tgt" is BAD
    ("google", (5 + 1) / 2, 6.0, [1, 1, 0]),
    ("guidelines", (0 + 1) / 2, 1.0, [0, 1, 0]),  # a defect of the source does not count against the MT
]
IDS = [str(case[0]) for case in WEIGHTINGS]


@pytest.fixture
def tiny_tsv(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.tsv"
    path.write_text(HEADER + "".join(f"{system}\ttalk\t{seg}\t{seg}\tr1\t{source}\t{target}\t{category}\t{severity}\n"
                                     for system, seg, source, target, category, severity in ROWS), encoding="utf-8")
    return path


def invoke(*args: str, exit_code: int = 0) -> str:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == exit_code, result.output
    return result.output


def weights_option(name: str | None) -> list[str]:
    return [] if name is None else ["--weights", name]


@pytest.mark.parametrize(("name", "system_mqm", "segment_mqm", "tags"), WEIGHTINGS, ids=IDS)
def test_mqm_scores_and_score(tiny_tsv: Path, name: str | None, system_mqm: float, segment_mqm: float,
                              tags: list[int]) -> None:
    assert json.loads(invoke("mqm-scores", tiny_tsv, "--json", *weights_option(name)))["systems"] == {
        "ref": 0.0, "sysA": system_mqm}
    scores = json.loads(invoke("score", tiny_tsv, "--reference", "ref", "--json", *weights_option(name)))
    assert scores["systems"]["sysA"]["mqm"]["score"] == pytest.approx(system_mqm)
    assert scores["mqm_weighting"] == (name or "google")


@pytest.mark.parametrize(("name", "system_mqm", "segment_mqm", "tags"), WEIGHTINGS, ids=IDS)
def test_report_says_which_weighting(tiny_tsv: Path, tmp_path: Path, name: str | None, system_mqm: float,
                                     segment_mqm: float, tags: list[int]) -> None:
    out = tmp_path / "report"
    invoke("report", tiny_tsv, "--reference", "ref", "-o", out, *weights_option(name))
    assert json.loads((out / "scores.json").read_text(encoding="utf-8"))["systems"]["sysA"]["mqm"]["score"] == (
        pytest.approx(system_mqm))
    markdown, html = (out / "report.md").read_text(encoding="utf-8"), (out / "report.html").read_text(encoding="utf-8")
    (line,) = [line for line in markdown.splitlines() if line.startswith("- **MQM weighting:**")]
    assert line.startswith(f"- **MQM weighting:** {name or 'google'} (")
    assert ("differs from Google's: Source error/\\* → 0 (Google: by severity)" in line) is (name == "guidelines")
    assert f"<dt>MQM weighting</dt><dd>{name or 'google'} (" in html


@pytest.mark.parametrize(("name", "system_mqm", "segment_mqm", "tags"), WEIGHTINGS, ids=IDS)
def test_build_scores_tags_and_states_the_weighting(tiny_tsv: Path, tmp_path: Path, name: str | None,
                                                    system_mqm: float, segment_mqm: float, tags: list[int]) -> None:
    import pyarrow.parquet as pq  # not datasets.load_dataset: its cache can serve another build's rows

    out = tmp_path / "dataset"
    invoke("build", tiny_tsv, out, "--reference", "ref", "--languages", "es-en", "--split", "test",
           "--no-score-cache", *weights_option(name))

    def rows(config: str) -> list[dict]:
        return pq.read_table(out / config / "test-00000-of-00001.parquet").to_pylist()

    assert {(row["system"], row["seg_id"]): row["mqm"] for row in rows("segments")}[("sysA", 1)] == segment_mqm
    assert {(row["system"], row["seg_id"]): row["tags"] for row in rows("word_qe")}[("sysA", 1)] == tags
    assert {row["system"]: row["mqm"] for row in rows("systems")}["sysA"] == pytest.approx(system_mqm)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"MQM weighting of `mqm` and of the `word_qe` tags: {name or 'google'} (" in card
    assert ("`Source error`/`*` → 0.0" in card) is (name == "guidelines")


@pytest.mark.parametrize("command", [["mqm-scores", "{tsv}"], ["score", "{tsv}", "--reference", "ref"],
                                     ["report", "{tsv}", "--reference", "ref", "-o", "{out}"],
                                     ["build", "{tsv}", "{out}", "--languages", "es-en"]])
def test_an_unknown_weighting_is_refused_naming_the_known_ones(tiny_tsv: Path, tmp_path: Path,
                                                               command: list[str]) -> None:
    args = [part.format(tsv=tiny_tsv, out=tmp_path / "out") for part in command]
    output = invoke(*args, "--weights", "viewer", exit_code=1 if command[0] == "build" else 2)
    assert "unknown MQM weighting 'viewer' (known: google, guidelines)" in " ".join(output.split())
    assert not (tmp_path / "out").exists()
