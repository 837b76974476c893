"""A real headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) on the Label
Studio labeling page: log in through the login form, open a task, wait for the text to render,
take a screenshot. Used by tests/test_browser.py and scripts/screenshot_task.py (the tests' own
actions in the page, labelling and choosing as an annotator does, are in tests/browser_actions.py).

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
