"""A real headless Chromium on the Label Studio labeling UI: an annotator logs in, sees the whole
article and every translation, labels entities, a claim, an MQM error with its severity and note,
an omission on the source words the translation lost, edits a post-edit, confirms another box
"Correct as is" and leaves the others as they started, submits; skips a task; leaves a draft;
types a post-edit into a box that starts empty (``push --post-edit-start empty``). The export must parse back into exactly that,
and the UI's result items must have exactly the shape our importer writes.

Set ANNOTATE_RECORD_LS_EXPORT=1 to (re)write tests/data/labelstudio/export.json from this run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from browser_actions import choose, label_text, regions, screenshot_on_failure, select_region, text_objects, write_note
from fixtures_labelstudio import UI_NOTE, gold_annotation, tricky_document, with_doc_id

from annotate import schema
from annotate.labelstudio import client as api
from annotate.labelstudio.snapshot import export_snapshot
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import keyboard
from annotate.labelstudio import guidelines
from annotate.labelstudio.browser import browser_page, chromium_available, login, open_task
from annotate.labelstudio.export import parse_export
from annotate.labelstudio.push import push_documents
from annotate.labelstudio.tasks import annotation_json
from annotate.scoring.effort import annotation_effort
from annotate.scoring.preannotation import STARTED_FROM, preannotation_report

pytestmark = [
    pytest.mark.server,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium and pip playwright"),
]
RECORDING = Path(__file__).parent / "data" / "labelstudio" / "export.json"
_REGIONS_LOADED = "() => (window.Htx?.annotationStore?.selected?.regions ?? []).length > 0"
EDITED = "The Russian president reached Pyongyang on Tuesday."  # differs from every system's output
OMISSION_NOTE = "«y cooperación técnica» is missing"


@pytest.fixture(scope="module")
def ui_project(ls_server):
    """Six tasks: one for the UI to label, one with imported gold annotations by two annotators,
    one to skip, one to leave as a draft, one to submit from its pre-annotations (the last three
    with pre-annotations), one whose pre-annotations are withheld (--holdout-percent)."""
    base = tricky_document()
    labeled, gold, skip, draft, accept, holdout = (
        with_doc_id(base, name) for name in ("ui-labeled", "ui-gold", "ui-skip", "ui-draft", "ui-accept", "ui-holdout"))
    gold.annotations = [gold_annotation(gold, "annotator-0000beef"),
                        replace(gold_annotation(gold, "annotator-1111cafe"), claims=[], post_edits=[])]
    title = "browser tests"
    first = push_documents(ls_server, [labeled, gold], title, with_predictions=False)
    second = push_documents(ls_server, [skip, draft, accept], title, with_predictions=True)
    third = push_documents(ls_server, [holdout], title, with_predictions=True, holdout_percent=100)
    assert third.withheld == ["ui-holdout"]
    return {"conn": ls_server, "project": first.project_id,
            "tasks": {**first.task_ids, **second.task_ids, **third.task_ids},
            "docs": {d.doc_id: d for d in (labeled, gold, skip, draft, accept, holdout)}}


def _task(conn, project_id: int, doc_id: str) -> api.ExistingTask:
    return api.list_tasks(api.open_client(conn), conn, project_id)[doc_id][0]


def _task_data(conn, project_id: int, doc_id: str) -> dict:
    return _task(conn, project_id, doc_id).data


def _wait_for_server(condition, what: str, timeout: float = 90.0) -> None:
    """Poll the server until ``condition()`` holds: the UI saves in the background, and a fixed
    sleep is either too short on a busy CI machine or wasted on a quiet one."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def test_labeling_page_shows_the_article_translations_and_labels(ui_project, tmp_path):
    conn, project = ui_project["conn"], ui_project["project"]
    data = _task_data(conn, project, "ui-labeled")
    out = tmp_path / "labeling.png"
    with browser_page() as page:
        login(page, conn)
        open_task(page, conn, project, ui_project["tasks"]["ui-labeled"])
        texts = text_objects(page)
        # The whole numbered article, then each system's output, then one row per sentence.
        assert texts[0] == data[lsconfig.SOURCE_FIELD]
        assert "\r" not in texts[0] and "Pyongyang  el martes" in texts[0]  # one line per sentence
        assert texts[1] == data["mt_argos"] and texts[2] == data["mt_apertium"]
        assert texts[3:] == [s["label"] for s in data[lsconfig.SEGMENTS_FIELD]]
        # Sentence [n] of every text sits on the same row.
        rows = page.evaluate("""() => [...document.querySelectorAll('.ann-doc')].map(doc =>
            [...doc.querySelectorAll('.lsf-richtext__line')].map(line => Math.round(line.getBoundingClientRect().top)))""")
        assert len(rows) == 3 and rows[0] == rows[1] == rows[2]
        buttons = page.locator(".lsf-label__text").all_inner_texts()
        for value in (*schema.entity_values(), schema.CLAIM_LABEL, *keyboard.mqm_display_names().values()):
            assert value in buttons
        assert buttons.count("Omission") == 2  # one MQM bar per system
        # The keyboard map of the config, as Label Studio shows it: the second system's column has
        # the first one's keys with Shift, and no key is shown twice.
        keyed = dict(page.evaluate("""() => [...document.querySelectorAll('.ann-bar .lsf-label')].map(e => [
            e.querySelector('.lsf-label__hotkey')?.textContent ?? '', e.querySelector('.lsf-label__text').textContent])"""))
        assert (keyed["1"], keyed["7"], keyed["q"], keyed["shift+q"], keyed["n"], keyed["shift+n"]) == (
            "PER", "Claim", "Mistranslation", "Mistranslation", "Omission in argos", "Omission in apertium")
        assert "" not in keyed and len(keyed) == len(buttons)
        boxes = page.locator("textarea")
        assert [boxes.nth(i).input_value() for i in range(boxes.count())] == \
            [s["mt"] for s in data[lsconfig.SEGMENTS_FIELD]]  # prefilled with the first system
        page.screenshot(path=str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000




def _shape(item: dict) -> tuple:
    return (item["from_name"], item["to_name"], item["type"], json.dumps(item["value"], sort_keys=True,
                                                                         ensure_ascii=False))


def test_annotator_work_in_the_ui_pulls_back_exactly(ui_project, tmp_path):
    conn, project, tasks = ui_project["conn"], ui_project["project"], ui_project["tasks"]
    with browser_page() as page, screenshot_on_failure(page, tmp_path / "failure.png"):
        login(page, conn)
        # 1. Label a task and submit.
        open_task(page, conn, project, tasks["ui-labeled"])
        label_text(page, 0, "LOC", "Pyongyang")
        label_text(page, 0, "Claim", "El presidente ruso llegó a Pyongyang  el martes.")
        select_region(page, 0, "El presidente ruso")
        choose(page, 0, "Event")
        label_text(page, 2, "Grammar", "the Tuesday")
        select_region(page, 2, "the Tuesday")
        choose(page, 2, "Minor")
        write_note(page, 2, UI_NOTE)
        # an omission, marked where MQM marks it: on the source words the translation lost
        label_text(page, 0, "Omission in apertium", "cooperación técnica")
        select_region(page, 0, "cooperación técnica")
        choose(page, 0, "Major")
        write_note(page, 0, OMISSION_NOTE)
        page.locator(".ann-pe-row textarea").nth(1).fill(EDITED)
        page.locator(".ann-pe-row").nth(2).locator(".lsf-choice", has_text=guidelines.POST_EDIT_CONFIRM_CHOICE).click()
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
        # 2. Skip the next task of the labeling stream (the gold task is already labeled).
        page.goto(f"{conn.url}/projects/{project}/data?labeling=1")
        page.wait_for_selector(".lsf-richtext__container", timeout=90_000)
        page.keyboard.press("Escape")  # close the instructions shown at the start of the stream
        assert text_objects(page)[0] == _task_data(conn, project, "ui-skip")[lsconfig.SOURCE_FIELD]
        page.get_by_role("button", name="Skip").click()
        _wait_for_server(lambda: _task(conn, project, "ui-skip").annotations == 1, "the skip to be recorded")
        # 3. Start on another task and leave: the UI keeps a draft (autosaved after a few seconds).
        open_task(page, conn, project, tasks["ui-draft"])
        label_text(page, 0, "ORG", "KCNA")
        _wait_for_server(lambda: api.tasks_with_drafts(api.open_client(conn), conn, project, [tasks["ui-draft"]]),
                         "the draft to be autosaved")
        # 4. Open a pre-annotated task, keep the suggestions, add an entity they missed, submit.
        open_task(page, conn, project, tasks["ui-accept"])
        # the annotation the UI opens holds the suggested regions (a check that step 5 can fail)
        page.wait_for_function(_REGIONS_LOADED, timeout=30_000)
        label_text(page, 0, "ORG", "KCNA")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
        # 5. A task whose suggestions were withheld opens empty: label it from scratch, submit.
        open_task(page, conn, project, tasks["ui-holdout"])
        page.wait_for_function("() => !!window.Htx?.annotationStore?.selected", timeout=30_000)
        assert regions(page) == []
        label_text(page, 0, "LOC", "Pyongyang")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
        page.goto(conn.project_url(project))

    raw = export_snapshot(api.open_client(conn), conn, project)
    if os.environ.get("ANNOTATE_RECORD_LS_EXPORT"):
        RECORDING.parent.mkdir(parents=True, exist_ok=True)
        RECORDING.write_text(json.dumps(json.loads(raw), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    exported = {t["data"]["doc_id"]: t for t in json.loads(raw)}
    documents = {d.doc_id: d for d in parse_export(list(exported.values()))}

    # The UI's result items have exactly the shape our importer writes for the same records.
    # (The UI stores every post-edit box; a box left as it started and unconfirmed is no post-edit.)
    (ui_annotation,) = exported["ui-labeled"]["annotations"]
    (parsed,) = documents["ui-labeled"].annotations
    ours = annotation_json(exported["ui-labeled"]["data"], parsed, salt="compare")["result"]
    ignored = {f"pe_{i}" for i, s in enumerate(exported["ui-labeled"]["data"]["segments"])
               if s["seg_id"] in parsed.ignored_post_edits}
    assert sorted(_shape(i) for i in ui_annotation["result"] if i["from_name"] not in ignored) == sorted(map(_shape, ours))
    for items in (ui_annotation["result"], ours):
        choice_ids = {i["id"] for i in items if i["type"] == "choices" and not i["from_name"].startswith("ok_")}
        assert choice_ids <= {i["id"] for i in items if i["type"] == "labels"}  # per-region: same id
    assert {i.get("origin") for i in ui_annotation["result"]} == {"manual"} == {i.get("origin") for i in ours}

    # … and parses into what the annotator did.
    doc = ui_project["docs"]["ui-labeled"]
    text = doc.text
    assert parsed.status == "completed" and parsed.annotator.startswith("annotator-")
    assert [(s.label, s.text) for s in parsed.entities] == [("LOC", "Pyongyang")]
    (claim,) = parsed.claims
    assert claim.label == "Event" and claim.text == "El presidente ruso llegó a Pyongyang\r\nel martes."
    assert text[claim.start:claim.end] == claim.text
    errors = [(r.system, r.seg_id, e.category, e.severity, e.text, e.side) for r in parsed.ratings for e in r.errors]
    assert errors == [("apertium", 2, "Fluency/Grammar", "Minor", "the Tuesday", "target"),
                      ("apertium", 4, "Accuracy/Omission", "Major", "cooperación técnica", "source")]
    assert [e.comment for r in parsed.ratings for e in r.errors] == [UI_NOTE, OMISSION_NOTE]
    argos = {t.seg_id: t.mt for t in doc.translations if t.system == "argos"}
    # the edited box, the confirmed one; the two left as they started are ignored, not references
    assert [(p.seg_id, p.text, p.confirmed) for p in parsed.post_edits] == [(2, EDITED, False), (3, argos[3], True)]
    assert parsed.ignored_post_edits == [1, 4] and documents["ui-labeled"].post_edit_prefill == "argos"

    (skipped,) = documents["ui-skip"].annotations
    assert skipped.status == "cancelled" and skipped.annotator == parsed.annotator
    drafts = documents["ui-draft"].annotations
    assert [a.status for a in drafts] == ["draft"]
    assert ("ORG", "KCNA") in {(s.label, s.text) for s in drafts[0].entities}
    gold = {a.annotator: a for a in documents["ui-gold"].annotations}
    assert sorted(gold) == ["annotator-0000beef", "annotator-1111cafe"]
    assert all(a.status == "completed" for a in gold.values())

    # The submitted pre-annotated task: Label Studio names the prediction it started from, marks
    # the kept regions' origin, times the work; the uptake report sees accepted suggestions.
    (prediction,) = documents["ui-accept"].predictions
    (accepted,) = documents["ui-accept"].annotations
    assert accepted.parent_prediction == prediction.annotation_id == exported["ui-accept"]["predictions"][0]["id"]
    assert accepted.lead_time is not None and accepted.lead_time > 0 and parsed.lead_time > 0
    origins = {i.get("origin") for i in exported["ui-accept"]["annotations"][0]["result"] if i["from_name"] == "entity"}
    assert origins == {"prediction", "manual"}
    suggested = {(s.label, s.text) for s in prediction.entities}
    assert {(s.label, s.text) for s in accepted.entities} == suggested | {("ORG", "KCNA")}
    (group,) = preannotation_report([documents["ui-accept"]]).groups
    entities = group.total("entities")
    assert (group.situation, entities.suggested, entities.kept, entities.added) == (
        STARTED_FROM, len(suggested), len(suggested), 1)

    # The withheld task: never shown (it opened empty), exported with its suggestions; the report
    # sets it, from scratch, against the accepted task, in kept spans and in time.
    assert exported["ui-holdout"]["predictions"] == []
    (withheld,) = documents["ui-holdout"].predictions
    (scratch,) = documents["ui-holdout"].annotations
    assert (withheld.status, withheld.annotator) == ("withheld", prediction.annotator)
    assert {(s.label, s.text) for s in withheld.entities} == suggested
    assert scratch.parent_prediction is None and scratch.lead_time is not None and scratch.lead_time > 0
    pair = [documents["ui-accept"], documents["ui-holdout"]]
    rows = {row.layer: row for row in preannotation_report(pair).anchoring}
    assert sorted(rows) == ["entities", "errors"]  # suggested entities, and the "6.700" number format
    assert rows["entities"].started_from.precision == rows["errors"].started_from.precision == 1.0  # all kept
    assert rows["entities"].from_scratch.kept == int(("LOC", "Pyongyang") in suggested)
    assert rows["errors"].from_scratch.kept == 0 and rows["entities"].ci is None  # one task a side: no CI
    effort = annotation_effort(pair)
    assert effort.by_start[True][0] == effort.by_start[False][0] == 1 and effort.time_saved is not None
    assert "@" not in json.dumps([d.to_dict() for d in documents.values()], ensure_ascii=False)


def test_a_box_that_starts_empty_takes_what_the_annotator_types(ls_server, tmp_path):
    """push --post-edit-start empty: every box opens empty, with no "Correct as is" to tick; the UI
    stores only the box typed into, and that text is the post-edit, whatever it says."""
    doc = with_doc_id(tricky_document(), "ui-empty-boxes")
    report = push_documents(ls_server, [doc], "browser tests: empty boxes", with_predictions=False,
                            post_edit_start="empty")
    typed = "The family greeted them warmly."
    with browser_page() as page, screenshot_on_failure(page, tmp_path / "failure.png"):
        login(page, ls_server)
        open_task(page, ls_server, report.project_id, report.task_ids[doc.doc_id])
        boxes = page.locator(".ann-pe-row textarea")
        assert [boxes.nth(i).input_value() for i in range(boxes.count())] == [""] * len(doc.segments)
        ticks = page.locator(".ann-pe-row .lsf-choice")
        assert ticks.count() == len(doc.segments) and not any(ticks.nth(i).is_visible() for i in range(ticks.count()))
        boxes.nth(2).fill(typed)
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
    raw = json.loads(export_snapshot(api.open_client(ls_server), ls_server, report.project_id))
    (annotation,) = raw[0]["annotations"]
    assert [i["from_name"] for i in annotation["result"]] == ["pe_2"]  # empty boxes are not stored
    ((parsed,),) = [d.annotations for d in parse_export(raw)]
    assert [(p.seg_id, p.text) for p in parsed.post_edits] == [(3, typed)] and parsed.ignored_post_edits == []
    assert parse_export(raw)[0].post_edit_prefill == ""



def test_a_reviewer_marks_the_final_annotation_in_the_ui(ls_server, tmp_path):
    """Issue #19: Community's UI has no ground-truth star. Two annotators did a task; a reviewer logs
    in, opens the sparse annotation's tab (the policy alone would take the complete one), ticks
    "Final" and presses Update: pull then makes that annotation primary, and the dataset takes it."""
    from annotate.dataset import build_dataset
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.review import FINAL_CHOICE

    doc = with_doc_id(tricky_document(), "ui-review")
    complete = gold_annotation(doc, "annotator-0000beef")
    sparse = replace(gold_annotation(doc, "annotator-1111cafe"), entities=complete.entities[:2], claims=[])
    doc.annotations = [sparse, complete]
    title = "browser tests: review"
    report = push_documents(ls_server, [doc], title, with_predictions=False)
    (before,) = pull(ls_server, title, tmp_path / "before.json").documents
    ids = {a.annotator: a.annotation_id for a in before.annotations}
    assert before.primary_choice().state == "unreviewed"
    assert before.primary_annotation().annotator == "annotator-0000beef"  # the most complete, unreviewed

    with browser_page() as page, screenshot_on_failure(page, tmp_path / "failure.png"):
        login(page, ls_server)  # the reviewer: the server's own account, neither annotator
        open_task(page, ls_server, report.project_id, report.task_ids[doc.doc_id])
        page.wait_for_function("() => (window.Htx?.annotationStore?.annotations ?? []).length === 2", timeout=30_000)
        # each annotation is a tab at the top of the page: open the sparse one
        order = page.evaluate("() => Htx.annotationStore.annotations.map(a => Number(a.pk))")
        tabs = page.locator(".lsf-annotation-button")
        assert tabs.count() == 2
        tabs.nth(order.index(ids["annotator-1111cafe"])).click()
        page.wait_for_function(f"() => Number(Htx.annotationStore.selected?.pk) === {ids['annotator-1111cafe']}",
                               timeout=30_000)
        entity_labels = set(schema.entity_values())
        assert [r[1:] for r in regions(page) if set(r[1:]) & entity_labels] == [["PER"], ["PER"]]  # the sparse one
        page.locator(".ann-review .lsf-choice", has_text=FINAL_CHOICE).click()
        page.locator("button", has_text="Update").last.click()

        def ticked() -> bool:
            annotations = api.task_annotations(api.open_client(ls_server), ls_server, report.task_ids[doc.doc_id])
            return any(a["id"] == ids["annotator-1111cafe"] and any(i["from_name"] == "review_final"
                                                                    for i in a["result"]) for a in annotations)

        _wait_for_server(ticked, "the reviewer's update to be saved")
        page.screenshot(path=str(tmp_path / "reviewed.png"))

    (after,) = pull(ls_server, title, tmp_path / "after.json").documents
    choice = after.primary_choice()
    assert (choice.annotation.annotator, choice.state) == ("annotator-1111cafe", "reviewed")
    assert choice.annotation.marked_final and not choice.annotation.ground_truth
    # the reviewer's Update kept the annotation as its annotator made it: same author, same regions
    # (an Update also counts as rating every column shown: the guidelines say to rate one left unrated first)
    kept = next(a for a in before.annotations if a.annotator == "annotator-1111cafe")
    def errors(annotation):
        return [(r.system, r.seg_id, r.errors) for r in annotation.ratings if r.errors]

    assert (choice.annotation.entities, choice.annotation.claims, errors(choice.annotation),
            choice.annotation.post_edits) == (kept.entities, kept.claims, errors(kept), kept.post_edits)
    built = build_dataset([after], tmp_path / "ds", name="reviewed", score_cache=False)
    import pyarrow.parquet as pq

    (row,) = [r for path in built.files["documents"].values() for r in pq.read_table(path).to_pylist()]
    assert (row["annotator"], row["reviewed_final"], built.unreviewed) == ("annotator-1111cafe", True, [])
