"""The dataset builder end to end: records → folder → datasets.load_dataset (offline, real parquet
builder), typed features, selection rules, reproducibility, safety of the previous build."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from annotate.dataset import CONFIG_NAMES, DatasetBuildError, build_dataset
from annotate.dataset.splits import hash_split
from annotate.dataset.synthetic import synthetic_documents
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

TITLE = "Putin visita Corea del Norte"
BODY = "El presidente de Rusia, Vladímir Putin, llegará a Pyongyang el martes."
TEXT = f"{TITLE}\n\n{BODY}"
MT = {
    ("apertium", 1): "Putin visit North Korea",
    ("apertium", 2): "The president of Russia, Vladimir Putin, will arrive to Pyongyang the Tuesday.",
    ("argos", 1): "Putin visits North Korea",
    ("argos", 2): "Russian President Vladimir Putin will arrive in Pyongyang on Tuesday.",
}
VERSIONS = {"apertium": "apertium-eng-spa 0.8.2", "argos": "translate-es_en 1.9"}


def span(text: str, sub: str, label: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(sub, start + 1)
    return Span(start, start + len(sub), label, sub)


def error(system: str, seg_id: int, sub: str, category: str, severity: str) -> ErrorSpan:
    mt = MT[(system, seg_id)]
    start = mt.index(sub)
    return ErrorSpan(start, start + len(sub), category, severity, sub)


def rating(system: str, seg_id: int, rater: str, *errors: ErrorSpan) -> SegmentRating:
    segment = SEGMENTS[seg_id - 1]
    return SegmentRating(system, "doc-a", seg_id, rater, segment.text, MT[(system, seg_id)], list(errors))


SEGMENTS = [
    Segment("doc-a", 1, 0, 0, len(TITLE), TITLE),
    Segment("doc-a", 2, 1, len(TITLE) + 2, len(TEXT), BODY),
]


def annotated_document(source_name: str = "000_putin.txt") -> AnnotatedDocument:
    """Two completed annotations (ana = latest = primary, ben) and one draft (cy)."""
    ana = DocumentAnnotation(
        "doc-a", "ana", "completed", 1, 11,
        entities=[span(TEXT, "Putin", "PER", 0), span(TEXT, "Corea del Norte", "LOC"), span(TEXT, "Rusia", "LOC"),
                  span(TEXT, "Vladímir Putin", "PER"), span(TEXT, "Pyongyang", "LOC"), span(TEXT, "el martes", "DATE")],
        claims=[span(TEXT, "Vladímir Putin, llegará a Pyongyang el martes", "Event")],
        ratings=[
            rating("apertium", 2, "ana", error("apertium", 2, "to", "Fluency/Grammar", "Minor"),
                   error("apertium", 2, ",", "Fluency/Punctuation", "Minor")),
            rating("argos", 2, "ana"),
        ],
        post_edits=[PostEdit(2, "Russian President Vladimir Putin will arrive in Pyongyang on Tuesday.")],
        updated_at="2024-06-02T10:00:00Z", parent_prediction=5, lead_time=312.5,
    )
    ben = DocumentAnnotation(
        "doc-a", "ben", "completed", 1, 12,
        entities=[span(TEXT, "Putin", "PER", 0)],
        ratings=[
            rating("apertium", 1, "ben", error("apertium", 1, "visit", "Non-translation!", "Minor")),
            rating("apertium", 2, "ben", error("apertium", 2, "the Tuesday", "Accuracy/Mistranslation", "Major")),
        ],
        post_edits=[PostEdit(1, "Putin visits North Korea"),
                    PostEdit(2, "The Russian president, Vladimir Putin, will arrive in Pyongyang on Tuesday.")],
        updated_at="2024-06-01T10:00:00Z",
    )
    draft = DocumentAnnotation("doc-a", "cy", "draft", 1, 13, entities=[span(TEXT, "Rusia", "ORG")])
    translations = [
        Translation("doc-a", seg_id, system, VERSIONS[system], SEGMENTS[seg_id - 1].text, mt)
        for (system, seg_id), mt in MT.items()
    ]
    return AnnotatedDocument("doc-a", TITLE, TEXT, source_name, list(SEGMENTS), translations, [ben, ana, draft])


def bare_document() -> AnnotatedDocument:
    """A translated document nobody annotated."""
    doc = annotated_document()
    return AnnotatedDocument("doc-b", doc.title, doc.text, "001.txt",
                             [Segment("doc-b", s.seg_id, s.paragraph, s.start, s.end, s.text) for s in doc.segments],
                             [Translation("doc-b", t.seg_id, t.system, t.system_version, t.source, t.mt)
                              for t in doc.translations])


def load(out: Path, config: str, cache: Path):
    import datasets

    return datasets.load_dataset(str(out), config, cache_dir=str(cache))


def load_all(out: Path, config: str, cache: Path):
    """Every row of a config whatever split its document fell in (splits follow the doc_id hash)."""
    import datasets

    return datasets.load_dataset(str(out), config, split="all", cache_dir=str(cache))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built")
    out = root / "datasets" / "putin"
    report = build_dataset([bare_document(), annotated_document()], out, name="putin")
    return out, report, root / "hf-cache"


def test_every_config_loads_offline_with_typed_features(built):
    from datasets import ClassLabel
    from datasets import Translation as TranslationFeature

    out, report, cache = built
    loaded = {config: load_all(out, config, cache) for config in CONFIG_NAMES}
    counts = {"segments": 8, "documents": 2, "ner": 2, "claims": 2, "word_qe": 3, "translation": 2, "systems": 2}
    assert {c: len(d) for c, d in loaded.items()} == counts
    split = hash_split("doc-a")  # both documents' split: "train" by the SHA-256 of their doc_ids
    assert hash_split("doc-b") == split == "train"
    assert report.counts == {c: {split: n} for c, n in counts.items()}
    errors = loaded["segments"].features["errors"].feature
    assert isinstance(errors["category"], ClassLabel) and isinstance(errors["severity"], ClassLabel)
    assert errors["severity"].names == ["Major", "Minor", "Neutral"]
    assert isinstance(loaded["documents"].features["entities"].feature["label"], ClassLabel)
    assert loaded["documents"].features["claims"].feature["label"].names[0] == "Event"
    tags = loaded["ner"].features["ner_tags"].feature
    assert isinstance(tags, ClassLabel) and tags.names[:3] == ["O", "B-PER", "I-PER"]
    claims = loaded["claims"].features
    assert claims["claim_tags"].feature.names[:3] == ["O", "B-Event", "I-Event"]
    assert claims["claim_types"].feature.names == claims["claims"].feature["label"].names
    assert claims["has_claim"].dtype == "bool"
    assert isinstance(loaded["translation"].features["translation"], TranslationFeature)
    assert loaded["word_qe"].features["tags"].feature.names == ["OK", "BAD"]
    assert loaded["word_qe"].features["severity_tags"].feature.names == ["OK", "Neutral", "Minor", "Major"]


WORD_QE_EXPECTATIONS = [
    # (seg_id, system, MT tokens, BAD tokens, severity tag per marked token)
    (1, "apertium", "Putin visit North Korea", {"visit"}, {"visit": "Minor"}),  # Non-translation! weighs 25
    # ana: "to" Minor, the first "," Minor punctuation (0.1 still weighs); ben: "the Tuesday" Major
    (2, "apertium", "The president of Russia , Vladimir Putin , will arrive to Pyongyang the Tuesday .",
     {",", "to", "the", "Tuesday"}, {",": "Minor", "to": "Minor", "the": "Major", "Tuesday": "Major"}),
    (2, "argos", "Russian President Vladimir Putin will arrive in Pyongyang on Tuesday .", set(), {}),
]


@pytest.mark.parametrize("seg_id, system, tokens, bad, severities", WORD_QE_EXPECTATIONS)
def test_word_qe_tags_follow_the_documented_rules(built, seg_id, system, tokens, bad, severities):
    out, report, cache = built
    rows = load_all(out, "word_qe", cache)
    (row,) = [r for r in rows if (r["doc_id"], r["seg_id"], r["system"]) == ("doc-a", seg_id, system)]
    assert row["mt_tokens"] == tokens.split() and row["src_tokens"][0] in ("Putin", "El")
    names = rows.features["severity_tags"].feature.names
    marked = [(token, tag, names[severity]) for token, tag, severity in
              zip(row["mt_tokens"], row["tags"], row["severity_tags"])]
    assert {token for token, tag, _ in marked if tag == 1} == bad
    assert {token: severity for token, _, severity in marked if severity != "OK"} == severities
    assert marked.count((",", 1, "Minor")) <= 1  # only the comma that was marked
    segments = load_all(out, "segments", cache)
    (segment,) = [r for r in segments if (r["doc_id"], r["seg_id"], r["system"]) == ("doc-a", seg_id, system)]
    assert row["mqm"] == segment["mqm"] and row["n_raters"] == segment["n_raters"] > 0
    assert report.word_tags["errors"] == 4 and report.word_tags["bad_tokens"] == 5


SEGMENT_EXPECTATIONS = [
    # (seg_id, system, reference author, mqm, raters)
    (1, "apertium", "ben", 25.0, ["ben"]),  # Non-translation! weighs 25 whatever the severity
    (1, "argos", "ben", None, []),
    (2, "apertium", "ana", (1.1 + 5.0) / 2, ["ana", "ben"]),  # ana: Minor 1 + Minor punctuation 0.1; ben: Major 5
    (2, "argos", "ana", 0.0, ["ana"]),  # rated without errors: No-error = 0
]


@pytest.mark.parametrize("seg_id, system, reference_author, mqm, raters", SEGMENT_EXPECTATIONS)
def test_segment_rows_follow_the_documented_rules(built, seg_id, system, reference_author, mqm, raters):
    from sacrebleu.metrics import BLEU, CHRF, TER

    out, _, cache = built
    rows = [r for r in load_all(out, "segments", cache) if r["doc_id"] == "doc-a"]
    assert [(r["seg_id"], r["system"]) for r in rows] == [(1, "apertium"), (1, "argos"), (2, "apertium"), (2, "argos")]
    row = next(r for r in rows if (r["seg_id"], r["system"]) == (seg_id, system))
    assert row["annotators"] == raters and row["n_raters"] == len(raters)
    assert row["mqm"] == pytest.approx(mqm) if mqm is not None else row["mqm"] is None
    assert row["references"][0]["annotator"] == reference_author
    assert row["reference"] == row["references"][0]["text"]
    assert row["system_version"] == VERSIONS[system] and row["mt"] == MT[(system, seg_id)]
    reference = row["reference"]
    assert row["bleu"] == pytest.approx(BLEU(effective_order=True).sentence_score(row["mt"], [reference]).score)
    assert row["chrf"] == pytest.approx(CHRF(word_order=2).sentence_score(row["mt"], [reference]).score)
    assert row["ter"] == pytest.approx(TER().sentence_score(row["mt"], [reference]).score)


def test_error_spans_keep_rater_category_and_text(built):
    out, _, cache = built
    segments = load_all(out, "segments", cache)
    features = segments.features["errors"].feature
    row = next(r for r in segments if (r["doc_id"], r["seg_id"], r["system"]) == ("doc-a", 2, "apertium"))
    category, severity = features["category"], features["severity"]
    decoded = [(e["annotator"], category.int2str(e["category"]), severity.int2str(e["severity"]),
                e["text"], row["mt"][e["start"]:e["end"]]) for e in row["errors"]]
    assert decoded == [
        ("ana", "Fluency/Punctuation", "Minor", ",", ","),
        ("ana", "Fluency/Grammar", "Minor", "to", "to"),
        ("ben", "Accuracy/Mistranslation", "Major", "the Tuesday", "the Tuesday"),
    ]


def test_documents_and_ner_come_from_the_primary_annotation(built):
    out, _, cache = built
    documents = {r["doc_id"]: r for r in load_all(out, "documents", cache)}
    assert documents["doc-a"]["annotator"] == "ana"
    assert [(e["text"], e["start"], e["end"]) for e in documents["doc-a"]["entities"]][:2] == [
        ("Putin", 0, 5), ("Corea del Norte", 13, 28)]
    assert all(TEXT[e["start"]:e["end"]] == e["text"] for e in documents["doc-a"]["entities"])
    assert documents["doc-b"]["annotator"] is None and documents["doc-b"]["entities"] == []
    # provenance of the primary annotation: it started from the pre-annotations, 312.5 s in the UI
    assert (documents["doc-a"]["started_from_suggestions"], documents["doc-a"]["annotation_seconds"]) == (True, 312.5)
    assert (documents["doc-b"]["started_from_suggestions"], documents["doc-b"]["annotation_seconds"]) == (None, None)
    assert (documents["doc-a"]["reviewed_final"], documents["doc-b"]["reviewed_final"]) == (False, None)
    ner = load_all(out, "ner", cache)
    names = ner.features["ner_tags"].feature.names
    assert {r["doc_id"] for r in ner} == {"doc-a"}  # unannotated doc-b has no NER rows
    first = next(r for r in ner if r["seg_id"] == 1)
    assert list(zip(first["tokens"], (names[t] for t in first["ner_tags"]))) == [
        ("Putin", "B-PER"), ("visita", "O"), ("Corea", "B-LOC"), ("del", "I-LOC"), ("Norte", "I-LOC")]


def test_claims_rows_are_the_annotated_sentences_with_their_claims(built):
    out, report, cache = built
    claims = load_all(out, "claims", cache)
    types, tags = claims.features["claim_types"].feature, claims.features["claim_tags"].feature
    assert {r["doc_id"] for r in claims} == {"doc-a"}  # unannotated doc-b has no claims rows
    title, body = sorted(claims, key=lambda r: r["seg_id"])
    assert (title["text"], title["has_claim"], title["claim_types"], title["claims"]) == (TITLE, False, [], [])
    assert set(tags.int2str(title["claim_tags"])) == {"O"}
    assert body["has_claim"] is True and types.int2str(body["claim_types"]) == ["Event"]
    (claim,) = body["claims"]
    assert claim["text"] == body["text"][claim["start"]:claim["end"]] == "Vladímir Putin, llegará a Pyongyang el martes"
    tagged = [token for token, tag in zip(body["tokens"], tags.int2str(body["claim_tags"])) if tag != "O"]
    assert tagged == ["Vladímir", "Putin", ",", "llegará", "a", "Pyongyang", "el", "martes"]
    assert report.claim_conversion["tagged"] == 1
    assert "Class balance: 1 of 2 sentences hold a claim (50%)." in report.readme.read_text(encoding="utf-8")


def test_claims_crossing_sentences_are_clipped_and_nested_claims_all_listed(tmp_path):
    doc = annotated_document()
    crossing = Span(TEXT.index("Corea"), TEXT.index(" llegará"), "Relation", TEXT[TEXT.index("Corea"):TEXT.index(" llegará")])
    nested = [span(TEXT, "Vladímir Putin, llegará a Pyongyang el martes", "Event"), span(TEXT, "el martes", "Quantity")]
    doc.annotations = [dataclasses.replace(a, claims=[crossing, *nested]) if a.annotator == "ana" else a
                       for a in doc.annotations]
    report = build_dataset([doc], tmp_path / "ds", name="nested", score_cache=False)
    assert report.claim_conversion["crossing_segments"] == 1 and report.claim_conversion["overlapping"] == 1
    claims = load_all(report.out_dir, "claims", tmp_path / "cache")
    rows, names = sorted(claims, key=lambda r: r["seg_id"]), claims.features["claim_types"].feature
    listed = [[(c["text"], names.int2str(c["label"])) for c in r["claims"]] for r in rows]
    assert listed == [[("Corea del Norte", "Relation")],
                      [("El presidente de Rusia, Vladímir Putin,", "Relation"),
                       ("Vladímir Putin, llegará a Pyongyang el martes", "Event"), ("el martes", "Quantity")]]
    assert all(c["text"] == r["text"][c["start"]:c["end"]] for r in rows for c in r["claims"])
    assert names.int2str(rows[1]["claim_types"]) == ["Event", "Quantity", "Relation"]
    card = report.readme.read_text(encoding="utf-8")
    assert "### Claims per sentence (`claims`)" in card and "| crossing segments | 1 |" in card


def test_entities_without_claims_give_ner_and_no_claims_config(tmp_path):
    doc = annotated_document()
    doc.annotations = [dataclasses.replace(a, claims=[]) for a in doc.annotations]
    report = build_dataset([doc], tmp_path / "ds", name="ner-only", score_cache=False)
    assert "ner" in report.counts and "claims" not in report.counts
    assert report.omitted_configs["claims"] == "no annotation marks a claim: the sources were not annotated for claims"
    card = report.readme.read_text(encoding="utf-8")
    assert "No annotation in this dataset marks a claim: `documents.claims` is empty" in card
    assert "### Claims per sentence" not in card and "claim-detection" not in card
    assert "### Named entities (`documents.entities.label`)" in card


def test_an_annotation_starred_as_ground_truth_outranks_a_later_one(tmp_path):
    doc = annotated_document()
    doc.annotations = [dataclasses.replace(a, ground_truth=True) if a.annotator == "ben" else a
                       for a in doc.annotations]
    assert [a.annotator for a in doc.ranked_annotations()] == ["ben", "ana"]  # ben's is older, but starred
    out = tmp_path / "starred"
    build_dataset([doc], out, name="starred", score_cache=False)
    (row,) = load_all(out, "documents", tmp_path / "cache")
    assert row["annotator"] == "ben" and [e["text"] for e in row["entities"]] == ["Putin"]
    assert row["reviewed_final"] is True
    segments = {(r["seg_id"], r["system"]): r for r in load_all(out, "segments", tmp_path / "cache")}
    # the star's post-edit is the reference
    assert segments[(2, "apertium")]["reference"].startswith("The Russian president, Vladimir Putin")
    assert [r["annotator"] for r in segments[(2, "apertium")]["references"]] == ["ben", "ana"]


def test_translation_and_systems_configs(built):
    from sacrebleu.metrics import BLEU, CHRF, TER

    out, _, cache = built
    pairs = load_all(out, "translation", cache)
    assert [(r["seg_id"], r["translation"]["es"][:5], r["translation"]["en"][:9]) for r in pairs] == [
        (1, "Putin", "Putin vis"), (2, "El pr", "Russian P")]
    systems = {r["system"]: r for r in load_all(out, "systems", cache)}
    refs = [r["translation"]["en"] for r in pairs] * 2  # doc-a then doc-b: same texts, no references in doc-b
    apertium = [MT[("apertium", 1)], MT[("apertium", 2)]]
    row = systems["apertium"]
    assert (row["n_segments"], row["n_scored"], row["n_rated"]) == (4, 2, 2)
    assert row["mqm"] == pytest.approx((25.0 + 3.05) / 2)
    assert row["bleu"] == pytest.approx(BLEU().corpus_score(apertium, [refs[:2]]).score)
    assert row["chrf"] == pytest.approx(CHRF(word_order=2).corpus_score(apertium, [refs[:2]]).score)
    assert row["ter"] == pytest.approx(TER().corpus_score(apertium, [refs[:2]]).score)
    assert row["signatures"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")
    assert row["version"] == VERSIONS["apertium"]
    assert row["bleu_ci"] == pytest.approx(BLEU().corpus_score(apertium, [refs[:2]], n_bootstrap=1000)._ci)


def test_systems_confidence_intervals_are_sacrebleus_bootstrap(tmp_path):
    # The CIs come from statistics kept while streaming; sacrebleu's own corpus_score(n_bootstrap)
    # on the segments config's rows (same order) must give the same half-widths.
    from sacrebleu.metrics import BLEU, CHRF, TER

    from annotate.dataset.synthetic import synthetic_documents
    from annotate.scoring.significance import mqm_paired_test

    out = tmp_path / "ci"
    build_dataset(list(synthetic_documents(30, segments=3, distinct=True)), out, name="ci", split="test")
    segments = load(out, "segments", tmp_path / "cache")["test"]
    systems = load(out, "systems", tmp_path / "cache")["test"]
    assert len(systems) == 2
    for row in systems:
        scored = [r for r in segments if r["system"] == row["system"] and r["reference"] is not None]
        hyps, refs = [r["mt"] for r in scored], [r["reference"] for r in scored]
        assert row["n_scored"] == len(scored) == 90
        for name, metric in (("bleu", BLEU()), ("chrf", CHRF(word_order=2)), ("ter", TER())):
            expected = metric.corpus_score(hyps, [refs], n_bootstrap=1000)
            assert row[name] == pytest.approx(expected.score)
            # sacrebleu resums in float32: equal to ~1e-6
            assert row[f"{name}_ci"] == pytest.approx(expected._ci, rel=1e-4)
            # the synthetic "argos" output IS the post-edit: every resample scores it perfectly
            assert (row[f"{name}_ci"] > 0) == (row["system"] == "apertium")
        mqm = [r["mqm"] for r in segments if r["system"] == row["system"] and r["mqm"] is not None]
        assert row["mqm_ci"] == pytest.approx(mqm_paired_test({row["system"]: mqm})[0].ci)


def test_card_states_counts_rules_and_schema_labels(built):
    from annotate import schema

    out, report, _ = built
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "\ndefault: true" not in card and "  default: true" in card
    for label in (*schema.ENTITY_LABELS, *schema.CLAIM_TYPES):
        assert f"`{label.value}` | {label.description}" in card
    for category in schema.MQM_CATEGORIES:
        assert f"`{category.name}`" in card
    assert "| `segments` (default) |" in card and "| 8 | 0 | 0 |" in card  # train, validation, test
    assert "draft 1" in card and "completed 2" in card
    assert report.annotation_status == {"completed": 2, "draft": 1}
    assert "a document keeps its split as the dataset grows" in card and 'split="all"' in card
    assert report.expanded_spans == 0 and "| expanded | 0 |" in card
    assert not list(out.rglob("__init__.py"))
    assert "| `mqm` | float64 | MQM score: per rater the sum of error weights" in card


@pytest.mark.parametrize("config", CONFIG_NAMES)
def test_every_field_of_every_config_is_described_for_the_card(config):
    from annotate.dataset.features import FIELD_DESCRIPTIONS, config_features

    assert list(FIELD_DESCRIPTIONS[config]) == list(config_features(config))
    assert all(meaning.strip() and "|" not in meaning for meaning in FIELD_DESCRIPTIONS[config].values())


def test_rebuild_is_byte_identical(tmp_path):
    docs = [annotated_document(), bare_document()]
    first = build_dataset(docs, tmp_path / "one", name="same")
    second = build_dataset(list(reversed(docs)), tmp_path / "two", name="same")

    def contents(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert contents(first.out_dir) == contents(second.out_dir)
    assert len(contents(first.out_dir)) == 1 + len(CONFIG_NAMES)  # README + one parquet file per config
    build_dataset(docs, tmp_path / "one", name="same")  # rebuilding in place gives the same bytes too
    assert contents(first.out_dir) == contents(second.out_dir)


def test_failed_build_keeps_the_previous_dataset(tmp_path):
    out = tmp_path / "ds"
    build_dataset([annotated_document()], out, name="keep")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = annotated_document()
    broken.annotations[1].entities[0] = Span(0, 5, "PER", "Putín")
    with pytest.raises(DatasetBuildError, match=r"document 'doc-a', annotator 'ana', entity #1 \(PER\).*'Putín'"):
        build_dataset([broken], out, name="keep")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no staging folder left behind


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DatasetBuildError, match="refusing to replace"):
        build_dataset([annotated_document()], tmp_path, name="x")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_no_paths_emails_or_tokens_in_the_output(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    secret = "hf_NotARealTokenButSecret123"
    monkeypatch.setenv("HF_TOKEN", secret)
    doc = annotated_document(source_name=str(tmp_path / "private" / "000_putin.txt"))
    out = tmp_path / "ds"
    build_dataset([doc], out, name="clean")
    texts = [(out / "README.md").read_text(encoding="utf-8")]
    for parquet in out.rglob("*.parquet"):
        texts.append(json.dumps(pq.read_table(parquet).to_pylist(), ensure_ascii=False))
        texts.append(parquet.read_bytes().decode("latin-1"))
    blob = "\n".join(texts)
    for forbidden in (str(tmp_path), "/private/", secret, "@example", "/home/", "/tmp/"):
        assert forbidden not in blob
    assert "000_putin.txt" in blob


def test_email_as_annotator_is_refused(tmp_path):
    doc = annotated_document()
    doc.annotations[1].annotator = "ana@example.org"
    with pytest.raises(DatasetBuildError, match="looks like an e-mail") as raised:
        build_dataset([doc], tmp_path / "ds", name="x")
    assert "example.org" not in str(raised.value)


def test_hash_split_keeps_documents_together(tmp_path):
    docs = list(synthetic_documents(30, segments=2))
    report = build_dataset(docs, tmp_path / "ds", name="split")
    assert set(report.counts["documents"]) == {"train", "validation", "test"}
    cache = tmp_path / "cache"
    for config in ("segments", "documents", "ner"):
        for split, rows in load(report.out_dir, config, cache).items():
            assert {hash_split(doc_id) for doc_id in rows["doc_id"]} == {split}
    forced = build_dataset(docs, tmp_path / "forced", name="split", split="train")
    assert set(forced.counts["segments"]) == {"train"}


def test_configs_without_rows_are_left_out_and_explained(tmp_path):
    report = build_dataset([bare_document()], tmp_path / "ds", name="bare")
    assert set(report.omitted_configs) == {"ner", "claims", "word_qe", "translation"}
    card = report.readme.read_text(encoding="utf-8")
    assert "`translation`: no segment has a post-edited reference" in card
    assert "`word_qe`: no translation was rated" in card
    assert "config_name: translation" not in card
    assert len(load_all(report.out_dir, "segments", tmp_path / "cache")) == 4


def test_guidelines_are_copied_into_a_marked_section(tmp_path):
    guidelines = tmp_path / "GUIDELINES.md"
    guidelines.write_text("# Guidelines\n\nMark *names*.\n\n```\n# not a heading\n```\n", encoding="utf-8")
    report = build_dataset([annotated_document()], tmp_path / "ds", name="g", guidelines_path=guidelines)
    card = report.readme.read_text(encoding="utf-8")
    section = card.split("<!-- BEGIN GUIDELINES (from GUIDELINES.md)", 1)[1].split("<!-- END GUIDELINES -->")[0]
    assert "### Guidelines" in section and "Mark *names*." in section and "\n# not a heading" in section


def test_parallel_scoring_writes_the_same_bytes(tmp_path):
    docs = list(synthetic_documents(12, segments=3, annotators=2))
    # without the score cache, or the second build would read every score from the first
    serial = build_dataset(docs, tmp_path / "serial", name="p", split="hash", workers=1, score_cache=False)
    parallel = build_dataset(docs, tmp_path / "parallel", name="p", split="hash", workers=2, score_cache=False)
    for config, splits in serial.files.items():
        for split, path in splits.items():
            assert path.read_bytes() == parallel.files[config][split].read_bytes(), (config, split)
    assert serial.readme.read_bytes() == parallel.readme.read_bytes()
    assert serial.counts["segments"] and parallel.seconds["sacrebleu"] > 0
    assert parallel.scoring["scored"] == serial.scoring["scored"] > 0 and parallel.scoring["from_cache"] == 0


def test_without_translations_documents_becomes_the_default_config(tmp_path):
    doc = annotated_document()
    untranslated = AnnotatedDocument(doc.doc_id, doc.title, doc.text, doc.source_name, doc.segments, [],
                                     [dataclasses.replace(a, ratings=[], post_edits=[]) for a in doc.annotations])
    report = build_dataset([untranslated], tmp_path / "ds", name="untranslated")
    assert sorted(report.counts) == ["claims", "documents", "ner"]
    assert set(report.omitted_configs) == {"segments", "word_qe", "translation", "systems"}
    import datasets

    default = datasets.load_dataset(str(report.out_dir), split="all", cache_dir=str(tmp_path / "cache"))
    assert default.column_names[:3] == ["doc_id", "title", "text"]


def test_progress_reports_reading_then_building(tmp_path, monkeypatch):
    from annotate.dataset import build as build_module

    monkeypatch.setattr(build_module, "PROGRESS_EVERY", 4)
    calls: list[tuple[str, int, int | None]] = []
    build_dataset(synthetic_documents(10, segments=1), tmp_path / "ds", name="p", split="hash",
                  score_cache=False, progress=lambda *call: calls.append(call))
    assert calls == [("read", 4, None), ("read", 8, None), ("read", 10, 10),
                     ("build", 4, 10), ("build", 8, 10), ("build", 10, 10)]


def test_the_dataset_and_the_report_take_the_same_post_edit_as_reference(built):
    """ben's and ana's post-edits of segment 2 differ; ben's annotation comes first in the export,
    ana's is the later (the primary). The dataset's `reference` and the report's reference (its
    first stream) are both ana's: one function (annotate.references) orders the post-edits."""
    from annotate.references import post_edits_by_segment
    from annotate.scoring.evaluate import evaluate

    doc = annotated_document()
    assert [a.annotator for a in doc.annotations[:2]] == ["ben", "ana"]
    out, _, cache = built
    dataset = {(r["doc_id"], r["seg_id"]): r["reference"] for r in load_all(out, "segments", cache)
               if r["reference"] is not None}
    evaluation = evaluate([doc], tests=(), bootstrap_samples=100)
    report = dict(zip(evaluation.segment_keys, evaluation.references[0]))
    assert report == dataset and set(report) == {("doc-a", 1), ("doc-a", 2)}
    assert report[("doc-a", 2)] == "Russian President Vladimir Putin will arrive in Pyongyang on Tuesday."  # ana's
    assert [e.annotator for e in post_edits_by_segment(doc)[2]] == ["ana", "ben"]
    # a reviewer's star outranks recency, in both
    starred = dataclasses.replace(doc, annotations=[dataclasses.replace(doc.annotations[0], ground_truth=True),
                                                    *doc.annotations[1:]])
    assert [e.annotator for e in post_edits_by_segment(starred)[2]] == ["ben", "ana"]
    evaluation = evaluate([starred], tests=(), bootstrap_samples=100)
    assert dict(zip(evaluation.segment_keys, evaluation.references[0]))[("doc-a", 2)] == doc.annotations[0].post_edits[1].text


def test_post_edit_boxes_are_counted_in_the_card(tmp_path):
    """Boxes left as they started (unconfirmed) are no references, but the card counts them, with
    the confirmed ones and what the boxes started with."""
    doc = annotated_document()
    ana = doc.annotations[1]
    doc.annotations[1] = dataclasses.replace(ana, post_edits=[PostEdit(1, MT[("argos", 1)], confirmed=True),
                                                              *ana.post_edits], ignored_post_edits=[])
    doc.annotations[0] = dataclasses.replace(doc.annotations[0], ignored_post_edits=[])
    doc.post_edit_prefill = "argos"
    blank = dataclasses.replace(doc.annotations[0], annotator="dee", annotation_id=14, post_edits=[],
                                ignored_post_edits=[1, 2], updated_at="2024-05-01T10:00:00Z")
    doc.annotations.append(blank)
    report = build_dataset([doc], tmp_path / "ds", name="boxes", score_cache=False)
    card = " ".join(report.readme.read_text(encoding="utf-8").split())
    assert ("Post-edit boxes of those annotations: 3 edited, 1 left as the machine translation and confirmed "
            "correct (\"Correct as is\"), 2 left as they started (unconfirmed) or blank and ignored") in card
    assert "The boxes started with the argos output (1 document)." in card
    assert "References come from the post-edit boxes, which opened with the argos output (1 document)" in card
    rows = load_all(report.out_dir, "segments", tmp_path / "cache")
    assert {r["seg_id"]: [e["annotator"] for e in r["references"]] for r in rows} == {1: ["ana", "ben"], 2: ["ana", "ben"]}



# ── what a killed build leaves behind ─────────────────────────────────────────────────────────

KILLED_BUILD = """
import sys, time
from pathlib import Path
from annotate.dataset import build_dataset
from annotate.dataset.synthetic import synthetic_documents

def pause(stage, done, total):
    if stage == "build":  # rows half written in the staging folder: wait there to be killed
        time.sleep(3600)

build_dataset(synthetic_documents(3, segments=2), Path(sys.argv[1]), name="killed", progress=pause, score_cache=False)
"""


def _reaped_pid() -> int:
    """The PID of a process that has exited (and was waited for: not even a zombie)."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_stale_staging_folders_of_dead_builds_are_removed_and_live_ones_kept(tmp_path):
    import os

    from annotate.dataset.staging import staging_dir

    docs = [annotated_document(), bare_document()]
    expected = _files(build_dataset(docs, tmp_path / "fresh", name="ds").out_dir)
    out = tmp_path / "ds"
    dead, alive = _reaped_pid(), os.getppid()  # our parent outlives this test
    stale = [staging_dir(out, dead), out.with_name(f".ds.building-{dead}")]  # the second: an older build's name
    kept = [staging_dir(out, alive), out.with_name(f".ds.staging-another-host-{dead}"),  # not ours to judge
            staging_dir(tmp_path / "other", dead)]  # another dataset's
    for folder in stale + kept:
        folder.mkdir()
        (folder / "half-written.parquet").write_bytes(b"PAR1")
    build_dataset(docs, out, name="ds")
    assert not any(folder.exists() for folder in stale)
    assert all(folder.exists() for folder in kept)
    assert _files(out) == expected


def test_a_build_killed_between_its_renames_gets_the_old_dataset_back(tmp_path):
    from annotate.dataset.staging import previous_dir

    out = tmp_path / "ds"
    build_dataset([annotated_document()], out, name="keep")
    before = _files(out)
    out.rename(previous_dir(out, _reaped_pid()))  # killed after moving the old dataset aside
    broken = annotated_document()
    broken.annotations[1].entities[0] = Span(0, 5, "PER", "Putín")
    with pytest.raises(DatasetBuildError):
        build_dataset([broken], out, name="keep")
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_a_build_killed_with_sigkill_is_cleaned_up_by_the_next(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import REPO

    from annotate.dataset.staging import STAGING, work_folders

    out = tmp_path / "ds"
    build_dataset([annotated_document()], out, name="killed")
    before = _files(out)
    build = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(out)], cwd=REPO, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300  # a guard against hanging, not a timing assertion
        while not [f for f in work_folders(out) if f.kind == STAGING and f.pid == build.pid]:
            assert build.poll() is None, build.stderr.read().decode()
            assert time.monotonic() < deadline, "the build never created its staging folder"
            time.sleep(0.05)
        build.send_signal(signal.SIGKILL)
    finally:
        build.kill()
        build.wait()
    left = work_folders(out)
    assert [f.pid for f in left] == [build.pid]  # the killed build's staging folder is still there
    assert _files(out) == before  # and the dataset it was replacing is untouched
    docs = list(synthetic_documents(3, segments=2))
    report = build_dataset(docs, out, name="killed")
    assert not left[0].path.exists() and work_folders(out) == []
    assert report.n_documents == 3 and (out / "README.md").is_file()
    assert _files(out) == _files(build_dataset(docs, tmp_path / "fresh", name="killed").out_dir)
