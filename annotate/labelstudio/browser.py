"""A real headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) on the Label
Studio labeling page: log in through the login form, open a task, wait for the text to render,
take a screenshot. Used by tests/test_browser.py and scripts/screenshot_task.py.

Never ``playwright install``: we launch the system browser with a fresh profile, no network
services (sync, component updates, QUIC) and no sandbox (containers have no user namespaces).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotate.labelstudio.connection import Connection

CHROMIUM = os.environ.get("ANNOTATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1680, "height": 1050}


def chromium_available() -> bool:
    """Is the system Chromium there (and Playwright importable)?"""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


@contextmanager
def browser_page(viewport: dict[str, int] | None = None) -> Iterator[Any]:
    """A Playwright page in a headless Chromium with a throw-away profile."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="annotate-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                viewport=viewport or VIEWPORT, device_scale_factor=1, locale="en-US",
            )
            try:
                yield context.pages[0] if context.pages else context.new_page()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def login(page: Any, conn: Connection, timeout_ms: float = 60_000) -> None:
    """Log in through Label Studio's login form (needs the connection's username + password)."""
    if not conn.username or not conn.password:
        raise ValueError("logging in needs a username and password (the local server's credentials)")
    page.goto(f"{conn.url}/user/login/", timeout=timeout_ms)
    page.fill("input[name=email]", conn.username)
    page.fill("input[name=password]", conn.password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(lambda url: "/user/login" not in url, timeout=timeout_ms)


def open_task(page: Any, conn: Connection, project_id: int, task_id: int, timeout_ms: float = 90_000) -> None:
    """Open a task's labeling page and wait until the source text is rendered."""
    page.goto(conn.task_url(project_id, task_id), timeout=timeout_ms)
    page.wait_for_selector(".ann-doc, .lsf-richtext, .htx-richtext", timeout=timeout_ms)
    page.wait_for_load_state("networkidle", timeout=timeout_ms)


def screenshot_task(conn: Connection, project_id: int, task_id: int, out: Path | str, *,
                    full_page: bool = False, viewport: dict[str, int] | None = None) -> Path:
    """Log in, open the task and save a PNG screenshot; returns its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with browser_page(viewport) as page:
        login(page, conn)
        open_task(page, conn, project_id, task_id)
        page.screenshot(path=str(out), full_page=full_page)
    return out


# ── driving the labeling UI like an annotator (tests, screenshots) ─────────────────────────────

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
    _unselect_all(page)
    button = page.locator(".ann-bar").nth(column).locator(".lsf-label", has_text=label).first
    button.click()
    page.wait_for_function("(el) => /_selected/.test(el.className)", arg=button.element_handle(), timeout=10_000)
    before = {region[0] for region in regions(page)}
    page.evaluate(_SELECT_TEXT_JS, [column, needle, occurrence])
    page.wait_for_function(f"() => (window.Htx?.annotationStore?.selected?.regions ?? []).length > {len(before)}",
                           timeout=10_000)
    (created,) = [region for region in regions(page) if region[0] not in before]
    # MQM buttons show the child of the stored "Parent/Child" category.
    if label not in created[1:] and not any(value.endswith("/" + label) for value in created[1:]):
        raise RuntimeError(f"the region on {needle!r} got labels {created[1:]} instead of {label!r}")
    _unselect_all(page)


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
