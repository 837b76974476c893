"""Label Studio integration: a local server (or a user's), the labeling config generated from the
schema, idempotent push of articles with their translations and pre-annotations, and pull of the
annotations back into typed records.

For the demo::

    conn = ensure_server()                                  # start or reuse the local server
    report = push_documents(conn, docs, "My project")       # report.project_url
    path, docs = pull_documents(conn, "My project", out)    # raw export file + AnnotatedDocument list
"""

from annotate.labelstudio.errors import (
    AuthenticationError,
    ExportError,
    ExportProblem,
    InvalidExport,
    LabelStudioError,
    ServerError,
    ServerUnavailable,
)
from annotate.labelstudio.export import load_export, parse_export
from annotate.labelstudio.pull import PullResult, pull, pull_documents
from annotate.labelstudio.push import DEFAULT_PROJECT_TITLE, PushInterrupted, PushReport, push_documents
from annotate.labelstudio.connection import Connection
from annotate.labelstudio.server import ensure_server, server_status, stop_server

__all__ = [
    "DEFAULT_PROJECT_TITLE",
    "AuthenticationError",
    "Connection",
    "ExportError",
    "ExportProblem",
    "InvalidExport",
    "LabelStudioError",
    "PullResult",
    "PushInterrupted",
    "PushReport",
    "ServerError",
    "ServerUnavailable",
    "ensure_server",
    "load_export",
    "parse_export",
    "pull",
    "pull_documents",
    "push_documents",
    "server_status",
    "stop_server",
]
