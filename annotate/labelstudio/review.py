"""A reviewer's choice of a task's final annotation, made in Label Studio Community's own UI.

Why a control in the labeling config: Community 1.23's UI never enables the ground-truth star (only
``PATCH /api/annotations/<id>`` with ``ground_truth: true`` sets it), and it has no reviewer role.
What it does have: every annotation of a task appears as a tab, and anyone may open one and press
Update. So the config carries a review control, a ``Choices`` with one tick, "Final: this annotation
is the adjudicated one": the reviewer opens the annotation to keep (or makes their own adjudicating
annotation) and ticks it. The mark travels inside the annotation's ``result``, so it needs no list
of reviewer accounts, survives every export, and shows in the UI to the next reviewer. The star set
through the API still counts (:attr:`annotate.records.DocumentAnnotation.adjudicated`).

Its result item, as the UI stores it (a classification of the whole annotation, no region)::

    {"id": "Xy12", "from_name": "review_final", "to_name": "source", "type": "choices",
     "origin": "manual", "value": {"choices": ["Final: this annotation is the adjudicated one"]}}

:func:`split_review` takes it out of a result before the regions are read; :func:`with_final_mark`
adds or removes it (``annotate review DOC --final ID`` PATCHes results with it).
"""

from __future__ import annotations

import html
import secrets
from typing import Any

from annotate.labelstudio.errors import ExportError

REVIEW_CONTROL = "review_final"
FINAL_CHOICE = "Final: this annotation is the adjudicated one"
# Why: annotators who tick it on their own work would make every doubly-annotated task "conflicting".
REVIEW_GUIDANCE = (
    "A task done by several annotators shows each annotation as a tab at the top of the page. A reviewer "
    f"opens the annotation to keep (or makes their own, adjudicating one), ticks \u201c{FINAL_CHOICE}\u201d "
    "under the title and presses Update (Submit for a new annotation): the dataset and the report take that "
    "annotation. Tick it in one annotation per task; Update also counts as rating every column of that "
    "annotation, so rate a column it left unrated first. Annotators leave it unticked. Without a reviewer's tick "
    "the most complete annotation is taken, and `annotate pull` and `annotate build` list the task as unreviewed."
)


def review_control_xml(to_name: str) -> str:
    """The review control's XML (its ``Choices`` belong to the Text tag ``to_name``)."""
    header = html.escape("Review (reviewers only): tick in the annotation you keep as final, then Update", quote=True)
    hint = html.escape("The dataset and the report take the annotation ticked here for this task.", quote=True)
    return (f'<View className="ann-review"><Header value="{header}" size="5"/>'
            f'<Choices name="{REVIEW_CONTROL}" toName="{html.escape(to_name, quote=True)}" choice="multiple" '
            f'showInline="true"><Choice value="{html.escape(FINAL_CHOICE, quote=True)}" hint="{hint}"/>'
            "</Choices></View>")


def _is_review_item(item: Any) -> bool:
    return isinstance(item, dict) and item.get("from_name") == REVIEW_CONTROL


def split_review(result: list[Any], where: str) -> tuple[list[Any], bool]:
    """``result`` without the review control's items, and whether "Final" is ticked there. A
    review item with another choice or a malformed value is an ExportError naming ``where``."""
    kept, final = [], False
    for item in result:
        if not _is_review_item(item):
            kept.append(item)
            continue
        value = item.get("value")
        choices = value.get("choices") if isinstance(value, dict) else None
        if not isinstance(choices, list) or any(choice != FINAL_CHOICE for choice in choices):
            raise ExportError(f"{where}: review control {REVIEW_CONTROL!r} holds {choices!r}, expected "
                              f"[{FINAL_CHOICE!r}]")
        final = final or bool(choices)
    return kept, final


def with_final_mark(result: list[Any], final: bool, to_name: str) -> list[Any]:
    """``result`` with "Final" ticked (``final``) or with no review item at all; every other item kept."""
    kept = [item for item in result if not _is_review_item(item)]
    if final:
        kept.append({"id": secrets.token_urlsafe(8)[:10], "from_name": REVIEW_CONTROL, "to_name": to_name,
                     "type": "choices", "origin": "manual", "value": {"choices": [FINAL_CHOICE]}})
    return kept


def is_marked_final(result: list[Any]) -> bool:
    """Is "Final" ticked in this (raw) annotation result?"""
    return any(_is_review_item(item) and FINAL_CHOICE in ((item.get("value") or {}).get("choices") or [])
               for item in result)
