"""The labeling config is derived from annotate.schema, well-formed, and accepted by a real server."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from annotate import schema
from annotate.labelstudio import config as lsconfig
from annotate.labelstudio import keyboard
from annotate.labelstudio import guidelines


def _tree(systems):
    return ET.fromstring(lsconfig.label_config(systems))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("argos", "argos"),
        ("apertium", "apertium"),
        ("Apertium spa-eng", "apertium_spa_eng"),
        ("argos-test-fixture", "argos_test_fixture"),
        ("NLLB 600M (ct2)", "nllb_600m_ct2"),
    ],
)
def test_system_key(name, key):
    assert lsconfig.system_key(name) == key


def test_system_keys_refuse_collisions_and_empty_names():
    with pytest.raises(ValueError, match="same Label Studio key 'a_b'"):
        lsconfig.system_keys(["a-b", "a b"])
    with pytest.raises(ValueError, match="no letters or digits"):
        lsconfig.system_key("--")


def test_every_schema_label_is_in_the_config_with_its_colour_and_hint():
    root = _tree(["argos", "apertium"])
    by_control = {c.get("name"): c for c in root.iter("Labels")}
    entity = {l.get("value"): l for l in by_control[lsconfig.ENTITY_CONTROL]}
    assert list(entity) == schema.entity_values()
    for label in schema.ENTITY_LABELS:
        assert entity[label.value].get("background") == label.color
        assert entity[label.value].get("hint") == label.description
    assert [l.get("value") for l in by_control[lsconfig.CLAIM_CONTROL]] == [schema.CLAIM_LABEL]
    for key in ("argos", "apertium"):
        mqm = by_control[lsconfig.mqm_control_name(key)]
        # The stored value (alias) is the full MQM category; the button shows the short name.
        assert [l.get("alias") for l in mqm] == schema.mqm_category_names()
        assert [l.get("background") for l in mqm] == [c.color for c in schema.MQM_CATEGORIES]
        assert mqm.get("toName") == lsconfig.mt_text_name(key)


def test_per_region_choices_come_from_the_schema():
    root = _tree(["argos"])
    choices = {c.get("name"): c for c in root.iter("Choices")}
    claim_type = choices[lsconfig.CLAIM_TYPE_CONTROL]
    assert claim_type.get("perRegion") == "true"
    assert claim_type.get("whenLabelValue") == schema.CLAIM_LABEL
    assert [c.get("value") for c in claim_type] == schema.claim_type_values()
    severity = choices[lsconfig.severity_control_name("argos")]
    assert severity.get("perRegion") == "true" and severity.get("required") == "true"
    assert [c.get("value") for c in severity] == schema.severity_names()


def test_every_control_points_at_an_object_tag():
    root = _tree(["argos", "apertium", "third"])
    objects = {t.get("name") for t in root.iter() if t.tag in ("Text",)}
    for control in root.iter():
        if control.tag in ("Labels", "Choices", "TextArea"):
            assert control.get("toName") in objects, control.get("name")


def test_mqm_buttons_have_unique_short_names():
    short = keyboard.mqm_display_names()
    assert short["Accuracy/Omission"] == "Omission"
    assert short["Non-translation!"] == "Non-translation!"
    assert len(set(short.values())) == len(schema.MQM_CATEGORIES)


def test_guidelines_cover_every_label_and_severity():
    text = guidelines.guidelines_markdown()
    html = guidelines.expert_instruction_html()
    for value in (*schema.entity_values(), *schema.claim_type_values(), *schema.mqm_category_names(),
                  *schema.severity_names()):
        assert value in text
    for severity in schema.SEVERITIES:
        assert severity.description in text
        assert severity.name in html
    assert guidelines.suggestions_guidance() in text and "Some tasks come without suggestions on purpose" in html
    assert guidelines.source_side_guidance() in text and "the &quot;Omission in …&quot; button" in html
    assert guidelines.SUBMITTING_GUIDANCE in text and "stays unrated until you mark its errors and press Update" in html


@pytest.mark.server
@pytest.mark.parametrize(("systems", "prefill"), [
    (["argos"], None), (["argos", "apertium"], None), (["argos", "apertium", "nllb-200"], None),
    (["argos", "apertium"], ""), (["argos", "apertium"], "apertium"),
], ids=["one", "two", "three", "two, empty boxes", "two, second system's output"])
def test_server_accepts_the_config(ls_server, systems, prefill, project_title):
    from annotate.labelstudio.client import open_client

    ls = open_client(ls_server)
    xml = lsconfig.label_config(systems, prefill)
    project = ls.projects.create(title=project_title, label_config=xml)  # a 400 would raise ApiError
    assert ls.projects.get(id=project.id).label_config == xml


@pytest.mark.parametrize(("prefill", "header", "ticks"), [
    (None, "each box starts with the argos output: correct it, or tick “Correct as is”", True),
    ("apertium", "each box starts with the apertium output", True),
    ("", "each box starts empty: write the translation", False),
])
def test_post_edit_boxes_say_what_they_start_with_and_prefilled_ones_can_be_confirmed(prefill, header, ticks):
    root = ET.fromstring(lsconfig.label_config(["argos", "apertium"], prefill))
    (repeater,) = root.iter("Repeater")
    (box,) = repeater.iter("TextArea")
    assert box.get("name") == "pe_{{idx}}" and box.get("value") == "$segments[{{idx}}].mt"  # the task data's prefill
    # the tick is always there (Label Studio refuses to drop a control annotations use), hidden
    # where the boxes start empty
    (choices,) = repeater.iter("Choices")
    assert (choices.get("name"), choices.get("toName"), choices.get("choice")) == ("ok_{{idx}}", "seg_{{idx}}", "multiple")
    assert [c.get("value") for c in choices] == [guidelines.POST_EDIT_CONFIRM_CHOICE]
    (style,) = root.iter("Style")
    assert (".ann-pe-tick { display: none; }" in style.text) is not ticks
    assert any(header in (h.get("value") or "") for h in root.iter("Header"))
    assert guidelines.post_edit_guidance() in guidelines.guidelines_markdown()
    assert "tick &quot;Correct as is&quot;" in guidelines.expert_instruction_html()


@pytest.mark.server
def test_server_rejects_a_broken_config(ls_server, project_title):
    """The acceptance test above can fail: a control pointing at no object is refused."""
    from label_studio_sdk.core.api_error import ApiError

    from annotate.labelstudio.client import open_client

    broken = lsconfig.label_config(["argos"]).replace('toName="mt_argos"', 'toName="mt_nowhere"', 1)
    with pytest.raises(ApiError) as info:
        open_client(ls_server).projects.create(title=project_title, label_config=broken)
    assert info.value.status_code == 400


def test_source_side_errors_have_one_button_per_category_and_system():
    root = _tree(["argos", "apertium"])
    (labels,) = [c for c in root.iter("Labels") if c.get("name") == lsconfig.SOURCE_ERROR_CONTROL]
    assert labels.get("toName") == lsconfig.SOURCE_TEXT
    values = [l.get("value") for l in labels]
    assert values == ["Omission in argos", "Source error in argos", "Omission in apertium", "Source error in apertium"]
    assert [c.name for c in schema.SOURCE_SIDE_CATEGORIES] == ["Accuracy/Omission", "Source error"]
    assert lsconfig.source_error_labels(["argos", "apertium"])["Omission in apertium"] == ("apertium", "Accuracy/Omission")
    # severity and note show only on these regions (not on entities or claims), for any of them
    for control in [*root.iter("Choices"), *root.iter("TextArea")]:
        if control.get("name") in (lsconfig.SOURCE_ERROR_SEVERITY_CONTROL, lsconfig.SOURCE_ERROR_NOTE_CONTROL):
            assert control.get("whenLabelValue").split(",") == values and control.get("perRegion") == "true"
    (severity,) = [c for c in root.iter("Choices") if c.get("name") == lsconfig.SOURCE_ERROR_SEVERITY_CONTROL]
    assert [c.get("value") for c in severity] == schema.severity_names() and severity.get("required") == "true"
    assert lsconfig.SOURCE_ERROR_NOTE_CONTROL not in {lsconfig.note_control_name(k) for k in ("argos", "apertium")}


def test_source_side_labels_have_no_commas_and_never_clash():
    assert lsconfig.source_error_label("Accuracy/Omission", "nllb, 600M") == "Omission in nllb  600M"
    with pytest.raises(ValueError, match="would share the source label 'Omission in a b'"):
        lsconfig.source_error_labels(["a,b", "a b"])


@pytest.mark.parametrize("systems", [["apertium"], ["argos", "apertium"], ["argos", "apertium", "third"]])
def test_keyboard_map_is_stable_and_never_shares_a_key(systems):
    """Every system's column keeps the same keys however many systems there are (the second with
    Shift); no two labels or choices share a key; columns after the second have none."""
    root = ET.fromstring(lsconfig.label_config(systems))
    hotkeys = [(e.get("hotkey"), e.get("value")) for e in root.iter() if e.get("hotkey")]
    assert len({key for key, _ in hotkeys}) == len(hotkeys)
    by_control = {c.get("name"): {e.get("value"): e.get("hotkey") for e in c} for c in root.iter()
                  if c.tag in ("Labels", "Choices")}
    assert by_control["entity"]["PER"] == "1" and by_control["claim"][schema.CLAIM_LABEL] == "7"
    first = by_control["mqm_" + lsconfig.system_key(systems[0])]
    assert first["Mistranslation"] == "q" and by_control["severity_" + lsconfig.system_key(systems[0])]["Major"] == "8"
    assert all(first.values())  # every MQM category of the first column has a key
    if len(systems) > 1:
        second = by_control["mqm_" + lsconfig.system_key(systems[1])]
        assert second == {value: f"shift+{key}" for value, key in first.items()}
    if len(systems) > 2:
        assert not any(by_control["mqm_third"].values()) and not any(by_control["severity_third"].values())
    assert not any(by_control[lsconfig.SOURCE_ERROR_SEVERITY_CONTROL].values())
    assert "`shift+q`" in guidelines.guidelines_markdown()


def test_the_review_control_lets_a_reviewer_tick_the_final_annotation():
    """Community's UI cannot star an annotation as ground truth: the config carries a "Final" tick
    (one Choices on the source text, not per region, not required) and the guidelines say who ticks it."""
    from annotate.labelstudio.review import FINAL_CHOICE, REVIEW_CONTROL

    root = ET.fromstring(lsconfig.label_config(["apertium", "argos"]))
    (review,) = [c for c in root.iter("Choices") if c.get("name") == REVIEW_CONTROL]
    assert review.get("toName") == lsconfig.SOURCE_TEXT and review.get("perRegion") is None
    assert review.get("required") is None and review.get("choice") == "multiple"
    assert [c.get("value") for c in review.iter("Choice")] == [FINAL_CHOICE]
    for text in (guidelines.guidelines_markdown(), guidelines.expert_instruction_html()):
        assert "Review" in text and "Final: this annotation is the adjudicated one" in text
        assert "star" not in text.lower().replace("start", "")  # no button to star in Community's UI
