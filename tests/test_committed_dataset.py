"""The committed gold data never drifts:

- seeds/gold_export.json (the real Label Studio export of the gold work) says exactly what the
  authored gold files seeds/gold/*.yaml say, on today's pipeline output;
- datasets/seeds-es-en is byte for byte what ``annotate build`` makes of that export;
- it loads offline with ``datasets.load_dataset`` for every config, every span satisfies
  ``text == field[start:end]``, and no email, token or local path is in it.
"""

from __future__ import annotations

import filecmp
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

from annotate.dataset import CONFIG_NAMES
from annotate.labelstudio import load_export, parse_export

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
GOLD_EXPORT = SEEDS / "gold_export.json"
DATASET = REPO / "datasets" / "seeds-es-en"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def exported_docs():
    return {doc.doc_id: doc for doc in parse_export(load_export(GOLD_EXPORT))}


def _annotation_content(annotation):
    ratings = sorted(
        (r.system, r.seg_id, tuple(sorted((e.start, e.end, e.category, e.severity, e.text) for e in r.errors)))
        for r in annotation.ratings
    )
    return (
        sorted((s.start, s.end, s.label, s.text) for s in annotation.entities),
        sorted((s.start, s.end, s.label, s.text) for s in annotation.claims),
        ratings,
        sorted((p.seg_id, p.text) for p in annotation.post_edits),
    )


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed (scripts/setup.sh installs it)")
def test_gold_export_says_what_the_gold_files_say(exported_docs):
    gold = _script("gold")
    articles, segments, translations = gold.run_pipeline(SEEDS)
    authored = gold.load_gold(SEEDS / "gold", articles, segments, translations)
    assert sorted(exported_docs) == sorted(doc.doc_id for doc in authored)
    for doc in authored:
        exported = exported_docs[doc.doc_id]
        assert exported.text == doc.text, doc.source_name
        assert [s.text for s in exported.segments] == [s.text for s in doc.segments], doc.source_name
        assert {(t.seg_id, t.mt) for t in exported.translations if t.system == "apertium"} == {
            (t.seg_id, t.mt) for t in doc.translations if t.system == "apertium"
        }, f"{doc.source_name}: Apertium output changed since the export: rerun scripts/make_gold_export.py"
        (mine,) = doc.annotations
        (theirs,) = [a for a in exported.annotations if a.status == "completed"]
        assert _annotation_content(theirs) == _annotation_content(mine), (
            f"{doc.source_name}: seeds/gold_export.json differs from seeds/gold/: rerun scripts/make_gold_export.py"
        )


def test_committed_dataset_is_what_build_makes_of_the_gold_export(tmp_path):
    make = _script("make_gold_export")
    rebuilt = tmp_path / DATASET.name
    from annotate.dataset import build_dataset

    build_dataset(parse_export(load_export(GOLD_EXPORT)), rebuilt, name=make.DATASET_NAME,
                  description=make.DATASET_DESCRIPTION, guidelines_path=SEEDS / "GUIDELINES.md",
                  split=make.SPLIT, **make.build_options())
    ours = sorted(p.relative_to(rebuilt) for p in rebuilt.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DATASET) for p in DATASET.rglob("*") if p.is_file())
    assert ours == committed
    different = [str(p) for p in ours if not filecmp.cmp(rebuilt / p, DATASET / p, shallow=False)]
    assert not different, f"datasets/seeds-es-en drifted ({different}): rerun scripts/make_gold_export.py --dataset-only"


SPAN_FIELDS = {
    "segments": [("errors", "mt")],
    "documents": [("entities", "text"), ("claims", "text")],
    "claims": [("claims", "text")],
}


@pytest.mark.parametrize("config", CONFIG_NAMES)
def test_every_config_loads_offline_and_every_span_matches(config):
    import datasets

    loaded = datasets.load_dataset(str(DATASET), config)
    rows = [row for split in loaded.values() for row in split]
    assert rows, config
    checked = 0
    for row in rows:
        for spans_field, text_field in SPAN_FIELDS.get(config, []):
            for span in row[spans_field]:
                # an omission is marked on the source words the translation lost (errors.side)
                text = row["source"] if span.get("side") == "source" else row[text_field]
                assert text[span["start"]:span["end"]] == span["text"], (config, row.get("doc_id"), span)
                checked += 1
    if config in SPAN_FIELDS:
        assert checked > 100
    if config == "claims":  # the sentence rows hold every claim of the documents (clipped parts count apiece)
        documents = datasets.load_dataset(str(DATASET), "documents")
        n_claims = sum(len(row["claims"]) for split in documents.values() for row in split)
        assert sum(len(row["claims"]) for row in rows) >= n_claims
        assert sum(row["has_claim"] for row in rows) == sum(bool(row["claims"]) for row in rows)


def test_no_emails_tokens_or_local_paths():
    # emails; local paths; credential fields; 40-hex strings (the shape of Label Studio API tokens)
    pattern = re.compile(
        rb"[\w.+-]+@[\w-]+\.[\w.]+|/home/|/root/|/tmp/|/work/|\"(?:token|api_key|password)\"\s*:|\b[0-9a-f]{40}\b",
        re.IGNORECASE,
    )
    for path in [*DATASET.rglob("*"), GOLD_EXPORT]:
        if not path.is_file():
            continue
        if path.suffix == ".parquet":  # scan the values, not compressed bytes
            import json

            import pyarrow.parquet as pq

            content = json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False).encode()
        else:
            content = path.read_bytes()
        hits = pattern.findall(content)
        assert not hits, f"{path.relative_to(REPO)}: {hits[:3]}"


def test_committed_report_and_dataset_agree_on_every_score_and_ci():
    # Two paths to the same numbers: the report (sacrebleu statistics + its bootstrap over the
    # evaluation's segments) and the dataset's systems config (statistics kept while streaming
    # rows). Same segments, same (doc_id, seg_id) order, same seeded draws: same CIs.
    import json

    import pyarrow.parquet as pq

    scores = json.loads((REPO / "reports" / "seeds-es-en" / "scores.json").read_text(encoding="utf-8"))["systems"]
    rows = pq.read_table(DATASET / "systems" / "test-00000-of-00001.parquet").to_pylist()
    assert sorted(row["system"] for row in rows) == ["apertium", "apertium-via-cat"]  # both rated by the gold
    for row in rows:
        report = scores[row["system"]]
        for column, metric in (("bleu", "BLEU"), ("chrf", "chrF2++"), ("ter", "TER")):
            assert row[column] == pytest.approx(report["metrics"][metric]["score"]), column
            # the dataset keeps its statistics in float32 (as sacrebleu's bootstrap), the report in
            # float64: equal to ~1e-6
            assert row[f"{column}_ci"] == pytest.approx(report["metrics"][metric]["ci95"], rel=1e-4), column
        assert (row["mqm"], row["mqm_ci"]) == pytest.approx((report["mqm"]["score"], report["mqm"]["ci95"]))
