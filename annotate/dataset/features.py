"""Typed features of every dataset config, derived from annotate.schema (never a hard-coded label list).

ClassLabel columns are stored as int64 indexes into the schema's label order; the Hugging Face
features travel in two places so that ``load_dataset`` returns them typed whichever it reads
first: the ``huggingface`` key of each parquet file's schema metadata and ``dataset_info`` in the
card's YAML. Only the ``translation`` config's features depend on the dataset's language pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from annotate import schema
from annotate.languages import SPANISH_ENGLISH, LanguagePair, language_name

if TYPE_CHECKING:
    import pyarrow as pa

    import datasets

SEGMENTS, DOCUMENTS, NER, CLAIMS, WORD_QE, TRANSLATION, SYSTEMS = (
    "segments", "documents", "ner", "claims", "word_qe", "translation", "systems")
CONFIG_NAMES: tuple[str, ...] = (SEGMENTS, DOCUMENTS, NER, CLAIMS, WORD_QE, TRANSLATION, SYSTEMS)
# ESA ratings (annotate.dataset.esa_rows) come from ESA files or an export's ESA tasks, not from the
# documents: kept apart from CONFIG_NAMES, the configs every document build writes.
ESA, ESA_SYSTEMS = "esa", "esa_systems"
ESA_CONFIG_NAMES: tuple[str, ...] = (ESA, ESA_SYSTEMS)
ALL_CONFIG_NAMES: tuple[str, ...] = (*CONFIG_NAMES, *ESA_CONFIG_NAMES)
DEFAULT_CONFIG = SEGMENTS

# One sentence per config for the card: what one row is.
CONFIG_ROW_DESCRIPTIONS: dict[str, str] = {
    SEGMENTS: "one source segment × one MT system, with MQM errors, post-edited reference and scores",
    DOCUMENTS: "one article, with its entity and claim spans",
    NER: "one source sentence, tokenised, with BIO entity tags",
    CLAIMS: "one source sentence, with its claim spans and types and BIO claim tags (claim detection)",
    WORD_QE: "one rated translation (source segment × MT system), tokenised, with OK/BAD tags per MT and source token",
    TRANSLATION: "one source segment with its reference translation (parallel text)",
    SYSTEMS: "one MT system (name + version), with corpus scores and MQM over the split",
    ESA: "one ESA rating: one annotator's 0–100 score and minor/major error spans for one system's segment",
    ESA_SYSTEMS: "one MT system in one language pair, with its ESA score as WMT24 computed it over the split",
}

# What each field means, for the card's field tables (a test checks they cover every feature);
# {source} / {target} / {source_code} / {target_code} are the dataset's languages (field_description).
_DOC_ID = ("document id (for an ingested article: the first 16 hex digits of the SHA-256 of its clean text — "
           "title and body paragraphs, NFC-normalised, whitespace runs made one space — so line endings, a BOM "
           "or page chrome removed at ingestion do not change it); joins the configs")
_SEG_ID = "sentence number within the document, from 1, in text order"
_CI = "half-width of the {metric}'s bootstrap 95% confidence interval (sacrebleu's resampling)"
FIELD_DESCRIPTIONS: dict[str, dict[str, str]] = {
    SEGMENTS: {
        "doc_id": _DOC_ID,
        "seg_id": _SEG_ID,
        "source": "the {source} sentence (a slice of `documents.text`)",
        "system": "MT system name",
        "system_version": "MT system version (package and model), as recorded at translation time",
        "mt": "the system's {target} translation of `source`; error spans index it",
        "reference": "the segment's {target} reference translation (see the rules below); null when it has none",
        "reference_name": "what the reference is and what `bleu`/`chrf`/`ter` were computed against: `post_edits` "
                          "or the name of an imported reference (several, one sacrebleu stream each, joined by +; "
                          "`reference` then holds the first)",
        "references": "every annotator's post-edit of the segment, best-ranked first",
        "errors": "MQM error spans from every rater: category, severity, the rater's pseudonym and note",
        "mqm": "MQM score: per rater the sum of error weights, then the mean over raters; null when "
               "unrated. Lower is better",
        "bleu": "sentence BLEU (effective order) of `mt` against `reference`; null without a reference",
        "chrf": "sentence chrF++ of `mt` against `reference`; null without a reference",
        "ter": "sentence TER of `mt` against `reference` (lower is better); null without a reference",
        "annotators": "pseudonyms of the raters who rated this translation (a rating without errors counts)",
        "n_raters": "how many raters rated it (`len(annotators)`); 0 = unrated",
    },
    DOCUMENTS: {
        "doc_id": _DOC_ID,
        "title": "the article's headline",
        "text": "the cleaned article (page chrome removed); entity and claim spans index it",
        "source_name": "the raw file's name",
        "entities": "named entities of the primary annotation",
        "claims": "factual claims of the primary annotation; `label` is the claim type",
        "annotator": "pseudonym of the primary annotation's annotator; null when no annotation was completed",
        "reviewed_final": "whether a reviewer marked the primary annotation as final in Label Studio (the "
                                   "review control's Final tick, or the ground-truth star set through its API; a "
                                   "primary annotation is a marked one whenever there is one); null without one",
        "started_from_suggestions": "whether the primary annotation started from the pre-annotations in Label "
                                    "Studio's labeling UI (its entities may lean toward the suggester's); false "
                                    "for annotations made elsewhere (API, WMT files); null without one",
        "annotation_seconds": "seconds the primary annotation took in the labeling UI (Label Studio's lead "
                              "time); null when not timed (e.g. made through the API)",
    },
    NER: {
        "doc_id": _DOC_ID,
        "seg_id": _SEG_ID,
        "tokens": "the sentence's tokens (spaCy's {source} tokenizer, whitespace tokens dropped)",
        "ner_tags": "one BIO tag per token, from the primary annotation's entities",
    },
    CLAIMS: {
        "doc_id": _DOC_ID,
        "seg_id": _SEG_ID,
        "text": "the {source} sentence (a slice of `documents.text`); `claims` spans index it",
        "has_claim": "whether the sentence holds at least one factual claim (sentence-level claim detection)",
        "claim_types": "the types of the claims in the sentence, each once, in schema order (multi-label target)",
        "claims": "the primary annotation's claims in this sentence, offsets into `text` (a claim crossing a "
                  "sentence boundary is clipped to each sentence); they may overlap",
        "tokens": "the sentence's tokens (as in `ner`)",
        "claim_tags": "one BIO tag per token over the claim types (overlapping claims flattened: see below)",
    },
    WORD_QE: {
        "doc_id": _DOC_ID,
        "seg_id": _SEG_ID,
        "system": "MT system name",
        "system_version": "MT system version",
        "src_tokens": "the {source} sentence's tokens (spaCy's {source} tokenizer, whitespace dropped)",
        "src_tags": "one tag per source token: BAD when an error marked in the source that weighs in MQM covers "
                    "it (an omission: the words the translation lost), else OK",
        "mt_tokens": "the translation's tokens (spaCy's {target} tokenizer, whitespace dropped)",
        "tags": "one tag per MT token: BAD when an error that weighs in MQM covers it (any rater), else OK",
        "severity_tags": "one tag per MT token: the most severe severity any rater marked on it (OK = none)",
        "mqm": "the segment's MQM score (as in `segments`; lower is better): the sentence-level QE target",
        "n_raters": "how many raters rated the translation (at least 1: unrated translations have no row)",
    },
    TRANSLATION: {
        "doc_id": _DOC_ID,
        "seg_id": _SEG_ID,
        "translation": "`{{\"{source_code}\": source sentence, \"{target_code}\": its reference}}` (`segments.reference`)",
    },
    SYSTEMS: {
        "system": "MT system name",
        "version": "MT system version",
        "bleu": "corpus BLEU over the split's segments that have a reference",
        "bleu_ci": _CI.format(metric="BLEU"),
        "chrf": "corpus chrF++ over the same segments",
        "chrf_ci": _CI.format(metric="chrF++"),
        "ter": "corpus TER over the same segments (lower is better)",
        "ter_ci": _CI.format(metric="TER"),
        "signatures": "sacrebleu signatures of the three corpus scores",
        "reference_name": "what the corpus scores were computed against (as `segments.reference_name`)",
        "mqm": "mean segment MQM over the split's rated segments (lower is better)",
        "mqm_ci": _CI.format(metric="MQM mean"),
        "n_segments": "the system's segments in the split",
        "n_scored": "of them, those with a reference (what the corpus metrics score)",
        "n_rated": "of them, those rated by at least one rater (what `mqm` averages)",
    },
    ESA: {
        "doc_id": "document id, as the ESA file or the Label Studio task gives it; decides the split",
        "seg_id": "segment id: Appraise's item id / WMT24's `line_id`, or (Label Studio) the sentence number "
                  "in the document, as in `segments`",
        "system": "MT system name",
        "annotator": "the annotator's pseudonym, as the input gives it (WMT's published ids for ESA files; "
                     "salted hashes for Label Studio exports)",
        "score": "the 0–100 ESA score (higher is better; anchors below)",
        "spans": "error spans in `target`: `start`/`end` index it (-1 both for an omission, marked on the "
                 "[MISSING] marker), `severity` minor or major, `omission` true for an omission",
        "source": "the source segment; empty when the input holds no texts (Appraise CSV)",
        "target": "the rated translation; empty when the input holds no texts (Appraise CSV)",
        "domain": "the domain (WMT24 JSON Lines' `domain`, else read from doc_ids like `test-en-news_…`); "
                  "empty when unknown",
        "source_language": "source language code as the input writes it (`eng` in Appraise CSV, `en` in JSON Lines)",
        "target_language": "target language code as the input writes it",
        "seconds": "seconds the rating took (end time − start time); null when the input has no times",
    },
    ESA_SYSTEMS: {
        "source_language": "source language code (as `esa.source_language`)",
        "target_language": "target language code",
        "system": "MT system name",
        "score": "ESA score as WMT24 computed it: per domain the mean of item scores (an item's score the mean "
                 "of its annotators'), then the mean over domains; higher is better",
        "score_ci": "half-width of the score's 95% bootstrap confidence interval (each domain's items resampled)",
        "rank_best": "best rank: 1 + the systems significantly better (Wilcoxon per domain, Stouffer, p < 0.05)",
        "rank_worst": "worst rank: the number of systems − those it is significantly better than",
        "cluster": "significance cluster (1 = best): systems chained by \"not significantly different\" share one",
        "n_items": "items (document × segment) the system was rated on in the split",
        "n_ratings": "ESA ratings behind them",
    },
}


def field_description(config: str, field_name: str, languages: LanguagePair = SPANISH_ENGLISH) -> str:
    """What a field of a config means, with the dataset's languages filled in."""
    return FIELD_DESCRIPTIONS[config][field_name].format(
        source=language_name(languages.source), target=language_name(languages.target),
        source_code=languages.source, target_code=languages.target)


def bio_tags(labels: list[str]) -> list[str]:
    """CoNLL-style BIO tags over ``labels``: O, B-<first>, I-<first>, B-<second>, …"""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def bio_tag_names() -> list[str]:
    """BIO tags over the schema's entity labels (``ner``): O, B-PER, I-PER, B-ORG, I-ORG, …"""
    return bio_tags(schema.entity_values())


def claim_tag_names() -> list[str]:
    """BIO tags over the schema's claim types (``claims``): O, B-Event, I-Event, B-Quantity, …"""
    return bio_tags(schema.claim_type_values())


WORD_TAG_NAMES = ["OK", "BAD"]


def severity_tag_names() -> list[str]:
    """``OK`` then the schema's severities from the least to the most severe (by base weight)."""
    return ["OK", *sorted(schema.severity_names(), key=lambda name: schema.GOOGLE_MQM_WEIGHTS.severity[name])]


def esa_severity_names() -> list[str]:
    """The ESA severities as ESA files write them (``minor``, ``major``), in schema order."""
    return [severity.value for severity in schema.ESA_SEVERITIES]


def label_index(names: list[str]) -> dict[str, int]:
    """Name → ClassLabel index, in the given (schema) order."""
    return {name: index for index, name in enumerate(names)}


def config_features(config: str, languages: LanguagePair = SPANISH_ENGLISH) -> datasets.Features:
    """The Hugging Face ``Features`` of one config (raises KeyError naming an unknown config);
    ``languages`` names the ``translation`` config's two keys."""
    from datasets import Features

    builders: dict[str, Callable[[], dict[str, Any]]] = {
        SEGMENTS: _segments_features,
        DOCUMENTS: _documents_features,
        NER: _ner_features,
        CLAIMS: _claims_features,
        WORD_QE: _word_qe_features,
        TRANSLATION: lambda: _translation_features(languages),
        SYSTEMS: _systems_features,
        ESA: _esa_features,
        ESA_SYSTEMS: _esa_systems_features,
    }
    if config not in builders:
        raise KeyError(f"unknown dataset config {config!r} (known: {', '.join(ALL_CONFIG_NAMES)})")
    return Features(builders[config]())


def _span_feature(label: datasets.ClassLabel) -> dict[str, Any]:
    """A labelled character span: offsets into its text, label, and the text it covers."""
    from datasets import Value

    return {"start": Value("int32"), "end": Value("int32"), "label": label, "text": Value("string")}


def _segments_features() -> dict[str, Any]:
    """``segments``: one source segment × one MT system, with its errors, references and scores."""
    from datasets import ClassLabel, List, Value

    string, int32, float64 = Value("string"), Value("int32"), Value("float64")
    error = {
        "start": int32,
        "end": int32,
        "category": ClassLabel(names=schema.mqm_category_names()),
        "severity": ClassLabel(names=schema.severity_names()),
        "text": string,
        "annotator": string,
        "comment": string,
        "side": string,
    }
    return {
        "doc_id": string,
        "seg_id": int32,
        "source": string,
        "system": string,
        "system_version": string,
        "mt": string,
        "reference": string,
        "reference_name": string,
        "references": List({"annotator": string, "text": string}),
        "errors": List(error),
        "mqm": float64,
        "bleu": float64,
        "chrf": float64,
        "ter": float64,
        "annotators": List(string),
        "n_raters": int32,
    }


def _documents_features() -> dict[str, Any]:
    """``documents``: one article with the primary annotation's entity and claim spans."""
    from datasets import ClassLabel, List, Value

    string = Value("string")
    return {
        "doc_id": string,
        "title": string,
        "text": string,
        "source_name": string,
        "entities": List(_span_feature(ClassLabel(names=schema.entity_values()))),
        "claims": List(_span_feature(ClassLabel(names=schema.claim_type_values()))),
        "annotator": string,
        "reviewed_final": Value("bool"),
        "started_from_suggestions": Value("bool"),
        "annotation_seconds": Value("float64"),
    }


def _ner_features() -> dict[str, Any]:
    """``ner``: one tokenised source sentence with BIO entity tags."""
    from datasets import ClassLabel, List, Value

    return {
        "doc_id": Value("string"),
        "seg_id": Value("int32"),
        "tokens": List(Value("string")),
        "ner_tags": List(ClassLabel(names=bio_tag_names())),
    }


def _claims_features() -> dict[str, Any]:
    """``claims``: one source sentence with its claim spans, types and BIO claim tags."""
    from datasets import ClassLabel, List, Value

    string = Value("string")
    return {
        "doc_id": string,
        "seg_id": Value("int32"),
        "text": string,
        "has_claim": Value("bool"),
        "claim_types": List(ClassLabel(names=schema.claim_type_values())),
        "claims": List(_span_feature(ClassLabel(names=schema.claim_type_values()))),
        "tokens": List(string),
        "claim_tags": List(ClassLabel(names=claim_tag_names())),
    }


def _word_qe_features() -> dict[str, Any]:
    """``word_qe``: one rated translation, tokenised, with OK/BAD and severity tags per token."""
    from datasets import ClassLabel, List, Value

    string, int32 = Value("string"), Value("int32")
    return {
        "doc_id": string,
        "seg_id": int32,
        "system": string,
        "system_version": string,
        "src_tokens": List(string),
        "src_tags": List(ClassLabel(names=WORD_TAG_NAMES)),
        "mt_tokens": List(string),
        "tags": List(ClassLabel(names=WORD_TAG_NAMES)),
        "severity_tags": List(ClassLabel(names=severity_tag_names())),
        "mqm": Value("float64"),
        "n_raters": int32,
    }


def _translation_features(languages: LanguagePair) -> dict[str, Any]:
    """``translation``: one source segment and its reference, keyed by the dataset's languages."""
    from datasets import Translation, Value

    return {
        "doc_id": Value("string"),
        "seg_id": Value("int32"),
        "translation": Translation(languages=[languages.source, languages.target]),
    }


def _systems_features() -> dict[str, Any]:
    """``systems``: one MT system's corpus scores with CIs, signatures and MQM over a split."""
    from datasets import Value

    string, int32, float64 = Value("string"), Value("int32"), Value("float64")
    return {
        "system": string,
        "version": string,
        "bleu": float64,
        "bleu_ci": float64,
        "chrf": float64,
        "chrf_ci": float64,
        "ter": float64,
        "ter_ci": float64,
        "signatures": {"bleu": string, "chrf": string, "ter": string},
        "reference_name": string,
        "mqm": float64,
        "mqm_ci": float64,
        "n_segments": int32,
        "n_scored": int32,
        "n_rated": int32,
    }


def _esa_features() -> dict[str, Any]:
    """``esa``: one ESA rating with its score and its minor/major spans (an omission has no offsets)."""
    from datasets import ClassLabel, List, Value

    string, int32, float32 = Value("string"), Value("int32"), Value("float32")
    span = {"start": int32, "end": int32, "severity": ClassLabel(names=esa_severity_names()), "omission": Value("bool")}
    return {
        "doc_id": string,
        "seg_id": int32,
        "system": string,
        "annotator": string,
        "score": float32,
        "spans": List(span),
        "source": string,
        "target": string,
        "domain": string,
        "source_language": string,
        "target_language": string,
        "seconds": float32,
    }


def _esa_systems_features() -> dict[str, Any]:
    """``esa_systems``: one system of one language pair, scored by WMT24's ESA rules over a split."""
    from datasets import Value

    string, int32 = Value("string"), Value("int32")
    return {
        "source_language": string,
        "target_language": string,
        "system": string,
        "score": Value("float64"),
        "score_ci": Value("float64"),
        "rank_best": int32,
        "rank_worst": int32,
        "cluster": int32,
        "n_items": int32,
        "n_ratings": int32,
    }


def arrow_schema(config: str, languages: LanguagePair = SPANISH_ENGLISH) -> pa.Schema:
    """The Arrow schema of a config's parquet files, carrying the HF features in its metadata."""
    return config_features(config, languages).arrow_schema
