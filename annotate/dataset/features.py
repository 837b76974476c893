"""Typed features of every dataset config, derived from annotate.schema (never a hard-coded label list).

ClassLabel columns are stored as int64 indexes into the schema's label order; the Hugging Face
features travel in two places so that ``load_dataset`` returns them typed whichever it reads
first: the ``huggingface`` key of each parquet file's schema metadata and ``dataset_info`` in the
card's YAML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotate import schema

if TYPE_CHECKING:
    import pyarrow as pa

    import datasets

SOURCE_LANGUAGE = "es"
TARGET_LANGUAGE = "en"

SEGMENTS, DOCUMENTS, NER, TRANSLATION, SYSTEMS = "segments", "documents", "ner", "translation", "systems"
CONFIG_NAMES: tuple[str, ...] = (SEGMENTS, DOCUMENTS, NER, TRANSLATION, SYSTEMS)
DEFAULT_CONFIG = SEGMENTS

# One sentence per config for the card: what one row is.
CONFIG_ROW_DESCRIPTIONS: dict[str, str] = {
    SEGMENTS: "one source segment × one MT system, with MQM errors, post-edited reference and scores",
    DOCUMENTS: "one article, with its entity and claim spans",
    NER: "one source sentence, tokenised, with BIO entity tags",
    TRANSLATION: "one source segment with its post-edited English reference (parallel text)",
    SYSTEMS: "one MT system (name + version), with corpus scores and MQM over the split",
}


def bio_tag_names() -> list[str]:
    """CoNLL-style BIO tags from the schema's entity labels: O, B-PER, I-PER, B-ORG, I-ORG, …"""
    return ["O"] + [f"{prefix}-{label}" for label in schema.entity_values() for prefix in ("B", "I")]


def label_index(names: list[str]) -> dict[str, int]:
    """Name → ClassLabel index, in the given (schema) order."""
    return {name: index for index, name in enumerate(names)}


def config_features(config: str) -> datasets.Features:
    """The Hugging Face ``Features`` of one config (raises KeyError naming an unknown config)."""
    from datasets import ClassLabel, Features, List, Translation, Value

    string, int32, float64 = Value("string"), Value("int32"), Value("float64")

    def span(label: ClassLabel) -> dict:
        return {"start": int32, "end": int32, "label": label, "text": string}

    builders = {
        SEGMENTS: lambda: {
            "doc_id": string,
            "seg_id": int32,
            "source": string,
            "system": string,
            "system_version": string,
            "mt": string,
            "reference": string,
            "references": List({"annotator": string, "text": string}),
            "errors": List(
                {
                    "start": int32,
                    "end": int32,
                    "category": ClassLabel(names=schema.mqm_category_names()),
                    "severity": ClassLabel(names=schema.severity_names()),
                    "text": string,
                    "annotator": string,
                    "comment": string,
                    "side": string,
                }
            ),
            "mqm": float64,
            "bleu": float64,
            "chrf": float64,
            "ter": float64,
            "annotators": List(string),
            "n_raters": int32,
        },
        DOCUMENTS: lambda: {
            "doc_id": string,
            "title": string,
            "text": string,
            "source_name": string,
            "entities": List(span(ClassLabel(names=schema.entity_values()))),
            "claims": List(span(ClassLabel(names=schema.claim_type_values()))),
            "annotator": string,
        },
        NER: lambda: {
            "doc_id": string,
            "seg_id": int32,
            "tokens": List(string),
            "ner_tags": List(ClassLabel(names=bio_tag_names())),
        },
        TRANSLATION: lambda: {
            "doc_id": string,
            "seg_id": int32,
            "translation": Translation(languages=[SOURCE_LANGUAGE, TARGET_LANGUAGE]),
        },
        SYSTEMS: lambda: {
            "system": string,
            "version": string,
            "bleu": float64,
            "bleu_ci": float64,
            "chrf": float64,
            "chrf_ci": float64,
            "ter": float64,
            "ter_ci": float64,
            "signatures": {"bleu": string, "chrf": string, "ter": string},
            "mqm": float64,
            "mqm_ci": float64,
            "n_segments": int32,
            "n_scored": int32,
            "n_rated": int32,
        },
    }
    if config not in builders:
        raise KeyError(f"unknown dataset config {config!r} (known: {', '.join(CONFIG_NAMES)})")
    return Features(builders[config]())


def arrow_schema(config: str) -> pa.Schema:
    """The Arrow schema of a config's parquet files, carrying the HF features in its metadata."""
    return config_features(config).arrow_schema
