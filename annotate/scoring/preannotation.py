"""How good the pre-annotations were, and how much of them annotators kept.

Label Studio loads a task's prediction (:attr:`AnnotatedDocument.predictions`: entities from spaCy
and rules, suggested "Untranslated text" errors) into the annotator's work; the annotator keeps,
fixes or deletes its regions and adds what it missed. For each submitted annotation and the
latest prediction of each model version on the same task, every suggested span is:

* **kept** — the annotation has the same span with the same label (errors: the same category; a
  severity the annotator changed is counted apart, ``severity_changed``);
* **relabelled** — the same offsets with another label;
* **resized** — the same label on overlapping offsets with other boundaries;
* **deleted** — none of these (deleted, or replaced by a span sharing neither label nor offsets),
  by an annotator who started from that prediction;
* **missed** — none of these, by an annotator who did NOT start from it (their annotation opened
  blank): they never saw the suggestion, so they cannot have deleted it; it is merely not marked.

and every span of the annotation no suggestion accounts for is **added**. Precision = kept /
suggested and recall = kept / annotated: the pre-annotator scored against the annotators' work.

Two situations are never pooled, because they mean different things:

* **from scratch** — the annotation did not start from that prediction (Label Studio's
  ``parent_prediction`` is empty: e.g. the gold annotations, created through the API, or tasks
  whose suggestions ``annotate push --holdout-percent`` withheld). A kept span is one the
  annotator found on their own: this is the pre-annotator's honest precision and recall.
* **started from it** — the annotator opened the task with the prediction loaded. A kept span
  is an accepted one; kept shares well above the from-scratch ones are the mark of anchoring
  (annotators keeping suggestions they would not have made). :attr:`PreannotationReport.anchoring`
  sets the two side by side; with withheld tasks in the same project, the comparison is a
  controlled one (same suggester, same annotators, tasks assigned by a hash).

An annotation that started from another model's prediction is compared with that model's only
(its latest prediction); one that started from a prediction since replaced (``annotate push``
replaces the predictions of a task whose text changed) is left out: what it was shown is unknown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from annotate.records import AnnotatedDocument, DocumentAnnotation
from annotate.suggest import DEVELOPED_ON
from annotate.scoring.agreement import LAYERS, SpanKey, error_label, layer_spans, rated_units, spans_match
from annotate.scoring.mqm import COUNTED_STATUSES

OUTCOMES: tuple[str, ...] = ("kept", "relabelled", "resized", "deleted", "missed")
# what "none of the others" is called: deleted only by someone who was shown the suggestion
UNMATCHED_OUTCOME = {True: "deleted", False: "missed"}  # started from the prediction → outcome
FROM_SCRATCH, STARTED_FROM = "from scratch", "started from it"
OTHER_LABELS, ALL_LABELS = "labels never suggested", "all"
BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED = 1000, 12345  # sacrebleu's bootstrap size and default seed


@dataclass
class Outcomes:
    """What became of the suggested spans of one label (or of a whole layer), and how many spans
    the annotators made that no suggestion accounts for."""

    suggested: int = 0
    kept: int = 0
    relabelled: int = 0
    resized: int = 0
    deleted: int = 0  # by annotators who started from the suggestions
    missed: int = 0  # not marked by annotators who started from a blank annotation (never shown them)
    severity_changed: int = 0  # kept errors whose severity the annotator changed
    annotated: int = 0  # spans in the annotations
    added: int = 0  # of which no suggestion accounts for

    def add(self, other: Outcomes) -> None:
        """Accumulate another comparison's counts."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float | None:
        """Share of the suggestions kept exactly (None without suggestions)."""
        return self.kept / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        """Share of the annotators' spans that a suggestion had exactly (None without spans)."""
        return self.kept / self.annotated if self.annotated else None


@dataclass
class PreannotationGroup:
    """One model version's suggestions against the annotations in one situation
    (:data:`FROM_SCRATCH` or :data:`STARTED_FROM`)."""

    model_version: str
    situation: str
    annotations: int = 0  # annotations compared
    withheld: int = 0  # of which on tasks whose suggestions were withheld from annotators
    documents: set[str] = field(default_factory=set)  # doc_ids compared
    layers: dict[str, dict[str, Outcomes]] = field(default_factory=dict)  # layer → label → outcomes
    # layer → (kept, suggested) of each annotation compared: the unit a bootstrap resamples
    per_annotation: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def development_documents(self) -> int:
        """How many of the documents compared are ones the suggestion rules were developed on
        (:data:`annotate.suggest.DEVELOPED_ON`): on them precision and recall are in-sample."""
        return len(self.documents & DEVELOPED_ON)

    def total(self, layer: str) -> Outcomes:
        """All labels of ``layer`` together."""
        total = Outcomes()
        for outcomes in self.layers.get(layer, {}).values():
            total.add(outcomes)
        return total

    def suggested_layers(self) -> list[str]:
        """The layers the model suggested anything in, in LAYERS order."""
        return [layer for layer in LAYERS if self.total(layer).suggested]

    def table(self, layer: str) -> list[tuple[str, Outcomes]]:
        """Rows for a report: each label the model suggested, then :data:`OTHER_LABELS` (what the
        annotators marked with labels never suggested) when any, then :data:`ALL_LABELS`."""
        labels = self.layers.get(layer, {})
        rows = [(label, outcomes) for label, outcomes in labels.items() if outcomes.suggested]
        other = Outcomes()
        for outcomes in labels.values():
            if not outcomes.suggested:
                other.add(outcomes)
        if other.annotated:
            rows.append((OTHER_LABELS, other))
        return [*rows, (ALL_LABELS, self.total(layer))]


@dataclass
class AnnotatorUptake:
    """One annotator's handling of one model version's suggestions, over every layer it suggested in."""

    annotator: str
    model_version: str
    annotations: int = 0
    started_from: int = 0  # of which opened with the prediction loaded
    layers: dict[str, Outcomes] = field(default_factory=dict)  # layer → all labels together

    def total(self, layers: Iterable[str]) -> Outcomes:
        """The outcomes summed over ``layers`` (those the model suggested in)."""
        total = Outcomes()
        for layer in layers:
            total.add(self.layers.get(layer, Outcomes()))
        return total


@dataclass(frozen=True)
class Anchoring:
    """One model's suggestions in one layer, kept when shown against reproduced from scratch."""

    model_version: str
    layer: str
    from_scratch: Outcomes
    started_from: Outcomes
    ci: tuple[float, float] | None  # 95% bootstrap CI of ``gap``; None with under 2 annotations a side

    @property
    def gap(self) -> float:
        """Share kept when started from the suggestions minus share reproduced from scratch."""
        return self.started_from.kept / self.started_from.suggested - self.from_scratch.kept / self.from_scratch.suggested


def gap_interval(scratch: Sequence[tuple[int, int]], started: Sequence[tuple[int, int]], *,
                 n_samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> tuple[float, float] | None:
    """95% percentile bootstrap CI of the anchoring gap. Spans of one annotation are not
    independent (one person, one article), so whole annotations are resampled, within each side:
    each resample's gap is kept/suggested summed over its annotations, started minus scratch.
    None when a side has fewer than 2 annotations with suggestions."""
    import numpy as np

    sides = [np.array([pair for pair in side if pair[1]], dtype=float) for side in (scratch, started)]
    if any(len(side) < 2 for side in sides):
        return None
    rng = np.random.default_rng(seed)
    shares = []
    for side in sides:
        picks = rng.integers(0, len(side), size=(n_samples, len(side)))
        sums = side[picks].sum(axis=1)  # (n_samples, 2): kept, suggested
        shares.append(sums[:, 0] / sums[:, 1])
    gaps = shares[1] - shares[0]
    low, high = np.percentile(gaps, [2.5, 97.5])
    return float(low), float(high)


@dataclass
class PreannotationReport:
    """Every comparison of :func:`preannotation_report`; empty when no task has a prediction."""

    groups: list[PreannotationGroup] = field(default_factory=list)
    annotators: list[AnnotatorUptake] = field(default_factory=list)
    # kept-when-shown vs reproduced-from-scratch per model and layer, computed once (a bootstrap)
    anchoring: list[Anchoring] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.groups and not self.anchoring:
            self.anchoring = self._anchoring_rows()

    def __bool__(self) -> bool:
        return bool(self.groups)

    def suggested_layers(self, model_version: str) -> list[str]:
        """The layers ``model_version`` suggested anything in, in any situation."""
        found = {layer for g in self.groups if g.model_version == model_version for layer in g.suggested_layers()}
        return [layer for layer in LAYERS if layer in found]

    def uptake_rows(self) -> list[tuple[AnnotatorUptake, Outcomes]]:
        """Each annotator × model with the outcomes summed over the layers that model suggested in."""
        return [(person, person.total(self.suggested_layers(person.model_version))) for person in self.annotators]

    def _anchoring_rows(self) -> list[Anchoring]:
        """Wherever a model's suggestions in a layer were met both ways: the share kept when
        annotators started from them against the share reproduced when they did not, with a
        bootstrap CI of the gap (see :func:`gap_interval`)."""
        rows = []
        for model in dict.fromkeys(g.model_version for g in self.groups):
            situations = {g.situation: g for g in self.groups if g.model_version == model}
            if FROM_SCRATCH in situations and STARTED_FROM in situations:
                scratch, started = situations[FROM_SCRATCH], situations[STARTED_FROM]
                for layer in self.suggested_layers(model):
                    if scratch.total(layer).suggested and started.total(layer).suggested:
                        ci = gap_interval(scratch.per_annotation[layer], started.per_annotation[layer])
                        rows.append(Anchoring(model, layer, scratch.total(layer), started.total(layer), ci))
        return rows

    @property
    def compares_annotators(self) -> bool:
        """Worth a per-annotator table: several annotators, or some started from the suggestions."""
        return len({p.annotator for p in self.annotators}) > 1 or any(p.started_from for p in self.annotators)


def compare_spans(suggested: Sequence[SpanKey], annotated: Sequence[SpanKey], *,
                  started_from: bool = True) -> tuple[list[str], list[bool]]:
    """The outcome (one of OUTCOMES) of each suggested span, and for each annotated span whether
    some suggestion accounts for it (kept, relabelled or resized from it). A suggested span none
    accounts for is "deleted" when the annotation ``started_from`` the suggestions, else "missed"."""
    by_unit: dict[str, list[int]] = defaultdict(list)
    for index, span in enumerate(annotated):
        by_unit[span[0]].append(index)
    accounted = [False] * len(annotated)
    outcomes = []
    for span in suggested:
        candidates = by_unit.get(span[0], [])
        same_offsets = [i for i in candidates if annotated[i][1:3] == span[1:3]]
        exact = [i for i in same_offsets if annotated[i][3] == span[3]]
        overlapping = [i for i in candidates if i not in same_offsets and spans_match(span, annotated[i], "overlap")]
        if exact:
            outcome, matched = "kept", exact
        elif same_offsets:
            outcome, matched = "relabelled", same_offsets
        elif overlapping:
            outcome, matched = "resized", overlapping
        else:
            outcome, matched = UNMATCHED_OUTCOME[started_from], []
        outcomes.append(outcome)
        for i in matched:
            accounted[i] = True
    return outcomes, accounted


def _severities(annotation: DocumentAnnotation) -> dict[SpanKey, str]:
    return {(f"{r.system}#{r.seg_id}", e.start, e.end, error_label(e)): e.severity
            for r in annotation.ratings for e in r.errors}


def compare_annotation(prediction: DocumentAnnotation, annotation: DocumentAnnotation) -> dict[str, dict[str, Outcomes]]:
    """``layer → label → outcomes`` of one prediction against one annotation of the same task
    (errors: in the translations the annotation rated). Whether the annotation started from the
    prediction is Label Studio's ``parent_prediction`` (:func:`preannotation_report` compares an
    annotation that started from one only with that model's): an annotation that did not (it
    opened blank) never deleted a suggestion, it "missed" it."""
    started_from = annotation.parent_prediction is not None
    units = rated_units(annotation)
    layers: dict[str, dict[str, Outcomes]] = {}
    for layer in LAYERS:
        suggested, annotated = layer_spans(prediction, layer, units), layer_spans(annotation, layer)
        if not suggested and not annotated:
            continue
        labels: dict[str, Outcomes] = defaultdict(Outcomes)
        outcomes, accounted = compare_spans(suggested, annotated, started_from=started_from)
        severity_before = _severities(prediction) if layer == "errors" else {}
        severity_after = _severities(annotation) if layer == "errors" else {}
        for span, outcome in zip(suggested, outcomes):
            entry = labels[span[3]]
            entry.suggested += 1
            setattr(entry, outcome, getattr(entry, outcome) + 1)
            if outcome == "kept" and severity_before.get(span) != severity_after.get(span):
                entry.severity_changed += 1
        for span, is_accounted in zip(annotated, accounted):
            labels[span[3]].annotated += 1
            labels[span[3]].added += not is_accounted
        layers[layer] = dict(sorted(labels.items()))
    return layers


def latest_predictions(doc: AnnotatedDocument) -> dict[str, DocumentAnnotation]:
    """The latest prediction (highest id, else the last listed) of each model version."""
    latest: dict[str, DocumentAnnotation] = {}
    for prediction in doc.predictions:
        current = latest.get(prediction.annotator)
        if current is None or (prediction.annotation_id or 0) >= (current.annotation_id or 0):
            latest[prediction.annotator] = prediction
    return latest


def preannotation_report(docs: Iterable[AnnotatedDocument], *,
                         statuses: Sequence[str] = COUNTED_STATUSES) -> PreannotationReport:
    """Compare every submitted annotation with the predictions of its task (module docstring)."""
    groups: dict[tuple[str, str], PreannotationGroup] = {}
    uptake: dict[tuple[str, str], AnnotatorUptake] = {}
    for doc in docs:
        predictions = latest_predictions(doc)
        if not predictions:
            continue
        model_of = {p.annotation_id: p.annotator for p in doc.predictions}
        for annotation in doc.annotations:
            if annotation.status not in statuses:
                continue
            parent = annotation.parent_prediction
            if parent is not None and parent not in model_of:
                continue  # it started from a prediction since replaced: what it was shown is unknown
            for model_version, prediction in predictions.items():
                if parent is not None and model_of[parent] != model_version:
                    continue  # it started from another model's suggestions
                situation = STARTED_FROM if parent is not None else FROM_SCRATCH
                group = groups.setdefault((model_version, situation), PreannotationGroup(model_version, situation))
                group.annotations += 1
                group.withheld += prediction.status == "withheld"
                group.documents.add(doc.doc_id)
                person = uptake.setdefault((annotation.annotator, model_version),
                                           AnnotatorUptake(annotation.annotator, model_version))
                person.annotations += 1
                person.started_from += parent is not None
                for layer, labels in compare_annotation(prediction, annotation).items():
                    kept, suggested = sum(o.kept for o in labels.values()), sum(o.suggested for o in labels.values())
                    group.per_annotation.setdefault(layer, []).append((kept, suggested))
                    into = group.layers.setdefault(layer, {})
                    for label, outcomes in labels.items():
                        into.setdefault(label, Outcomes()).add(outcomes)
                        person.layers.setdefault(layer, Outcomes()).add(outcomes)
    for group in groups.values():
        group.layers = {layer: dict(sorted(group.layers[layer].items())) for layer in LAYERS if layer in group.layers}
    ordered = sorted(groups.values(), key=lambda g: (g.model_version, g.situation != FROM_SCRATCH))
    return PreannotationReport(groups=ordered, annotators=[uptake[key] for key in sorted(uptake)])
