"""Synthetic annotated documents shared by the scoring and report tests (no tests here): three
systems of different quality, two annotators who rated the same translations (so agreement is
defined), post-edits as references, and text that must be escaped in HTML (<script>, &, quotes)."""

from __future__ import annotations

from annotate.records import (
    AnnotatedDocument,
    DocumentAnnotation,
    ErrorSpan,
    PostEdit,
    Segment,
    SegmentRating,
    Span,
    Translation,
)

SOURCES = [
    "El presidente de Rusia llegará a Corea del Norte el martes.",
    "Los dos líderes firmarán un acuerdo de cooperación.",
    "La visita durará dos días, según la agencia KCNA.",
    "Es la primera visita desde el año 2000.",
    "Los analistas esperan anuncios sobre energía y transporte.",
    "El Kremlin no dio más detalles.",
]
REFERENCES = [
    "The president of Russia will arrive in North Korea on Tuesday.",
    "The two leaders will sign a cooperation agreement.",
    "The visit will last two days, according to the KCNA agency.",
    "It is the first visit since 2000.",
    "Analysts expect announcements on energy and transport.",
    "The Kremlin gave no further details.",
]
# good: close to the references; base: a few slips; weak: literal, with a dangerous-looking string
SYSTEMS = {
    "base": [
        "The president of Russia will arrive to North Korea the Tuesday.",
        "The two leaders will sign an agreement of cooperation.",
        "The visit will last two days, according to the agency KCNA.",
        "It is the first visit since the year 2000.",
        "The analysts expect announcements on energy and transport.",
        "The Kremlin did not give more details.",
    ],
    "good": list(REFERENCES[:3]) + [
        "It is the first visit since the year 2000.",
        "Analysts expect announcements about energy and transport.",
        "The Kremlin gave no more details.",
    ],
    "weak": [
        "The president of Russia <script>alert(1)</script> arrive North Korea & Tuesday.",
        "The two leaders signed cooperation.",
        "Visit lasts two days, agency KCNA \"says\".",
        "Is the first visit from year 2000.",
        "The analysts hope announces about energy and transport.",
        "Kremlin no gave more details.",
    ],
}
VERSIONS = {"base": "apertium-eng-spa 0.8", "good": "argos es_en 1.9", "weak": "toy 0.1"}

# (system, doc index, seg_id) → errors per annotator: (substring of the MT, category, severity)
ERRORS = {
    ("base", 0, 1): {"ann-a": [("arrive to", "Fluency/Grammar", "Minor"), ("the Tuesday", "Fluency/Grammar", "Minor")],
                     "ann-b": [("arrive to", "Fluency/Grammar", "Minor")]},
    ("base", 0, 2): {"ann-a": [("an agreement of cooperation", "Style/Awkward", "Minor")], "ann-b": []},
    ("base", 1, 1): {"ann-a": [("since the year 2000", "Style/Awkward", "Minor")],
                     "ann-b": [("the year", "Style/Awkward", "Major")]},
    ("weak", 0, 1): {"ann-a": [("<script>alert(1)</script>", "Accuracy/Addition", "Major"),
                               ("& Tuesday", "Accuracy/Mistranslation", "Major")],
                     "ann-b": [("<script>alert(1)</script>", "Accuracy/Addition", "Major"),
                               ("", "Accuracy/Omission", "Major")]},
    ("weak", 0, 2): {"ann-a": [("signed", "Accuracy/Mistranslation", "Major"), ("cooperation", "Accuracy/Omission", "Minor")],
                     "ann-b": [("signed", "Accuracy/Mistranslation", "Major")]},
    ("weak", 0, 3): {"ann-a": [("\"says\"", "Accuracy/Addition", "Minor"), (".", "Fluency/Punctuation", "Minor")],
                     "ann-b": [("Visit lasts", "Fluency/Grammar", "Minor")]},
    ("weak", 1, 1): {"ann-a": [("Is the first visit from year 2000.", "Non-translation!", "Major")],
                     "ann-b": [("from", "Accuracy/Mistranslation", "Major")]},
    ("weak", 1, 2): {"ann-a": [("hope announces", "Accuracy/Mistranslation", "Major")],
                     "ann-b": [("hope announces", "Accuracy/Mistranslation", "Minor")]},
    ("weak", 1, 3): {"ann-a": [("no gave", "Fluency/Grammar", "Major")], "ann-b": [("no gave", "Fluency/Grammar", "Major")]},
    ("good", 1, 3): {"ann-a": [("no more", "Style/Awkward", "Neutral")], "ann-b": []},
}
ENTITIES = {"ann-a": [("Rusia", "LOC"), ("Corea del Norte", "LOC"), ("KCNA", "ORG"), ("el martes", "DATE")],
            "ann-b": [("Rusia", "LOC"), ("Corea del Norte", "LOC"), ("agencia KCNA", "ORG")]}


def synthetic_documents(annotators: tuple[str, ...] = ("ann-a", "ann-b")) -> list[AnnotatedDocument]:
    """Two documents of three segments each, three systems, every translation rated by every
    annotator, post-edits = REFERENCES (ann-b's post-edit of segment 1 differs slightly)."""
    docs = []
    for d in range(2):
        doc_id = f"doc-{d + 1}"
        sources = SOURCES[3 * d:3 * d + 3]
        text = "\n\n".join(sources)
        segments, offset = [], 0
        for i, src in enumerate(sources):
            segments.append(Segment(doc_id=doc_id, seg_id=i + 1, paragraph=i, start=offset, end=offset + len(src), text=src))
            offset += len(src) + 2
        translations = [Translation(doc_id=doc_id, seg_id=i + 1, system=system, system_version=VERSIONS[system],
                                    source=sources[i], mt=mts[3 * d + i])
                        for system, mts in SYSTEMS.items() for i in range(3)]
        annotations = []
        for k, annotator in enumerate(annotators):
            ratings = []
            for t in translations:
                errors = []
                for snippet, category, severity in ERRORS.get((t.system, d, t.seg_id), {}).get(annotator, []):
                    start = t.mt.index(snippet) if snippet else len(t.mt) - 1
                    errors.append(ErrorSpan(start, start + len(snippet), category, severity, snippet))
                ratings.append(SegmentRating(system=t.system, doc_id=doc_id, seg_id=t.seg_id, rater=annotator,
                                             source=t.source, target=t.mt, errors=errors))
            entities = [Span(text.index(s), text.index(s) + len(s), label, s)
                        for s, label in ENTITIES.get(annotator, []) if s in text]
            post_edits = [PostEdit(seg_id=i + 1, text=REFERENCES[3 * d + i] if k == 0 or i else
                                   REFERENCES[3 * d + i].replace("The ", "the ", 1).capitalize())
                          for i in range(3)]
            annotations.append(DocumentAnnotation(doc_id=doc_id, annotator=annotator, status="completed",
                                                  entities=entities, ratings=ratings, post_edits=post_edits))
        docs.append(AnnotatedDocument(doc_id=doc_id, title=f"Synthetic article {d + 1}", text=text,
                                      source_name=f"synthetic-{d + 1}.txt", segments=segments,
                                      translations=translations, annotations=annotations))
    return docs
