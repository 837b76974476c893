"""The Label Studio labeling config, generated from :mod:`annotate.schema` and the MT systems.

Design (why the interface looks the way it does):

* **One Text per document, not one per segment.** Entities and claims are labelled on ONE
  ``Text`` holding the whole Spanish article, so a claim may cross sentence boundaries and the
  annotator reads the article as an article. Each MT system gets ONE ``Text`` too, for MQM error
  spans. A project's config is fixed while articles have 5 to 80 sentences: per-segment object
  tags would need a maximum and could not hold a cross-sentence span.
* **Numbered, aligned lines.** Every document-level Text shows one sentence per line, prefixed by
  its number (``[7] …``), with a blank line between paragraphs; the source and each translation
  use the same numbering and the same paragraph breaks, in side-by-side columns. The offsets of
  every sentence inside these display texts are stored in the task data
  (:mod:`annotate.labelstudio.layout`), so export maps a region back to ``Article.text`` offsets
  (entities, claims) or to ``(seg_id, offset in that segment's MT)`` (MQM errors) and checks the
  text on the way.
* **Post-edits: a Repeater of one TextArea per segment** (``pe_0``, ``pe_1``, … over
  ``$segments``), each next to its numbered source sentence, starting with the task data's
  ``segments[i].mt``: a system's output or nothing (``annotate push --post-edit-start``). A
  prefilled box has a "Correct as is" tick (``ok_0``, …; hidden where boxes start empty, never
  removed: Label Studio refuses a config without a control annotations use): a box left as it
  started counts as a post-edit only when ticked (:mod:`annotate.labelstudio.post_edits`). A
  result's ``from_name`` names its segment index, so the mapping back to ``seg_id`` is unambiguous
  and needs no offsets; a perRegion TextArea would depend on which span the annotator happened to
  select, and one big TextArea on the annotator keeping line numbers intact.
* **Per-region attributes** (claim type, MQM severity) are ``Choices perRegion`` shown when a
  region is selected; an MQM error also has an optional note (``TextArea perRegion``: why it is
  an error, what the right translation is). In the export they share the region's id.
* Guidelines (label definitions, severity guidance, the keyboard map) come from the schema
  (:mod:`annotate.labelstudio.guidelines`, :mod:`annotate.labelstudio.keyboard`), name the
  project's languages, and appear both in a collapsible panel on the labeling page and as the
  project's ``expert_instruction``.
* **A review control** under the title: a reviewer ticks "Final" in the annotation to keep
  (:mod:`annotate.labelstudio.review`: Community's UI cannot star one as ground truth).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from annotate import schema
from annotate.labelstudio import task_shape
from annotate.labelstudio.guidelines import POST_EDIT_CONFIRM_CHOICE, PageLanguages, guidelines_markdown
from annotate.labelstudio.keyboard import (
    CATEGORY_KEYS,
    CLAIM_TYPE_KEYS,
    SEVERITY_KEYS,
    SOURCE_LABEL_KEYS,
    SOURCE_SIDE_KEYS,
    hotkeys,
    mqm_display_names,
)
from annotate.labelstudio.review import review_control_xml
# The task data fields the config shows (their names are task_shape's; kept here too, where callers found them)
from annotate.labelstudio.task_shape import SEGMENTS_FIELD, SOURCE_FIELD

# Text tag of the Spanish article (display text with numbered sentences), showing data[SOURCE_FIELD]
SOURCE_TEXT = "source"
ENTITY_CONTROL = "entity"
CLAIM_CONTROL = "claim"
CLAIM_TYPE_CONTROL = "claim_type"
POST_EDIT_PREFIX = "pe_"  # pe_{index}: TextArea of segment index (0-based position in $segments)
POST_EDIT_TEXT_PREFIX = "seg_"  # seg_{index}: the numbered source sentence the TextArea belongs to
POST_EDIT_CONFIRM_PREFIX = "ok_"  # ok_{index}: the "Correct as is" tick of a prefilled post-edit box
ERROR_NOTE_PREFIX = "note_"  # note_{system key}: per-region TextArea, the note of an MQM error
# Errors marked in the SOURCE (omissions, source errors: schema.SOURCE_SIDE_CATEGORIES), one label
# per category × system ("Omission in apertium"), with their own severity and note controls. The
# note's name cannot clash with note_{system key}: a system key never starts with "_".
SOURCE_ERROR_CONTROL = "source_error"
SOURCE_ERROR_SEVERITY_CONTROL = "source_error_severity"
SOURCE_ERROR_NOTE_CONTROL = f"{ERROR_NOTE_PREFIX}_source"
_SLUG = re.compile(r"[^0-9a-z]+")


def system_key(system: str) -> str:
    """A tag-name-safe key for an MT system name (``"Apertium spa-eng"`` → ``"apertium_spa_eng"``)."""
    key = _SLUG.sub("_", system.lower()).strip("_")
    if not key:
        raise ValueError(f"MT system name {system!r} has no letters or digits to name its Label Studio tags")
    return key


def system_keys(systems: Sequence[str]) -> dict[str, str]:
    """System name → key, refusing two systems that would share tag names."""
    keys: dict[str, str] = {}
    for system in systems:
        key = system_key(system)
        clash = [s for s, k in keys.items() if k == key]
        if clash:
            raise ValueError(f"MT systems {clash[0]!r} and {system!r} map to the same Label Studio key {key!r}")
        keys[system] = key
    return keys


def mt_text_name(key: str) -> str:
    """The Text tag of system ``key``'s output: named as its task data field (``mt_<key>``)."""
    return task_shape.mt_field(key)


def mqm_control_name(key: str) -> str:
    return f"mqm_{key}"


def severity_control_name(key: str) -> str:
    return f"severity_{key}"


def note_control_name(key: str) -> str:
    """The per-region note (``ErrorSpan.comment``) of an MQM error on system ``key``'s output."""
    return f"{ERROR_NOTE_PREFIX}{key}"


def region_choice_control(control: str) -> str | None:
    """The per-region choice control that qualifies a region of label control ``control``."""
    if control == CLAIM_CONTROL:
        return CLAIM_TYPE_CONTROL
    if control == SOURCE_ERROR_CONTROL:
        return SOURCE_ERROR_SEVERITY_CONTROL
    mqm_prefix = mqm_control_name("")
    if control.startswith(mqm_prefix):
        return severity_control_name(control[len(mqm_prefix):])
    return None


def source_error_label(category: str, system: str) -> str:
    """The button (and stored label) of a source-side error of one system: "Omission in apertium".
    No commas: Label Studio reads ``whenLabelValue`` as a comma-separated list."""
    return f"{mqm_display_names()[category]} in {system}".replace(",", " ")


def source_error_labels(systems: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Label of every source-side error button → (system, MQM category), refusing two systems
    whose labels would be the same."""
    labels: dict[str, tuple[str, str]] = {}
    for system in systems:
        for category in schema.SOURCE_SIDE_CATEGORIES:
            label = source_error_label(category.name, system)
            if label in labels:
                raise ValueError(f"MT systems {labels[label][0]!r} and {system!r} would share the source label "
                                 f"{label!r}")
            labels[label] = (system, category.name)
    return labels


def _attrs(**attrs: object) -> str:
    return " ".join(f'{name.rstrip("_")}="{html.escape(str(value), quote=True)}"' for name, value in attrs.items()
                    if value is not None)


def _label(label_value: str, hint: str, color: str, alias: str | None = None, hotkey: str | None = None) -> str:
    return f"<Label {_attrs(value=label_value, alias=alias, background=color, hint=hint, hotkey=hotkey)}/>"


_STYLE = """
.ann-grid { display: grid; grid-auto-flow: row dense; column-gap: 16px; align-items: start; }
.ann-bar { grid-row: 1; position: sticky; top: 0; z-index: 5; background: #fff; padding: 4px 0 2px;
           border-bottom: 2px solid #e6e6e6; align-self: stretch; }
.ann-bar h4 { margin: 0 0 2px 0 !important; font-size: 15px; }
.ann-bar .lsf-label { font-size: 12px; line-height: 18px; padding: 0 5px; margin: 1px 3px 1px 0; }
.ann-bar .lsf-label__hotkey { font-size: 10px; }
.ann-doc, .ann-doc .lsf-object, .ann-doc .lsf-richtext__container { display: contents; }
.ann-doc br { display: none; }
.ann-doc .lsf-richtext__line { display: block; white-space: pre-wrap; font-size: 15px; line-height: 1.55; padding: 3px 2px;
                               min-height: 10px; border-bottom: 1px dotted #eee; }
.ann-doc .lsf-richtext__line:empty { border-bottom: none; }
.ann-pe-row { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); column-gap: 16px;
              border-top: 1px solid #eee; padding: 2px 0; }
.ann-pe-row .lsf-richtext { font-size: 14px; }
.ann-pe-row [data-testid=textarea-submit-section] { display: none; }
""".strip()


# NB: Label Studio passes the <Style> text through an HTML sanitizer that escapes ">": no child
# combinators in these rules (a rule containing one is silently dropped).
def _alignment_style(columns: int) -> str:
    """Row alignment of the texts: every sentence line of every text becomes an item of ONE grid
    (its wrappers are ``display: contents``), placed in its text's column; with dense auto-flow,
    line i of every column lands in the same row, as tall as the longest of them. All texts
    have the same line structure (layout.py), so sentence [n] sits side by side everywhere."""
    rules = [f".ann-grid {{ grid-template-columns: repeat({columns}, minmax(0, 1fr)); }}"]
    for column in range(1, columns + 1):
        rules.append(f".ann-c{column} {{ grid-column: {column}; }} "
                     f".ann-c{column} .lsf-richtext__line {{ grid-column: {column}; }}")
    return "\n".join(rules)


def label_config(systems: Sequence[str], post_edit_prefill: str | None = None,
                 languages: PageLanguages = PageLanguages()) -> str:
    """The labeling config XML for these MT systems (order kept). ``post_edit_prefill`` says
    what the post-edit boxes start with, for their header and their "Correct as is" ticks: a
    system's name, ``""`` for empty boxes (ticks hidden), None for the first system's output.
    ``languages``: how the page and its guidelines name the source and target languages.

    Layout: a grid with one column per text (source, then each system); its first row holds each
    column's label bar (sticky while scrolling), the next rows one sentence each, aligned across
    columns (see :func:`_alignment_style`)."""
    keys = system_keys(systems)
    columns = 1 + len(keys)
    prefill = systems[0] if post_edit_prefill is None and systems else post_edit_prefill or ""
    hide_ticks = "" if prefill else "\n.ann-pe-tick { display: none; }"
    out: list[str] = ["<View>", f"<Style>{_STYLE}\n{_alignment_style(columns)}{hide_ticks}</Style>",
                      f'<Header value="${task_shape.TITLE}" size="3"/>',
                      '<Collapse><Panel value="Guidelines: labels, MQM categories, severities (click to open)">',
                      f"<View><Markdown><![CDATA[\n{guidelines_markdown(languages)}\n]]></Markdown></View>",
                      "</Panel></Collapse>",
                      review_control_xml(SOURCE_TEXT),  # a reviewer's "Final" tick (labelstudio.review)
                      '<View className="ann-grid">']

    # Row 1: label bars. Source: entities + claims (with the per-region claim type).
    out.append('<View className="ann-bar ann-c1">')
    out.append(f"<Header {_attrs(value=f'{languages.source} source: entities, claims, and what a translation omitted', size='5')}/>")
    out += entity_claim_controls()
    # Errors marked in the source (omissions): one button per category × system, then severity, note.
    source_labels = source_error_labels(list(keys))
    if source_labels:
        colors = {c.name: c.color for c in schema.SOURCE_SIDE_CATEGORIES}
        descriptions = {c.name: c.description for c in schema.SOURCE_SIDE_CATEGORIES}
        out.append(f"<Labels {_attrs(name=SOURCE_ERROR_CONTROL, toName=SOURCE_TEXT, showInline='true')}>")
        side_keys = {(system, category.name): key for index, system in enumerate(keys)
                     for category, key in zip(schema.SOURCE_SIDE_CATEGORIES,
                                              hotkeys(SOURCE_SIDE_KEYS, len(schema.SOURCE_SIDE_CATEGORIES), index))}
        out += [_label(label, f"{category}, {system} translation, marked in the source. {descriptions[category]}",
                       colors[category], hotkey=side_keys[system, category])
                for label, (system, category) in source_labels.items()]
        out.append("</Labels>")
        when = ",".join(source_labels)
        out.append(f"<Choices {_attrs(name=SOURCE_ERROR_SEVERITY_CONTROL, toName=SOURCE_TEXT, perRegion='true', required='true', visibleWhen='region-selected', whenLabelValue=when, showInline='true')}>")
        out += [f"<Choice {_attrs(value=s.name, hint=s.description)}/>" for s in schema.SEVERITIES]
        out.append("</Choices>")
        out.append(f"<TextArea {_attrs(name=SOURCE_ERROR_NOTE_CONTROL, toName=SOURCE_TEXT, perRegion='true', visibleWhen='region-selected', whenLabelValue=when, maxSubmissions='1', editable='true', rows='1', placeholder='Note (optional): what the translation lost; Enter to add')}/>")
    out.append("</View>")
    # Each MT system: MQM categories + the per-region severity.
    short = mqm_display_names()
    for column, (system, key) in enumerate(keys.items(), start=2):
        text = mt_text_name(key)
        out.append(f'<View className="ann-bar ann-c{column}">')
        out.append(f"<Header {_attrs(value=f'MT {system}: translation errors (MQM)', size='5')}/>")
        out.append(f"<Labels {_attrs(name=mqm_control_name(key), toName=text, showInline='true')}>")
        out += [_label(short[c.name], f"{c.name}: {c.description}", c.color, alias=c.name, hotkey=hotkey)
                for c, hotkey in zip(schema.MQM_CATEGORIES, hotkeys(CATEGORY_KEYS, len(schema.MQM_CATEGORIES), column - 2))]
        out.append("</Labels>")
        out.append(f"<Choices {_attrs(name=severity_control_name(key), toName=text, perRegion='true', required='true', visibleWhen='region-selected', showInline='true')}>")
        out += [f"<Choice {_attrs(value=s.name, hint=s.description, hotkey=hotkey)}/>"
                for s, hotkey in zip(schema.SEVERITIES, hotkeys(SEVERITY_KEYS, len(schema.SEVERITIES), column - 2))]
        out.append("</Choices>")
        out.append(f"<TextArea {_attrs(name=note_control_name(key), toName=text, perRegion='true', visibleWhen='region-selected', maxSubmissions='1', editable='true', rows='1', placeholder='Note (optional): why, and the right translation; Enter to add')}/>")
        out.append("</View>")
    # Row 2: the texts, whole documents with numbered sentences.
    out.append(f'<View className="ann-doc ann-c1"><Text {_attrs(name=SOURCE_TEXT, value="$" + SOURCE_FIELD)}/></View>')
    for column, key in enumerate(keys.values(), start=2):
        out.append(f'<View className="ann-doc ann-c{column}">'
                   f'<Text {_attrs(name=mt_text_name(key), value="$" + mt_text_name(key))}/></View>')
    out.append("</View>")

    out += post_edit_rows(prefill, languages)
    out.append("</View>")
    return "\n".join(out)


def entity_claim_controls() -> list[str]:
    """The entity and claim buttons (and the claim type asked per region) on the source Text:
    the MQM page's source bar, and an ESA page's when it asks for entities and claims too."""
    source_keys = hotkeys(SOURCE_LABEL_KEYS, len(schema.ENTITY_LABELS) + 1)
    out = [f"<Labels {_attrs(name=ENTITY_CONTROL, toName=SOURCE_TEXT, showInline='true')}>"]
    out += [_label(l.value, l.description, l.color, hotkey=key) for l, key in zip(schema.ENTITY_LABELS, source_keys)]
    out.append("</Labels>")
    out.append(f"<Labels {_attrs(name=CLAIM_CONTROL, toName=SOURCE_TEXT, showInline='true')}>")
    out.append(_label(schema.CLAIM_LABEL, "A checkable factual claim; then choose its type.", "#ffe119",
                      hotkey=source_keys[-1]))
    out.append("</Labels>")
    out.append(f"<Choices {_attrs(name=CLAIM_TYPE_CONTROL, toName=SOURCE_TEXT, perRegion='true', required='true', visibleWhen='region-selected', whenLabelValue=schema.CLAIM_LABEL, showInline='true')}>")
    out += [f"<Choice {_attrs(value=l.value, hint=l.description, hotkey=key)}/>"
            for l, key in zip(schema.CLAIM_TYPES, hotkeys(CLAIM_TYPE_KEYS, len(schema.CLAIM_TYPES)))]
    out.append("</Choices>")
    return out


def post_edit_style(prefill: str) -> str:
    """The page style the post-edit rows need (their "Correct as is" ticks hidden where boxes start empty)."""
    return f"<Style>{_STYLE}" + ("" if prefill else "\n.ann-pe-tick { display: none; }") + "</Style>"


def post_edit_rows(prefill: str, languages: PageLanguages = PageLanguages()) -> list[str]:
    """The post-edit boxes, one per segment (a Repeater over the task's segments), with their
    header; ``prefill``: the system whose output they start with, "" for empty boxes."""
    out: list[str] = []
    # Post-edits: one TextArea per segment, starting with the task data's segments[i].mt (a
    # system's output, or nothing). Submitting the annotation stores every box as it is (edited or
    # not), so the TextArea's own "Add" controls are hidden: they only confuse. A prefilled box
    # left as it started counts only when its "Correct as is" is ticked (labelstudio.post_edits).
    start = (f" (each box starts with the {prefill} output: correct it, or tick “{POST_EDIT_CONFIRM_CHOICE}”)"
             if prefill else " (each box starts empty: write the translation)")
    out.append(f"<Header {_attrs(value=f'Post-edit: the correct {languages.target} of each sentence{start}', size='5')}/>")
    out.append(f"<Repeater {_attrs(on='$' + SEGMENTS_FIELD, indexFlag='{{idx}}')}>")
    out.append('<View className="ann-pe-row">')
    out.append(f"<Text {_attrs(name=POST_EDIT_TEXT_PREFIX + '{{idx}}', value='$' + SEGMENTS_FIELD + '[{{idx}}].' + task_shape.SEG_LABEL)}/>")
    out.append("<View>")
    out.append(f"<TextArea {_attrs(name=POST_EDIT_PREFIX + '{{idx}}', toName=POST_EDIT_TEXT_PREFIX + '{{idx}}', value='$' + SEGMENTS_FIELD + '[{{idx}}].' + task_shape.SEG_PREFILL, maxSubmissions='1', editable='true', rows='3')}/>")
    # The tick is in every config, hidden where boxes start empty (nothing to confirm): Label Studio
    # refuses a config without a control that existing annotations use (measured: HTTP 400).
    out.append('<View className="ann-pe-tick">')
    out.append(f"<Choices {_attrs(name=POST_EDIT_CONFIRM_PREFIX + '{{idx}}', toName=POST_EDIT_TEXT_PREFIX + '{{idx}}', choice='multiple', showInline='true')}>"
               f"<Choice {_attrs(value=POST_EDIT_CONFIRM_CHOICE, hint='The machine translation in the box is already correct: use it as the reference.')}/></Choices>")
    out.append("</View></View></View></Repeater>")
    return out
