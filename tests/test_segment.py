"""Spanish sentence segmentation: tables of text → expected sentences, offsets, seeds, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.articles import read_article
from annotate.cli import app
from annotate.records import PARAGRAPH_SEPARATOR, Article, Paragraph, Segment
from annotate.segment import segment_article, segment_text

SEEDS = Path(__file__).parent.parent / "seeds"

CASES: list[tuple[str, str, list[str]]] = [
    ("plain", "Putin llegó el martes. Kim lo recibió.", ["Putin llegó el martes.", "Kim lo recibió."]),
    ("titles", "El Sr. Pérez y la Sra. Gómez llegaron. El Dr. Ruiz no.",
     ["El Sr. Pérez y la Sra. Gómez llegaron.", "El Dr. Ruiz no."]),
    ("EE.UU. lowercase after", "Viajó a EE.UU. el martes. Volvió ayer.", ["Viajó a EE.UU. el martes.", "Volvió ayer."]),
    ("EE.UU. ends sentence", "La ayuda llegó de EE.UU. Rusia protestó.",
     ["La ayuda llegó de EE.UU.", "Rusia protestó."]),
    ("EE. UU. spaced", "Lo dijo EE. UU. ayer. Fin.", ["Lo dijo EE. UU. ayer.", "Fin."]),
    ("etc.", "Trajo armas, misiles, etc. y se fue. Luego volvió.",
     ["Trajo armas, misiles, etc. y se fue.", "Luego volvió."]),
    ("núm. and pág.", "Ver el núm. 3, pág. 12 del informe. Es claro.",
     ["Ver el núm. 3, pág. 12 del informe.", "Es claro."]),
    ("p. ej.", "Hay aliados, p. ej. Irán y Siria. Otros no.", ["Hay aliados, p. ej. Irán y Siria.", "Otros no."]),
    ("p. + number", "Está en la p. 45 del libro. Léalo.", ["Está en la p. 45 del libro.", "Léalo."]),
    ("initials", "Lo escribió J. R. R. Tolkien en 1937. Fue un éxito.",
     ["Lo escribió J. R. R. Tolkien en 1937.", "Fue un éxito."]),
    ("thousands with period", "Envió 6.700 contenedores y 3.000 soldados. Nadie lo negó.",
     ["Envió 6.700 contenedores y 3.000 soldados.", "Nadie lo negó."]),
    ("thousands with comma, decimal", "Eran 10,000 tropas y 2.5 millones. Así fue.",
     ["Eran 10,000 tropas y 2.5 millones.", "Así fue."]),
    ("year ends sentence", "Se vieron en 2019. Autoridades lo confirmaron.",
     ["Se vieron en 2019.", "Autoridades lo confirmaron."]),
    ("sentence starts with a number", "Apoyan a Ucrania. 50 mil millones llegarán.",
     ["Apoyan a Ucrania.", "50 mil millones llegarán."]),
    ("« » period then continues", "«Estamos listos para todo.», dijo Kim. Después partió.",
     ["«Estamos listos para todo.», dijo Kim.", "Después partió."]),
    ("“ ” period then continues", "“No habrá guerra.”, afirmó Putin. Nadie le creyó.",
     ["“No habrá guerra.”, afirmó Putin.", "Nadie le creyó."]),
    ("quote closes the sentence", "Dijo: «Vamos.» Luego se fue.", ["Dijo: «Vamos.»", "Luego se fue."]),
    ("period after closing quote", "Lo llamó «contradicción ridícula». Nadie respondió.",
     ["Lo llamó «contradicción ridícula».", "Nadie respondió."]),
    ("multi-sentence quote stays whole", "«Vamos. Ya es hora», dijo Kim. Salió.",
     ["«Vamos. Ya es hora», dijo Kim.", "Salió."]),
    ("straight quotes", '"No hay daños. Todo bien", escribió. Fin.', ['"No hay daños. Todo bien", escribió.', "Fin."]),
    ("¿? ¡!", "¿Vendrá Putin? ¡Claro que sí! Ya lo anunció.", ["¿Vendrá Putin?", "¡Claro que sí!", "Ya lo anunció."]),
    ("? then lowercase continues", "¿Por qué? preguntó el ministro. Nadie supo.",
     ["¿Por qué? preguntó el ministro.", "Nadie supo."]),
    ("?! run", "¿¡Otra vez?! Sí, otra vez.", ["¿¡Otra vez?!", "Sí, otra vez."]),
    ("ellipsis then uppercase", "Quizá mañana... Bueno, ya veremos.", ["Quizá mañana...", "Bueno, ya veremos."]),
    ("ellipsis then lowercase", "Y entonces… nada pasó. Fin.", ["Y entonces… nada pasó.", "Fin."]),
    ("brackets protect", "(Ver la nota. Es larga.) Luego siguió.", ["(Ver la nota. Es larga.)", "Luego siguió."]),
    ("acronym in brackets ends", "Lo informó el Servicio Sismológico (SSN). Luego calló.",
     ["Lo informó el Servicio Sismológico (SSN).", "Luego calló."]),
    ("dialogue dashes", "—¿Vienes? —No. —Bueno.", ["—¿Vienes?", "—No.", "—Bueno."]),
    ("url", "Más en www.ejemplo.com. Gracias.", ["Más en www.ejemplo.com.", "Gracias."]),
    ("a. m. ends", "Llegó a las 10 a. m. El acto empezó.", ["Llegó a las 10 a. m.", "El acto empezó."]),
    ("no final punctuation", "Un titular sin punto", ["Un titular sin punto"]),
    ("whitespace trimmed", "  Hola.   Adiós.  ", ["Hola.", "Adiós."]),
    ("empty", "   ", []),
    ("blank line is a hard boundary", "Sin punto aquí\n\nOtra cosa. Fin.", ["Sin punto aquí", "Otra cosa.", "Fin."]),
    ("single newline is a space", "Una frase que sigue\nen otra línea. Fin.",
     ["Una frase que sigue\nen otra línea.", "Fin."]),
    ("CRLF blank line", "Uno\r\n\r\nDos.", ["Uno", "Dos."]),
    ("source defect left alone", "del de Kim Septiembre pasadoEl líder viajó. Fin.",
     ["del de Kim Septiembre pasadoEl líder viajó.", "Fin."]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_segment_text(text: str, expected: list[str]) -> None:
    spans = segment_text(text)
    assert [text[start:end] for start, end in spans] == expected
    assert spans == sorted(spans) and all(a < b for a, b in spans)


# Seed → number of segments (title included), eyeballed sentence by sentence.
SEED_SEGMENTS = {
    "000_ad44c9bdf5348be7.txt": 17,
    "001_957c0dcd70a6e2cc.txt": 11,
    "002_60ab5307d725f76d.txt": 10,
    "003_aa888c3de2050ec8.txt": 35,
    "004_081bfce1774f8b12.txt": 14,
}


@pytest.mark.parametrize(("name", "count"), SEED_SEGMENTS.items())
def test_seed_segments(name: str, count: int) -> None:
    article = read_article(SEEDS / name)
    segments = segment_article(article)
    assert len(segments) == count
    assert [s.seg_id for s in segments] == list(range(1, count + 1))
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
    assert len(segments) == sum(SEED_SEGMENTS.values())
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
