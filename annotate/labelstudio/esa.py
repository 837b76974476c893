"""ESA projects in Label Studio (``annotate push --protocol esa``): the labeling config, the task
fields it shows, and the export's ESA results read back as :class:`annotate.esa.ESARating`.

Design (why the page looks the way it does):

* **Segment by segment, in document order, the whole article on one page** (a ``Repeater`` over
  the task's ``segments``): each numbered source sentence, then every translation of it with its
  span buttons and its 0–100 score box. ESA rates each segment in its document's context; Appraise
  shows the document the same way.
* **Blind, as WMT's ESA is:** translations are "Translation 1 … n", never a system's name. The
  order is the project's system order (a Label Studio config is fixed per project), so a position
  effect is the same for every task.
* **Spans are Minor or Major, nothing else** (no category: that is MQM), from
  :data:`annotate.schema.ESA_SEVERITIES`; an omission is a span on the ``[MISSING]`` marker
  appended to each translation, as in Appraise. A span that covers both words and the marker is a
  problem, listed.
* **The score is a number box (0–100), required:** Label Studio's slider shows no value, so an
  annotator could not see the score given. The anchors (0, 33, 66, 100) are above every segment.
* **Time:** Label Studio records the seconds an annotation was open (``lead_time``), not per
  segment: a rating's time is that annotation's time divided evenly among the ratings it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from annotate import schema
from annotate.esa.records import ESARating, ESASpan
from annotate.languages import LanguagePair
from annotate.labelstudio import task_shape as ts
from annotate.labelstudio.config import system_keys
from annotate.labelstudio.guidelines import PageLanguages
from annotate.labelstudio.pseudonyms import annotator_of, default_salt
from annotate.text import plural

TEXT_PREFIX = "esa_mt_"  # esa_mt_<key>_<index>: one translation of one segment (+ the marker)
SPAN_PREFIX = "esa_span_"  # esa_span_<key>_<index>: its Minor / Major buttons
SCORE_PREFIX = "esa_score_"  # esa_score_<key>_<index>: its 0–100 score
SOURCE_PREFIX = "esa_src_"  # esa_src_<index>: the numbered source sentence
FIELD_PREFIX = "esa_"  # segments[index]["esa_<key>"]: the text an ESA Text shows
PROTOCOL_FIELD = "protocol"  # task data: "esa" (an MQM task has no such key)
PROTOCOL = "esa"
EXTRAS_FIELD = "esa_with"  # task data: what else the page asks for (EXTRAS), [] for ESA alone
ENTITIES, POST_EDITS = "entities", "post-edits"  # entities and claims on the source; post-edit boxes
EXTRAS = (ENTITIES, POST_EDITS)
_CONTROL = re.compile(r"^esa_(?P<kind>span|score)_(?P<system>.+)_(?P<index>\d+)$")


def esa_text(mt: str) -> str:
    """What an ESA Text shows: the translation, then the omission marker."""
    return f"{mt} {schema.ESA_MISSING_MARKER}" if mt else schema.ESA_MISSING_MARKER


def add_esa_fields(data: dict[str, Any], extras: Sequence[str] = ()) -> dict[str, Any]:
    """``data`` (a task's data as :func:`annotate.labelstudio.tasks.task_data` builds it) with what
    an ESA page shows: every segment's ``esa_<key>`` text per system, ``protocol: esa`` and the
    ``extras`` the page asks for beside ESA (:data:`EXTRAS`)."""
    for segment in ts.segments(data):
        for key, entry in segment[ts.SEG_SYSTEMS].items():
            segment[FIELD_PREFIX + key] = esa_text(entry[ts.OUTPUT_TEXT])
    data[PROTOCOL_FIELD] = PROTOCOL
    data[EXTRAS_FIELD] = sorted(extras)
    return data


def task_extras(data: Any) -> list[str]:
    """What an ESA task's page asks for beside ESA ([] for ESA alone, or for an older task)."""
    extras = data.get(EXTRAS_FIELD) if isinstance(data, dict) else None
    return list(extras) if isinstance(extras, list) else []


def esa_label_config(systems: Sequence[str], extras: Sequence[str] = (), prefill: str = "",
                     languages: PageLanguages = PageLanguages()) -> str:
    """The labeling config of an ESA project showing ``systems`` (blind: "Translation 1 … n").
    ``extras``: also entities and claims on the whole source article (``"entities"``: the MQM
    page's buttons, above the segments) and post-edit boxes (``"post-edits"``, below them, starting
    with ``prefill``'s output as on an MQM page, or empty, and named in ``languages``)."""
    from html import escape

    from annotate.labelstudio import config as lsconfig

    unknown = sorted(set(extras) - set(EXTRAS))
    if unknown:
        raise ValueError(f"ESA pages can also ask for {' and '.join(EXTRAS)}, not {', '.join(unknown)}")
    keys = system_keys(systems)
    anchors = " · ".join(f"{score}: {text}" for score, text in schema.ESA_ANCHORS)
    severities = " ".join(f"{s.name}: {s.description}" for s in schema.ESA_SEVERITIES)
    out = ["<View>",
           '<Header value="Error Span Annotation: mark each error in a translation as Minor or Major (a missing '
           f'part: mark {schema.ESA_MISSING_MARKER}), then score the translation 0–100"/>',
           f'<Header size="6" value="{escape(severities)}"/>',
           f'<Header size="6" value="Score: {escape(anchors)}"/>']
    if POST_EDITS in extras:
        out.append(lsconfig.post_edit_style(prefill))
    if ENTITIES in extras:  # the whole article once, as on an MQM page: a claim may cross sentences
        out += ['<Header value="Source: entities and claims" size="5"/>', *lsconfig.entity_claim_controls(),
                f'<Text name="{lsconfig.SOURCE_TEXT}" value="${ts.SOURCE_FIELD}"/>']
    out += [f'<Repeater on="${ts.SEGMENTS_FIELD}" indexFlag="{{{{idx}}}}">',
           '<View style="border:1px solid #dde1e7;border-radius:6px;padding:8px 12px;margin:8px 0">',
           f'<Text name="{SOURCE_PREFIX}{{{{idx}}}}" value="${ts.SEGMENTS_FIELD}[{{{{idx}}}}].{ts.SEG_LABEL}"/>']
    for number, key in enumerate(keys.values(), start=1):
        text, span, score = (f"{prefix}{key}_{{{{idx}}}}" for prefix in (TEXT_PREFIX, SPAN_PREFIX, SCORE_PREFIX))
        labels = "".join(f'<Label value="{s.name}" background="{s.color}" hint="{escape(s.description)}"/>'
                         for s in schema.ESA_SEVERITIES)
        out += ['<View style="margin:6px 0 0 16px">',
                f'<Header size="6" value="Translation {number}"/>',
                f'<Labels name="{span}" toName="{text}" showInline="true">{labels}</Labels>',
                f'<Text name="{text}" value="${ts.SEGMENTS_FIELD}[{{{{idx}}}}].{FIELD_PREFIX}{key}"/>',
                f'<Number name="{score}" toName="{text}" min="{schema.ESA_SCORE_MIN}" max="{schema.ESA_SCORE_MAX}" '
                'required="true"/>',
                "</View>"]
    out += ["</View>", "</Repeater>"]
    if POST_EDITS in extras:
        out += lsconfig.post_edit_rows(prefill, languages)
    out.append("</View>")
    return "\n".join(out)


def esa_suggestions(data: dict[str, Any], mqm_result: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """ESA-AI: our MQM suggestions for a task (result items on the whole-article ``mt_<key>``
    texts, as :mod:`annotate.labelstudio.suggestions` makes them) as ESA span results on each
    segment's translation: Major and Minor kept, Neutral dropped, the category dropped (ESA has
    none); a suggestion across two segments is cut at the segment's end. Label Studio shows them
    as pre-filled regions (``origin: prediction`` until the annotator changes them)."""
    severity_of = {item["id"]: (item["value"].get("choices") or [None])[0] for item in mqm_result
                   if item.get("type") == "choices" and str(item.get("from_name", "")).startswith("severity_")}
    out: list[dict[str, Any]] = []
    for item in mqm_result:
        name, value = str(item.get("from_name", "")), item.get("value") or {}
        if item.get("type") != "labels" or not name.startswith("mqm_"):
            continue
        key, severity = name[len("mqm_"):], severity_of.get(item["id"])
        if severity not in schema.esa_severity_values():
            continue
        for index, segment in enumerate(ts.segments(data)):
            entry = segment[ts.SEG_SYSTEMS].get(key)
            if entry is None:
                continue
            text, at = entry[ts.OUTPUT_TEXT], entry[ts.OUTPUT_AT]
            start, end = value["start"] - at, value["end"] - at
            if end <= 0 or start >= len(text):
                continue
            start, end = max(start, 0), min(end, len(text))
            out.append({"id": f"{item['id']}-{index}", "from_name": f"{SPAN_PREFIX}{key}_{index}",
                        "to_name": f"{TEXT_PREFIX}{key}_{index}", "type": "labels", "origin": "prediction",
                        "value": {"start": start, "end": end, "text": text[start:end], "labels": [severity]}})
    return out


def prefill_fate(tasks: Iterable[dict[str, Any]]) -> dict[str, int]:
    """What annotators did with ESA-AI's pre-filled spans, over the annotations that started from
    them (Label Studio's ``parent_prediction``): ``kept`` (same place and severity), ``changed``
    (moved, resized or re-rated: an annotation span overlaps it), ``deleted`` (nothing left there),
    and ``added`` (the annotators' own spans, overlapping no suggestion)."""
    fate = {"kept": 0, "changed": 0, "deleted": 0, "added": 0}
    for task in tasks:
        if not is_esa_task(ts.data_of(task)):
            continue
        predictions = {p.get("id"): p for p in ts.shown_predictions(task)}
        for annotation in task.get(ts.ANNOTATIONS) or []:
            parent = predictions.get(annotation.get("parent_prediction"))
            if parent is None or annotation.get("was_cancelled"):
                continue
            suggested, done = _spans(parent.get(ts.RESULT)), _spans(annotation.get(ts.RESULT))
            for span in suggested:
                if span in done:
                    fate["kept"] += 1
                else:
                    fate["changed" if any(_overlap(span, other) for other in done) else "deleted"] += 1
            fate["added"] += sum(not any(_overlap(span, other) for other in suggested) for span in done)
    return fate


def _spans(result: Any) -> list[tuple[str, int, int, str]]:
    return [(item["from_name"], item["value"]["start"], item["value"]["end"], (item["value"].get("labels") or [""])[0])
            for item in result or [] if str(item.get("from_name", "")).startswith(SPAN_PREFIX)]


def _overlap(a: tuple[str, int, int, str], b: tuple[str, int, int, str]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def esa_instruction_html() -> str:
    """The project's instructions (Label Studio's "instructions" panel): ESA's steps and anchors."""
    from html import escape

    severities = "".join(f"<li><b>{s.name}</b>: {escape(s.description)}</li>" for s in schema.ESA_SEVERITIES)
    anchors = "".join(f"<li><b>{score}</b>: {escape(text)}</li>" for score, text in schema.ESA_ANCHORS)
    return ("<h3>Error Span Annotation (ESA)</h3><p>For every translation of every sentence: select each error and "
            f"click its severity; if something is missing, mark {schema.ESA_MISSING_MARKER} at the end. Then give "
            f"the translation a score from 0 to 100.</p><ul>{severities}</ul><p>Score anchors:</p><ul>{anchors}</ul>"
            "<p>The translations are shown without their systems' names, in the same order on every page.</p>")


def extras_of_config(label_config: str | None) -> tuple[str, ...]:
    """What an ESA config asks for beside ESA (:data:`EXTRAS`), read from its controls."""
    from annotate.labelstudio import config as lsconfig

    xml = label_config or ""
    found = {ENTITIES: f'name="{lsconfig.ENTITY_CONTROL}"' in xml,
             POST_EDITS: f'name="{lsconfig.POST_EDIT_PREFIX}' in xml}
    return tuple(extra for extra in EXTRAS if found[extra])


def is_esa_item(item: Any) -> bool:
    """Is this result item an ESA span or score (read here, not by the MQM parser)?"""
    return isinstance(item, dict) and str(item.get("from_name", "")).startswith((SPAN_PREFIX, SCORE_PREFIX))


def is_esa_task(data: Any) -> bool:
    """Is this task's data an ESA task's?"""
    return isinstance(data, dict) and data.get(PROTOCOL_FIELD) == PROTOCOL


def esa_ratings(tasks: Iterable[dict[str, Any]], languages: LanguagePair | None = None,
                problems: list[str] | None = None) -> list[ESARating]:
    """Every submitted ESA rating of an export (a list of Label Studio tasks): one per annotation,
    system and segment that has a score, in its task's language pair (as push recorded it; es-en for
    a task pushed before it did), or in ``languages`` when given (the user's word wins). What cannot
    be read (a span whose text is not the task's at its offsets, spans without a score, a span over
    words and the marker, a task's pair that is not one) is described in ``problems`` and its rating
    left out whole; without ``problems`` it is a ValueError listing all of them."""
    found: list[str] = []
    ratings = [rating for task in tasks if is_esa_task(ts.data_of(task))
               for rating in _task_ratings(task, languages, found)]
    if problems is not None:
        problems.extend(found)
    elif found:
        raise ValueError(f"{len(found)} ESA problem(s) in the export:\n" + "\n".join(f"  • {p}" for p in found))
    return ratings


def _task_ratings(task: dict[str, Any], languages: LanguagePair | None, problems: list[str]) -> list[ESARating]:
    data = ts.data_of(task)
    if languages is None:
        try:
            languages = ts.language_pair(data)
        except ValueError as exc:  # every rating of the task would carry a wrong pair: none is read
            problems.append(f"task {task.get(ts.TASK_ID)} (doc {ts.data_doc_id(task)}): {exc}")
            return []
    systems = {entry[ts.SYSTEM_KEY]: entry[ts.SYSTEM_NAME] for entry in ts.system_entries(data)}
    salt = default_salt(task)
    out: list[ESARating] = []
    for annotation in task.get(ts.ANNOTATIONS) or []:
        if annotation.get("was_cancelled"):
            continue
        where = f"task {task.get(ts.TASK_ID)} (doc {ts.data_doc_id(task)}) annotation {annotation.get('id')}"
        cells: dict[tuple[str, int], dict[str, Any]] = {}
        for item in annotation.get("result") or []:
            match = _CONTROL.match(str(item.get("from_name", "")))
            if not match or match["system"] not in systems:
                continue
            cell = cells.setdefault((match["system"], int(match["index"])), {"spans": [], "score": None})
            if match["kind"] == "score":
                cell["score"] = (item.get("value") or {}).get("number")
            else:
                cell["spans"].append(item.get("value") or {})
        ratings = []
        for (key, index), cell in sorted(cells.items()):
            if index >= len(ts.segments(data)):  # a result of another version of the task (or a hand edit)
                problems.append(f"{where}: {systems[key]}'s result for segment #{index + 1} of a task with "
                                f"{plural(len(ts.segments(data)), 'segment')}")
                continue
            segment = ts.segments(data)[index]
            at = f"{where}, segment {segment[ts.SEG_ID]}, {systems[key]}"
            spans = [span for value in cell["spans"] if (span := _span(value, segment, key, at, problems))]
            score = cell["score"]
            if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 100:
                marked = f" for its {plural(len(cell['spans']), 'span')}" if cell["spans"] else ""
                problems.append(f"{at}: no score from 0 to 100{marked} (got {score!r})")
                continue
            if len(spans) < len(cell["spans"]):  # a broken span: the rating is left out whole, never half-read
                continue
            ratings.append((key, segment, float(cell["score"]), tuple(spans)))
        end = _epoch(annotation.get("updated_at") or annotation.get("created_at"))
        lead = annotation.get("lead_time")
        each = float(lead) / len(ratings) if ratings and isinstance(lead, (int, float)) and lead >= 0 else None
        for key, segment, score, spans in ratings:
            out.append(ESARating(
                annotator=annotator_of(annotation.get("completed_by"), salt), system=systems[key],
                segment_id=int(segment[ts.SEG_ID]), source_language=languages.source,
                target_language=languages.target, score=score, doc_id=str(data[ts.DOC_ID]),
                is_complete_document=True, spans=spans,
                start_time=None if end is None or each is None else end - each, end_time=end,
                source=segment.get(ts.SEG_SOURCE), target=segment[ts.SEG_SYSTEMS][key][ts.OUTPUT_TEXT]))
    return out


def _span(value: dict[str, Any], segment: dict[str, Any], key: str, at: str, problems: list[str]) -> ESASpan | None:
    """One span result as an ESASpan (offsets into the translation; None both on the marker)."""
    shown, mt = segment.get(FIELD_PREFIX + key, ""), segment[ts.SEG_SYSTEMS][key][ts.OUTPUT_TEXT]
    start, end, labels = value.get("start"), value.get("end"), value.get("labels") or []
    severity = schema.esa_severity_values().get(labels[0]) if len(labels) == 1 else None
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(shown)):
        problems.append(f"{at}: span offsets {start!r}–{end!r} are outside the text")
        return None
    if value.get("text") is not None and shown[start:end] != value["text"]:
        problems.append(f"{at}: span text {value['text']!r} is not the task's {shown[start:end]!r} at {start}–{end}")
        return None
    if severity is None:
        problems.append(f"{at}: span label {labels!r} is not one of {list(schema.esa_severity_values())}")
        return None
    marker_at = len(shown) - len(schema.ESA_MISSING_MARKER)
    if start >= len(mt) and end > marker_at:  # on the marker (and perhaps the space before it)
        return ESASpan(None, None, severity)
    if end > marker_at:
        problems.append(f"{at}: a span covers both words and {schema.ESA_MISSING_MARKER}: mark them apart")
        return None
    return ESASpan(start, min(end, len(mt)), severity)


def _epoch(timestamp: Any) -> float | None:
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
