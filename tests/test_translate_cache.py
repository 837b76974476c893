"""The persistent translation cache and translate_segments: cache hits skip the model, misses go in
batches, each batch is committed, and a run killed midway resumes without redoing finished batches.
The model is the real tiny Argos package (and Apertium for the CLI), wrapped only to count calls."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annotate.records import Segment, Translation
from annotate.translate import (TranslationCache, TranslationError, TranslationOutput, translate_segments,
                                translate_segments_run)
from annotate.translate.cache import TranslationCacheError

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


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(0).randbytes(8192))


def _truncated(path: Path) -> None:
    with TranslationCache(path) as cache:  # a real cache of many pages, cut in half
        cache.put_many("apertium", "v1", "", {f"{source} {i}": TranslationOutput(f"mt {i}" * 20)
                                              for i in range(2000) for source in SOURCES[:1]})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _other_program_database(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE bookmarks (url TEXT, title TEXT)")
        db.commit()


def _other_table_layout(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE translations (source TEXT PRIMARY KEY, mt TEXT)")  # e.g. an old layout
        db.commit()


@pytest.mark.parametrize(("damage", "problem"), [
    (_random_bytes, "it is not an SQLite database"),
    (_truncated, "it is damaged"),
    (_other_program_database, "it is not a translation cache: it has no translations table (its tables: bookmarks)"),
    (_other_table_layout, "its translations table has another layout (columns source, mt; expected system, "),
])
def test_an_unusable_cache_file_is_a_one_line_error_naming_file_and_remedy(
        tmp_path: Path, damage: Callable[[Path], None], problem: str) -> None:
    path = tmp_path / "translations.sqlite"
    damage(path)
    with pytest.raises(TranslationCacheError) as raised:
        with TranslationCache(path) as cache:  # some damage only shows when pages are read
            cache.get_many("apertium", "v1", "", [f"{SOURCES[0]} {i}" for i in range(2000)])
            cache.count()
    message = str(raised.value)
    assert message.startswith(f"translation cache {path} cannot be used: {problem}")
    assert message.endswith("; delete the file (the next run starts a new cache) "
                            "or bypass the cache with `annotate translate --no-cache`")
    assert "\n" not in message and raised.value.path == path
    # what `annotate translate` (TranslationError) and `annotate push` (ValueError) print cleanly
    assert isinstance(raised.value, TranslationError) and isinstance(raised.value, ValueError)


def test_an_empty_file_becomes_a_new_cache(tmp_path: Path) -> None:
    path = tmp_path / "translations.sqlite"
    path.touch()  # e.g. left by a run killed before it wrote anything
    with TranslationCache(path) as cache:
        cache.put_many("apertium", "v1", "", {"Hola.": TranslationOutput("Hello.")})
        assert cache.count() == 1


def test_cli_translate_with_a_damaged_cache_says_what_to_do(tiny_argos_package, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from annotate.cli import app

    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    path = tmp_path / "state" / "translations.sqlite"
    _random_bytes(path)
    stdin = _segments(["Hola."])[0].to_json() + "\n"
    command = ["translate", "--system", "argos-test-fixture", "--jsonl"]
    damaged = CliRunner().invoke(app, command, input=stdin, env={"COLUMNS": "500"})
    assert damaged.exit_code == 1 and isinstance(damaged.exception, SystemExit), damaged.output
    (line,) = [line for line in damaged.output.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: translation cache {path} cannot be used: it is not an SQLite database")
    assert line.endswith("`annotate translate --no-cache`") and "Traceback" not in damaged.output
    bypassed = CliRunner().invoke(app, [*command, "--no-cache"], input=stdin)
    assert bypassed.exit_code == 0, bypassed.output


def test_a_cache_locked_too_long_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import annotate.sqlite_store

    path = tmp_path / "translations.sqlite"
    monkeypatch.setattr(annotate.sqlite_store, "BUSY_TIMEOUT_SECONDS", 0.2)
    with TranslationCache(path) as cache, closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process writing, and never finishing
        with pytest.raises(TranslationCacheError) as raised:
            cache.put_many("apertium", "v1", "", {"Hola.": TranslationOutput("Hello.")})
        other.execute("ROLLBACK")
        assert cache.count() == 0
    assert str(raised.value) == (f"translation cache {path} stayed locked by another process for 0.2 s; retry once "
                                 "that process is done, or bypass the cache with `annotate translate --no-cache`")


class EchoTranslator:
    """A stand-in MT system for the concurrency test (the model does not matter there)."""

    name, version, is_test_fixture, settings_key = "echo", "1", True, ""

    def translate_batch(self, sentences: list[str]) -> list[TranslationOutput]:
        return [TranslationOutput(sentence.upper()) for sentence in sentences]


RUNS_AT_ONCE = 6
ROUNDS = 30  # new caches the runs start on together: the first moments of a new file are the risky ones
SHARED_SOURCES = [f"shared sentence {i}" for i in range(20)]  # every run translates (and writes) these


def _own_sources(run: int) -> list[str]:
    return [f"run {run} sentence {i}" for i in range(20)]


def _translate_in_a_process(folder: str, run: int, start: Any, failures: Any) -> None:
    """Round after round, one `annotate translate` run in its own process: as soon as every run is
    ready, open the round's new cache file and translate in small batches (one commit each)."""
    try:
        for round_number in range(ROUNDS):
            start.wait(timeout=120)  # only a guard against a hang: the runs open the new file together
            with TranslationCache(Path(folder) / f"round-{round_number}" / "translations.sqlite") as cache:
                segments = _segments(SHARED_SOURCES + _own_sources(run))
                translate_segments(segments, EchoTranslator(), cache, batch_size=5)
    except BaseException as exc:
        failures.put(f"run {run}: {type(exc).__name__}: {exc}")
        start.abort()  # the other runs stop waiting for this one
        raise


def test_runs_at_once_on_a_new_cache_all_succeed_and_keep_every_output(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")  # real, independent processes (no inherited state)
    start, failures = context.Barrier(RUNS_AT_ONCE), context.Queue()
    runs = [context.Process(target=_translate_in_a_process, args=(str(tmp_path), run, start, failures))
            for run in range(RUNS_AT_ONCE)]
    for process in runs:
        process.start()
    for process in runs:
        process.join(timeout=600)  # a guard against a hang, not a timing assertion
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert reported == [] and [process.exitcode for process in runs] == [0] * RUNS_AT_ONCE

    expected = SHARED_SOURCES + [source for run in range(RUNS_AT_ONCE) for source in _own_sources(run)]
    for round_number in range(ROUNDS):
        with TranslationCache(tmp_path / f"round-{round_number}" / "translations.sqlite") as cache:
            assert cache.count("echo") == len(expected)
            assert cache.get_many("echo", "1", "", expected) == {s: TranslationOutput(s.upper()) for s in expected}
