"""Push and pull against a real Label Studio: idempotence, updates, annotated tasks left alone,
gold annotations round trip (emoji, ZWJ, flags, «», \\r\\n), a server killed mid-push."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import replace

import pytest
from fixtures_labelstudio import gold_annotation, gold_with_source_omissions, tricky_document, with_doc_id
from typer.testing import CliRunner

from annotate.labelstudio import PushInterrupted, pull, push_documents
from annotate.labelstudio import client as api
from annotate.labelstudio.snapshot import export_snapshot
from annotate.labelstudio.server import ensure_server
from annotate.labelstudio.tasks import annotation_json

pytestmark = pytest.mark.server


def _docs(n: int, prefix: str = "doc") -> list:
    base = tricky_document()
    return [with_doc_id(base, f"{prefix}-{i:03d}") for i in range(n)]


def _tasks(conn, report) -> dict[str, list]:
    return api.list_tasks(api.open_client(conn), conn, report.project_id)


def test_push_is_idempotent(ls_server, project_title):
    docs = _docs(3)
    first = push_documents(ls_server, docs, project_title, with_predictions=False)
    assert sorted(first.created) == [d.doc_id for d in docs] and not first.updated
    second = push_documents(ls_server, docs, project_title, with_predictions=False)
    assert second.project_id == first.project_id
    assert sorted(second.unchanged) == [d.doc_id for d in docs] and not second.created
    tasks = _tasks(ls_server, first)
    assert {doc_id: len(found) for doc_id, found in tasks.items()} == {d.doc_id: 1 for d in docs}
    assert second.task_ids == first.task_ids


def test_changed_document_is_patched_in_place(ls_server, project_title):
    docs = _docs(2)
    first = push_documents(ls_server, docs, project_title, with_predictions=False)
    changed = replace(docs[1], translations=[replace(t, mt=t.mt + " (v2)") for t in docs[1].translations])
    second = push_documents(ls_server, [docs[0], changed], project_title, with_predictions=False)
    assert second.updated == [changed.doc_id] and second.unchanged == [docs[0].doc_id]
    (task,) = _tasks(ls_server, first)[changed.doc_id]
    assert task.id == first.task_ids[changed.doc_id]
    assert task.data["segments"][0]["systems"]["argos"]["text"].endswith("(v2)")


def test_an_annotation_the_task_list_does_not_count_yet_is_not_overwritten(ls_server, project_title, monkeypatch):
    """Label Studio's task-list counters can lag an annotation submitted a moment ago (seen on a
    fresh 2-core machine: three pushes took annotated tasks for untouched ones). The push reads
    the tasks it would change from the tasks themselves."""
    doc, fresh = _docs(2, "lag")
    report = push_documents(ls_server, [doc, fresh], project_title, with_predictions=False)
    ls = api.open_client(ls_server)
    data = _tasks(ls_server, report)[doc.doc_id][0].data
    annotation = annotation_json(data, gold_annotation(doc), salt="ui")
    ls.annotations.create(id=report.task_ids[doc.doc_id], result=annotation["result"], was_cancelled=False,
                          ground_truth=False)
    listed = api.list_tasks

    def lagging(*args, **kwargs):  # the counters as a busy server may still give them
        return {doc_id: [replace(task, annotations=0) for task in tasks]
                for doc_id, tasks in listed(*args, **kwargs).items()}

    monkeypatch.setattr(api, "list_tasks", lagging)
    changed = [replace(d, title=d.title + " (corrected)") for d in (doc, fresh)]
    again = push_documents(ls_server, changed, project_title, with_predictions=False)
    assert again.skipped_annotated == {doc.doc_id: report.task_ids[doc.doc_id]} and again.updated == [fresh.doc_id]
    monkeypatch.undo()
    titles = {doc_id: tasks[0].data["title"] for doc_id, tasks in _tasks(ls_server, report).items()}
    assert titles == {doc.doc_id: doc.title, fresh.doc_id: fresh.title + " (corrected)"}


def test_annotated_tasks_are_never_overwritten_silently(ls_server, project_title):
    doc = _docs(1)[0]
    report = push_documents(ls_server, [doc], project_title, with_predictions=False)
    task_id = report.task_ids[doc.doc_id]
    ls = api.open_client(ls_server)
    data = _tasks(ls_server, report)[doc.doc_id][0].data
    annotation = annotation_json(data, gold_annotation(doc), salt="ui")
    ls.annotations.create(id=task_id, result=annotation["result"], was_cancelled=False, ground_truth=False)

    changed = replace(doc, title=doc.title + " (corrected)")
    skipped = push_documents(ls_server, [changed], project_title, with_predictions=False)
    assert skipped.skipped_annotated == {doc.doc_id: task_id} and not skipped.updated
    assert _tasks(ls_server, report)[doc.doc_id][0].data["title"] == doc.title  # untouched
    assert "SKIPPED" in skipped.summary()

    forced = push_documents(ls_server, [changed], project_title, with_predictions=False, overwrite_annotated=True)
    assert forced.updated == [doc.doc_id]
    (task,) = _tasks(ls_server, report)[doc.doc_id]
    assert task.data["title"] == changed.title and task.annotations == 1  # annotation kept


def test_tasks_with_a_draft_in_progress_are_never_overwritten(ls_server, project_title):
    """A saved, unsubmitted draft counts as work: no total_annotations, yet push must not move the
    text under it (it looks drafts up through the export endpoint, which lists every user's)."""
    docs = _docs(2)
    report = push_documents(ls_server, docs, project_title, with_predictions=False)
    drafted_id = report.task_ids[docs[0].doc_id]
    ls = api.open_client(ls_server)
    data = _tasks(ls_server, report)[docs[0].doc_id][0].data
    result = annotation_json(data, gold_annotation(docs[0]), salt="draft")["result"][:1]
    api._raw(ls, ls_server, "saving a draft", "POST", f"/api/tasks/{drafted_id}/drafts",
             content=json.dumps({"result": result, "lead_time": 3.5}).encode())

    changed = [replace(doc, title=doc.title + " (corrected)") for doc in docs]
    second = push_documents(ls_server, changed, project_title, with_predictions=False)
    assert second.skipped_drafts == {docs[0].doc_id: drafted_id} and second.updated == [docs[1].doc_id]
    assert "draft in progress" in second.summary()
    tasks = _tasks(ls_server, report)
    assert tasks[docs[0].doc_id][0].data["title"] == docs[0].title  # untouched
    assert tasks[docs[1].doc_id][0].data["title"] == changed[1].title


def test_annotation_created_through_the_api_pulls_back_identically(ls_server, project_title, tmp_path):
    """An annotation stored exactly as the UI stores it (result items, per-region choices sharing
    the region id, textarea post-edits) parses back into the same records."""
    doc = _docs(1)[0]
    report = push_documents(ls_server, [doc], project_title, with_predictions=False)
    data = _tasks(ls_server, report)[doc.doc_id][0].data
    gold, omissions = gold_with_source_omissions(doc)  # and omissions marked in the source
    ls = api.open_client(ls_server)
    ls.annotations.create(id=report.task_ids[doc.doc_id], result=annotation_json(data, gold, salt="x")["result"],
                          was_cancelled=False, ground_truth=False)
    result = pull(ls_server, project_title, tmp_path / "export.json")
    (parsed,) = result.documents
    (annotation,) = parsed.annotations
    assert annotation.status == "completed" and annotation.annotator.startswith("annotator-")
    assert annotation.entities == sorted(gold.entities, key=lambda s: (s.start, s.end))
    assert annotation.claims == gold.claims and annotation.post_edits == gold.post_edits
    def errors(ratings):
        return sorted(((r.system, r.seg_id, e) for r in ratings for e in r.errors),
                      key=lambda t: (t[0], t[1], t[2].side, t[2].start))

    assert errors(annotation.ratings) == errors(gold.ratings)
    assert sum(e.side == "source" for _, _, e in errors(annotation.ratings)) == len(omissions) == 2


def test_gold_annotations_and_predictions_round_trip(ls_server, project_title, tmp_path):
    doc = _docs(1)[0]
    gold = [replace(gold_annotation(doc, "annotator-0000beef"), ground_truth=True),
            replace(gold_annotation(doc, "annotator-1111cafe"), entities=[], post_edits=[]),
            replace(gold_annotation(doc, "annotator-2222f00d", status="cancelled"), entities=[], claims=[],
                    ratings=[], post_edits=[])]
    doc.annotations = gold
    report = push_documents(ls_server, [doc], project_title, with_predictions=True)
    assert report.created == [doc.doc_id] and report.model_version.startswith("annotate-suggest ")

    out = tmp_path / "export.json"
    result = pull(ls_server, project_title, out)
    raw = out.read_text(encoding="utf-8")
    assert "@" not in raw.replace("@annotate.invalid", "")  # no e-mail left in the hand-off file
    (parsed,) = result.documents
    assert parsed.text == doc.text and parsed.segments == doc.segments
    by_annotator = {a.annotator: a for a in parsed.annotations}
    assert sorted(by_annotator) == ["annotator-0000beef", "annotator-1111cafe", "annotator-2222f00d"]
    assert by_annotator["annotator-2222f00d"].status == "cancelled"
    first = by_annotator["annotator-0000beef"]
    assert first.entities == sorted(gold[0].entities, key=lambda s: (s.start, s.end))
    assert [e.text for r in first.ratings for e in r.errors] == ["The", "the Tuesday"]
    assert by_annotator["annotator-1111cafe"].entities == []  # annotators kept apart
    assert [a.annotator for a in parsed.annotations if a.ground_truth] == ["annotator-0000beef"]  # the star

    (task,) = json.loads(raw)
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == report.model_version
    for item in prediction["result"]:  # suggestions sit on the text they claim
        field = "source_numbered" if item["to_name"] == "source" else item["to_name"]
        value = item["value"]
        if item["type"] == "textarea":  # an error's note: its text is the note, not the span's
            assert value["text"][0].endswith("(automatic suggestion)")
        else:
            assert task["data"][field][value["start"]:value["end"]] == value["text"]
    assert {i["value"]["labels"][0] for i in prediction["result"] if i["type"] == "labels"} >= {
        "PER", "LOC", "Locale convention/Number format"}  # argos copied "6.700" from the source


def test_withheld_suggestions_are_stored_not_shown_and_come_back(ls_server, project_title, tmp_path):
    """--holdout-percent: the held-out task carries its suggestions in its meta, not as a
    prediction (the labeling UI only loads predictions); the export brings them back as a
    "withheld" prediction, compared in the report with what annotators did from scratch."""
    from annotate.labelstudio.suggestions import is_held_out
    from annotate.scoring.preannotation import FROM_SCRATCH, preannotation_report

    docs = _docs(12, prefix="holdout")
    held = [d.doc_id for d in docs if is_held_out(d.doc_id, 50)]
    assert 2 <= len(held) < len(docs)  # the hash splits these twelve both ways
    gold = docs[[d.doc_id for d in docs].index(held[0])]
    gold.annotations = [gold_annotation(gold, "annotator-0000beef")]
    report = push_documents(ls_server, docs, project_title, with_predictions=True, holdout_percent=50)
    assert sorted(report.withheld) == sorted(held) and "suggestions withheld on" in report.summary()
    again = push_documents(ls_server, docs, project_title, with_predictions=True, holdout_percent=50)
    assert not again.created and not again.withheld  # nothing rewritten, nothing re-chosen

    tasks = {t["data"]["doc_id"]: t for t in json.loads(export_snapshot(
        api.open_client(ls_server), ls_server, report.project_id))}
    for doc_id, task in tasks.items():
        withheld = task["meta"].get("withheld_prediction")
        assert (withheld is not None) == (doc_id in held) == (not task["predictions"])
    ls = api.open_client(ls_server)
    assert ls.projects.get(id=report.project_id).model_version == report.model_version  # what the UI shows

    result = pull(ls_server, project_title, tmp_path / "export.json")
    parsed = {d.doc_id: d for d in result.documents}
    (withheld,) = parsed[gold.doc_id].predictions
    assert (withheld.status, withheld.annotator, withheld.annotation_id) == ("withheld", report.model_version, None)
    assert withheld.entities and all(parsed[gold.doc_id].text[s.start:s.end] == s.text for s in withheld.entities)
    (group,) = preannotation_report(result.documents).groups
    assert (group.situation, group.annotations, group.withheld) == (FROM_SCRATCH, 1, 1)

    # an update keeps a task held out: suggestions rewritten into its meta, still no prediction
    unannotated = docs[[d.doc_id for d in docs].index(held[1])]
    changed = replace(unannotated, title=unannotated.title + " (v2)")
    updated = push_documents(ls_server, [changed], project_title, with_predictions=True, holdout_percent=50)
    assert updated.updated == [changed.doc_id] and updated.withheld == [changed.doc_id]
    (task,) = [t for t in json.loads(export_snapshot(ls, ls_server, report.project_id))
               if t["data"]["doc_id"] == changed.doc_id]
    assert task["predictions"] == [] and task["meta"]["withheld_prediction"]["result"]


def test_duplicate_inputs_are_reported_and_pushed_once(ls_server, project_title):
    doc = _docs(1)[0]
    report = push_documents(ls_server, [doc, doc], project_title, with_predictions=False)
    assert report.created == [doc.doc_id] and report.duplicate_inputs == [doc.doc_id]


def test_a_new_system_is_added_to_the_project(ls_server, project_title):
    only_argos = tricky_document("doc-a", systems=("argos",))
    push_documents(ls_server, [only_argos], project_title, with_predictions=False)
    both = tricky_document("doc-b", systems=("apertium",))
    report = push_documents(ls_server, [both], project_title, with_predictions=False)
    assert report.systems == ["argos", "apertium"]
    project = api.find_project(api.open_client(ls_server), ls_server, project_title)
    assert project.systems == ["argos", "apertium"]


def test_a_new_system_reaches_annotated_tasks_and_every_annotation_survives(ls_server, project_title, tmp_path):
    """Apertium first, annotated; then argos arrives (the README's "install the Argos package and
    rerun"): the annotated task gets argos's column, its annotations (entities, a claim across
    \\r\\n, MQM errors, an omission, post-edits) pull back unchanged; any other change to it is refused."""
    both = tricky_document("doc-grow", systems=("argos", "apertium"))  # apertium: the one with errors
    apertium_only = replace(both, translations=[t for t in both.translations if t.system == "apertium"])
    apertium_only.annotations = [replace(gold_annotation(apertium_only), ground_truth=True)]
    first = push_documents(ls_server, [apertium_only], project_title, with_predictions=False)
    assert first.created == ["doc-grow"] and first.systems == ["apertium"]
    (before,) = pull(ls_server, project_title, tmp_path / "before.json").documents

    second = push_documents(ls_server, [both], project_title, with_predictions=False)
    assert second.extended == ["doc-grow"] and not second.skipped_annotated and not second.updated
    assert second.systems == ["apertium", "argos"] and "annotations kept" in second.summary()
    (after,) = pull(ls_server, project_title, tmp_path / "after.json").documents
    assert sorted({t.system for t in after.translations}) == ["apertium", "argos"]
    assert [t.mt for t in after.translations if t.system == "argos"] == [
        t.mt for t in both.translations if t.system == "argos"]
    (kept,), (was,) = after.annotations, before.annotations
    assert (kept.entities, kept.claims, kept.ratings, kept.post_edits, kept.ground_truth) == (
        was.entities, was.claims, was.ratings, was.post_edits, True)
    assert kept.ratings and kept.claims and kept.post_edits  # there was something to lose
    assert {r.system for r in kept.ratings} == {"apertium"}  # its annotator never saw argos: argos is unrated
    assert push_documents(ls_server, [both], project_title, with_predictions=False).unchanged == ["doc-grow"]

    # the annotator reopens the task (argos now shown) and updates: the submission now rates argos too
    (raw,) = json.loads((tmp_path / "after.json").read_text(encoding="utf-8"))
    (stored,) = raw["annotations"]
    api.open_client(ls_server).annotations.update(id=stored["id"], result=stored["result"])
    (updated,) = pull(ls_server, project_title, tmp_path / "updated.json").documents
    (rated,) = updated.annotations
    assert {r.system for r in rated.ratings} == {"apertium", "argos"}
    assert not [r for r in rated.ratings if r.system == "argos" and r.errors]  # "no error": what was submitted

    # any other change (here the title) is not an addition: still refused
    retitled = replace(both, title=both.title + " (corrected)")
    refused = push_documents(ls_server, [retitled], project_title, with_predictions=False)
    assert refused.skipped_annotated == {"doc-grow": first.task_ids["doc-grow"]} and not refused.extended


def test_server_killed_mid_push_then_rerun_completes(fresh_ls_server, project_title, tmp_path):
    docs = _docs(12, prefix="kill")
    conn = fresh_ls_server

    def kill_after_two_chunks(done: int, total: int) -> None:
        if done == 4:
            os.kill(conn.pid, signal.SIGKILL)

    with pytest.raises(PushInterrupted) as info:
        push_documents(conn, docs, project_title, with_predictions=False, chunk_size=2,
                       progress=kill_after_two_chunks)
    assert len(info.value.report.created) == 4
    assert "Run the push again" in str(info.value)

    state = tmp_path / "state"
    restarted = ensure_server(state=state)  # same data folder, new process
    assert restarted.pid != conn.pid
    report = push_documents(restarted, docs, project_title, with_predictions=False, chunk_size=2)
    assert sorted(report.created + report.unchanged) == sorted(d.doc_id for d in docs)
    assert len(report.unchanged) == 4
    # from the journal the interrupted push left: what it meant to import vs what the server has
    assert report.earlier_interrupted == (4, 12)
    assert any("4 of 12 tasks it meant to import had been committed; this push adds the remaining 8" in note
               for note in report.notes)
    tasks = _tasks(restarted, report)
    assert {doc_id: len(found) for doc_id, found in tasks.items()} == {d.doc_id: 1 for d in docs}


def test_cli_push_and_pull(ls_server, project_title, tmp_path, monkeypatch):
    from annotate.cli import app

    docs_file = tmp_path / "docs.jsonl"
    doc = _docs(1)[0]
    doc.annotations = [gold_annotation(doc)]
    docs_file.write_text(doc.to_json() + "\n", encoding="utf-8")
    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    runner = CliRunner()
    pushed = runner.invoke(app, ["push", "--docs", str(docs_file), "--project", project_title,
                                 "--holdout-percent", "100", "--post-edit-start", "apertium"])
    assert pushed.exit_code == 0, pushed.output
    assert "1 created" in pushed.output and ls_server.token not in pushed.output
    assert "post-edit boxes start with the apertium output" in " ".join(pushed.output.split())
    assert "suggestions withheld on 1 (anchoring control)" in " ".join(pushed.output.split())
    out = tmp_path / "pulled.json"
    pulled = runner.invoke(app, ["pull", "--project", project_title, "--out", str(out), "--jsonl"])
    assert pulled.exit_code == 0, pulled.output
    assert "1 completed" in pulled.output and out.exists()
    assert "tasks annotated 1 of 1" in " ".join(pulled.output.split()) and "annotator-0000beef" in pulled.output
    # the gold's two post-edits differ from the apertium output their boxes started with
    assert "post-edit boxes of the submitted annotations: 2 edited, 0 confirmed unchanged" in " ".join(
        pulled.output.split())
    record = json.loads([line for line in pulled.stdout.splitlines() if line.startswith("{")][0])
    assert record["doc_id"] == doc.doc_id and record["annotations"][0]["annotator"] == "annotator-0000beef"
    assert [p["status"] for p in record["predictions"]] == ["withheld"]
    # the pulled annotations teach the suggester: new articles get what annotators marked twice
    fresh = [with_doc_id(doc, f"{doc.doc_id}-new-{i}") for i in range(2)]
    for new in fresh:
        new.annotations = []
    docs_file.write_text("".join(d.to_json() + "\n" for d in [doc, *fresh]), encoding="utf-8")
    learning = runner.invoke(app, ["push", "--docs", str(docs_file), "--project", project_title,
                                   "--learn-from", str(out)])
    assert learning.exit_code == 0, learning.output
    assert "error memory: 0 phrase(s) to suggest, learned from 1 annotation(s)" in " ".join(learning.output.split())
    refused = runner.invoke(app, ["push", "--docs", str(docs_file), "--project", project_title,
                                  "--learn-from", str(out), "--no-predictions"])
    assert refused.exit_code == 2 and "cannot go with --no-predictions" in refused.output
    missing = runner.invoke(app, ["push", "--docs", str(docs_file), "--project", project_title,
                                  "--learn-from", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.output


def test_cli_push_bad_input_is_a_clear_error(tmp_path):
    from annotate.cli import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "title": "t", "text": "t"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["push", "--docs", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output


def test_pull_lists_every_invalid_annotation_with_a_link_and_loses_nothing(ls_server, project_title, tmp_path,
                                                                          monkeypatch):
    """Label Studio stores whatever a client sends (it checks no span): two broken annotations made
    through the API are both listed, with their task's page, and the saved export keeps them."""
    from annotate.cli import app

    docs = _docs(2, prefix="bad")
    report = push_documents(ls_server, docs, project_title, with_predictions=False)
    ls = api.open_client(ls_server)
    broken_ids = []
    for doc, what in zip(docs, ("span", "severity")):
        result = annotation_json(_tasks(ls_server, report)[doc.doc_id][0].data, gold_annotation(doc), salt="x")["result"]
        if what == "span":
            next(i for i in result if i["from_name"] == "entity")["value"]["text"] += "x"
        else:
            result = [i for i in result if not i["from_name"].startswith("severity_")]
        created = ls.annotations.create(id=report.task_ids[doc.doc_id], result=result, was_cancelled=False,
                                        ground_truth=False)
        broken_ids.append(created.id)
    monkeypatch.setenv("ANNOTATE_LS_URL", ls_server.url)
    monkeypatch.setenv("ANNOTATE_LS_TOKEN", ls_server.token)
    out, problems = tmp_path / "pulled.json", tmp_path / "problems.jsonl"
    runner = CliRunner()
    pulled = runner.invoke(app, ["pull", "--project", project_title, "--out", str(out), "--jsonl",
                                 "--problems", str(problems)], env={"COLUMNS": "500"})
    output = " ".join(pulled.output.split())
    assert pulled.exit_code == 1, pulled.output
    assert "2 annotations failed validation" in output and "has no severity" in output
    assert "does not match the task data" in output and not [line for line in pulled.stdout.splitlines()
                                                            if line.startswith("{")]
    for doc in docs:
        assert ls_server.task_url(report.project_id, report.task_ids[doc.doc_id]) in output
    rows = [json.loads(line) for line in problems.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["annotation_id"] for row in rows) == sorted(broken_ids)
    assert all(row["url"].startswith(ls_server.url) for row in rows) and ls_server.token not in pulled.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(a["id"] for task in saved for a in task["annotations"]) == sorted(broken_ids)
    # --skip-invalid: the same problems as warnings, exit 0, the documents without those annotations
    lenient = runner.invoke(app, ["pull", "--project", project_title, "--out", str(out), "--jsonl", "--skip-invalid"],
                            env={"COLUMNS": "500"})
    assert lenient.exit_code == 0, lenient.output
    records = [json.loads(line) for line in lenient.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["doc_id"] for r in records) == sorted(d.doc_id for d in docs)
    assert all(r["annotations"] == [] for r in records)


def test_overlap_settings_reach_the_label_stream(ls_server, project_title):
    """--overlap: Label Studio's own overlap cohort. A task holding one annotator's work stays open
    (not labelled) while it needs a second annotator, and is done once overlap is back to 1."""
    from annotate.labelstudio.client import Overlap

    docs = _docs(5, prefix="overlap")
    docs[0].annotations = [gold_annotation(docs[0], "annotator-0000beef")]
    report = push_documents(ls_server, docs, project_title, with_predictions=False, overlap=Overlap(2, 40))
    assert "overlap: 2 annotators on 40% of the tasks" in report.summary()
    ls = api.open_client(ls_server)
    project = ls.projects.get(id=report.project_id)
    assert (project.maximum_annotations, project.overlap_cohort_percentage, project.show_overlap_first) == (2, 40, True)
    tasks = {doc.doc_id: ls.tasks.get(id=report.task_ids[doc.doc_id]) for doc in docs}
    assert sorted(task.overlap for task in tasks.values()) == [1, 1, 1, 2, 2]  # int(5 × 40% + 0.5) tasks
    assert tasks[docs[0].doc_id].overlap == 2, "the task already annotated once is the first to need a second"
    assert not tasks[docs[0].doc_id].is_labeled
    again = push_documents(ls_server, docs, project_title, with_predictions=False, overlap=Overlap(1))
    assert again.created == [] and "1 annotator per task" in again.summary()
    task = ls.tasks.get(id=report.task_ids[docs[0].doc_id])
    assert task.overlap == 1 and task.is_labeled


@pytest.mark.parametrize(("annotators", "percent", "message"), [
    (0, 100, "annotators per task must be 1 to 100"), (2, 0, "share of tasks must be 1 to 100 percent")])
def test_overlap_is_checked(annotators, percent, message):
    from annotate.labelstudio.client import Overlap

    with pytest.raises(ValueError, match=message):
        Overlap(annotators, percent)


class _EchoTranslator:
    """A stand-in MT system (the source back): push's exit code is under test, not translation."""

    name, version, is_test_fixture, settings_key = "echo", "echo 1", True, "echo"

    def translate_batch(self, sentences: list[str]) -> list:
        from annotate.translate import TranslationOutput

        return [TranslationOutput(sentence) for sentence in sentences]


SEED = os.path.join(os.path.dirname(__file__), "..", "seeds", "000_ad44c9bdf5348be7.txt")


@pytest.mark.parametrize(
    ("bad_files", "exit_code", "message"),
    [
        ({}, 0, None),
        ({"empty.txt": b""}, 1, "1 input file(s) could not be ingested"),
        ({"binary.txt": b"abc\x00def", "latin1.txt": "Caf\u00e9 ol\u00e9.\n".encode("latin-1")}, 1,
         "2 input file(s) could not be ingested"),
    ],
    ids=["all good", "one empty", "binary and latin-1"],
)
def test_cli_push_dir_exits_1_when_files_were_skipped(bad_files: dict[str, bytes], exit_code: int,
                                                      message: str | None, tmp_path, monkeypatch):
    """The good articles are still pushed; a skipped file makes the exit code 1, as `ingest` does."""
    import annotate.commands.push as commands
    import annotate.labelstudio as labelstudio
    import annotate.pipeline as pipeline
    from annotate.cli import app
    from annotate.labelstudio.push import PushReport

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_bytes(open(SEED, "rb").read())
    for name, data in bad_files.items():
        (folder / name).write_bytes(data)
    pushed: list = []
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(pipeline, "probe_translators", lambda: ([_EchoTranslator()], {}))
    monkeypatch.setattr(commands, "_connect", lambda url, token: None)
    monkeypatch.setattr(labelstudio, "push_documents", lambda conn, docs, project, **_: (
        pushed.extend(docs), PushReport(1, "http://ls/projects/1", ["echo"], created=[d.doc_id for d in docs]))[1])
    result = CliRunner().invoke(app, ["push", str(folder)], env={"COLUMNS": "200"})
    assert result.exit_code == exit_code, result.output
    assert [doc.source_name for doc in pushed] == ["good.txt"] and "1 created" in result.output
    if message:
        assert message in result.output and "not pushed" in result.output


def test_an_error_memory_refreshes_the_suggestions_of_untouched_tasks_only(ls_server, project_title):
    from annotate.error_memory import ErrorMemory

    docs = _docs(3, prefix="memory")
    first = push_documents(ls_server, docs, project_title, with_predictions=True)
    assert sorted(first.created) == sorted(d.doc_id for d in docs)
    started = docs[2]  # an annotator submitted this one: its suggestions are theirs to keep
    ls = api.open_client(ls_server)
    ls.annotations.create(id=first.task_ids[started.doc_id], result=[])
    # two annotated documents both mark "the Tuesday" (and "The"): suggested wherever that system writes them
    learned = [with_doc_id(tricky_document(), f"learned-{i}") for i in range(2)]
    for doc in learned:
        doc.annotations = [gold_annotation(doc)]
    memory = ErrorMemory.learn(learned)
    assert "the Tuesday" in {r.phrase for rs in memory.phrases.values() for r in rs}

    second = push_documents(ls_server, docs, project_title, with_predictions=True, memory=memory)
    assert second.model_version == f"{first.model_version}+{memory.version}"
    assert sorted(second.refreshed) == sorted(d.doc_id for d in docs[:2]) and second.unchanged == [started.doc_id]
    assert not second.updated and not second.created and "2 given new suggestions" in second.summary()
    tasks = _tasks(ls_server, second)
    assert {doc_id: found[0].suggestion_versions for doc_id, found in tasks.items()} == {
        docs[0].doc_id: {second.model_version}, docs[1].doc_id: {second.model_version},
        started.doc_id: {first.model_version}}
    (prediction,) = ls.predictions.list(task=second.task_ids[docs[0].doc_id])
    remembered = [item for item in prediction.result if item["type"] == "labels"
                  and item["value"]["text"] == "the Tuesday"]
    assert remembered and remembered[0]["value"]["labels"] == ["Fluency/Grammar"]
    notes = [item["value"]["text"][0] for item in prediction.result if item["type"] == "textarea"
             and item["id"] == remembered[0]["id"]]
    assert notes and notes[0].endswith("(error memory)")

    third = push_documents(ls_server, docs, project_title, with_predictions=True, memory=memory)
    assert sorted(third.unchanged) == sorted(d.doc_id for d in docs) and not third.refreshed  # idempotent


def _ui_boxes(data: dict, texts: dict[int, str], confirmed: set[int] = frozenset()) -> list[dict]:
    """Every post-edit box as the labeling UI submits it (each prefilled box, edited or not; an
    empty box only when typed into), with ``texts`` (box index → text) typed in and the boxes in
    ``confirmed`` ticked "Correct as is" (shape measured in Label Studio 1.23's UI)."""
    from annotate.labelstudio.export import textarea_result
    from annotate.labelstudio.post_edits import confirmation_result

    result = []
    for index, segment in enumerate(data["segments"]):
        text = texts.get(index, segment["mt"])
        if text:
            result.append(textarea_result(f"pebox{index:05d}", f"pe_{index}", f"seg_{index}", text))
        if index in confirmed:
            result.append(confirmation_result(f"petick{index:04d}", index))
    return result


def test_post_edit_start_is_recorded_and_untouched_boxes_are_no_post_edits(ls_server, project_title, tmp_path):
    """A real round trip: boxes prefilled with the second system's output (one edited, one left as
    it was and confirmed, two left as they were), then a project whose boxes start empty."""
    doc = _docs(1, "pe-start")[0]
    with pytest.raises(ValueError, match="post-edit start 'nllb': give 'first-system', 'empty' or one of"):
        push_documents(ls_server, [doc], project_title, with_predictions=False, post_edit_start="nllb")
    assert api.find_project(api.open_client(ls_server), ls_server, project_title) is None  # refused before creating
    report = push_documents(ls_server, [doc], project_title, with_predictions=False, post_edit_start="apertium")
    assert report.post_edit_prefill == "apertium" and "post-edit boxes start with the apertium output" in report.summary()
    ls = api.open_client(ls_server)
    project = ls.projects.get(id=report.project_id)
    assert "each box starts with the apertium output" in project.label_config and 'name="ok_{{idx}}"' in project.label_config
    (task,) = _tasks(ls_server, report)[doc.doc_id]
    apertium = {t.seg_id: t.mt for t in doc.translations if t.system == "apertium"}
    assert [s["mt"] for s in task.data["segments"]] == [apertium[s.seg_id] for s in doc.segments]
    ls.annotations.create(id=task.id, result=_ui_boxes(task.data, {1: "The Russian president arrived on Tuesday."},
                                                       confirmed={2}), was_cancelled=False, ground_truth=False)
    # the start cannot change under an annotation: the task is skipped, not rewritten
    again = push_documents(ls_server, [doc], project_title, with_predictions=False, post_edit_start="empty")
    assert again.skipped_annotated == {doc.doc_id: task.id}

    (parsed,) = pull(ls_server, project_title, tmp_path / "prefilled.json").documents
    (annotation,) = parsed.annotations
    assert parsed.post_edit_prefill == "apertium"
    assert [(p.seg_id, p.text, p.confirmed) for p in annotation.post_edits] == [
        (2, "The Russian president arrived on Tuesday.", False), (3, apertium[3], True)]
    assert annotation.ignored_post_edits == [1, 4]

    empty_title = project_title[:44] + " empty"
    empty = push_documents(ls_server, [doc], empty_title, with_predictions=False, post_edit_start="empty")
    (task,) = _tasks(ls_server, empty)[doc.doc_id]
    assert {s["mt"] for s in task.data["segments"]} == {""}
    assert ".ann-pe-tick { display: none; }" in ls.projects.get(id=empty.project_id).label_config  # nothing to confirm
    ls.annotations.create(id=task.id, result=_ui_boxes(task.data, {0: apertium[1], 3: "Typed from scratch."}),
                          was_cancelled=False, ground_truth=False)
    (parsed,) = pull(ls_server, empty_title, tmp_path / "empty.json").documents
    (annotation,) = parsed.annotations
    assert parsed.post_edit_prefill == ""
    assert [(p.seg_id, p.text) for p in annotation.post_edits] == [(1, apertium[1]), (4, "Typed from scratch.")]
    assert annotation.ignored_post_edits == []
