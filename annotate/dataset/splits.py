"""Deterministic document-level splits: every row of a document lands in the same split, and a
document's split depends only on its ``doc_id`` (SHA-256), never on the order or the other
documents — except for the small-set rule below, which depends on how many documents there are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "test")
# Cumulative upper bounds of the hash fraction: 80 % train, 10 % validation, 10 % test.
SPLIT_PROPORTIONS: dict[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}
# Below this many documents a hash split gives splits of zero to three documents, which is noise,
# not a held-out set: everything goes to `test` (such sets are for evaluation, not training).
MIN_DOCUMENTS_FOR_HASH_SPLIT = 20


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
    """How documents are assigned to splits, and the sentence that explains it in the card."""

    all_in: str | None  # every document in this split, or None for the hash rule

    def split_of(self, doc_id: str) -> str:
        """The split a document's rows go to."""
        return self.all_in or hash_split(doc_id)

    def describe(self) -> str:
        """One paragraph for the dataset card."""
        proportions = "/".join(f"{SPLIT_PROPORTIONS[s]:.0%} {s}" for s in SPLIT_NAMES)
        if self.all_in is None:
            return (
                f"Splits are by document: a document goes to a split by the SHA-256 hash of its `doc_id` "
                f"({proportions}), so all rows of an article stay together and a document keeps its split "
                "when the dataset grows."
            )
        return (
            f"All documents are in the `{self.all_in}` split. Sets of fewer than {MIN_DOCUMENTS_FOR_HASH_SPLIT} "
            f"documents are not hash-split ({proportions} would leave splits of zero to a few articles); "
            "build with more documents, or `--split hash`, to get a document-level hash split."
        )


def choose_split_rule(n_documents: int, mode: str = "auto") -> SplitRule:
    """``auto``: hash rule from MIN_DOCUMENTS_FOR_HASH_SPLIT documents, else all in ``test``;
    ``hash``: always the hash rule; a split name: every document in that split."""
    if mode == "auto":
        return SplitRule(None if n_documents >= MIN_DOCUMENTS_FOR_HASH_SPLIT else "test")
    if mode == "hash":
        return SplitRule(None)
    if mode in SPLIT_NAMES:
        return SplitRule(mode)
    raise ValueError(f"unknown split mode {mode!r}: use auto, hash or one of {', '.join(SPLIT_NAMES)}")
