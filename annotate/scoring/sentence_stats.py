"""sacrebleu 2.6 sentence statistics of one (hypothesis, reference) pair, computed faster and
EXACTLY as ``metric._extract_corpus_statistics([hypothesis], [[reference]])`` computes them.

What is faster, and why the numbers cannot change:

* The reference side (tokenisation, n-gram counters, TER words) is prepared once per distinct
  reference string and reused: every MT system of a segment is scored against the same post-edit.
  It is prepared by sacrebleu's own ``_preprocess_segment`` + ``_extract_reference_info``, in the
  order ``_cache_references`` calls them.
* BLEU: sacrebleu's own ``_compute_segment_statistics`` on the cached reference.
* chrF++: the same n-grams (sacrebleu's helpers inlined, its ``_remove_punctuation``), matched with
  C-level ``map``/``sum`` instead of a Python loop; an order's hypothesis total is its n-gram
  count. With ONE reference sacrebleu's "best reference by F" choice has a single candidate, so
  the statistics are the concatenated match counts (integers).
* TER: sacrebleu's shift search (``lib_ter._shift``) over :class:`BeamEditDistance`, a rewrite of
  sacrebleu's class of that name that keeps each matrix row as two flat lists (costs, operations)
  instead of a list of (cost, operation) tuples: the same cells, beam, values and tie-breaking
  (substitution/match, then deletion, then insertion; a cell no option reaches below "infinity"
  stays undefined). Its prefix cache is a pure speed-up: a row depends only on the hypothesis
  prefix, the reference and the hypothesis length, which shifts never change. Identical word lists
  are 0 edits without the search (sacrebleu finds no shift candidate then).
* A hypothesis identical to its reference (common: post-editors accept good MT as is) needs no
  matching at all: every count equals the reference's own n-gram count.

tests/test_scoring_sentence_stats.py compares every statistic with sacrebleu's on tricky tables
and on randomised pairs.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from itertools import repeat
from typing import Any

# Distinct references whose prepared n-grams are kept (a segment's systems share one reference,
# and its pairs are scored together). ~35 KB each (chrF's character n-gram counters): 4096 of them
# held 140 MB in the build and in every scoring worker for no more hits than a few hundred give.
REFERENCE_CACHE_SIZE = 512


class SentenceStatistics:
    """Per-pair statistics of three configured sacrebleu metrics (BLEU, chrF, TER), as lists in the
    format their ``_extract_corpus_statistics`` returns for a single reference."""

    def __init__(self, bleu: Any, chrf: Any, ter: Any) -> None:
        self._bleu, self._chrf, self._ter = bleu, chrf, ter
        self._edit_rate = translation_edit_rate
        self._references: OrderedDict[str, tuple[Any, list[Counter], list[int], list[str]]] = OrderedDict()

    def _reference(self, reference: str) -> tuple[Any, list[Counter], list[int], list[str]]:
        """(BLEU reference info, chrF n-gram counters, their totals, TER words) of one reference."""
        prepared = self._references.get(reference)
        if prepared is not None:
            self._references.move_to_end(reference)
            return prepared
        bleu, chrf, ter = self._bleu, self._chrf, self._ter
        bleu_info = bleu._extract_reference_info([bleu._preprocess_segment(reference)])
        (chrf_ngrams,) = chrf._extract_reference_info([chrf._preprocess_segment(reference)])["ref_ngrams"]
        (ter_words,) = ter._extract_reference_info([ter._preprocess_segment(reference)])["ref_words"]
        prepared = (bleu_info, chrf_ngrams, [sum(c.values()) for c in chrf_ngrams], ter_words)
        self._references[reference] = prepared
        if len(self._references) > REFERENCE_CACHE_SIZE:
            self._references.popitem(last=False)
        return prepared

    def __call__(self, hypothesis: str, reference: str) -> tuple[list, list, list]:
        """(BLEU, chrF, TER) statistics of ``hypothesis`` against the single ``reference``."""
        bleu_info, chrf_ngrams, chrf_totals, ter_words = self._reference(reference)
        if hypothesis == reference:
            return self._identical(bleu_info, chrf_totals, ter_words)
        bleu = self._bleu._compute_segment_statistics(self._bleu._preprocess_segment(hypothesis), bleu_info)
        return bleu, self._chrf_statistics(hypothesis, chrf_ngrams, chrf_totals), self._ter_statistics(
            hypothesis, ter_words)

    def _identical(self, bleu_info: dict[str, Any], chrf_totals: list[int], ter_words: list[str]) -> tuple:
        """A hypothesis equal to its reference (an MT accepted as is by the post-editor): every
        n-gram matches, so each statistic follows from the reference's counts."""
        (length,) = bleu_info["ref_lens"]
        orders = range(1, self._bleu.max_ngram_order + 1)
        ngrams = [max(0, length - n + 1) for n in orders]
        bleu = [length, self._bleu._get_closest_ref_len(length, [length]), *ngrams, *ngrams]
        chrf = [count for total in chrf_totals for count in (total, total, total)]
        return bleu, chrf, [0, len(ter_words) / 1]

    def _chrf_statistics(self, hypothesis: str, ref_ngrams: list[Counter], ref_totals: list[int]) -> list[int]:
        # sacrebleu's n-grams (helpers.extract_all_char_ngrams / extract_word_ngrams), inlined; an
        # order's hypothesis total is its number of n-grams, max(0, length - n + 1)
        chrf = self._chrf
        hypothesis = chrf._preprocess_segment(hypothesis)
        line = hypothesis if chrf.whitespace else "".join(hypothesis.split())
        size = len(line)
        hyp_ngrams = [Counter(line)]
        hyp_ngrams += (Counter([line[i : i + n] for i in range(size - n + 1)]) for n in range(2, chrf.char_order + 1))
        hyp_totals = [max(0, size - n + 1) for n in range(1, chrf.char_order + 1)]
        if chrf.word_order > 0:
            words = chrf._remove_punctuation(hypothesis)
            hyp_ngrams.append(Counter(words))
            hyp_ngrams += (Counter([" ".join(words[i : i + n]) for i in range(len(words) - n + 1)])
                           for n in range(2, chrf.word_order + 1))
            hyp_totals += (max(0, len(words) - n + 1) for n in range(1, chrf.word_order + 1))
        stats: list[int] = []
        for hyp, hyp_total, ref, ref_total in zip(hyp_ngrams, hyp_totals, ref_ngrams, ref_totals):
            # sacrebleu's CHRF._get_match_statistics: [hyp count (0 without ref n-grams), ref count, matches]
            stats += (
                hyp_total if ref else 0,
                ref_total,
                sum(map(min, hyp.values(), map(ref.get, hyp, repeat(0)))) if ref else 0,
            )
        return stats

    def _ter_statistics(self, hypothesis: str, ref_words: list[str]) -> list:
        hyp_words = self._ter._preprocess_segment(hypothesis).split()
        if hyp_words == ref_words:
            return [0, len(ref_words) / 1]  # sacrebleu: 0 edits, average reference length (a float)
        edits, ref_length = self._edit_rate(hyp_words, ref_words)
        return [edits, ref_length / 1]


# sacrebleu.metrics.lib_ter's constants (sacrebleu 2.6): costs are all 1.
_BEAM_WIDTH = 25
_MAX_SHIFT_CANDIDATES = 1000
_INF = int(1e16)
_NOP, _SUB, _INS, _DEL, _UNDEFINED = " ", "s", "i", "d", "x"


def translation_edit_rate(words_hyp: list[str], words_ref: list[str]) -> tuple[int, int]:
    """sacrebleu's ``lib_ter.translation_edit_rate`` (same loop, same ``_shift``) over the faster
    :class:`BeamEditDistance`: (number of edits, reference length)."""
    from sacrebleu.metrics.lib_ter import _shift

    if not words_ref:
        return len(words_hyp), 0
    cached_ed = BeamEditDistance(words_ref)
    shifts = 0
    input_words = words_hyp
    checked_candidates = 0
    while True:
        delta, new_input_words, checked_candidates = _shift(input_words, words_ref, cached_ed, checked_candidates)
        if checked_candidates >= _MAX_SHIFT_CANDIDATES or delta <= 0:
            break
        shifts += 1
        input_words = new_input_words
    edit_distance, _ = cached_ed(input_words)
    return shifts + edit_distance, len(words_ref)


class BeamEditDistance:
    """Word edit distance to a fixed reference, in a beam around the (length-scaled) diagonal,
    with the operation trace and a prefix cache: ``__call__(words) -> (distance, trace)``."""

    def __init__(self, words_ref: list[str]) -> None:
        self._ref = words_ref
        self._n_ref = len(words_ref)
        # row 0: j insertions of reference words
        self._initial = (list(range(self._n_ref + 1)), [_INS] * (self._n_ref + 1))
        self._cache: dict = {}  # word → (child node, (costs, ops) of the row after that word)

    def __call__(self, words_hyp: list[str]) -> tuple[int, str]:
        rows = [self._initial]
        node = self._cache
        for word in words_hyp:  # reuse the rows of the longest cached prefix
            entry = node.get(word)
            if entry is None:
                break
            node, row = entry
            rows.append(row)
        start = len(rows) - 1
        self._fill(words_hyp, rows)
        for word, row in zip(words_hyp[start:], rows[start + 1 :]):
            node[word] = entry = ({}, row)
            node = entry[0]
        return rows[-1][0][-1], self._trace(rows)

    def _fill(self, words_hyp: list[str], rows: list[tuple[list[int], list[str]]]) -> None:
        ref, n_ref, n_hyp = self._ref, self._n_ref, len(words_hyp)
        length_ratio = n_ref / n_hyp if words_hyp else 1
        beam = math.ceil(length_ratio / 2 + _BEAM_WIDTH) if _BEAM_WIDTH < length_ratio / 2 else _BEAM_WIDTH
        prev_costs = rows[-1][0]
        for i in range(len(rows), n_hyp + 1):
            diagonal = math.floor(i * length_ratio)
            low, high = max(0, diagonal - beam), min(n_ref + 1, diagonal + beam)
            if i == n_hyp:
                high = n_ref + 1
            costs, ops = [_INF] * (n_ref + 1), [_UNDEFINED] * (n_ref + 1)
            if low == 0:
                costs[0], ops[0] = prev_costs[0] + 1, _DEL
                low = 1
            word = words_hyp[i - 1]
            left = costs[low - 1]
            for j in range(low, high):
                # first of (match/substitution, deletion, insertion) with the lowest cost
                if word == ref[j - 1]:
                    best, op = prev_costs[j - 1], _NOP
                else:
                    best, op = prev_costs[j - 1] + 1, _SUB
                up = prev_costs[j] + 1
                if up < best:
                    best, op = up, _DEL
                if left + 1 < best:
                    best, op = left + 1, _INS
                if best >= _INF:
                    best, op = _INF, _UNDEFINED
                costs[j], ops[j] = best, op
                left = best
            rows.append((costs, ops))
            prev_costs = costs

    def _trace(self, rows: list[tuple[list[int], list[str]]]) -> str:
        i, j = len(rows) - 1, self._n_ref
        trace = []
        while i > 0 or j > 0:
            op = rows[i][1][j]
            trace.append(op)
            if op == _NOP or op == _SUB:
                i -= 1
                j -= 1
            elif op == _INS:
                j -= 1
            elif op == _DEL:
                i -= 1
            else:
                raise RuntimeError(f"TER edit distance: undefined cell ({i}, {j}) on the trace")
        return "".join(reversed(trace))
