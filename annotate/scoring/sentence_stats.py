"""sacrebleu 2.6 sentence statistics of one (hypothesis, reference) pair, computed faster and
EXACTLY as ``corpus_statistics(metric, [hypothesis], [[reference]])[0]`` computes them.

What is faster, and why the numbers cannot change (scripts/bench_sentence_scores.py measures each
part against sacrebleu on the same pairs and checks the statistics are identical):

* The reference side (tokenisation, n-gram counters, TER words) is prepared once per distinct
  reference string and reused: every MT system of a segment is scored against the same post-edit.
  It is sacrebleu's own reference-cache entry (``sacrebleu_adapter.prepare_reference``).
* BLEU and chrF++: sacrebleu's own segment statistics on the cached reference. (A rewrite of
  chrF's n-gram matching was dropped: 1.1-1.4x faster, not worth a second copy of sacrebleu.)
* TER: sacrebleu's shift search (``sacrebleu_adapter.ter_shift_search``) over
  :class:`BeamEditDistance`, a rewrite of sacrebleu's class of that name that keeps each matrix
  row as two flat lists (costs, operations) instead of a list of (cost, operation) tuples: the
  same cells, beam, values and tie-breaking (substitution/match, then deletion, then insertion; a
  cell no option reaches below "infinity" stays undefined). Its prefix cache is a pure speed-up: a
  row depends only on the hypothesis prefix, the reference and the hypothesis length, which shifts
  never change. Identical word lists are 0 edits without the search (sacrebleu finds no shift
  candidate then).
* A hypothesis identical to its reference (common: post-editors accept good MT as is) needs no
  matching at all: every count equals the reference's own n-gram count.

tests/test_scoring_sentence_stats.py compares every statistic with sacrebleu's on tricky tables
and on randomised pairs.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

# Distinct references whose prepared n-grams are kept (a segment's systems share one reference,
# and its pairs are scored together). ~35 KB each (chrF's character n-gram counters): 4096 of them
# held 140 MB in the build and in every scoring worker for no more hits than a few hundred give.
REFERENCE_CACHE_SIZE = 512


class SentenceStatistics:
    """Per-pair statistics of three configured sacrebleu metrics (BLEU, chrF, TER), as lists in the
    format sacrebleu's corpus statistics take for a single reference."""

    def __init__(self, bleu: Any, chrf: Any, ter: Any) -> None:
        from annotate.scoring import sacrebleu_adapter

        self._bleu, self._chrf, self._ter = bleu, chrf, ter
        self._sacrebleu = sacrebleu_adapter
        self._references: OrderedDict[str, tuple[dict, dict, list[int], list[str]]] = OrderedDict()

    def _reference(self, reference: str) -> tuple[dict, dict, list[int], list[str]]:
        """(BLEU reference info, chrF reference info, chrF n-gram totals, TER words) of one reference."""
        prepared = self._references.get(reference)
        if prepared is not None:
            self._references.move_to_end(reference)
            return prepared
        prepare = self._sacrebleu.prepare_reference
        bleu_info, chrf_info = prepare(self._bleu, reference), prepare(self._chrf, reference)
        (ter_words,) = prepare(self._ter, reference)["ref_words"]
        (chrf_ngrams,) = chrf_info["ref_ngrams"]
        prepared = (bleu_info, chrf_info, [sum(c.values()) for c in chrf_ngrams], ter_words)
        self._references[reference] = prepared
        if len(self._references) > REFERENCE_CACHE_SIZE:
            self._references.popitem(last=False)
        return prepared

    def __call__(self, hypothesis: str, reference: str) -> tuple[list, list, list]:
        """(BLEU, chrF, TER) statistics of ``hypothesis`` against the single ``reference``."""
        bleu_info, chrf_info, chrf_totals, ter_words = self._reference(reference)
        if hypothesis == reference:
            return self._identical(bleu_info, chrf_totals, ter_words)
        segment_statistics = self._sacrebleu.segment_statistics
        return (segment_statistics(self._bleu, hypothesis, bleu_info),
                segment_statistics(self._chrf, hypothesis, chrf_info),
                self._ter_statistics(hypothesis, ter_words))

    def _identical(self, bleu_info: dict[str, Any], chrf_totals: list[int], ter_words: list[str]) -> tuple:
        """A hypothesis equal to its reference (an MT accepted as is by the post-editor): every
        n-gram matches, so each statistic follows from the reference's counts."""
        (length,) = bleu_info["ref_lens"]
        ngrams = [max(0, length - n + 1) for n in range(1, self._bleu.max_ngram_order + 1)]
        bleu = [length, length, *ngrams, *ngrams]  # hypothesis length, closest reference length, matches, totals
        chrf = [count for total in chrf_totals for count in (total, total, total)]  # per order: hyp, ref, matches
        return bleu, chrf, [0, len(ter_words) / 1]  # TER: 0 edits, average reference length (a float)

    def _ter_statistics(self, hypothesis: str, ref_words: list[str]) -> list:
        hyp_words = self._sacrebleu.preprocess(self._ter, hypothesis).split()
        if hyp_words == ref_words:
            return [0, len(ref_words) / 1]  # sacrebleu: 0 edits, average reference length (a float)
        edits, ref_length = translation_edit_rate(hyp_words, ref_words)
        return [edits, ref_length / 1]


def translation_edit_rate(words_hyp: list[str], words_ref: list[str]) -> tuple[int, int]:
    """sacrebleu's ``lib_ter.translation_edit_rate`` (same shift search) over the faster
    :class:`BeamEditDistance`: (number of edits, reference length)."""
    from annotate.scoring.sacrebleu_adapter import ter_shift_search

    if not words_ref:
        return len(words_hyp), 0
    distance = BeamEditDistance(words_ref)
    shifts, shifted = ter_shift_search(words_hyp, words_ref, distance)
    return shifts + distance(shifted)[0], len(words_ref)


class BeamEditDistance:
    """Word edit distance to a fixed reference, in a beam around the (length-scaled) diagonal,
    with the operation trace and a prefix cache: ``__call__(words) -> (distance, trace)``, equal to
    ``sacrebleu.metrics.lib_ter.BeamEditDistance``'s (its constants, from the adapter)."""

    def __init__(self, words_ref: list[str]) -> None:
        from annotate.scoring import sacrebleu_adapter as sb

        self._ref = words_ref
        self._n_ref = len(words_ref)
        self._beam_width, self._infinity = sb.TER_BEAM_WIDTH, sb.TER_INFINITY
        self._cost_ins, self._cost_del, self._cost_sub = sb.TER_COSTS
        self._ops = (sb.TER_NOP, sb.TER_SUB, sb.TER_INS, sb.TER_DEL, sb.TER_UNDEFINED)
        # row 0: j insertions of reference words
        self._initial = ([j * self._cost_ins for j in range(self._n_ref + 1)], [sb.TER_INS] * (self._n_ref + 1))
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
        beam_width, infinity = self._beam_width, self._infinity
        cost_ins, cost_del, cost_sub = self._cost_ins, self._cost_del, self._cost_sub
        nop, sub, ins, delete, undefined = self._ops
        length_ratio = n_ref / n_hyp if words_hyp else 1
        beam = math.ceil(length_ratio / 2 + beam_width) if beam_width < length_ratio / 2 else beam_width
        prev_costs = rows[-1][0]
        for i in range(len(rows), n_hyp + 1):
            diagonal = math.floor(i * length_ratio)
            low, high = max(0, diagonal - beam), min(n_ref + 1, diagonal + beam)
            if i == n_hyp:
                high = n_ref + 1
            costs, ops = [infinity] * (n_ref + 1), [undefined] * (n_ref + 1)
            if low == 0:
                costs[0], ops[0] = prev_costs[0] + cost_del, delete
                low = 1
            word = words_hyp[i - 1]
            left = costs[low - 1]
            for j in range(low, high):
                # first of (match/substitution, deletion, insertion) with the lowest cost
                if word == ref[j - 1]:
                    best, op = prev_costs[j - 1], nop
                else:
                    best, op = prev_costs[j - 1] + cost_sub, sub
                up = prev_costs[j] + cost_del
                if up < best:
                    best, op = up, delete
                if left + cost_ins < best:
                    best, op = left + cost_ins, ins
                if best >= infinity:
                    best, op = infinity, undefined
                costs[j], ops[j] = best, op
                left = best
            rows.append((costs, ops))
            prev_costs = costs

    def _trace(self, rows: list[tuple[list[int], list[str]]]) -> str:
        nop, sub, ins, delete, _ = self._ops
        i, j = len(rows) - 1, self._n_ref
        trace = []
        while i > 0 or j > 0:
            op = rows[i][1][j]
            trace.append(op)
            if op == nop or op == sub:
                i -= 1
                j -= 1
            elif op == ins:
                j -= 1
            elif op == delete:
                i -= 1
            else:
                raise RuntimeError(f"TER edit distance: undefined cell ({i}, {j}) on the trace")
        return "".join(reversed(trace))
