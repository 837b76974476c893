"""Turn the team's text-anchored gold annotations (seeds/gold/*.yaml) into seeds/gold_export.json:
the Label Studio JSON export of a real project holding them — the same path an annotator's work
takes (created as annotations on a real server, exported through the snapshot API), and then
rebuild the committed dataset ``datasets/seeds-es-en`` and report ``reports/seeds-es-en`` from it.

    .venv/bin/python scripts/make_gold_export.py            # export + dataset
    .venv/bin/python scripts/make_gold_export.py --dataset-only

A throwaway local Label Studio runs in a temp state folder and is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
GOLD_EXPORT = SEEDS / "gold_export.json"
DATASET_DIR = REPO / "datasets" / "seeds-es-en"
REPORT_DIR = REPO / "reports" / "seeds-es-en"
GOLD_PROJECT_TITLE = "annotate gold: seed articles"
# A fixed salt keeps annotator pseudonyms stable across regenerations of the export.
PSEUDONYM_SALT = "annotate-seeds-gold"
DATASET_NAME = "seeds-es-en"
DATASET_DESCRIPTION = (
    "Five Spanish news articles (2023–2025 coverage of Russia–North Korea relations), "
    "cleaned and segmented into 87 sentences, machine-translated to English by two rule-based systems "
    "(Apertium spa→eng, and Apertium through Catalan: spa→cat→eng), and annotated by the annotate team: "
    "named entities and factual claims on the Spanish source, a complete MQM error annotation of both "
    "systems' translations of every sentence, and a professional English reference translation of every "
    "sentence, written from the source."
    "\n\n"
    "**What changed in this version** (issue #18, trustworthy data): `doc_id` is now the hash of the "
    "article's normalised clean text, not of the raw file, so all five ids changed; MQM is stated with "
    "its weighting (the team's guidelines: a Source error weighs 0; Google's default weights would count "
    "it by severity); every document stays in `test` by explicit choice, and the default split rule is "
    "now per document; post-edit boxes count only when edited or confirmed (all 87 references here "
    "were edited); a document's primary annotation is a reviewer's final choice, else the most complete "
    "one; `documents.starred_as_ground_truth` is renamed `reviewed_final`."
)
# The seeds are a gold evaluation set: every document in `test` (an explicit choice; the default
# rule hash-splits per document), and MQM under the team's guidelines, where a defect of the
# source does not count against the translation (Google's default weights count it by severity).
SPLIT = "test"
WEIGHTING = "guidelines"


def build_options() -> dict:
    """The options the committed dataset and report are built with (shared with the tests)."""
    from annotate.schema import MQMWeights

    return {"weights": MQMWeights.named(WEIGHTING)}


def _load_gold_module():
    spec = importlib.util.spec_from_file_location("gold", REPO / "scripts" / "gold.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gold"] = module  # dataclasses in the module look themselves up here
    spec.loader.exec_module(module)
    return module


def reindent(path: Path) -> None:
    """One JSON value per line (indent 1, characters as they are): the committed gold export is
    read by people, and a change to one annotation is then a small diff."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def make_export() -> None:
    """Gold YAML → records → a real Label Studio project → snapshot export → seeds/gold_export.json."""
    from annotate.labelstudio import ensure_server, pull, push_documents, stop_server

    gold = _load_gold_module()
    articles, segments, translations = gold.run_pipeline(SEEDS)
    docs = gold.load_gold(SEEDS / "gold", articles, segments, translations)
    with tempfile.TemporaryDirectory(prefix="annotate-gold-") as state:
        state_dir = Path(state)
        conn = ensure_server(state=state_dir)
        try:
            report = push_documents(conn, docs, GOLD_PROJECT_TITLE, with_predictions=True)
            print(report.summary())
            result = pull(conn, GOLD_PROJECT_TITLE, out=GOLD_EXPORT, salt=PSEUDONYM_SALT)
            reindent(GOLD_EXPORT)
            print(f"exported {result.tasks} tasks → {GOLD_EXPORT.relative_to(REPO)}")
        finally:
            stop_server(state=state_dir)


def make_dataset() -> None:
    """seeds/gold_export.json → datasets/seeds-es-en (the committed dataset)."""
    from annotate.dataset import build_dataset
    from annotate.labelstudio import load_export, parse_export

    docs = parse_export(load_export(GOLD_EXPORT))
    report = build_dataset(docs, DATASET_DIR, name=DATASET_NAME, description=DATASET_DESCRIPTION,
                           guidelines_path=SEEDS / "GUIDELINES.md", split=SPLIT, **build_options())
    print(report)


def make_report() -> None:
    """seeds/gold_export.json → reports/seeds-es-en (HTML + Markdown, scores vs the post-edits)."""
    from annotate.labelstudio import load_export, parse_export
    from annotate.report import build_report

    paths = build_report(parse_export(load_export(GOLD_EXPORT)), out_dir=REPORT_DIR,
                         title="Seed articles: Spanish → English (gold annotations)", dataset=DATASET_NAME,
                         **build_options())
    print(f"report → {paths.html.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset-only", action="store_true", help="only rebuild the dataset from the export")
    args = parser.parse_args()
    if not args.dataset_only:
        make_export()
    make_dataset()
    make_report()


if __name__ == "__main__":
    main()
