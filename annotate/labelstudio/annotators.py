"""Annotator accounts on a Label Studio server: create them, each with a generated password kept
in a file only its owner can read, and list them with their progress in every project.

How an account is made, and why (Label Studio 1.23, measured against the real server):

* The users API (``POST /api/users/``, the SDK's ``users.create``) makes a member of the admin's
  organisation but silently IGNORES a password: that account can never log in. So accounts are
  made through Label Studio's own sign-up form (``/user/signup/``) with the organisation's invite
  token, read with the admin's API token (``GET /api/invite``): sign-up hashes the password like
  any account's, and the invite token puts the account in the organisation whose projects it must
  see, even on a server that refuses sign-up without an invite link. It works the same on the
  local server and on an external one the token administers.
* A name (``"Ana García <ana@example.org>"``) is then set by the admin (``PATCH /api/users/<id>``).
* Every password comes from :func:`secrets.token_urlsafe`, is written (0600, in a 0700 folder)
  BEFORE the account exists, so a crash never leaves an account whose password nobody has, and
  the file is removed again when the sign-up fails. It is never printed, logged or put in an
  exception message. An account that already exists is reported and left alone, password and file.
  ``add`` runs one at a time per password folder (a lock file), so two runs never race on a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from annotate.labelstudio import client as api
from annotate.labelstudio.connection import Connection, check_connection
from annotate.labelstudio.errors import LabelStudioError
from annotate.labelstudio.pseudonyms import IMPORTED_USER_DOMAIN

PASSWORD_BYTES = 18  # token_urlsafe(18): 24 characters (Label Studio wants 8 to 128)
SIGNUP_TIMEOUT = 30.0
_FIELD_ERRORS = re.compile(r'<ul class="field_errors">(.*?)</ul>', re.S)
_LIST_ITEM = re.compile(r"<li>\s*(.*?)\s*</li>", re.S)
_ALREADY_EXISTS = "already exists"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._@+-]+")
_NAMED_ADDRESS = re.compile(r"^(.*)<([^<>]+)>\s*$", re.S)


class AnnotatorError(LabelStudioError):
    """An account could not be created (the message names the email, never the password)."""


@dataclass(frozen=True)
class AddedAnnotator:
    """What ``add`` did for one email: ``created`` or already there; where its password is
    (None when the account existed before and its password is not kept here)."""

    email: str
    created: bool
    password_file: Path | None
    name: str = ""


@dataclass(frozen=True)
class ProjectProgress:
    """One annotator's work in one project: tasks they submitted (skips apart) of the project's tasks."""

    project_id: int
    title: str
    tasks: int
    submitted: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Annotator:
    """A member of the admin's organisation. ``role``: ``owner`` (the admin), ``annotator``, or
    ``imported`` (stands for the author of imported gold annotations: cannot log in)."""

    id: int
    email: str
    name: str
    role: str
    progress: list[ProjectProgress] = field(default_factory=list)


# ── password files ────────────────────────────────────────────────────────────────────────────


def passwords_dir(conn: Connection, state: Path | None = None) -> Path:
    """Where the passwords of ``conn``'s annotators are kept (created 0700): next to the local
    server's credentials, or per external server (its host and port)."""
    from annotate.config import state_dir

    state = state or state_dir()
    if conn.external:
        parts = urlsplit(conn.url)  # host, port and path only: never a user:password@ the URL may carry
        where = f"{parts.hostname or ''}:{parts.port or ''}{parts.path}"
        folder = state / "annotators" / (_UNSAFE_FILENAME.sub("_", where).strip("_") or "server")
    else:
        folder = state / "labelstudio" / "annotators"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in (folder, folder.parent) if conn.external else (folder,):
        os.chmod(path, 0o700)  # also when it existed (mkdir's mode is masked by the umask)
    return folder


def password_file(conn: Connection, email: str, state: Path | None = None) -> Path:
    """The file holding ``email``'s password (it may not exist)."""
    return passwords_dir(conn, state) / f"{_UNSAFE_FILENAME.sub('_', email.lower())}.password"


def _write_password(path: Path, email: str, password: str) -> None:
    """Owner-only from creation (O_EXCL on a fresh temp name), then atomically in place."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"email: {email}\npassword: {password}\n")
    os.replace(tmp, path)


# ── adding accounts ───────────────────────────────────────────────────────────────────────────


def parse_annotator(spec: str) -> tuple[str, str]:
    """``"ana@example.org"`` or ``"Ana García <ana@example.org>"`` → (lower-cased email, name).
    (Not :func:`email.utils.parseaddr`: it rejects names holding brackets or other punctuation.)"""
    match = _NAMED_ADDRESS.match(spec)
    name, email = (match.group(1).strip().strip('"').strip(), match.group(2)) if match else ("", spec)
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not (local and at and domain) or any(c.isspace() or c in "<>\"," for c in email):
        raise AnnotatorError(f"{spec!r} is not an email address (give ana@example.org or \"Ana <ana@example.org>\")")
    return email, name


def _members(ls: Any, conn: Connection) -> list[Any]:
    with api.api_errors(conn, "listing the organisation's users"):
        return [user for user in ls.users.list() if not _is_removed(user)]


def _is_removed(user: Any) -> bool:
    # Label Studio shows a member removed from the organisation as "Deleted User".
    return (user.email, user.last_name) == ("Deleted", "User")


def add_annotators(conn: Connection, specs: Sequence[str], state: Path | None = None) -> list[AddedAnnotator]:
    """Create an account for each email (see the module docstring) that is not a member yet.
    Raises AnnotatorError on the first account that cannot be made; the earlier ones stay."""
    check_connection(conn)
    wanted = [parse_annotator(spec) for spec in specs]  # every address checked before any account is made
    ls = api.open_client(conn)
    # Two `add`s of one email at once would each write a password and one would lose: one at a time.
    with _locked(passwords_dir(conn, state)):
        members = {user.email.lower(): user for user in _members(ls, conn)}
        invite = _invite_token(ls, conn)
        return [_add_one(ls, conn, email, name, members.get(email), password_file(conn, email, state), invite)
                for email, name in _first_of_each(wanted)]  # an email given twice: its first spelling counts


def _add_one(ls: Any, conn: Connection, email: str, name: str, member: Any, path: Path, invite: str) -> AddedAnnotator:
    if member is not None:
        return AddedAnnotator(email, False, path if path.exists() else None, _full_name(member))
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    _write_password(path, email, password)  # first: an account must never exist without its password kept
    try:
        _sign_up(conn, email, password, invite)
    except Exception:
        if _member(ls, conn, email) is None:  # no account after all: its file would mislead
            path.unlink(missing_ok=True)
        raise
    user = _member(ls, conn, email)
    if user is None:
        raise AnnotatorError(f"{email}: signed up, but the account is not a member of your organisation on "
                             f"{conn.display_url}; add it in Label Studio's Organization page (its password is in {path})")
    if name:
        first, _, last = name.partition(" ")
        with api.api_errors(conn, f"naming {email}"):
            ls.users.update(id=user.id, first_name=first, last_name=last)
    return AddedAnnotator(email, True, path, name)


def _member(ls: Any, conn: Connection, email: str) -> Any:
    return next((user for user in _members(ls, conn) if user.email.lower() == email), None)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    import fcntl

    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _first_of_each(wanted: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for email, name in wanted:
        seen.setdefault(email, name)
    return list(seen.items())


def _full_name(user: Any) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part)


def _invite_token(ls: Any, conn: Connection) -> str:
    body = api._raw(ls, conn, "reading the organisation's invite link", "GET", "/api/invite")
    token = (body or {}).get("token")
    if not token:
        raise AnnotatorError(f"Label Studio at {conn.display_url} gave no invite token: this token cannot add members")
    return str(token)


def _sign_up(conn: Connection, email: str, password: str, invite: str) -> None:
    """Label Studio's sign-up form, as a browser posts it (CSRF cookie + field), in a throwaway
    cookie jar: the session it opens for the new account is dropped at once."""
    import httpx

    params = {"token": invite}
    try:
        with httpx.Client(base_url=conn.url, timeout=SIGNUP_TIMEOUT, follow_redirects=False) as browser:
            browser.get("/user/signup/", params=params)
            csrf = browser.cookies.get("csrftoken")
            if not csrf:
                raise AnnotatorError(f"{email}: Label Studio at {conn.display_url} served no sign-up form (no CSRF cookie)")
            answer = browser.post("/user/signup/", params=params, headers={"Referer": f"{conn.url}/user/signup/"},
                                  data={"csrfmiddlewaretoken": csrf, "email": email, "password": password})
    except httpx.HTTPError as exc:
        raise AnnotatorError(f"{email}: sign-up at {conn.display_url} failed ({type(exc).__name__})") from None
    if answer.status_code in (301, 302, 303):
        return  # the form redirects to the projects page once the account exists
    if answer.status_code == 403:
        raise AnnotatorError(f"{email}: Label Studio at {conn.display_url} refused the sign-up (HTTP 403): its invite link "
                             "only admits people to its first organisation; add the account in its Organization page")
    problems = [_plain(item) for block in _FIELD_ERRORS.findall(answer.text) for item in _LIST_ITEM.findall(block)]
    if any(_ALREADY_EXISTS in problem for problem in problems):
        raise AnnotatorError(f"{email}: an account with this email exists on {conn.display_url} but is not a member of your "
                             "organisation; add it in Label Studio's Organization page")
    raise AnnotatorError(f"{email}: Label Studio at {conn.display_url} did not create the account (HTTP {answer.status_code}"
                         + (f": {'; '.join(problems)})" if problems else ")"))


def _plain(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html)).strip()


# ── listing accounts and their progress ───────────────────────────────────────────────────────


def list_annotators(conn: Connection,
                    project_title: str | None = None) -> tuple[list[Annotator], list[ProjectProgress]]:
    """The organisation's members with their progress in each project (or only ``project_title``),
    and the projects (``submitted`` there: tasks with a submitted annotation by anyone)."""
    check_connection(conn)
    ls = api.open_client(conn)
    with api.api_errors(conn, "reading the current user"):
        me = ls.users.whoami()
    meta = getattr(me, "active_organization_meta", None) or {}  # who created the organisation
    owner = meta.get("email") if isinstance(meta, dict) else getattr(meta, "email", None)
    owner_email = (owner or me.email or "").lower()
    with api.api_errors(conn, "listing projects"):
        projects = [p for p in ls.projects.list(page_size=100) if project_title is None or p.title == project_title]
    if project_title is not None and not projects:
        raise LabelStudioError(f"no project titled {project_title!r} on {conn.display_url}")
    projects.sort(key=lambda p: p.id)
    per_user: dict[int, dict[int, list[int]]] = {}  # user id → project id → [submitted, skipped]
    totals: list[ProjectProgress] = []
    for project in projects:
        counts, tasks, done = _project_counts(ls, conn, project.id)
        for user_id, pair in counts.items():
            per_user.setdefault(user_id, {})[project.id] = pair
        totals.append(ProjectProgress(project.id, project.title, tasks, submitted=done))
    annotators = []
    for user in _members(ls, conn):
        email = user.email.lower()
        role = ("owner" if email == owner_email else
                "imported" if email.endswith("@" + IMPORTED_USER_DOMAIN) else "annotator")
        mine = per_user.get(user.id, {})
        progress = [ProjectProgress(p.project_id, p.title, p.tasks, *mine.get(p.project_id, [0, 0])) for p in totals]
        annotators.append(Annotator(user.id, user.email, _full_name(user), role, progress))
    annotators.sort(key=lambda a: (a.role != "owner", a.role == "imported", a.email))
    return annotators, totals


def _project_counts(ls: Any, conn: Connection, project_id: int,
                    page_size: int = 1000) -> tuple[dict[int, list[int]], int, int]:
    """(user id → [tasks submitted, tasks skipped], tasks, tasks with a submitted annotation).

    The task list names each task's annotators and counts its submitted and skipped annotations,
    which settles who did what on every task but one holding both: only those are asked who
    submitted (the task's annotation list leaves skips out; the other annotators skipped)."""
    counts: dict[int, list[int]] = {}
    total = done = 0
    for task in _tasks(ls, conn, project_id, page_size):
        total += 1
        annotators = {a for a in task.get("annotators") or [] if a is not None}
        submitted, skipped = task.get("total_annotations") or 0, task.get("cancelled_annotations") or 0
        done += submitted > 0
        if submitted and skipped:
            submitters = _submitters(ls, conn, task["id"])
        else:
            submitters = set() if skipped else annotators
        for user_id in annotators | submitters:
            counts.setdefault(user_id, [0, 0])[0 if user_id in submitters else 1] += 1
    return counts, total, done


def _tasks(ls: Any, conn: Connection, project_id: int, page_size: int) -> Iterable[dict[str, Any]]:
    page, seen = 1, 0
    while True:
        body = api._raw(ls, conn, f"listing the tasks of project {project_id}", "GET", "/api/tasks",
                        # without fields=all the task list leaves "annotators" empty (measured)
                        params={"project": project_id, "page": page, "page_size": page_size, "fields": "all",
                                "include": "id,annotators,total_annotations,cancelled_annotations"})
        tasks = body.get("tasks") or []
        yield from tasks
        seen += len(tasks)
        if not tasks or seen >= (body.get("total") or 0):
            return
        page += 1


def _submitters(ls: Any, conn: Connection, task_id: int) -> set[int]:
    """Who submitted an annotation (not a skip) on the task."""
    body = api._raw(ls, conn, f"reading the annotations of task {task_id}", "GET", f"/api/tasks/{task_id}/annotations/")
    authors = set()
    for annotation in body or []:
        author = annotation.get("completed_by")
        author = author.get("id") if isinstance(author, dict) else author
        if author is not None and not annotation.get("was_cancelled"):
            authors.add(int(author))
    return authors
