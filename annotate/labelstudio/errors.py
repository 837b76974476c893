"""Errors of the Label Studio integration. Each says what went wrong and where (URL, task id,
annotation id, region id, file), and never carries a token."""

from __future__ import annotations


class LabelStudioError(RuntimeError):
    """Base class: anything that went wrong talking to (or running) Label Studio."""


class ServerError(LabelStudioError):
    """The local server could not be started, reached or stopped."""


class ServerUnavailable(LabelStudioError):
    """No Label Studio answers at the URL (connection refused, timeout, not Label Studio)."""


class AuthenticationError(LabelStudioError):
    """The server answered but rejected the token."""


class ExportError(ValueError):
    """A Label Studio export that cannot be parsed faithfully: a span whose text does not match
    the task data, a missing key, a truncated file. The message names task, annotation and region."""
