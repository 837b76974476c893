"""Apertium spa-eng through annotate.translate.apertium: real apertium processes, one per batch."""

from __future__ import annotations

import random
import re
import shutil
import subprocess

import pytest

from annotate.translate import TranslationError, TranslationOutput, get_translator
from annotate.translate import apertium as apertium_module

pytestmark = pytest.mark.skipif(
    shutil.which("apertium") is None, reason="apertium not installed (scripts/setup.sh installs it)"
)

# (source, expected MT, expected unknown words): measured with apertium-eng-spa 0.8.1.
CASES = [
    ("El presidente de Rusia llegará a Corea del Norte el martes.",
     "The president of Russia will arrive to North Korea the Tuesday.", []),
    ("Serguéi Lavrov llegó a Pyongyang.", "Serguéi Lavrov Arrived to Pyongyang.",
     ["Serguéi", "Lavrov", "Pyongyang"]),
    # Real asterisks are kept and are not taken for unknown-word marks.
    ("Un *asterisco* real.", "A *real* asterisk.", []),
    ("*Hola* y 2*3=6.", "*Hello* And 2*3=6.", []),
    ("«Buenos días» 😀", "«Good morning» 😀", []),
    ("Los niños comen pingüinos en el camión.", "The boys eat penguins in the truck.", []),
    # Neighbours must not merge: as lines of one text these would give "North Korea" and
    # "The white\nhouse" across the line breaks.
    ("Corea del", "Korea of the", []),
    ("Norte es un país.", "North is a country.", []),
    ("la casa", "The house", []),
    ("blanca es grande", "White is big", []),
    # Apertium stream-format syntax in the source is plain text, not markup.
    ("^hola<n>$ [corchete] \\ barra / {llave} @usuario #etiqueta ~tilde",
     "^hello<n>$ [corchete] \\ Sweep / {key} @user #labels ~tilde", ["n", "corchete", "tilde"]),
    ("Los tuiteros retuitean memes.", "The tuiteros retuitean memes.", ["tuiteros", "retuitean", "memes"]),
    ("", "", []),
    ("   ", "", []),
    ("Mendieta.", "Mendieta.", ["Mendieta"]),
    ("El perro ladra.\nEl gato maúlla.", "The dog barks.\nThe cat maúlla.", ["maúlla"]),
]


@pytest.fixture(scope="module")
def apertium():  # -> ApertiumTranslator
    return get_translator("apertium")


def test_name_and_debian_package_version(apertium) -> None:
    assert apertium.name == "apertium"
    assert not apertium.is_test_fixture
    assert re.fullmatch(r"apertium-eng-spa \d+\.\d+\S*", apertium.version), apertium.version


def test_table_of_sentences_in_one_batch(apertium) -> None:
    outputs = apertium.translate_batch([source for source, _, _ in CASES])
    assert len(outputs) == len(CASES)
    for (source, mt, unknown), output in zip(CASES, outputs):
        assert output == TranslationOutput(mt=mt, unknown_words=unknown), source


def test_one_process_per_batch(apertium, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args, *a, **kw):  # noqa: ANN001, ANN202
        calls.append(list(args))
        return real_run(args, *a, **kw)

    monkeypatch.setattr(apertium_module.subprocess, "run", counting_run)
    apertium.translate_batch([source for source, _, _ in CASES] * 3)
    assert len(calls) == 1 and calls[0][1:] == ["-z", "-f", "none", "spa-eng"]


@pytest.mark.parametrize(("source", "expected"), [(s, mt) for s, mt, _ in CASES if s.strip() and "\n" not in s])
def test_batch_equals_plain_apertium_on_one_sentence(apertium, source: str, expected: str) -> None:
    """Our batched null-flush output equals `apertium -u spa-eng` on the sentence alone."""
    alone = subprocess.run(["apertium", "-u", "spa-eng"], input=source + "\n", capture_output=True,
                           text=True, check=True).stdout
    assert alone.rstrip("\n") == expected


def test_output_does_not_depend_on_batch_neighbours(apertium) -> None:
    sources = [source for source, _, _ in CASES]
    order = list(range(len(sources)))
    random.Random(7).shuffle(order)
    straight = apertium.translate_batch(sources)
    shuffled = apertium.translate_batch([sources[i] for i in order])
    assert [straight[i] for i in order] == shuffled


@pytest.mark.parametrize(("marked", "mt", "unknown"), [
    ("The *zzq arrives.[]", "The zzq arrives", ["zzq"]),  # ".[]" is our block end, dropped
    ("A [*]real[*] *Mendieta.[]", "A *real* Mendieta", ["Mendieta"]),
    ("They @supplied #be \\[x\\] \\\\[\n]end[]", "They supplied be [x] \\\nend", ["supplied"]),
    ("«*Lavrov»", "«Lavrov»", ["Lavrov"]),
])
def test_reformat_table(marked: str, mt: str, unknown: list[str]) -> None:
    assert apertium_module.reformat(marked) == TranslationOutput(mt=mt, unknown_words=unknown)


@pytest.mark.parametrize(("plain", "stream"), [
    ("a*b", "a[*]b"),
    ("^x$ <y> {z} [w] a/b \\", "\\^x\\$ \\<y\\> \\{z\\} \\[w\\] a\\/b \\\\"),
    ("tab\there\nnew ~ @ #", "tab[\t]here[\n]new [~] [@] [#]"),
    ("nul\0inside", "nul inside"),  # a NUL would end the block early
])
def test_deformat_table(plain: str, stream: str) -> None:
    assert apertium_module.deformat(plain) == stream


def test_unknown_pair_is_a_clear_error() -> None:
    broken = apertium_module.ApertiumTranslator(shutil.which("apertium") or "apertium", "x", pair="xxx-yyy")
    with pytest.raises(TranslationError, match="apertium xxx-yyy exited"):
        broken.translate_batch(["hola"])
