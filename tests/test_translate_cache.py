"""The persistent translation cache and translate_segments: cache hits skip the model, misses go in
batches, each batch is committed, and a run killed midway resumes without redoing finished batches.
The model is the real tiny Argos package (and Apertium for the CLI), wrapped only to count calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotate.records import Segment, Translation
from annotate.translate import TranslationCache, TranslationOutput, translate_segments, translate_segments_run

SOURCES = [f"Frase número {i}: el presidente visitará Corea del Norte." for i in range(10)]


def _segments(sources: list[str], doc_id: str = "doc-a") -> list[Segment]:
    segments, offset = [], 0
    for seg_id, text in enumerate(sources, 1):
        segments.append(Segment(doc_id, seg_id, 1, offset, offset + len(text), text))
        offset += len(text) + 1
    return segments


class CountingTranslator:
    """Delegates to a real translator, records each batch, and can fail at batch number N."""

    def __init__(self, real, fail_on_batch: int | None = None) -> None:  # noqa: ANN001
        self.real = real
        self.name, self.version = real.name, real.version
        self.is_test_fixture, self.settings_key = real.is_test_fixture, real.settings_key
        self.batches: list[list[str]] = []
        self.fail_on_batch = fail_on_batch

    def translate_batch(self, sentences: list[str]) -> list[TranslationOutput]:
        if self.fail_on_batch is not None and len(self.batches) + 1 == self.fail_on_batch:
            raise KeyboardInterrupt("killed midway")  # like Ctrl-C / a kill during a batch
        self.batches.append(list(sentences))
        return self.real.translate_batch(sentences)


@pytest.fixture
def cache(tmp_path: Path):  # -> TranslationCache
    with TranslationCache(tmp_path / "cache.sqlite") as opened:
        yield opened


def test_second_run_is_all_cache_hits(tiny_argos_translator, cache: TranslationCache) -> None:
    segments = _segments(SOURCES)
    first_model = CountingTranslator(tiny_argos_translator)
    first = translate_segments_run(segments, first_model, cache, batch_size=4)
    assert (first.cached, first.translated) == (0, 10)
    assert [len(b) for b in first_model.batches] == [4, 4, 2]

    second_model = CountingTranslator(tiny_argos_translator)
    second = translate_segments_run(segments, second_model, cache, batch_size=4)
    assert (second.cached, second.translated, second_model.batches) == (10, 0, [])
    assert second.translations == first.translations
    assert [(t.doc_id, t.seg_id, t.source) for t in first.translations] == [
        (s.doc_id, s.seg_id, s.text) for s in segments
    ]
    assert all(t.system == "argos-test-fixture" and t.system_version == "tiny-test-fixture 0.1"
               for t in first.translations)


def test_killed_run_resumes_without_redoing_finished_batches(tiny_argos_translator, tmp_path: Path) -> None:
    segments = _segments(SOURCES)
    path = tmp_path / "cache.sqlite"
    dying = CountingTranslator(tiny_argos_translator, fail_on_batch=3)
    with TranslationCache(path) as cache, pytest.raises(KeyboardInterrupt):
        translate_segments(segments, dying, cache, batch_size=3)
    assert len(dying.batches) == 2

    with TranslationCache(path) as cache:  # a new process would open the file afresh
        assert cache.count("argos-test-fixture") == 6
        resumed_model = CountingTranslator(tiny_argos_translator)
        resumed = translate_segments_run(segments, resumed_model, cache, batch_size=3)
    assert resumed_model.batches == [SOURCES[6:9], SOURCES[9:]]  # only what was not done
    assert (resumed.cached, resumed.translated) == (6, 4)
    assert resumed.translations == translate_segments(segments, tiny_argos_translator, None)


def test_duplicate_sources_are_translated_once(tiny_argos_translator, cache: TranslationCache) -> None:
    segments = _segments([SOURCES[0], SOURCES[1], SOURCES[0]], "doc-a") + _segments([SOURCES[1]], "doc-b")
    model = CountingTranslator(tiny_argos_translator)
    progress: list[int] = []
    translations = translate_segments(segments, model, cache, progress=progress.append)
    assert model.batches == [[SOURCES[0], SOURCES[1]]]
    assert sum(progress) == len(segments) == len(translations)
    assert translations[0].mt == translations[2].mt and translations[1].mt == translations[3].mt
    assert [(t.doc_id, t.seg_id) for t in translations] == [("doc-a", 1), ("doc-a", 2), ("doc-a", 3), ("doc-b", 1)]


@pytest.mark.parametrize(("field", "value"), [("version", "tiny-test-fixture 0.2"), ("settings_key", "beam=1;x")])
def test_other_version_or_settings_miss_the_cache(tiny_argos_translator, cache: TranslationCache,
                                                  field: str, value: str) -> None:
    segments = _segments(SOURCES[:3])
    translate_segments(segments, tiny_argos_translator, cache)
    changed = CountingTranslator(tiny_argos_translator)
    setattr(changed, field, value)
    assert translate_segments_run(segments, changed, cache).translated == 3


def test_cached_unknown_words_round_trip(cache: TranslationCache) -> None:
    outputs = {"Llegó Lavrov.": TranslationOutput("Lavrov arrived.", ["Lavrov"]), "": TranslationOutput("")}
    cache.put_many("apertium", "v1", "", outputs)
    assert cache.get_many("apertium", "v1", "", ["Llegó Lavrov.", "", "otra"]) == outputs


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "translations.sqlite"
    path.write_text("this is not SQLite " * 100)
    with pytest.raises(Exception, match=str(path)):
        TranslationCache(path)


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_cli_translate_jsonl_then_summary_from_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotate.cli import app

    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))
    segments = _segments(["El presidente de Rusia llegará a Corea del Norte el martes.", "Hola, Lavrov."])
    stdin = "".join(s.to_json() + "\n" for s in segments)
    first = CliRunner().invoke(app, ["translate", "--system", "apertium", "--jsonl"], input=stdin)
    assert first.exit_code == 0, first.output
    lines = [line for line in first.stdout.splitlines() if line.startswith("{")]
    translations = [Translation.from_dict(json.loads(line)) for line in lines]
    assert [t.mt for t in translations] == [
        "The president of Russia will arrive to North Korea the Tuesday.", "Hello, Lavrov."]
    assert translations[1].unknown_words == ["Lavrov"]
    assert (tmp_path / "state" / "translations.sqlite").exists()

    second = CliRunner().invoke(app, ["translate", "--system", "apertium"], input=stdin, env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    (row,) = [line for line in second.stdout.splitlines() if "apertium-eng-spa" in line]
    assert [cell.strip() for cell in row.split("│")[3:6]] == ["2", "2", "0"]  # segments, cached, new


def test_cli_translate_refuses_unknown_system_and_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotate.cli import app

    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))
    unknown = CliRunner().invoke(app, ["translate", "--system", "babelfish"], input=_segments(["x"])[0].to_json())
    assert unknown.exit_code == 2 and "unknown MT system 'babelfish'" in unknown.output
    bad = CliRunner().invoke(app, ["translate", "--system", "apertium"], input='{"doc_id": "d"}\nnot json\n')
    assert bad.exit_code == 2 and "<stdin>:1" in bad.output


@pytest.mark.parametrize("stdin, exit_code, expected", [
    ('{"doc_id": "d"}\n', 2, "<stdin>:1"),  # read as Segment JSONL from stdin, not as a folder "-"
    (_segments(["Hola."])[0].to_json() + "\n", 2, "unknown MT system 'babelfish'"),  # got past reading
])
def test_cli_translate_dash_reads_stdin(stdin: str, exit_code: int, expected: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from annotate.cli import app

    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(app, ["translate", "-", "--system", "babelfish", "--jsonl"], input=stdin)
    assert result.exit_code == exit_code and expected in result.output
    assert "no such file" not in result.output


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_cli_translate_dash_pipe_from_segment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotate.cli import app

    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))
    stdin = "".join(s.to_json() + "\n" for s in _segments(["Hola, Lavrov."]))
    result = CliRunner().invoke(app, ["translate", "-", "--system", "apertium", "--jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    assert [Translation.from_dict(json.loads(line)).mt for line in result.stdout.splitlines()
            if line.startswith("{")] == ["Hello, Lavrov."]
