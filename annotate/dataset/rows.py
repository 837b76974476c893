"""Records → rows of every config, one document at a time (the builder streams; nothing here holds
more than one document's rows).

Selection rules (stated in the dataset card):

* Only ``completed`` annotations are used; drafts and cancelled annotations are counted and left out.
* Annotations of a document are ranked by :meth:`AnnotatedDocument.ranked_annotations` (THE
  ranking, :data:`annotate.records.PRIMARY_POLICY`: marked final by a reviewer, else the most
  complete, then the latest update). The first one is the document's *primary* annotation: it
  supplies ``documents`` entities/claims and the ``ner`` and ``claims`` tags. Documents whose
  primary the policy chose among several unreviewed annotations are listed (``unreviewed``).
* ``reference`` of a segment = the post-edit of the highest-ranked annotation that post-edited it
  (:func:`annotate.references.post_edits_by_segment`, which the report follows too: its first
  reference stream is this), or, when the build names a *reference system* (``ref`` in WMT MQM
  files), that system's translation (its own rows then get no sentence scores); ``references``
  keeps every annotator's post-edit, in rank order. Only edited or confirmed post-edit boxes are
  post-edits (:mod:`annotate.labelstudio.post_edits`); ``post_edit_tally`` counts every box.
* ``ner`` rows are made only when the dataset's sources were annotated for entities, ``claims`` rows
  only when they were annotated for claims (the builder says; see ``build``): otherwise every tag
  would read "no entity" or "no claim". Both cover the documents with a primary annotation.
* MQM ratings: one per rater per (system, segment) — a rater's highest-ranked annotation wins;
  ``mqm`` = mean over raters of each rater's summed error weights (the build's MQM weighting,
  Google's by default).
* ``word_qe`` rows are derived from the ``segments`` rows of rated translations (see ``word_tags``).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from annotate import schema
from annotate.dataset.bio import BioStats, BioTagger, TaggedSegment
from annotate.dataset.checks import check_document
from annotate.dataset.features import CLAIMS, DOCUMENTS, NER, SEGMENTS, TRANSLATION, WORD_QE, label_index
from annotate.dataset.word_tags import WordTagger
from annotate.dataset.scores import CorpusTotals, Scorer, ScoringPair, SegmentScores, segment_mqm
from annotate.languages import SPANISH_ENGLISH, LanguagePair
from annotate.references import POST_EDITS, PostEditTally, post_edits_by_segment
from annotate.records import AnnotatedDocument, DocumentAnnotation, Segment, SegmentRating, Span, Translation
from annotate.tokens import token_spans

_CATEGORY = label_index(schema.mqm_category_names())
_SEVERITY = label_index(schema.severity_names())
_ENTITY = label_index(schema.entity_values())
_CLAIM = label_index(schema.claim_type_values())

Row = dict[str, Any]


def references_by_segment(doc: AnnotatedDocument) -> dict[int, list[Row]]:
    """seg_id → every post-edit as {annotator, text}, best first (first = the reference; the
    order of :func:`annotate.references.post_edits_by_segment`, as the report's streams)."""
    return {seg_id: [{"annotator": edit.annotator, "text": edit.text} for edit in edits]
            for seg_id, edits in post_edits_by_segment(doc).items()}


def reference_names(reference_system: str | None) -> tuple[str, ...]:
    """``"refA,refB"`` → ``("refA", "refB")``; None (the post-edits) → ``()``."""
    return tuple(name.strip() for name in (reference_system or "").split(",") if name.strip())


def segment_reference_streams(doc: AnnotatedDocument, post_edits: dict[int, list[Row]],
                              reference_system: str | None = None) -> dict[int, tuple[str, ...]]:
    """seg_id → the segment's references, one per named reference (``reference_system``: one name
    or several, comma-separated), where every named reference has the segment; else the first of
    its ``post_edits`` (:func:`references_by_segment`). Segments without one are absent."""
    names = reference_names(reference_system)
    if names:
        # an imported reference wins over a system output of the same name (a test set's refB)
        ordered = sorted(doc.translations, key=lambda t: t.role == "reference")
        texts = {(t.system, t.seg_id): t.mt for t in ordered if t.system in names}
        seg_ids = {seg_id for _, seg_id in texts}
        return {seg_id: tuple(texts[(name, seg_id)] for name in names) for seg_id in seg_ids
                if all((name, seg_id) in texts for name in names)}
    return {seg_id: (edits[0]["text"],) for seg_id, edits in post_edits.items()}


def segment_references(doc: AnnotatedDocument, post_edits: dict[int, list[Row]],
                       reference_system: str | None = None) -> dict[int, str]:
    """seg_id → the segment's (first) reference (see :func:`segment_reference_streams`)."""
    return {seg_id: refs[0] for seg_id, refs in segment_reference_streams(doc, post_edits, reference_system).items()}


def scoring_pairs(doc: AnnotatedDocument, reference_system: str | None = None) -> list[ScoringPair]:
    """((system, seg_id), MT, reference) for every translation whose segment has a reference (the
    reference system's own translations aside): the sacrebleu work of one document, computed before
    its rows so it can run in worker processes."""
    streams = segment_reference_streams(doc, references_by_segment(doc), reference_system)
    names = reference_names(reference_system)
    return [
        ((t.system, t.seg_id), t.mt, streams[t.seg_id] if len(streams[t.seg_id]) > 1 else streams[t.seg_id][0])
        for t in doc.translations
        if t.seg_id in streams and t.system not in names and t.role == "mt"
    ]


def file_name_only(source_name: str) -> str:
    """Keep the file name of a source, never a local path (records should already do this)."""
    return PureWindowsPath(PurePosixPath(source_name).name).name


def _span_rows(spans: list[Span], index: dict[str, int]) -> list[Row]:
    ordered = sorted(spans, key=lambda s: (s.start, s.end, index[s.label]))
    return [{"start": s.start, "end": s.end, "label": index[s.label], "text": s.text} for s in ordered]


class _SourceSpans(dict):
    """seg_id → token spans of that source sentence, computed on first use (one document's worth)."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def __call__(self, seg_id: int, text: str) -> list[tuple[int, int]]:
        if seg_id not in self:
            self[seg_id] = token_spans(text, self.language)
        return self[seg_id]


@dataclass
class SystemTotals:
    """What the systems config needs about one (split, system, version)."""

    corpus: CorpusTotals
    n_segments: int = 0
    mqm_values: array = field(default_factory=lambda: array("d"))  # each rated segment's MQM, in row order


class RowBuilder:
    """Builds each config's rows per document and keeps the per-system totals for ``systems``.

    ``languages``: the dataset's pair (tokenizers, ``translation`` keys); ``reference_system``: a
    system whose translations are the references (see the module docstring); ``ner`` / ``claims``:
    whether the sources were annotated for entities / claims (no ``ner`` / ``claims`` rows otherwise);
    ``weights``: the MQM weighting of ``mqm`` and of the ``word_qe`` BAD tags."""

    def __init__(self, languages: LanguagePair = SPANISH_ENGLISH, reference_system: str | None = None,
                 ner: bool = True, claims: bool = True, weights: schema.MQMWeights = schema.GOOGLE_MQM_WEIGHTS) -> None:
        self.languages = languages
        self.weights = weights
        self.reference_system = reference_system
        self.reference_name = "+".join(reference_names(reference_system)) or POST_EDITS
        self.ner = ner
        self.claims = claims
        self.scorer = Scorer(trg_lang=languages.target, n_refs=max(1, len(reference_names(reference_system))))
        self.tagger = BioTagger(languages.source)
        self.bio = BioStats()
        self.claim_tagger = BioTagger(languages.source, schema.claim_type_values())
        self.claim_bio = BioStats()
        self.claim_sentences = {"sentences": 0, "with_claims": 0}  # rows of the claims config: the class balance
        self.word_tagger = WordTagger(languages.target, weights)
        self.status_counts: dict[str, int] = defaultdict(int)
        self.post_edit_tally = PostEditTally()  # what became of every post-edit box
        self.annotators: set[str] = set()
        self.unreviewed: list[str] = []  # doc_ids whose primary no reviewer chose among several annotations
        self._systems: dict[tuple[str, str, str], SystemTotals] = {}

    def document(
        self, doc: AnnotatedDocument, split: str, scores: dict[tuple[str, int], SegmentScores]
    ) -> dict[str, list[Row]]:
        """All rows of one validated document, by config, given the sentence scores of its
        ``scoring_pairs`` (raises DatasetBuildError on bad input)."""
        check_document(doc)
        for annotation in doc.annotations:
            self.status_counts[annotation.status] += 1
        self.post_edit_tally.add(doc)
        ranked = doc.ranked_annotations()
        choice = doc.primary_choice()  # the same ranking's first, and whether a reviewer chose it
        primary = choice.annotation
        if choice.needs_review:
            self.unreviewed.append(doc.doc_id)
        for annotation in ranked:
            self.annotators.add(annotation.annotator)
            self.annotators.update(rating.rater for rating in annotation.ratings)
        segments = sorted(doc.segments, key=lambda s: s.seg_id)
        post_edits = references_by_segment(doc)
        references = segment_references(doc, post_edits, self.reference_system)
        segment_rows = self._segment_rows(doc, segments, ranked, references, post_edits, scores, split)
        source_spans = _SourceSpans(self.languages.source)  # each source sentence tokenised once, for every config
        rows: dict[str, list[Row]] = {
            SEGMENTS: segment_rows,
            DOCUMENTS: [self._document_row(doc, primary)],
            # Unannotated documents get neither: "no entities marked" is not "no entities".
            NER: self._ner_rows(doc, segments, primary, source_spans) if self.ner and primary else [],
            CLAIMS: self._claim_rows(doc, segments, primary, source_spans) if self.claims and primary else [],
            WORD_QE: self._word_qe_rows(segment_rows, source_spans),
            TRANSLATION: [
                {
                    "doc_id": doc.doc_id,
                    "seg_id": s.seg_id,
                    "translation": {self.languages.source: s.text, self.languages.target: references[s.seg_id]},
                }
                for s in segments
                if s.seg_id in references
            ],
        }
        return rows

    def _segment_rows(
        self,
        doc: AnnotatedDocument,
        segments: list[Segment],
        ranked: list[DocumentAnnotation],
        references: dict[int, str],
        post_edits: dict[int, list[Row]],
        scores: dict[tuple[str, int], SegmentScores],
        split: str,
    ) -> list[Row]:
        ratings: dict[tuple[str, int], dict[str, SegmentRating]] = defaultdict(dict)
        for annotation in ranked:
            for rating in annotation.ratings:
                ratings[(rating.system, rating.seg_id)].setdefault(rating.rater, rating)
        by_segment: dict[int, list[Translation]] = defaultdict(list)
        for translation in doc.translations:
            if translation.role == "mt":  # an imported human reference is no system: no row of its own
                by_segment[translation.seg_id].append(translation)
        rows = []
        for segment in segments:
            reference = references.get(segment.seg_id)
            for translation in sorted(by_segment[segment.seg_id], key=lambda t: (t.system, t.system_version)):
                key = (translation.system, translation.seg_id)
                raters = ratings.get(key, {})
                totals = self._system_totals(split, translation.system, translation.system_version)
                totals.n_segments += 1
                mqm = segment_mqm(raters.values(), self.weights)
                if mqm is not None:
                    totals.mqm_values.append(mqm)
                segment_scores = scores.get(key)
                if segment_scores is not None:
                    totals.corpus.add(segment_scores)
                rows.append(
                    {
                        "doc_id": doc.doc_id,
                        "seg_id": segment.seg_id,
                        "source": segment.text,
                        "system": translation.system,
                        "system_version": translation.system_version,
                        "mt": translation.mt,
                        "reference": reference,
                        "reference_name": self.reference_name,
                        "references": post_edits.get(segment.seg_id, []),
                        "errors": _error_rows(raters.values()),
                        "mqm": mqm,
                        "bleu": segment_scores.bleu if segment_scores else None,
                        "chrf": segment_scores.chrf if segment_scores else None,
                        "ter": segment_scores.ter if segment_scores else None,
                        "annotators": sorted(raters),
                        "n_raters": len(raters),
                    }
                )
        return rows

    def _document_row(self, doc: AnnotatedDocument, primary: DocumentAnnotation | None) -> Row:
        return {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "text": doc.text,
            "source_name": file_name_only(doc.source_name),
            "entities": _span_rows(primary.entities, _ENTITY) if primary else [],
            "claims": _span_rows(primary.claims, _CLAIM) if primary else [],
            "annotator": primary.annotator if primary else None,
            "reviewed_final": primary.adjudicated if primary else None,  # star or "Final" tick
            "started_from_suggestions": primary.parent_prediction is not None if primary else None,
            "annotation_seconds": primary.lead_time if primary else None,
        }

    @staticmethod
    def _tag(tagger: BioTagger, totals: BioStats, segments: list[Segment], spans: list[Span],
             source_spans: _SourceSpans) -> list[TaggedSegment]:
        tagged, stats = tagger.tag_document(segments, spans, lambda segment: source_spans(segment.seg_id, segment.text))
        totals.add(stats)
        return tagged

    def _ner_rows(self, doc: AnnotatedDocument, segments: list[Segment], primary: DocumentAnnotation,
                  source_spans: _SourceSpans) -> list[Row]:
        tagged = self._tag(self.tagger, self.bio, segments, primary.entities, source_spans)
        return [
            {"doc_id": doc.doc_id, "seg_id": segment.seg_id, "tokens": sentence.tokens, "ner_tags": sentence.tags}
            for segment, sentence in zip(segments, tagged)
        ]

    def _claim_rows(self, doc: AnnotatedDocument, segments: list[Segment], primary: DocumentAnnotation,
                    source_spans: _SourceSpans) -> list[Row]:
        tagged = self._tag(self.claim_tagger, self.claim_bio, segments, primary.claims, source_spans)
        self.claim_sentences["sentences"] += len(segments)
        rows = []
        for segment, sentence in zip(segments, tagged):
            claims = _span_rows([Span(start, end, label, segment.text[start:end])
                                 for start, end, label in sentence.spans], _CLAIM)
            self.claim_sentences["with_claims"] += bool(claims)
            rows.append({"doc_id": doc.doc_id, "seg_id": segment.seg_id, "text": segment.text,
                         "has_claim": bool(claims), "claim_types": sorted({c["label"] for c in claims}),
                         "claims": claims, "tokens": sentence.tokens, "claim_tags": sentence.tags})
        return rows

    def _word_qe_rows(self, segment_rows: list[Row], source_spans: _SourceSpans) -> list[Row]:
        # Only rated translations: "nobody looked" is not "no error".
        rows = []
        for row in segment_rows:
            if not row["n_raters"]:
                continue
            source = row["source"]
            src_spans = source_spans(row["seg_id"], source)
            mt_tokens, tags, severity_tags, src_tags = self.word_tagger.tag(row["mt"], row["errors"], src_spans)
            rows.append({"doc_id": row["doc_id"], "seg_id": row["seg_id"], "system": row["system"],
                         "system_version": row["system_version"],
                         "src_tokens": [source[start:end] for start, end in src_spans], "src_tags": src_tags,
                         "mt_tokens": mt_tokens, "tags": tags, "severity_tags": severity_tags, "mqm": row["mqm"],
                         "n_raters": row["n_raters"]})
        return rows

    def _system_totals(self, split: str, system: str, version: str) -> SystemTotals:
        key = (split, system, version)
        if key not in self._systems:
            self._systems[key] = SystemTotals(CorpusTotals())
        return self._systems[key]

    def system_rows(self, split: str) -> list[Row]:
        """One ``systems`` row per (system, version) seen in the split, sorted by name and version."""
        signatures = self.scorer.corpus_signatures()
        entries = [(key, totals) for key, totals in sorted(self._systems.items()) if key[0] == split]
        cis = self.scorer.bootstrap_cis([(totals.corpus, totals.mqm_values) for _, totals in entries])
        return [
            {
                "system": system,
                "version": version,
                **self.scorer.corpus(totals.corpus),
                "signatures": signatures,
                "reference_name": self.reference_name,
                "mqm": sum(totals.mqm_values) / len(totals.mqm_values) if totals.mqm_values else None,
                **system_cis,
                "n_segments": totals.n_segments,
                "n_scored": totals.corpus.n_scored,
                "n_rated": len(totals.mqm_values),
            }
            for ((_, system, version), totals), system_cis in zip(entries, cis)
        ]


def _error_rows(ratings: Iterable[SegmentRating]) -> list[Row]:
    rows = [
        {
            "start": error.start,
            "end": error.end,
            "category": _CATEGORY[error.category],
            "severity": _SEVERITY[error.severity],
            "text": error.text,
            "annotator": rating.rater,
            "comment": error.comment,
            "side": error.side,
        }
        for rating in ratings
        for error in rating.errors
    ]
    rows.sort(key=lambda r: (r["start"], r["end"], r["category"], r["annotator"], r["severity"]))
    return rows

