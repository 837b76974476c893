"""Exchange formats (annotate/exchange/): exact files written for a tiny MQM fixture of our own
(tests/data/exchange/mqm_tiny_ende.tsv, en-de from its name as in Google's files: 2 documents, 3 segments, systems A, B and the reference ``ref``,
raters r1 and r2; a Major, a Minor punctuation (0.1), an empty-span omission, a source-side
omission, a Neutral error), and a round trip per format (write → read → same scores/records)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.commands.scoring import load_documents
from annotate.exchange.common import ExchangeError, write_files
from annotate.exchange.error_spans import SpanRating, error_span_files, read_error_spans, span_ratings
from annotate.exchange.marot import MarotConfig, full_tokens, marot_files, marot_ratings, read_marot, token_range
from annotate.exchange.mtme import MtmeConfig, mtme_files, read_mtme
from annotate.exchange.wmt_qe import WmtQeConfig, qe_rows, read_wmt_qe, wmt_qe_files
from annotate.languages import LanguagePair
from annotate.mqm_tsv import iter_mqm_rows
from annotate.scoring.mqm import score_documents
from annotate import testset

TINY = Path(__file__).parent / "data" / "exchange" / "mqm_tiny_ende.tsv"
EN_DE = LanguagePair("en", "de")


@pytest.fixture()
def docs():
    return load_documents(TINY)


# ── mt-metrics-eval ────────────────────────────────────────────────────────────────────────────

MTME_EXPECTED = {
    "sources/en-de.txt": "The cat sat.\nIt was happy.\nHello world.\n",
    "documents/en-de.docs": "general\td1\ngeneral\td1\ngeneral\td2\n",
    "references/en-de.ref.txt": "Die Katze saß.\nEs war glücklich.\nHallo Welt.\n",
    "system-outputs/en-de/A.txt": "Die Katze saß.\nEs war froh.\nHallo Welt.\n",
    "system-outputs/en-de/B.txt": "Der Hund saß.\nEs war glücklich.\nHallo Erde.\n",
    # MQM negated (higher = better): A = -(5+0)/2, -(0.1+1), 0; B = 0, -(5 + Neutral 0), -1
    "human-scores/en-de.mqm.seg.score": "A\t-2.5\nA\t-1.1\nA\t0.0\nB\t0.0\nB\t-5.0\nB\t-1.0\nref\t0.0\nref\t0.0\nref\t0.0\n",
    "human-scores/en-de.mqm.doc.score": "A\t-1.8\nA\t0.0\nB\t-2.5\nB\t-1.0\nref\t0.0\nref\t0.0\n",
    "human-scores/en-de.mqm.sys.score": "A\t-1.2\nB\t-2.0\nref\t0.0\n",
}


def test_mtme_files_exact(docs):
    files = mtme_files(docs, MtmeConfig(reference="ref"))
    for path, text in MTME_EXPECTED.items():
        assert files[path] == text, path
    assert "human-scores/en-de.mqm.domain.score" not in files  # no document has a domain
    assert files["system-outputs/en-de/ref.txt"] == files["references/en-de.ref.txt"]  # MTME: refs scored as systems


def test_mtme_domains_and_missing_scores(docs):
    docs[0].domain, docs[1].domain = "talks", "news"
    for annotation in docs[1].annotations:  # d2 left unrated: its scores are None
        annotation.ratings = [r for r in annotation.ratings if r.system != "A"]
    files = mtme_files(docs, MtmeConfig(name="mqm_google", reference="ref"))
    assert files["documents/en-de.docs"] == "talks\td1\ntalks\td1\nnews\td2\n"
    # one score per domain and system, domains in MTME's (sorted) order
    assert files["human-scores/en-de.mqm_google.domain.score"] == (
        "news\tA\tNone\ntalks\tA\t-1.8\nnews\tB\t-1.0\ntalks\tB\t-2.5\nnews\tref\t0.0\ntalks\tref\t0.0\n")
    assert files["human-scores/en-de.mqm_google.seg.score"].startswith("A\t-2.5\nA\t-1.1\nA\tNone\n")
    assert "A\t-1.8\n" in files["human-scores/en-de.mqm_google.sys.score"]  # mean over rated segments


def test_mtme_round_trip(docs, tmp_path):
    write_files(tmp_path, mtme_files(docs, MtmeConfig(reference="ref")))
    data = read_mtme(tmp_path, "en-de")
    mqm = score_documents(docs)
    assert data.scores["sys"] == {system: [-score if score else 0.0] for system, score in mqm.systems.items()}
    segments = [(s.doc_id, s.seg_id) for d in docs for s in sorted(d.segments, key=lambda s: s.seg_id)]
    by_key = {(s.system, s.doc_id, s.seg_id): s.score for s in mqm.segments}
    for system, scores in data.scores["seg"].items():
        assert scores == [0.0 - by_key[(system, *key)] for key in segments]
    assert data.docs == [("general", "d1"), ("general", "d1"), ("general", "d2")]
    # the plain-text part is a test set annotate reads too: same segments and translations
    again = testset.testset_documents(testset.read_testset(tmp_path, "en-de"))
    assert [s.text for d in again for s in d.segments] == [s.text for d in docs for s in d.segments]
    assert ({(t.system, t.doc_id, t.seg_id, t.mt) for d in again for t in d.translations if t.role == "mt"}
            == {(t.system, t.doc_id, t.seg_id, t.mt) for d in docs for t in d.translations})


def test_mtme_refuses_names_with_whitespace(docs):
    import dataclasses

    docs[0].doc_id = "talk 1"
    with pytest.raises(ExchangeError, match="document id 'talk 1' is empty or contains whitespace"):
        mtme_files(docs, MtmeConfig(reference="ref"))
    docs[0].doc_id = "d1"
    docs[1].translations = [dataclasses.replace(t, system="Sys tem") if t.system == "A" else t
                            for t in docs[1].translations]
    with pytest.raises(ExchangeError, match="system name 'Sys tem'"):
        mtme_files(docs, MtmeConfig(reference="ref"))


def test_mtme_reader_names_bad_line(docs, tmp_path):
    write_files(tmp_path, mtme_files(docs, MtmeConfig(reference="ref")))
    (tmp_path / "human-scores" / "en-de.mqm.sys.score").write_text("A\t-1.2\nB -2.0 extra\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match=r"en-de\.mqm\.sys\.score:2: expected 'SYSTEM SCORE'"):
        read_mtme(tmp_path, "en-de")


# ── WMT word-level QE ──────────────────────────────────────────────────────────────────────────

QE_EXPECTED = {
    "mqm.src": "The cat sat .\nThe cat sat .\nIt was happy .\nIt was happy .\nHello world .\nHello world .\n",
    "mqm.mt": "Die Katze saß .\nDer Hund saß .\nEs war froh .\nEs war glücklich .\nHallo Welt .\nHallo Erde .\n",
    "mqm.pe": "Die Katze saß .\nDie Katze saß .\nEs war glücklich .\nEs war glücklich .\nHallo Welt .\nHallo Welt .\n",
    # the source-side omission of B d1#2 tags "happy"
    "mqm.src_tags": "OK OK OK OK\nOK OK OK OK\nOK OK OK OK\nOK OK BAD OK\nOK OK OK\nOK OK OK\n",
    # gap tok gap …: A d1#1 "Katze" BAD; A d1#2 the empty omission span before "froh" (gap 2) and the
    # punctuation (0.1 weighs) BAD; B d1#2's Neutral error weighs 0: OK; B d2 "Erde" BAD
    "mqm.tags": ("OK OK OK BAD OK OK OK OK OK\nOK OK OK OK OK OK OK OK OK\nOK OK OK OK BAD OK OK BAD OK\n"
                 "OK OK OK OK OK OK OK OK OK\nOK OK OK OK OK OK OK\nOK OK OK BAD OK OK OK\n"),
    "mqm.hter": "0.000000\n0.500000\n0.250000\n0.000000\n0.000000\n0.333333\n",
    "mqm.segments.tsv": "d1\t1\tA\nd1\t1\tB\nd1\t2\tA\nd1\t2\tB\nd2\t1\tA\nd2\t1\tB\n",
}


def test_wmt_qe_files_exact(docs):
    export = qe_rows(docs, WmtQeConfig(reference="ref"))
    assert export.skipped_reference_system == 3  # `ref` against itself: left out
    assert wmt_qe_files(export) == QE_EXPECTED


def test_wmt_qe_without_reference_has_no_pe(docs):
    export = qe_rows(docs, WmtQeConfig(pair=EN_DE))
    files = wmt_qe_files(export, "test")
    assert set(files) == {"test.src", "test.mt", "test.src_tags", "test.tags", "test.segments.tsv"}
    assert files["test.tags"].count("\n") == 9  # the reference system is a system like the others here


def test_wmt_qe_round_trip(docs, tmp_path):
    export = qe_rows(docs, WmtQeConfig(reference="ref"))
    write_files(tmp_path, wmt_qe_files(export))
    back = read_wmt_qe(tmp_path)
    for row in export.rows:
        row.hter = round(row.hter, 6)
    assert back == export.rows


def test_wmt_qe_reader_checks_tag_count(docs, tmp_path):
    write_files(tmp_path, wmt_qe_files(qe_rows(docs, WmtQeConfig(reference="ref"))))
    path = tmp_path / "mqm.tags"
    path.write_text(path.read_text(encoding="utf-8").replace("OK OK OK BAD OK OK OK OK OK\n", "OK BAD OK OK\n", 1),
                    encoding="utf-8")
    with pytest.raises(ExchangeError, match=r"mqm\.tags:1: 4 tags, expected 9"):
        read_wmt_qe(tmp_path)


# ── WMT23/24 error spans ───────────────────────────────────────────────────────────────────────

SPANS_EXPECTED = (
    "A\td1\t1\tr1\tThe cat sat.\tDie Katze saß.\t4\t9\tmajor\n"
    "A\td1\t1\tr2\tThe cat sat.\tDie Katze saß.\t-1\t-1\tno-error\n"
    "B\td1\t1\tr1\tThe cat sat.\tDer Hund saß.\t-1\t-1\tno-error\n"
    "ref\td1\t1\tr1\tThe cat sat.\tDie Katze saß.\t-1\t-1\tno-error\n"
    "A\td1\t2\tr1\tIt was happy.\tEs war froh.\t7 11\t7 12\tminor minor\n"
    "B\td1\t2\tr1\tIt was happy.\tEs war glücklich.\t-1\t-1\tno-error\n"
    "ref\td1\t2\tr1\tIt was happy.\tEs war glücklich.\t-1\t-1\tno-error\n"
    "A\td2\t1\tr1\tHello world.\tHallo Welt.\t-1\t-1\tno-error\n"
    "B\td2\t1\tr1\tHello world.\tHallo Erde.\t6\t10\tminor\n"
    "ref\td2\t1\tr1\tHello world.\tHallo Welt.\t-1\t-1\tno-error\n"
)


def test_error_spans_exact(docs):
    export = span_ratings(docs)
    assert export.left_out == {"source side": 1, "no span": 0, "neutral": 1}
    assert error_span_files(export) == {"mqm.error_spans.tsv": SPANS_EXPECTED}


def test_error_spans_round_trip(docs, tmp_path):
    export = span_ratings(docs)
    write_files(tmp_path, error_span_files(export))
    back = read_error_spans(tmp_path / "mqm.error_spans.tsv")
    assert back == export.ratings
    # every span is the text the rater marked
    marked = {(r.system, r.doc_id, r.seg_id, r.rater, e.start, e.end): e.text
              for d in docs for a in d.annotations for r in a.ratings for e in r.errors if e.side == "target"}
    for rating in back:
        for start, end, _ in rating.spans:
            assert rating.target[start:end] == marked[(rating.system, rating.doc_id, rating.seg_id, rating.rater,
                                                       start, end)]


@pytest.mark.parametrize(("line", "message"), [
    ("A\td\t1\tr\ts\tabc\t0 1\t2\tminor", "2 starts, 1 ends, 1 types"),
    ("A\td\t1\tr\ts\tabc\t0\t9\tminor", "span 0-9 lies outside the target"),
    ("A\td\t1\tr\ts\tabc\t0\t2\tcritical", "error type 'critical'"),
    ("A\td\t1\tr\ts\tabc\t0\t2", "expected 9 tab-separated columns, found 8"),
])
def test_error_spans_reader_errors(tmp_path, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match=f"bad.tsv:1: {message}"):
        read_error_spans(path)


def test_error_spans_refuse_a_tab(docs):
    export = span_ratings(docs)
    export.ratings[0] = SpanRating("A", "d1", 1, "r\t1", "s", "t")
    with pytest.raises(ExchangeError, match="annotator_id contains a tab"):
        error_span_files(export)


# ── Marot ──────────────────────────────────────────────────────────────────────────────────────


def test_marot_columns_are_the_mqm_tsv(docs):
    lines = marot_files(docs, MarotConfig(reference="ref"))["mqm.marot.tsv"].splitlines()
    assert lines[0] == "system\tdoc\tdocSegId\tglobalSegId\trater\tsource\ttarget\tcategory\tseverity\tmetadata"
    tsv = [row[:7] + (["no-error"] * 2 if row[7] == "No-error" else row[7:9]) for row in iter_mqm_rows(docs)]
    assert [line.split("\t")[:9] for line in lines[1:]] == tsv
    metadata = [json.loads(line.split("\t")[9]) for line in lines[1:]]
    assert metadata[0]["evaluation"] == {"template": "MQM", "source_language": "en", "target_language": "de"}
    assert all("evaluation" not in m for m in metadata[1:])
    first = metadata[0]
    assert first["marked_text"] == "Katze" and first["note"] == "not a cat"
    assert first["segment"]["target_tokens"] == ["Die", " ", "Katze", " ", "saß", "."]
    assert first["target_spans"] == [[2, 2]] and first["source_spans"] == []
    assert first["segment"]["metrics"] == {"MQM": 2.5}
    assert first["segment"]["reference_tokens"] == {"ref": ["Die", " ", "Katze", " ", "saß", "."]}
    assert first["segment"]["primary_reference"] == "ref"
    source_side = next(m for m in metadata if m["marked_text"] == "happy")
    assert source_side["source_spans"] == [[4, 4]] and source_side["target_spans"] == []
    empty = next(m for m in metadata if m.get("note") == "sehr")  # the omission marked as a position
    assert empty["marked_text"] == "" and empty["target_spans"] == []


def test_marot_round_trip(docs, tmp_path):
    write_files(tmp_path, marot_files(docs, MarotConfig(reference="ref")))
    rows = read_marot(tmp_path / "mqm.marot.tsv")
    key = lambda r: (r.system, r.doc_id, r.seg_id, r.rater)  # noqa: E731
    original = sorted((r for d in docs for a in d.annotations for r in a.ratings), key=key)
    back = sorted(marot_ratings(rows), key=key)
    assert [(key(r), r.source, r.target, r.errors) for r in back] == \
           [(key(r), r.source, r.target, r.errors) for r in original]
    mqm = {(s.system, s.doc_id, s.seg_id): s.score for s in score_documents(docs).segments}
    assert {(r.system, r.doc, r.seg_id): r.metadata["segment"]["metrics"]["MQM"] for r in rows} == mqm
    for row in rows:  # joined tokens give the texts back, as Marot shows them
        assert "".join(row.metadata["segment"]["source_tokens"]) == row.source
        assert "".join(row.metadata["segment"]["target_tokens"]) == row.target


@pytest.mark.parametrize(("start", "end", "expected"), [(4, 9, [[2, 2]]), (0, 9, [[0, 2]]), (3, 5, [[1, 2]]),
                                                       (7, 7, []), (9, 14, [[3, 5]])])
def test_marot_token_range(start, end, expected):
    _, spans = full_tokens("Die Katze saß.", "de")
    assert token_range(spans, start, end) == expected


def test_marot_reader_errors(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("A\td\t1\t1\tr\ts\tt\tOther\tMinor\t{not json\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match=r"bad.tsv:1: metadata is not JSON"):
        read_marot(path)
