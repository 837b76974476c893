"""Splits never move (annotate.dataset.splits): a document's split is a function of its own doc_id,
so documents added later never move an earlier one, and the card says how to load everything."""

from __future__ import annotations

import hashlib

import pytest

from annotate.dataset.splits import LOAD_EVERYTHING, SPLIT_NAMES, choose_split_rule, hash_split
from annotate.dataset.synthetic import synthetic_documents


def sha256_split(doc_id: str) -> str:
    """The documented rule, written out independently: the first 8 bytes of SHA-256(doc_id) as a
    fraction of 2**64; below 0.8 train, below 0.9 validation, else test."""
    fraction = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:16], 16) / 2**64
    return "train" if fraction < 0.8 else "validation" if fraction < 0.9 else "test"


SPLIT_TABLE = [
    # (doc_id, its split), the split checked against sha256_split too
    ("doc-1", "train"),  # fraction 0.731
    ("doc-3", "test"),  # 0.941
    ("doc-9", "validation"),  # 0.804: just past the train bound
    ("doc-15", "validation"),  # 0.881: just below the test bound
    ("ñandú", "train"),  # non-ASCII doc_ids hash their UTF-8 bytes
    ("06ea420b7241d13f", "train"),  # a seed article's doc_id
]


@pytest.mark.parametrize("doc_id, split", SPLIT_TABLE)
def test_split_of_a_document_is_the_sha256_rule(doc_id, split):
    assert sha256_split(doc_id) == split
    assert hash_split(doc_id) == split
    for n_documents in (1, 5, 19, 20, 5000):  # whatever the size of the set
        assert choose_split_rule(n_documents).split_of(doc_id) == split


def test_the_first_documents_keep_their_split_when_the_set_grows():
    first = [f"article-{i}" for i in range(5)]
    grown = first + [f"article-{i}" for i in range(5, 35)]
    before = {doc_id: choose_split_rule(len(first)).split_of(doc_id) for doc_id in first}
    after = {doc_id: choose_split_rule(len(grown)).split_of(doc_id) for doc_id in grown}
    assert {doc_id: after[doc_id] for doc_id in first} == before
    # a real test of the old bug: the old small-set rule had all five in `test`, and some move
    assert set(before.values()) != {"test"}
    assert set(after.values()) == set(SPLIT_NAMES)


def test_a_grown_dataset_keeps_every_earlier_document_in_its_split(tmp_path):
    import datasets

    docs = list(synthetic_documents(35, segments=1))

    def splits_of(out) -> dict[str, str]:
        loaded = datasets.load_dataset(str(out), "documents", cache_dir=str(tmp_path / "cache"))
        return {doc_id: split for split, rows in loaded.items() for doc_id in rows["doc_id"]}

    from annotate.dataset import build_dataset

    small = build_dataset(docs[:5], tmp_path / "small", name="grow", score_cache=False)
    grown = build_dataset(docs, tmp_path / "grown", name="grow", score_cache=False)
    before, after = splits_of(small.out_dir), splits_of(grown.out_dir)
    assert len(before) == 5 and len(after) == 35
    assert {doc_id: after[doc_id] for doc_id in before} == before
    assert before == {d.doc_id: sha256_split(d.doc_id) for d in docs[:5]}
    assert set(before.values()) != {"test"}  # the old small-set rule had all five in `test`: some moved
    # the card's way of evaluating on everything works though the small set lacks a split
    everything = datasets.load_dataset(str(small.out_dir), "documents", split="all", cache_dir=str(tmp_path / "cache"))
    assert sorted(everything["doc_id"]) == sorted(before)
    assert "test" not in before.values()
    with pytest.raises(ValueError, match="Unknown split"):  # naming a split the config lacks fails
        datasets.load_dataset(str(small.out_dir), "documents", split="train+validation+test",
                              cache_dir=str(tmp_path / "cache"))
    named = datasets.load_dataset(str(grown.out_dir), "documents", split="train+validation+test",
                                  cache_dir=str(tmp_path / "cache"))
    assert len(named) == 35  # with every split present, naming them works too
    card = small.readme.read_text(encoding="utf-8")
    assert "keeps its split as the dataset grows" in card and LOAD_EVERYTHING in card


@pytest.mark.parametrize("mode", ["hash", "auto"])  # `auto`, the old default's name, is the hash rule now
def test_hash_mode_at_any_size(mode):
    for n_documents in (0, 1, 19, 20, 100):
        rule = choose_split_rule(n_documents, mode)
        assert rule.all_in is None
        assert rule.split_of("doc-3") == "test" and rule.split_of("doc-1") == "train"


def test_the_user_can_still_put_everything_in_one_split():
    rule = choose_split_rule(500, "test")
    assert {rule.split_of(doc_id) for doc_id, _ in SPLIT_TABLE} == {"test"}
    assert rule.describe().startswith("All documents are in the `test` split")
    assert "`--split test`" in rule.describe()


def test_unknown_split_mode_is_refused():
    with pytest.raises(ValueError, match="unknown split mode 'dev': use hash or one of train, validation, test"):
        choose_split_rule(10, "dev")


def test_card_paragraph_states_the_rule_its_stability_and_how_to_load_everything():
    text = choose_split_rule(35).describe()
    assert "depends only on its own `doc_id`" in text and "80% train/10% validation/10% test" in text
    assert "a document keeps its split as the dataset grows" in text
    assert f"`{LOAD_EVERYTHING}`" in text and 'split="train+validation+test"' in text
    assert "may hold few documents or none" not in text  # 35 documents: no small-set warning
    assert "With 1 document, a split may hold few documents or none" in choose_split_rule(1).describe()
    assert "With 5 documents," in choose_split_rule(5).describe()
