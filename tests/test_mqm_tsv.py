"""WMT MQM TSV import/export (annotate.mqm_tsv): format corners, clear errors, lossless round trip
(the real TED en-de file included). Google's published system scores: test_mqm_published_scores.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SHARED_MQM

from annotate.languages import LanguagePair
from annotate.mqm_tsv import (
    MQMTsvError,
    mark_span,
    parse_mqm_tsv,
    read_mqm_tsv,
    strip_markers,
    write_mqm_tsv,
)
from annotate.scoring.mqm import score_documents

DATA = Path(__file__).parent / "data" / "mqm"
TED_ENDE = SHARED_MQM / "mqm_ted_ende.tsv"
needs_shared_mqm = pytest.mark.skipif(
    not TED_ENDE.exists(), reason=f"the WMT MQM files are not here ({SHARED_MQM} absent): third-party data, never copied"
)
# Google's files use "Fluency/Display" (2 rows of mqm_ted_ende.tsv): now in the schema.
EXTRA = ()


# ── markers ───────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(
    ("marked", "clean", "spans"),
    [
        ("<v>Er</v> sagte", "Er sagte", [(0, 2)]),  # at the start
        ("Er sagte<v>.</v>", "Er sagte.", [(8, 9)]),  # at the end
        ("Er <v></v>sagte", "Er sagte", [(3, 3)]),  # empty span = a position
        ('"<v>Zitat</v>"', '"Zitat"', [(1, 6)]),  # quotes are text
        ("Straße <v>😀 ok</v>", "Straße 😀 ok", [(7, 11)]),  # code points, not bytes or UTF-16
        ("kein Fehler", "kein Fehler", []),
        ("Mobilität. <v>?", "Mobilität. ?", [(11, 12)]),  # closing tag lost: runs to the end
    ],
)
def test_strip_markers(marked: str, clean: str, spans: list[tuple[int, int]]) -> None:
    assert strip_markers(marked) == (clean, spans)
    for start, end in spans:
        assert strip_markers(mark_span(clean, start, end)) == (clean, [(start, end)])


@pytest.mark.parametrize(("marked", "message"), [("a <v>b <v>c</v></v>", "nested"), ("a</v> b", "without <v>")])
def test_bad_markers(marked: str, message: str) -> None:
    with pytest.raises(MQMTsvError, match=message):
        strip_markers(marked, "f.tsv:3: target")


# ── the corners fixture ───────────────────────────────────────────────────────────────────────

def _ratings(result):
    return {(r.system, r.doc_id, r.seg_id, r.rater): r for d in result.documents for a in d.annotations for r in a.ratings}


@pytest.mark.parametrize("name", ["corners.tsv", "no_comment.tsv"])
def test_corners_fixture_records(name: str) -> None:
    result = read_mqm_tsv(DATA / name)
    assert [d.doc_id for d in result.documents] == ["news.1", "news.2"]
    assert result.systems == ["sysA", "sysB"] and result.raters == ["rater1", "rater2"]
    assert result.global_seg_ids == {("news.1", 1): 1, ("news.1", 2): 2, ("news.2", 1): 3}
    assert result.has_comment_column is (name == "corners.tsv")
    ratings = _ratings(result)
    assert len(ratings) == 8
    # (system, doc, seg, rater) → [(start, end, side, text, category, severity)]
    expected = {
        ("sysA", "news.1", 1, "rater1"): [(0, 2, "target", "Er", "Fluency/Grammar", "Minor"),
                                          (16, 17, "target", ".", "Fluency/Punctuation", "Minor")],
        ("sysA", "news.1", 1, "rater2"): [],  # No-error row
        ("sysB", "news.1", 1, "rater1"): [(9, 9, "target", "", "Accuracy/Omission", "Major")],
        ("sysB", "news.1", 1, "rater2"): [(8, 12, "source", '"hi"', "Accuracy/Omission", "Minor")],
        ("sysA", "news.1", 2, "rater1"): [(0, 19, "target", "Es ist 1,88 m groß.", "Style/Awkward", "Major")],
        ("sysB", "news.1", 2, "rater2"): [(0, 7, "target", "zzz qqq", "Non-translation!", "Major")],
        ("sysA", "news.2", 1, "rater2"): [],
        ("sysB", "news.2", 1, "rater2"): [(0, 1, "target", '"', "Fluency/Punctuation", "Major"),
                                          (8, 9, "target", '"', "Terminology/Inappropriate for context", "Neutral")],
    }
    for key, errors in expected.items():
        rating = ratings[key]
        got = [(e.start, e.end, e.side, e.text, e.category, e.severity) for e in rating.errors]
        assert got == errors, key
        for error in rating.errors:  # every span maps into the clean text it belongs to
            text = rating.source if error.side == "source" else rating.target
            assert text[error.start:error.end] == error.text
    comment = ratings[("sysA", "news.1", 1, "rater1")].errors[1].comment
    assert comment == ('trailing "dot' if name == "corners.tsv" else "")
    doc = result.documents[0]
    assert [doc.text[s.start:s.end] for s in doc.segments] == ['He said "hi".', "It's 6'2\" tall."]
    assert {(t.system, t.seg_id): t.mt for t in doc.translations}[("sysB", 1)] == "Er sagte hallo."


def test_corners_fixture_mqm_scores() -> None:
    # Hand-computed: per rater sum of weights, mean over raters, mean over segments.
    # sysA: news.1#1 (1 + 0.1, 0) → 0.55; news.1#2 → 5; news.2#1 → 0           ⇒ 5.55 / 3
    # sysB: news.1#1 (5, 1) → 3; news.1#2 Non-translation → 25; news.2#1 5 + Neutral 0 ⇒ 33 / 3
    mqm = score_documents(read_mqm_tsv(DATA / "corners.tsv").documents)
    assert mqm.systems == pytest.approx({"sysA": 5.55 / 3, "sysB": 11.0})
    assert mqm.documents["news.1"] == pytest.approx({"sysA": 2.775, "sysB": 14.0})
    assert mqm.documents["news.2"] == pytest.approx({"sysA": 0.0, "sysB": 5.0})


@pytest.mark.parametrize("name", ["corners.tsv", "no_comment.tsv"])
def test_round_trip_is_lossless(name: str, tmp_path: Path) -> None:
    first = read_mqm_tsv(DATA / name)
    out = tmp_path / "out.tsv"
    write_mqm_tsv(first.documents, out)
    second = read_mqm_tsv(out)
    assert [d.to_dict() for d in second.documents] == [
        {**d.to_dict(), "source_name": "out.tsv"} for d in first.documents
    ]
    assert [[e.side for a in d.annotations for r in a.ratings for e in r.errors] for d in second.documents] == \
        [[e.side for a in d.annotations for r in a.ratings for e in r.errors] for d in first.documents]
    assert second.global_seg_ids == first.global_seg_ids
    if name == "corners.tsv":  # same layout: the file itself comes back byte for byte
        assert out.read_text(encoding="utf-8") == (DATA / name).read_text(encoding="utf-8")


def test_jsonl_pipe_keeps_sides_and_file_wide_segment_ids(tmp_path: Path) -> None:
    """import-mqm → JSON Lines → export-mqm gives the file back: ``ErrorSpan.side`` and
    ``Segment.global_seg_id`` are record fields, so nothing lives only in memory."""
    from typer.testing import CliRunner

    from annotate.cli import app

    jsonl, out = tmp_path / "docs.jsonl", tmp_path / "out.tsv"
    runner = CliRunner()
    imported = runner.invoke(app, ["import-mqm", str(DATA / "corners.tsv"), "-o", str(jsonl)])
    assert imported.exit_code == 0, imported.output
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    sides = {e["side"] for d in lines for a in d["annotations"] for r in a["ratings"] for e in r["errors"]}
    assert sides == {"target", "source"}  # corners.tsv marks one omission in the source
    assert all(s["global_seg_id"] is not None for d in lines for s in d["segments"])
    exported = runner.invoke(app, ["export-mqm", str(jsonl), "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8") == (DATA / "corners.tsv").read_text(encoding="utf-8")


# ── clear errors ──────────────────────────────────────────────────────────────────────────────

HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\tcomment\n"
GOOD = "s\td\t1\t1\tr1\tHello.\t<v>Hallo</v>.\tFluency/Grammar\tMinor\t\n"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("s\td\t1\t1\tr1\tHello.\tHallo.\tAccuracy/Bogus\tMinor\t\n", r"bad\.tsv:3: unknown MQM category 'Accuracy/Bogus'"),
        ("s\td\t1\t1\tr1\tHello.\tHallo.\tFluency/Grammar\tCritical\t\n", r"bad\.tsv:3: unknown MQM severity 'Critical'"),
        ("s\td\t1\t1\tr2\tHello.\tHallo!\tNo-error\tNo-error\t\n", r"bad\.tsv:3: target of s d#1 differs from bad\.tsv:2"),
        ("t\td\t1\t1\tr1\tHello!\tHallo.\tNo-error\tNo-error\t\n", r"bad\.tsv:3: source of d#1 differs from bad\.tsv:2"),
        ("s\td\t1\t7\tr2\tHello.\tHallo.\tNo-error\tNo-error\t\n", r"bad\.tsv:3: d#1 has seg_id 7"),
        ("s\td\tone\t1\tr2\tHello.\tHallo.\tNo-error\tNo-error\t\n", r"bad\.tsv:3: column doc_id must be an integer"),
        ("s\td\t1\t1\tr2\tHello.\tHallo.\tNo-error\n", r"bad\.tsv:3: expected 10 tab-separated columns, found 8"),
        ("s\td\t1\t1\tr1\tHello.\tHallo.\tNo-error\tNo-error\t\n", r"bad\.tsv:3: No-error row for a segment this rater"),
        ("s\td\t1\t1\tr1\t<v>Hello</v>.\t<v>Hallo</v>.\tFluency/Grammar\tMinor\t\n", r"bad\.tsv:3: one error row marks 2"),
        ("s\td\t1\t1\tr2\tHello.\tHal<v>lo</v><v>.</v>\tFluency/Grammar\tMinor\t\n", r"bad\.tsv:3: one error row marks 2"),
    ],
)
def test_bad_input_names_file_and_line(bad_line: str, message: str) -> None:
    with pytest.raises(MQMTsvError, match=message):
        parse_mqm_tsv(io.StringIO(HEADER + GOOD + bad_line), name="bad.tsv")


def test_extra_categories_are_opt_in() -> None:
    line = "s\td\t1\t1\tr1\tHello.\t<v>⁇</v>allo.\tFluency/Blinking\tMajor\t\n"
    with pytest.raises(MQMTsvError, match="unknown MQM category 'Fluency/Blinking'"):
        parse_mqm_tsv(io.StringIO(HEADER + line))
    result = parse_mqm_tsv(io.StringIO(HEADER + line), extra_categories=["Fluency/Blinking"])
    assert result.documents[0].annotations[0].ratings[0].errors[0].text == "⁇"


def test_headerless_nine_columns() -> None:
    result = parse_mqm_tsv(io.StringIO("s\td\t2\t5\tr1\tHi.\t<v>Hallo</v>.\tStyle/Awkward\tMajor\n"))
    assert result.global_seg_ids == {("d", 2): 5} and not result.has_comment_column


BOM = "\ufeff".encode()  # what Excel and Windows editors put before a "UTF-8" file


@pytest.mark.parametrize("name", ["corners.tsv", "no_comment.tsv"])
def test_a_byte_order_mark_is_skipped(name: str, tmp_path: Path) -> None:
    with_bom = tmp_path / name  # same file name: the documents' source_name is the same
    with_bom.write_bytes(BOM + (DATA / name).read_bytes())
    expected, got = read_mqm_tsv(DATA / name), read_mqm_tsv(with_bom)
    assert [doc.to_json() for doc in got.documents] == [doc.to_json() for doc in expected.documents]
    assert got.has_comment_column is expected.has_comment_column


def test_a_byte_order_mark_before_a_headerless_row_is_not_part_of_the_system() -> None:
    result = parse_mqm_tsv(io.StringIO("\ufeffs\td\t2\t5\tr1\tHi.\t<v>Hallo</v>.\tStyle/Awkward\tMajor\n"))
    assert [t.system for t in result.documents[0].translations] == ["s"]


def test_cli_imports_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from annotate.cli import app

    runner = CliRunner()
    with_bom = tmp_path / "corners.tsv"
    with_bom.write_bytes(BOM + (DATA / "corners.tsv").read_bytes())
    plain, marked = (runner.invoke(app, ["import-mqm", str(path)]) for path in (DATA / "corners.tsv", with_bom))
    assert marked.exit_code == 0, marked.output
    assert marked.stdout == plain.stdout


# ── the real TED en-de file ──────────────────────────────────────────────────────────────────

@needs_shared_mqm
def test_ted_ende_round_trip(tmp_path: Path) -> None:
    first = read_mqm_tsv(TED_ENDE, extra_categories=EXTRA)
    out = tmp_path / "ted.tsv"
    assert write_mqm_tsv(first.documents, out) == 8435
    original = TED_ENDE.read_text(encoding="utf-8").splitlines()
    written = out.read_text(encoding="utf-8").splitlines()
    differing = [i for i, (a, b) in enumerate(zip(original, written)) if a != b]
    # Row for row identical, except the one target whose closing </v> is missing in the original.
    assert len(written) == len(original) and len(differing) == 1
    assert original[differing[0]].replace("<v>?\t", "<v>?</v>\t") == written[differing[0]]
    # the format has no language column: Google's file name said en-de, this one's name says nothing
    assert {(d.source_language, d.target_language) for d in first.documents} == {("en", "de")}
    assert {(d.source_language, d.target_language) for d in read_mqm_tsv(out, extra_categories=EXTRA).documents} == {("", "")}
    second = read_mqm_tsv(out, extra_categories=EXTRA, languages=LanguagePair("en", "de"))
    assert [d.to_dict() for d in second.documents] == [{**d.to_dict(), "source_name": "ted.tsv"} for d in first.documents]


def test_cli_unknown_category_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text(HEADER + "s\td\t1\t1\tr1\tHi.\tHallo.\tAccuracy/Bogus\tMinor\t\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "annotate.cli", "mqm-scores", str(bad)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode != 0
    assert f"{bad}:2: unknown MQM category 'Accuracy/Bogus'" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_import_then_export_gives_the_file_back(tmp_path: Path) -> None:
    # JSON Lines in between: source-side spans survive (their "side" travels in the JSON).
    jsonl, tsv = tmp_path / "corners.jsonl", tmp_path / "corners.tsv"
    for command in (["import-mqm", str(DATA / "corners.tsv"), "-o", str(jsonl)],
                    ["export-mqm", str(jsonl), "-o", str(tsv)]):
        run = subprocess.run([sys.executable, "-m", "annotate.cli", *command], capture_output=True, text=True, cwd=REPO)
        assert run.returncode == 0, run.stderr
    assert len(jsonl.read_text(encoding="utf-8").splitlines()) == 2  # one line per document
    assert tsv.read_text(encoding="utf-8") == (DATA / "corners.tsv").read_text(encoding="utf-8")


def test_export_refuses_a_span_that_does_not_match_its_text(tmp_path: Path) -> None:
    docs = read_mqm_tsv(DATA / "corners.tsv").documents
    rating = docs[0].annotations[0].ratings[0]
    error = rating.errors[0]
    rating.errors[0] = type(error)(error.start + 1, error.end + 1, error.category, error.severity, error.text)
    with pytest.raises(ValueError, match=r"sysA news.1#1 rater rater1: error span 1:3 is 'r ' in the target, but the error says 'Er'"):
        write_mqm_tsv(docs, tmp_path / "bad.tsv")


# ── inputs without data rows ──────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("content", ["", HEADER, "\n\n", HEADER + "\n"], ids=["empty", "header", "blank", "header+blank"])
def test_no_rows_is_an_error_naming_the_file(content: str) -> None:
    with pytest.raises(MQMTsvError, match=r"^empty\.tsv: no rows"):
        parse_mqm_tsv(io.StringIO(content), name="empty.tsv")


@pytest.mark.parametrize(
    "command",
    [["import-mqm", "{tsv}", "-o", "{keep}"], ["export-mqm", "{tsv}", "-o", "{keep}"], ["mqm-scores", "{tsv}"],
     ["mqm-scores", "{tsv}", "--json"]],
)
@pytest.mark.parametrize("content", ["", HEADER], ids=["empty", "header"])
def test_cli_no_rows_fails_and_keeps_output(command: list[str], content: str, tmp_path: Path) -> None:
    tsv, keep = tmp_path / "empty.tsv", tmp_path / "keep.out"
    tsv.write_text(content, encoding="utf-8")
    keep.write_text("earlier results\n", encoding="utf-8")
    args = [part.format(tsv=tsv, keep=keep) for part in command]
    run = subprocess.run([sys.executable, "-m", "annotate.cli", *args], capture_output=True, text=True, cwd=REPO)
    assert run.returncode != 0 and run.stdout == ""
    assert f"{tsv}: no rows" in run.stderr and "Traceback" not in run.stderr
    assert keep.read_text(encoding="utf-8") == "earlier results\n"


def test_cli_export_refusing_a_span_keeps_output(tmp_path: Path) -> None:
    # export-mqm validates spans while writing rows: the old -o file must survive a refusal.
    docs = read_mqm_tsv(DATA / "corners.tsv").documents
    rating = docs[0].annotations[0].ratings[0]
    error = rating.errors[0]
    rating.errors[0] = type(error)(error.start + 1, error.end + 1, error.category, error.severity, error.text)
    jsonl, keep = tmp_path / "bad.jsonl", tmp_path / "keep.tsv"
    jsonl.write_text("".join(doc.to_json() + "\n" for doc in docs), encoding="utf-8")
    keep.write_text("earlier\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "annotate.cli", "export-mqm", str(jsonl), "-o", str(keep)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 2 and "error span 1:3" in run.stderr
    assert keep.read_text(encoding="utf-8") == "earlier\n"


# ── non-UTF-8 input ───────────────────────────────────────────────────────────────────────────

LATIN1_ROW = "s\td\t2\t2\tr1\tCafé.\tKaffee.\tNo-error\tNo-error\t\n".encode("latin-1")


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (HEADER.encode() + GOOD.encode() + LATIN1_ROW, f":3: not UTF-8: byte 0xe9 at offset {len(HEADER + GOOD) + 14}"),
        (LATIN1_ROW, ":1: not UTF-8: byte 0xe9 at offset 14"),
        (HEADER.encode() + b"s\td\t1\t1\tr1\tHi.\t\xff\tNo-error\tNo-error\t\n", ":2: not UTF-8: byte 0xff at offset"),
    ],
    ids=["line 3", "line 1", "0xff"],
)
def test_non_utf8_names_file_line_and_byte(content: bytes, where: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes(content)
    with pytest.raises(MQMTsvError) as raised:
        read_mqm_tsv(path)
    assert str(raised.value).startswith(f"{path}{where}")
    assert str(raised.value).endswith("re-encode the file as UTF-8")


@pytest.mark.parametrize("command", [["import-mqm"], ["mqm-scores"], ["export-mqm"], ["build", "OUT"]])
def test_cli_non_utf8_is_one_clear_line(command: list[str], tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes(HEADER.encode() + GOOD.encode() + LATIN1_ROW)
    args = [command[0], str(path), *[str(tmp_path / "out") for _ in command[1:]]]
    run = subprocess.run([sys.executable, "-m", "annotate.cli", *args], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "COLUMNS": "400"})
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert f"{path}:3: not UTF-8: byte 0xe9 at offset" in run.stderr
