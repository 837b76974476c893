"""Ingestion: chrome removal on the seeds and on hand-written articles in other outlets' styles,
offsets back into the raw text, and clear errors for bad files."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.ingest.articles import IngestError, clean_text, doc_id_for, explain_file, ingest_dir, read_article
from annotate.ingest.chrome import BLANK, BODY, RULES
from annotate.cli import app
from annotate.records import Article

DATA = Path(__file__).parent / "data" / "articles"
SEEDS = Path(__file__).parent.parent / "seeds"

# Every non-blank line that is NOT body text, by 1-based raw line number → rule that decides it.
# All other non-blank lines must survive verbatim in the article text.
EXPECTED_LINES: dict[str, dict[str, list[int]]] = {
    "000_ad44c9bdf5348be7.txt": {
        "title": [1], "no-letters": [5], "credited-caption": [6], "share-button": list(range(7, 15)),
        "attribution": [32], "end-section": [34], "trailing-section": [36, 42],
    },
    "001_957c0dcd70a6e2cc.txt": {
        "title": [1], "advertisement": [3, 9, 27], "attribution": [25], "end-section": [29],
        "trailing-section": [31, 33, 35, 37, 39, 41, 43, 45, 47, 49],
    },
    "002_60ab5307d725f76d.txt": {
        "title": [1], "repeated-line": [3], "credited-caption": [5, 21], "invisible-only": [7, 23],
    },
    "003_aa888c3de2050ec8.txt": {
        "title": [1], "photo-credit": [3], "caption-after-credit": [5], "stray-tag": [9],
        "injected-link": [21, 37, 55], "end-section": [69], "trailing-section": [71],
    },
    "004_081bfce1774f8b12.txt": {
        "breadcrumb": [1], "title": [3], "counter": [5, 6], "header-caption": [8], "stray-tag": [14],
    },
    "pensiones_crlf.txt": {
        "breadcrumb": [1], "title": [2], "byline": [4], "timestamp": [5], "share-button": [6, 7],
        "injected-link": [12], "credited-caption": [15], "newsletter-prompt": [18],
        "end-section": [20], "trailing-section": [21, 22],
    },
    "portada_promos.txt": {
        "promo-headline": [1, 2, 3, 5], "title": [7], "timestamp": [9], "end-section": [17],
        "trailing-section": [19, 21, 23],
    },
    "titicaca_wrapped.txt": {
        "title": [1], "byline": [3], "photo-credit": [5], "credited-caption": [6],
        "newsletter-prompt": [25, 27],
    },
    "sismo_wire.txt": {
        "title": [1], "counter": [5], "injected-link": [11], "agency-line": [15],
        "teaser-block": [17, 19, 21, 23],
    },
    "voz_del_sur_regional.txt": {
        "page-label": [1, 2], "title": [3], "byline": [4], "interface-text": [5], "credited-caption": [9],
        "tag-line": [24], "numbered-list": list(range(26, 33)),
    },
    "cable_agencia.txt": {
        "page-label": [1], "title": [2], "photo-credit": [3], "credited-caption": [10], "tag-line": [14],
        "copyright": [15],
    },
    "pulso_digital_nativo.txt": {
        "stray-tag": [1], "page-label": [2, 3], "title": [4], "counter": [5], "interface-text": [6],
        "share-button": [7, 8], "newsletter-prompt": [16], "injected-link": [18], "tag-line": [26],
    },
    "directo_ucrania.txt": {
        "page-label": [1, 2], "title": [3], "timestamp": [4, 7, 11, 23, 27], "byline": [5],
        "share-button": [9, 13, 25], "numbered-list": list(range(15, 22)), "interface-text": [30],
    },
    "columna_opinion.txt": {
        "page-label": [1, 2], "title": [3], "byline": [5], "timestamp": [6], "end-section": [16],
        "trailing-section": [17, 18, 19],
    },
    "derbi_deportes.txt": {
        "breadcrumb": [1], "page-label": [2, 3], "title": [4], "byline": [5], "counter": [6],
        "credited-caption": [10], "numbered-list": list(range(16, 22)),
    },
}

# file → (title, paragraphs, captions, source_attribution, removed lines)
EXPECTED_SHAPE = {
    "000_ad44c9bdf5348be7.txt": ("Putin acepta invitación de Kim Jong Un para visitar Corea del Norte", 9,
                                 ["Putin acepta invitación de Kim Jong Un para visitar Corea del Norte. "
                                  "(Mikhail Metzel, Sputnik, Kremlin Pool Foto vía AP, archivo)"],
                                 ["(Con información de The Associated Press)"], 12),
    "001_957c0dcd70a6e2cc.txt": ("Líder de Corea del Norte llega a Rusia en su tren blindado para reunirse "
                                 "con Putin", 9, [], ["Con información de VOA"], 14),
    "002_60ab5307d725f76d.txt": ("Alarma en Occidente: Putin reforzó su cooperación con Kim Jong-un y avanzó "
                                 "con un acuerdo armamentista", 9,
                                 ["Kim Jong Un y Vladimir Putin estrechan relaciones (Foto de archivo: Reuters)",
                                  "El presidente de Rusia, Vladimir Putin, asiste a una reunión"], ["AFP"], 3),
    "003_aa888c3de2050ec8.txt": ("Putin de Rusia realizará una inusual visita a Corea del Norte en medio de una "
                                 "alianza cada vez más intensa contra Occidente.", 26,
                                 ["Oficina de prensa del Kremlin/Manual/Agencia Anatolu/Getty Images/Archivo",
                                  "El presidente ruso Vladimir Putin saluda al líder norcoreano Kim Jong Un"],
                                 [], 6),
    "004_081bfce1774f8b12.txt": ("El ministro de Relaciones Exteriores ruso visitará Corea del Norte esta semana "
                                 "en la última señal de lazos en expansión", 1,
                                 ["Ministro de Relaciones Exteriores de Rusia, Sergey Lavrov"], [], 4),
    "pensiones_crlf.txt": ("Chile aprueba una reforma de pensiones tras casi diez años de debate", 5,
                           ["Manifestantes frente al Congreso en Valparaíso. Foto: EFE/Adriana Thomasa"],
                           ["Por Ana Martínez | Santiago"], 9),
    "portada_promos.txt": ('La consejera de Vivienda defiende el nuevo decreto: quienes voten en contra '
                           '"tendrán que explicarlo"', 3, [], [], 9),
    "titicaca_wrapped.txt": ("Por qué el lago Titicaca está perdiendo agua", 6,
                             ["Fuente de la imagen, Getty Images",
                              "Pie de foto, El nivel del lago Titicaca bajó casi un metro desde 2022."],
                             ["Redacción BBC News Mundo"], 2),
    "sismo_wire.txt": ("Terremoto de magnitud 6,1 sacude el sur de México", 4, [], ["EFE"], 6),
    "voz_del_sur_regional.txt": ("Miles de personas marchan en Lima contra la reforma judicial aprobada por el "
                                 "Congreso", 9, ["Manifestantes frente al Congreso. REUTERS/Ana López"],
                                 ["Por Redacción Central | 2 de mayo de 2024 - 08:15"], 11),
    "cable_agencia.txt": ("El paro baja en 60.503 personas en abril y marca su nivel más bajo desde 2008", 4,
                          ["Foto: EFE", "Una mujer consulta ofertas en una oficina de empleo de Madrid. "
                                        "EFE/Fernando Villar"], [], 3),
    "pulso_digital_nativo.txt": ("El INE usó datos de millones de móviles para medir el turismo sin avisar a los "
                                 "usuarios", 6, [], [], 10),
    "directo_ucrania.txt": ("Rusia lanza un ataque masivo con drones contra Kiev y Odesa: última hora de la guerra",
                            4, [], ["Por Redacción Internacional"], 18),
    "columna_opinion.txt": ("La ciudad que no supo esperar al tranvía", 5, [],
                            ["Lucía Fernández Ortega | Columnista"], 7),
    "derbi_deportes.txt": ("El Betis gana el derbi con un gol de Isco en el descuento y se acerca a Europa", 3,
                           ["Isco celebra el gol de la victoria en el Benito Villamarín | EFE/Julio Muñoz"],
                           ["Por Manuel Ruiz | Sevilla | 12/05/2024 - 23:05"], 10),
}

# Page chrome that must not survive anywhere in Article.text.
FORBIDDEN = [
    "Compartir noticia", "Publicidad", "READ", "Lo más leído", "skeleton", "Más del autor",
    "Artículos relacionados", "Lo más reciente", "Samsung", "Heinz", "Quieres recibir",
    "Comparte con nosotros", "Deja una respuesta", "Tu dirección de correo", "Home Noticias",
    "\n70\n", "\n0\n", "|", "\xa0", "fuente", "cnn", " AFP", "(Foto", "Getty Images",
    "Con información de", "Sputnik", "Sergey Lavrov\n", "Lee también", "LEA TAMBIÉN", "Suscríbete",
    "newsletter", "notificaciones", "Publicado:", "Facebook", "Noticias relacionadas", "Nevado de Toluca",
    "Bolsa Mexicana", "\nEFE", "Redacción", "Pie de foto", "Banco Central", "\r",
    "Edición Digital", "Internacional\n", "Escuchar noticia", "REUTERS/", "EFE/", "Temas:", "Las más leídas",
    "precio del limón", "Economía\n", "Archivado en", "© 2024", "pulsodigital", "EXCLUSIVA", "Lectura:", "Guardar",
    "newsletter", "Te puede interesar", "EN DIRECTO", "Guerra en Ucrania\n", "Última actualización", "11:40",
    "Compartir entrada", "Lo más visto", "momia", "Cargar más", "Hace 3 horas", "Diario de Granada", "Tribuna\n",
    "Columnista", "15/03/2024", "Sobre la autora", "politóloga", "Comentarios (4)", "LaLiga", "2 - 1",
    "Finalizado", "Manuel Ruiz", "35 comentarios", "Clasificación", "Real Madrid 84",
]


def all_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) + sorted(DATA.glob("*.txt"))


def raw_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_each_line_is_decided_by_the_expected_rule(path: Path) -> None:
    decided: dict[str, list[int]] = defaultdict(list)
    for decision in explain_file(path).decisions:
        if decision.role not in (BODY, BLANK) and decision.rule != "agency-tag":
            decided[decision.rule].append(decision.line.number)
    assert dict(decided) == EXPECTED_LINES[path.name]


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_all_article_text_survives_verbatim(path: Path) -> None:
    article = read_article(path)
    not_body = {n for numbers in EXPECTED_LINES[path.name].values() for n in numbers}
    raw_lines = raw_text(path).replace("\r\n", "\n").split("\n")
    body_lines = [line.strip() for number, line in enumerate(raw_lines, 1)
                  if line.strip() and number not in not_body]
    assert body_lines, "a seed with no body?"
    for line in body_lines:
        if path.name.startswith("002") and line.endswith(" AFP"):
            line = line[: -len(" AFP")]
        assert line in article.text


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_shape_title_captions_attribution(path: Path) -> None:
    title, n_paragraphs, captions, attribution, removed = EXPECTED_SHAPE[path.name]
    article = read_article(path)
    assert article.title == title
    assert len(article.paragraphs) == n_paragraphs
    assert len(article.captions) == len(captions)
    for caption, expected in zip(article.captions, captions):
        assert caption.text.startswith(expected)
    assert [p.text for p in article.source_attribution] == attribution
    assert explain_file(path).removed_lines == removed


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_no_chrome_survives(path: Path) -> None:
    text = read_article(path).text
    for chrome in FORBIDDEN:
        assert chrome not in text, f"{chrome!r} survived in {path.name}"


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_offsets_point_into_the_raw_text(path: Path) -> None:
    raw = raw_text(path)
    article = read_article(path)
    assert raw[article.title_raw_start:article.title_raw_end] == article.title
    for part in (*article.paragraphs, *article.captions, *article.source_attribution):
        assert raw[part.raw_start:part.raw_end] == part.text
        assert part.text == part.text.strip() and part.text
    starts = [p.raw_start for p in article.paragraphs]
    assert starts == sorted(starts) and article.title_raw_end <= starts[0]
    assert article.doc_id == doc_id_for(article.title, [p.text for p in article.paragraphs])
    assert article.source_name == path.name
    assert Article.from_json(article.to_json()) == article


def test_subtitle_lede_stays_body() -> None:
    article = read_article(SEEDS / "000_ad44c9bdf5348be7.txt")
    assert article.paragraphs[0].text.startswith("La reunión, de acuerdo con Pyongyang, tendría")


def test_trailing_agency_tag_becomes_attribution_with_offsets() -> None:
    path = SEEDS / "002_60ab5307d725f76d.txt"
    raw, article = raw_text(path), read_article(path)
    assert article.paragraphs[-1].text.endswith("con la diplomacia estancada.")
    (tag,) = article.source_attribution
    assert raw[tag.raw_start:tag.raw_end] == "AFP" and tag.raw_end == len(raw.rstrip())


def test_hard_wrapped_paragraphs_are_joined_subheadings_are_not() -> None:
    article = read_article(DATA / "titicaca_wrapped.txt")
    texts = [p.text for p in article.paragraphs]
    assert texts[0] == ("El lago Titicaca, compartido por Perú y Bolivia, registró en noviembre su\n"
                        "nivel más bajo en 30 años, según el Servicio Nacional de Meteorología e\n"
                        "Hidrología (Senamhi) de Bolivia.")
    assert "Una amenaza para la pesca" in texts and "Qué dice el gobierno" in texts


def test_unpunctuated_subheading_over_a_paragraph_line_is_not_a_wrapped_line() -> None:
    """Found on a real broadcaster's page (one paragraph per line, single newlines): a 65-character
    subheading without a full stop was glued to the next paragraph as if hard-wrapped, and the two
    became one sentence. A line is only the first half of a wrap if it is about as long as the
    file's full lines."""
    long_paragraph = ("El cocinero ha conquistado al público del concurso con su ironía, sus recetas improvisadas "
                      "y unas reflexiones que hablan de la cocina y también de la vida misma.")
    next_paragraph = ("La vida tiene sus momentos buenos y sus momentos malos, y el concursante repite que lo más "
                      "importante es cómo se enfrenta uno a lo que viene después de cada prueba.")
    raw = ("Las lecciones de un cocinero aficionado en la televisión pública\n"
           f"{long_paragraph}\n"
           "Hay que tomarse la vida con calma: medio en broma, medio en serio\n"
           f"{next_paragraph}\n")
    texts = [p.text for p in clean_text(raw).paragraphs]
    assert texts == [long_paragraph, "Hay que tomarse la vida con calma: medio en broma, medio en serio", next_paragraph]


def test_crlf_and_bom_offsets() -> None:
    path = DATA / "pensiones_crlf.txt"
    raw = raw_text(path)
    assert raw.startswith("\ufeff") and "\r\n" in raw
    article = read_article(path)
    assert all("\r" not in p.text for p in article.paragraphs)
    assert raw[article.title_raw_start:article.title_raw_end] == article.title


# ── single lines in context: (line, rule that must decide it) ─────────────────────────────────

LINE_RULES = [
    ("- Publicidad -", "advertisement"),
    ("PUBLICIDAD", "advertisement"),
    ("Compartir noticia por whatsapp", "share-button"),
    ("Compartir en Facebook", "share-button"),
    ("Facebook | Twitter | LinkedIn", "share-button"),
    ("READ\xa0 Un titular que no tiene nada que ver", "injected-link"),
    ("LEA TAMBIÉN: Otro titular", "injected-link"),
    ("Te puede interesar: Otro titular cualquiera", "injected-link"),
    ("¿Quieres recibir las notas de mayor interés en tu email?", "newsletter-prompt"),
    ("Suscríbete a nuestro newsletter", "newsletter-prompt"),
    ("Home Noticias Un titular truncado...", "breadcrumb"),
    ("Inicio › Mundo › Europa", "breadcrumb"),
    ("1.234", "counter"),
    ("35 comentarios", "counter"),
    ("Lectura: 4 min", "counter"),
    ("|", "no-letters"),
    ("* * *", "no-letters"),
    ("\xa0", "invisible-only"),
    ("\u200b", "invisible-only"),
    ("cnn", "stray-tag"),
    ("fuente", "stray-tag"),
    ("Actualizado el 3 de marzo de 2024, 10:15", "timestamp"),
    ("12/06/2024 08:30 h", "timestamp"),
    ("(Con información de Reuters)", "attribution"),
    ("Con reportes de AP y EFE", "attribution"),
    ("EFE", "agency-line"),
    ("AFP/Reuters", "agency-line"),
    ("Por Juan Pérez de la Cruz", "byline"),
    ("Soldados en el frente. (Foto: REUTERS/Jane Doe)", "credited-caption"),
    ("Una vista de la ciudad (AP Photo/John Smith)", "credited-caption"),
    ("Leyenda: El presidente durante su discurso.", "credited-caption"),
    ("REUTERS/Evelyn Hockstein", "photo-credit"),
    ("Foto: Archivo", "photo-credit"),
    ("Por Redacción Central | 2 de mayo de 2024 - 08:15", "byline"),
    ("Por María López - 02/05/2024 08:15", "byline"),
    ("POR JUAN PÉREZ | Corresponsal en Bogotá", "byline"),
    ("Ana Martínez | Enviada especial", "byline"),
    ("Temas: Perú, Congreso, Reforma judicial", "tag-line"),
    ("Etiquetas: inflación · Banco Central · tipos de interés", "tag-line"),
    ("Jueves, 2 de mayo de 2024", "timestamp"),
    ("Madrid, 2 de mayo de 2024 - 08:15 h", "timestamp"),
    ("11:40", "timestamp"),
    ("Hace 3 horas", "timestamp"),
    ("Escuchar noticia", "interface-text"),
    ("Cargar más entradas", "interface-text"),
    ("Más artículos de Lucía Fernández", "interface-text"),
    ("Compartir entrada", "share-button"),
    ("© 2024 Europa Press. Todos los derechos reservados.", "copyright"),
    ("Sobre el autor", "end-section"),
    ("Manifestantes frente al Congreso. REUTERS/Ana López", "credited-caption"),
    ("Una mujer en una oficina de empleo. EFE/Fernando Villar", "credited-caption"),
    ("Isco celebra el gol en el Benito Villamarín | EFE", "credited-caption"),
    ("Vecinos limpian el barro en Paiporta. Foto de Ana Gil/EFE", "credited-caption"),
    ("¿Te gustaría recibir nuestras alertas? Déjanos tu email", "newsletter-prompt"),
    ("Descarga la app y activa las notificaciones.", "newsletter-prompt"),
    # Real text that looks a little like chrome stays body.
    ("Por su parte, el ministro negó las acusaciones.", "body"),
    ("El boletín oficial publicó el decreto el lunes.", "body"),
    ("Lee también el informe completo, que publicará la ONU en mayo.", "body"),
    ("Inicio de la temporada de lluvias deja tres muertos en el sur.", "body"),
    ("La foto de archivo mostraba al presidente junto a su esposa.", "body"),
    ("El archivo secreto de Moscú", "body"),  # a subheading inside the body
    ("Compartir el poder con la oposición no está en sus planes.", "body"),
    ("2023 fue el año más cálido registrado, según la OMM.", "body"),
    ("Una exdirectiva reconoció que usó su correo personal para enviar los ficheros.", "body"),
    ("El diario lanzó en marzo una newsletter semanal sobre el clima.", "body"),
    ("Cada familia recibe cada mes una ayuda de 200 euros.", "body"),
    ("La descarga la inició un usuario desde Lima, según la policía.", "body"),
    ("El ministerio quiere recibir propuestas antes de junio.", "body"),
    ("Queda prohibida la reproducción de especies protegidas en cautividad.", "body"),
    ("El texto se votó de madrugada. Según consta en el archivo: «Se aprobó sin debate»", "body"),
    ("La foto: una mujer sola frente a los tanques, en blanco y negro.", "body"),
    ("Archivo, memoria y justicia", "body"),  # a subheading with a credit word in it
    ("Las cifras del informe anual (según el archivo municipal)", "body"),
    ("Nació el 2 de mayo de 1950 en Arequipa.", "body"),
    ("El acuerdo se firmó en Madrid, 2 de mayo de 2024, ante notario.", "body"),
    ("Por Dios y por la patria, gritaban los manifestantes.", "body"),
    ("Las relaciones siguen en su punto más bajo. AFP", "body"),  # a wire tag, not a photo credit
    ("Temas como la inflación y el empleo dominaron el debate.", "body"),
    ("Internacional", "body"),  # a section label only counts above the headline
]


@pytest.mark.parametrize(("line", "rule"), LINE_RULES, ids=[r for _, r in LINE_RULES])
def test_rule_for_a_line_inside_an_article(line: str, rule: str) -> None:
    raw = ("Un titular cualquiera sobre la política regional\n\n"
           "El primer párrafo del artículo tiene una oración completa y termina con punto.\n\n"
           f"{line}\n\n"
           "El último párrafo también es texto real del artículo y termina con punto.\n")
    decisions = {d.line.number: d for d in clean_text(raw).decisions}
    assert decisions[5].rule == rule, decisions[5]


def test_rules_have_unique_names_and_descriptions() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names)) and all(rule.description for rule in RULES)


# ── bad files ──────────────────────────────────────────────────────────────────────────────────

BAD_FILES = [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n \r\n", "empty file"),
    ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "binary file"),
    ("latin1.txt", "Título\n\nEl niño comió.\n".encode("latin-1"), "not UTF-8"),
    ("chrome-only.txt", "- Publicidad -\n\nCompartir en Facebook\n".encode(), "no article text"),
    # chrome rules leave one line (the cookie notice) to be the title, and no body after it
    ("cookies.txt", "Inicio › Mundo › América\nSuscríbete a nuestro newsletter\n"
     "Utilizamos cookies para mejorar tu experiencia\nAceptar\n".encode(), "no article text left after removing"),
    ("headline.txt", "Putin llega a Corea del Norte\n".encode(), "no body paragraph"),
    ("caption.txt", "Putin llega a Corea del Norte\n\nFoto: EFE\n".encode(), "no body paragraph"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_raises_naming_the_file(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        read_article(path)
    assert info.value.path == path and reason in info.value.reason and name in str(info.value)


@pytest.fixture
def mixed_dir(tmp_path: Path) -> Path:
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    for name, data, _ in BAD_FILES:
        (tmp_path / name).write_bytes(data)
    (tmp_path / ".hidden.txt").write_text("ignored")
    (tmp_path / "notes.md").write_text("# Notes\n\nNot an article: only *.txt is read by default, so this file "
                                       "is read only with a pattern such as *.md.\n")
    return tmp_path


def test_ingest_dir_keeps_good_files_and_lists_bad_ones(mixed_dir: Path) -> None:
    articles, errors = ingest_dir(mixed_dir)
    assert [a.source_name for a in articles] == sorted(p.name for p in SEEDS.glob("*.txt"))[:2]
    assert sorted(e.path.name for e in errors) == sorted(b[0] for b in BAD_FILES)
    articles, errors = ingest_dir(mixed_dir, pattern="*.md")
    assert [a.source_name for a in articles] == ["notes.md"] and not errors


def test_cli_jsonl_writes_good_articles_then_fails_listing_bad_ones(mixed_dir: Path) -> None:
    result = CliRunner().invoke(app, ["ingest", str(mixed_dir), "--jsonl"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source_name"] for line in lines] == sorted(p.name for p in SEEDS.glob("*.txt"))[:2]
    assert all(Article.from_dict(line).text == line["text"] for line in lines)
    for name, _, _ in BAD_FILES:
        assert name in result.stderr


def test_cli_table_and_explain() -> None:
    result = CliRunner().invoke(app, ["ingest", str(SEEDS), "--explain"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for word in ("share-button", "trailing-section", "header-caption", "000_ad44c9bdf5348be7.txt",
                 "10c69b7a28161ea1"):  # seed 000's doc_id, from its clean text
        assert word in result.stdout


def test_a_file_too_big_for_an_article_is_named_and_the_others_are_read(tmp_path: Path) -> None:
    """A 20 MB file in a pushed folder used to spend minutes and then fail in spaCy (E088) naming
    no file, taking the folder's other articles down with it."""
    from annotate.ingest.articles import MAX_ARTICLE_BYTES

    (tmp_path / "a_good.txt").write_text("Un titular corto\n\nEl cuerpo del artículo tiene una frase.\n",
                                         encoding="utf-8")
    paragraph = "Una frase de relleno para un archivo enorme que no es un artículo. " * 100 + "\n\n"
    with (tmp_path / "b_dump.txt").open("w", encoding="utf-8") as out:
        out.write("Volcado de un sitio entero\n\n")
        while out.tell() <= MAX_ARTICLE_BYTES:
            out.write(paragraph)
    articles, errors = ingest_dir(tmp_path)
    assert [a.source_name for a in articles] == ["a_good.txt"]
    (error,) = errors
    assert error.path.name == "b_dump.txt"
    size = (tmp_path / "b_dump.txt").stat().st_size
    assert error.reason == (f"{size:,} bytes is too big for one article (the limit is 1,000,000): "
                            "split it into one file per article")
