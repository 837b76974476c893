"""Apertium through annotate.translate.apertium: spa-eng and the two pivot systems, with real
apertium processes (one per mode per chunk of a batch)."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from annotate.ingest.articles import read_article
from annotate.ingest.segment import segment_article
from annotate.translate import (
    TranslationError,
    TranslationOutput,
    available_translators,
    get_translator,
    registered_names,
)
from annotate.translate import apertium as apertium_module
from annotate.translate.apertium import PATHS, apertium_translator

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


# Pivot systems: (source, (via-cat MT, unknown words), (via-glg MT, unknown words)), measured with
# apertium-spa-cat 2.2.0 + apertium-eng-cat 1.0.1 and apertium-es-gl 1.0.9 + apertium-en-gl 0.5.4.
# Each equals `apertium -u A | apertium -u B` on the sentence alone (checked below).
PIVOT_CASES = [
    ("El presidente de Rusia llegará a Corea del Norte el martes.",
     ("The president of Russia will reach North Korea the Tuesday.", []),
     ("The president of Russia will arrive it northern Korea the Tuesday.", [])),
    ("Serguéi Lavrov llegó a Pyongyang.",
     ("Serguei Lavrov reached Pyongyang.", ["Lavrov", "Serguei"]),
     ("Serguéi Lavrov It arrived the Pyongyang.", ["Serguéi", "Lavrov", "Pyongyang"])),
    ("Los niños comen pingüinos en el camión.",
     ("The boys eat penguins at the truck.", []), ("The boys eat penguins in the truck.", [])),
    # Real asterisks survive both modes; "asterisco" is unknown to es-gl's bilingual dictionary.
    ("Un *asterisco* real.", ("A *real* asterisk.", []), ("A *real* asterisk.", ["asterisco"])),
    # gl-en writes this unknown-word mark escaped ("\\@Branco"): still a mark, not text.
    ("blanca es grande", ("minim is big", []), ("Branco is big", ["Branco"])),
    # Unknown to both modes: listed once, and the first mode's mark never reaches the MT as "*".
    ("Xyzzyq habló.", ("Xyzzyq talked.", ["Xyzzyq"]), ("Xyzzyq It spoke.", ["Xyzzyq"])),
    ("", ("", []), ("", [])),
    ("   ", ("", []), ("", [])),
]
PIVOTS = {"apertium-via-cat": (1, r"apertium-spa-cat \d+\.\d+\S* \+ apertium-eng-cat \d+\.\d+\S*"),
          "apertium-via-glg": (2, r"apertium-es-gl \d+\.\d+\S* \+ apertium-en-gl \d+\.\d+\S*")}


@pytest.mark.parametrize("name", PIVOTS)
def test_pivot_name_and_debian_package_versions(name: str) -> None:
    pivot = get_translator(name)
    assert pivot.name == name
    assert not pivot.is_test_fixture
    assert re.fullmatch(PIVOTS[name][1], pivot.version), pivot.version


@pytest.mark.parametrize("name", PIVOTS)
def test_pivot_table_in_one_batch(name: str) -> None:
    column = PIVOTS[name][0]
    outputs = get_translator(name).translate_batch([case[0] for case in PIVOT_CASES])
    assert [(o.mt, o.unknown_words) for o in outputs] == [case[column] for case in PIVOT_CASES]


@pytest.mark.parametrize("name", PIVOTS)
def test_pivot_unknown_word_listed_once_and_unmarked(name: str) -> None:
    [output] = get_translator(name).translate_batch(["Xyzzyq habló."])
    assert output.unknown_words == ["Xyzzyq"]
    assert "Xyzzyq" in output.mt and "*" not in output.mt and "@" not in output.mt


@pytest.mark.parametrize(("name", "source", "expected"), [
    (name, case[0], case[PIVOTS[name][0]][0]) for name in PIVOTS for case in PIVOT_CASES if case[0].strip()
])
def test_pivot_equals_plain_apertium_pipe_on_one_sentence(name: str, source: str, expected: str) -> None:
    first, second = get_translator(name).modes
    piped = subprocess.run(f"apertium -u {first} | apertium -u {second}", shell=True, input=source + "\n",
                           capture_output=True, text=True, check=True).stdout
    assert piped.rstrip("\n") == expected


def _seed_sentences(count: int) -> list[str]:
    """``count`` varied sentences from the seed articles: every segment, then every clause (the
    segments cut at commas), cycled; plus a few blanks, which must stay "" wherever they fall."""
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    segments = [s.text for path in sorted(seeds.glob("*.txt")) for s in segment_article(read_article(path))]
    pool = segments + [clause.strip() for text in segments for clause in text.split(",") if clause.strip()]
    sentences = [pool[i % len(pool)] for i in range(count)]
    for position in (0, count // 2, count - 1):
        sentences[position] = "  "
    return sentences


@pytest.fixture(scope="module")
def seed_batch() -> list[str]:
    return _seed_sentences(300)


def _count_processes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args, *a, **kw):  # noqa: ANN001, ANN202
        calls.append(list(args))  # list.append is atomic: safe from the chunk threads
        return real_run(args, *a, **kw)

    monkeypatch.setattr(apertium_module.subprocess, "run", counting_run)
    return calls


@pytest.mark.parametrize(("jobs", "chunks"), [(1, 1), (2, 2), (3, 3), (8, 4)])  # 297 sentences: 4 of ≥ 64
def test_direct_split_batch_equals_one_chunk(seed_batch, jobs: int, chunks: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    one_chunk = apertium_translator(PATHS[0], jobs=1).translate_batch(seed_batch)
    translator = apertium_translator(PATHS[0], jobs=jobs)
    calls = _count_processes(monkeypatch)
    split = translator.translate_batch(seed_batch)
    assert len(calls) == chunks  # one process per chunk, never one per sentence
    assert split == one_chunk
    assert [split[i].mt for i in (0, 150, 299)] == ["", "", ""]


@pytest.mark.parametrize("path", PATHS, ids=[path.name for path in PATHS])
def test_split_batch_equals_its_chunks_translated_one_after_another(seed_batch, path) -> None:
    """Chunks are cut, run concurrently and put back in input order: the same outputs as each chunk
    translated on its own (for the pivots, too, whose outputs depend on the blocks before them)."""
    todo = [i for i, s in enumerate(seed_batch) if s.strip()]
    chunks = apertium_module._split(todo, [len(seed_batch[i]) for i in todo], 2)
    assert len(chunks) == 2
    one_chunk = apertium_translator(path, jobs=1)
    expected = dict.fromkeys(range(len(seed_batch)), TranslationOutput(mt=""))
    for chunk in chunks:
        expected.update(zip(chunk, one_chunk.translate_batch([seed_batch[i] for i in chunk])))
    assert apertium_translator(path, jobs=2).translate_batch(seed_batch) == list(expected.values())


def test_only_the_direct_path_splits_by_default(seed_batch, monkeypatch: pytest.MonkeyPatch) -> None:
    assert [path.parallel for path in PATHS] == [True, False, False]
    assert get_translator("apertium").jobs == max(1, (os.cpu_count() or 1) // apertium_module.CPUS_PER_CHAIN)
    assert [get_translator(path.name).jobs for path in PATHS[1:]] == [1, 1]
    via_cat = get_translator("apertium-via-cat")
    calls = _count_processes(monkeypatch)
    via_cat.translate_batch(seed_batch)
    assert [call[1:] for call in calls] == [["-z", "-f", "none", "spa-cat"], ["-z", "-f", "none", "cat-eng"]]


def test_pivot_tagger_state_leaks_across_blocks() -> None:
    """Why the pivots do not split by default: in one process, a block's output depends on the
    blocks before it (apertium-tagger's find_similar_ambiguity_class rewrites the open class), so
    chunks would change outputs. If this starts failing, Apertium fixed it: PATHS may then say
    parallel=True for the pivots."""
    before = ("El Norte podría tener decenas de millones de proyectiles de artillería y cohetes producidos "
              "a partir de diseños soviéticos que podrían suponer un gran impulso para la campaña rusa en "
              "Ucrania, según los analistas.")
    source = ("La visita de Putin a Corea del Norte es ampliamente vista como una oportunidad para reforzar "
              "el apoyo de Kim a su guerra, un objetivo que puede ser cada vez más urgente a medida que la "
              "ayuda militar estadounidense a Ucrania llega con retraso.")
    via_cat = get_translator("apertium-via-cat")
    alone = via_cat.translate_batch([source])[0].mt
    after = via_cat.translate_batch([before, source])[1].mt
    assert alone == ("Putin's the visit in North Korea is amply viewed like an opportunity to reinforce Kim's "
                     "support at his war, an aim that can be increasingly urgent at size that the military aid "
                     "estatunidenca in Ukraine arrives with delay.")
    assert after == alone.replace("can be", "can being")


@pytest.mark.parametrize(("sizes", "parts", "expected"), [
    ([5, 5, 5, 5], 2, [[0, 1], [2, 3]]),
    ([1, 1, 1, 9], 2, [[0, 1, 2], [3]]),  # by text length, not by count
    ([9, 1, 1, 1], 2, [[0], [1, 2, 3]]),
    ([1, 100, 1], 3, [[0], [1], [2]]),
    ([100, 1, 1], 3, [[0], [1, 2]]),  # never an empty chunk
    ([3, 3, 3], 1, [[0, 1, 2]]),
    ([3, 3, 3], 0, [[0, 1, 2]]),  # too small a batch to split
    ([], 0, [[]]),
])
def test_split_table(sizes: list[int], parts: int, expected: list[list[int]]) -> None:
    assert apertium_module._split(list(range(len(sizes))), sizes, parts) == expected


def test_error_in_a_chunk_names_the_mode() -> None:
    broken = apertium_module.ApertiumTranslator(shutil.which("apertium") or "apertium", "x", pair="xxx-yyy", jobs=2)
    with pytest.raises(TranslationError, match="apertium xxx-yyy exited"):
        broken.translate_batch([f"Frase número {i}." for i in range(200)])


def test_test_fixture_is_never_listed_as_available(tiny_argos_package) -> None:
    assert "argos-test-fixture" not in [t.name for t in available_translators()]
    assert "argos-test-fixture" in [t.name for t in available_translators(include_test_fixtures=True)]
    assert "argos-test-fixture" not in registered_names()
    assert "argos-test-fixture" in registered_names(include_test_fixtures=True)
