#!/usr/bin/env python
"""Screenshot one task's labeling page in a real headless Chromium, logged in as the annotator.

    .venv/bin/python scripts/screenshot_task.py --doc-id 8b7ccc30197217b9 --out docs/screenshots/labeling.png
    .venv/bin/python scripts/screenshot_task.py --task-id 12 --project "annotate: es-en news" --out t12.png
    .venv/bin/python scripts/screenshot_task.py --push seeds --doc-id … --out …   # push the folder first

Uses the local server (``annotate server start``; its credentials log in). For another server
give ANNOTATE_LS_URL/ANNOTATE_LS_TOKEN plus ANNOTATE_LS_USERNAME/ANNOTATE_LS_PASSWORD.
``--scroll 0.5`` scrolls the labeling area half-way first (e.g. to show the post-edit rows).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotate.labelstudio import DEFAULT_PROJECT_TITLE, LabelStudioError, ensure_server  # noqa: E402
from annotate.labelstudio import client as api  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--task-id", type=int, help="Label Studio task id")
    which.add_argument("--doc-id", help="the article's doc_id (task identity)")
    parser.add_argument("--project", default=DEFAULT_PROJECT_TITLE, help="project title")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--push", type=Path, help="first push this folder of raw articles to the project")
    parser.add_argument("--scroll", type=float, default=0.0, help="scroll the labeling area (0..1) first")
    parser.add_argument("--width", type=int, default=1680)
    parser.add_argument("--height", type=int, default=1050)
    args = parser.parse_args(argv)

    try:
        conn = ensure_server()
        if conn.external:
            conn = replace(conn, username=os.environ.get("ANNOTATE_LS_USERNAME"),
                           password=os.environ.get("ANNOTATE_LS_PASSWORD"))
        if args.push:
            from annotate.labelstudio import push_documents
            from annotate.pipeline import run_pipeline

            documents = run_pipeline(args.push).documents()
            print(push_documents(conn, documents, args.project).summary(), file=sys.stderr)
        ls = api.open_client(conn)
        project = api.find_project(ls, conn, args.project)
        if project is None:
            parser.error(f"no project titled {args.project!r} on {conn.url}")
        task_id = args.task_id
        if args.doc_id:
            found = api.list_tasks(ls, conn, project.id).get(args.doc_id)
            if not found:
                parser.error(f"no task with doc_id {args.doc_id!r} in project {project.id}")
            task_id = found[0].id
    except LabelStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    from annotate.labelstudio.browser import browser_page, login, open_task

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with browser_page({"width": args.width, "height": args.height}) as page:
        login(page, conn)
        open_task(page, conn, project.id, task_id)
        if args.scroll:
            page.evaluate("(f) => { for (const el of document.querySelectorAll('.lsf-main-content')) "
                          "el.scrollTop = (el.scrollHeight - el.clientHeight) * f; }", args.scroll)
        page.wait_for_timeout(800)
        page.screenshot(path=str(args.out))
    print(f"{args.out} ({conn.task_url(project.id, task_id)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
