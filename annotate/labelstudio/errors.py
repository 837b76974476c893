"""Errors of the Label Studio integration. Each says what went wrong and where (URL, task id,
annotation id, region id, file), and never carries a token."""

from __future__ import annotations

from annotate.records import ExportProblem, describe_problems


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
