"""Driving Label Studio's labeling UI in a real Chromium as an annotator does: label a text with
the mouse, select a region, tick a choice, write a note. Test-only (tests/test_browser.py); opening
the browser and the task is :mod:`annotate.labelstudio.browser`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_SELECT_TEXT_JS = r"""([objectIndex, needle, occurrence]) => {
  const root = document.querySelectorAll('.lsf-richtext__container')[objectIndex];
  if (!root) throw new Error('no text object #' + objectIndex);
  // Lines are rendered as text nodes separated by <br>: count each <br> as the "\n" it stands for.
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  const nodes = []; let full = '';
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.nodeType === Node.TEXT_NODE) { nodes.push([node, full.length]); full += node.data; }
    else if (node.tagName === 'BR') full += '\n';
  }
  needle = needle.replace(/\r/g, '\n');
  let at = -1;
  for (let k = 0; k <= occurrence; k++) { at = full.indexOf(needle, at + 1); if (at < 0) break; }
  if (at < 0) throw new Error('text not found in object #' + objectIndex + ': ' + needle);
  const end = at + needle.length, range = document.createRange();
  for (const [node, offset] of nodes) {
    if (offset <= at && at < offset + node.data.length) range.setStart(node, at - offset);
    if (offset < end && end <= offset + node.data.length) range.setEnd(node, end - offset);
  }
  if (range.collapsed) throw new Error('could not place a selection on: ' + needle);
  const selection = window.getSelection();
  selection.removeAllRanges(); selection.addRange(range);
  // Where a mouse would be released: the end of the selection. (Two mouseups at the same spot in
  // quick succession are a double click to the UI, which then reuses the previous label.)
  const rect = range.getBoundingClientRect();
  const x = rect.right, y = rect.bottom - 2;
  root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, clientX: x, clientY: y, screenX: x, screenY: y}));
}"""


# The labeling UI's own state: is a region selected (shown in the details panel)?
_SELECTED_REGION_JS = "() => Boolean(window.Htx?.annotationStore?.selected?.highlightedNode)"


def text_objects(page: Any) -> list[str]:
    """The text of every Text object as rendered, line by line (one line per sentence or blank
    line, joined with "\\n"), in page order: the source, each MT output, the post-edit rows."""
    return page.evaluate("""() => [...document.querySelectorAll('.lsf-richtext__container')].map(
        e => [...e.querySelectorAll('.lsf-richtext__line')].map(line => line.textContent).join('\\n'))""")


def regions(page: Any) -> list[list[str]]:
    """[region id, label values…] of every region of the annotation being edited."""
    return page.evaluate("""() => (window.Htx?.annotationStore?.selected?.regions ?? []).map(
        r => [r.id, ...r.results.filter(x => x.type.endsWith('labels')).flatMap(x => x.mainValue ?? [])])""")


def _unselect_all(page: Any) -> None:
    # What Escape does in the UI: unselect regions and disarm labels. (A label clicked while a
    # region is selected relabels that region; an armed label would label the next selection.)
    page.evaluate("() => window.Htx.annotationStore.selected.unselectAll()")


def label_text(page: Any, column: int, label: str, needle: str, occurrence: int = 0) -> None:
    """Pick ``label`` in column ``column``'s label bar (0 = source), then select ``needle`` in that
    column's text, as an annotator does with the mouse; checks that the region got the label."""
    button = page.locator(".ann-bar").nth(column).locator(".lsf-label", has_text=label).first
    created = label_object(page, button, column, needle, occurrence)
    # MQM buttons show the child of the stored "Parent/Child" category.
    if label not in created[1:] and not any(value.endswith("/" + label) for value in created[1:]):
        raise RuntimeError(f"the region on {needle!r} got labels {created[1:]} instead of {label!r}")

def select_region(page: Any, column: int, text: str) -> None:
    """Click a labelled region whose text starts with ``text``, near its start (a nested region may
    sit in its middle); the first click after a selection only ends the selection mode."""
    region = page.locator(".lsf-richtext__container").nth(column).locator(".htx-highlight", has_text=text).first
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):  # a click on a selected region unselects it: click until one is selected
        region.click(position={"x": 3, "y": 3})
        try:  # the UI may take a while on a busy machine: wait, but only as long as it needs
            page.wait_for_function(_SELECTED_REGION_JS, timeout=3_000)
            return
        except PlaywrightTimeout:
            continue
    raise RuntimeError(f"could not select the region {text!r} in text object #{column}")


def choose(page: Any, column: int, choice: str) -> None:
    """Tick a per-region choice (claim type, severity) shown in the column's bar for the selected region."""
    option = page.locator(".ann-bar").nth(column).locator(".lsf-choice", has_text=choice).first
    option.click()
    option.locator("input").first.wait_for(state="attached", timeout=10_000)
    page.wait_for_function("(el) => el.checked", arg=option.locator("input").first.element_handle(), timeout=10_000)


def write_note(page: Any, column: int, note: str) -> None:
    """Type the selected MQM region's note in the column's note box and press Enter (which is how
    a per-region TextArea adds its text); checks that the region now carries it."""
    box = page.locator(".ann-bar").nth(column).locator("textarea, input[type=text], input:not([type])").first
    box.fill(note)
    box.press("Enter")
    page.wait_for_function(
        """(note) => (window.Htx?.annotationStore?.selected?.highlightedNode?.results ?? [])
              .some(r => r.type === 'textarea' && JSON.stringify(r.mainValue ?? []).includes(JSON.stringify(note).slice(1, -1)))""",
        arg=note, timeout=10_000)


def label_object(page: Any, button: Any, object_index: int, needle: str, occurrence: int = 0) -> list[str]:
    """Click the label ``button`` (a locator), then select ``needle`` in the page's Text object
    ``object_index`` (page order, as :func:`text_objects` lists them) as a mouse does; returns the
    new region's [id, labels…]. For pages without our MQM layout's label bars (an ESA page)."""
    _unselect_all(page)
    button.click()
    page.wait_for_function("(el) => /_selected/.test(el.className)", arg=button.element_handle(), timeout=10_000)
    before = {region[0] for region in regions(page)}
    page.evaluate(_SELECT_TEXT_JS, [object_index, needle, occurrence])
    page.wait_for_function(f"() => (window.Htx?.annotationStore?.selected?.regions ?? []).length > {len(before)}",
                           timeout=10_000)
    (created,) = [region for region in regions(page) if region[0] not in before]
    _unselect_all(page)
    return created


@contextlib.contextmanager
def screenshot_on_failure(page: Any, path: Path) -> Iterator[None]:
    """On a failure inside the block, save what the browser shows at ``path`` (and say where)."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(path))
        print(f"screenshot of the failure: {path}")
        raise
