"""Which regions of an annotation are still an automatic suggestion as it was made.

A pre-annotation (Label Studio prediction) loaded into the labeling UI gives the annotator its
regions with their ids. A region the annotator kept as it was (same category, severity and span)
is still the suggestion; one they changed is theirs. The note the suggester wrote ("… (automatic
suggestion)") then no longer describes it, and :mod:`annotate.labelstudio.export` leaves it out
of the error's comment (the annotator's own note stays).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from annotate.labelstudio.config import region_choice_control

# A region as a suggestion made it: (control, object, start, end, label, its own choice); a region of
# an annotation with the same id and another signature was changed by the annotator.
RegionSignature = tuple[str, str, Any, Any, Any, Any]


def _signature(items: list[dict]) -> RegionSignature | None:
    """The signature of one region's result items (None without exactly one labels item)."""
    labels = [i for i in items if i.get("type") == "labels" and isinstance(i.get("value"), dict)]
    if len(labels) != 1:
        return None
    item, value = labels[0], labels[0]["value"]
    own = region_choice_control(str(item.get("from_name")))
    choices = [i["value"].get("choices") for i in items
               if i.get("type") == "choices" and i.get("from_name") == own and isinstance(i.get("value"), dict)]
    return (str(item.get("from_name")), str(item.get("to_name")), value.get("start"), value.get("end"),
            str(value.get("labels")), str(choices[0]) if choices else None)


def stale_suggestion_notes(region_id: str, items: list[dict],
                           suggested: Mapping[str, tuple[RegionSignature, frozenset[str]]] | None) -> frozenset[str]:
    """The notes a suggestion wrote on region ``region_id`` when the annotator changed the region
    since (category, severity, span): the region is theirs now, the suggestion's note is not."""
    if not suggested or region_id not in suggested:
        return frozenset()
    signature, notes = suggested[region_id]
    return notes if _signature(items) != signature else frozenset()


def suggested_regions(*predictions: Any) -> dict[str, tuple[RegionSignature, frozenset[str]]]:
    """Region id → (signature, note texts) of every region of these predictions (exported
    prediction objects; anything else is skipped); the first prediction holding an id wins."""
    out: dict[str, tuple[RegionSignature, frozenset[str]]] = {}
    for prediction in predictions:
        result = prediction.get("result") if isinstance(prediction, dict) else None
        if not isinstance(result, list):
            continue
        grouped: dict[str, list[dict]] = defaultdict(list)
        for item in result:
            if isinstance(item, dict) and item.get("id") is not None:
                grouped[str(item["id"])].append(item)
        for region_id, items in grouped.items():
            signature = _signature(items)
            if signature is not None and region_id not in out:
                notes = frozenset(str(text).strip() for i in items if i.get("type") == "textarea"
                                  and isinstance(i.get("value"), dict) for text in i["value"].get("text") or []
                                  if str(text).strip())
                out[region_id] = (signature, notes)
    return out
