"""Layers point down (issue #22): library modules never import the command layer, and syncing
with Label Studio does not pull in the scoring package. Checked on the source (every import
statement, top-level or inside a function) and on what a fresh interpreter actually loads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annotate"
COMMAND_LAYER = ("annotate.commands", "annotate.cli")
# The demo job is the `annotate demo` command's body: it prints, as commands do.
COMMAND_LAYER_MODULES = {"cli.py", "demo.py"}


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_no_library_module_imports_the_command_layer():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "commands" or str(relative) in COMMAND_LAYER_MODULES:
            continue
        upward = sorted(m for m in _imported_modules(path) if m.startswith(COMMAND_LAYER))
        if upward:
            offenders[str(relative)] = upward
    assert offenders == {}


@pytest.mark.parametrize("module", ["annotate.labelstudio.push", "annotate.labelstudio.pull", "annotate.translate.stage",
                                    "annotate.pipeline"])
def test_label_studio_sync_and_translation_load_no_scoring_and_no_commands(module: str):
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert [m for m in loaded if m.startswith(("annotate.scoring", *COMMAND_LAYER))] == []


# The text stages are composed once (issue #22.1): annotate/pipeline.py alone calls the functions that
# ingest a folder, segment an article, translate segments or read imported outputs; every other caller
# (the segment/translate/push commands, the demo, scripts/gold.py) goes through it. Where each is
# defined is allowed too; benchmarks time the stages one by one on purpose.
STAGE_FUNCTIONS = {"ingest_dir", "segment_article", "translate_segments", "translate_segments_run", "import_outputs"}
STAGE_HOMES = {"pipeline.py", "ingest/articles.py", "ingest/segment.py", "translate/cache.py", "translate/imported.py",
               "translate/__init__.py"}


def _stage_calls(path: Path) -> set[str]:
    called: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in STAGE_FUNCTIONS:
                called.add(name)
    return called


def test_only_the_pipeline_module_composes_ingest_segment_translate():
    scripts = PACKAGE.parent / "scripts"
    paths = [p for p in sorted(PACKAGE.rglob("*.py")) if str(p.relative_to(PACKAGE)) not in STAGE_HOMES]
    paths += [p for p in sorted(scripts.glob("*.py")) if not p.name.startswith("bench_")]
    offenders = {str(p.relative_to(PACKAGE.parent)): sorted(calls) for p in paths if (calls := _stage_calls(p))}
    assert offenders == {}
