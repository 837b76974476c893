"""The one door to sacrebleu's private API (issue #22.4).

annotate reuses sacrebleu's per-segment *sufficient statistics* (extract them once, then derive
corpus scores, sentence scores, sub-corpus scores, bootstrap CIs and paired tests from them) and
its TER shift search. sacrebleu has no public API for either, so annotate calls underscore names
of sacrebleu 2.6.0. Every such call is here and nowhere else in ``annotate/``: when sacrebleu
changes, this module is the one to read and update, and ``tests/test_sacrebleu_adapter.py`` pins
its answers to sacrebleu's public API (``sentence_score``, ``corpus_score``).

On import this module checks the installed sacrebleu once:

* every private name below must exist, else :class:`SacrebleuAPIError` names the missing one, the
  installed version, the version this was written for, and what to do;
* a version other than :data:`WRITTEN_FOR` gives one :class:`SacrebleuVersionWarning`: the names
  exist but their behaviour was only checked on :data:`WRITTEN_FOR` (the committed dataset and the
  reports carry the version in their signatures, so they would differ anyway).

Import it lazily (inside functions), as sacrebleu itself: ``annotate --help`` must stay fast.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

import sacrebleu
from sacrebleu.metrics import lib_ter
from sacrebleu.metrics.base import Metric, Score

WRITTEN_FOR = "2.6.0"
# What to do when the check fails: pyproject.toml pins sacrebleu==2.6.0.
REMEDY = (f"install the version it was written for (pip install 'sacrebleu=={WRITTEN_FOR}'), or update "
          "annotate/scoring/sacrebleu_adapter.py and its tests (tests/test_sacrebleu_adapter.py) to the new "
          "sacrebleu")

# Every private name used below, as (module, dotted attribute): checked once, on import.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("sacrebleu.metrics.base", "Metric._extract_corpus_statistics"),
    ("sacrebleu.metrics.base", "Metric._aggregate_and_compute"),
    ("sacrebleu.metrics.base", "Metric._compute_score_from_stats"),
    ("sacrebleu.metrics.base", "Metric._preprocess_segment"),
    ("sacrebleu.metrics.base", "Metric._extract_reference_info"),
    ("sacrebleu.metrics.base", "Metric._compute_segment_statistics"),
    ("sacrebleu.metrics.lib_ter", "_shift"),
    ("sacrebleu.metrics.lib_ter", "_MAX_SHIFT_CANDIDATES"),
    ("sacrebleu.metrics.lib_ter", "_BEAM_WIDTH"),
    ("sacrebleu.metrics.lib_ter", "_INT_INFINITY"),
    ("sacrebleu.metrics.lib_ter", "_COST_INS"),
    ("sacrebleu.metrics.lib_ter", "_COST_DEL"),
    ("sacrebleu.metrics.lib_ter", "_COST_SUB"),
    ("sacrebleu.metrics.lib_ter", "_OP_NOP"),
    ("sacrebleu.metrics.lib_ter", "_OP_SUB"),
    ("sacrebleu.metrics.lib_ter", "_OP_INS"),
    ("sacrebleu.metrics.lib_ter", "_OP_DEL"),
    ("sacrebleu.metrics.lib_ter", "_OP_UNDEF"),
    ("sacrebleu.significance", "_compute_p_value"),
)


class SacrebleuAPIError(RuntimeError):
    """The installed sacrebleu lacks a private name this adapter relies on."""


class SacrebleuVersionWarning(UserWarning):
    """The installed sacrebleu is not the version this adapter was written for."""


def check_sacrebleu(version: str | None = None) -> None:
    """Check the installed sacrebleu (``version`` defaults to ``sacrebleu.__version__``): raise
    :class:`SacrebleuAPIError` for a missing private name, warn once for another version."""
    version = sacrebleu.__version__ if version is None else version
    for module_name, dotted in PRIVATE_NAMES:
        target: Any = import_module(module_name)
        for part in dotted.split("."):
            if not hasattr(target, part):
                raise SacrebleuAPIError(
                    f"sacrebleu {version} has no {module_name}.{dotted}, a private name annotate uses "
                    f"(written for sacrebleu {WRITTEN_FOR}): {REMEDY}.")
            target = getattr(target, part)
    if version != WRITTEN_FOR:
        warnings.warn(
            f"sacrebleu {version} is installed but annotate's use of its private API was written for and tested "
            f"with sacrebleu {WRITTEN_FOR}; scores may differ from sacrebleu's own: {REMEDY}.",
            SacrebleuVersionWarning, stacklevel=2)


check_sacrebleu()

# ── statistics and scores ──────────────────────────────────────────────────────────────────────


def corpus_statistics(metric: Metric, hypotheses: Sequence[str], references: Sequence[Sequence[str]] | None) -> list:
    """Per-segment sufficient statistics of ``hypotheses`` against reference streams (None: the
    metric's own reference cache), one list per segment, as ``corpus_score`` sums them."""
    return metric._extract_corpus_statistics(hypotheses, references)


def score_from_segments(metric: Metric, segment_statistics: Sequence[Sequence[Any]]) -> Score:
    """The score of these segments' statistics (summed first), as ``corpus_score`` computes it;
    with one segment and a sentence-level metric, its ``sentence_score``."""
    return metric._aggregate_and_compute(segment_statistics)


def score_from_sums(metric: Metric, sums: Sequence[Any]) -> Score:
    """The score of already summed statistics (a list or a numpy row)."""
    return metric._compute_score_from_stats(sums)


def set_reference_count(metric: Metric, n_refs: int) -> None:
    """Record how many reference streams ``metric`` scores against, as sacrebleu does when it
    reads references: its signature (``nrefs:``) prints it."""
    metric.num_refs = n_refs  # type: ignore[attr-defined]


def memoizing_metric(cls: type[Metric], memo: dict[tuple[str, ...], list], **kwargs: Any) -> Metric:
    """A ``cls(**kwargs)`` whose statistics extraction returns ``memo[tuple(hypotheses)]`` when
    present (computed normally otherwise): ``PairedTest`` then reuses statistics already extracted."""

    class Memoized(cls):  # type: ignore[misc, valid-type]
        def _extract_corpus_statistics(self, hypotheses: Sequence[str], references: Any) -> Any:
            cached = memo.get(tuple(hypotheses))
            return cached if cached is not None else super()._extract_corpus_statistics(hypotheses, references)

    Memoized.__name__ = Memoized.__qualname__ = f"Memoized{cls.__name__}"
    return Memoized(**kwargs)


# ── one segment against one reference, with the reference prepared once ─────────────────────────


def prepare_reference(metric: Metric, reference: str) -> dict[str, Any]:
    """What ``metric`` extracts from one reference (n-gram counters, lengths, TER words), in the
    form :func:`segment_statistics` takes: sacrebleu's own reference cache entry for it."""
    return metric._extract_reference_info([metric._preprocess_segment(reference)])


def preprocess(metric: Metric, text: str) -> str:
    """``text`` as ``metric`` tokenises it before counting (BLEU's tokenizer, TER's, chrF's case)."""
    return metric._preprocess_segment(text)


def segment_statistics(metric: Metric, hypothesis: str, reference: dict[str, Any]) -> list:
    """Statistics of ``hypothesis`` against a :func:`prepare_reference` result:
    ``corpus_statistics(metric, [hypothesis], [[reference text]])[0]``."""
    return metric._compute_segment_statistics(metric._preprocess_segment(hypothesis), reference)


# ── TER ────────────────────────────────────────────────────────────────────────────────────────

# lib_ter's constants, for annotate.scoring.sentence_stats.BeamEditDistance (the same cells, beam
# and trace as lib_ter.BeamEditDistance). Trace operations: match, substitution, insertion of a
# reference word, deletion of a hypothesis word, unreachable cell.
TER_MAX_SHIFT_CANDIDATES: int = lib_ter._MAX_SHIFT_CANDIDATES
TER_BEAM_WIDTH: int = lib_ter._BEAM_WIDTH
TER_INFINITY: int = lib_ter._INT_INFINITY
TER_COSTS: tuple[int, int, int] = (lib_ter._COST_INS, lib_ter._COST_DEL, lib_ter._COST_SUB)
TER_NOP, TER_SUB, TER_INS, TER_DEL, TER_UNDEFINED = (
    lib_ter._OP_NOP, lib_ter._OP_SUB, lib_ter._OP_INS, lib_ter._OP_DEL, lib_ter._OP_UNDEF)


def ter_shift_search(words_hyp: list[str], words_ref: list[str],
                     distance: Callable[[list[str]], tuple[int, str]]) -> tuple[int, list[str]]:
    """sacrebleu's TER shift search (the loop of ``lib_ter.translation_edit_rate`` over its
    ``_shift``) with the edit distance ``distance`` (``lib_ter.BeamEditDistance(words_ref)`` or a
    faster equivalent): (number of shifts, the shifted hypothesis words). The words' own objects
    are kept (shifts only reorder them). TER's edits = shifts + ``distance(shifted)[0]``."""
    shifts, checked = 0, 0
    while True:
        gain, shifted, checked = lib_ter._shift(words_hyp, words_ref, distance, checked)
        if checked >= TER_MAX_SHIFT_CANDIDATES or gain <= 0:
            return shifts, words_hyp
        shifts, words_hyp = shifts + 1, shifted


# ── paired tests ───────────────────────────────────────────────────────────────────────────────


def p_value(resampled: Any, observed: float) -> float:
    """sacrebleu's p-value of a paired test: (resampled statistics strictly above ``observed`` + 1)
    / (resamples + 1)."""
    from sacrebleu.significance import _compute_p_value

    return float(_compute_p_value(resampled, observed))
