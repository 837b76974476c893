"""Deterministic document-level splits that never move: every row of a document lands in the same
split, and a document's split depends only on its own ``doc_id`` (SHA-256), never on the order,
the number or the identity of the other documents. A document added later therefore never moves
an earlier one: a model trained on the grown dataset's ``train`` has not seen the old ``test``.

The one exception is the user's explicit choice of a single split for everything (``--split test``
for a set that is only ever used for evaluation): that too is per document (every document, old
or new, goes to that split), so it never moves a document either as long as the choice is kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from annotate.text import plural

SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "test")
# Shares of the hash fraction, taken in SPLIT_NAMES order: 80 % train, 10 % validation, 10 % test.
SPLIT_PROPORTIONS: dict[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}
HASH_MODE = "hash"
# The old default, which hash-split only from 20 documents on (and so moved documents when the
# 20th arrived). Accepted as a name for the hash rule so that existing scripts keep working.
LEGACY_AUTO_MODE = "auto"
# Below this many documents the card warns that a split may hold no document at all.
FEW_DOCUMENTS = 20
# How to evaluate on every row whatever split each document fell in: `datasets` concatenates the
# splits a config has ("all"); naming them ("train+validation+test") fails on a split it lacks.
LOAD_EVERYTHING = 'load_dataset(path, config, split="all")'


def hash_split(doc_id: str) -> str:
    """The split of one document under the hash rule (80/10/10 on SHA-256 of the doc_id)."""
    digest = hashlib.sha256(doc_id.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    bound = 0.0
    for name in SPLIT_NAMES:
        bound += SPLIT_PROPORTIONS[name]
        if fraction < bound:
            return name
    return SPLIT_NAMES[-1]  # float rounding at the very top of the range


@dataclass(frozen=True)
class SplitRule:
    """How documents are assigned to splits, and the paragraph that explains it in the card."""

    all_in: str | None  # every document in this split (the user's choice), or None for the hash rule
    n_documents: int = 0  # for the card's wording only: the assignment never depends on it

    def split_of(self, doc_id: str) -> str:
        """The split a document's rows go to: a function of ``doc_id`` alone."""
        return self.all_in or hash_split(doc_id)

    def describe(self) -> str:
        """One paragraph for the dataset card: the rule, its stability, how to load everything."""
        load_all = (f"To evaluate on the whole set, load every split at once: `{LOAD_EVERYTHING}` (naming "
                    'them, as in `split="train+validation+test"`, fails for a config that lacks one of them).')
        if self.all_in is not None:
            return (
                f"All documents are in the `{self.all_in}` split: the dataset was built to put every document, "
                f"present or added later, there (`--split {self.all_in}`), so it has no split to train on. "
                "Build with `--split hash` (the default) for train/validation/test splits by document."
            )
        proportions = "/".join(f"{SPLIT_PROPORTIONS[s]:.0%} {s}" for s in SPLIT_NAMES)
        few = (f" With {plural(self.n_documents, 'document')}, a split may hold "
               "few documents or none (its files are then absent)." if self.n_documents < FEW_DOCUMENTS else "")
        return (
            "Splits are by document, and a document's split depends only on its own `doc_id`: the SHA-256 "
            f"hash of the `doc_id` decides ({proportions}), so all rows of an article stay together, and a "
            "document keeps its split as the dataset grows (documents added later never move an earlier "
            f"one to another split).{few} {load_all}"
        )


def choose_split_rule(n_documents: int, mode: str = HASH_MODE) -> SplitRule:
    """``hash`` (or its old name ``auto``): the per-document hash rule whatever the set's size; a
    split name: every document in that split. ``n_documents`` only words the card's paragraph."""
    if mode in (HASH_MODE, LEGACY_AUTO_MODE):
        return SplitRule(None, n_documents)
    if mode in SPLIT_NAMES:
        return SplitRule(mode, n_documents)
    raise ValueError(f"unknown split mode {mode!r}: use {HASH_MODE} or one of {', '.join(SPLIT_NAMES)}")
