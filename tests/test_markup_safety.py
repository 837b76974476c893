"""User data holding square brackets never breaks a command's output (issue #20).

rich reads ``[...]`` in a printed ``str`` as console markup: ``[/b]`` in a title crashed commands with
a MarkupError, ``[video]`` in a category vanished from an error message. Each command here is fed
titles, system names, raters, MQM categories, dataset and file names holding ``[/b]``, ``[video]``
and ``[red]x[/red]``, and must exit as it would with plain names and print them literally."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fixtures_labelstudio import broken_recorded_export
from rich.console import Console
from typer.testing import CliRunner

from annotate.cli import app
from annotate.dataset.synthetic import synthetic_document
from annotate.records import Translation
from annotate.terminal import PlainTable, line, print_error

runner = CliRunner()

CLOSING_TAG, UNKNOWN_TAG, STYLED = "[/b]", "[video]", "[red]x[/red]"
SYSTEM = f"sys{CLOSING_TAG}A"
RATER = f"rater{STYLED}"
CATEGORY = f"Fluency/{UNKNOWN_TAG}"  # not in the schema: named in the error, or admitted with --allow-category
FILE_TAGS = f"{UNKNOWN_TAG}{STYLED.replace('/', '')}"  # a file name cannot hold "/": "[video][red]x[red]"

MQM_ROWS = [  # system, doc, doc_id, seg_id, rater, source, target, category, severity, comment
    (SYSTEM, "news.1", "1", "1", RATER, "He said hi.", "Er sagte <v>hallo</v>.", "Fluency/Grammar", "Minor",
     f"a comment {CLOSING_TAG}"),
    ("sysB", "news.1", "1", "1", RATER, "He said hi.", "Er <v>sagte</v> hallo.", "Accuracy/Omission", "Major", ""),
    (SYSTEM, "news.1", "2", "2", "rater1", "It is tall.", "Es ist groß.", "No-error", "No-error", ""),
    ("sysB", "news.1", "2", "2", "rater1", "It is tall.", "<v>Es</v> ist groß.", "Style/Awkward", "Minor", ""),
]
HEADER = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity", "comment")


def invoke(*args: object):
    """Run ``annotate ARGS`` on a wide terminal (so no literal is wrapped across two lines)."""
    return runner.invoke(app, [str(arg) for arg in args], env={"COLUMNS": "400"})


def assert_printed(result, exit_code: int, *literals: str) -> None:
    """The command exited with ``exit_code`` (not a MarkupError's 1) and printed every literal."""
    assert result.exit_code == exit_code, (result.output, result.exception)
    for literal in literals:
        assert literal in result.output, (literal, result.output)


def write_tsv(path: Path, rows=MQM_ROWS) -> Path:
    path.write_text("\n".join("\t".join(row) for row in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def mqm_tsv(tmp_path: Path) -> Path:
    """A WMT MQM TSV file whose name, system, rater and comment hold brackets."""
    return write_tsv(tmp_path / f"mqm{FILE_TAGS}_ende.tsv")


@pytest.fixture
def raw_articles(tmp_path: Path) -> Path:
    """A folder with one raw article whose first line, its title, is all brackets."""
    folder = tmp_path / f"raw{UNKNOWN_TAG}"
    folder.mkdir()
    (folder / f"{FILE_TAGS}news.txt").write_text(
        f"{CLOSING_TAG} Título {UNKNOWN_TAG} {STYLED}\n\n"
        f"El gobierno anunció hoy nuevas medidas para la economía del país. Los expertos {CLOSING_TAG} dudan.\n\n"
        "Otra frase aquí con más texto para que sea un párrafo real del artículo.\n", encoding="utf-8")
    return folder


# ── the text pipeline ─────────────────────────────────────────────────────────────────────────

def test_ingest_table_shows_bracketed_title_and_file_name(raw_articles):
    result = invoke("ingest", raw_articles)
    assert_printed(result, 0, f"{CLOSING_TAG} Título {UNKNOWN_TAG} {STYLED}", f"{FILE_TAGS}news.txt", str(raw_articles))


def test_ingest_explain_shows_bracketed_lines(raw_articles):
    result = invoke("ingest", raw_articles, "--explain")
    assert_printed(result, 0, f"{FILE_TAGS}news.txt: why each line", f"Los expertos {CLOSING_TAG} dudan.",
                   f"{CLOSING_TAG} Título {UNKNOWN_TAG} {STYLED}")


def test_ingest_failure_names_a_bracketed_file(raw_articles):
    (raw_articles / f"{UNKNOWN_TAG}latin1.txt").write_bytes("Año nuevo\n".encode("latin-1"))
    result = invoke("ingest", raw_articles)
    assert_printed(result, 1, f"{UNKNOWN_TAG}latin1.txt: not UTF-8", "1 file could not be ingested")


def test_ingest_of_a_missing_bracketed_path_is_an_error(tmp_path):
    result = invoke("ingest", tmp_path / f"none{UNKNOWN_TAG}")
    assert_printed(result, 2, f"none{UNKNOWN_TAG}")


def test_segment_table_shows_bracketed_title_and_sentences(raw_articles):
    result = invoke("segment", raw_articles)
    assert_printed(result, 0, f"{FILE_TAGS}news.txt: {CLOSING_TAG} Título {UNKNOWN_TAG} {STYLED}",
                   f"Los expertos {CLOSING_TAG} dudan.")


def test_argos_install_names_a_bracketed_bad_package(tmp_path):
    package = tmp_path / f"model{FILE_TAGS}.argosmodel"
    package.write_bytes(b"not a zip")
    assert_printed(invoke("argos", "install", package), 2, f"error: {package}: not an Argos package")


# ── MQM files ─────────────────────────────────────────────────────────────────────────────────

def test_import_mqm_names_a_bracketed_unknown_category(mqm_tsv):
    write_tsv(mqm_tsv, [*MQM_ROWS, ("sysB", "news.1", "2", "2", RATER, "It is tall.", "<v>Es</v> ist groß.",
                                    CATEGORY, "Minor", "")])
    result = invoke("import-mqm", mqm_tsv)
    assert_printed(result, 2, f"{mqm_tsv}:6: unknown MQM category '{CATEGORY}'")
    result = invoke("import-mqm", mqm_tsv, "--allow-category", CATEGORY, "-o", mqm_tsv.with_suffix(".jsonl"))
    assert_printed(result, 0, f"1 document → {mqm_tsv.with_suffix('.jsonl')}")


def test_mqm_scores_table_shows_bracketed_systems_and_file_name(mqm_tsv):
    result = invoke("mqm-scores", mqm_tsv)
    assert_printed(result, 0, f"MQM — {mqm_tsv.name}", f"│ {SYSTEM} ", "│ sysB ")


def test_mqm_scores_warns_about_a_bracketed_export(tmp_path):
    export = broken_recorded_export(tmp_path).rename(tmp_path / f"export{FILE_TAGS}.json")
    result = invoke("mqm-scores", export, "--skip-invalid")
    assert_printed(result, 0, f"warning: {export}:", "left out")
    result = invoke("mqm-scores", export)  # exit 1, as build and pull: the export's fault, not the command line's
    assert_printed(result, 1, f"error: {export}:", "failed validation")
    assert isinstance(result.exception, SystemExit)  # a MarkupError would exit 1 too


def test_score_table_shows_bracketed_systems(mqm_tsv):
    result = invoke("score", mqm_tsv, "--baseline", SYSTEM)
    assert_printed(result, 0, f"{mqm_tsv.name} — reference: post_edits, baseline: {SYSTEM}", f"{SYSTEM} (baseline)")


def test_score_errors_quote_bracketed_names(mqm_tsv, tmp_path):
    assert_printed(invoke("score", mqm_tsv, "--baseline", f"no{STYLED}"), 2, f"no{STYLED}")
    assert_printed(invoke("score", tmp_path / f"missing{UNKNOWN_TAG}.tsv"), 2,
                   f"missing{UNKNOWN_TAG}.tsv: no such file")


def test_export_mqm_keeps_brackets_and_names_bad_files(mqm_tsv, tmp_path):
    out = tmp_path / f"rows{UNKNOWN_TAG}.tsv"
    assert_printed(invoke("export-mqm", mqm_tsv, "-o", out), 0, f"4 rows → {out}")
    assert SYSTEM in out.read_text(encoding="utf-8") and RATER in out.read_text(encoding="utf-8")
    unknown_type = tmp_path / f"notes{UNKNOWN_TAG}.txt"
    unknown_type.write_text("hello\n", encoding="utf-8")
    assert_printed(invoke("export-mqm", unknown_type), 2, f"{unknown_type}: unknown input type")


def test_report_writes_to_a_bracketed_folder_and_quotes_bad_references(mqm_tsv, tmp_path):
    out = tmp_path / f"report{UNKNOWN_TAG}"
    result = invoke("report", mqm_tsv, "-o", out, "--title", f"Report {CLOSING_TAG}")
    assert_printed(result, 0, str(out / "report.html"))
    assert f"<h1>Report {CLOSING_TAG}</h1>" in (out / "report.html").read_text(encoding="utf-8")
    assert_printed(invoke("report", mqm_tsv, "-o", out, "--reference", f"ref{CLOSING_TAG}"), 2,
                   f"ref{CLOSING_TAG}")


# ── datasets ──────────────────────────────────────────────────────────────────────────────────

def test_build_report_shows_bracketed_names(mqm_tsv, tmp_path):
    out = tmp_path / f"dataset{UNKNOWN_TAG}"
    result = invoke("build", mqm_tsv, out, "--languages", "en-de", "--name", f"set {CLOSING_TAG} {STYLED}")
    assert_printed(result, 0, f"rows of set {CLOSING_TAG} {STYLED}", f"written: {out}")
    assert (out / "README.md").is_file()


def test_build_errors_quote_bracketed_names(mqm_tsv, tmp_path):
    out = tmp_path / f"dataset{UNKNOWN_TAG}"
    result = invoke("build", mqm_tsv, out, "--languages", "en-de", "--reference", f"ref{CLOSING_TAG}")
    assert_printed(result, 1, f"'ref{CLOSING_TAG}'", SYSTEM)
    assert not out.exists()
    export = broken_recorded_export(tmp_path).rename(tmp_path / f"export{FILE_TAGS}.json")
    result = invoke("build", export, out)
    assert_printed(result, 1, f"error: {export}:", f"nothing was built ({out} is unchanged)")


# ── the shared mechanism ──────────────────────────────────────────────────────────────────────

def render(*renderables) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(*renderables)
    return console.file.getvalue()


def test_plain_table_and_line_print_user_data_literally():
    table = PlainTable(title=f"title {CLOSING_TAG}", caption=f"caption {UNKNOWN_TAG}")
    table.add_column("name")
    table.add_row(f"{STYLED} :smile: \\")
    shown = render(table, line(("ours:", "bold"), f" {CLOSING_TAG}{UNKNOWN_TAG}"))
    for literal in (f"title {CLOSING_TAG}", f"caption {UNKNOWN_TAG}", f"{STYLED} :smile: \\",
                    f"ours: {CLOSING_TAG}{UNKNOWN_TAG}"):
        assert literal in shown


def test_print_error_prints_the_message_literally():
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_error(f"{CLOSING_TAG} broke {UNKNOWN_TAG}", console)
    assert console.file.getvalue() == f"error: {CLOSING_TAG} broke {UNKNOWN_TAG}\n"


def test_progress_shows_bracketed_annotators_and_systems():
    from annotate.progress import print_progress

    doc = synthetic_document(0, segments=1, annotators=2)
    for annotation, name in zip(doc.annotations, (f"ann{CLOSING_TAG}", f"ann{STYLED}")):
        annotation.annotator = name
    late = doc.translations[0]
    doc.translations.append(Translation(late.doc_id, late.seg_id, f"late{UNKNOWN_TAG}", "", late.source, late.mt))
    console = Console(file=io.StringIO(), width=300, color_system=None)
    print_progress(console, [doc])
    shown = console.file.getvalue()
    for literal in (f"ann{CLOSING_TAG}", f"ann{STYLED}", f"late{UNKNOWN_TAG} is unrated",
                    f"ann{CLOSING_TAG}, ann{STYLED}"):
        assert literal in shown, (literal, shown)


@pytest.mark.server
def test_push_names_a_bracketed_skipped_file_and_pushes_the_rest(ls_server, raw_articles, project_title):
    (raw_articles / f"{UNKNOWN_TAG}empty[b].txt").write_text("", encoding="utf-8")  # skipped, named literally
    title = f"{project_title[:30]} {CLOSING_TAG} {UNKNOWN_TAG}"
    args = ("push", raw_articles, "--project", title, "--no-predictions", "--url", ls_server.url,
            "--token", ls_server.token)
    result = invoke(*args)
    assert_printed(result, 1, "1 created", f"{UNKNOWN_TAG}empty[b].txt", "could not be ingested")
    assert_printed(invoke(*args), 1, "0 created", "1 unchanged")  # the title found again, brackets and all
