"""Error memory: MQM error suggestions learned from the project's own annotations.

A rule-based MT system makes the same mistake wherever the same words come up ("alto funcionario"
→ "tall civil servant", "medios" → "means"), and annotators mark it the same way each time. The
memory keeps, per MT system, every phrase annotators marked as an error that weighs in MQM (weight
> 0 under the weighting given, Google's by default: not Neutral), with how often it was marked and
how often it occurs in the translations they rated. A phrase marked at least ``min_marked`` times, in at least ``min_share`` of
its occurrences, is suggested wherever that system writes it again, with the category and severity
annotators gave it most often and their most frequent note, so the suggestion says why.

Matching is exact (case-sensitive) and on word boundaries where the phrase starts or ends with a
letter or digit. Where suggested phrases overlap, the longest wins. Held out by document on the
seed articles (learn from four, suggest on the fifth), every suggestion falls on a gold error
(``tests/test_error_memory.py`` measures it).

    memory = ErrorMemory.learn(parse_export(load_export("export.json")))
    errors = memory.suggest(translation)   # ErrorSpan list, offsets into translation.mt
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from annotate.records import COUNTED_STATUSES, AnnotatedDocument, ErrorSpan, Translation
from annotate.schema import GOOGLE_MQM_WEIGHTS, SEVERITIES, MQMWeights

_SEVERITY_RANK = {severity.name: rank for rank, severity in enumerate(SEVERITIES)}  # Major first


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    """The phrase, exactly, not inside a longer word: "tall" does not match "tally"."""
    before = r"(?<!\w)" if phrase[:1].isalnum() else ""
    after = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return re.compile(before + re.escape(phrase) + after)


@dataclass(frozen=True)
class Remembered:
    """One phrase of one system's translations that annotators marked as an error."""

    system: str
    phrase: str
    category: str
    severity: str
    marked: int  # times annotators marked exactly this phrase
    occurrences: int  # times it occurs in the translations those annotators rated
    note: str = ""  # the annotators' most frequent note on it

    @property
    def share(self) -> float:
        return min(1.0, self.marked / self.occurrences) if self.occurrences else 1.0


@dataclass
class ErrorMemory:
    """The phrases to suggest, per system (see the module docstring)."""

    phrases: dict[str, list[Remembered]] = field(default_factory=dict)  # system → longest phrase first
    annotations: int = 0  # annotations learned from

    @classmethod
    def learn(cls, docs: Iterable[AnnotatedDocument], *, min_marked: int = 2, min_share: float = 0.6,
              weights: MQMWeights = GOOGLE_MQM_WEIGHTS, statuses: Sequence[str] = COUNTED_STATUSES) -> ErrorMemory:
        """Learn from the ``statuses`` annotations of ``docs`` (each annotation counts: two
        annotators marking the same phrase are two marks, and it occurred twice)."""
        marks: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
        notes: dict[tuple[str, str], Counter[str]] = {}
        rated: dict[str, list[str]] = {}  # system → the translations annotators rated (once per annotation)
        annotations = 0
        for doc in docs:
            for annotation in doc.annotations:
                if annotation.status not in statuses:
                    continue
                annotations += 1
                for rating in annotation.ratings:
                    rated.setdefault(rating.system, []).append(rating.target)
                    for error in rating.errors:
                        if error.side != "target" or not error.text or weights.weight(error.category, error.severity) <= 0:
                            continue
                        key = (rating.system, error.text)
                        marks.setdefault(key, Counter())[(error.category, error.severity)] += 1
                        if error.comment.strip():
                            notes.setdefault(key, Counter())[error.comment.strip()] += 1
        memory = cls(annotations=annotations)
        for (system, phrase), labels in marks.items():
            marked = sum(labels.values())
            if marked < min_marked:
                continue
            occurrences = sum(len(_pattern(phrase).findall(target)) for target in rated.get(system, []))
            if occurrences and marked / occurrences < min_share:
                continue
            (category, severity), _ = min(labels.items(), key=lambda item: (-item[1], _SEVERITY_RANK.get(item[0][1], 9),
                                                                           item[0][0]))
            note = min(notes[(system, phrase)].items(), key=lambda item: (-item[1], item[0]))[0] \
                if (system, phrase) in notes else ""
            memory.phrases.setdefault(system, []).append(
                Remembered(system, phrase, category, severity, marked, occurrences, note))
        for remembered in memory.phrases.values():
            remembered.sort(key=lambda r: (-len(r.phrase), r.phrase))
        return memory

    def __len__(self) -> int:
        return sum(len(phrases) for phrases in self.phrases.values())

    @property
    def version(self) -> str:
        """A short fingerprint of what is remembered: part of the suggestions' model version, so a
        push refreshes the suggestions of untouched tasks when the memory changes."""
        content = sorted((r.system, r.phrase, r.category, r.severity) for rs in self.phrases.values() for r in rs)
        return "memory-" + hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()[:8]

    def suggest(self, translation: Translation, taken: Sequence[tuple[int, int]] = ()) -> list[ErrorSpan]:
        """Suggested errors in ``translation.mt``, in text order, none overlapping another or any
        ``taken`` (start, end) span (e.g. the rule-based suggestions)."""
        used = list(taken)
        errors = []
        for remembered in self.phrases.get(translation.system, []):
            for match in _pattern(remembered.phrase).finditer(translation.mt):
                start, end = match.span()
                if any(start < b and a < end for a, b in used):
                    continue
                used.append((start, end))
                note = f"; their note: {remembered.note}" if remembered.note else ""
                errors.append(ErrorSpan(
                    start, end, remembered.category, remembered.severity, match.group(),
                    comment=f"annotators marked {remembered.phrase!r} as {remembered.severity} {remembered.category} "
                            f"{remembered.marked} times, in {remembered.share:.0%} of the places {translation.system} "
                            f"wrote it{note} (error memory)"))
        return sorted(errors, key=lambda e: e.start)
