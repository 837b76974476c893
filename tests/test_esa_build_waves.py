"""`annotate build` from several ESA inputs (WMT's waves): read as one, as `esa-scores` reads them
(an annotator's latest rating of an item kept whichever file holds it), loaded back with the real
``datasets.load_dataset``; a bad or non-ESA input names itself and nothing is written.

Fixtures (tests/data/esa): ``wave1.csv`` and ``wave2.csv``; wave2 re-rates two of wave1's items by
the same annotator — (A, doc1, 2) later than wave1 did (wave2's 20 wins over 60), (A, doc2, 3)
earlier (wave1's 50 stays) — and adds an item and a second annotator's rating of the re-rated one.
``wave2_bad.csv``: a score of 150 on line 2, eleven columns on line 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from fixtures_labelstudio import esa_score, tricky_document
from typer.testing import CliRunner

from annotate.cli import app
from annotate.esa import read_esa_file
from annotate.esa.scoring import score_esa
from annotate.labelstudio.esa import add_esa_fields
from annotate.labelstudio.tasks import task_data

DATA = Path(__file__).parent / "data" / "esa"
WAVE1, WAVE2, BAD = DATA / "wave1.csv", DATA / "wave2.csv", DATA / "wave2_bad.csv"
NEWS, SOCIAL = "test-en-news_doc1", "test-en-social_doc2"
# (doc_id, seg_id, system, annotator, score) of every rating WMT24's rules keep of wave1 + wave2
KEPT = [(NEWS, 1, "A", "u1", 80.0), (NEWS, 1, "A", "u2", 90.0), (NEWS, 1, "B", "u1", 70.0),
        (NEWS, 2, "A", "u1", 20.0),  # wave2's later re-rating of wave1's 60
        (NEWS, 2, "A", "u2", 75.0), (NEWS, 2, "B", "u1", 40.0),
        (SOCIAL, 3, "A", "u1", 50.0)]  # wave1's, later than wave2's 10
SYSTEMS = ("argos", "apertium")


def _invoke(*args: str):
    return CliRunner().invoke(app, ["build", *args])


def _build(*args: str) -> None:
    result = _invoke(*args)
    assert result.exit_code == 0, result.output


def _rows(out: Path, config: str) -> list[dict]:
    import datasets

    return [row for split in datasets.load_dataset(str(out), config).values() for row in split]


def _kept(out: Path) -> list[tuple]:
    return sorted((r["doc_id"], r["seg_id"], r["system"], r["annotator"], r["score"]) for r in _rows(out, "esa"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _esa_export(path: Path, *, mqm_task: bool = False) -> Path:
    """A Label Studio export of an ESA project (one ESA task, u1's scores of two translations), or
    with ``mqm_task`` of a project that also holds an MQM task."""
    annotation = {"id": 31, "completed_by": {"id": 3, "email": "ann@example.org"}, "lead_time": 20.0,
                  "updated_at": "2026-12-04T10:00:00.000000Z", "was_cancelled": False,
                  "result": [esa_score("esa_score_argos_0", 95), esa_score("esa_score_apertium_0", 61)]}
    tasks = [{"id": 7, "data": add_esa_fields(task_data(tricky_document(systems=SYSTEMS), SYSTEMS)),
              "annotations": [annotation]}]
    if mqm_task:
        tasks.append({"id": 8, "data": task_data(tricky_document("doc-mqm-2", SYSTEMS), SYSTEMS), "annotations": []})
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


@pytest.mark.parametrize("order", [(WAVE1, WAVE2), (WAVE2, WAVE1)], ids=["wave1-first", "wave2-first"])
def test_two_waves_build_one_dataset_with_each_annotators_latest_rating(tmp_path, order):
    out = tmp_path / "wmt24-esa"
    _build(*map(str, order), str(out))
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "esa", "esa_systems"]
    assert _kept(out) == KEPT  # end time decides, not the order of the files
    (missing,) = [r for r in _rows(out, "esa") if (r["seg_id"], r["system"], r["annotator"]) == (2, "A", "u1")]
    assert [(s["start"], s["end"], s["omission"]) for s in missing["spans"]] == [(-1, -1, True)]  # wave2's spans too
    systems = {r["system"]: (r["score"], r["n_items"], r["n_ratings"]) for r in _rows(out, "esa_systems")}
    assert systems == {"A": (58.125, 3, 5), "B": (55.0, 2, 2)}  # news (85 + 47.5) / 2, social 50; B: news only
    card = (out / "README.md").read_text(encoding="utf-8")
    first, second = (path.name for path in order)
    counts = {"wave1.csv": 5, "wave2.csv": 4}
    for stated in (f"read from the ESA files `{first}`, `{second}`", "**Files:** 2 files",
                   f"| `{first}` | {counts[first]} |\n| `{second}` | {counts[second]} |",
                   "Of the 9 ratings read", "the latest (by end time) kept | 2 |", "Kept: 7 ratings"):
        assert stated in card, stated
    assert str(DATA) not in card  # file names, not the builder's local paths


def test_build_scores_as_esa_scores_reads_the_files(tmp_path):
    from annotate.dataset.esa_build import build_esa_dataset, read_esa_input

    esa = read_esa_input([WAVE1, WAVE2])
    assert esa.sources == (("wave1.csv", 5), ("wave2.csv", 4))
    build_esa_dataset(esa, tmp_path / "ds", name="ds")
    expected = score_esa(read_esa_file(WAVE1) + read_esa_file(WAVE2)).to_json_dict()
    assert {"eng-ces": {r["system"]: r["score"] for r in _rows(tmp_path / "ds", "esa_systems")}} == expected


def test_files_sharing_a_name_are_told_apart_on_the_card(tmp_path):
    from annotate.dataset.esa_build import card_names

    paths = [tmp_path / "wave1" / "esa.csv", tmp_path / "wave2" / "esa.csv"]
    assert card_names(paths) == ["wave1/esa.csv", "wave2/esa.csv"]
    assert card_names([tmp_path / "a`b.csv", tmp_path / "c.csv"]) == ["a'b.csv", "c.csv"]


def test_a_bad_second_file_names_its_lines_and_writes_nothing(tmp_path):
    out = tmp_path / "ds"
    _build(str(WAVE1), str(out))
    before = _snapshot(out)
    result = _invoke(str(WAVE1), str(BAD), str(out))
    assert result.exit_code == 1
    assert f"{BAD}: 2 problems" in result.output
    assert f"{BAD}:2: column score: score 150 is outside 0–100" in result.output
    assert f"{BAD}:3: expected 12 comma-separated columns" in result.output
    assert _snapshot(out) == before  # the dataset of wave1 alone, as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no staging folder left behind


def test_a_missing_second_file_is_named(tmp_path):
    result = _invoke(str(WAVE1), str(tmp_path / "wave3.csv"), str(tmp_path / "ds"))
    assert result.exit_code == 1 and f"{tmp_path / 'wave3.csv'}: no such file" in result.output
    assert not (tmp_path / "ds").exists()


def test_the_same_file_twice_is_refused(tmp_path):
    result = _invoke(str(WAVE1), str(DATA / ".." / "esa" / "wave1.csv"), str(tmp_path / "ds"))
    assert result.exit_code == 1 and "given twice (as " in result.output and not (tmp_path / "ds").exists()


def test_forgetting_out_dir_does_not_take_a_wave_for_it(tmp_path):
    result = _invoke(str(WAVE1), str(WAVE2))
    assert result.exit_code == 1
    assert f"{WAVE2} is a file, not a dataset folder: give OUT_DIR last" in result.output


def test_a_label_studio_export_of_an_esa_project_joins_the_waves(tmp_path):
    export = _esa_export(tmp_path / "esa-export.json")
    out = tmp_path / "ds"
    _build(str(WAVE1), str(export), str(out), "--languages", "en-cs")
    rows = _rows(out, "esa")
    from_export = sorted((r["doc_id"], r["system"], r["score"], r["source_language"], r["target_language"])
                         for r in rows if r["doc_id"] == "doc-tricky-1")
    assert from_export == [("doc-tricky-1", "apertium", 61.0, "en", "cs"), ("doc-tricky-1", "argos", 95.0, "en", "cs")]
    assert len(rows) == 5 + 2
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "esa", "esa_systems"]  # ESA ratings alone
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| `wave1.csv` | 5 |\n| `esa-export.json` | 2 |" in card and "ann@example.org" not in card


def _non_esa_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    from annotate.commands._io import write_records

    records = tmp_path / "docs.jsonl"
    with records.open("w", encoding="utf-8") as stream:
        write_records([tricky_document()], stream)
    testset = tmp_path / "testset"
    (testset / "sources").mkdir(parents=True)
    root = Path(__file__).parent.parent
    return {
        "mqm-export": (root / "seeds" / "gold_export.json", "a Label Studio export without ESA tasks"),
        "mqm-and-esa-export": (_esa_export(tmp_path / "mixed.json", mqm_task=True),
                               "a Label Studio export with 1 MQM task"),
        "mqm-tsv": (Path(__file__).parent / "data" / "mqm" / "corners.tsv", "a WMT MQM TSV file"),
        "records": (records, "JSON Lines of AnnotatedDocument records"),
        "testset": (testset, "a folder (a WMT test set?)"),
    }


@pytest.mark.parametrize("kind", ["mqm-export", "mqm-and-esa-export", "mqm-tsv", "records", "testset"])
def test_an_esa_file_beside_a_non_esa_input_is_refused_naming_it(tmp_path, kind):
    path, what = _non_esa_inputs(tmp_path)[kind]
    out = tmp_path / "ds"
    result = _invoke(str(WAVE1), str(path), str(out))
    assert result.exit_code == 1, result.output
    assert f"error: {path}: {what}" in result.output
    assert "each must be an ESA file" in result.output and "build this one on its own" in result.output
    assert not out.exists()


def test_an_export_with_mqm_and_esa_tasks_alone_builds_as_before(tmp_path):
    export = _esa_export(tmp_path / "mixed.json", mqm_task=True)
    out = tmp_path / "ds"
    _build(str(export), str(out))
    assert {r["doc_id"] for r in _rows(out, "segments")} == {"doc-tricky-1", "doc-mqm-2"}
    assert sorted((r["system"], r["score"]) for r in _rows(out, "esa")) == [("apertium", 61.0), ("argos", 95.0)]


def test_every_way_of_calling_build_reads_the_same_input_and_folder(monkeypatch):
    """Click hands the last word to OUT_DIR; what build_command makes of it (the build stopped there)."""
    from annotate.commands import data

    seen: list[tuple[list[str], str]] = []
    real = data._input_and_output

    def stop_after(*args):
        inputs, out_dir = real(*args)
        seen.append(([str(p) for p in inputs], str(out_dir)))
        raise typer.Exit(0)

    monkeypatch.setattr(data, "_input_and_output", stop_after)
    for args, expected in [(["export.json", "out"], (["export.json"], "out")),
                           (["--testset", "tests", "out"], (["tests"], "out")),
                           (["out", "--testset", "tests"], (["tests"], "out")),
                           (["out", "--testset", "tests", "--name", "x"], (["tests"], "out")),
                           (["--testset", "wmt24/txt", "--languages", "en-de", "out/x", "--reference", "refA"],
                            (["wmt24/txt"], "out/x")),  # the README's
                           (["w1.csv", "w2.csv", "w3.csv", "out", "--split", "test"],
                            (["w1.csv", "w2.csv", "w3.csv"], "out"))]:
        seen.clear()
        assert _invoke(*args).exit_code == 0
        assert seen == [expected], args


@pytest.mark.parametrize("args, message", [
    ([], "give INPUT and OUT_DIR"), (["export.json"], "give INPUT and OUT_DIR"),
    (["--testset", "tests"], "give INPUT and OUT_DIR"),
    (["export.json", "--testset", "tests", "out"], "--testset replaces INPUT"),
])
def test_calls_without_input_or_folder_say_what_to_give(args, message):
    result = _invoke(*args)
    assert result.exit_code == 1 and message in result.output
