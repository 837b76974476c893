"""Appraise's ESA CSV and WMT24's ESA JSON Lines: fields as published, round trips, and bad input
named by file and line (tests/data/esa/: our own small fixtures in the published layouts)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from annotate.esa import ESAFormatError, ESARating, ESASpan, read_esa_file, write_esa_file
from annotate.esa.appraise_csv import format_row, read_appraise_csv, write_appraise_csv
from annotate.esa.records import ESAReadConfig
from annotate.esa.records import domain_from_doc_id
from annotate.esa.wmt_jsonl import format_line, read_wmt_jsonl, write_wmt_jsonl

DATA = Path(__file__).parent / "data" / "esa"
WAVE = DATA / "wave.csv"
JSONL = DATA / "wmt24.jsonl"


def test_appraise_csv_columns_as_published():
    ratings = read_appraise_csv(WAVE)
    assert len(ratings) == 17
    tutorial, tutorial_a, first = ratings[0], ratings[1], ratings[2]
    assert (tutorial.annotator, tutorial.system, tutorial.segment_id, tutorial.segment_type) == \
        ("u1", "ende-tutorial1", 1000001, "TGT")
    assert tutorial.is_tutorial and tutorial_a.is_tutorial and not first.is_tutorial
    assert tutorial_a.spans == (ESASpan(8, 11, "minor", None),)  # a tutorial span without error_type
    assert first == ESARating(annotator="u1", system="A", segment_id=1, source_language="eng", target_language="ces",
                              score=80.0, doc_id="test-en-news_doc1", segment_type="TGT", is_complete_document=False,
                              spans=(ESASpan(0, 4, "minor", None),), start_time=1724109000.1, end_time=1724109010.2)
    assert first.langs == "eng-ces" and first.domain_name == "news" and first.doc_flag is None
    superseded = ratings[5]
    assert superseded.spans == (ESASpan(3, 9, "major"), ESASpan(None, None, "minor"))
    assert superseded.spans[1].missing and superseded.spans[1].to_json()["start_i"] == "missing"
    assert ratings[6].is_complete_document is True  # the boolean column: Appraise's isCompleteDocument
    assert [r.segment_type for r in ratings[10:12]] == ["REF", "BAD"]
    assert [r.doc_flag for r in ratings[11:15]] == ["#bad", "#bad", "#dup", "#incomplete"]
    assert ratings[11].domain_name == "social"  # the suffix does not hide the domain


@pytest.mark.parametrize("doc_id, domain", [
    ("test-en-news_brisbanetimes.com.au.228963", "news"),
    ("test-en-speech_-uigLE6EI1g_000", "speech"),
    ("test-en-social_112140958167999904#incomplete", "social"),
    ("test-ja-literary_sakura_1", "literary"),
    ("ende-tutorial1", ""),
    ("doc1", ""),
])
def test_domain_read_from_wmt24_doc_ids(doc_id, domain):
    assert domain_from_doc_id(doc_id) == domain


def test_wmt24_jsonl_fields_as_published():
    ratings = read_wmt_jsonl(JSONL)
    assert len(ratings) == 8
    first = ratings[0]
    assert (first.langs, first.segment_id, first.source, first.target, first.doc_id, first.domain) == \
        ("en-cs", 1, "Prices rose again.", "Ceny opět vzrostly.", "doc1", "news")
    assert (first.score, first.start_time, first.end_time, first.system, first.annotator) == \
        (80.0, 1724109000.1, 1724109010.2, "A", "u1")
    assert ratings[2].score == 90.0  # a number is read as well as WMT24's string
    assert ratings[6].target == "Banka řekla: ne\u2028."  # a line separator inside a string is not a line end
    assert ratings[7].speech_info == {"file": "x_000.mp4", "youtube": "https://www.youtube.com/watch?v=x"}
    assert ratings[3].spans[1] == ESASpan(None, None, "minor")


def test_appraise_csv_round_trip(tmp_path):
    ratings = read_appraise_csv(WAVE)
    out = tmp_path / "out.csv"
    assert write_appraise_csv(ratings, out) == 17
    again = read_appraise_csv(out)
    assert again == ratings
    # the written form is stable: write(read(write(x))) == write(x)
    second = tmp_path / "again.csv"
    write_appraise_csv(again, second)
    assert second.read_bytes() == out.read_bytes()
    # and it is the published layout: rows with error_type are written back byte for byte
    original = WAVE.read_text(encoding="utf-8").splitlines()
    written = out.read_text(encoding="utf-8").splitlines()
    assert [w for w, o in zip(written, original) if w != o] == [
        'u1,A,1000002,TGT,eng,ces,0,ende-tutorial2,False,'
        '"[{""start_i"":8,""end_i"":11,""severity"":""minor"",""error_type"":null}]",1724108648.695,1724108648.696']


def test_wmt24_jsonl_round_trip(tmp_path):
    ratings = read_wmt_jsonl(JSONL)
    out = tmp_path / "out.jsonl"
    assert write_wmt_jsonl(ratings, out) == 8
    assert read_wmt_jsonl(out) == ratings
    # WMT24's layout: key order, score and times as strings, the line separator kept literally
    assert out.read_text(encoding="utf-8").split("\n")[:-1] == [
        line.replace('"esa_score": 90', '"esa_score": "90"') for line in JSONL.read_text(encoding="utf-8").split("\n")[:-1]]


def test_formats_convert_both_ways(tmp_path):
    ratings = [r for r in read_esa_file(WAVE) if r.segment_type == "TGT"]
    write_esa_file(ratings, tmp_path / "x.jsonl")
    as_jsonl = read_esa_file(tmp_path / "x.jsonl")
    assert [r.domain for r in as_jsonl][:5] == ["", "", "news", "news", "social"]
    assert [(r.langs, r.system, r.segment_id, r.score, r.spans, r.end_time) for r in as_jsonl] == \
        [(r.langs.replace("eng", "en").replace("ces", "cs").replace("deu", "de"), r.system, r.segment_id, r.score,
          r.spans, r.end_time) for r in ratings]
    write_esa_file(read_esa_file(JSONL), tmp_path / "y.csv")
    back = read_esa_file(tmp_path / "y.csv")
    assert [(r.langs, r.doc_id, r.score, r.spans) for r in back] == \
        [("eng-ces", r.doc_id, r.score, r.spans) for r in read_esa_file(JSONL)]  # en-cs in JSON Lines


def test_writers_refuse_what_the_format_cannot_hold(tmp_path):
    bad = next(r for r in read_appraise_csv(WAVE) if r.segment_type == "BAD")
    with pytest.raises(ValueError, match="holds TGT ratings only, this one is BAD"):
        format_line(bad)
    out = tmp_path / "never.jsonl"
    with pytest.raises(ValueError):
        write_wmt_jsonl([bad], out)
    assert not out.exists()  # nothing half written
    untimed = ESARating("u", "S", 1, "en", "cs", 50, "d")
    with pytest.raises(ValueError, match="needs start and end times"):
        format_row(untimed)


def _bad_csv(tmp_path: Path, text: str | bytes, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


GOOD_ROW = "u1,A,1,TGT,eng,ces,80,test-en-news_d,False,[],1.5,2.5"


def test_every_malformed_row_is_named_by_file_and_line(tmp_path):
    path = _bad_csv(tmp_path, "\n".join([
        GOOD_ROW,
        "u1,A,1,TGT,eng,ces,80,test-en-news_d,False,[],1.5",
        "u1,A,x,TGT,eng,ces,80,test-en-news_d,False,[],1.5,2.5",
        'u1,A,1,TGT,eng,ces,80,d,False,"[{""start_i"":0,""end_i"":2,""severity"":""critical""}]",1.5,2.5',
        "u1,A,1,TGT,eng,ces,101,d,False,[],1.5,2.5",
        'u1,A,1,TGT,eng,ces,80,d,False,"[{""start_i"":0",1.5,2.5',
        'u1,A,1,TGT,eng,ces,80,d,False,"[{""start_i"":0,""end_i"":2,""severity"":""undecided""}]",1.5,2.5',
        "u1,A,1,SYS,eng,ces,80,d,maybe,[],soon,2.5",
        'u1,A,1,TGT,eng,ces,80,d,False,"[{""start_i"":5,""end_i"":2,""severity"":""minor""}]",1.5,2.5',
    ]) + "\n")
    with pytest.raises(ESAFormatError) as caught:
        read_appraise_csv(path)
    problems = caught.value.problems
    name = str(path)
    assert problems == [
        f"{name}:2: expected 12 comma-separated columns (user, system, segment_id, segment_type, src_lang3, "
        "tgt_lang3, score, doc_id, is_complete_document, error_spans, start_time, end_time), found 11",
        f"{name}:3: column segment_id must be a whole number >= 0, got 'x'",
        f"{name}:4: error_spans[0]: unknown severity 'critical' (known: major, minor)",
        f"{name}:5: column score: score 101 is outside 0–100",
        f"{name}:6: column error_spans is not JSON (Expecting ',' delimiter at character 13): '[{{\"start_i\":0'",
        f"{name}:7: error_spans[0]: unknown severity 'undecided' (known: major, minor)",
        f"{name}:8: unknown segment_type 'SYS' (known: TGT, BAD, REF, CHK, SRC)",
        f"{name}:8: column is_complete_document must be True or False, got 'maybe'",
        f"{name}:8: start_time must be a time in seconds, got 'soon'",
        f"{name}:9: error_spans[0]: span 5:2 is not 0 <= start_i <= end_i",
    ]
    assert str(caught.value).startswith(f"{name}: 10 problems:\n  • {name}:2: expected 12")


def test_unknown_severities_can_be_allowed(tmp_path):
    row = 'u1,A,1,TGT,eng,ces,80,d,False,"[{""start_i"":0,""end_i"":2,""severity"":""undecided""}]",1.5,2.5\n'
    path = _bad_csv(tmp_path, row)
    config = ESAReadConfig(name="x.csv", allow_severities=("undecided",))
    assert read_appraise_csv(path, config)[0].spans == (ESASpan(0, 2, "undecided"),)


def test_a_header_row_is_named(tmp_path):
    path = _bad_csv(tmp_path, "user,system,segment_id\n" + GOOD_ROW + "\n")
    with pytest.raises(ESAFormatError, match=r"bad.csv:1: expected 12 .* found 3 \(is this a header\? "
                                             "Appraise's ESA CSV has none\\)"):
        read_appraise_csv(path)


def test_non_utf8_and_empty_files_are_clear_errors(tmp_path):
    latin1 = _bad_csv(tmp_path, (GOOD_ROW + "\nu1,Ä,1,TGT,eng,ces,80,d,False,[],1.5,2.5\n").encode("latin-1"))
    with pytest.raises(ESAFormatError, match=r"bad.csv:2: not UTF-8 text \(byte 0xc4 at byte offset 57\); "
                                             "save the file as UTF-8"):
        read_appraise_csv(latin1)
    for text in ("", "\n\n  \n"):
        empty = _bad_csv(tmp_path, text, "empty.jsonl")
        with pytest.raises(ESAFormatError, match=r"empty.jsonl: the file is empty \(no ESA ratings\)"):
            read_esa_file(empty)
    bom = _bad_csv(tmp_path, "\ufeff" + GOOD_ROW + "\n", "bom.csv")
    assert read_esa_file(bom)[0].annotator == "u1"  # Excel's UTF-8 byte order mark is not part of a name


def test_malformed_jsonl_lines_are_named(tmp_path):
    good = JSONL.read_text(encoding="utf-8").split("\n")[0]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([
        good,
        "{not json",
        good.replace('"langs": "en-cs"', '"langs": "encs"'),
        good.replace('"speech_info": null', '"speech_info": null, "wave": 3'),
        good.replace('"esa_score": "80"', '"esa_score": "eighty"'),
        good.replace('"severity": "minor"', '"severity": "Minor"'),
        good.replace('"line_id": 1, ', ""),
    ]) + "\n", encoding="utf-8")
    with pytest.raises(ESAFormatError) as caught:
        read_esa_file(path)
    name = str(path)
    assert caught.value.problems == [
        f"{name}:2: not JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{name}:3: langs must be SOURCE-TARGET, e.g. 'en-cs', got 'encs'",
        f"{name}:4: unknown keys wave (known: langs, line_id, src, tgt, doc_id, domain, esa_spans, esa_score, times, "
        "system, annotator, speech_info)",
        f"{name}:5: esa_score: score must be a number from 0 to 100, got 'eighty'",
        f"{name}:6: esa_spans[0]: unknown severity 'Minor' (known: major, minor)",
        f"{name}:7: lacks line_id",
    ]


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "ratings.tsv"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown ESA file type '.tsv'; use .csv \(Appraise's ESA CSV\) or .jsonl"):
        read_esa_file(path)


def test_written_csv_streams_are_plain_csv():
    stream = io.StringIO()
    rating = ESARating("u,1", 'sys "q"', 3, "eng", "ces", 66.5, "test-en-news_a", spans=(ESASpan(1, 2, "major"),),
                       start_time=10.25, end_time=11.0)
    write_appraise_csv([rating], stream)
    assert stream.getvalue() == ('"u,1","sys ""q""",3,TGT,eng,ces,66.5,test-en-news_a,False,'
                                 '"[{""start_i"":1,""end_i"":2,""severity"":""major"",""error_type"":null}]",10.25,11\n')
    assert sorted(ESAReadConfig().severities) == ["major", "minor"]  # ESA's two
