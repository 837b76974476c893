"""MQM error spans → word-level quality-estimation tags (the ``word_qe`` config), in the format of the
WMT word-level QE task: one OK/BAD tag per MT token, and one per source token.

Rules (also stated in the dataset card):

* MT tokens come from spaCy's rule-based tokenizer of the target language (``spacy.blank("en")``
  for our articles), source tokens from the source language's; whitespace tokens are dropped.
* An MT token is ``BAD`` when a target-side error that weighs in MQM (weight > 0 under the build's
  weighting: Google's by default, where only Neutral weighs 0; under "guidelines" a Source error
  weighs 0 too) covers any of its characters, whichever rater marked it (the union over raters);
  else ``OK``.
* A source token is ``BAD`` by the same rule for the errors marked on the SOURCE side: an omission
  marked on the words the translation lost (the labeling UI's and Google's way).
* ``severity_tags`` gives each MT token the most severe severity any rater marked on it, weight or
  not (``OK`` = nothing marked).
* Errors without extent (``start == end``) and errors with no span (side "none") cover no token:
  they are counted, and the segment's ``mqm`` still includes them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from annotate import schema
from annotate.tokens import token_spans
from annotate.dataset.features import WORD_TAG_NAMES, label_index, severity_tag_names

OK, BAD = WORD_TAG_NAMES.index("OK"), WORD_TAG_NAMES.index("BAD")
_SEVERITY_TAG = label_index(severity_tag_names())


@dataclass
class WordTagStats:
    """What the span → tag conversion met; counted, never silent."""

    errors: int = 0  # target-side errors with an extent (they tag MT tokens)
    source_errors: int = 0  # source-side errors with an extent (they tag source tokens)
    without_extent: int = 0  # errors with start == end: no token to tag
    no_span: int = 0  # errors marked nowhere (a WMT row with no <v>): no token to tag
    bad_tokens: int = 0
    tokens: int = 0
    bad_src_tokens: int = 0
    src_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        """Counts by name, for the build summary and the card."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class WordTagger:
    """Tags one translation's tokens (in ``language``) from its error rows (the ``segments`` config's
    ``errors``); ``weights`` decide which errors weigh (make a token BAD)."""

    def __init__(self, language: str = "en", weights: schema.MQMWeights = schema.GOOGLE_MQM_WEIGHTS) -> None:
        self.language = language
        self.weights = weights
        self.stats = WordTagStats()
        self._categories = schema.mqm_category_names()
        self._severities = schema.severity_names()

    def tag(self, mt: str, errors: Iterable[dict], src_spans: Sequence[tuple[int, int]] = ()
            ) -> tuple[list[str], list[int], list[int], list[int]]:
        """(MT tokens, OK/BAD tags, severity tags, source OK/BAD tags) from error rows with
        index-coded category and severity; ``src_spans`` are the source tokens' offsets."""
        spans = token_spans(mt, self.language)
        mt_bounds, src_bounds = _bounds(spans), _bounds(src_spans)
        tags, severity_tags, src_tags = [OK] * len(spans), [0] * len(spans), [OK] * len(src_spans)
        for error in errors:
            if error["side"] == "none":
                self.stats.no_span += 1
                continue
            if error["start"] == error["end"]:
                self.stats.without_extent += 1
                continue
            category, severity = self._categories[error["category"]], self._severities[error["severity"]]
            weighs = self.weights.weight(category, severity) > 0
            if error["side"] == "source":
                self.stats.source_errors += 1
                for i in _covered(src_bounds, error) if weighs else ():
                    src_tags[i] = BAD
                continue
            self.stats.errors += 1
            for i in _covered(mt_bounds, error):
                if weighs:
                    tags[i] = BAD
                severity_tags[i] = max(severity_tags[i], _SEVERITY_TAG[severity])
        self.stats.tokens += len(spans)
        self.stats.bad_tokens += sum(tags)
        self.stats.src_tokens += len(src_spans)
        self.stats.bad_src_tokens += sum(src_tags)
        return [mt[start:end] for start, end in spans], tags, severity_tags, src_tags


def _bounds(spans: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Token starts and token ends, once per text (every error bisects them)."""
    return [start for start, _ in spans], [end for _, end in spans]


def _covered(bounds: tuple[list[int], list[int]], error: dict) -> range:
    """Indexes of the tokens an error touches: from the first that ends after its start to the
    last that starts before its end."""
    starts, ends = bounds
    return range(bisect_right(ends, error["start"]), bisect_left(starts, error["end"]))
