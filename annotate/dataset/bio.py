"""Character spans → token BIO tags for the ``ner`` (entities) and ``claims`` (claim types) configs,
with spaCy's tokenizer of the source language.

Rules (also stated in the dataset card):

* Tokens come from ``spacy.blank(<source language>)``, ``es`` for our articles (rule-based
  tokenizer, no model download); whitespace tokens are dropped.
* A span that does not start and end on token boundaries is EXPANDED to the tokens it touches and
  counted (``expanded``); it is never dropped silently.
* An entity that crosses a segment boundary is clipped to each segment it touches and counted
  (``crossing_segments``); one outside every segment is counted (``outside_segments``); one that
  covers only whitespace is counted (``without_tokens``).
* Overlapping spans (sharing a token after expansion): the longest span in tokens wins, ties go
  to the earlier start, then to schema label order; each losing span is counted (``overlapping``)
  and stays in the ``documents`` config, where spans may overlap.

The same rules hold for claims ("entity" above reads "claim", the label is the claim type).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import NamedTuple

from annotate.dataset.features import bio_tags, label_index
from annotate.records import Segment, Span
from annotate.schema import entity_values
from annotate.tokens import token_spans

# A span's share of one segment: (start, end, label), offsets relative to the segment's text.
ClippedSpan = tuple[int, int, str]


@dataclass
class BioStats:
    """What the char-span → BIO conversion had to change; counted, never silent."""

    spans: int = 0  # spans (or their parts, one per segment crossed) that reached a segment
    tagged: int = 0  # spans that became tags
    expanded: int = 0  # tagged spans widened to token boundaries
    overlapping: int = 0  # spans left out of the tags because a longer span holds a token
    crossing_segments: int = 0  # spans that cross a segment boundary (clipped per segment)
    outside_segments: int = 0  # spans in no segment
    without_tokens: int = 0  # spans covering only whitespace

    def add(self, other: BioStats) -> None:
        """Accumulate another document's counts into this one."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        """Counts by name, for the build summary and the card."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class TaggedSegment(NamedTuple):
    """One segment's tokens, their BIO tag indexes, and the document spans clipped to the segment."""

    tokens: list[str]
    tags: list[int]
    spans: list[ClippedSpan]


class BioTagger:
    """Tokenises segments (in ``language``) and turns document-level spans labelled with ``labels``
    (the schema's entity labels unless told otherwise) into per-segment BIO tags over those labels."""

    def __init__(self, language: str = "es", labels: list[str] | None = None) -> None:
        self.language = language
        labels = entity_values() if labels is None else labels
        self._tag_index = label_index(bio_tags(labels))
        self._label_order = label_index(labels)

    def tag_document(
        self, segments: list[Segment], spans: list[Span],
        spans_of: Callable[[Segment], list[tuple[int, int]]] | None = None,
    ) -> tuple[list[TaggedSegment], BioStats]:
        """Each segment's tokens, tag indexes and clipped spans, in the given order, and the
        conversion counts. ``spans_of(segment)``: its token spans, when the caller already has them."""
        spans_of = spans_of or (lambda segment: token_spans(segment.text, self.language))
        stats = BioStats()
        per_segment: list[list[ClippedSpan]] = [[] for _ in segments]
        for span in spans:
            touched = [i for i, seg in enumerate(segments) if span.start < seg.end and span.end > seg.start]
            if not touched:
                stats.outside_segments += 1
                continue
            if len(touched) > 1:
                stats.crossing_segments += 1
            for i in touched:
                seg = segments[i]
                per_segment[i].append(
                    (max(span.start, seg.start) - seg.start, min(span.end, seg.end) - seg.start, span.label)
                )
        tagged = []
        for seg, clipped in zip(segments, per_segment):
            tokens, tags, kept = self._tag_segment(seg.text, spans_of(seg), clipped, stats)
            tagged.append(TaggedSegment(tokens, tags, kept))
        return tagged, stats

    def _tag_segment(
        self, text: str, token_offsets: list[tuple[int, int]], spans: list[ClippedSpan], stats: BioStats
    ) -> tuple[list[str], list[int], list[ClippedSpan]]:
        """Tokens, tags, and the spans that cover a token (whitespace-only ones are counted and left out)."""
        # a token's text is its span of `text`: the tokenizer only splits
        tokens = [(start, end, text[start:end]) for start, end in token_offsets]
        starts, ends = [t[0] for t in tokens], [t[1] for t in tokens]
        candidates, kept = [], []
        for start, end, label in spans:
            stats.spans += 1
            # tokens touched: from the first that ends after `start` to the last that starts before `end`
            first, last = bisect_right(ends, start), bisect_left(starts, end) - 1
            if first > last:
                stats.without_tokens += 1
                continue
            kept.append((start, end, label))
            on_boundaries = starts[first] == start and ends[last] == end
            candidates.append((first, last, label, on_boundaries))
        # Longest first, then earliest, then schema order: the documented overlap rule.
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], self._label_order[c[2]]))
        tags = [0] * len(tokens)
        for first, last, label, on_boundaries in candidates:
            if any(tags[first : last + 1]):
                stats.overlapping += 1
                continue
            stats.tagged += 1
            stats.expanded += not on_boundaries
            tags[first] = self._tag_index[f"B-{label}"]
            for i in range(first + 1, last + 1):
                tags[i] = self._tag_index[f"I-{label}"]
        return [text for _, _, text in tokens], tags, kept
