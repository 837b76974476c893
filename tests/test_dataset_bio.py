"""Character spans → BIO tags with spaCy's real Spanish tokenizer: a table of cases, each with the
tags it must produce and the adaptations it must count (never a silent drop)."""

from __future__ import annotations

import pytest

from annotate.dataset.bio import BioTagger
from annotate.dataset.features import bio_tag_names, claim_tag_names
from annotate.records import Segment, Span

SENTENCE = "El presidente de Rusia, Vladímir Putin, llegará a Corea del Norte el martes."
NAMES = bio_tag_names()


def at(sub: str, label: str, text: str = SENTENCE) -> Span:
    start = text.index(sub)
    return Span(start, start + len(sub), label, sub)


@pytest.fixture(scope="module")
def tagger() -> BioTagger:
    return BioTagger()


def tagged(tagger: BioTagger, spans: list[Span]) -> tuple[dict[str, str], dict[str, int]]:
    segment = Segment("d", 1, 0, 0, len(SENTENCE), SENTENCE)
    [(tokens, tags, _)], stats = tagger.tag_document([segment], spans)
    return {token: NAMES[tag] for token, tag in zip(tokens, tags) if tag}, stats.as_dict()


CASES = [
    # id, spans, expected non-O tags, expected non-zero counts (besides spans/tagged)
    ("aligned", [at("Vladímir Putin", "PER")], {"Vladímir": "B-PER", "Putin": "I-PER"}, {}),
    ("punctuation is its own token", [at("Rusia", "LOC")], {"Rusia": "B-LOC"}, {}),
    ("inside a token → expanded", [at("ladímir Put", "PER")], {"Vladímir": "B-PER", "Putin": "I-PER"},
     {"expanded": 1}),
    ("span ending on punctuation covers its token", [at("Rusia,", "LOC")], {"Rusia": "B-LOC", ",": "I-LOC"},
     {"expanded": 0}),
    ("nested: longest wins", [at("Norte", "MISC"), at("Corea del Norte", "LOC")],
     {"Corea": "B-LOC", "del": "I-LOC", "Norte": "I-LOC"}, {"overlapping": 1}),
    ("same tokens: schema order wins (ORG before LOC)", [at("Rusia", "LOC"), at("Rusia", "ORG")],
     {"Rusia": "B-ORG"}, {"overlapping": 1}),
    ("partial overlap: longer wins", [at("de Rusia", "MISC"), at("Rusia, Vladímir Putin", "PER")],
     {"Rusia": "B-PER", ",": "I-PER", "Vladímir": "I-PER", "Putin": "I-PER"}, {"overlapping": 1}),
    ("only whitespace", [Span(2, 3, "DATE", " ")], {}, {"without_tokens": 1}),
]


@pytest.mark.parametrize("spans, expected_tags, expected_counts", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_span_to_bio(tagger, spans, expected_tags, expected_counts):
    tags, counts = tagged(tagger, spans)
    assert tags == expected_tags
    adaptations = {k: v for k, v in counts.items() if k not in ("spans", "tagged") and v}
    assert adaptations == {k: v for k, v in expected_counts.items() if v}
    assert counts["spans"] == len(spans)
    assert counts["tagged"] + counts["overlapping"] + counts["without_tokens"] == counts["spans"]


def test_tokens_are_spacy_spanish_tokens_without_whitespace(tagger):
    text = "«Es  EE.UU.», dijo; 6.700 contenedores."
    [(tokens, tags, _)], _ = tagger.tag_document([Segment("d", 1, 0, 0, len(text), text)], [])
    assert tokens == ["«", "Es", "EE.UU.", "»", ",", "dijo", ";", "6.700", "contenedores", "."]
    assert tags == [0] * len(tokens)


def test_document_spans_split_across_segments(tagger):
    first, second = "Llegó Kim Jong", "Un a Rusia."
    text = f"Título\n\n{first} {second}"
    segments = [Segment("d", 1, 1, 8, 8 + len(first), first),
                Segment("d", 2, 1, 9 + len(first), len(text), second)]
    spans = [at("Kim Jong Un", "PER", text), at("Título", "MISC", text), at("Rusia", "LOC", text)]
    tagged_segments, stats = tagger.tag_document(segments, spans)
    assert [[NAMES[t] for t in sentence.tags] for sentence in tagged_segments] == [
        ["O", "B-PER", "I-PER"], ["B-PER", "O", "B-LOC", "O"]]
    assert (stats.crossing_segments, stats.outside_segments) == (1, 1)
    # each segment's share of the spans, in offsets into the segment's own text
    assert [sentence.spans for sentence in tagged_segments] == [[(6, 14, "PER")], [(0, 2, "PER"), (5, 10, "LOC")]]


def test_claim_types_tagger_uses_claim_tags_and_keeps_overlapping_spans():
    """The claims config's tagger: BIO over claim types; the tags keep the longest of nested claims,
    the clipped spans keep every claim that covers a token (the `claims` column lists them all)."""
    claim_tagger = BioTagger("es", ["Event", "Quantity", "Quote", "Relation", "Prediction"])
    text = "Putin llegará el martes para una visita de dos días. "
    event, quantity = at("Putin llegará el martes para una visita de dos días", "Event", text), at("dos días", "Quantity", text)
    blank = Span(len(text) - 1, len(text), "Quote", " ")
    [sentence], stats = claim_tagger.tag_document([Segment("d", 1, 0, 0, len(text), text)], [quantity, event, blank])
    names = claim_tag_names()
    assert [names[t] for t in sentence.tags] == ["B-Event"] + ["I-Event"] * 9 + ["O"]
    assert sentence.spans == [(quantity.start, quantity.end, "Quantity"), (event.start, event.end, "Event")]
    assert (stats.tagged, stats.overlapping, stats.without_tokens) == (1, 1, 1)


def test_tagger_refuses_a_label_outside_its_labels():
    with pytest.raises(KeyError):
        BioTagger("es", ["Event"]).tag_document([Segment("d", 1, 0, 0, len(SENTENCE), SENTENCE)],
                                                [at("Rusia", "LOC")])
