"""Label Studio's task shape is defined once (issue #22.2): annotate/labelstudio/task_shape.py spells
every key of a task, of its data and of its meta; the writer (tasks.py) and every reader use its
names. Checked on the source: a key literal anywhere else fails this test. Also: what the writer
builds, the export's task view reads back."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from annotate.labelstudio import task_shape as ts

PACKAGE = Path(__file__).resolve().parents[1] / "annotate"
SHAPE = PACKAGE / "labelstudio" / "task_shape.py"

# Keys only the task layout has: spelled nowhere else in the package, in any context.
OWN_KEYS = {ts.SRC_AT, ts.UNSEEN_BY, ts.FORMAT, ts.SOURCE_FIELD, ts.POST_EDIT_PREFILL, ts.SUGGESTION_VERSION,
            ts.WITHHELD_PREDICTION, ts.LANGUAGE_PAIR}
# Keys with common names ("data", "meta", "systems"…): in the Label Studio modules, never used to
# index, get from or build a mapping (other mappings there, e.g. the server's paths, are listed below).
COMMON_KEYS = {ts.DATA, ts.META, ts.PREDICTIONS, ts.DRAFTS, ts.ANNOTATIONS, ts.SYSTEMS, ts.SEGMENTS_FIELD,
               ts.DOC_ID, ts.SEG_ID, ts.PARAGRAPH, ts.SYSTEM_KEY, ts.OUTPUT_AT, ts.MISSING, ts.REFERENCE_TEXTS,
               ts.REFERENCES_FIELD, ts.TITLE, ts.SOURCE_NAME, ts.MODEL_VERSION, ts.SEG_PREFILL}
# (module, key): mappings that are not a Label Studio task.
NOT_A_TASK = {
    ("server.py", ts.DATA),  # the state folder's paths: {"data": <Label Studio's data dir>, …}
}
# Modules being written by others at the time of writing (issue #22: push restructured; ESA projects):
# they still index task JSON with literal "data", "systems", "segments"…; to move to task_shape names.
PENDING: set[str] = set()


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != SHAPE)


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every plain string literal, and the literal head of every f-string."""
    out = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if token.type != tokenize.STRING:
            continue
        prefix = token.string[:token.string.index(token.string[-1])].lower()
        if "f" in prefix:
            body = token.string[len(prefix):].strip("\"'")
            out.append((token.start[0], body.split("{", 1)[0]))
        elif isinstance(value := ast.literal_eval(token.string), str):  # bytes are no key
            out.append((token.start[0], value))
    return out


def test_no_other_module_spells_a_key_of_the_task_layout():
    offenders = []
    for path in _modules():
        for line, value in _string_literals(path):
            if value in OWN_KEYS or value == "mt_":  # "mt_" + key, f"mt_{key}" (not a column like "mt_tokens")
                offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {value!r}")
    assert offenders == []


def _keys_used(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, key) of every string constant used as a mapping key: ``m["k"]``, ``m.get("k")`` (and
    pop/setdefault), ``{"k": …}``, ``"k" in m``."""
    found = []
    for node in ast.walk(tree):
        keys: list[ast.AST] = []
        if isinstance(node, ast.Subscript):
            keys = [node.slice]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("get", "pop", "setdefault") and node.args:
            keys = [node.args[0]]
        elif isinstance(node, ast.Dict):
            keys = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            keys = [node.left]
        found += [(k.lineno, k.value) for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return found


def test_label_studio_modules_use_task_shape_names_for_task_keys():
    offenders = []
    for path in sorted((PACKAGE / "labelstudio").glob("*.py")):
        if path == SHAPE or path.name in PENDING:
            continue
        for line, key in _keys_used(ast.parse(path.read_text(encoding="utf-8"))):
            if key in COMMON_KEYS and (path.name, key) not in NOT_A_TASK:
                offenders.append(f"labelstudio/{path.name}:{line}: {key!r}")
    assert offenders == []


def test_the_scan_finds_a_key_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('x = {"src_at": 1}\ny = f"mt_{key}"\nz = task.get("meta")\n', encoding="utf-8")
    assert [v for _, v in _string_literals(sample)] == ["src_at", "mt_", "meta"]
    assert [k for _, k in _keys_used(ast.parse(sample.read_text(encoding="utf-8")))] == ["src_at", "meta"]


@pytest.mark.parametrize("key", ["apertium", "apertium_via_cat"])
def test_mt_field_round_trips(key: str):
    assert ts.mt_field_key(ts.mt_field(key)) == key
    assert ts.mt_field_key(ts.SOURCE_FIELD) is None


def test_written_task_is_read_back_by_the_task_view():
    from annotate.labelstudio.task_view import TaskView
    from annotate.labelstudio.tasks import build_task
    from annotate.records import AnnotatedDocument, Segment, Translation

    text = "Hola mundo. Adiós."
    segments = [Segment(doc_id="d1", seg_id=1, paragraph=0, start=0, end=11, text="Hola mundo."),
                Segment(doc_id="d1", seg_id=2, paragraph=0, start=12, end=18, text="Adiós.")]
    translations = [Translation(doc_id="d1", seg_id=1, system="A sys", system_version="1", source="Hola mundo.",
                                mt="Hello world.", unknown_words=["mundo"]),
                    Translation(doc_id="d1", seg_id=2, system="B", system_version="2", source="Adiós.", mt="Bye."),
                    Translation(doc_id="d1", seg_id=2, system="human", system_version="h", source="Adiós.",
                                mt="Goodbye.", role="reference")]
    doc = AnnotatedDocument(doc_id="d1", title="T", text=text, source_name="s.txt", segments=segments,
                            translations=translations)
    task = build_task(doc, ["A sys", "B"], post_edit_prefill="B")
    data = task[ts.DATA]
    assert ts.system_keys(data) == {"A sys": "a_sys", "B": "b"}
    assert task[ts.META] == {ts.META_DOC_ID: "d1", ts.POST_EDIT_PREFILL: "B"}
    assert [s[ts.SEG_PREFILL] for s in ts.segments(data)] == ["", "Bye."]
    assert ts.segments(data)[0][ts.SEG_SYSTEMS]["b"][ts.MISSING] is True
    view = TaskView({ts.TASK_ID: 7, **task}, "task 7")
    assert view.doc_id == "d1" and view.post_edit_prefill == "B"
    assert view.missing == {("b", 0), ("a_sys", 1)}
    read = {(t.system, t.seg_id): (t.mt, t.role, t.unknown_words) for t in view.translations}
    assert read == {("A sys", 1): ("Hello world.", "mt", ["mundo"]), ("B", 2): ("Bye.", "mt", []),
                    ("human", 2): ("Goodbye.", "reference", [])}
