"""The Jinja environment the reports render with (the MQM report, the ESA report): templates from
``annotate/templates``, undefined names an error, HTML escaped (Markdown overlays turn that off),
block tags trimmed, and the filters every report uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotate.text import markdown_escape, plural


def template_environment(**filters: Callable[..., Any]) -> Any:
    """A ``jinja2.Environment`` with ``plural`` and ``md`` (Markdown escaping), plus ``filters``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("annotate", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"], default_for_string=True), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update({"plural": plural, "md": markdown_escape, **filters})
    return env
