"""The gold annotations of the seed articles (seeds/gold/*.yaml, loaded by scripts/gold.py) against
the real pipeline: ingest → segment → Apertium. A changed sentence, MT output or anchor must fail."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from annotate import schema
from annotate.records import AnnotatedDocument

REPO = Path(__file__).resolve().parent.parent
GOLD_DIR = REPO / "seeds" / "gold"

_spec = importlib.util.spec_from_file_location("gold", REPO / "scripts" / "gold.py")
gold = importlib.util.module_from_spec(_spec)
sys.modules["gold"] = gold  # dataclasses look their module up while the file executes
_spec.loader.exec_module(gold)  # type: ignore[union-attr]

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None, reason="apertium not installed (scripts/setup.sh installs it)"
)


# ── anchors: a table of (anchor, text, expected offsets) ─────────────────────────────────────

ANCHORS = [
    ("Putin", "Putin visita Corea", (0, 5)),
    ("his", "This is his car", (8, 11)),  # not inside "This"
    ("his#2", "his car and his dog", (12, 15)),
    ("his#1", "his car and his dog", (0, 3)),
    ("Kim#2", "Kim Jong Un y Kim", (14, 17)),  # "Kim" of "Kim Jong Un" counts: a whole word
    ("  ", "will gather  with", (11, 13)),  # whitespace needles may touch words
    (" ,", "revealed , although", (8, 10)),
    ("«#1", "«a» y «b»", (0, 1)),
    ("Septiembre pasado", "de Kim Septiembre pasadoEl líder", (7, 24)),  # run-on: substring fallback
    ("C#", "C# y C", (0, 2)),  # "#" not followed by digits is literal text
    ("x#2#1", "a x#2 b", (2, 5)),  # a text ending in #<digits> takes an explicit #1
]


@pytest.mark.parametrize("anchor, text, expected", ANCHORS)
def test_resolve_anchor(anchor: str, text: str, expected: tuple[int, int]) -> None:
    assert gold.resolve_anchor(anchor, text) == expected


ANCHOR_ERRORS = [
    ("his", "his car and his dog", "occurs 2 times"),  # ambiguous: never a silent first match
    ("Kim#3", "Kim y Kim", "occurs only 2"),
    ("Moscú", "Putin visita Corea", "not found"),
    ("", "Putin", "non-empty"),
    ("#2", "a #2", "no text"),
]


@pytest.mark.parametrize("anchor, text, message", ANCHOR_ERRORS)
def test_resolve_anchor_errors(anchor: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gold.resolve_anchor(anchor, text)


@pytest.mark.parametrize("text", ["his car and his dog and This", "Kim y Kim Jong Un, Kim", "a  b  c"])
def test_anchor_for_inverts_resolve(text: str) -> None:
    for needle in ("his", "Kim", "  "):
        for start in gold._occurrences(needle, text):
            assert gold.resolve_anchor(gold.anchor_for(needle, start, text), text) == (start, start + len(needle))


# ── the gold files on their own ───────────────────────────────────────────────────────────────


def test_every_seed_has_a_gold_file(seed_paths: list[Path]) -> None:
    assert seed_paths, "no seeds"
    assert sorted(p.stem for p in GOLD_DIR.glob("*.yaml")) == sorted(p.stem for p in seed_paths)


@pytest.mark.parametrize("path", sorted(GOLD_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_gold_file_is_complete_and_valid(path: Path) -> None:
    parsed, problems = gold.read_gold_file(path)
    assert problems == []
    assert parsed.doc == path.stem + ".txt"
    assert "@" not in parsed.annotator
    for seg in parsed.segments:
        assert seg.post_edit and seg.post_edit == seg.post_edit.strip(), seg.seg
        assert all(e.text == seg.mt[e.start : e.end] and e.end > e.start for e in seg.errors), seg.seg
        assert all(s.text == seg.source[s.start : s.end] for s in seg.entities + seg.claims), seg.seg
        # Post-edits are English: never the Spanish source or the raw MT passed off as a reference.
        assert seg.post_edit != seg.source


# ── against the real pipeline ─────────────────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def pipeline(seed_paths: list[Path]) -> tuple[list, list, list]:
    """Articles, segments and Apertium translations of the seeds, from the project's modules."""
    return gold.run_pipeline(seed_paths[0].parent)


@pytest.fixture(scope="session")
def documents(pipeline: tuple[list, list, list]) -> list[AnnotatedDocument]:
    return gold.load_gold(GOLD_DIR, *pipeline)


@needs_apertium
def test_every_anchor_resolves_against_the_pipeline(documents: list[AnnotatedDocument]) -> None:
    assert len(documents) == len(list(GOLD_DIR.glob("*.yaml")))


@needs_apertium
def test_every_segment_has_a_post_edit_and_an_mqm_judgement(documents: list[AnnotatedDocument]) -> None:
    for doc in documents:
        (annotation,) = doc.annotations
        seg_ids = [s.seg_id for s in doc.segments]
        assert seg_ids == list(range(1, len(seg_ids) + 1))
        assert [p.seg_id for p in annotation.post_edits] == seg_ids, doc.source_name
        for system in ("apertium", "apertium-via-cat"):  # both columns judged on every segment
            assert [r.seg_id for r in annotation.ratings if r.system == system] == seg_ids, (doc.source_name, system)
        assert {r.system for r in annotation.ratings} == {"apertium", "apertium-via-cat"}
        assert annotation.status == "completed" and annotation.annotator == "gold-annotator-1"


@needs_apertium
def test_every_span_is_its_text(documents: list[AnnotatedDocument]) -> None:
    for doc in documents:
        (annotation,) = doc.annotations
        mts = {(t.system, t.seg_id): t.mt for t in doc.translations}
        for span in annotation.entities + annotation.claims:
            assert doc.text[span.start : span.end] == span.text, (doc.source_name, span)
            # a span never crosses a segment boundary
            assert any(s.start <= span.start and span.end <= s.end for s in doc.segments), span
        for rating in annotation.ratings:
            assert rating.target == mts[(rating.system, rating.seg_id)]
            for error in rating.errors:
                marked = rating.source if error.side == "source" else rating.target
                assert marked[error.start : error.end] == error.text, (doc.source_name, rating.seg_id)


@needs_apertium
def test_label_values_are_all_in_the_schema(documents: list[AnnotatedDocument]) -> None:
    annotations = [a for d in documents for a in d.annotations]
    entity_labels = {s.label for a in annotations for s in a.entities}
    claim_types = {s.label for a in annotations for s in a.claims}
    errors = [e for a in annotations for r in a.ratings for e in r.errors]
    assert entity_labels <= set(schema.entity_values())
    assert claim_types <= set(schema.claim_type_values())
    assert {e.category for e in errors} <= set(schema.mqm_category_names())
    assert {e.severity for e in errors} <= set(schema.severity_names())
    # The gold set exercises every entity label and claim type (it is also a fixture for others).
    assert entity_labels == set(schema.entity_values())
    assert claim_types == set(schema.claim_type_values())


@needs_apertium
def test_records_round_trip_through_json(documents: list[AnnotatedDocument]) -> None:
    for doc in documents:
        assert AnnotatedDocument.from_json(doc.to_json()) == doc


# ── failing loudly: each defect is reported with doc, segment and text ───────────────────────

FIRST = "000_ad44c9bdf5348be7.yaml"

DEFECTS = [
    # (what the file says → what it is changed to, expected words in the error)
    ('source: "Putin acepta invitación de Kim Jong Un para visitar Corea del Norte"',
     'source: "Putin acepta la invitación de Kim Jong Un para visitar Corea del Norte"',
     ["seg 1", "source changed", "acepta la invitación"]),
    ('mt: "Putin accepts invitation of Kim Jong A to visit North Korea"',
     'mt: "Putin accepts the invitation of Kim Jong A to visit North Korea"',
     ["seg 1", "apertium output changed"]),
    ('[PER, "Kim Jong Un"], [LOC, "Corea del Norte"]]', '[PER, "Kim Jong-un"], [LOC, "Corea del Norte"]]',
     ["seg 1", "'Kim Jong-un' not found"]),
    ('[[PER, "Putin"], [PER, "Kim Jong Un"]', '[[PERSON, "Putin"], [PER, "Kim Jong Un"]', ["unknown entity 'PERSON'"]),
    ('["Accuracy/Mistranslation", Major, "Kim Jong A"', '["Accuracy/Mistranslation", Critical, "Kim Jong A"',
     ["unknown severity 'Critical'"]),
    ('    post_edit: "Putin accepts Kim Jong Un\'s invitation to visit North Korea"\n', "", ["seg 1", "no post-edit"]),
    ('["Accuracy/Mistranslation", Major, "Kim Jong A"', '["Accuracy/Mistranslation", Major, {source: "Kim Jong Un"}',
     ["seg 1", "'Accuracy/Mistranslation' cannot be marked in the source (only Accuracy/Omission, Source error)"]),
    ('["Accuracy/Mistranslation", Major, "Kim Jong A"', '["Accuracy/Omission", Major, {source: "Kim Jong Ung"}',
     ["seg 1 source: anchor 'Kim Jong Ung' not found"]),
]


@needs_apertium
@pytest.mark.parametrize("before, after, expected", DEFECTS)
def test_defects_fail_loudly(
    tmp_path: Path, pipeline: tuple[list, list, list], before: str, after: str, expected: list[str]
) -> None:
    text = (GOLD_DIR / FIRST).read_text(encoding="utf-8")
    assert before in text
    (tmp_path / FIRST).write_text(text.replace(before, after, 1), encoding="utf-8")
    with pytest.raises(gold.GoldError) as info:
        gold.load_gold(tmp_path, *pipeline)
    message = str(info.value)
    assert FIRST in message
    for words in expected:
        assert words in message


@needs_apertium
def test_an_omission_is_anchored_on_the_source_words_the_translation_lost(
    tmp_path: Path, pipeline: tuple[list, list, list]
) -> None:
    text = (GOLD_DIR / FIRST).read_text(encoding="utf-8")
    before = '["Accuracy/Mistranslation", Major, "Kim Jong A"'
    (tmp_path / FIRST).write_text(text.replace(before, '["Accuracy/Omission", Minor, {source: "visitar"}', 1),
                                  encoding="utf-8")
    (doc,) = [d for d in gold.load_gold(tmp_path, *pipeline) if d.source_name == FIRST.replace(".yaml", ".txt")]
    (rating,) = [r for r in doc.annotations[0].ratings if r.seg_id == 1]
    (omission,) = [e for e in rating.errors if e.category == "Accuracy/Omission"]
    assert (omission.side, omission.text, rating.source[omission.start:omission.end]) == ("source", "visitar", "visitar")


@needs_apertium
def test_a_missing_segment_fails_loudly(tmp_path: Path, pipeline: tuple[list, list, list]) -> None:
    text = (GOLD_DIR / FIRST).read_text(encoding="utf-8")
    cut = text.index("  - seg: 17")
    (tmp_path / FIRST).write_text(text[:cut], encoding="utf-8")
    with pytest.raises(gold.GoldError, match="16 gold segments but the pipeline has 17"):
        gold.load_gold(tmp_path, *pipeline)


@needs_apertium
def test_skeleton_matches_the_pipeline_and_asks_for_the_annotation(
    tmp_path: Path, pipeline: tuple[list, list, list]
) -> None:
    articles, segments, translations = pipeline
    article = articles[0]
    segs = [s for s in segments if s.doc_id == article.doc_id]
    mts = {t.seg_id: t.mt for t in translations if t.doc_id == article.doc_id}
    path = tmp_path / f"{Path(article.source_name).stem}.yaml"
    path.write_text(gold.skeleton_yaml(article, segs, mts), encoding="utf-8")

    draft, problems = gold.read_gold_file(path, require_complete=False)
    assert problems == []
    assert [(g.source, g.mt) for g in draft.segments] == [(s.text, mts[s.seg_id]) for s in segs]
    _, problems = gold.read_gold_file(path)
    assert len(problems) == 2 * len(segs)  # each segment: no MQM judgement, no post-edit
    with pytest.raises(gold.GoldError, match="no MQM judgement"):
        gold.load_gold(tmp_path, *pipeline)
