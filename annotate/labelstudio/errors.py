"""Errors of the Label Studio integration. Each says what went wrong and where (URL, task id,
annotation id, region id, file), and never carries a token."""

from __future__ import annotations

import re
from typing import Any

from annotate.records import ExportProblem, describe_problems

# ``scheme://userinfo@``: the userinfo runs to the LAST ``@`` before the host, so a password with
# an unencoded ``@`` is hidden whole.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s?#]+)@")


def redact_url_secrets(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL replaced by ``***``
    (a lone userinfo, often a token, is hidden whole). The one function for any message, log line
    or summary that quotes a URL: Label Studio and PostgreSQL URLs may carry credentials."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _ = match["userinfo"].partition(":")
        return f"{match['scheme']}{user}:***@" if colon else f"{match['scheme']}***@"

    return _URL_USERINFO.sub(hide, text)


class LabelStudioError(RuntimeError):
    """Base class: anything that went wrong talking to (or running) Label Studio. The message is
    redacted (:func:`redact_url_secrets`) whoever wrote it, so no URL password reaches a user."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(redact_url_secrets(str(message)), *args)


class ServerError(LabelStudioError):
    """The local server could not be started, reached or stopped."""


class ServerUnavailable(LabelStudioError):
    """No Label Studio answers at the URL (connection refused, timeout, not Label Studio)."""


class AuthenticationError(LabelStudioError):
    """The server answered but rejected the token."""


class ExportError(ValueError):
    """A Label Studio export that cannot be parsed faithfully: a span whose text does not match
    the task data, a missing key, a truncated file. The message names task, annotation and region."""


def need(mapping: Any, key: str, where: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """``mapping[key]`` of export JSON, checked: a missing key or a wrong type is an ExportError
    naming ``where``. (Hot on 10k-task exports: exact class tests first, isinstance only as a fallback.)"""
    if mapping.__class__ is not dict and not isinstance(mapping, dict):
        raise ExportError(f"{where}: expected an object, got {type(mapping).__name__}")
    try:
        value = mapping[key]
    except KeyError:
        raise ExportError(f"{where}: missing key {key!r}") from None
    if kind is not None and value.__class__ is not kind and not isinstance(value, kind):
        raise ExportError(f"{where}: {key!r} should be {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    return value


PROBLEMS_SHOWN = 5  # problems quoted in an InvalidExport message; the others are counted


class InvalidExport(ExportError):
    """An export with parts that failed validation, raised once ALL of it was read so that every
    problem is listed (``problems``), not just the first."""

    def __init__(self, problems: list[ExportProblem], source: str = "the export"):
        self.problems = list(problems)
        self.source = source
        lines = [f"{source}: {describe_problems(self.problems)} failed validation:"]
        lines += [f"  - {problem.message}" for problem in self.problems[:PROBLEMS_SHOWN]]
        if len(self.problems) > PROBLEMS_SHOWN:
            lines.append(f"  … and {len(self.problems) - PROBLEMS_SHOWN} more")
        super().__init__("\n".join(lines))
