"""``push --protocol esa`` against a real Label Studio server: an ESA project (its config, blind
translations, ESA task fields), ESA-AI's pre-filled spans as the task's prediction, an idempotent
re-push, and a protocol that cannot change under a project's annotations."""

from __future__ import annotations

import pytest
from fixtures_labelstudio import gold_annotation, tricky_document, with_doc_id

from annotate.labelstudio import client as api
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.push import push_documents
from annotate.labelstudio.tasks import error_results
from annotate.records import ErrorSpan

pytestmark = pytest.mark.server
SYSTEMS = ("argos", "apertium")


def _suggester(doc, data):
    """Our MQM suggestions: one Minor error on apertium's segment 2 ("the Tuesday")."""
    return error_results(data, "apertium", 2, [ErrorSpan(46, 57, "Fluency/Grammar", "Minor", "the Tuesday")],
                         origin="prediction", salt=doc.doc_id)


def test_push_protocol_esa_makes_an_esa_project_with_esa_ai_spans(ls_server, project_title):
    doc = with_doc_id(tricky_document(systems=SYSTEMS), "esa-push")
    doc.annotations = [gold_annotation(doc)]  # MQM annotations: not for an ESA page, never imported there
    report = push_documents(ls_server, [doc], project_title, with_predictions=True, suggester=_suggester,
                            model_version="annotate-suggest test", protocol="esa")
    assert report.created == ["esa-push"]
    ls = api.open_client(ls_server)
    project = api.get_project(ls, ls_server, report.project_id)
    assert (project.protocol, project.systems) == ("esa", list(SYSTEMS))
    (task,) = api.list_tasks(ls, ls_server, report.project_id)["esa-push"]
    data = task.data
    assert data["protocol"] == "esa"
    assert ts.segments(data)[1]["esa_apertium"] == "The Russian president arrived in Pyongyang on the Tuesday. [MISSING]"
    assert api.task_annotations(ls, ls_server, task.id) == []  # the gold MQM annotation was not imported
    full = ls.tasks.get(id=task.id)
    (prediction,) = full.predictions
    spans = [(r["from_name"], r["value"]["start"], r["value"]["end"], r["value"]["labels"]) for r in prediction.result]
    assert spans == [("esa_span_apertium_1", 46, 57, ["Minor"])]

    again = push_documents(ls_server, [doc], project_title, with_predictions=True, suggester=_suggester,
                           model_version="annotate-suggest test", protocol="esa")
    assert (again.created, again.updated, again.unchanged) == ([], [], ["esa-push"])  # idempotent
    with pytest.raises(ValueError, match="is an ESA project"):
        push_documents(ls_server, [doc], project_title, with_predictions=False)  # MQM into the ESA project


def test_an_esa_page_can_also_ask_for_entities_claims_and_post_edits(ls_server, project_title, tmp_path):
    """push --protocol esa --esa-with entities --esa-with post-edits: the MQM page's entity and claim
    buttons on the whole article and its post-edit boxes, beside ESA; an annotation holding all of
    them pulls back as entities, claims and post-edits (never an MQM rating) and as ESA ratings."""
    from dataclasses import replace

    from annotate.labelstudio.esa import esa_ratings
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.tasks import annotation_json

    doc = with_doc_id(tricky_document(systems=SYSTEMS), "esa-extras")
    report = push_documents(ls_server, [doc], project_title, with_predictions=False, protocol="esa",
                            esa_with=("entities", "post-edits"))
    ls = api.open_client(ls_server)
    assert api.get_project(ls, ls_server, report.project_id).extras == ("entities", "post-edits")
    (task,) = api.list_tasks(ls, ls_server, report.project_id)["esa-extras"]
    assert task.data["esa_with"] == ["entities", "post-edits"]
    gold = gold_annotation(doc)
    mqm_like = annotation_json(task.data, replace(gold, ratings=[]), salt="x")["result"]  # entities, claims, post-edits
    score = {"id": "s1", "from_name": "esa_score_argos_0", "to_name": "esa_mt_argos_0", "type": "number",
             "value": {"number": 88}}
    ls.annotations.create(id=task.id, result=[*mqm_like, score], was_cancelled=False, ground_truth=False)
    result = pull(ls_server, project_title, tmp_path / "export.json")
    assert result.problems == []
    (annotation,) = result.documents[0].annotations
    assert annotation.entities == sorted(gold.entities, key=lambda s: (s.start, s.end))
    assert annotation.claims == gold.claims and annotation.post_edits == gold.post_edits
    assert annotation.ratings == []
    import json

    (rating,) = esa_ratings(json.loads((tmp_path / "export.json").read_text(encoding="utf-8")))
    assert (rating.system, rating.segment_id, rating.score) == ("argos", 1, 88.0)
    # a later push without --esa-with keeps them: a config must keep every control annotations use
    again = push_documents(ls_server, [doc], project_title, with_predictions=False, protocol="esa")
    assert api.get_project(ls, ls_server, again.project_id).extras == ("entities", "post-edits")
