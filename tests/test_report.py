"""Reports (annotate.report): evaluation of synthetic documents, self-contained escaped HTML, the
Markdown twin, scores.json, the CLI, and a real headless Chromium rendering with a screenshot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO
from test_scoring_fixtures import synthetic_documents

from annotate.report import highlight_pieces, markdown_highlight, render_report
from annotate.records import ErrorSpan
from annotate.scoring.evaluate import evaluate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FAST = {"ar_trials": 500, "bootstrap_samples": 300}  # fewer resamples: same code paths, faster


@pytest.fixture(scope="module")
def evaluation():
    return evaluate(synthetic_documents(), **FAST)


@pytest.fixture(scope="module")
def report(evaluation, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return render_report(evaluation, synthetic_documents(), out_dir=out, title="Synthetic <b>news</b> & MT")


def test_evaluation_of_synthetic_documents(evaluation) -> None:
    assert evaluation.baseline == "base" and evaluation.reference == "post_edits"
    assert evaluation.n_reference_streams == 2 and len(evaluation.segment_keys) == 6
    ranks = {row.system: row.rank for row in evaluation.systems}
    assert ranks == {"good": 1, "base": 2, "weak": 3}
    weak, base = evaluation.row("weak"), evaluation.row("base")
    assert weak.metrics["chrF2++"].score < base.metrics["chrF2++"].score
    assert weak.p_bs["BLEU"] is not None and base.p_bs["BLEU"] is None  # baseline has no p-value
    assert evaluation.clusters["MQM"][-1] == ["weak"]
    assert {c.level for c in evaluation.correlations} == {"segment", "segment, by item", "system"}  # 3 systems
    system_level = [c for c in evaluation.correlations if c.level == "system"]
    assert all(c.pairs == 3 and c.accuracy is not None for c in system_level)
    assert evaluation.agreement.n_pairs == 2


def test_a_single_system_still_gets_confidence_intervals() -> None:
    docs = synthetic_documents()
    for doc in docs:
        doc.translations = [t for t in doc.translations if t.system == "base"]
        for annotation in doc.annotations:
            annotation.ratings = [r for r in annotation.ratings if r.system == "base"]
    evaluation = evaluate(docs, **FAST)
    (row,) = evaluation.systems
    assert row.system == "base" and not evaluation.significance  # no paired test with one system
    assert set(row.ci) == {"BLEU", "chrF2++", "TER"}
    # sacrebleu's own `-ci` on the same hypotheses and references (300 seeded resamples; its sums
    # are float32, ours float64)
    from sacrebleu.metrics import BLEU, CHRF, TER

    hyps, refs = evaluation.hypotheses["base"], evaluation.references
    assert row.ci == pytest.approx({name: make().corpus_score(hyps, refs, n_bootstrap=300)._ci for name, make in (
        ("BLEU", BLEU), ("chrF2++", lambda: CHRF(word_order=2)), ("TER", TER))}, rel=1e-6)
    assert row.ci == pytest.approx({"BLEU": 16.619476, "chrF2++": 9.705553, "TER": 12.951220}, abs=1e-6)
    # MQM: base's segment scores are the two raters' means, ann-a [2, 1, 0, 1, 0, 0] and ann-b
    # [1, 0, 0, 5, 0, 0] → [1.5, 0.5, 0, 3, 0, 0] (mean 5/6); their means on sacrebleu's 1000
    # seeded draws, order statistics 25 and 974 (estimate_ci): half-width 0.875
    import numpy as np

    segments = np.array([1.5, 0.5, 0.0, 3.0, 0.0, 0.0])
    means = np.sort(segments[np.random.default_rng(12345).choice(6, size=(1000, 6), replace=True)].mean(axis=1))
    assert row.mqm == pytest.approx(5 / 6) and row.mqm_ci == pytest.approx(0.5 * (means[974] - means[25]), abs=1e-12)
    assert row.mqm_ci == pytest.approx(0.875, abs=1e-12)


def test_reference_system_is_not_scored_against_itself() -> None:
    evaluation = evaluate(synthetic_documents(), reference="good", **FAST)
    good = evaluation.row("good")
    assert good.is_reference and not good.metrics and good.mqm == 0.0
    assert evaluation.n_reference_streams == 1
    assert evaluation.references[0][0] == "The president of Russia will arrive in North Korea on Tuesday."
    with pytest.raises(ValueError, match="reference 'nope': no translations named 'nope'"):
        evaluate(synthetic_documents(), reference="nope")
    with pytest.raises(ValueError, match="baseline 'good' is not among the evaluated systems"):
        evaluate(synthetic_documents(), reference="good", baseline="good")


def test_html_is_self_contained_and_escaped(report) -> None:
    html = report.html.read_text(encoding="utf-8")
    assert "<title>Synthetic &lt;b&gt;news&lt;/b&gt; &amp; MT</title>" in html
    # the MT's "<script>alert(1)</script>" is shown as text, inside an error highlight
    assert '<mark class="major" title="Major · Accuracy/Addition · ann-a; Major · Accuracy/Addition · ann-b">' \
           "&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html
    assert "<script" not in html.replace("&lt;script", "")
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing may be fetched from the network"
    assert html.count('src="data:image/png;base64,') == 3
    for heading in ("Systems", "MQM by error category and severity", "Per document", "Worst segments",
                    "Metric–human correlation", "Annotator agreement", "Annotation budget", "Raters",
                    "Pre-annotations", "Annotation time", "What the translations lost", "Post-edits against the errors marked",
                    "Signatures and provenance"):
        assert f"<h2>{heading}</h2>" in html
    assert "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0" in html
    assert "apertium-eng-spa 0.8" in html and "annotate 0.1.0" in html


def test_markdown_twin_and_scores_json(report, evaluation) -> None:
    markdown = report.markdown.read_text(encoding="utf-8")
    assert markdown.startswith("# Synthetic \\<b\\>news\\</b\\> & MT\n")
    assert "| Rank | System | MQM ↓ | BLEU ↑ | chrF2++ ↑ | TER ↓ |" in markdown
    assert "![MQM by category and severity](figures/mqm_categories.png)" in markdown
    for name in ("metrics", "mqm_categories", "correlation"):
        assert (report.html.parent / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "(baseline)" in line]
    assert len(rows) == 1 and rows[0].count("|") == 7  # no stray pipes from the content
    data = json.loads(report.data.read_text(encoding="utf-8"))
    assert data["systems"]["weak"]["mqm"]["score"] == pytest.approx(evaluation.row("weak").mqm)
    assert data["systems"]["base"]["metrics"]["BLEU"]["p_bootstrap"] is None
    assert data["agreement"]["span_f1"]["entities"]["exact"] == pytest.approx(4 / 7)
    # every translation rated by both annotators: a crossed design, where the adjustment is a no-op
    assert "Every system got the same mix, so the adjustment changes nothing." in markdown
    assert "| ann-a | 18 |" in markdown and "| good | " in markdown.split("## Raters")[1]
    budget = data["annotation_budget"]
    assert [(p["better"], p["worse"]) for p in budget["pairs"]] == [("good", "base"), ("base", "weak")]
    assert budget["pairs"][0]["n_rated"] == 6 and "| good | base | " in markdown.split("## Annotation budget")[1]
    assert data["raters"]["rater_adjusted_mqm"] == pytest.approx(
        {row.system: row.mqm for row in evaluation.systems}, abs=1e-9)
    assert data["raters"]["mix"]["weak"] == {"ann-a": 0.5, "ann-b": 0.5}


@pytest.mark.parametrize(
    ("errors", "pieces"),
    [
        ([], [("abcdef", "")]),
        ([(1, 3, "Minor")], [("a", ""), ("bc", "minor"), ("def", "")]),
        ([(0, 4, "Minor"), (2, 6, "Major")], [("ab", "minor"), ("cd", "major"), ("ef", "major")]),
        ([(3, 3, "Major")], [("abc", ""), ("", "major"), ("def", "")]),  # empty span: a marker
        ([(6, 6, "Minor")], [("abcdef", ""), ("", "minor")]),  # … also at the very end
    ],
)
def test_highlight_pieces(errors, pieces) -> None:
    spans = [(ErrorSpan(s, e, "Other", sev, "abcdef"[s:e]), "r1") for s, e, sev in errors]
    got = highlight_pieces("abcdef", spans)
    assert [(p["text"], p["severity"]) for p in got if p["text"] or p["severity"]] == pieces
    assert "".join(p["text"] for p in got) == "abcdef"


def test_markdown_highlight_merges_runs_and_escapes() -> None:
    spans = [(ErrorSpan(0, 4, "Other", "Minor", "a *b"), "r"), (ErrorSpan(2, 9, "Other", "Major", "*b c|d "), "r")]
    assert markdown_highlight(highlight_pieces("a *b c|d e", spans)) == "**a \\*b c\\|d** e"


def test_cli_score_and_report(tmp_path: Path) -> None:
    tsv = REPO / "tests" / "data" / "mqm" / "corners.tsv"
    run = subprocess.run([sys.executable, "-m", "annotate.cli", "score", str(tsv), "--json", "--reference", "sysA"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["reference"] == "sysA" and data["systems"]["sysB"]["mqm"]["score"] == pytest.approx(11.0)
    out = tmp_path / "corners-report"
    run = subprocess.run([sys.executable, "-m", "annotate.cli", "report", str(tsv), "--out-dir", str(out),
                          "--reference", "sysA", "--title", "Corners"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert (out / "report.html").exists() and (out / "report.md").exists()
    bad = subprocess.run([sys.executable, "-m", "annotate.cli", "score", str(tsv), "--reference", "nope"],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and "reference 'nope': no translations named 'nope'" in bad.stderr


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (apt-get install chromium)")
def test_annotators_against_ground_truth(tmp_path: Path) -> None:
    from dataclasses import replace

    docs = synthetic_documents()
    assert "Against ground truth" not in render_report(evaluate(docs, **FAST), docs, out_dir=tmp_path / "none",
                                                       title="t").markdown.read_text(encoding="utf-8")
    for doc in docs:
        doc.annotations = [replace(a, ground_truth=a.annotator == "ann-a") for a in doc.annotations]
    evaluation = evaluate(docs, **FAST)
    paths = render_report(evaluation, docs, out_dir=tmp_path / "gt", title="t")
    (scores,) = evaluation.ground_truth
    entities = scores.span_f1["entities"]
    row = f"| ann-b | 2 | {entities['overlap'].f1:.3f} ({entities['exact'].f1:.3f}) | — |"
    assert row in paths.markdown.read_text(encoding="utf-8")
    data = json.loads(paths.data.read_text(encoding="utf-8"))
    assert data["ground_truth"]["ann-b"]["span_f1"]["errors"]["overlap"] == pytest.approx(
        scores.span_f1["errors"]["overlap"].f1)


def test_preannotation_section(tmp_path: Path) -> None:
    """Synthetic documents get a prediction holding annotator ann-a's entities plus one wrong span;
    ann-b started from it in the UI, ann-a did not: two situations, one table each, and per annotator."""
    from dataclasses import replace

    from annotate.records import Span

    docs = synthetic_documents()
    assert "Not available: the data carries no pre-annotations" in render_report(
        evaluate(docs, **FAST), docs, out_dir=tmp_path / "none", title="t").markdown.read_text(encoding="utf-8")
    for number, doc in enumerate(docs, 1):
        source = next(a for a in doc.annotations if a.annotator == "ann-a")
        wrong = Span(0, 2, "MISC", doc.text[0:2])
        doc.predictions = [replace(source, annotator="suggest-1", status="prediction", annotation_id=number,
                                   entities=[*source.entities, wrong], claims=[], ratings=[], post_edits=[])]
        doc.annotations = [replace(a, parent_prediction=number if a.annotator == "ann-b" else None)
                           for a in doc.annotations]
    evaluation = evaluate(docs, **FAST)
    paths = render_report(evaluation, docs, out_dir=tmp_path / "pre", title="t")
    scratch, started = evaluation.preannotation.groups
    assert (scratch.situation, scratch.annotations, started.situation, started.annotations) == (
        "from scratch", len(docs), "started from it", len(docs))
    total = scratch.total("entities")
    # ann-a opened a blank annotation: the wrong span was never shown to them, so it is missed, not deleted
    assert (total.suggested, total.kept, total.deleted, total.missed) == (
        total.annotated + len(docs), total.annotated, 0, len(docs))
    markdown = paths.markdown.read_text(encoding="utf-8").split("## Pre-annotations")[1]
    assert f"|  | **all** | {total.suggested} | {total.kept} | 0 | 0 | {len(docs)} | " in markdown
    assert "that started from these suggestions in the labeling UI" in markdown
    assert f"| ann-b | suggest-1 | {len(docs)} | {len(docs)} |" in markdown
    started_total = started.total("entities")
    gap = f"{(started_total.precision - total.precision) * 100:+.1f}".replace("-", "−")
    (row,) = evaluation.preannotation.anchoring
    low, high = (f"{bound * 100:+.1f}".replace("-", "−") for bound in row.ci)
    assert (f"| suggest-1 | entities | {started_total.precision * 100:.1f}% ({started_total.kept}/{started_total.suggested})"
            f" | {total.precision * 100:.1f}% ({total.kept}/{total.suggested}) | {gap} | {low} to {high} |") in markdown
    data = json.loads(paths.data.read_text(encoding="utf-8"))["preannotation"]["suggest-1"]
    assert data["from scratch"]["layers"]["entities"]["all"]["precision"] == pytest.approx(total.precision)
    assert data["anchoring"]["entities"]["gap"] == pytest.approx(started_total.precision - total.precision)
    assert "<h2>Pre-annotations</h2>" in paths.html.read_text(encoding="utf-8")


def test_annotation_time_section_prices_the_budget(tmp_path: Path) -> None:
    from dataclasses import replace

    docs = synthetic_documents()
    assert "Not available: no submitted annotation carries Label Studio's timing" in render_report(
        evaluate(docs, **FAST), docs, out_dir=tmp_path / "none", title="t").markdown.read_text(encoding="utf-8")
    for doc in docs:  # ann-a worked in the UI (5 minutes a task); ann-b's work came through the API
        doc.annotations = [replace(a, lead_time=300.0 if a.annotator == "ann-a" else None) for a in doc.annotations]
    evaluation = evaluate(docs, **FAST)
    paths = render_report(evaluation, docs, out_dir=tmp_path / "timed", title="t")
    markdown = paths.markdown.read_text(encoding="utf-8").split("## Annotation time")[1]
    (person,) = evaluation.effort.annotators
    rated = sum(len(a.ratings) for d in docs for a in d.annotations if a.annotator == "ann-a")
    assert person.seconds_per_translation == pytest.approx(600 / rated)
    assert "timed 2 submitted annotations (2 more carry no time" in markdown
    assert "| ann-a | 2 | 10.0 min | 5.0 min |" in markdown
    needed = evaluation.budget.median_needed
    hours = 2 * needed * 600 / rated / 3600
    assert f"the median adjacent pair ({needed:,} segments × 2 systems) ≈ {hours:,.1f} annotator-hours" in markdown
    data = json.loads(paths.data.read_text(encoding="utf-8"))["annotation_time"]
    assert (data["timed_annotations"], data["untimed_annotations"], data["seconds"]) == (2, 2, 600.0)
    assert "Starting from the suggestions" not in markdown  # all from scratch: nothing to compare
    # ann-b, who started from the suggestions, was timed too (2 minutes a task)
    for doc in docs:
        doc.annotations = [replace(a, lead_time=120.0, parent_prediction=1) if a.annotator == "ann-b" else a
                           for a in doc.annotations]
    evaluation = evaluate(docs, **FAST)
    markdown = render_report(evaluation, docs, out_dir=tmp_path / "both", title="t").markdown.read_text(
        encoding="utf-8").split("## Annotation time")[1]
    sentences = sum(len(doc.segments) for doc in docs)
    assert evaluation.effort.seconds_per_segment(True) == pytest.approx(240 / sentences)
    assert "Starting from the suggestions: " in markdown and "60% of the time saved" in markdown


def test_report_on_an_export_with_invalid_annotations(tmp_path: Path) -> None:
    """Stops listing both problems; with --skip-invalid reports the rest and says what it left out."""
    from typer.testing import CliRunner

    from annotate.cli import app
    from fixtures_labelstudio import broken_recorded_export

    export, out = broken_recorded_export(tmp_path), tmp_path / "report"
    runner = CliRunner()
    failed = runner.invoke(app, ["report", str(export), "--out-dir", str(out)], env={"COLUMNS": "500"})
    output = " ".join(failed.output.split())
    assert failed.exit_code == 1 and "2 annotations failed validation" in output
    assert "'Pyongyangg'" in output and "has no severity" in output and not out.exists()
    done = runner.invoke(app, ["report", str(export), "--out-dir", str(out), "--skip-invalid"], env={"COLUMNS": "500"})
    assert done.exit_code == 0, done.output
    assert "warning:" in done.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "- **Set aside:** 2 annotations of the export failed validation" in markdown
    assert "<dt>Set aside</dt><dd>2 annotations of the export" in (out / "report.html").read_text(encoding="utf-8")


def test_report_renders_in_headless_chromium(report) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    screenshot = report.html.parent / "report.png"
    with tempfile.TemporaryDirectory() as profile, playwright.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, viewport={"width": 1300, "height": 900},
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(report.html.as_uri())
            assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
            assert dialogs == []  # the MT's <script>alert(1)</script> did not run
            assert page.locator("table").first.locator("tbody tr").count() == 3
            assert page.locator("mark.major").count() >= 3 and page.locator("mark.gap").count() >= 1
            assert page.get_by_text("<script>alert(1)</script>", exact=False).count() >= 1
            images = page.locator("img")
            assert all(images.nth(i).evaluate("img => img.naturalWidth > 100") for i in range(images.count()))
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 50_000


def test_mqm_only_report_without_references(tmp_path: Path) -> None:
    # A WMT TSV has no post-edits: the report keeps the human side and says what is missing.
    from annotate.mqm_tsv import read_mqm_tsv

    docs = read_mqm_tsv(REPO / "tests" / "data" / "mqm" / "corners.tsv").documents
    evaluation = evaluate(docs, **FAST)
    assert evaluation.segment_keys == [] and evaluation.skipped_segments == 3
    assert all(not row.metrics for row in evaluation.systems)
    assert [row.system for row in sorted(evaluation.systems, key=lambda r: r.rank)] == ["sysA", "sysB"]
    paths = render_report(evaluation, docs, out_dir=tmp_path, title="MQM only")
    html = paths.html.read_text(encoding="utf-8")
    assert "Not available: needs MQM and automatic scores" in html and "3 left out" in html
    assert html.count('src="data:image/png;base64,') == 1  # the MQM chart only


def test_an_omission_marked_in_the_source_is_highlighted_in_the_source(tmp_path) -> None:
    docs = synthetic_documents()
    rating = docs[0].annotations[0].ratings[0]
    lost = rating.source.index(rating.source.split()[-1])
    rating.errors.append(ErrorSpan(lost, len(rating.source), "Accuracy/Omission", "Major", rating.source[lost:],
                                   side="source"))
    paths = render_report(evaluate(docs, **FAST), docs, out_dir=tmp_path, title="t")
    html = paths.html.read_text(encoding="utf-8")
    rater = docs[0].annotations[0].annotator
    assert (f'<mark class="major" title="Major · Accuracy/Omission · {rater}">{rating.source[lost:]}</mark>'
            in html)
    assert f"- **Source:** {rating.source[:lost]}**{rating.source[lost:]}**" in \
        paths.markdown.read_text(encoding="utf-8").replace("\\.", ".")


def test_what_the_translations_lost_names_the_entities_and_claims(tmp_path) -> None:
    from fixtures_labelstudio import gold_with_source_omissions, tricky_document

    doc = tricky_document()
    doc.annotations = [gold_with_source_omissions(doc)[0]]
    paths = render_report(evaluate([doc], **FAST), [doc], out_dir=tmp_path, title="t")
    html = paths.html.read_bytes().decode("utf-8")  # not read_text: it would turn the \r\n into \n
    assert "<tr><td class=\"l\">apertium</td><td>2</td><td>2</td><td class=\"l\">LOC 1, DATE 1</td><td>1</td>" \
           "<td class=\"l\">Event 1</td></tr>" in html
    assert "<li><b>apertium</b> · doc-tricky-1 #2 · LOC: “Pyongyang” (omitted: “Pyongyang\r\nel”, Minor," in html
    markdown = paths.markdown.read_bytes().decode("utf-8")
    assert "| apertium | 2 | 2 | LOC 1, DATE 1 | 1 | Event 1 |" in markdown
    # one list item per line: the CR LF inside the texts does not break it
    assert "- **apertium** · doc-tricky-1 #2 · LOC: “Pyongyang” (omitted: “Pyongyang el”, Minor," in markdown
    scores = json.loads((paths.html.parent / "scores.json").read_text(encoding="utf-8"))["lost_in_translation"]
    assert scores["systems"] == {"apertium": {"omissions_marked_in_the_source": 2, "entities": {"LOC": 1, "DATE": 1},
                                              "claims": {"Event": 1}}}
    assert len(scores["lost"]) == 3


def test_without_omissions_in_the_source_the_section_says_so(report) -> None:
    assert "Not available: no rater marked an omission in the source" in report.html.read_text(encoding="utf-8")
    assert "Not available: no rater marked an omission in the source" in report.markdown.read_text(encoding="utf-8")


def test_mqm_coverage_that_differs_between_systems_is_stated_next_to_the_means(report, tmp_path) -> None:
    from annotate.report import mqm_coverage

    assert "MQM covers different segments" not in report.markdown.read_text(encoding="utf-8")  # uniform
    docs = synthetic_documents()
    total = {s: sum(1 for d in docs for t in d.translations if t.system == s) for s in ("base", "good", "weak")}
    for annotation in docs[0].annotations:  # weak rated on the other documents only
        annotation.ratings = [r for r in annotation.ratings if r.system != "weak"]
    evaluation = evaluate(docs, **FAST)
    coverage = mqm_coverage(evaluation, docs)
    rated = {system: (n, of) for system, n, of in coverage["rated"]}
    assert rated["base"] == (total["base"], total["base"]) and rated["weak"][0] < total["weak"]
    assert coverage["common"] == rated["weak"][0] and coverage["unrated"] == []
    paths = render_report(evaluation, docs, out_dir=tmp_path / "partial", title="t")
    note = f"weak {rated['weak'][0]} of {total['weak']} rated"
    assert note in paths.markdown.read_text(encoding="utf-8") and note in paths.html.read_text(encoding="utf-8")
    assert f"on the {coverage['common']} segments all of them have ratings for" in paths.markdown.read_text(encoding="utf-8")

    for doc in docs:  # weak rated nowhere: a system added after the annotations were submitted
        for annotation in doc.annotations:
            annotation.ratings = [r for r in annotation.ratings if r.system != "weak"]
    evaluation = evaluate(docs, **FAST)
    assert mqm_coverage(evaluation, docs)["unrated"] == ["weak"]
    markdown = render_report(evaluation, docs, out_dir=tmp_path / "unrated", title="t").markdown.read_text(encoding="utf-8")
    assert "not rated at all: weak (e.g. a system added after the annotations were submitted)" in markdown


def test_post_edit_references_say_which_system_the_post_edits_started_from(evaluation, report, tmp_path) -> None:
    from annotate.report import post_edit_origin

    origin = post_edit_origin(evaluation)  # the synthetic post-edits are good's output on 3 segments
    assert origin == {"unchanged": [("base", 0), ("good", 3), ("weak", 0)], "n": 6, "favoured": "good"}
    markdown = report.markdown.read_text(encoding="utf-8")
    assert "0 of 6 segments for base; 3 of 6 segments for good; 0 of 6 segments for weak" in markdown
    assert "here evidently good's" in markdown and "here evidently good's" in report.html.read_text(encoding="utf-8")

    docs = synthetic_documents()
    references = {(a.doc_id, p.seg_id): p.text for doc in docs for a in doc.annotations[:1] for p in a.post_edits}
    for doc in docs:  # the weak system's output left as it was on three segments too: a tie, nobody evident
        doc.translations = [replace(t, mt=references[(t.doc_id, t.seg_id)]) if t.system == "weak" and t.doc_id == "doc-1"
                            else t for t in doc.translations]
    evaluation = evaluate(docs, **FAST)
    origin = post_edit_origin(evaluation)
    assert dict(origin["unchanged"])["weak"] == 3 and origin["favoured"] is None
    paths = render_report(evaluation, docs, out_dir=tmp_path, title="t")
    for text in (paths.markdown.read_text(encoding="utf-8"), paths.html.read_text(encoding="utf-8")):
        assert "3 of 6 segments for weak" in text and "here evidently" not in text
    assert post_edit_origin(evaluate(docs[:1], reference="base", **FAST)) is None  # a system as the reference


def test_errors_the_post_edit_left_as_they_were_are_shown_in_their_mt(tmp_path) -> None:
    from annotate.records import PostEdit

    docs = synthetic_documents()
    doc, annotation, rating = next((d, a, r) for d in docs for a in d.annotations for r in a.ratings
                                   if any(e.severity != "Neutral" and e.side == "target" for e in r.errors))
    errors = [e for e in rating.errors if e.severity != "Neutral" and e.side == "target"]
    index = doc.annotations.index(annotation)  # the annotator "post-edits" by leaving the MT as it was
    doc.annotations[index] = replace(annotation, post_edits=[
        PostEdit(p.seg_id, rating.target if p.seg_id == rating.seg_id else p.text) for p in annotation.post_edits])
    paths = render_report(evaluate(docs, **FAST), docs, out_dir=tmp_path, title="t")
    markdown = paths.markdown.read_text(encoding="utf-8").split("## Post-edits against the errors marked")[1]
    assert f"Errors the post-edit left as they were ({len(errors)}), in **bold** in the MT:" in markdown
    html = paths.html.read_text(encoding="utf-8").split("<h2>Post-edits against the errors marked</h2>")[1]
    for error in errors:
        assert f"{rating.system} · {rating.doc_id} #{rating.seg_id} · {annotation.annotator} · {error.severity} " \
               f"{error.category}" in markdown
        assert f"**{error.text}**" in markdown  # bold in the MT
        assert f'<mark class="{error.severity.lower()}" title="{error.severity} · {error.category} · ' \
               f'{annotation.annotator}">{error.text}</mark>' in html.split("<h2>")[0]
    scores = json.loads(paths.data.read_text(encoding="utf-8"))["post_edits_vs_errors"]
    assert scores["annotators"][annotation.annotator]["unfixed"] == len(errors)
    assert [(u["doc_id"], u["seg_id"], u["text"]) for u in scores["unfixed"]] == \
           [(rating.doc_id, rating.seg_id, e.text) for e in errors]
