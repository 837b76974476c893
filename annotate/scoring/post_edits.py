"""Post-edits against the errors their own annotator marked: do the two tell the same story?

In one Label Studio task an annotator marks MQM errors in a translation and writes a post-edit of
it. The post-edit should change the words marked as errors, and the words it changes should mostly
be marked. Two checks per annotator, on each segment they both rated and post-edited:

* **unfixed error** — an error that weighs in MQM (weight > 0 under the weighting in use: not
  Neutral; under the "guidelines" weighting not a Source error either) that the
  post-edit left as it was: none of its tokens nor the token on either side of it substituted,
  deleted or moved, no word inserted inside it or at its edges, and the spacing inside and around it
  unchanged (an error with no extent, or on whitespace only, sits in the gap between two tokens).
  Either the error is not one, or the post-edit is unfinished: a reviewer should look. The
  neighbours count because TER may align a fix one word off; the check errs towards silence.
* **unexplained edit** — a stretch of edits (a run of changed MT tokens and insertion points) that
  no error of the same annotator touches; an insertion is also explained by an omission marked in
  the source. A missed error, or a preferential edit: the share says how much of what annotators
  changed their MQM accounts for.

Edits come from a TER alignment of the MT tokens to the post-edit tokens (spaCy's tokenizer of the
target language, as the dataset's ``word_qe``): sacrebleu's own shift search over the beam edit
distance of annotate.scoring.sentence_stats (sacrebleu's, rewritten faster), case-sensitive. A
token is *changed* when it is substituted, deleted or moved by a shift; an insertion point (a
*gap*, before each token and after the last) is *changed* when post-edit words are inserted there
(a moved word lands in a gap too): word tags in the manner of WMT's post-edit QE tags (OK/BAD, with
gaps).

Which translation a post-edit was made from: when an annotator rated several systems on a segment,
the one their post-edit is closest to (fewest TER edits; ties: the first in the task). Only that
pair is checked: against another system's output, a post-edit differs by design.
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

from annotate.records import AnnotatedDocument, ErrorSpan, SegmentRating
from annotate.schema import GOOGLE_MQM_WEIGHTS, SEVERITIES, MQMWeights
from annotate.scoring.mqm import COUNTED_STATUSES
from annotate.scoring.omissions import OMISSION
from annotate.tokens import token_spans


class _Token(str):
    """A word that remembers its position in the MT: shifts reorder words, the tags are per position."""

    __slots__ = ("index",)
    index: int


@dataclass(frozen=True)
class EditTags:
    """How a post-edit changed an MT, token by token (``changed``, ``moved``, and ``aligned``: the
    post-edit word it became or matched, -1 when deleted) and gap by gap (``gaps``: before each
    token and after the last; ``inserted``: the post-edit words put there, a moved word included
    where it lands). ``edits`` = TER's count (shifts + insertions + deletions + substitutions)."""

    changed: list[bool]
    moved: list[bool]
    aligned: list[int]
    gaps: list[bool]
    inserted: list[list[str]]
    edits: int


def edit_tags(mt_words: Sequence[str], pe_words: Sequence[str]) -> EditTags:
    """The TER alignment of ``mt_words`` to ``pe_words``, as per-token and per-gap tags (see the
    module docstring). The shift search is sacrebleu's (``sacrebleu_adapter.ter_shift_search``,
    which keeps the shifted words, as sacrebleu's ``translation_edit_rate`` does not return them), so
    ``edits`` equals sacrebleu's TER edit count on the same word lists."""
    from annotate.scoring.sacrebleu_adapter import TER_DEL, TER_INS, TER_NOP, ter_shift_search
    from annotate.scoring.sentence_stats import BeamEditDistance

    n = len(mt_words)
    tokens: list[str] = []
    for index, word in enumerate(mt_words):
        token = _Token(word)
        token.index = index
        tokens.append(token)
    changed, aligned = [True] * n, [-1] * n
    gaps, inserted = [False] * (n + 1), [[] for _ in range(n + 1)]
    if not pe_words:
        return EditTags(changed, [False] * n, aligned, gaps, inserted, n)
    distance = BeamEditDistance(list(pe_words))
    shifts, tokens = ter_shift_search(tokens, list(pe_words), distance)
    cost, trace = distance(tokens)
    order = [token.index for token in tokens]  # type: ignore[attr-defined]
    moved = _moved(order)
    position, pe_position = 0, 0  # in the shifted MT, in the post-edit
    for op in trace:  # TER_NOP match, TER_SUB substitution, TER_DEL MT word deleted, TER_INS post-edit word inserted
        if op == TER_INS or (op != TER_DEL and moved[order[position]]):  # words arriving between original tokens
            gap = _landing_gap(order, moved, position)
            gaps[gap] = True
            inserted[gap].append(pe_words[pe_position])
        if op != TER_INS:
            index = order[position]
            changed[index] = op != TER_NOP or moved[index]
            aligned[index] = pe_position if op != TER_DEL else -1
            position += 1
        pe_position += op != TER_DEL
    return EditTags(changed, moved, aligned, gaps, inserted, cost + shifts)


def _moved(order: list[int]) -> list[bool]:
    """Per original position: whether a shift moved the token, i.e. it is outside the longest run of
    tokens that kept their relative order (a longest increasing subsequence of ``order``)."""
    tails: list[int] = []  # tails[k]: position in ``order`` ending the best increasing run of length k+1
    tail_values: list[int] = []  # order[tails[k]]
    parent = [-1] * len(order)
    for i, value in enumerate(order):
        k = bisect_left(tail_values, value)
        parent[i] = tails[k - 1] if k else -1
        tails[k:k + 1], tail_values[k:k + 1] = [i], [value]
    kept = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        kept.add(order[i])
        i = parent[i]
    moved = [True] * len(order)
    for index in kept:
        moved[index] = False
    return moved


def _landing_gap(order: list[int], moved: list[bool], position: int) -> int:
    """The original gap where a word put before shifted ``position`` lands: after the nearest
    preceding token that did not move, else before the nearest following one, else gap 0."""
    for before in range(position - 1, -1, -1):
        if not moved[order[before]]:
            return order[before] + 1
    for after in range(position, len(order)):
        if not moved[order[after]]:
            return order[after]
    return 0


@dataclass(frozen=True)
class UnfixedError:
    """An error its annotator marked whose words the same annotator's post-edit kept."""

    annotator: str
    system: str
    doc_id: str
    seg_id: int
    category: str
    severity: str
    text: str
    start: int
    end: int
    mt: str
    post_edit: str


@dataclass(frozen=True)
class UnexplainedEdit:
    """A stretch of the post-edit's changes to the MT that no error of the annotator touches.
    ``text`` = the MT words changed (``start``/``end`` in ``mt``); ``inserted`` = words added there."""

    annotator: str
    system: str
    doc_id: str
    seg_id: int
    start: int
    end: int
    text: str
    inserted: str
    mt: str
    post_edit: str


@dataclass
class AnnotatorConsistency:
    """One annotator's counts (see the module docstring)."""

    annotator: str
    segments: int = 0  # segments post-edited and rated (the post-edit's closest system checked)
    unchanged: int = 0  # of those, post-edits identical to the MT
    errors: int = 0  # errors that weigh in MQM
    unfixed: int = 0
    stretches: int = 0  # stretches of edits
    unexplained: int = 0

    @property
    def unfixed_share(self) -> float | None:
        return self.unfixed / self.errors if self.errors else None

    @property
    def explained_share(self) -> float | None:
        return 1 - self.unexplained / self.stretches if self.stretches else None


@dataclass
class PostEditReport:
    """Per annotator counts, and every unfixed error and unexplained edit."""

    annotators: list[AnnotatorConsistency] = field(default_factory=list)
    unfixed: list[UnfixedError] = field(default_factory=list)
    unexplained: list[UnexplainedEdit] = field(default_factory=list)
    total: AnnotatorConsistency = field(default_factory=lambda: AnnotatorConsistency("all"))

    def unmarked_edits(self, n: int) -> list[tuple[str, int]]:
        """The ``n`` edits most often left unexplained: the MT words changed (``+ words`` for an
        insertion alone), with how often. Frequent ones point at what the guidelines leave open."""
        counts = Counter(edit.text or f"+ {edit.inserted}" for edit in self.unexplained)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]

    def unfixed_examples(self, n: int) -> list[UnfixedError]:
        """Up to ``n`` unfixed errors, the heaviest severity first, then in document order."""
        rank = {severity.name: i for i, severity in enumerate(SEVERITIES)}
        return sorted(self.unfixed, key=lambda u: (rank.get(u.severity, len(rank)), u.doc_id, u.seg_id, u.start))[:n]


PARALLEL_FROM = 2_000  # segments: below this, worker processes cost more than they save


def post_edit_consistency(docs: Iterable[AnnotatedDocument], *, weights: MQMWeights = GOOGLE_MQM_WEIGHTS,
                          statuses: Sequence[str] = COUNTED_STATUSES, n_jobs: int = 1) -> PostEditReport | None:
    """Check every annotation's post-edits against its own errors; None when no annotation has
    both a post-edit and a rating of the same segment (nothing to compare). The alignments run on
    ``n_jobs`` processes (0 = all cores) for large inputs."""
    segments: list[tuple[str, list[SegmentRating], str, str]] = []  # annotator, ratings, post-edit, language
    for doc in docs:
        for annotation in doc.annotations:
            if annotation.status not in statuses:
                continue
            post_edits = {p.seg_id: p.text for p in annotation.post_edits if p.text.strip()}
            ratings: dict[int, list[SegmentRating]] = {}
            for rating in annotation.ratings:
                if rating.seg_id in post_edits:
                    ratings.setdefault(rating.seg_id, []).append(rating)
            segments += [(annotation.annotator, seg_ratings, post_edits[seg_id], doc.target_language)
                         for seg_id, seg_ratings in ratings.items()]
    if not segments:
        return None
    jobs = [([r.target for r in ratings], post_edit, language) for _, ratings, post_edit, language in segments]
    n_jobs = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
    if n_jobs == 1 or len(jobs) < PARALLEL_FROM:
        alignments = [_align(job) for job in jobs]
    else:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(n_jobs) as pool:
            alignments = pool.map(_align, jobs, chunksize=64)
    report = PostEditReport()
    by_annotator: dict[str, AnnotatorConsistency] = {}
    for (annotator, ratings, post_edit, _), (closest, spans, pe_spans, tags) in zip(segments, alignments):
        counts = by_annotator.setdefault(annotator, AnnotatorConsistency(annotator))
        _check_segment(report, counts, ratings[closest], spans, post_edit, pe_spans, tags, weights)
    report.annotators = sorted(by_annotator.values(), key=lambda c: c.annotator)
    for f in fields(AnnotatorConsistency):
        if f.name != "annotator":
            setattr(report.total, f.name, sum(getattr(c, f.name) for c in report.annotators))
    return report


Alignment = tuple[int, list[tuple[int, int]], list[tuple[int, int]], EditTags]


def _align(job: tuple[list[str], str, str]) -> Alignment:
    """Tokenise a segment's translations and post-edit and align them: (index of the translation
    the post-edit is closest to, its token spans, the post-edit's, its edit tags)."""
    targets, post_edit, language = job
    pe_spans = token_spans(post_edit, language)
    pe_words = [post_edit[a:b] for a, b in pe_spans]
    best: Alignment | None = None
    for index, target in enumerate(targets):
        spans = token_spans(target, language)
        words = [target[a:b] for a, b in spans]
        tags = edit_tags(words, pe_words) if words != pe_words else _unchanged(len(words))
        if best is None or tags.edits < best[3].edits:  # ties: the first in the task
            best = (index, spans, pe_spans, tags)
    assert best is not None  # a segment has a rating
    return best


def _unchanged(n: int) -> EditTags:
    return EditTags([False] * n, [False] * n, list(range(n)), [False] * (n + 1), [[] for _ in range(n + 1)], 0)


def _check_segment(report: PostEditReport, counts: AnnotatorConsistency, rating: SegmentRating,
                   spans: list[tuple[int, int]], post_edit: str, pe_spans: list[tuple[int, int]], tags: EditTags,
                   weights: MQMWeights) -> None:
    counts.segments += 1
    counts.unchanged += rating.target == post_edit
    spacing = _spacing_changed(rating.target, spans, post_edit, pe_spans, tags)
    target_errors = [e for e in rating.errors if e.side == "target"]
    for error in target_errors:
        if weights.weight(error.category, error.severity) <= 0:
            continue
        counts.errors += 1
        if not _error_fixed(error, spans, tags, spacing):
            counts.unfixed += 1
            report.unfixed.append(UnfixedError(
                rating.rater, rating.system, rating.doc_id, rating.seg_id, error.category, error.severity,
                error.text, error.start, error.end, rating.target, post_edit))
    omission_in_source = any(e.side == "source" and e.category == OMISSION for e in rating.errors)
    for start, end, inserted, insertion_only in _stretches(spans, tags):
        counts.stretches += 1
        touched = any(e.start <= end and start <= e.end for e in target_errors)
        if touched or (insertion_only and omission_in_source):
            continue
        counts.unexplained += 1
        report.unexplained.append(UnexplainedEdit(
            rating.rater, rating.system, rating.doc_id, rating.seg_id, start, end, rating.target[start:end],
            " ".join(inserted), rating.target, post_edit))


def _spacing_changed(mt: str, spans: list[tuple[int, int]], post_edit: str, pe_spans: list[tuple[int, int]],
                     tags: EditTags) -> list[bool]:
    """Per gap: whether the post-edit changed the spacing there (``revealed ,`` → ``revealed,``), for
    two neighbouring tokens that became neighbouring post-edit words. Spacing is no TER edit, but
    it is what an error marked on a space or a stray space before punctuation asks to fix."""
    spacing = [False] * (len(spans) + 1)
    for k in range(1, len(spans)):
        a, b = tags.aligned[k - 1], tags.aligned[k]
        if a >= 0 and b == a + 1:
            spacing[k] = mt[spans[k - 1][1]:spans[k][0]] != post_edit[pe_spans[a][1]:pe_spans[b][0]]
    return spacing


def _error_fixed(error: ErrorSpan, spans: list[tuple[int, int]], tags: EditTags, spacing: list[bool]) -> bool:
    """Whether the post-edit changed the error's words, a word next to them, the spacing inside or
    at the edges, or inserted words there. An error with no extent, or on whitespace only, sits in
    the gap between two tokens. Neighbours count because TER may align a fix one word off (``as a
    permanent member`` for ``whereas permanent member``: "whereas"→"a", "as" inserted)."""
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    first = bisect_right(ends, error.start)  # the first token ending after the error's start
    last = bisect_left(starts, error.end) - 1 if error.text.strip() else first - 1  # none: the gap ``first``
    near = range(max(first - 1, 0), min(last + 2, len(spans)))
    return any(tags.changed[i] for i in near) or any(tags.gaps[g] or spacing[g] for g in range(first, last + 2))


def _stretches(spans: list[tuple[int, int]], tags: EditTags) -> Iterable[tuple[int, int, list[str], bool]]:
    """Maximal runs of edits over gap 0, token 0, gap 1, … token n-1, gap n: (start, end) in the
    MT (an insertion alone: the point where it goes), the words inserted, and whether only inserted."""
    n = len(spans)
    run: list[int] = []  # element k: gap k // 2 when k is even, token k // 2 when odd
    for k in range(2 * n + 2):
        if k == 2 * n + 1:
            bad = False
        elif k % 2:
            bad = tags.changed[k // 2]
        else:  # a gap: words inserted, or between two changed tokens (one stretch, not two)
            gap = k // 2
            bad = tags.gaps[gap] or (0 < gap < n and tags.changed[gap - 1] and tags.changed[gap])
        if bad:
            run.append(k)
            continue
        if run:
            token_ids = [k // 2 for k in run if k % 2]
            inserted = [w for k in run if k % 2 == 0 for w in tags.inserted[k // 2]]
            if token_ids:
                start, end = spans[token_ids[0]][0], spans[token_ids[-1]][1]
            else:
                gap = run[0] // 2
                start = end = spans[gap - 1][1] if gap else (spans[0][0] if spans else 0)
            yield start, end, inserted, not token_ids
            run = []
