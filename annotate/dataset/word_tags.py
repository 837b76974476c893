"""MQM error spans → word-level quality-estimation tags (the ``word_qe`` config), in the format of the
WMT word-level QE task: one OK/BAD tag per MT token.

Rules (also stated in the dataset card):

* MT tokens come from spaCy's rule-based tokenizer of the target language (``spacy.blank("en")``
  for our articles), source tokens from the source language's; whitespace tokens are dropped.
* A token is ``BAD`` when a target-side error that weighs in MQM (weight > 0 under
  ``annotate.schema.GOOGLE_MQM_WEIGHTS``: not Neutral, not "Source error") covers any of its
  characters, whichever rater marked it (the union over raters); else ``OK``.
* ``severity_tags`` gives each token the most severe severity any rater marked on it, weight or not
  (``OK`` = nothing marked).
* Errors without extent (``start == end``, e.g. an omission) and errors marked on the source side
  cover no MT token: they are counted, and the segment's ``mqm`` still includes them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, fields

from annotate import schema
from annotate.dataset.bio import token_spans
from annotate.dataset.features import WORD_TAG_NAMES, label_index, severity_tag_names

OK, BAD = WORD_TAG_NAMES.index("OK"), WORD_TAG_NAMES.index("BAD")
_SEVERITY_TAG = label_index(severity_tag_names())


@dataclass
class WordTagStats:
    """What the span → tag conversion met; counted, never silent."""

    errors: int = 0  # target-side errors with an extent (they tag tokens)
    without_extent: int = 0  # errors with start == end: no token to tag
    source_side: int = 0  # errors marked on the source (or nowhere): no MT token to tag
    bad_tokens: int = 0
    tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        """Counts by name, for the build summary and the card."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class WordTagger:
    """Tags one translation's tokens (in ``language``) from its error rows (the ``segments`` config's ``errors``)."""

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self.stats = WordTagStats()
        self._categories = schema.mqm_category_names()
        self._severities = schema.severity_names()

    def tag(self, mt: str, errors: Iterable[dict]) -> tuple[list[str], list[int], list[int]]:
        """(MT tokens, OK/BAD tags, severity tags) from error rows with index-coded category and severity."""
        spans = token_spans(mt, self.language)
        starts, ends = [s for s, _ in spans], [e for _, e in spans]
        tags, severity_tags = [OK] * len(spans), [0] * len(spans)
        for error in errors:
            if error["side"] != "target":
                self.stats.source_side += 1
                continue
            if error["start"] == error["end"]:
                self.stats.without_extent += 1
                continue
            self.stats.errors += 1
            category, severity = self._categories[error["category"]], self._severities[error["severity"]]
            weighs = schema.GOOGLE_MQM_WEIGHTS.weight(category, severity) > 0
            # tokens touched: from the first that ends after `start` to the last that starts before `end`
            for i in range(bisect_right(ends, error["start"]), bisect_left(starts, error["end"])):
                if weighs:
                    tags[i] = BAD
                severity_tags[i] = max(severity_tags[i], _SEVERITY_TAG[severity])
        self.stats.tokens += len(spans)
        self.stats.bad_tokens += sum(tags)
        return [mt[start:end] for start, end in spans], tags, severity_tags
