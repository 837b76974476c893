"""Sentence scores are computed once per distinct pair and kept in a persistent cache: a rebuild
reads them back and must write exactly the same bytes as a build that scored everything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotate.dataset import build_dataset
from annotate.dataset.score_cache import CACHE_FILE_NAME, ScoreCache
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


def test_a_new_pull_scores_only_new_pairs(tmp_path, state_dir):
    first = list(synthetic_documents(10, segments=2))
    build_dataset(first, tmp_path / "ds", name="c", split="hash")
    grown = list(synthetic_documents(10, segments=2, seed=1))  # other sentences
    report = build_dataset(first + grown, tmp_path / "ds", name="c", split="hash")
    assert report.scoring["from_cache"] > 0 and report.scoring["scored"] > 0
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


def test_corrupt_cache_file_names_the_file(tmp_path):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError, match="broken.sqlite"):
        ScoreCache("ns", path)


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
