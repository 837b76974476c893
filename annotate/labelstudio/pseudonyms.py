"""Annotator pseudonyms, and an export with every user identity replaced by them.

Annotators are pseudonymised: ``annotator-`` + 8 hex digits of SHA-256 over a project salt and the
user's e-mail (or user id when the export has no e-mail). Users created by
:func:`annotate.labelstudio.push.push_documents` for imported gold annotations have emails
``<pseudonym>@annotate.invalid`` and keep that pseudonym.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from annotate.labelstudio import task_shape as ts

IMPORTED_USER_DOMAIN = "annotate.invalid"  # reserved TLD: these addresses can never receive mail
_IMPORTED_EMAIL = re.compile(r"^([A-Za-z0-9._-]+)@" + re.escape(IMPORTED_USER_DOMAIN) + "$")


def completed_by_email(email: str) -> dict[str, str]:
    """``completed_by`` of an imported annotation: Label Studio resolves members by email."""
    return {"email": email}


def imported_user_email(annotator: str) -> str:
    """The Label Studio account standing for an imported annotator pseudonym."""
    local = re.sub(r"[^A-Za-z0-9._-]+", "-", annotator).strip("-.") or "annotator"
    return f"{local}@{IMPORTED_USER_DOMAIN}"


def pseudonym(user_id: Any, email: str | None, salt: str) -> str:
    """A stable pseudonym for a Label Studio user; never contains the email."""
    if email:
        match = _IMPORTED_EMAIL.match(email)
        if match:
            return match.group(1)
    # The e-mail identifies a person everywhere (annotations carry id + e-mail, drafts only the
    # e-mail); the id is used when no e-mail is exported.
    identity = f"email:{email.strip().lower()}" if email else f"id:{user_id}"
    digest = hashlib.sha256(f"{salt}\0{identity}".encode()).hexdigest()
    return f"annotator-{digest[:8]}"


def default_salt(task: dict[str, Any]) -> str:
    """The salt of a task's pseudonyms when none is given: derived from its project id."""
    return f"label-studio-project-{task.get('project')}"


def annotator_of(completed_by: Any, salt: str) -> str:
    """The pseudonym of an annotation's ``completed_by`` (a draft's ``user``), however exported."""
    if isinstance(completed_by, dict):
        if completed_by.get("pseudonym"):
            return str(completed_by["pseudonym"])
        return pseudonym(completed_by.get("id"), completed_by.get("email"), salt)
    if isinstance(completed_by, int):
        return pseudonym(completed_by, None, salt)
    if isinstance(completed_by, str) and completed_by:  # drafts carry the user as a string
        return pseudonym(None, completed_by, salt)
    return "annotator-unknown"


def scrub_export(data: list[dict[str, Any]], salt: str | None = None, *, copy: bool = True) -> list[dict[str, Any]]:
    """The export with every user identity replaced by its pseudonym (no emails, names or user
    ids), suitable for saving as the hand-off file; parses identically. ``copy=False`` edits
    ``data`` in place (pull does, on a freshly downloaded export)."""
    scrubbed = orjson.loads(orjson.dumps(data)) if copy else data
    for task in scrubbed:
        if not isinstance(task, dict):
            continue
        task_salt = salt or default_salt(task)
        for annotation in task.get(ts.ANNOTATIONS) or []:
            if isinstance(annotation, dict):
                annotation["completed_by"] = {"pseudonym": annotator_of(annotation.get("completed_by"), task_salt)}
                for key in ("created_username", "updated_by", "last_action_by"):
                    annotation.pop(key, None)
        for draft in task.get(ts.DRAFTS) or []:
            if isinstance(draft, dict):
                draft["user"] = {"pseudonym": annotator_of(draft.get("user"), task_salt)}
                draft.pop("created_username", None)
        for key in ("comment_authors", "annotators", "updated_by", "created_by"):
            task.pop(key, None)
    return scrubbed
