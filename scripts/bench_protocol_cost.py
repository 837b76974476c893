#!/usr/bin/env python
"""What a segment costs under MQM and under ESA, timed by Label Studio itself (not a test; prints
``annotate effort``'s table and the ratio).

The same judgments (``protocol_cost_judgments.json``: one annotator's errors, MQM categories,
severities and ESA scores for the first six sentences of four seed articles, two Apertium systems)
are entered through both protocols' labeling pages in a real Chromium, on a private local server:
each document once as an MQM task and once as an ESA task, the order alternating (MQM first for
the first document, ESA first for the second, …). Label Studio records each submission's
``lead_time``; ``annotate effort`` reads the two exports.

The browser is driven by a program that decides nothing while a page is open, so the times are
each page's *interaction* cost — selecting, labelling, picking a severity, typing a score — the
floor under what a person pays, who also reads and decides. The UI actions each protocol needed are
counted too. Measure people with ``annotate effort`` on your own projects.

    .venv/bin/python scripts/bench_protocol_cost.py                 # exports in a temp folder
    .venv/bin/python scripts/bench_protocol_cost.py --out cost-run  # keep them there

The server (and Chromium) are stopped at the end, by PID.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser actions the UI tests use

JUDGMENTS = Path(__file__).with_name("protocol_cost_judgments.json")
SYSTEMS = ("apertium", "apertium-via-cat")
SENTENCES = 6
PROJECTS = {"mqm": "protocol cost: mqm", "esa": "protocol cost: esa"}
# Selecting the words, clicking the category (MQM) or severity (ESA) label, then MQM's severity.
ACTIONS_PER_ERROR = {"mqm": 3, "esa": 2}


def excerpts(judgments: dict[str, Any]) -> list:
    """The judged articles' first sentences with both systems' translations (AnnotatedDocuments),
    in the judgments' order; translated now, without the user's translation cache."""
    from annotate.pipeline import run_pipeline

    folder = Path(tempfile.mkdtemp(prefix="protocol-cost-seeds-"))
    try:
        for name in judgments:
            shutil.copy(ROOT / "seeds" / name, folder / name)
        docs = {Path(doc.source_name).name: doc
                for doc in run_pipeline(folder, list(SYSTEMS), use_cache=False).documents()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out = []
    for name in judgments:
        doc = docs[name]
        segments = doc.segments[:SENTENCES]
        kept = {s.seg_id for s in segments}
        out.append(dataclasses.replace(doc, text=doc.text[:segments[-1].end], segments=segments,
                                       translations=[t for t in doc.translations if t.seg_id in kept]))
    return out


def _select(page: Any, region_id: str) -> None:
    """Select a region as a click on it does (the severity choices show for the selected one)."""
    page.evaluate("""(id) => { const a = window.Htx.annotationStore.selected;
                               a.selectArea(a.regions.find(r => r.id === id)); }""", region_id)
    page.wait_for_function("() => Boolean(window.Htx?.annotationStore?.selected?.highlightedNode)", timeout=5_000)


def _column_occurrence(column_text: str, sentence: int, needle: str) -> int:
    """Which occurrence of ``needle`` in an MQM column (all sentences, "[n] " numbered) is the
    first one in sentence ``sentence`` (0-based)."""
    marker = f"[{sentence + 1}] "
    start = 0 if column_text.startswith(marker) else column_text.index("\n" + marker) + 1
    if needle not in column_text[start:].split("\n[", 1)[0]:
        raise ValueError(f"{needle!r} is not in sentence {sentence + 1}")
    return column_text[:start].count(needle)


def enter_mqm(page: Any, doc: Any, judged: dict[str, Any]) -> int:
    """Mark every judged error on the MQM page (category label, the words, the severity); returns
    the UI actions taken."""
    from browser_actions import choose, label_object, text_objects

    shown = text_objects(page)
    actions = 0
    for column, system in enumerate(SYSTEMS, start=1):
        first = next(t.mt for t in doc.translations if t.system == system and t.seg_id == doc.segments[0].seg_id)
        assert shown[column].startswith(f"[1] {first}"), f"column {column} is not {system}"
        for sentence, needle, category, severity in judged[system]["errors"]:
            button = page.locator(".ann-bar").nth(column).locator(".lsf-label", has_text=category).first
            region = label_object(page, button, column, needle, _column_occurrence(shown[column], sentence, needle))
            _select(page, region[0])
            choose(page, column, severity)
            actions += ACTIONS_PER_ERROR["mqm"]
    return actions


def enter_esa(page: Any, doc: Any, judged: dict[str, Any]) -> int:
    """Mark every judged error on the ESA page (severity label, the words) and type every score;
    returns the UI actions taken."""
    from browser_actions import label_object, text_objects

    shown = text_objects(page)
    actions = 0
    for index, segment in enumerate(doc.segments):
        for j, system in enumerate(SYSTEMS):  # segment i's translation j: Text 3i+1+j, its bar and box 2i+j
            mt = next(t.mt for t in doc.translations if t.system == system and t.seg_id == segment.seg_id)
            assert shown[3 * index + 1 + j].startswith(mt), f"translation {j + 1} of sentence {index + 1} is not {system}"
    for j, system in enumerate(SYSTEMS):
        for sentence, needle, _category, severity in judged[system]["errors"]:
            button = page.locator(".lsf-label", has_text=severity).nth(2 * sentence + j)
            label_object(page, button, 3 * sentence + 1 + j, needle)
            actions += ACTIONS_PER_ERROR["esa"]
        for sentence, score in enumerate(judged[system]["scores"]):
            page.locator("input[type=number]").nth(2 * sentence + j).fill(str(score))
            actions += 1
    return actions


def run(out: Path) -> dict[str, int]:
    """Push, enter every judgment through both pages, submit, pull; the UI actions per protocol."""
    from annotate.labelstudio.browser import browser_page, login, open_task
    from annotate.labelstudio.pull import pull
    from annotate.labelstudio.push import push_documents
    from annotate.labelstudio.server import ensure_server, stop_server

    judgments = {k: v for k, v in json.loads(JUDGMENTS.read_text(encoding="utf-8")).items() if not k.startswith("_")}
    docs = excerpts(judgments)
    state = Path(tempfile.mkdtemp(prefix="protocol-cost-state-"))
    actions = {"mqm": 0, "esa": 0}
    try:
        conn = ensure_server(state=state)
        pushed = {protocol: push_documents(conn, docs, title, with_predictions=False, protocol=protocol)
                  for protocol, title in PROJECTS.items()}
        with browser_page(viewport={"width": 1500, "height": 1300}) as page:
            login(page, conn)
            for k, (doc, judged) in enumerate(zip(docs, judgments.values())):
                for protocol in ("mqm", "esa") if k % 2 == 0 else ("esa", "mqm"):
                    report = pushed[protocol]
                    open_task(page, conn, report.project_id, report.task_ids[doc.doc_id])
                    actions[protocol] += (enter_mqm if protocol == "mqm" else enter_esa)(page, doc, judged)
                    page.get_by_role("button", name="Submit").click()
                    page.get_by_text("Annotation saved successfully", exact=True).first.wait_for(timeout=60_000)
                    print(f"{protocol.upper()} {Path(doc.source_name).name}: submitted", flush=True)
        for protocol, title in PROJECTS.items():
            pull(conn, title, out / f"{protocol}.json")
    finally:
        stop_server(state)
        shutil.rmtree(state, ignore_errors=True)
    return actions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="Keep the two exports in this folder (default: a temp folder).")
    args = parser.parse_args()
    from annotate.labelstudio.browser import chromium_available

    if not chromium_available():
        sys.exit("needs Debian's chromium and pip's playwright: run scripts/setup.sh (or the README's test command)")
    out = args.out or Path(tempfile.mkdtemp(prefix="protocol-cost-"))
    out.mkdir(parents=True, exist_ok=True)
    actions = run(out)

    from annotate.commands.effort import print_comparison, read_exports

    comparison = read_exports([out / "mqm.json", out / "esa.json"], skip_invalid=False)
    print_comparison(comparison)
    rated = sum(len(v["scores"]) for doc in json.loads(JUDGMENTS.read_text(encoding="utf-8")).values()
                if isinstance(doc, dict) for v in doc.values())
    print(f"UI actions: MQM {actions['mqm']} ({actions['mqm'] / rated:.2f} per translation), ESA {actions['esa']} "
          f"({actions['esa'] / rated:.2f} per translation): ESA/MQM = {actions['esa'] / actions['mqm']:.2f}")
    print(f"exports: {out}")


if __name__ == "__main__":
    main()
