"""ESA ratings → rows of the ``esa`` and ``esa_systems`` configs, written through the build's
:class:`~annotate.dataset.writer.DatasetWriter`.

Rules (stated in the dataset card): WMT24's (:func:`annotate.esa.scoring.apply_wmt24_rules`) are
applied first, so the ``esa`` config holds exactly the ratings WMT24 scores (``TGT`` items only,
no tutorial, no ``#bad``/``#dup``/``#incomplete`` document, each annotator's latest rating of an
item). A rating's split is its document's (:class:`~annotate.dataset.splits.SplitRule`, the
SHA-256 of ``doc_id`` alone): a document's ratings, in every language pair, stay together, and an
export's ESA rows land in the split of the same document's ``segments`` rows. ``esa_systems`` scores
each split's ratings with :func:`annotate.esa.scoring.score_esa`, as the ``systems`` config scores
each split's segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotate.dataset.features import ESA, ESA_SYSTEMS, esa_severity_names, label_index
from annotate.dataset.splits import SPLIT_NAMES, SplitRule
from annotate.dataset.writer import DatasetWriter
from annotate.esa.records import ESARating
from annotate.esa.scoring import DEFAULT_BOOTSTRAP, DEFAULT_SEED, RuleCounts, apply_wmt24_rules, score_esa

_SEVERITY = label_index(esa_severity_names())
NO_OFFSET = -1  # start/end of an omission: it is marked on the [MISSING] marker, not on characters

Row = dict[str, Any]


@dataclass
class ESASummary:
    """What the card says of the ESA ratings: where they came from, what WMT24's rules did, who
    and what they cover."""

    origin: str  # what the ratings were read from, e.g. "wave.csv" or "the Label Studio export's ESA tasks"
    counts: RuleCounts  # per WMT24 rule, the ratings it dropped; and the ratings kept
    sources: list[tuple[str, int]] = field(default_factory=list)  # (file name, ratings read) per ESA file, in order
    n_read: int = 0  # ratings read, before the rules
    n_unreadable: int = 0  # ratings of an export left out as unreadable (`--skip-invalid`)
    n_annotators: int = 0
    n_documents: int = 0
    n_spans: int = 0
    n_omissions: int = 0
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (source, target) codes, sorted
    systems: list[str] = field(default_factory=list)
    n_bootstrap: int = DEFAULT_BOOTSTRAP
    seed: int = DEFAULT_SEED

    @property
    def language_codes(self) -> list[str]:
        """Every language code of the ratings, each once, in pair order."""
        return list(dict.fromkeys(code for pair in self.pairs for code in pair))


def esa_row(rating: ESARating) -> Row:
    """One ``esa`` row (see :data:`annotate.dataset.features.FIELD_DESCRIPTIONS`)."""
    seconds = (rating.end_time - rating.start_time
               if rating.start_time is not None and rating.end_time is not None else None)
    return {
        "doc_id": rating.doc_id,
        "seg_id": rating.segment_id,
        "system": rating.system,
        "annotator": rating.annotator,
        "score": rating.score,
        "spans": [{"start": NO_OFFSET if span.missing else span.start,
                   "end": NO_OFFSET if span.missing else span.end,
                   "severity": _SEVERITY[span.severity], "omission": span.missing} for span in rating.spans],
        # Appraise CSV holds no texts: "" keeps the column a plain string (the card says so)
        "source": rating.source or "",
        "target": rating.target or "",
        "domain": rating.domain_name,
        "source_language": rating.source_language,
        "target_language": rating.target_language,
        "seconds": seconds,
    }


def _row_order(rating: ESARating) -> tuple[str, str, str, int, str, str]:
    # unique once the rules kept one rating per annotator and item: the files are byte-reproducible
    return (rating.source_language, rating.target_language, rating.doc_id, rating.segment_id, rating.system,
            rating.annotator)


def esa_system_rows(ratings: list[ESARating], *, n_bootstrap: int = DEFAULT_BOOTSTRAP,
                    seed: int = DEFAULT_SEED) -> list[Row]:
    """One ``esa_systems`` row per language pair and system of ``ratings`` (already through WMT24's
    rules), best system first within a pair; pairs in (source, target) order."""
    if not ratings:
        return []
    codes = {rating.langs: (rating.source_language, rating.target_language) for rating in ratings}
    scores = score_esa(ratings, n_bootstrap=n_bootstrap, seed=seed)
    rows = []
    for langs in sorted(scores.pairs, key=lambda key: codes[key]):
        source, target = codes[langs]
        for system in scores.pairs[langs].systems:
            rows.append({"source_language": source, "target_language": target, "system": system.system,
                         "score": system.score, "score_ci": system.ci, "rank_best": system.rank[0],
                         "rank_worst": system.rank[1], "cluster": system.cluster, "n_items": system.n_items,
                         "n_ratings": system.n_ratings})
    return rows


@dataclass(frozen=True)
class ESAInput:
    """ESA ratings for a build, as read: ``origin`` says from what (for the card), ``n_unreadable``
    how many ratings could not be read and were left out (``--skip-invalid``), ``sources`` each
    ESA file's name and ratings (several files are read as one: the card lists them)."""

    ratings: list[ESARating]
    origin: str
    n_unreadable: int = 0
    sources: tuple[tuple[str, int], ...] = ()

    def kept(self) -> tuple[list[ESARating], RuleCounts]:
        """The ratings WMT24's rules keep, and what each rule dropped."""
        return apply_wmt24_rules(self.ratings)


def write_esa_configs(writer: DatasetWriter, esa: ESAInput, rule: SplitRule) -> ESASummary:
    """Apply WMT24's rules to the ratings and write the kept ones as ``esa`` rows and their
    systems' scores as ``esa_systems`` rows, split by ``rule``; returns what the card states."""
    kept, counts = esa.kept()
    by_split: dict[str, list[ESARating]] = {name: [] for name in SPLIT_NAMES}
    for rating in kept:
        by_split[rule.split_of(rating.doc_id)].append(rating)
    for split_name, split_ratings in by_split.items():
        split_ratings.sort(key=_row_order)
        writer.write(ESA, split_name, [esa_row(rating) for rating in split_ratings])
        writer.write(ESA_SYSTEMS, split_name, esa_system_rows(split_ratings))
    spans = [span for rating in kept for span in rating.spans]
    return ESASummary(
        origin=esa.origin, counts=counts, sources=list(esa.sources), n_read=len(esa.ratings),
        n_unreadable=esa.n_unreadable,
        n_annotators=len({rating.annotator for rating in kept}),
        n_documents=len({rating.doc_id for rating in kept}),
        n_spans=len(spans), n_omissions=sum(span.missing for span in spans),
        pairs=sorted({(rating.source_language, rating.target_language) for rating in kept}),
        systems=sorted({rating.system for rating in kept}))
