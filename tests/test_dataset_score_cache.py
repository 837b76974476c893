"""Sentence scores are computed once per distinct pair and kept in a persistent cache: a rebuild
reads them back and must write exactly the same bytes as a build that scored everything."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from annotate.dataset import DatasetBuildError, build_dataset
from annotate.dataset.score_cache import CACHE_FILE_NAME, Pair, ScoreCache, ScoreCacheError
from annotate.dataset.scores import CHUNK_PAIRS, Scorer, SegmentScores, scored_in_order
from annotate.dataset.synthetic import synthetic_documents


@pytest.fixture
def state_dir(tmp_path, monkeypatch) -> Path:
    """A private state folder, so no other test's cached scores are read."""
    state = tmp_path / "state"
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(state))
    return state


def contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_rebuild_reads_cached_scores_and_writes_the_same_bytes(tmp_path, state_dir):
    docs = list(synthetic_documents(30, segments=3))
    uncached = build_dataset(docs, tmp_path / "uncached", name="c", split="hash", score_cache=False)
    cold = build_dataset(docs, tmp_path / "cold", name="c", split="hash")
    warm = build_dataset(docs, tmp_path / "warm", name="c", split="hash")
    assert (state_dir / CACHE_FILE_NAME).is_file()
    assert contents(uncached.out_dir) == contents(cold.out_dir) == contents(warm.out_dir)
    n_pairs = sum(len(doc.translations) for doc in docs)  # every segment has a post-edit
    distinct = len({(t.mt, a.post_edits[t.seg_id - 1].text) for doc in docs
                    for t in doc.translations for a in doc.annotations[:1]})
    assert distinct < n_pairs  # synthetic sentences repeat: the test needs repeats
    assert cold.scoring == {"pairs": n_pairs, "from_cache": 0, "scored": distinct}
    assert warm.scoring == {"pairs": n_pairs, "from_cache": distinct, "scored": 0}
    assert warm.seconds["sacrebleu"] == 0


def test_a_new_pull_scores_only_new_pairs(tmp_path, state_dir, monkeypatch):
    first = list(synthetic_documents(10, segments=2))
    grown = list(synthetic_documents(10, segments=2, seed=1))  # mostly other sentences
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(tmp_path / "other-state"))  # all of them, from scratch
    union = build_dataset(first + grown, tmp_path / "union", name="c", split="hash")
    monkeypatch.setenv("ANNOTATE_STATE_DIR", str(state_dir))
    before = build_dataset(first, tmp_path / "ds", name="c", split="hash")
    report = build_dataset(first + grown, tmp_path / "ds", name="c", split="hash")
    # every distinct pair of the first build comes from the cache; only the rest is scored
    assert before.scoring["from_cache"] == 0 and union.scoring["from_cache"] == 0
    assert report.scoring == {"pairs": union.scoring["pairs"], "from_cache": before.scoring["scored"],
                              "scored": union.scoring["scored"] - before.scoring["scored"]}
    assert report.scoring["scored"] > 0
    again = build_dataset(first + grown, tmp_path / "ds2", name="c", split="hash")
    assert again.scoring["scored"] == 0
    assert contents(report.out_dir) == contents(again.out_dir)


def test_cached_values_read_back_exactly(tmp_path):
    scorer = Scorer()
    pairs = {("It is done .", "It is done."): None, ("", "x y"): None, ("a b c", "c b a"): None}
    scores = {pair: scorer.segment(*pair) for pair in pairs}
    with ScoreCache(scorer.cache_namespace(), tmp_path / "s.sqlite") as cache:
        cache.put_many(scores)
    with ScoreCache(scorer.cache_namespace(), tmp_path / "s.sqlite") as cache:
        back = cache.get_many(list(pairs) + [("not", "cached")])
        assert cache.count() == 3
    assert set(back) == set(pairs)
    for pair, value in scores.items():
        assert repr(back[pair]) == repr(value)  # same floats, same int/float types
    with ScoreCache("other metric settings", tmp_path / "s.sqlite") as other:
        assert other.get_many(pairs) == {}


def _scores(index: int) -> SegmentScores:
    """Made-up scores (the cache stores whatever it is given)."""
    return SegmentScores(bleu=index / 7, chrf=index / 3, ter=float(index), stats=([index, 1], [2.5], [index]))


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(0).randbytes(8192))


def _truncated(path: Path) -> None:
    with ScoreCache("ns", path) as cache:  # a real cache of many pages, cut in half
        cache.put_many({(f"hypothesis {i}", "reference"): _scores(i) for i in range(3000)})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _other_program_database(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE bookmarks (url TEXT, title TEXT)")
        db.commit()


def _other_table_layout(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE sentence_scores (pair TEXT PRIMARY KEY, bleu REAL)")  # e.g. an old layout
        db.commit()


@pytest.mark.parametrize(("damage", "problem"), [
    (_random_bytes, "it is not an SQLite database"),
    (_truncated, "it is damaged"),
    (_other_program_database, "it is not a sentence-score cache: it has no sentence_scores table "
                              "(its tables: bookmarks)"),
    (_other_table_layout, "its sentence_scores table has another layout (columns pair, bleu; expected namespace, "
                          "pair_hash, scores)"),
])
def test_an_unusable_cache_file_is_a_one_line_error_naming_file_and_remedy(tmp_path, damage, problem):
    path = tmp_path / CACHE_FILE_NAME
    damage(path)
    with pytest.raises(ScoreCacheError) as raised:
        with ScoreCache("ns", path) as cache:  # some damage only shows when pages are read
            cache.get_many([(f"hypothesis {i}", "reference") for i in range(3000)])
            cache.count()
    message = str(raised.value)
    assert message.startswith(f"sentence-score cache {path} cannot be used: {problem}")
    assert message.endswith("; delete the file (the next run starts a new cache) "
                            "or bypass the cache with `annotate build --no-score-cache`")
    assert "\n" not in message and raised.value.path == path
    assert isinstance(raised.value, DatasetBuildError)  # what `annotate build` prints as it is


def test_a_cache_locked_too_long_is_a_one_line_error(tmp_path, monkeypatch):
    import annotate.sqlite_store

    path = tmp_path / CACHE_FILE_NAME
    monkeypatch.setattr(annotate.sqlite_store, "BUSY_TIMEOUT_SECONDS", 0.2)
    with ScoreCache("ns", path) as cache, closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another build writing, and never finishing
        with pytest.raises(ScoreCacheError) as raised:
            cache.put_many({("a", "b"): _scores(1)})
        other.execute("ROLLBACK")
        assert cache.count() == 0
    assert str(raised.value) == (f"sentence-score cache {path} stayed locked by another process for 0.2 s; retry "
                                 "once that process is done, or bypass the cache with "
                                 "`annotate build --no-score-cache`")


def test_cli_build_with_a_damaged_cache_says_what_to_do(tmp_path, state_dir):
    from typer.testing import CliRunner

    from annotate.cli import app
    from annotate.commands._io import write_records

    docs = tmp_path / "docs.jsonl"
    with docs.open("w", encoding="utf-8") as stream:
        write_records(synthetic_documents(3, segments=2), stream)
    state_dir.mkdir()
    _random_bytes(state_dir / CACHE_FILE_NAME)
    out = tmp_path / "out"
    damaged = CliRunner().invoke(app, ["build", str(docs), str(out)], env={"COLUMNS": "500"})
    assert damaged.exit_code == 1 and isinstance(damaged.exception, SystemExit), damaged.output
    (line,) = [line for line in damaged.output.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: sentence-score cache {state_dir / CACHE_FILE_NAME} cannot be used: "
                           "it is not an SQLite database")
    assert line.endswith("`annotate build --no-score-cache`") and "Traceback" not in damaged.output
    assert not out.exists()
    bypassed = CliRunner().invoke(app, ["build", str(docs), str(out), "--no-score-cache"])
    assert bypassed.exit_code == 0, bypassed.output


BUILDS_AT_ONCE = 6
ROUNDS = 30  # new caches the builds start on together: the first moments of a new file are the risky ones
SHARED_PAIRS = [(f"shared hypothesis {i}", "reference") for i in range(20)]  # every build writes these


def _own_pairs(build: int) -> list[Pair]:
    return [(f"build {build} hypothesis {i}", "reference") for i in range(20)]


def _score_in_a_process(folder: str, build: int, start: Any, failures: Any) -> None:
    """Round after round, one build's use of the cache in its own process: as soon as every build
    is ready, open the round's new cache file, look pairs up and store them a few at a time."""
    try:
        pairs = SHARED_PAIRS + _own_pairs(build)
        for round_number in range(ROUNDS):
            start.wait(timeout=120)  # only a guard against a hang: the builds open the new file together
            with ScoreCache("ns", Path(folder) / f"round-{round_number}" / CACHE_FILE_NAME) as cache:
                for first in range(0, len(pairs), 5):
                    chunk = pairs[first : first + 5]
                    cache.get_many(chunk)
                    cache.put_many({pair: _scores(int(pair[0].rsplit(" ", 1)[1])) for pair in chunk})
    except BaseException as exc:
        failures.put(f"build {build}: {type(exc).__name__}: {exc}")
        start.abort()  # the other builds stop waiting for this one
        raise


def test_builds_at_once_on_a_new_cache_all_succeed_and_keep_every_score(tmp_path):
    context = multiprocessing.get_context("spawn")  # real, independent processes (no inherited state)
    start, failures = context.Barrier(BUILDS_AT_ONCE), context.Queue()
    builds = [context.Process(target=_score_in_a_process, args=(str(tmp_path), build, start, failures))
              for build in range(BUILDS_AT_ONCE)]
    for process in builds:
        process.start()
    for process in builds:
        process.join(timeout=600)  # a guard against a hang, not a timing assertion
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert reported == [] and [process.exitcode for process in builds] == [0] * BUILDS_AT_ONCE

    expected = SHARED_PAIRS + [pair for build in range(BUILDS_AT_ONCE) for pair in _own_pairs(build)]
    for round_number in range(ROUNDS):
        with ScoreCache("ns", tmp_path / f"round-{round_number}" / CACHE_FILE_NAME) as cache:
            assert cache.count() == len(expected)
            back = cache.get_many(expected)
        assert {pair: repr(value) for pair, value in back.items()} == {
            pair: repr(_scores(int(pair[0].rsplit(" ", 1)[1]))) for pair in expected}


@pytest.mark.parametrize("workers", [1, 2])
def test_repeated_pairs_across_chunks_are_scored_once(workers):
    # the same two pairs in every item, over several chunks (some still in flight in workers)
    items = [(index, [(("a", index), "x y z", "z y x"), (("b", index), "same", "same")])
             for index in range(CHUNK_PAIRS * 3 // 2)]
    scorer = Scorer()
    results = list(scored_in_order(iter(items), scorer, workers=workers))
    assert [item for item, _ in results] == list(range(len(items)))
    expected = scorer.segment("x y z", "z y x")
    for index, scores in results:
        assert isinstance(scores[("a", index)], SegmentScores)
        assert repr(scores[("a", index)]) == repr(expected)
        assert scores[("b", index)].ter == 0.0
    assert scorer.counts == {"pairs": 2 * len(items), "from_cache": 0, "scored": 2}
