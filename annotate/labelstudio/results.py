"""The shape of a Label Studio ``result`` item: building one (:mod:`annotate.labelstudio.tasks`
builds predictions and imported annotations through these helpers) and the first reading steps of
an exported result (items grouped by region, a region's span checked against its text). What the
regions mean is :mod:`annotate.labelstudio.annotation_result`'s.

A result item, as the labeling UI stores it::

    {"id": "k3Jx9aQ2bT", "from_name": "entity", "to_name": "source", "type": "labels",
     "origin": "manual", "value": {"start": 40, "end": 53, "text": "Vladímir Putin", "labels": ["PER"]}}

A per-region choice (claim type, MQM severity) is a separate item with the SAME ``id`` as its
region. A post-edit box is ``{"from_name": "pe_3", "type": "textarea", "value": {"text": ["…"]}}``,
its "Correct as is" tick ``{"from_name": "ok_3", "type": "choices", …}``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from annotate.labelstudio.errors import ExportError, need as _need
from annotate.labelstudio.post_edits import is_box_answer

# ── building result items (used by tasks.py for predictions and imported annotations) ─────────


def _item(region_id: str, from_name: str, to_name: str, kind: str, value: dict[str, Any],
          origin: str | None) -> dict[str, Any]:
    item = {"id": region_id, "from_name": from_name, "to_name": to_name, "type": kind, "value": value}
    if origin is not None:  # the UI marks its own results "manual"; predictions carry none
        item["origin"] = origin
    return item


def span_result(region_id: str, from_name: str, to_name: str, start: int, end: int, text: str,
                label: str, origin: str | None = "manual") -> dict[str, Any]:
    """A ``labels`` region on a Text tag."""
    return _item(region_id, from_name, to_name, "labels", {"start": start, "end": end, "text": text, "labels": [label]},
                 origin)


def region_choice_result(region_id: str, from_name: str, to_name: str, start: int, end: int, text: str,
                         choice: str, origin: str | None = "manual") -> dict[str, Any]:
    """A per-region choice: same ``id`` (and span) as the region it qualifies."""
    return _item(region_id, from_name, to_name, "choices", {"start": start, "end": end, "text": text, "choices": [choice]},
                 origin)


def textarea_result(region_id: str, from_name: str, to_name: str, text: str,
                    origin: str | None = "manual") -> dict[str, Any]:
    """A TextArea answer (one submitted text)."""
    return _item(region_id, from_name, to_name, "textarea", {"text": [text]}, origin)


def region_textarea_result(region_id: str, from_name: str, to_name: str, start: int, end: int, note: str,
                           origin: str | None = "manual") -> dict[str, Any]:
    """A per-region TextArea (an MQM error's note): same ``id`` and span as its region; as the UI
    stores it, ``value.text`` is the LIST of submitted texts, not the span's text."""
    return _item(region_id, from_name, to_name, "textarea", {"start": start, "end": end, "text": [note]}, origin)


# ── reading ───────────────────────────────────────────────────────────────────────────────────


def group_regions(result: list[Any], where: str) -> tuple[dict[str, list[dict]], list[dict]]:
    """Group result items by region id; the post-edit boxes' answers (texts, "Correct as is"
    ticks) are returned apart, per-region TextAreas (error notes) stay with their region."""
    by_id: dict[str, list[dict]] = defaultdict(list)
    answers: list[dict] = []
    for index, item in enumerate(result):
        # Fast path for well-formed items (exact types, as JSON parsers make them); anything else
        # goes through _need, which names the item and what is wrong with it.
        fields = (item.get("type"), item.get("from_name"), item.get("value")) if item.__class__ is dict else None
        if fields is None or fields[0].__class__ is not str or fields[1].__class__ is not str \
                or fields[2].__class__ is not dict:
            iwhere = f"{where} result[{index}]"
            fields = (_need(item, "type", iwhere, str), _need(item, "from_name", iwhere, str),
                      _need(item, "value", iwhere, dict))
        kind, from_name, _ = fields
        if kind != "labels" and is_box_answer(kind, from_name):
            answers.append(item)
        else:
            region_id = item.get("id")
            if region_id is None:
                region_id = _need(item, "id", f"{where} result[{index}]")
            by_id[str(region_id)].append(item)
    return by_id, answers


def as_rendered(text: str) -> str:
    """How the labeling UI writes a region's ``text``: from the browser selection, with every CR
    and every LF replaced by the two characters ``\\n`` (Label Studio's
    ``selection.toString().replace(/[\\n\\r]/g, "\\\\n")``); a CR LF thus becomes ``\\n\\n``.
    Offsets are untouched (code points, CR LF counting 2). This is the ONLY difference accepted
    between a region's text and the task data."""
    return text.replace("\r", "\\n").replace("\n", "\\n") if ("\r" in text or "\n" in text) else text


def checked_span(item: dict, display: str, where: str) -> tuple[int, int]:
    value = item["value"]
    start, end, text = value.get("start"), value.get("end"), value.get("text")
    if start.__class__ is not int or end.__class__ is not int or text.__class__ is not str:  # see group_regions
        start, end = _need(value, "start", where, int), _need(value, "end", where, int)
        text = _need(value, "text", where, str)
    in_range = 0 <= start <= end <= len(display)
    if not in_range or (display[start:end] != text and as_rendered(display[start:end]) != text):
        mismatch = f"{where}: region text {clipped(text)!r} does not match the task data"
        if end > len(display):  # slicing would quote the whole article (kilobytes) instead of the fault
            raise ExportError(f"{mismatch}: end {end} is past the end of the text {item['to_name']} "
                              f"({len(display)} characters)")
        if not in_range:
            raise ExportError(f"{mismatch}: {start}:{end} is not a span of the text {item['to_name']} "
                              f"({len(display)} characters)")
        raise ExportError(f"{mismatch} {item['to_name']}[{start}:{end}] = {clipped(display[start:end])!r}")
    return start, end


def clipped(text: str, limit: int = 80) -> str:
    """``text`` cut to about ``limit`` characters for an error message (a region may span a whole article)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

