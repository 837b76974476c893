"""Chrome removal on articles written in other outlets' styles (tests/data/articles/), and the
counter-examples of issue #18: chrome that used to survive into the body, real text that used to
be removed or demoted, and headlines that used to lose the title to a label above them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotate.ingest.articles import CleanResult, clean_text, explain_file, read_article
from annotate.ingest.chrome import ATTRIBUTION, BODY, CAPTION, REMOVED, TITLE

DATA = Path(__file__).parent / "data" / "articles"


@dataclass(frozen=True)
class Style:
    """What one fixture must become: the title, the start of each body paragraph in order, and
    every chrome line (exact text) that must be removed; captions and attribution exactly."""

    title: str
    body: list[str]
    removed: list[str]
    captions: list[str] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)


STYLES = {
    "voz_del_sur_regional.txt": Style(  # regional daily: site name, section, dated byline, most-read list
        title="Miles de personas marchan en Lima contra la reforma judicial aprobada por el Congreso",
        body=["Miles de personas marcharon el miércoles", "La marcha, convocada por colegios",
              "«No vamos a permitir", "La norma fue aprobada en una sesión nocturna",
              "Estos son los tres cambios principales de la reforma:", "1. La Junta Nacional de Justicia",
              "2. El Tribunal Constitucional", "3. Los fiscales supremos", "La presidenta Dina Boluarte"],
        removed=["La Voz del Sur — Edición Digital", "Internacional", "Escuchar noticia",
                 "Temas: Perú, Congreso, Reforma judicial, Protestas", "Las más leídas", "1",
                 "El precio del limón se dispara en los mercados de Lima", "2",
                 "Alerta por lluvias intensas en cinco regiones del norte", "3",
                 "La selección peruana anuncia su lista para la Copa América"],
        captions=["Manifestantes frente al Congreso. REUTERS/Ana López"],
        attribution=["Por Redacción Central | 2 de mayo de 2024 - 08:15"],
    ),
    "cable_agencia.txt": Style(  # agency wire: dateline lede under "Foto: EFE", copyright footer
        title="El paro baja en 60.503 personas en abril y marca su nivel más bajo desde 2008",
        body=["MADRID, 3 May. (EUROPA PRESS) - El número de parados", "Es el tercer mes consecutivo",
              "Por sectores, el paro bajó", "La afiliación a la Seguridad Social"],
        removed=["Economía | Empleo", "Archivado en: Paro, Empleo, Seguridad Social, Ministerio de Trabajo",
                 "© 2024 Europa Press. Está expresamente prohibida la redistribución y la redifusión de todo o "
                 "parte de los contenidos de los servicios de Europa Press sin su previo y expreso consentimiento."],
        captions=["Foto: EFE", "Una mujer consulta ofertas en una oficina de empleo de Madrid. EFE/Fernando Villar"],
    ),
    "pulso_digital_nativo.txt": Style(  # digital native: domain, kicker, reading time, newsletter box
        title="El INE usó datos de millones de móviles para medir el turismo sin avisar a los usuarios",
        body=["El Instituto Nacional de Estadística obtuvo", "El proyecto, que costó 500.000 euros",
              "Una exdirectiva del organismo reconoció que usó su correo personal",
              "La Agencia Española de Protección de Datos", "Manual de buenas prácticas",
              "El organismo defiende que siguió el manual"],
        removed=["pulsodigital.es", "Tecnología", "EXCLUSIVA", "Lectura: 6 min", "Guardar", "Compartir en X",
                 "Compartir en WhatsApp",
                 "¿Te está gustando este artículo? Suscríbete a nuestra newsletter y recibe cada mañana las "
                 "claves de la actualidad tecnológica.",
                 "Te puede interesar: Las operadoras venden tus datos: así puedes evitarlo",
                 "Temas: Privacidad, INE, Protección de datos, Telefonía móvil"],
    ),
    "directo_ucrania.txt": Style(  # live blog: entry times, share per entry, a most-read box mid-page
        title="Rusia lanza un ataque masivo con drones contra Kiev y Odesa: última hora de la guerra",
        body=["El alcalde de Kiev, Vitali Klitschko", "La Fuerza Aérea ucraniana aseguró",
              "En Odesa, los ataques dañaron", "El presidente ucraniano, Volodímir Zelenski"],
        removed=["EN DIRECTO", "Guerra en Ucrania", "Última actualización: 14 de junio de 2024, 11:40", "11:40",
                 "Compartir entrada", "11:05", "Compartir entrada", "Lo más visto", "1",
                 "Hallan una momia de 3.000 años en las obras del metro de Lima", "2",
                 "Qué se sabe del apagón que dejó sin luz a media Europa", "3",
                 "El truco para ahorrar en la factura de la luz este verano", "10:32", "Compartir entrada",
                 "Hace 3 horas",
                 "Cargar más entradas"],
        attribution=["Por Redacción Internacional"],
    ),
    "portada_promos.txt": Style(  # front-page promos over the headline, a live feed after the article
        title='La consejera de Vivienda defiende el nuevo decreto: quienes voten en contra "tendrán que explicarlo"',
        body=["La consejera de Vivienda, Marta Ibarra, ha defendido", "En declaraciones a los periodistas",
              "De momento, dos grupos han anunciado"],
        removed=["LA PORTADA DE MAÑANA", "Ver",
                 "Los alquileres de temporada se disparan en las ciudades con más estudiantes",
                 "Minuto a Minuto Directo | Un corte de luz deja sin metro a media ciudad durante dos horas",
                 "12 mayo 2023 - 09:47 h", "Lo último, minuto a minuto", "10:15 h, 12 de mayo de 2023",
                 "El metro recupera el servicio en todas sus líneas tras el corte de luz",
                 "La compañía ha informado de que el servicio se ha restablecido por completo después de dos horas "
                 "de interrupción."],
    ),
    "columna_opinion.txt": Style(  # opinion column: masthead + section, author box at both ends
        title="La ciudad que no supo esperar al tranvía",
        body=["Cuando una obra pública se convierte en arma electoral", "Hace diez años nos prometieron",
              "No es un problema técnico.", "Mientras tanto, los autobuses de la línea 33",
              "La ciudad necesita un pacto"],
        removed=["Diario de Granada | Opinión", "Tribuna", "15/03/2024 - 06:00", "Sobre la autora",
                 "Lucía Fernández Ortega es politóloga y profesora de la Universidad de Granada. Su último libro "
                 "es «Ciudades en tránsito» (2023).", "Más artículos de Lucía Fernández Ortega", "Comentarios (4)"],
        attribution=["Lucía Fernández Ortega | Columnista"],
    ),
    "derbi_deportes.txt": Style(  # sports: scoreboard over the headline, standings table at the end
        title="El Betis gana el derbi con un gol de Isco en el descuento y se acerca a Europa",
        body=["El Real Betis ganó este domingo el derbi sevillano", "El Sevilla se adelantó",
              "«Es el gol más importante de mi vida»"],
        removed=["Deportes › Fútbol › LaLiga", "Real Betis 2 - 1 Sevilla FC", "Finalizado", "35 comentarios",
                 "Clasificación", "1. Real Madrid 84", "2. FC Barcelona 76", "3. Girona FC 74",
                 "4. Atlético de Madrid 70", "5. Athletic Club 64"],
        captions=["Isco celebra el gol de la victoria en el Benito Villamarín | EFE/Julio Muñoz"],
        attribution=["Por Manuel Ruiz | Sevilla | 12/05/2024 - 23:05"],
    ),
}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_title_body_and_chrome(name: str) -> None:
    style, path = STYLES[name], DATA / name
    article, result = read_article(path), explain_file(path)
    assert article.title == style.title
    paragraphs = [p.text for p in article.paragraphs]
    assert len(paragraphs) == len(style.body), paragraphs
    for paragraph, start in zip(paragraphs, style.body):
        assert paragraph.startswith(start)
    removed = [d.line.text for d in result.decisions if d.role == REMOVED]
    assert removed == style.removed
    for chrome in style.removed:
        assert chrome not in paragraphs and chrome != article.title
    assert [c.text for c in article.captions] == style.captions
    assert [a.text for a in article.source_attribution] == style.attribution


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_every_line_accounted_for(name: str) -> None:
    """Every non-empty line of the fixture is the title, inside a body paragraph, a caption, an
    attribution or listed as removed: nothing is dropped silently."""
    style, path = STYLES[name], DATA / name
    article = read_article(path)
    kept = [article.title, *(p.text for p in article.paragraphs)]
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and line not in style.removed + style.captions + style.attribution:
            assert any(line in part for part in kept), line


# ── the counter-examples of issue #18, each on its own ───────────────────────────────────────

LEDE = ("El Congreso aprobó el miércoles la reforma del sistema de pensiones después de casi diez años de "
        "negociaciones entre el Gobierno y la oposición.")
LAST = "La norma entrará en vigor el próximo año, según el texto aprobado."


def _clean(*lines: str) -> CleanResult:
    return clean_text("\n\n".join(lines) + "\n")


def _role(result: CleanResult, text: str) -> tuple[str, str]:
    (decision,) = [d for d in result.decisions if d.line.text == text]
    return decision.role, decision.rule


def test_one_line_over_a_dated_headline_is_its_title_not_a_promo() -> None:
    """A promo block needs two or more headlines over the article's: a headline over its
    standfirst (no full stop) and the date keeps the headline as the title."""
    result = clean_text("El Gobierno aprueba la reforma de las pensiones\n\nLa medida afecta a diez millones de "
                        "personas\n\n12 mayo 2023 - 09:47 h\n\nEl Consejo de Ministros ha aprobado hoy la reforma.\n")
    assert result.title.text == "El Gobierno aprueba la reforma de las pensiones"


def test_section_label_above_the_headline_is_chrome_not_the_title() -> None:
    headline = "Miles de personas marchan en Lima contra la reforma judicial"
    result = _clean("Internacional", headline, LEDE, LAST)
    assert result.title.text == headline
    assert _role(result, "Internacional") == (REMOVED, "page-label")
    assert [p.text for p in result.paragraphs] == [LEDE, LAST]


def test_site_name_above_the_headline_is_chrome_not_the_title() -> None:
    headline = "Miles de personas marchan en Lima contra la reforma judicial"
    result = _clean("La Voz del Sur — Edición Digital", headline, LEDE, LAST)
    assert result.title.text == headline and not result.captions
    assert _role(result, "La Voz del Sur — Edición Digital") == (REMOVED, "page-label")


def test_tag_line_is_removed() -> None:
    result = _clean("Chile aprueba la reforma de pensiones", LEDE, "Temas: Chile, Pensiones, Congreso", LAST)
    assert _role(result, "Temas: Chile, Pensiones, Congreso") == (REMOVED, "tag-line")
    assert [p.text for p in result.paragraphs] == [LEDE, LAST]


def test_byline_with_a_date_is_attribution_not_body() -> None:
    byline = "Por Redacción Central | 2 de mayo de 2024 - 08:15"
    result = _clean("Chile aprueba la reforma de pensiones", byline, LEDE, LAST)
    assert _role(result, byline) == (ATTRIBUTION, "byline")
    assert [p.text for p in result.paragraphs] == [LEDE, LAST]


def test_most_read_list_heading_counters_and_headlines_all_go() -> None:
    listing = ["Las más leídas", "1", "El precio del limón se dispara en Lima", "2",
               "Alerta por lluvias en cinco regiones del norte", "3", "La selección anuncia su lista"]
    result = clean_text("Chile aprueba la reforma de pensiones\n\n" + LEDE + "\n\n" + "\n".join(listing)
                        + "\n\n" + LAST + "\n")
    for line in listing:
        assert _role(result, line) == (REMOVED, "numbered-list")
    assert [p.text for p in result.paragraphs] == [LEDE, LAST]  # a box mid-page does not end the article


def test_caption_with_a_credit_without_parentheses_is_a_caption() -> None:
    caption = "Manifestantes frente al Congreso. REUTERS/Ana López"
    result = _clean("Chile aprueba la reforma de pensiones", LEDE, caption, LAST)
    assert _role(result, caption) == (CAPTION, "credited-caption")
    assert [p.text for p in result.paragraphs] == [LEDE, LAST]


def test_sentence_about_su_correo_personal_stays_body() -> None:
    sentence = "Una exdirectiva reconoció que usó su correo personal para enviar los ficheros a las operadoras."
    result = _clean("El INE usó datos de móviles sin avisar", LEDE, sentence, LAST)
    assert _role(result, sentence) == (BODY, "body")


def test_paragraph_ending_in_a_quote_after_segun_consta_en_el_archivo_stays_body() -> None:
    paragraph = ("La norma fue aprobada en una sesión nocturna y sin debate en comisión. Según consta en el "
                 "archivo: «El dictamen se votó sin la presencia de los miembros de la oposición»")
    result = _clean("Miles de personas marchan en Lima", LEDE, paragraph, LAST)
    assert _role(result, paragraph) == (BODY, "body") and not result.captions


def test_lede_after_a_foto_efe_line_stays_body() -> None:
    result = _clean("Chile aprueba la reforma de pensiones", "Foto: EFE", LEDE, LAST)
    assert _role(result, "Foto: EFE") == (CAPTION, "photo-credit")
    assert _role(result, LEDE) == (BODY, "body")
    assert [p.text for p in result.paragraphs] == [LEDE, LAST]


# ── siblings: the same rules elsewhere ────────────────────────────────────────────────────────


@pytest.mark.parametrize("labels", [
    ["EN DIRECTO"], ["Economía | Empleo"], ["Diario de Granada | Opinión", "Tribuna"], ["pulsodigital.es"],
    ["Guerra en Ucrania"],  # a topic kicker, in no vocabulary: short, over a longer headline
    ["Real Betis 2 - 1 Sevilla FC", "Finalizado"],
])
def test_labels_above_the_headline_never_take_the_title(labels: list[str]) -> None:
    headline = "Rusia lanza un ataque masivo con drones contra Kiev y Odesa"
    result = _clean(*labels, headline, LEDE, LAST)
    assert result.title.text == headline and not result.captions
    assert all(_role(result, label)[0] == REMOVED for label in labels)


@pytest.mark.parametrize("headline", [
    "Muere Vargas Llosa",  # a short headline over a lede is still the title
    "Real Madrid - Barcelona: horario y dónde ver el clásico",  # a dash in a headline is no masthead
    "Putin de Rusia realizará una inusual visita a Corea del Norte.",
])
def test_real_headlines_stay_the_title(headline: str) -> None:
    assert _clean(headline, LEDE, LAST).title.text == headline


def test_short_headline_over_a_byline_is_not_a_kicker() -> None:
    byline = "Por Ana Martínez | 13 de abril de 2025 - 22:10"
    result = _clean("Muere Vargas Llosa", byline, LEDE, LAST)
    assert result.title.text == "Muere Vargas Llosa"
    assert _role(result, byline) == (ATTRIBUTION, "byline")


def test_caption_after_a_lead_credit_still_a_caption_but_a_dateline_lede_is_not() -> None:
    credit, description = "Getty Images/Archivo", "El presidente saluda a sus seguidores en Lima en 2023."
    result = _clean("Chile aprueba la reforma de pensiones", credit, description, LEDE, LAST)
    assert _role(result, description) == (CAPTION, "caption-after-credit")
    dateline = "SANTIAGO, 29 ene (EFE).- " + LEDE
    result = _clean("Chile aprueba la reforma de pensiones", credit, dateline, LAST)
    assert _role(result, dateline) == (BODY, "body")
    two_sentences = "El Congreso aprobó la reforma. La oposición anunció un recurso ante el Tribunal."
    result = _clean("Chile aprueba la reforma de pensiones", credit, two_sentences, LAST)
    assert _role(result, two_sentences) == (BODY, "body")


def test_numbered_list_inside_the_article_stays_body() -> None:
    items = ["1. La Junta Nacional de Justicia pasa a ser elegida por el Congreso.",
             "2. El Tribunal Constitucional se reduce de siete a cinco magistrados.",
             "3. Los fiscales supremos tendrán un mandato de cinco años."]
    raw = ("Perú aprueba la reforma judicial\n\n" + LEDE + "\n\nEstos son los cambios principales:\n"
           + "\n".join(items) + "\n\n" + LAST + "\n")
    result = clean_text(raw)
    assert [p.text for p in result.paragraphs][2:5] == items


def test_standings_table_goes() -> None:
    table = ["Clasificación", "1. Real Madrid 84", "2. FC Barcelona 76", "3. Girona FC 74"]
    result = clean_text("El Betis gana el derbi sevillano\n\n" + LEDE + "\n\n" + "\n".join(table) + "\n")
    assert all(_role(result, line) == (REMOVED, "numbered-list") for line in table)


def test_bare_end_heading_still_ends_the_article() -> None:
    result = _clean("Chile aprueba la reforma de pensiones", LEDE, "Lo más leído", "Otra noticia cualquiera")
    assert _role(result, "Otra noticia cualquiera") == (REMOVED, "trailing-section")


def test_title_role_is_set_once() -> None:
    result = _clean("Internacional", "Miles de personas marchan en Lima", LEDE, LAST)
    assert [d.line.text for d in result.decisions if d.role == TITLE] == ["Miles de personas marchan en Lima"]
