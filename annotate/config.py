"""Where the tool keeps its state: translation cache, local Label Studio data, credentials."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """The state folder: ``$ANNOTATE_STATE_DIR`` or ``./.annotate`` (like ``.git``, per project)."""
    path = Path(os.environ.get("ANNOTATE_STATE_DIR") or Path.cwd() / ".annotate")
    path.mkdir(parents=True, exist_ok=True)
    return path
