"""Comparing any systems end to end: imported outputs and references through a REAL Label Studio
(push, pull), partly rated and partly covering systems through score, report and build."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures_labelstudio import gold_annotation, tricky_document, with_doc_id
from typer.testing import CliRunner

from annotate.labelstudio import load_export, parse_export, pull, push_documents
from annotate.records import AnnotatedDocument, SegmentRating, Translation
from annotate.scoring.evaluate import evaluate
from annotate.scoring.summary import caveats

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_ad44c9bdf5348be7.txt"
needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
FAST = {"tests": ("bs",), "bootstrap_samples": 100}


@needs_apertium
@pytest.mark.server
def test_push_dir_with_an_imported_system_and_reference_round_trips(ls_server, project_title, tmp_path, monkeypatch):
    from annotate.cli import app

    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    runner = CliRunner()
    segmented = runner.invoke(app, ["segment", str(folder), "--jsonl"])
    assert segmented.exit_code == 0, segmented.output
    segments = [json.loads(line) for line in segmented.stdout.splitlines() if line.startswith("{")]
    # "any system": its outputs keyed by doc_id + seg_id, as `annotate segment --jsonl` prints them
    system_file = tmp_path / "my-llm.jsonl"
    system_file.write_text("".join(json.dumps({**s, "text": f"LLM [{s['seg_id']}]: {s['text']}"}) + "\n"
                                   for s in segments), encoding="utf-8")
    reference_file = tmp_path / "human.txt"
    reference_file.write_text("".join(f"Human reference {s['seg_id']}.\n" for s in segments), encoding="utf-8")
    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    pushed = runner.invoke(app, ["push", str(folder), "--project", project_title, "--no-predictions",
                                 "--import", f"my-llm={system_file}", "--reference-file", f"human={reference_file}"])
    assert pushed.exit_code == 0, pushed.output
    out = tmp_path / "export.json"
    pulled = pull(ls_server, project_title, out=out)
    (doc,) = pulled.documents
    systems = {t.system for t in doc.translations if t.role == "mt"}
    assert systems == {"apertium", "apertium-via-cat", "apertium-via-glg", "my-llm"}  # a column each
    references = sorted((t.seg_id, t.mt) for t in doc.translations if t.role == "reference")
    assert references == [(s["seg_id"], f"Human reference {s['seg_id']}.") for s in segments]
    llm = next(t for t in doc.translations if t.system == "my-llm")
    assert llm.system_version.startswith("imported sha256:")
    # the imported reference is THE reference of every score, and says so
    scored = runner.invoke(app, ["score", str(out), "--json", "--tests", "bs"])
    assert scored.exit_code == 0, scored.output
    table = json.loads(scored.stdout)
    assert table["reference"] == "human"
    assert {name for name, row in table["systems"].items() if not row["is_reference"]} == systems
    assert table["systems"]["human"]["is_reference"] and table["reference_streams"] == 1
    # a re-push with the same files changes nothing; a file short of a line is refused, nothing pushed
    again = runner.invoke(app, ["push", str(folder), "--project", project_title, "--no-predictions",
                                "--import", f"my-llm={system_file}", "--reference-file", f"human={reference_file}"])
    assert again.exit_code == 0 and "0 created" in again.output, again.output
    reference_file.write_text("only one line\n", encoding="utf-8")
    refused = runner.invoke(app, ["push", str(folder), "--project", project_title, "--no-predictions",
                                  "--reference-file", f"human={reference_file}"])
    assert refused.exit_code == 2
    assert f"{reference_file}: 1 lines, expected {len(segments)}" in " ".join(refused.output.split())


@pytest.mark.server
def test_an_annotation_rating_some_columns_leaves_the_others_unrated(ls_server, project_title, tmp_path):
    """The team's gold rates two of the demo's three systems: the third must stay unrated, not
    "no error" (which would rank it first with MQM 0)."""
    doc = tricky_document(systems=("argos", "apertium"))
    annotation = gold_annotation(doc)
    assert {r.system for r in annotation.ratings} == {"apertium"}  # rates one of the columns
    extra = [replace(t, system="third", mt=t.mt + " (third)") for t in doc.translations if t.system == "apertium"]
    doc.translations += extra
    doc.annotations = [annotation]
    push_documents(ls_server, [doc], project_title, with_predictions=False)
    pulled = pull(ls_server, project_title, tmp_path / "export.json")
    (parsed,) = pulled.documents
    (parsed_annotation,) = parsed.annotations
    assert {r.system for r in parsed_annotation.ratings} == {"apertium"}
    evaluation = evaluate(pulled.documents, **FAST)
    assert evaluation.row("apertium").mqm is not None and evaluation.row("apertium").rank == 1
    assert evaluation.row("third").mqm is None and evaluation.row("argos").mqm is None
    # a second push leaves the task as it is (the marks are kept)
    again = push_documents(ls_server, [doc], project_title, with_predictions=False)
    assert again.unchanged == [doc.doc_id]


def _partial_documents() -> list[AnnotatedDocument]:
    """Two documents; system "partial" translated only the first one."""
    base = tricky_document(systems=("argos", "apertium"))
    docs = [with_doc_id(base, "doc-a"), with_doc_id(base, "doc-b")]
    for doc in docs:
        doc.annotations = [gold_annotation(doc)]
    first = docs[0]
    first.translations += [replace(t, system="partial", system_version="imported sha256:0123456789ab")
                           for t in first.translations if t.system == "apertium"]
    first.annotations[0].ratings += [SegmentRating(system="partial", doc_id=first.doc_id, seg_id=t.seg_id,
                                                   rater=first.annotations[0].annotator, source=t.source,
                                                   target=t.mt) for t in first.translations if t.system == "partial"]
    return docs


def test_a_partial_system_is_compared_on_common_segments_and_never_ranked_on_its_own_few():
    docs = _partial_documents()
    total = sum(len(d.segments) for d in docs)
    evaluation = evaluate(docs, **FAST)
    assert evaluation.total_segments == total
    assert evaluation.coverage["partial"] == len(docs[0].segments) < total
    post_edited = [("doc-a", p.seg_id) for p in docs[0].annotations[0].post_edits]
    assert evaluation.segment_keys == post_edited  # every system has these (and a reference)
    notes = caveats(evaluation)
    assert any(f"partial translated {len(docs[0].segments)} of {total}" in note for note in notes)
    assert any("small sample" in note for note in notes)
    # ranked on the segments every rated system has: equal MQM there as apertium (same output,
    # no errors rated) so it does not outrank apertium on a mean of its own few segments
    partial, apertium = evaluation.row("partial"), evaluation.row("apertium")
    assert partial.mqm == 0.0 and apertium.mqm is not None and apertium.mqm > 0
    common_apertium = [s.score for s in evaluation.mqm.segments if s.system == "apertium" and s.doc_id == "doc-a"]
    assert (sum(common_apertium) / len(common_apertium) > 0) == (partial.rank < apertium.rank)


def test_a_partial_system_builds_a_dataset(tmp_path):
    import datasets

    from annotate.dataset import build_dataset

    docs = _partial_documents()
    build_dataset(docs, tmp_path / "ds", name="partial", score_cache=False, split="test")
    rows = datasets.load_dataset(str(tmp_path / "ds"), "segments", split="test")
    by_system = {}
    for row in rows:
        by_system.setdefault(row["system"], set()).add(row["doc_id"])
    assert by_system == {"argos": {"doc-a", "doc-b"}, "apertium": {"doc-a", "doc-b"}, "partial": {"doc-a"}}


def test_imported_references_are_the_default_reference_of_report_and_dataset(tmp_path):
    import datasets

    from annotate.dataset import build_dataset

    base = tricky_document(systems=("argos", "apertium"))
    doc = with_doc_id(base, "doc-r")
    doc.translations += [Translation(doc_id=doc.doc_id, seg_id=s.seg_id, system="human", system_version="v",
                                     source=s.text, mt=f"Reference {s.seg_id}.", role="reference")
                         for s in doc.segments]
    evaluation = evaluate([doc], **FAST)
    assert evaluation.reference == "human" and evaluation.references[0][0] == "Reference 1."
    assert {r.system for r in evaluation.systems if not r.is_reference} == {"argos", "apertium"}
    build_dataset([doc], tmp_path / "ds", name="refs", score_cache=False, split="test")
    rows = datasets.load_dataset(str(tmp_path / "ds"), "segments", split="test")
    assert {row["system"] for row in rows} == {"argos", "apertium"}  # no row for the reference itself
    assert {row["reference"] for row in rows if row["seg_id"] == 1} == {"Reference 1."}
    assert {row["reference_name"] for row in rows} == {"human"}
    # two imported references: the report and the dataset both score against both streams
    second = replace(doc, translations=doc.translations + [
        replace(t, system="human-b", mt=t.mt + " B") for t in doc.translations if t.system == "human"])
    both = evaluate([second], **FAST)
    assert both.n_reference_streams == 2 and both.reference == "human+human-b"
    build_dataset([second], tmp_path / "ds2", name="refs2", score_cache=False, split="test")
    rows = datasets.load_dataset(str(tmp_path / "ds2"), "segments", split="test")
    systems = datasets.load_dataset(str(tmp_path / "ds2"), "systems", split="test")
    assert {row["reference_name"] for row in rows} == {"human+human-b"}
    assert all("nrefs:2" in row["signatures"]["bleu"] for row in systems)
    # the dataset's corpus scores are the report's (same segments, same two streams)
    for row in systems:
        for metric, column in (("BLEU", "bleu"), ("chrF2++", "chrf"), ("TER", "ter")):
            assert row[column] == pytest.approx(both.row(row["system"]).metrics[metric].score, abs=1e-9)
    one = evaluate([second], reference="human-b", **FAST)
    build_dataset([second], tmp_path / "ds3", name="refs3", score_cache=False, split="test", reference_system="human-b")
    systems = datasets.load_dataset(str(tmp_path / "ds3"), "systems", split="test")
    for row in systems:
        assert row["reference_name"] == "human-b" and "nrefs:1" in row["signatures"]["bleu"]
        assert row["chrf"] == pytest.approx(one.row(row["system"]).metrics["chrF2++"].score, abs=1e-9)


# ── a WMT-style test set through report, build and push ───────────────────────────────────────


@pytest.fixture
def wmt_testset(tmp_path: Path) -> Path:
    from test_testset import EN_DE, EN_DE_DOCS, write_pair

    root = tmp_path / "wmt-txt"
    write_pair(root, "en-de", EN_DE, EN_DE_DOCS)
    return root


def test_testset_report_and_dataset_agree_with_score(wmt_testset, tmp_path):
    import datasets

    from annotate.cli import app

    runner = CliRunner()
    scored = runner.invoke(app, ["score", "--testset", str(wmt_testset), "--json"])
    assert scored.exit_code == 0, scored.output
    corpus = json.loads(scored.stdout)["systems"]
    report = runner.invoke(app, ["report", "--testset", str(wmt_testset), "-o", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "reference: refA+refB (2 reference streams)" in markdown
    assert "## Per domain" in markdown and "Ranked by chrF++ (no human MQM yet)" in markdown
    assert "**Small sample:** the paired tests compare 30 segments (automatic metrics)" in markdown
    scores = json.loads((tmp_path / "report" / "scores.json").read_text(encoding="utf-8"))
    for system, metrics in corpus.items():
        assert scores["systems"][system]["metrics"]["BLEU"]["score"] == pytest.approx(metrics["BLEU"], abs=1e-9)
    built = runner.invoke(app, ["build", "--testset", str(wmt_testset), str(tmp_path / "ds"), "--split", "test"])
    assert built.exit_code == 0, built.output
    systems = datasets.load_dataset(str(tmp_path / "ds"), "systems", split="test")
    # refB is shipped as a system too: being a reference here, it has rows but no scores (as `score`)
    assert sorted(systems["system"]) == sorted([*corpus, "refB"])
    for row in systems:
        assert row["reference_name"] == "refA+refB"
        if row["system"] == "refB":
            assert row["bleu"] is None and row["n_scored"] == 0
            continue
        assert row["chrf"] == pytest.approx(corpus[row["system"]]["chrF2++"], abs=1e-9)
        assert row["ter"] == pytest.approx(corpus[row["system"]]["TER"], abs=1e-9)


@pytest.mark.server
def test_push_testset_puts_every_document_into_label_studio(wmt_testset, ls_server, project_title, monkeypatch,
                                                            tmp_path):
    from annotate.cli import app
    from annotate.testset import read_testset, testset_documents

    expected = testset_documents(read_testset(wmt_testset, "en-de"))
    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    pushed = CliRunner().invoke(app, ["push", "--testset", str(wmt_testset), "--languages", "en-de",
                                      "--project", project_title, "--no-predictions"])
    assert pushed.exit_code == 0, pushed.output
    pulled = pull(ls_server, project_title, tmp_path / "export.json")
    assert sorted(d.doc_id for d in pulled.documents) == sorted(d.doc_id for d in expected)
    # every task recorded the test set's pair: pulled back without --languages
    assert {(d.source_language, d.target_language) for d in pulled.documents} == {("en", "de")}
    doc = next(d for d in pulled.documents if d.doc_id == expected[0].doc_id)
    assert {t.system for t in doc.translations if t.role == "mt"} == {"online-A", "online-B", "refB"}
    assert {t.system for t in doc.translations if t.role == "reference"} == {"refA", "refB"}
    assert [s.text for s in doc.segments] == [s.text for s in expected[0].segments]


def test_system_names_are_never_cut_short_in_a_narrow_table():
    """The demo's table showed "apertium-v…" twice (apertium-via-cat and apertium-via-glg): a name
    folds onto a second line instead, whole."""
    from rich.console import Console

    from annotate.scoring.summary import evaluation_table

    gold = Path(__file__).parent.parent / "seeds" / "gold_export.json"
    evaluation = evaluate(parse_export(load_export(gold)), tests=("bs",), bootstrap_samples=50)
    console = Console(width=70, record=True, color_system=None)
    console.print(evaluation_table(evaluation, title="Systems"))
    text = console.export_text()
    assert "…" not in text
    column = [line.split("│")[2].strip() for line in text.splitlines() if line.startswith("│")]
    assert "apertium-via-cat" in "".join(column)
