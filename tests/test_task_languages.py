"""A Label Studio task records its documents' language pair (``data.language_pair``, "SRC-TGT"):
push writes it, pull gives it back to each document and ESA ratings read it, so an en-de project
is en-de without ``--languages``. A task pushed before tasks recorded it reads as es-en, and
re-pushing its documents changes nothing that did not change before."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from fixtures_labelstudio import esa_score, gold_annotation, tricky_document, with_doc_id
from test_task_shape import _modules, _string_literals

from annotate.labelstudio import client as api
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.esa import add_esa_fields, esa_ratings
from annotate.labelstudio.export import parse_export
from annotate.labelstudio.tasks import build_task, extends_data, same_data, task_data
from annotate.languages import SPANISH_ENGLISH, LanguagePair
from annotate.records import AnnotatedDocument

SYSTEMS = ("argos", "apertium")
EN_DE = LanguagePair("en", "de")


def _in(doc: AnnotatedDocument, pair: LanguagePair) -> AnnotatedDocument:
    return replace(doc, source_language=pair.source, target_language=pair.target)


def _esa_task(pair: LanguagePair | None, score: float = 80) -> dict:
    """An exported ESA task of a ``pair`` document with one submitted score; None: the task as
    push wrote it before tasks recorded their pair (no key)."""
    data = add_esa_fields(task_data(_in(tricky_document(systems=SYSTEMS), pair or EN_DE), SYSTEMS))
    if pair is None:
        del data[ts.LANGUAGE_PAIR]
    annotation = {"id": 5, "completed_by": 3, "result": [esa_score("esa_score_argos_0", score)]}
    return {"id": 7, "data": data, "annotations": [annotation]}


def _pairs(ratings) -> set[str]:
    return {f"{r.source_language}-{r.target_language}" for r in ratings}


def test_only_task_shape_spells_the_key():
    assert ts.LANGUAGE_PAIR == "language_pair"
    offenders = [f"{path.name}:{line}" for path in _modules() for line, value in _string_literals(path)
                 if value == ts.LANGUAGE_PAIR]
    assert offenders == []


def test_push_writes_the_pair_and_the_export_gives_it_back():
    task = build_task(_in(tricky_document(), EN_DE), list(SYSTEMS))
    assert task[ts.DATA][ts.LANGUAGE_PAIR] == "en-de"
    (doc,) = parse_export([{"id": 1, **task}])
    assert (doc.source_language, doc.target_language) == ("en", "de")


def test_a_task_without_the_pair_reads_as_es_en():
    task = build_task(_in(tricky_document(), EN_DE), list(SYSTEMS))
    del task[ts.DATA][ts.LANGUAGE_PAIR]  # as every task pushed before this key existed
    (doc,) = parse_export([{"id": 1, **task}])
    assert (doc.source_language, doc.target_language) == ("es", "en")
    assert _pairs(esa_ratings([_esa_task(None)])) == {"es-en"}


def test_a_document_whose_languages_nobody_stated_records_no_pair():
    task = build_task(_in(tricky_document(), LanguagePair("", "")), list(SYSTEMS))
    assert ts.LANGUAGE_PAIR not in task[ts.DATA]


def test_esa_ratings_take_each_tasks_pair_unless_the_caller_names_one():
    en_de, old = _esa_task(EN_DE), _esa_task(None)
    old[ts.TASK_ID], old[ts.DATA][ts.DOC_ID] = 8, "older"
    assert [f"{r.source_language}-{r.target_language}" for r in esa_ratings([en_de, old])] == ["en-de", "es-en"]
    french = LanguagePair("fr", "en")  # --languages: the user's word wins over every task's
    assert _pairs(esa_ratings([en_de, old], french)) == {"fr-en"}


def test_a_pair_that_is_not_one_is_a_problem_never_a_guess():
    esa = _esa_task(EN_DE)
    esa[ts.DATA][ts.LANGUAGE_PAIR] = "english"
    problems: list[str] = []
    assert esa_ratings([esa], problems=problems) == []
    assert len(problems) == 1 and "language_pair 'english'" in problems[0]
    assert _pairs(esa_ratings([esa], EN_DE)) == {"en-de"}  # an override needs none
    with pytest.raises(ExportError, match="language_pair"):
        parse_export([esa])


def test_an_old_task_holds_es_en_and_gains_another_pair_as_an_extension():
    new = task_data(tricky_document(), SYSTEMS)  # es-en by default
    old = {key: value for key, value in new.items() if key != ts.LANGUAGE_PAIR}
    assert same_data(old, new) and same_data(new, copy.deepcopy(new))
    en_de = task_data(_in(tricky_document(), EN_DE), SYSTEMS)
    assert not same_data(old, en_de) and extends_data(old, en_de)  # written, safely, under annotations
    assert not same_data(new, en_de) and not extends_data(new, en_de)  # a recorded pair never changes
    no_pair = task_data(_in(tricky_document(), LanguagePair("", "")), SYSTEMS)
    assert same_data(old, no_pair) and not same_data(new, no_pair)


# ── against a real Label Studio ───────────────────────────────────────────────────────────────


@pytest.mark.server
def test_pull_and_esa_ratings_give_an_en_de_project_its_pair(ls_server, project_title, tmp_path):
    from typer.testing import CliRunner

    from annotate.cli import app
    from annotate.esa import read_esa_file
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import push_documents

    mqm_doc = _in(with_doc_id(tricky_document(systems=SYSTEMS), "pair-mqm"), EN_DE)
    push_documents(ls_server, [mqm_doc], project_title, with_predictions=False)
    (pulled,) = pull(ls_server, project_title, tmp_path / "mqm.json").documents
    assert (pulled.source_language, pulled.target_language) == ("en", "de")

    esa_title = f"{project_title[:45]} esa"
    esa_doc = _in(with_doc_id(tricky_document(systems=SYSTEMS), "pair-esa"), EN_DE)
    report = push_documents(ls_server, [esa_doc], esa_title, with_predictions=False, protocol="esa")
    ls = api.open_client(ls_server)
    (task,) = api.list_tasks(ls, ls_server, report.project_id)["pair-esa"]
    assert task.data[ts.LANGUAGE_PAIR] == "en-de"
    ls.annotations.create(id=task.id, result=[esa_score("esa_score_argos_0", 75)], was_cancelled=False,
                          ground_truth=False)
    export = tmp_path / "esa.json"
    (esa_pulled,) = pull(ls_server, esa_title, export).documents
    assert (esa_pulled.source_language, esa_pulled.target_language) == ("en", "de")
    (rating,) = esa_ratings(json.loads(export.read_text(encoding="utf-8")))  # no languages argument
    assert (rating.source_language, rating.target_language, rating.score) == ("en", "de", 75.0)
    assert _pairs(read_esa_file(export)) == {"en-de"}
    scores = CliRunner().invoke(app, ["esa-scores", str(export), "--json", "--bootstrap", "0"])
    assert scores.exit_code == 0, scores.output
    assert json.loads(scores.stdout) == {"en-de": {"argos": 75.0}}
    overridden = CliRunner().invoke(app, ["esa-scores", str(export), "--json", "--bootstrap", "0",
                                          "--languages", "fr-en"])
    assert json.loads(overridden.stdout) == {"fr-en": {"argos": 75.0}}


def _make_old(conn, project_id: int) -> None:
    """Strip the pair from every task of the project: a project pushed before tasks recorded it."""
    ls = api.open_client(conn)
    for tasks in api.list_tasks(ls, conn, project_id).values():
        for task in tasks:
            data = {key: value for key, value in task.data.items() if key != ts.LANGUAGE_PAIR}
            api.update_task(ls, conn, task.id, data)
    stored = [t.data for found in api.list_tasks(ls, conn, project_id).values() for t in found]
    assert stored and all(ts.LANGUAGE_PAIR not in data for data in stored)


def _outcome(report) -> tuple:
    return (sorted(report.created), sorted(report.updated), sorted(report.unchanged), sorted(report.extended),
            report.skipped_annotated, report.skipped_drafts, report.replaced, report.refreshed)


@pytest.mark.server
def test_repushing_into_a_project_made_before_tasks_recorded_their_pair_changes_nothing(
        ls_server, project_title, tmp_path):
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import push_documents

    annotated = with_doc_id(tricky_document(systems=SYSTEMS), "old-annotated")
    annotated.annotations = [gold_annotation(annotated)]
    docs = [annotated, with_doc_id(tricky_document(systems=SYSTEMS), "old-untouched")]
    first = push_documents(ls_server, docs, project_title, with_predictions=False)
    assert sorted(first.created) == ["old-annotated", "old-untouched"]
    before = _outcome(push_documents(ls_server, docs, project_title, with_predictions=False))
    assert before == ([], [], ["old-annotated", "old-untouched"], [], {}, {}, [], [])

    _make_old(ls_server, first.project_id)
    again = push_documents(ls_server, docs, project_title, with_predictions=False)
    assert _outcome(again) == before
    ls = api.open_client(ls_server)
    stored = [t.data for found in api.list_tasks(ls, ls_server, first.project_id).values() for t in found]
    assert all(ts.LANGUAGE_PAIR not in data for data in stored)  # left alone: they read as es-en
    pulled = pull(ls_server, project_title, tmp_path / "export.json").documents
    assert {(d.source_language, d.target_language) for d in pulled} == {("es", "en")}


@pytest.mark.server
def test_an_old_en_de_project_gains_its_pair_safely_on_a_repush(ls_server, project_title, tmp_path):
    """Before tasks recorded their pair, an en-de project pulled as es-en: a re-push adds the pair,
    under annotations as a new system's text is added (extended, never skipped)."""
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import push_documents

    annotated = _in(with_doc_id(tricky_document(systems=SYSTEMS), "old-de-annotated"), EN_DE)
    annotated.annotations = [gold_annotation(annotated)]
    docs = [annotated, _in(with_doc_id(tricky_document(systems=SYSTEMS), "old-de-untouched"), EN_DE)]
    first = push_documents(ls_server, docs, project_title, with_predictions=False)
    _make_old(ls_server, first.project_id)
    again = push_documents(ls_server, docs, project_title, with_predictions=False)
    assert _outcome(again) == ([], ["old-de-untouched"], [], ["old-de-annotated"], {}, {}, [], [])
    result = pull(ls_server, project_title, tmp_path / "export.json")
    assert result.problems == []
    assert {(d.source_language, d.target_language) for d in result.documents} == {("en", "de")}
    (gold,) = next(d for d in result.documents if d.doc_id == "old-de-annotated").annotations
    assert gold.ratings  # the annotation still reads as it did: every region on the same text


def test_the_page_names_the_projects_languages(ls_server, project_title):
    """An en-de project's page and guidelines say "English source" and "the correct German", never
    "Spanish" (the page used to call every source Spanish)."""
    from annotate.labelstudio.push import push_documents

    doc = _in(with_doc_id(tricky_document(systems=SYSTEMS), "pair-page"), EN_DE)
    report = push_documents(ls_server, [doc], project_title, with_predictions=False)
    project = api.open_client(ls_server).projects.get(id=report.project_id)
    assert "English source: entities, claims" in project.label_config
    assert "Post-edit: the correct German of each sentence" in project.label_config
    assert "Spanish" not in project.label_config and "Spanish" not in project.expert_instruction
    assert "Entities (English source)" in project.expert_instruction


def test_a_push_names_one_pair_or_refuses_a_mix():
    from annotate.labelstudio.push import page_languages

    es_en = with_doc_id(tricky_document(systems=SYSTEMS), "a")
    en_de = _in(with_doc_id(tricky_document(systems=SYSTEMS), "b"), EN_DE)
    assert page_languages([es_en]) == SPANISH_ENGLISH and page_languages([en_de, en_de]) == EN_DE
    with pytest.raises(ValueError, match=r"2 language pairs \(en-de, es-en\).*a project of its own"):
        page_languages([es_en, en_de])
