"""Post-edit boxes: what each one starts with, and which of them hold a post-edit.

The labeling config (:mod:`annotate.labelstudio.config`) shows one TextArea per segment
(``pe_{index}``) under the columns. The text a box starts with, its *prefill*, is the task data's
``segments[index].mt``: a system's output, or ``""`` for an empty box. ``annotate push
--post-edit-start`` chooses it (:data:`FIRST_SYSTEM`, :data:`EMPTY` or a system's name) and records
the choice in the task's meta (:data:`POST_EDIT_PREFILL`: the system's name, ``""`` for empty
boxes); a task without that key predates the option, when boxes always started with the first
system's output.

A submitted annotation stores EVERY prefilled box, edited or not, and no empty box left empty
(measured in the Label Studio 1.23 UI). A box the annotator never changed is not a post-edit: left
as the prefilled MT, it would make that system's output the reference and push the automatic
metrics towards that system. So, per box (texts compared with whitespace normalised):

* **edited** — its text differs from the prefill and is not blank: a post-edit;
* **confirmed** — its text is the prefill and the annotator ticked the box's "Correct as is"
  (``ok_{index}``, shown next to prefilled boxes): a post-edit, ``PostEdit.confirmed``;
* **ignored** — its text is the prefill, unconfirmed, or it is blank: no post-edit; its segment is
  listed in ``DocumentAnnotation.ignored_post_edits`` so that it is counted, not lost silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from annotate.labelstudio import config as lsconfig
from annotate.labelstudio.errors import ExportError
from annotate.labelstudio.guidelines import POST_EDIT_CONFIRM_CHOICE
# the task meta key recording the prefill (re-exported: where callers found it)
from annotate.labelstudio.task_shape import POST_EDIT_PREFILL
from annotate.records import PostEdit, Segment

FIRST_SYSTEM = "first-system"  # --post-edit-start: boxes start with the first system's output (the default)
EMPTY = "empty"  # --post-edit-start: boxes start empty (any text typed in is a post-edit)


def resolve_prefill(start: str, systems: Sequence[str]) -> str:
    """The prefill of a ``--post-edit-start`` value for a project showing ``systems``: the name of
    the system whose output the boxes start with, or ``""`` for empty boxes. An unknown system is
    a ValueError naming the choices."""
    if start == EMPTY:
        return ""
    if start == FIRST_SYSTEM:
        return systems[0] if systems else ""
    if start in systems:
        return start
    raise ValueError(f"post-edit start {start!r}: give {FIRST_SYSTEM!r}, {EMPTY!r} or one of the project's "
                     f"systems ({', '.join(systems) or 'none'})")


def describe_prefill(prefill: str | None) -> str:
    """``"the apertium output"``, ``"empty"`` or ``"unknown"`` (None: not from Label Studio)."""
    if prefill is None:
        return "unknown"
    return f"the {prefill} output" if prefill else "empty"


def prefill_of(meta: Any, systems: Sequence[str]) -> str:
    """What a task's post-edit boxes started with (see the module docstring), from its meta."""
    if isinstance(meta, dict) and isinstance(meta.get(POST_EDIT_PREFILL), str):
        return meta[POST_EDIT_PREFILL]
    return systems[0] if systems else ""  # the only behaviour before the option existed


def same_text(a: str, b: str) -> bool:
    """Equal up to whitespace (a trailing newline or a doubled space is no edit)."""
    return a.split() == b.split()


def is_box_answer(kind: str, from_name: str) -> bool:
    """Is this result item a post-edit box's text or its "Correct as is" tick (not a region)?"""
    if kind == "textarea":
        return not from_name.startswith(lsconfig.ERROR_NOTE_PREFIX)
    return kind == "choices" and from_name.startswith(lsconfig.POST_EDIT_CONFIRM_PREFIX)


def confirmation_result(region_id: str, index: int) -> dict[str, Any]:
    """The "Correct as is" tick of box ``index``, as the UI stores it (a choice with its own id)."""
    return {"id": region_id, "from_name": f"{lsconfig.POST_EDIT_CONFIRM_PREFIX}{index}",
            "to_name": f"{lsconfig.POST_EDIT_TEXT_PREFIX}{index}", "type": "choices",
            "value": {"choices": [POST_EDIT_CONFIRM_CHOICE]}, "origin": "manual"}


def _box_index(control: str, prefix: str, segments: Sequence[Segment], where: str) -> int:
    """The segment index in a box control's name (``pe_3`` → 3), checked against the task."""
    suffix = control[len(prefix):]
    if not (suffix.isascii() and suffix.isdigit()) or int(suffix) >= len(segments):
        raise ExportError(f"{where}: {control!r} names no segment of this task ({len(segments)} segments)")
    return int(suffix)


def read_boxes(answers: Sequence[Mapping[str, Any]], segments: Sequence[Segment], prefills: Sequence[str],
               where: str) -> tuple[list[PostEdit], list[int]]:
    """The post-edits among an annotation's box answers (items that :func:`is_box_answer`), and
    the seg_ids of the boxes ignored (see the module docstring), both in segment order.
    ``prefills[i]`` is what box ``i`` started with."""
    texts: dict[int, str] = {}
    confirmed: set[int] = set()
    for item in answers:
        control, value = item["from_name"], item["value"]
        if item["type"] == "choices":
            index = _box_index(control, lsconfig.POST_EDIT_CONFIRM_PREFIX, segments, where)
            choices = value.get("choices")
            if not isinstance(choices, list):
                raise ExportError(f"{where} {control}: 'choices' should be list, got {type(choices).__name__}")
            if POST_EDIT_CONFIRM_CHOICE in choices:
                confirmed.add(index)
            continue
        if not control.startswith(lsconfig.POST_EDIT_PREFIX):
            raise ExportError(f"{where}: unknown text answer {control!r}")
        index = _box_index(control, lsconfig.POST_EDIT_PREFIX, segments, where)
        submitted = value.get("text")
        if not isinstance(submitted, list):
            raise ExportError(f"{where} {control}: 'text' should be list, got {type(submitted).__name__}")
        if submitted:
            texts[index] = str(submitted[-1])
    post_edits: list[PostEdit] = []
    ignored: list[int] = []
    for index in sorted(texts):
        text, seg_id = texts[index], segments[index].seg_id
        if not text.strip():
            ignored.append(seg_id)
        elif not same_text(text, prefills[index]):
            post_edits.append(PostEdit(seg_id=seg_id, text=text))
        elif index in confirmed:
            post_edits.append(PostEdit(seg_id=seg_id, text=text, confirmed=True))
        else:
            ignored.append(seg_id)
    return post_edits, ignored
