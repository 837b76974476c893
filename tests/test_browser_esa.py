"""An ESA project (``push --protocol esa``) in a real headless Chromium (issue #21.1): an annotator sees the article segment
by segment, each translation blind ("Translation 1 … n") with its Minor / Major buttons, the
[MISSING] marker and a 0–100 score box; marks a minor error, an omission on the marker (after an
emoji: offsets must survive it), scores every translation and submits. The export reads back as
exactly those ESA ratings.

Set ANNOTATE_RECORD_SCREENSHOTS=1 to (re)write docs/screenshots/labeling-esa.png from this run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner
from browser_actions import label_object, screenshot_on_failure, text_objects
from fixtures_labelstudio import tricky_document

from annotate.cli import app
from annotate.esa import ESASpan
from annotate.labelstudio import client as api
from annotate.labelstudio.browser import browser_page, chromium_available, login, open_task
from annotate.labelstudio.esa import esa_ratings
from annotate.labelstudio.pull import pull
from annotate.labelstudio.push import push_documents

pytestmark = [
    pytest.mark.server,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium and pip playwright"),
]
SYSTEMS = ("argos", "apertium")
SCREENSHOT = Path(__file__).parent.parent / "docs" / "screenshots" / "labeling-esa.png"
# Translation (system) j of segment i: its Labels bar is the (2i + j)-th, its score box too, and its
# Text the (3i + 1 + j)-th Text object (each segment: the source sentence, then the translations).
SCORES = {("argos", 1): 95, ("apertium", 1): 90, ("argos", 2): 100, ("apertium", 2): 61,
          ("argos", 3): 40, ("apertium", 3): 35, ("argos", 4): 100, ("apertium", 4): 100}


def test_an_annotator_does_esa_in_the_ui_and_the_export_reads_back(ls_server, tmp_path):
    doc = tricky_document(doc_id="ui-esa", systems=SYSTEMS)
    ls = api.open_client(ls_server)
    pushed = push_documents(ls_server, [doc], "browser tests: esa", with_predictions=False, protocol="esa")
    project, task_id = api.get_project(ls, ls_server, pushed.project_id), pushed.task_ids[doc.doc_id]
    with browser_page(viewport={"width": 1500, "height": 1300}) as page, \
            screenshot_on_failure(page, tmp_path / "failure.png"):
        login(page, ls_server)
        open_task(page, ls_server, project.id, task_id)
        shown = text_objects(page)
        assert shown[:3] == ["[1] Putin 🇷🇺 y Kim 🇰🇵 firman «acuerdo»",
                             "Putin 🇷🇺 and Kim 🇰🇵 sign «agreement» [MISSING]",
                             "Putin 🇷🇺 and Kim 🇰🇵 sign «agreement» [MISSING]"]
        assert len(shown) == 4 * 3
        assert page.locator(".lsf-richtext").first.is_visible()
        assert "argos" not in page.locator(".lsf-main-view").inner_text()  # blind
        minor, major = page.locator(".lsf-label", has_text="Minor"), page.locator(".lsf-label", has_text="Major")
        # segment 2 (index 1), apertium (translation 2): "the Tuesday" is a minor error
        assert label_object(page, minor.nth(2 * 1 + 1), 3 * 1 + 1 + 1, "the Tuesday")[1:] == ["Minor"]
        # segment 3 (index 2), argos: an omission, marked on the marker after the emoji family
        assert label_object(page, major.nth(2 * 2 + 0), 3 * 2 + 1 + 0, "[MISSING]")[1:] == ["Major"]
        boxes = page.locator("input[type=number]")
        assert boxes.count() == len(SCORES)
        for index, ((system, seg_id), score) in enumerate(
                sorted(SCORES.items(), key=lambda item: (item[0][1], SYSTEMS.index(item[0][0])))):
            boxes.nth(index).fill(str(score))
        if os.environ.get("ANNOTATE_RECORD_SCREENSHOTS"):
            page.screenshot(path=str(SCREENSHOT))
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
    # `annotate pull` as a user runs it: no problem listed (the MQM parser leaves ESA to ESA)
    export = tmp_path / "export.json"
    pulled = pull(ls_server, "browser tests: esa", export)
    assert pulled.problems == [] and pulled.tasks == 1
    raw = json.loads(export.read_text(encoding="utf-8"))
    ratings = esa_ratings(raw)
    assert {(r.system, r.segment_id): r.score for r in ratings} == SCORES
    spans = {(r.system, r.segment_id): r.spans for r in ratings if r.spans}
    assert spans == {("apertium", 2): (ESASpan(46, 57, "minor"),), ("argos", 3): (ESASpan(None, None, "major"),)}
    (rating,) = [r for r in ratings if r.system == "apertium" and r.segment_id == 2]
    assert rating.target[46:57] == "the Tuesday" and rating.doc_id == "ui-esa"
    assert rating.end_time is not None and rating.start_time is not None and rating.start_time <= rating.end_time
    # what `annotate pull` saved is an ESA file like WMT's: esa-scores reads it
    result = CliRunner().invoke(app, ["esa-scores", str(export), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"es-en": {"argos": (95 + 100 + 40 + 100) / 4,
                                                   "apertium": (90 + 61 + 35 + 100) / 4}}


def test_an_esa_page_with_entities_and_post_edits_in_the_ui(ls_server, tmp_path):
    """push --protocol esa --esa-with entities --esa-with post-edits: the article on top with the
    entity buttons, ESA below, post-edit boxes at the end. An annotator labels an entity, scores
    every translation, corrects one box and submits: pull gives the entity and the post-edit (no
    MQM rating) and the ESA scores."""
    doc = tricky_document(doc_id="ui-esa-extras", systems=SYSTEMS)
    pushed = push_documents(ls_server, [doc], "browser tests: esa extras", with_predictions=False, protocol="esa",
                            esa_with=("entities", "post-edits"))
    typed = "The Russian president reached Pyongyang on Tuesday."
    with browser_page(viewport={"width": 1500, "height": 1300}) as page, \
            screenshot_on_failure(page, tmp_path / "failure.png"):
        login(page, ls_server)
        open_task(page, ls_server, pushed.project_id, pushed.task_ids[doc.doc_id])
        shown = text_objects(page)
        assert shown[0].startswith("[1] Putin 🇷🇺 y Kim 🇰🇵 firman «acuerdo»")  # the whole article first
        person = page.locator(".lsf-label", has_text="PER").first
        assert label_object(page, person, 0, "Kim")[1:] == ["PER"]
        boxes = page.locator("input[type=number]")
        assert boxes.count() == len(SCORES)
        for index in range(boxes.count()):
            boxes.nth(index).fill("70")
        post_edits = page.locator(".ann-pe-row textarea")
        assert post_edits.count() == len(doc.segments)
        post_edits.nth(1).fill(typed)
        page.get_by_role("button", name="Submit").click()
        page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
    pulled = pull(ls_server, "browser tests: esa extras", tmp_path / "export.json")
    assert pulled.problems == []
    (annotation,) = pulled.documents[0].annotations
    assert [(e.label, e.text) for e in annotation.entities] == [("PER", "Kim")]
    assert [(p.seg_id, p.text) for p in annotation.post_edits] == [(2, typed)]
    assert annotation.ratings == []
    ratings = esa_ratings(json.loads((tmp_path / "export.json").read_text(encoding="utf-8")))
    assert sorted((r.system, r.segment_id, r.score) for r in ratings) == sorted(
        (system, seg_id, 70.0) for system, seg_id in SCORES)
