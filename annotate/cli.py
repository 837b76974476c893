"""The ``annotate`` command. Each stage registers its subcommands from ``annotate/commands/``;
heavy libraries (argostranslate, datasets, label_studio_sdk) are imported inside commands so
``annotate --help`` stays fast."""

from __future__ import annotations

import typer

from annotate.commands import argos, data, demo, effort, esa, exchange, labelstudio, pipeline, review, scoring, team

app = typer.Typer(
    name="annotate",
    help="Bilingual annotation and translation-quality datasets: ingest → segment → translate → "
    "Label Studio → Hugging Face dataset → scores and reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

for module in (pipeline, argos, labelstudio, team, review, data, scoring, esa, effort, exchange, demo):
    module.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
