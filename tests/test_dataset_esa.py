"""The `esa` dataset configs (annotate.dataset.esa_rows / esa_build / esa_inputs): ESA files and a
Label Studio export's ESA tasks → rows loaded with the real ``datasets.load_dataset``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures_labelstudio import esa_score as _score
from fixtures_labelstudio import esa_span as _span
from fixtures_labelstudio import tricky_document
from typer.testing import CliRunner

from annotate.cli import app
from annotate.esa import read_esa_file
from annotate.esa.scoring import apply_wmt24_rules
from annotate.labelstudio.esa import add_esa_fields, esa_ratings
from annotate.labelstudio.tasks import task_data

DATA = Path(__file__).parent / "data" / "esa"
SYSTEMS = ("argos", "apertium")


def _build(*args: str) -> None:
    result = CliRunner().invoke(app, ["build", *args])
    assert result.exit_code == 0, result.output


def _rows(out: Path, config: str) -> list[dict]:
    import datasets

    loaded = datasets.load_dataset(str(out), config)
    return [row for split in loaded.values() for row in split]


def _features(out: Path, config: str):
    import datasets

    return next(iter(datasets.load_dataset(str(out), config).values())).features


def _short(row: dict) -> tuple:
    return (row["doc_id"], row["seg_id"], row["system"], row["annotator"], row["score"],
            [(s["start"], s["end"], s["severity"], s["omission"]) for s in row["spans"]],
            row["domain"], row["source_language"], row["target_language"], row["seconds"])


def test_appraise_csv_builds_the_esa_configs_only_with_wmt24_rules(tmp_path):
    out = tmp_path / "wave"
    _build(str(DATA / "wave.csv"), str(out))
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "esa", "esa_systems"]
    rows = sorted(_rows(out, "esa"), key=lambda r: (r["target_language"], r["doc_id"], r["seg_id"], r["system"],
                                                  r["annotator"]))
    news, social = "test-en-news_doc1", "test-en-social_doc2"
    assert [_short(r)[:9] for r in rows] == [
        (news, 1, "A", "u1", 80.0, [(0, 4, 0, False)], "news", "eng", "ces"),
        (news, 1, "A", "u2", 100.0, [], "news", "eng", "ces"),
        (news, 1, "B", "u1", 70.0, [], "news", "eng", "ces"),
        (news, 2, "A", "u1", 60.0, [], "news", "eng", "ces"),  # the later of u1's two ratings
        (news, 2, "B", "u1", 50.0, [], "news", "eng", "ces"),
        (social, 3, "A", "u1", 90.0, [], "social", "eng", "ces"),
        (social, 3, "B", "u1", 40.0, [], "social", "eng", "ces"),
        (news, 1, "C", "u3", 70.0, [], "news", "eng", "deu"),
        (news, 1, "D", "u3", 65.0, [], "news", "eng", "deu"),
    ]
    assert rows[0]["seconds"] == pytest.approx(10.1, abs=1e-4) and rows[1]["seconds"] == 1.0
    assert {(r["source"], r["target"]) for r in rows} == {("", "")}  # Appraise CSV holds no texts
    systems = {(r["target_language"], r["system"]): (r["score"], r["score_ci"], r["rank_best"], r["rank_worst"],
                                                     r["cluster"], r["n_items"], r["n_ratings"])
               for r in _rows(out, "esa_systems")}
    assert systems == {("ces", "A"): (82.5, 7.5, 1, 2, 1, 3, 4), ("ces", "B"): (50.0, 5.0, 1, 2, 1, 3, 3),
                       ("deu", "C"): (70.0, 0.0, 1, 2, 1, 1, 1), ("deu", "D"): (65.0, 0.0, 1, 2, 1, 1, 1)}
    card = (out / "README.md").read_text(encoding="utf-8")
    for counted in ("Of the 17 ratings read", "| only `TGT` items (`BAD` attention checks, `REF` and `CHK` items out) | 2 |",
                    "| tutorial items out | 2 |", "| documents marked `#bad` out | 1 |", "| documents marked `#dup` out | 1 |",
                    "| documents marked `#incomplete` out | 1 |", "the latest (by end time) kept | 1 |", "Kept: 9 ratings",
                    "Kocmi et al., 2024", "| 33 | some meaning preserved |", "SHA-256",
                    'datasets.load_dataset("datasets/wave", "esa")'):
        assert counted in card, counted


def test_features_are_typed_with_a_severity_classlabel(tmp_path):
    from datasets import ClassLabel, List, Value

    out = tmp_path / "wmt"
    _build(str(DATA / "wmt24.jsonl"), str(out))
    features = _features(out, "esa")
    assert list(features) == ["doc_id", "seg_id", "system", "annotator", "score", "spans", "source", "target",
                              "domain", "source_language", "target_language", "seconds"]
    assert features["seg_id"] == Value("int32") and features["score"] == Value("float32")
    assert features["seconds"] == Value("float32")
    assert isinstance(features["spans"], List)
    span = features["spans"].feature
    assert span["severity"] == ClassLabel(names=["minor", "major"])
    assert (span["start"], span["end"], span["omission"]) == (Value("int32"), Value("int32"), Value("bool"))
    rows = {(r["doc_id"], r["seg_id"], r["system"], r["annotator"]): r for r in _rows(out, "esa")}
    assert len(rows) == 7  # one of u1's two ratings of (A, doc1, 2) superseded
    first = rows[("doc1", 1, "A", "u1")]
    assert (first["score"], first["source"], first["target"], first["domain"]) == (
        80.0, "Prices rose again.", "Ceny opět vzrostly.", "news")
    assert [(s["start"], s["end"], span["severity"].int2str(s["severity"]), s["omission"]) for s in first["spans"]] \
        == [(0, 4, "minor", False)]
    assert rows[("doc1", 2, "A", "u1")]["score"] == 60.0


def test_omissions_have_no_offsets(tmp_path):
    wave = tmp_path / "omission.csv"
    spans = json.dumps([{"start_i": 3, "end_i": 9, "severity": "major", "error_type": None},
                        {"start_i": "missing", "end_i": "missing", "severity": "minor", "error_type": None}])
    wave.write_text(f'u1,A,2,TGT,eng,ces,10,test-en-news_doc1,False,"{spans.replace(chr(34), chr(34) * 2)}",'
                    "1724109020.5,1724109030.5\n", encoding="utf-8")
    out = tmp_path / "omission"
    _build(str(wave), str(out))
    (row,) = _rows(out, "esa")
    assert _short(row) == ("test-en-news_doc1", 2, "A", "u1", 10.0, [(3, 9, 1, False), (-1, -1, 0, True)], "news",
                           "eng", "ces", 10.0)
    assert "1 of them omissions" in (out / "README.md").read_text(encoding="utf-8")


def test_label_studio_export_with_esa_tasks_adds_the_esa_config(tmp_path):
    doc = tricky_document(systems=SYSTEMS)
    marker_at = len("The Russian president arrived in Pyongyang on the Tuesday.") + 1
    annotation = {
        "id": 31, "completed_by": {"id": 3, "email": "ann@example.org"}, "lead_time": 120.0,
        "updated_at": "2026-12-04T10:00:00.000000Z", "was_cancelled": False,
        "result": [_span("esa_span_apertium_1", 46, 57, "the Tuesday", "Minor"),
                   _span("esa_span_apertium_1", marker_at, marker_at + 9, "[MISSING]", "Major"),
                   _score("esa_score_apertium_1", 61), _score("esa_score_argos_1", 100),
                   _score("esa_score_argos_0", 95)]}
    tasks = [{"id": 7, "data": add_esa_fields(task_data(doc, SYSTEMS)), "annotations": [annotation]}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    out = tmp_path / "ls"
    _build(str(export), str(out))  # no --skip-invalid: the ESA annotations are no MQM problem
    expected, _ = apply_wmt24_rules(esa_ratings(tasks))
    rows = _rows(out, "esa")
    assert sorted(_short(r)[:9] for r in rows) == sorted(
        (r.doc_id, r.segment_id, r.system, r.annotator, r.score,
         [(-1 if s.missing else s.start, -1 if s.missing else s.end, ("minor", "major").index(s.severity), s.missing)
          for s in r.spans], r.domain_name, r.source_language, r.target_language) for r in expected)
    assert len(rows) == 3 and {r["target"] for r in rows} == {r.target for r in expected}
    assert [r["seconds"] for r in rows] == [40.0] * 3
    segments = _rows(out, "segments")  # what the build makes of the export's documents, as before
    assert {r["doc_id"] for r in segments} == {"doc-tricky-1"} and {r["mqm"] for r in segments} == {None}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "## ESA ratings" in card and "the Label Studio export's ESA tasks" in card
    assert "ann@example.org" not in card


def test_esa_file_reader_and_build_agree(tmp_path):
    out = tmp_path / "wmt"
    _build(str(DATA / "wmt24.jsonl"), str(out))
    kept, counts = apply_wmt24_rules(read_esa_file(DATA / "wmt24.jsonl"))
    assert len(_rows(out, "esa")) == counts.kept == len(kept)


def test_committed_style_export_gets_no_esa_config(tmp_path):
    from annotate.dataset.esa_inputs import is_esa_file, read_export_esa

    gold = Path(__file__).parent.parent / "seeds" / "gold_export.json"
    assert read_export_esa(gold) is None  # an MQM export: no ESA task, no second parse
    assert is_esa_file(DATA / "wmt24.jsonl") and is_esa_file(DATA / "wave.csv") and not is_esa_file(gold)
