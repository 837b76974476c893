"""`annotate build` from the command line, and the Hub push's no-token path (no network)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fixtures_labelstudio import broken_recorded_export

from annotate.cli import app
from annotate.commands._io import write_records
from annotate.dataset import HubPushError, build_dataset, push_dataset_to_hub
from annotate.dataset.synthetic import synthetic_documents

runner = CliRunner()


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "docs.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        write_records(synthetic_documents(3, segments=2), stream)
    return path


def test_build_from_jsonl_records(jsonl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no seeds/GUIDELINES.md here: the card says none was supplied
    out = tmp_path / "datasets" / "cli-set"
    result = runner.invoke(app, ["build", str(jsonl), str(out), "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "segments" in result.output and "expanded 0" in result.output and "claims spans → BIO" in result.output
    assert "BAD MT tokens" in result.output and "BAD source tokens" in result.output
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "# cli-set" in card and "No guidelines file was supplied" in card
    configs = ("claims", "documents", "ner", "segments", "systems", "translation", "word_qe")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet")) == [
        f"{config}/test-00000-of-00001.parquet" for config in configs]


def test_default_guidelines_file_is_picked_up(jsonl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "GUIDELINES.md").write_text("# How we annotate\n\nBe consistent.\n", encoding="utf-8")
    result = runner.invoke(app, ["build", str(jsonl), "ds", "--name", "g"])
    assert result.exit_code == 0, result.output
    assert "### How we annotate" in (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")


def test_bad_jsonl_line_is_named(jsonl, tmp_path):
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][: len(lines[1]) // 2]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["build", str(jsonl), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{jsonl}:2: not a valid AnnotatedDocument record" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_missing_input_and_bad_record_are_clear_errors(jsonl, tmp_path):
    result = runner.invoke(app, ["build", str(tmp_path / "nope.json"), str(tmp_path / "out")])
    assert result.exit_code == 1 and "no such file" in result.output
    text = jsonl.read_text(encoding="utf-8").replace('"label": "PER"', '"label": "PERSONA"', 1)
    jsonl.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["build", str(jsonl), str(tmp_path / "out")])
    assert result.exit_code == 1 and "unknown label 'PERSONA'" in " ".join(result.output.split())


@pytest.mark.parametrize("content, expected", [
    ('[{"id": 1}', "{path}: not valid JSON at line 1 column 11 (unexpected end of data)"),  # the file's own error: named once
    # a task's own problem: listed under the file, with every other problem of the export
    ('[{"id": 7, "data": {}}]', "{path}: 1 task failed validation: • task 7 (export item 0) data: missing key 'doc_id'"),
])
def test_export_errors_name_the_file_once(tmp_path, content, expected):
    export = tmp_path / "export.json"
    export.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["build", str(export), str(tmp_path / "out")], env={"COLUMNS": "500"})  # no wrapping
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and expected.format(path=export) in output, result.output
    assert output.count(str(export)) == 1
    assert not (tmp_path / "out").exists()


def test_push_without_token_fails_before_building(jsonl, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(jsonl), str(out), "--push-to-hub", "someone/some-set"])
    assert result.exit_code == 1 and "HF_TOKEN" in result.output
    assert not out.exists()


def test_push_dataset_to_hub_needs_env_token_and_a_built_folder(tmp_path, monkeypatch):
    out = tmp_path / "ds"
    build_dataset(list(synthetic_documents(1, segments=1)), out, name="push")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(HubPushError, match="set HF_TOKEN in the environment"):
        push_dataset_to_hub(out, "someone/some-set")
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    with pytest.raises(HubPushError, match="not a dataset folder built by `annotate build`"):
        push_dataset_to_hub(tmp_path, "someone/some-set")
    with pytest.raises(HubPushError, match="must look like 'owner/name'"):
        push_dataset_to_hub(out, "no-owner")


def test_rebuild_reads_the_score_cache_unless_told_not_to(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))  # no other test's scores
    jsonl = tmp_path / "distinct.jsonl"
    with jsonl.open("w", encoding="utf-8") as stream:
        write_records(synthetic_documents(3, segments=2, distinct=True), stream)
    out = str(tmp_path / "ds")
    first = runner.invoke(app, ["build", str(jsonl), out])
    assert first.exit_code == 0, first.output
    assert "12 pairs, 12 distinct pairs scored, 0 read from the cache" in " ".join(first.output.split())
    again = runner.invoke(app, ["build", str(jsonl), out])
    assert "12 pairs, 0 distinct pairs scored, 12 read from the cache" in " ".join(again.output.split())
    uncached = runner.invoke(app, ["build", str(jsonl), out, "--no-score-cache"])
    assert "12 pairs, 12 distinct pairs scored, 0 read from the cache" in " ".join(uncached.output.split())


def test_build_lists_every_invalid_annotation_and_builds_nothing(tmp_path):
    export = broken_recorded_export(tmp_path)
    problems = tmp_path / "problems.jsonl"
    result = runner.invoke(app, ["build", str(export), str(tmp_path / "out"), "--problems", str(problems)],
                           env={"COLUMNS": "500"})
    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert f"{export}: 2 annotations failed validation" in output
    assert "task 1 (doc ui-labeled) annotation 3 region" in output and "'Pyongyangg'" in output
    assert "task 2 (doc ui-gold) annotation 1 region" in output and "has no severity" in output
    assert "--skip-invalid" in output and not (tmp_path / "out").exists()
    import json

    rows = [json.loads(line) for line in problems.read_text(encoding="utf-8").splitlines()]
    assert [(r["kind"], r["task_id"], r["annotation_id"]) for r in rows] == [("annotation", 1, 3), ("annotation", 2, 1)]


def test_build_with_skip_invalid_leaves_them_out_and_says_so_in_the_card(tmp_path):
    import datasets

    export = broken_recorded_export(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(export), str(out), "--skip-invalid"], env={"COLUMNS": "500"})
    output = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "warning: " in output and "2 annotations failed validation and are left out" in output
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "- Set aside: 2 annotations of the export\n  failed validation" in card
    documents = datasets.load_dataset(str(out), "documents", split="all")
    annotators = {row["doc_id"]: row["annotator"] for row in documents}
    # ui-labeled lost its only completed annotation; ui-gold keeps its second annotator's
    assert annotators["ui-labeled"] is None and annotators["ui-gold"] == "annotator-1111cafe"


def test_when_every_task_is_set_aside_the_problems_say_why_nothing_was_built(tmp_path):
    export, problems = tmp_path / "export.json", tmp_path / "problems.jsonl"
    export.write_text('[{"id": 7, "data": {}}, {"id": 8, "data": {"doc_id": "d"}}]', encoding="utf-8")
    result = runner.invoke(app, ["build", str(export), str(tmp_path / "out"), "--skip-invalid",
                                 "--problems", str(problems)], env={"COLUMNS": "500"})
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and "2 tasks failed validation" in output
    assert "no documents to build a dataset from" in output and not (tmp_path / "out").exists()
    assert len(problems.read_text(encoding="utf-8").splitlines()) == 2
