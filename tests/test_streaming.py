"""Streaming readers give exactly what the whole-file readers give (issue #20: memory that stays flat).

The WMT MQM TSV reader (annotate.mqm_tsv_stream) against the whole-file parser (parse_mqm_tsv), in
every line order a file may have; ``annotate build`` and ``annotate import-mqm`` on a TSV against
the same commands fed the whole-file parser's records. Memory itself is measured by
scripts/bench_memory.py, not here."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from conftest import SHARED_MQM
from typer.testing import CliRunner

from annotate.cli import app
from annotate.dataset import build_dataset, spool
from annotate.mqm_tsv import MQMTsvError, parse_mqm_tsv, read_mqm_tsv
from annotate.mqm_tsv_stream import MQMTsvReader

DATA = Path(__file__).parent / "data" / "mqm"
TED_ENDE = SHARED_MQM / "mqm_ted_ende.tsv"
HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\tcomment\n"
runner = CliRunner()


def _whole_file(path: Path):
    """The reference: every row held, then built (annotate.mqm_tsv.parse_mqm_tsv)."""
    with path.open(encoding="utf-8", newline="") as stream:
        return parse_mqm_tsv(stream, name=str(path))


def _same_as_whole_file(path: Path) -> MQMTsvReader:
    reader = MQMTsvReader(path)
    expected = _whole_file(path)
    assert [d.to_dict() for d in reader] == [d.to_dict() for d in expected.documents]
    assert (reader.systems, reader.raters, reader.has_comment_column) == (
        expected.systems, expected.raters, expected.has_comment_column)
    return reader


def _repeated(tmp_path: Path, copies: int = 3, order: str = "file") -> Path:
    """corners.tsv repeated with new document names (and file-wide seg_ids), its rows in ``order``:
    ``file`` (document by document), ``system`` (sorted by system first: each document's rows in
    several ranges) or ``shuffled``."""
    header, *rows = (DATA / "corners.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines = []
    for copy in range(copies):
        for row in rows:
            fields = row.split("\t")
            fields[1], fields[3] = f"{fields[1]}~{copy}", str(int(fields[3]) + 100 * copy)
            lines.append("\t".join(fields))
    if order == "system":
        lines.sort(key=lambda line: line.split("\t")[0])  # stable: rows keep their order within a system
    elif order == "shuffled":
        random.Random(3).shuffle(lines)
    path = tmp_path / f"mqm_corners-{order}_ende.tsv"  # a Google-style name: en-de
    path.write_text(header + "".join(lines), encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("name", ["corners.tsv", "no_comment.tsv"])
def test_fixtures_read_document_by_document_are_the_whole_file_records(name: str) -> None:
    _same_as_whole_file(DATA / name)


@pytest.mark.parametrize("order", ["file", "system", "shuffled"])
def test_any_row_order_gives_the_whole_file_records(order: str, tmp_path: Path) -> None:
    reader = _same_as_whole_file(_repeated(tmp_path, order=order))
    assert len(reader) == 6
    if order == "system":  # the case that needs more than one range per document
        assert max(len(ranges) // 3 for ranges in reader._ranges.values()) > 1


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_line_ends_blank_lines_and_byte_order_mark(line_end: str, tmp_path: Path) -> None:
    text = (DATA / "corners.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines.insert(3, "")  # a blank line inside a document
    path = tmp_path / "odd.tsv"
    path.write_bytes(("\ufeff" + line_end.join(lines) + line_end + line_end).encode("utf-8"))
    _same_as_whole_file(path)


def test_read_mqm_tsv_is_the_whole_file_parser(tmp_path: Path) -> None:
    path = _repeated(tmp_path, order="system")
    assert read_mqm_tsv(path) == _whole_file(path)


@pytest.mark.skipif(not TED_ENDE.exists(), reason=f"the WMT MQM files are not here ({SHARED_MQM} absent)")
def test_the_real_ted_file_reads_the_same() -> None:
    assert len(_same_as_whole_file(TED_ENDE)) == 5


def test_a_row_that_disagrees_fails_at_the_same_line(tmp_path: Path) -> None:
    # the text of a segment differing between rows is only seen with the whole document
    good = "s\td\t1\t1\tr1\tHi.\tHallo.\tNo-error\tNo-error\t\n"
    bad = "s\td\t1\t1\tr2\tHo.\tHallo.\tNo-error\tNo-error\t\n"
    path = tmp_path / "bad.tsv"
    path.write_text(HEADER + good + bad, encoding="utf-8")
    with pytest.raises(MQMTsvError) as whole:
        _whole_file(path)
    with pytest.raises(MQMTsvError) as streamed:
        list(MQMTsvReader(path))
    assert str(streamed.value) == str(whole.value) and f"{path}:3: source of d#1 differs" in str(whole.value)


def test_a_bad_category_fails_before_any_document(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(HEADER + "s\td\t1\t1\tr1\tHi.\tHallo.\tNo-error\tNo-error\t\n"
                    + "s\te\t1\t2\tr1\tHi.\tHallo.\tAccuracy/Bogus\tMinor\t\n", encoding="utf-8")
    with pytest.raises(MQMTsvError, match=rf"^{path}:3: unknown MQM category 'Accuracy/Bogus'"):
        MQMTsvReader(path)  # the first pass checks every line


def _contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_from_a_tsv_is_byte_identical_to_the_whole_file_build(tmp_path: Path, monkeypatch) -> None:
    from annotate.commands.data import iter_documents

    path = _repeated(tmp_path, copies=4, order="system")
    whole = build_dataset(_whole_file(path).documents, tmp_path / "whole", name="mqm", score_cache=False)
    monkeypatch.setattr(spool, "SPILL_AFTER_ROWS", 3)  # and the build's own spool spills too
    streamed = build_dataset(iter_documents(path), tmp_path / "streamed", name="mqm", score_cache=False)
    assert _contents(whole.out_dir) == _contents(streamed.out_dir)
    assert streamed.n_documents == 8


def test_import_mqm_writes_the_whole_file_records(tmp_path: Path) -> None:
    path, jsonl = _repeated(tmp_path, order="shuffled"), tmp_path / "out.jsonl"
    expected = "".join(doc.to_json() + "\n" for doc in _whole_file(path).documents)
    result = runner.invoke(app, ["import-mqm", str(path), "-o", str(jsonl)])
    assert result.exit_code == 0, result.output
    assert jsonl.read_text(encoding="utf-8") == expected
    to_stdout = runner.invoke(app, ["import-mqm", str(path)])
    assert to_stdout.exit_code == 0 and to_stdout.stdout == expected


def test_import_mqm_failing_in_a_late_document_leaves_no_output(tmp_path: Path) -> None:
    rows = [f"s\td{n}\t1\t{n}\tr1\tHi {n}.\tHallo {n}.\tNo-error\tNo-error\t\n" for n in range(50)]
    rows.append("s\td49\t1\t49\tr2\tOther.\tHallo 49.\tNo-error\tNo-error\t\n")  # found with d49's rows only
    path, keep = tmp_path / "late.tsv", tmp_path / "keep.jsonl"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    keep.write_text("earlier\n", encoding="utf-8")
    for args in (["-o", str(keep)], []):
        result = runner.invoke(app, ["import-mqm", str(path), *args])
        assert result.exit_code == 2 and "source of d49#1 differs" in result.output
        assert '"doc_id"' not in result.stdout
    assert keep.read_text(encoding="utf-8") == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.jsonl", "late.tsv"]  # no temporary file left


def test_parse_mqm_tsv_still_reads_any_lines() -> None:
    # the whole-file parser stays for text that is not a file (and as this module's reference)
    result = parse_mqm_tsv(io.StringIO(HEADER + "s\td\t1\t1\tr1\tHi.\tHallo.\tNo-error\tNo-error\t\n"))
    assert [d.doc_id for d in result.documents] == ["d"]


def test_a_fresh_tokenizer_gives_the_same_tokens(monkeypatch) -> None:
    # past VOCAB_LIMIT words the spaCy tokenizer is loaded afresh (its vocabulary never shrinks)
    from annotate import tokens

    texts = [f"Llegó el {n}.º día con {n * 7} contenedores, dijo Kim Jong Un." for n in range(40)]
    expected = [tokens.token_spans(text, "es") for text in texts]
    monkeypatch.setattr(tokens, "VOCAB_LIMIT", 0)  # a new tokenizer after every text
    first = tokens.spacy_tokenizer("es")
    assert [tokens.token_spans(text, "es") for text in texts] == expected
    assert tokens.spacy_tokenizer("es") is not first


def test_documents_without_pairs_are_not_all_held_before_the_first_row() -> None:
    # a WMT MQM build scores nothing: its documents used to pile up in one chunk (the whole corpus)
    from annotate.dataset.scores import _CHUNKS_AHEAD, CHUNK_SIZE, Scorer, scored_in_order

    consumed = []

    def items():
        for index in range(CHUNK_SIZE * 10):
            consumed.append(index)
            yield index, []

    results = scored_in_order(items(), Scorer(), item_size=lambda _: 1)
    assert next(results) == (0, {})
    assert len(consumed) <= CHUNK_SIZE * (_CHUNKS_AHEAD + 1)
    assert [item for item, _ in results] == list(range(1, CHUNK_SIZE * 10))
