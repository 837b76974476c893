"""doc_id is derived from the clean text (title + body paragraphs), so the same article keeps its
id whatever its line endings, BOM, trailing whitespace, wrapping or removable chrome; a change to
one word of the text changes it."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from annotate.ingest.articles import doc_id_for, read_article

SEEDS = Path(__file__).parent.parent / "seeds"

TITLE = "Chile aprueba una reforma de pensiones tras casi diez años de debate"
BODY = [
    "El Congreso de Chile aprobó el miércoles la reforma del sistema de pensiones, después de casi diez "
    "años de negociaciones entre el Gobierno y la oposición.",
    "La ministra del Trabajo, Jeannette Jara, afirmó que la ley «no es perfecta, pero mejora las pensiones».",
    "La reforma se votará en segunda lectura el 3 de febrero de 2025.",
]
PLAIN = TITLE + "\n\n" + "\n\n".join(BODY) + "\n"


def _id_of(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    return read_article(path).doc_id


def _variants() -> dict[str, bytes]:
    with_chrome = (f"Internacional\n{TITLE}\nPor Ana Martínez | 29 de enero de 2025 - 18:42\n\n"
                   + "\n\n".join(BODY[:2]) + "\n\nTemas: Chile, Pensiones, Congreso\n\n" + BODY[2] + "\n")
    wrapped = PLAIN.replace("después de casi diez ", "después de casi diez\n")
    return {
        "crlf": PLAIN.replace("\n", "\r\n").encode(),
        "bom": b"\xef\xbb\xbf" + PLAIN.encode(),
        "bom+crlf": b"\xef\xbb\xbf" + PLAIN.replace("\n", "\r\n").encode(),
        "trailing spaces": PLAIN.replace("\n", "   \n").replace(".   \n", ".\xa0\t\n").encode(),
        "byline, section and Temas lines": with_chrome.encode(),
        "hard-wrapped": wrapped.encode(),
        "NFD": unicodedata.normalize("NFD", PLAIN).encode(),
    }


@pytest.mark.parametrize("variant", sorted(_variants()))
def test_same_article_same_doc_id(tmp_path: Path, variant: str) -> None:
    assert _id_of(tmp_path, _variants()[variant]) == _id_of(tmp_path, PLAIN.encode())


@pytest.mark.parametrize(("old", "new"), [
    ("mejora las pensiones", "mejora los salarios"),  # one body word
    ("tras casi diez años", "tras casi once años"),  # one title word
])
def test_one_word_changes_the_doc_id(tmp_path: Path, old: str, new: str) -> None:
    assert _id_of(tmp_path, PLAIN.replace(old, new).encode()) != _id_of(tmp_path, PLAIN.encode())


def test_doc_id_is_16_hex_digits_of_the_clean_text() -> None:
    doc_id = doc_id_for(TITLE, BODY)
    assert re.fullmatch(r"[0-9a-f]{16}", doc_id)
    assert doc_id == doc_id_for(f" {TITLE}\r\n", [p.replace(" ", "  ") for p in BODY])
    assert doc_id != doc_id_for(TITLE, [" ".join(BODY)])  # paragraph breaks are part of the text


# The seeds' ids as derived from their clean text: a change here changes the committed dataset.
SEED_DOC_IDS = {
    "000_ad44c9bdf5348be7.txt": "10c69b7a28161ea1",
    "001_957c0dcd70a6e2cc.txt": "d6a69141c4f14f01",
    "002_60ab5307d725f76d.txt": "1a9087d6da05ba1e",
    "003_aa888c3de2050ec8.txt": "8b7ccc30197217b9",
    "004_081bfce1774f8b12.txt": "33614f96f034b061",
}


@pytest.mark.parametrize("name", sorted(SEED_DOC_IDS))
def test_seed_doc_ids(name: str) -> None:
    assert read_article(SEEDS / name).doc_id == SEED_DOC_IDS[name]
