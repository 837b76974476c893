"""SortedDocuments: every document once, in doc_id order, held in memory or spilled to a temporary
file — and a build gives the same bytes either way, also when the export is read task by task."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotate.commands.data import iter_documents, load_documents
from annotate.dataset import DatasetBuildError, build_dataset, spool
from annotate.dataset.spool import SortedDocuments
from annotate.dataset.synthetic import synthetic_documents
from annotate.labelstudio import export_file

GOLD_EXPORT = Path(__file__).resolve().parent.parent / "seeds" / "gold_export.json"


def _shuffled(count: int = 30):
    docs = list(synthetic_documents(count, segments=2))
    random.Random(7).shuffle(docs)
    return docs


@pytest.mark.parametrize("limit, spilled", [(10**9, False), (0, True), (40, True)],
                         ids=["held", "spilled-at-once", "spilled-midway"])
def test_documents_come_back_sorted_and_unchanged(limit, spilled):
    docs = _shuffled()
    with SortedDocuments(docs, spill_after_rows=limit) as ordered:
        assert ordered.spilled is spilled
        assert len(ordered) == 30 and ordered.n_translations == sum(len(d.translations) for d in docs)
        first = [d.to_dict() for d in ordered]
        assert [d["doc_id"] for d in first] == sorted(d.doc_id for d in docs)
        assert first == sorted((d.to_dict() for d in docs), key=lambda d: d["doc_id"])
        assert [d.to_dict() for d in ordered] == first  # iterable again


@pytest.mark.parametrize("limit", [10**9, 0, 40], ids=["held", "spilled-at-once", "spilled-midway"])
def test_a_repeated_doc_id_is_an_error_and_the_file_is_released(limit, monkeypatch):
    opened = []
    real = spool.tempfile.TemporaryFile

    def tracked(*args, **kwargs):
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", tracked)
    docs = _shuffled()
    with pytest.raises(DatasetBuildError, match=rf"document {docs[3].doc_id!r} appears twice"):
        SortedDocuments([*docs, docs[3]], spill_after_rows=limit)
    assert all(f.closed for f in opened) and bool(opened) == (limit < 10**9)


def test_no_documents_is_an_error():
    with pytest.raises(DatasetBuildError, match="no documents"):
        SortedDocuments(iter([]))


def _contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_spilled_build_is_byte_identical(tmp_path, monkeypatch):
    docs = _shuffled(25)
    held = build_dataset(docs, tmp_path / "held", name="same", split="hash", score_cache=False)
    monkeypatch.setattr(spool, "SPILL_AFTER_ROWS", 7)
    spilled = build_dataset(iter(docs), tmp_path / "spilled", name="same", split="hash", score_cache=False)
    assert _contents(held.out_dir) == _contents(spilled.out_dir)
    assert held.counts == spilled.counts and sum(held.counts["segments"].values()) == 100


def test_gold_export_read_task_by_task_and_spilled_builds_the_same_dataset(tmp_path, monkeypatch):
    at_once = build_dataset(load_documents(GOLD_EXPORT), tmp_path / "at-once", name="seeds", score_cache=False)
    monkeypatch.setattr(export_file, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(spool, "SPILL_AFTER_ROWS", 1)
    streamed = build_dataset(iter_documents(GOLD_EXPORT), tmp_path / "streamed", name="seeds", score_cache=False)
    assert _contents(at_once.out_dir) == _contents(streamed.out_dir)
    assert at_once.n_documents == streamed.n_documents == 5
