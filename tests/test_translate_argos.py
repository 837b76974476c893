"""Argos Translate with the tiny REAL test package: install and list through argostranslate,
translate straight through CTranslate2, match argostranslate's own decoding, honour ARGOS_* settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from annotate.commands import argos as argos_commands
from annotate.translate import available_translators, get_translator, unavailable_reasons
from annotate.translate.argos import ArgosPackageError, check_argosmodel, installed_packages

SENTENCES = [
    "El presidente de Rusia llegará a Corea del Norte el martes.",
    "Hola «amigo» 😀",
    "",
    "Según informes, 6.700 personas recibieron atención médica en EE.UU.",
    "a",
    "Primera línea\n\nTercera línea",
]


def test_package_is_installed_and_listed_as_test_fixture(tiny_argos_package) -> None:
    assert tiny_argos_package.name == "tiny-test-fixture"
    assert tiny_argos_package.version == "tiny-test-fixture 0.1"
    assert tiny_argos_package.path.parent == Path(os.environ["ARGOS_PACKAGES_DIR"])
    (listed,) = [p for p in installed_packages() if p.path == tiny_argos_package.path]
    assert (listed.from_code, listed.to_code, listed.is_test_fixture) == ("es", "en", True)


def test_test_fixture_is_never_offered_as_a_real_system(tiny_argos_package) -> None:
    assert "argos-test-fixture" not in [t.name for t in available_translators()]
    assert "argos" not in [t.name for t in available_translators()]
    reason = unavailable_reasons()["argos"]
    assert "test fixture" in reason and "argospm install translate-es_en" in reason
    assert "annotate argos install" in reason
    fixture = get_translator("argos-test-fixture")
    assert fixture.is_test_fixture and fixture.version == "tiny-test-fixture 0.1"
    assert "argos-test-fixture" in [t.name for t in available_translators(include_test_fixtures=True)]


def test_batch_is_aligned_with_its_inputs(tiny_argos_translator) -> None:
    outputs = tiny_argos_translator.translate_batch(SENTENCES)
    assert len(outputs) == len(SENTENCES)
    alone = [tiny_argos_translator.translate_batch([s])[0] for s in SENTENCES]
    assert outputs == alone  # each output belongs to its own input, whatever the batch
    assert outputs[2].mt == ""  # empty in, empty out
    first, blank, third = outputs[5].mt.split("\n")  # lines are translated one by one
    assert blank == "" and first == alone[5].mt.split("\n")[0]
    assert any(o.mt for o in outputs)  # the model really produced something


def test_output_equals_argostranslate_for_one_sentence(tiny_argos_translator, tiny_argos_package) -> None:
    """Same as argostranslate.translate.apply_packaged_translation (its sentence splitter, which
    would download a model offline, replaced by 'the whole text is one sentence')."""
    from argostranslate import package, translate

    class OneSentence(translate.sbd.ISentenceBoundaryDetectionModel):
        def split_sentences(self, text: str) -> list[str]:
            return [text]

    pkg = package.Package(tiny_argos_package.path)
    tiny_argos_translator.translate_batch(["x"])  # load the model
    for sentence in [s for s in SENTENCES if s and "\n" not in s]:
        (hypothesis,) = translate.apply_packaged_translation(
            pkg, sentence, tiny_argos_translator._model, OneSentence(), num_hypotheses=1
        )
        assert tiny_argos_translator.translate_batch([sentence])[0].mt == hypothesis.value


_PROBE = """
import json, sys
import ctranslate2, sentencepiece
from annotate.translate import get_translator
t = get_translator("argos-test-fixture")
sentences = json.loads(sys.argv[1])
ours = [o.mt for o in t.translate_batch(sentences)]
sp = sentencepiece.SentencePieceProcessor(model_file=str(t.package_info.path / "sentencepiece.model"))
raw = ctranslate2.Translator(str(t.package_info.path / "model"), device="cpu", compute_type=t.compute_type)
results = raw.translate_batch(sp.encode(sentences, out_type=str), beam_size=int(sys.argv[2]),
                              length_penalty=0.2, replace_unknowns=True)
print(json.dumps({"options": t.decode_options, "settings_key": t.settings_key, "ours": ours,
                  "raw": [sp.decode_pieces(r.hypotheses[0]).replace("\u2581", " ").lstrip(" ")
                          for r in results]}))
"""


@pytest.mark.parametrize("beam", [1, 3])
def test_argos_environment_settings_are_honoured(tiny_argos_package, beam: int) -> None:
    """ARGOS_BEAM_SIZE / ARGOS_BATCH_SIZE (read by argostranslate.settings at import) reach
    CTranslate2: a fresh process with them set decodes exactly like raw CTranslate2 with that beam."""
    sentences = [s for s in SENTENCES if s and "\n" not in s]
    env = {**os.environ, "ARGOS_BEAM_SIZE": str(beam), "ARGOS_BATCH_SIZE": "7"}
    probe = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(sentences), str(beam)], env=env,
                           capture_output=True, text=True, check=True)
    result = json.loads(probe.stdout)
    assert result["options"]["beam_size"] == beam and result["options"]["max_batch_size"] == 7
    assert f"beam={beam};" in result["settings_key"]  # cache entries never mix beam sizes
    assert result["ours"] == result["raw"]


def test_token_batch_defaults_large_unless_argos_batch_size_is_set(tiny_argos_package, monkeypatch) -> None:
    from annotate.translate.argos import DEFAULT_TOKEN_BATCH, ArgosTranslator

    monkeypatch.delenv("ARGOS_BATCH_SIZE", raising=False)
    assert ArgosTranslator(tiny_argos_package).decode_options["max_batch_size"] == DEFAULT_TOKEN_BATCH
    monkeypatch.setenv("ARGOS_BATCH_SIZE", "64")
    assert ArgosTranslator(tiny_argos_package).decode_options["max_batch_size"] == 64


def _cli() -> typer.Typer:
    app = typer.Typer()
    argos_commands.register(app)
    return app


def test_cli_list_marks_the_test_fixture(tiny_argos_package) -> None:
    result = CliRunner().invoke(_cli(), ["argos", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "tiny-test-fixture" in result.output and "TEST FIXTURE" in result.output
    assert "argospm install translate-es_en" in result.output


def test_cli_install_reinstalls_the_package(tiny_argosmodel: Path, tiny_argos_package) -> None:
    result = CliRunner().invoke(_cli(), ["argos", "install", str(tiny_argosmodel)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "installed tiny-test-fixture 0.1 (es → en)" in result.output and "TEST FIXTURE" in result.output
    assert [p.name for p in installed_packages()].count("tiny-test-fixture") == 1


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.mark.parametrize(("files", "message"), [
    (None, "not an Argos package"),
    ({"a/metadata.json": "{}", "b/model/model.bin": ""}, "ONE top folder"),
    ({"p/metadata.json": "{}"}, "missing p/model/model.bin"),
    ({"p/metadata.json": "{nope", "p/model/model.bin": ""}, "not valid JSON"),
    ({"p/metadata.json": '{"type": "sbd"}', "p/model/model.bin": ""}, "not describe a translate package"),
])
def test_bad_package_files_are_refused_with_a_clear_error(tmp_path: Path, files, message: str) -> None:
    path = tmp_path / "bad.argosmodel"
    if files is None:
        path.write_text("not a zip")
    else:
        _zip(path, files)
    with pytest.raises(ArgosPackageError, match=message):
        check_argosmodel(path)
    result = CliRunner().invoke(_cli(), ["argos", "install", str(path)])
    assert result.exit_code == 2 and message in result.output.replace("\n", " ")


def test_broken_packages_folder_makes_argos_unavailable_not_crash(tiny_argos_package) -> None:
    stray = Path(os.environ["ARGOS_PACKAGES_DIR"]) / "half-unzipped"
    stray.mkdir()
    try:
        reasons = unavailable_reasons(include_test_fixtures=True)
        assert "cannot read the installed Argos packages" in reasons["argos"]
        assert "metadata.json" in reasons["argos-test-fixture"]
        result = CliRunner().invoke(_cli(), ["argos", "list"])
        assert result.exit_code == 2 and "cannot read the installed Argos packages" in result.output
    finally:
        stray.rmdir()
