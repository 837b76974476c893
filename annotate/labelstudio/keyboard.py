"""The labeling page's keyboard map: which key picks which label, category or severity, per
system column, and its description for the guidelines (:mod:`annotate.labelstudio.guidelines`)."""

from __future__ import annotations

from collections.abc import Sequence

from annotate import schema

# The keyboard map. Why explicit: Label Studio gives unkeyed labels and choices the next free key of
# "1234567890qwetasdfgzxcvbyiopjklnm" in config order and runs out after 33, so an MT column's keys
# shifted whenever a system was added, the second system got none and severities never had one.
# Here every system gets the same letters, the second with Shift; keys are never shared between
# controls (a choice's key also acts on a region of another control: measured in the UI).
SOURCE_LABEL_KEYS = "1234567"  # entities, then Claim
CLAIM_TYPE_KEYS = tuple(f"shift+{digit}" for digit in "12345")
CATEGORY_KEYS = "qwetasdfgzxcvbyiopjkl"  # MQM categories, schema order (u, r, h: Label Studio's own)
SOURCE_SIDE_KEYS = "nm"  # "Omission in …", "Source error in …"
SEVERITY_KEYS = "890"  # Major, Minor, Neutral
SYSTEM_MODIFIERS = ("", "shift+")  # the first and second MT system; later ones have no keys


def hotkeys(keys: Sequence[str], count: int, system_index: int = 0) -> list[str | None]:
    """``count`` hotkeys from ``keys`` for the system at ``system_index`` (None past either end)."""
    if system_index >= len(SYSTEM_MODIFIERS):
        return [None] * count
    modifier = SYSTEM_MODIFIERS[system_index]
    return [modifier + keys[i] if i < len(keys) else None for i in range(count)]


def keyboard_markdown(n_systems: int = len(SYSTEM_MODIFIERS)) -> str:
    """The keyboard map, for the guidelines."""
    def join(keys: Sequence[str | None], names: Sequence[str]) -> str:
        return ", ".join(f"{name} `{key}`" for key, name in zip(keys, names) if key)

    entities = [label.value for label in schema.ENTITY_LABELS] + [schema.CLAIM_LABEL]
    lines = [f"- Source: {join(hotkeys(SOURCE_LABEL_KEYS, len(entities)), entities)}; the claim's type: "
             f"{join(CLAIM_TYPE_KEYS, [label.value for label in schema.CLAIM_TYPES])}."]
    short = mqm_display_names()
    for index in range(min(n_systems, len(SYSTEM_MODIFIERS))):
        which = "first" if index == 0 else "second"
        categories = [short[c.name] for c in schema.MQM_CATEGORIES]
        severities = [s.name for s in schema.SEVERITIES]
        sides = [mqm_display_names()[c.name] + " in …" for c in schema.SOURCE_SIDE_CATEGORIES]
        lines.append(f"- The {which} translation column: "
                     f"{join(hotkeys(CATEGORY_KEYS, len(categories), index), categories)}; severity "
                     f"{join(hotkeys(SEVERITY_KEYS, len(severities), index), severities)}; in the source column "
                     f"{join(hotkeys(SOURCE_SIDE_KEYS, len(sides), index), sides)}.")
    lines.append("- Press a label's key, then select the words; with a region selected, press a severity key "
                 "of the region's own column (another column's key would attach that column's severity to it). "
                 "Columns after the second, and the severity of errors marked in the source, are clicked.")
    return "\n".join(lines)


def mqm_display_names() -> dict[str, str]:
    """MQM category → the short name on its button ("Accuracy/Omission" → "Omission"). Results
    store the full category (the Label's ``alias``); colours and hints show the parent."""
    short = {c.name: c.name.split("/", 1)[-1] for c in schema.MQM_CATEGORIES}
    if len(set(short.values())) != len(short):  # two children with one name: keep full names
        return {c.name: c.name for c in schema.MQM_CATEGORIES}
    return short
