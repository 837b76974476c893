"""Deterministic synthetic annotated documents (Spanish news-like sentences with entities, claims,
two MT systems, MQM ratings and post-edits) for benchmarks and tests at sizes the five seed
articles cannot reach. Every span is built from the text it indexes, so they pass validation."""

from __future__ import annotations

import random
from collections.abc import Iterator

from annotate.records import (
    PARAGRAPH_SEPARATOR,
    AnnotatedDocument,
    DocumentAnnotation,
    ErrorSpan,
    PostEdit,
    Segment,
    SegmentRating,
    Span,
    Translation,
)

_PEOPLE = ["Vladímir Putin", "Kim Jong Un", "Serguéi Lavrov", "Antony Blinken", "Xi Jinping", "Yoon Suk Yeol"]
_PLACES = [("Corea del Norte", "North Korea"), ("Rusia", "Russia"), ("Pyongyang", "Pyongyang"),
           ("Vladivostok", "Vladivostok"), ("Washington", "Washington"), ("Seúl", "Seoul")]
_DAYS = [("el martes", "on Tuesday"), ("el lunes", "on Monday"), ("en julio", "in July")]
_AMOUNTS = [("dos días", "two days"), ("6.700 contenedores", "6,700 containers"), ("680 kilómetros", "680 kilometres")]
SYSTEMS = (("apertium", "apertium-eng-spa 0.8.2"), ("argos", "translate-es_en 1.9"))


def _sentence(rng: random.Random, number: int | None = None) -> tuple[str, list[tuple[str, str]], str, str]:
    """(Spanish sentence, [(entity text, label)], reference English, literal MT-like English);
    ``number`` makes the amount (and so the sentence) unique."""
    person = rng.choice(_PEOPLE)
    (place_es, place_en), (day_es, day_en), (amount_es, amount_en) = (
        rng.choice(_PLACES), rng.choice(_DAYS), rng.choice(_AMOUNTS))
    if number is not None:
        amount_es, amount_en = f"{number} contenedores", f"{number} containers"
    spanish = f"{person} llegará a {place_es} {day_es} para una visita de {amount_es}."
    entities = [(person, "PER"), (place_es, "LOC"), (day_es, "DATE"), (amount_es, "QUANTITY")]
    reference = f"{person} will arrive in {place_en} {day_en} for a visit of {amount_en}."
    literal = f"{person} will arrive to {place_en} the {day_en.split()[-1]} for a visit of {amount_en}."
    return spanish, entities, reference, literal


def synthetic_document(index: int, *, segments: int = 4, seed: int = 0, annotators: int = 1,
                       distinct: bool = False) -> AnnotatedDocument:
    """One annotated document; the same (index, seed) always gives the same document. Sentences
    repeat across documents (a few hundred combinations) unless ``distinct``: then each sentence
    carries its own number, as real news does (benchmarks of work done per distinct sentence)."""
    rng = random.Random(f"{seed}:{index}")
    doc_id = f"synthetic-{seed}-{index:07d}"
    title = f"Visita oficial número {index}"
    sentences = [_sentence(rng, index * segments + n if distinct else None) for n in range(segments)]
    text = PARAGRAPH_SEPARATOR.join([title, *(s[0] for s in sentences)])
    segment_records, entities, translations = [], [], []
    offset = len(title) + len(PARAGRAPH_SEPARATOR)
    for seg_id, (spanish, sentence_entities, reference, literal) in enumerate(sentences, 1):
        segment_records.append(Segment(doc_id, seg_id, seg_id, offset, offset + len(spanish), spanish))
        for entity_text, label in sentence_entities:
            start = offset + spanish.index(entity_text)
            entities.append(Span(start, start + len(entity_text), label, entity_text))
        for (system, version), mt in zip(SYSTEMS, (literal, reference)):
            translations.append(Translation(doc_id, seg_id, system, version, spanish, mt))
        offset += len(spanish) + len(PARAGRAPH_SEPARATOR)
    claim_text = segment_records[0].text.rstrip(".")
    claims = [Span(segment_records[0].start, segment_records[0].start + len(claim_text), "Event", claim_text)]
    annotations = []
    for number in range(annotators):
        rater = f"annotator-{number:02d}"
        ratings = []
        for translation in translations:
            errors = []
            if translation.system == "apertium" and " to " in translation.mt:
                start = translation.mt.index(" to ") + 1
                errors.append(ErrorSpan(start, start + 2, "Fluency/Grammar", rng.choice(["Minor", "Major"]), "to"))
            ratings.append(SegmentRating(translation.system, doc_id, translation.seg_id, rater,
                                         translation.source, translation.mt, errors))
        post_edits = [PostEdit(seg_id, sentences[seg_id - 1][2]) for seg_id in range(1, segments + 1)]
        annotations.append(DocumentAnnotation(doc_id, rater, "completed", index, index * 10 + number, entities,
                                              claims, ratings, post_edits, f"2024-06-{1 + number:02d}T00:00:00Z"))
    return AnnotatedDocument(doc_id, title, text, f"{doc_id}.txt", segment_records, translations, annotations)


def synthetic_documents(
    count: int, *, segments: int = 4, seed: int = 0, annotators: int = 1, distinct: bool = False
) -> Iterator[AnnotatedDocument]:
    """``count`` synthetic documents, generated lazily (``distinct``: see synthetic_document)."""
    for index in range(count):
        yield synthetic_document(index, segments=segments, seed=seed, annotators=annotators, distinct=distinct)
