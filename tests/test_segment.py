"""Spanish sentence segmentation: tables of text → expected sentences, offsets, seeds, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.ingest.articles import read_article
from annotate.cli import app
from annotate.records import PARAGRAPH_SEPARATOR, Article, Paragraph, Segment
from annotate.ingest.segment import _nfc_with_origins, segment_article, segment_text

SEEDS = Path(__file__).parent.parent / "seeds"

# The case table shared with scripts/bench_segment.py (which also runs pysbd on it): one object per
# case, {"id", "text", "expected": [sentences]}, and "form": "NFD" for a case whose text and
# expected sentences are given in NFC for readability but must be fed in NFD.
CASES_PATH = Path(__file__).parent / "data" / "segment_cases.json"
CASES: list[dict] = json.loads(CASES_PATH.read_text(encoding="utf-8"))


def _in_form(case: dict) -> tuple[str, list[str]]:
    """The case's text and expected sentences in the Unicode form it is to be fed in."""
    form = case.get("form", "NFC")
    return unicodedata.normalize(form, case["text"]), [unicodedata.normalize(form, e) for e in case["expected"]]


def _sentences(text: str) -> list[str]:
    spans = segment_text(text)
    assert spans == sorted(spans) and all(a < b for a, b in spans)
    return [text[start:end] for start, end in spans]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_segment_text(case: dict) -> None:
    text, expected = _in_form(case)
    assert _sentences(text) == expected


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_nfd_input_gives_the_same_sentences_at_nfd_offsets(case: dict) -> None:
    # Every case again in NFD: matching sees NFC, offsets index the NFD string as given.
    text = unicodedata.normalize("NFD", case["text"])
    assert _sentences(text) == [unicodedata.normalize("NFD", e) for e in case["expected"]]


def test_case_table_has_unique_ids_and_real_nfd_cases() -> None:
    assert len({c["id"] for c in CASES}) == len(CASES)
    nfd_cases = [c for c in CASES if c.get("form") == "NFD"]
    assert nfd_cases and all(len(_in_form(c)[0]) > len(c["text"]) for c in nfd_cases)
    assert {"pág.", "núm.", "Admón."} <= set(" ".join(c["text"] for c in nfd_cases).split())


def test_nfd_offsets_point_into_the_original_string() -> None:
    text = unicodedata.normalize("NFD", "Ver la pág. 3 del núm. 4. Él calló.")
    spans = segment_text(text)
    # NFC offsets would be (0, 25), (26, 35): in NFD "á", "ú", "É", "ó" are two code points each.
    assert spans == [(0, 27), (28, 39)]
    assert text[spans[1][0]:spans[1][1]] == unicodedata.normalize("NFD", "Él calló.")


@pytest.mark.parametrize("text", [
    "", "abc", "pa\u0301g. nu\u0301m.", "e\u0301\u0323x", "q\u0301 \u0301a",
    "\u1100\u1161\u11a8 y \u1100\u1161", "\u212b y \u2126", "—¿Vendra\u0301s? —pregunto\u0301.",
])
def test_nfc_with_origins_maps_every_cluster_back(text: str) -> None:
    normalized, origins = _nfc_with_origins(text)
    assert normalized == unicodedata.normalize("NFC", text)
    if origins is None:
        assert unicodedata.is_normalized("NFC", text)
        return
    assert len(origins) == len(normalized) + 1 and origins[-1] == len(text)
    assert origins == sorted(origins)
    # Group NFC characters by the original index they map to: each group is the NFC of exactly
    # the original code points from that index to the next group's.
    group_start = 0
    for i in range(1, len(origins)):
        if origins[i] != origins[group_start]:
            original = text[origins[group_start]:origins[i]]
            assert unicodedata.normalize("NFC", original) == normalized[group_start:i]
            group_start = i


BENCH = Path(__file__).parent.parent / "scripts" / "bench_segment.py"


def _run_bench(*prelude: str) -> subprocess.CompletedProcess:
    """Run the bench script (one timed pass) in a fresh interpreter, after ``prelude`` statements."""
    code = "; ".join([*prelude, "import runpy, sys", f"sys.argv = [{str(BENCH)!r}, '--repeats', '1']",
                      f"runpy.run_path({str(BENCH)!r}, run_name='__main__')"])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def test_bench_script_compares_with_pysbd_on_the_same_table() -> None:
    pytest.importorskip("pysbd")
    result = _run_bench()
    assert result.returncode == 0, result.stderr
    assert "tests/data/segment_cases.json" in result.stdout
    assert f"total ({len(CASES)} cases)" in result.stdout and f"{len(CASES)}/{len(CASES)}" in result.stdout
    assert "speed ratio ours/pysbd" in result.stdout


def test_bench_script_says_pysbd_is_missing() -> None:
    result = _run_bench("import sys", "sys.modules['pysbd'] = None")  # makes `import pysbd` fail
    assert result.returncode == 2 and "pysbd is not installed" in result.stdout


# Seed → its sentences (title first), read sentence by sentence against the seed text: every
# ". X" with a capital (or a digit: "… a Ucrania. 50 mil millones …") is a boundary; 003's scraped
# "esa dinámica. marzo, moscú Vetó …" stays one sentence (a period before a lowercase word never ends
# one, by the segmenter's documented rule); "3.000 a 4,000" and "10,000 a 12,000" are numbers.
SEED_SENTENCES: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "data" / "seed_sentences.json").read_text(encoding="utf-8"))


def test_seed_sentence_table_covers_every_seed() -> None:
    assert sorted(SEED_SENTENCES) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert {name: len(sentences) for name, sentences in SEED_SENTENCES.items()} == {
        "000_ad44c9bdf5348be7.txt": 17, "001_957c0dcd70a6e2cc.txt": 11, "002_60ab5307d725f76d.txt": 10,
        "003_aa888c3de2050ec8.txt": 35, "004_081bfce1774f8b12.txt": 14}


@pytest.mark.parametrize(("name", "expected"), SEED_SENTENCES.items(), ids=list(SEED_SENTENCES))
def test_seed_segments(name: str, expected: list[str]) -> None:
    article = read_article(SEEDS / name)
    segments = segment_article(article)
    assert [s.text for s in segments] == expected
    assert [s.seg_id for s in segments] == list(range(1, len(expected) + 1))
    assert segments[0].paragraph == 0 and segments[0].text == article.title
    assert segments[1].paragraph == 1
    text = article.text
    paragraph_spans, offset = [], 0
    for paragraph in [article.title, *(p.text for p in article.paragraphs)]:
        paragraph_spans.append((offset, offset + len(paragraph)))
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    for segment in segments:
        assert segment.text == text[segment.start:segment.end] and segment.doc_id == article.doc_id
        start, end = paragraph_spans[segment.paragraph]
        assert start <= segment.start < segment.end <= end  # never crosses a paragraph


def test_seed_sentences_spot_checks() -> None:
    texts = [s.text for s in segment_article(read_article(SEEDS / "003_aa888c3de2050ec8.txt"))]
    assert "«Nuestro pueblo brinda pleno apoyo y solidaridad al trabajo exitoso del ejército y el pueblo " \
           "rusos», dijo Kim, según el periódico oficial Rodong Sinmun." in texts
    assert any(t.startswith("Entre agosto y febrero, Pyongyang envió alrededor de 6.700 contenedores") and
               t.endswith("a principios de este año.") for t in texts)
    texts = [s.text for s in segment_article(read_article(SEEDS / "004_081bfce1774f8b12.txt"))]
    assert any("alrededor de 10,000 a 12,000 tropas" in t and t.endswith("del año pasado.") for t in texts)


def test_title_is_one_segment_even_with_periods() -> None:
    article = Article("d1", "x.txt", "Dr. No. Un título. Dos frases", 0, 29,
                      [Paragraph("Uno. Dos.", 31, 40)])
    segments = segment_article(article)
    assert [(s.paragraph, s.text) for s in segments] == [(0, "Dr. No. Un título. Dos frases"), (1, "Uno."),
                                                         (1, "Dos.")]


def test_cli_segment_from_dir_and_from_stdin() -> None:
    runner = CliRunner()
    direct = runner.invoke(app, ["segment", str(SEEDS), "--jsonl"])
    assert direct.exit_code == 0, direct.output
    segments = [Segment.from_json(line) for line in direct.stdout.splitlines()]
    assert [s.text for s in segments] == [t for name in sorted(SEED_SENTENCES) for t in SEED_SENTENCES[name]]
    ingested = runner.invoke(app, ["ingest", str(SEEDS), "--jsonl"])
    piped = runner.invoke(app, ["segment", "--jsonl"], input=ingested.stdout)
    assert piped.exit_code == 0 and piped.stdout == direct.stdout
    table = runner.invoke(app, ["segment", str(SEEDS / "000_ad44c9bdf5348be7.txt")], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Esto podría aumentar la amenaza" in table.stdout


def test_cli_segment_rejects_bad_jsonl_naming_the_line() -> None:
    good = json.dumps(read_article(SEEDS / "000_ad44c9bdf5348be7.txt").to_dict(), ensure_ascii=False)
    result = CliRunner().invoke(app, ["segment", "--jsonl"], input=good + "\n{not json\n")
    assert result.exit_code == 2 and "<stdin>:2" in result.stderr


@pytest.mark.parametrize("args", [["segment", "-", "--jsonl"], ["segment", "--jsonl", "-"]])
def test_cli_segment_dash_reads_stdin(args: list[str]) -> None:
    # The README documents `segment DIR|-`: "-" must mean stdin, not a folder called "-".
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", str(SEEDS), "--jsonl"])
    implicit = runner.invoke(app, ["segment", "--jsonl"], input=ingested.stdout)
    dashed = runner.invoke(app, args, input=ingested.stdout)
    assert dashed.exit_code == 0, dashed.output
    assert dashed.stdout == implicit.stdout and dashed.stdout
