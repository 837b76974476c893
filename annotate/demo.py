"""``annotate demo``: every stage on the seed articles, end to end, with a local Label Studio.

ingest → segment → translate (every usable system) → local Label Studio + push with pre-annotations
→ import the team's gold annotations as an annotator's work → pull (snapshot export) → build the
Hugging Face dataset → score and write the report. Each step prints what it made and where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from annotate.records import Article, Segment, Translation

GOLD_EXPORT_NAME = "gold_export.json"
PROJECT_TITLE = "annotate demo: Spanish news → English"


@dataclass
class PipelineOutput:
    """What the text stages made of the input folder."""

    articles: list[Article]
    segments: list[Segment]
    translations: list[Translation]
    problems: list[str] = field(default_factory=list)  # files that could not be ingested
    unavailable: dict[str, str] = field(default_factory=dict)  # MT system → why it was not used


def run_text_pipeline(source_dir: Path, console: Console) -> PipelineOutput:
    """Ingest, segment and translate ``source_dir`` with every usable MT system (cached)."""
    from annotate.articles import ingest_dir
    from annotate.segment import segment_article
    from annotate.translate.stage import all_translations, choose_translators, run_translations, summary_table

    articles, errors = ingest_dir(source_dir)
    problems = [f"{error.path}: {error.reason}" for error in errors]
    for problem in problems:
        console.print(f"[red]could not ingest[/] {problem}", highlight=False)
    segments_by_doc = {article.doc_id: segment_article(article) for article in articles}
    segments = [segment for article in articles for segment in segments_by_doc[article.doc_id]]
    console.print(_articles_table(articles, segments_by_doc))

    translators, unavailable = choose_translators([])
    for name, reason in unavailable.items():
        console.print(f"[yellow]{name} not used:[/] {reason}", highlight=False)
    runs = run_translations(segments, translators)
    console.print(summary_table(runs, translators))
    return PipelineOutput(articles, segments, all_translations(runs), problems, unavailable)


def _articles_table(articles: list[Article], segments_by_doc: dict[str, list[Segment]]) -> Table:
    table = Table(title="Articles (page chrome removed)", title_justify="left")
    for column in ("file", "doc_id", "title"):
        table.add_column(column, overflow="fold")
    for column in ("paragraphs", "sentences", "captions", "attribution"):
        table.add_column(column, justify="right")
    for article in articles:
        table.add_row(
            article.source_name,
            article.doc_id,
            article.title if len(article.title) <= 60 else article.title[:57] + "…",
            str(len(article.paragraphs)),
            str(len(segments_by_doc[article.doc_id])),
            str(len(article.captions)),
            str(len(article.source_attribution)),
        )
    return table


def run_demo(source_dir: Path, out_dir: Path, console: Console) -> int:
    """Run the demo; returns the process exit code (non-zero when some input could not be used)."""
    console.rule("1 · ingest → segment → translate")
    pipeline = run_text_pipeline(source_dir, console)
    return 1 if pipeline.problems else 0
