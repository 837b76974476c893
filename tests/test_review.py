"""Which annotation of a document is primary (issue #19): a reviewer's mark (the "Final" tick in the
labeling page, or the ground-truth star) decides; without one, the most complete annotation, never
simply the latest. The dataset and the report take the same one; ``annotate review`` lists and
marks it, against a real Label Studio."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fixtures_labelstudio import gold_annotation, tricky_document, with_doc_id
from typer.testing import CliRunner

from annotate.cli import app
from annotate.dataset import build_dataset
from annotate.labelstudio.review import FINAL_CHOICE, REVIEW_CONTROL
from annotate.records import AnnotatedDocument, DocumentAnnotation, Span
from annotate.references import post_edits_by_segment
from annotate.scoring.evaluate import evaluate
from annotate.scoring.summary import evaluation_to_dict

runner = CliRunner()


def _characters(doc: AnnotatedDocument, n: int) -> list[Span]:
    """``n`` one-character entity spans on letters of the text (valid offsets, whatever they mean)."""
    starts = [i for i, c in enumerate(doc.text) if c.isalpha()][:n]
    assert len(starts) == n
    return [Span(i, i + 1, "MISC", doc.text[i]) for i in starts]


def sparse_and_rich(doc_id: str = "doc-review") -> AnnotatedDocument:
    """A 67-entity annotation, and a 13-entity one updated a day later (the case seen in #19)."""
    doc = with_doc_id(tricky_document(), doc_id)
    rich = replace(gold_annotation(doc, "annotator-0000rich"), entities=_characters(doc, 67), task_id=1,
                   annotation_id=10, updated_at="2026-11-01T10:00:00Z")
    sparse = replace(gold_annotation(doc, "annotator-000spars"), entities=_characters(doc, 13), task_id=1,
                     annotation_id=11, updated_at="2026-11-02T10:00:00Z",
                     post_edits=[replace(p, text=p.text + " (sparse)") for p in rich.post_edits])
    doc.annotations = [rich, sparse]
    return doc


def _primary(doc: AnnotatedDocument) -> DocumentAnnotation:
    annotation = doc.primary_annotation()
    assert annotation is not None
    return annotation


def test_without_a_reviewer_the_most_complete_annotation_is_primary_not_the_latest():
    doc = sparse_and_rich()
    choice = doc.primary_choice()
    assert choice.annotation.annotator == "annotator-0000rich" and len(choice.annotation.entities) == 67
    assert choice.state == "unreviewed" and choice.needs_review and choice.candidates == 2
    # equally complete: the latest update breaks the tie
    tie = replace(doc, annotations=[replace(a, entities=_characters(doc, 20)) for a in doc.annotations])
    assert _primary(tie).annotator == "annotator-000spars"


@pytest.mark.parametrize("mark", [{"marked_final": True}, {"ground_truth": True}])
def test_a_reviewers_mark_outranks_completeness(mark):
    doc = sparse_and_rich()
    doc.annotations = [replace(a, **mark) if a.annotator == "annotator-000spars" else a for a in doc.annotations]
    choice = doc.primary_choice()
    assert choice.annotation.annotator == "annotator-000spars" and choice.state == "reviewed"
    assert not choice.needs_review and choice.annotation.adjudicated
    assert choice.annotation.review_mark == ("final tick" if "marked_final" in mark else "ground-truth star")
    # the references follow the same ranking: the reviewer's choice's post-edit first
    assert [e.annotator for e in post_edits_by_segment(doc)[3]] == ["annotator-000spars", "annotator-0000rich"]


def test_two_marks_are_conflicting_and_the_policy_chooses_among_them():
    doc = sparse_and_rich()
    doc.annotations = [replace(doc.annotations[0], ground_truth=True), replace(doc.annotations[1], marked_final=True)]
    choice = doc.primary_choice()
    assert choice.state == "conflicting" and choice.needs_review
    assert choice.annotation.annotator == "annotator-0000rich"  # the more complete of the two marked


def test_one_annotation_needs_no_review_and_none_has_no_primary():
    doc = sparse_and_rich()
    assert replace(doc, annotations=doc.annotations[:1]).primary_choice().state == "single"
    drafts = replace(doc, annotations=[replace(a, status="draft") for a in doc.annotations])
    assert drafts.primary_choice().state == "unannotated" and drafts.primary_annotation() is None


@pytest.mark.parametrize("reviewed", [False, True])
def test_the_dataset_and_the_report_take_the_same_primary_annotation(tmp_path, reviewed):
    docs = [sparse_and_rich("doc-one"), sparse_and_rich("doc-two")]
    if reviewed:  # a reviewer keeps the sparse one of doc-two
        docs[1].annotations = [replace(a, marked_final=a.annotator == "annotator-000spars") for a in docs[1].annotations]
    report = build_dataset(docs, tmp_path / "ds", name="review", score_cache=False)
    rows = [row for path in report.files["documents"].values() for row in pq.read_table(path).to_pylist()]
    dataset = {row["doc_id"]: (row["annotator"], row["reviewed_final"], len(row["entities"])) for row in rows}
    evaluation = evaluate(docs, tests=(), bootstrap_samples=100)
    scores = evaluation_to_dict(evaluation)["primary_annotations"]
    assert {doc_id: p["annotator"] for doc_id, p in scores.items()} == {d: a for d, (a, _, _) in dataset.items()}
    expected_two = ("annotator-000spars", True, 13) if reviewed else ("annotator-0000rich", False, 67)
    assert dataset == {"doc-one": ("annotator-0000rich", False, 67), "doc-two": expected_two}
    # the build says which documents no reviewer settled, and the card states the policy
    assert report.unreviewed == (["doc-one"] if reviewed else ["doc-one", "doc-two"])
    card = report.readme.read_text(encoding="utf-8")
    assert "the most complete one (most entities, claims, MQM errors and post-edits)" in " ".join(card.split())
    assert f"Unreviewed: {len(report.unreviewed)} document" in card
    # the report's first reference is the dataset's reference
    segments = [row for path in report.files["segments"].values() for row in pq.read_table(path).to_pylist()]
    references = {(r["doc_id"], r["seg_id"]): r["reference"] for r in segments if r["reference"] is not None}
    assert dict(zip(evaluation.segment_keys, evaluation.references[0])) == references


def test_the_report_states_the_policy_and_lists_the_unreviewed(tmp_path):
    from annotate.report import build_report

    docs = [sparse_and_rich("doc-one"), sparse_and_rich("doc-two")]
    docs[1].annotations = [replace(a, ground_truth=a.annotator == "annotator-000spars") for a in docs[1].annotations]
    paths = build_report(docs, out_dir=tmp_path / "report", title="review", tests=(), bootstrap_samples=100)
    markdown = paths.markdown.read_text(encoding="utf-8")
    assert "A reviewer chose it on 1 of 2 documents. Unreviewed (1, the policy chose): `doc-one`." in markdown
    assert "starred in Label Studio" not in markdown and "Against the reviewer's choice" in markdown
    html = paths.html.read_text(encoding="utf-8")
    assert "Unreviewed (1, the policy chose): <code>doc-one</code>" in html


def _export_with_marks(tmp_path: Path) -> Path:
    """The recorded export, its doubly-annotated task with "Final" ticked in the second annotation."""
    recorded = Path(__file__).parent / "data" / "labelstudio" / "export.json"
    data = json.loads(recorded.read_text(encoding="utf-8"))
    gold = next(task for task in data if task["data"]["doc_id"] == "ui-gold")
    gold["annotations"][1]["result"].append({"id": "fin1", "from_name": REVIEW_CONTROL, "to_name": "source",
                                             "type": "choices", "value": {"choices": [FINAL_CHOICE]}})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_review_lists_the_documents_with_several_annotations_and_the_final_one(tmp_path):
    export = _export_with_marks(tmp_path)
    result = runner.invoke(app, ["review", "--export", str(export), "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()  # only ui-gold has two annotations
    listed = json.loads(line)
    assert listed["doc_id"] == "ui-gold" and listed["state"] == "reviewed"
    assert listed["primary"] == listed["annotations"][0]["annotation_id"]
    assert [a["marked_final"] for a in listed["annotations"]] == [True, False]
    table = runner.invoke(app, ["review", "--export", str(export)], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "final tick" in table.stdout and "1 reviewed, 0 unreviewed" in table.stdout
    every = runner.invoke(app, ["review", "--export", str(export), "--all", "--json"])
    assert len(every.stdout.splitlines()) > 1


@pytest.mark.parametrize("args, message", [
    (["--final", "3"], "--final needs the document"),
    (["ui-gold", "--final", "3", "--export", "x.json"], "leave out --export"),
    (["no-such-doc", "--export", "{export}"], "no document 'no-such-doc'"),
    (["[red]x[/red]", "--export", "{export}"], "no document '[red]x[/red]'"),  # user data is never markup
])
def test_review_errors_are_clear(tmp_path, args, message):
    export = _export_with_marks(tmp_path)
    result = runner.invoke(app, ["review", *(a.replace("{export}", str(export)) for a in args)])
    assert result.exit_code != 0 and message in result.output.replace("\n", " ")


@pytest.mark.server
def test_review_marks_the_final_annotation_through_the_api(ls_server, project_title, tmp_path, monkeypatch):
    from annotate.labelstudio import pull, push_documents
    from annotate.labelstudio.adjudicate import ReviewError, mark_final

    doc = sparse_and_rich("doc-review-api")
    doc.annotations = [replace(a, task_id=None, annotation_id=None, ground_truth=a.annotator == "annotator-0000rich")
                       for a in doc.annotations]
    push_documents(ls_server, [doc], project_title, with_predictions=False)
    (pulled,) = pull(ls_server, project_title, tmp_path / "before.json").documents
    ids = {a.annotator: a.annotation_id for a in pulled.annotations}
    assert _primary(pulled).annotator == "annotator-0000rich"  # starred (imported gold)

    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    result = runner.invoke(app, ["review", doc.doc_id, "--final", str(ids["annotator-000spars"]),
                                 "--project", project_title])
    assert result.exit_code == 0, result.output
    assert "ticked “Final”" in result.output and "ground-truth star removed" in result.output
    (after,) = pull(ls_server, project_title, tmp_path / "after.json").documents
    choice = after.primary_choice()
    assert (choice.annotation.annotator, choice.state) == ("annotator-000spars", "reviewed")
    assert choice.annotation.marked_final and len(choice.annotation.entities) == 13
    # our PATCH is no rating: a system the annotation never rated (imported gold rates apertium only) stays unrated
    kept = next(a for a in pulled.annotations if a.annotator == "annotator-000spars")
    assert {r.system for r in choice.annotation.ratings} == {r.system for r in kept.ratings} == {"apertium"}
    assert not any(a.ground_truth for a in after.annotations)  # one mark: nothing competes with it
    listed = runner.invoke(app, ["review", "--project", project_title, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(d["doc_id"], d["state"], d["primary"]) for d in map(json.loads, listed.stdout.splitlines())] == [
        (doc.doc_id, "reviewed", ids["annotator-000spars"])]
    again = mark_final(ls_server, project_title, doc.doc_id, ids["annotator-000spars"])
    assert again.changes == []  # already so

    with pytest.raises(ReviewError, match=r"annotation 999999 is not an annotation of the document .*its annotations: "
                                          rf"{ids['annotator-0000rich']} \(submitted\)"):
        mark_final(ls_server, project_title, doc.doc_id, 999999)
    with pytest.raises(ReviewError, match="no task of project"):
        mark_final(ls_server, project_title, "no-such-doc", 1)
    with pytest.raises(ReviewError, match="no project titled"):
        mark_final(ls_server, "no such project here", doc.doc_id, 1)


def test_build_warns_which_documents_no_reviewer_settled(tmp_path):
    docs = [sparse_and_rich("doc-one"), sparse_and_rich("doc-two")]
    docs[1].annotations = [replace(a, marked_final=a.annotator == "annotator-0000rich") for a in docs[1].annotations]
    records = tmp_path / "docs.jsonl"
    records.write_text("".join(doc.to_json() + "\n" for doc in docs), encoding="utf-8")
    result = runner.invoke(app, ["build", str(records), str(tmp_path / "ds"), "--no-score-cache"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "unreviewed: 1 document with several annotations and no reviewer's choice" in result.output
    assert "annotate review" in result.output and "doc-one" in result.output.split("unreviewed:", 1)[1]
