"""``annotate demo``: every stage on the seed articles, end to end, with a local Label Studio.

ingest → segment → translate (every usable system) → local Label Studio + push with pre-annotations
→ import the team's gold annotations as an annotator's work → pull (snapshot export) → build the
Hugging Face dataset → score and write the report. Each step prints what it made and where.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from annotate.records import AnnotatedDocument, Article, Segment
from annotate.terminal import PlainTable, line, plain
from annotate.text import plural

if TYPE_CHECKING:
    from annotate.pipeline import PipelineResult

GOLD_EXPORT_NAME = "gold_export.json"
PROJECT_TITLE = "annotate demo: Spanish news → English"
DEMO_DATASET_NAME = "demo-seeds-es-en"


def run_text_pipeline(source_dir: Path, console: Console) -> PipelineResult:
    """Ingest, segment and translate ``source_dir`` with every usable MT system (cached), saying
    what each stage made; raises PipelineError when the folder is missing or no system can run."""
    from annotate.pipeline import ingest_and_segment, translate
    from annotate.translate.stage import progress_bars, summary_table

    result = ingest_and_segment(source_dir)
    for problem in result.problems:
        console.print(line(("could not ingest", "red"), " ", problem), highlight=False)
    console.print(_articles_table(result.articles, result.segments_by_doc()))
    with progress_bars() as bars:
        translate(result, progress=bars, on_unavailable=lambda name, reason: console.print(
            line((f"{name} not used:", "yellow"), " ", reason), highlight=False))
    console.print(summary_table(result.runs))
    return result


def _articles_table(articles: list[Article], segments_by_doc: dict[str, list[Segment]]) -> Table:
    table = PlainTable(title="Articles (page chrome removed)", title_justify="left")
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


def attach_gold(docs: list[AnnotatedDocument], gold_export: Path, console: Console) -> int:
    """Give each document the gold annotations of the same article from ``gold_export`` (a Label
    Studio export), so the push imports them as an annotator's work, starred as ground truth. Gold made on other text or
    sentences than today's pipeline produced is not attached (and said so): offsets would lie."""
    from annotate.labelstudio import load_export, parse_export

    if not gold_export.is_file():
        console.print(line((f"no gold annotations at {gold_export}: tasks stay unannotated", "yellow")))
        return 0
    gold = {doc.doc_id: doc for doc in parse_export(load_export(gold_export))}
    attached = 0
    for doc in docs:
        match = gold.get(doc.doc_id)
        if match is None:
            continue
        if match.text != doc.text or [s.text for s in match.segments] != [s.text for s in doc.segments]:
            console.print(line((f"gold for {doc.source_name} was made on a different text or segmentation: "
                                "not attached", "yellow")))
            continue
        gold_mt = {(t.system, t.seg_id): t.mt for t in match.translations}
        ours = {(t.system, t.seg_id): t.mt for t in doc.translations}
        if any(ours.get(key, mt) != mt for key, mt in gold_mt.items()):
            console.print(line((f"gold for {doc.source_name} rates other MT outputs than today's: not attached",
                                "yellow")))
            continue
        # starred as ground truth: whoever labels a seed article in the UI is measured against it
        doc.annotations = [replace(a, ground_truth=True) for a in match.annotations if a.status == "completed"]
        attached += 1
    return attached


def run_demo(source_dir: Path, out_dir: Path, console: Console) -> int:
    """Run the demo; returns the process exit code (non-zero when some input could not be used)."""
    from annotate.dataset import build_dataset
    from annotate.labelstudio import LabelStudioError, ensure_server, pull, push_documents
    from annotate.labelstudio.server import server_status, stop_command
    from annotate.pipeline import PipelineError

    console.rule("1 · ingest → segment → translate")
    try:
        pipeline = run_text_pipeline(source_dir, console)
    except PipelineError as exc:
        console.print(line((str(exc), "red")))
        return exc.exit_code
    if not pipeline.articles:
        console.print(line((f"no article could be ingested from {source_dir}", "red")))
        return 1

    console.rule("2 · Label Studio: local server, push with pre-annotations and gold annotations")
    docs = pipeline.documents()
    attached = attach_gold(docs, source_dir / GOLD_EXPORT_NAME, console)
    try:
        with console.status("starting Label Studio (the first start migrates its database: ~1 min)…"):
            conn = ensure_server()
        with console.status("pushing tasks (pre-annotating entities with spaCy)…"):
            report = push_documents(conn, docs, PROJECT_TITLE)
    except LabelStudioError as exc:
        console.print(line((f"Label Studio: {exc}", "red")))
        return 1
    console.print(plain(report.summary()))
    console.print(f"gold annotations attached to {attached} of {plural(len(docs), 'article')} "
                  f"(annotator pseudonym of the team's gold work)")
    if report.extended:
        console.print(f"{len(report.extended)} annotated task(s) given the new systems' translations; their "
                      "annotations kept, the new systems unrated there until an annotator updates them")
    for doc_id, task_id in report.skipped_annotated.items():
        console.print(line((f"task {task_id} ({doc_id}) already has annotations: left untouched", "yellow")))
    for doc_id, task_id in report.skipped_drafts.items():
        console.print(line((f"task {task_id} ({doc_id}) has an annotator's draft: left untouched", "yellow")))

    console.rule("3 · pull the annotations and build the Hugging Face dataset")
    export_path = out_dir / "labelstudio-export.json"
    try:
        pulled = pull(conn, PROJECT_TITLE, out=export_path)
    except (LabelStudioError, ValueError) as exc:
        console.print(line((f"pull failed: {exc}", "red")))
        return 1
    if pulled.problems:  # an annotator's unfinished work in the UI must not stop the demo
        from annotate.commands.problems import print_problems

        print_problems(console, pulled.problems, source=f"project {pulled.project_id}", fatal=False,
                       task_url=lambda task_id: conn.task_url(pulled.project_id, task_id))
    from annotate.progress import print_progress

    print_progress(console, pulled.documents, task_url=lambda task_id: conn.task_url(pulled.project_id, task_id))
    dataset_dir = out_dir / "dataset"
    built = build_dataset(pulled.documents, dataset_dir, name=DEMO_DATASET_NAME,
                          guidelines_path=source_dir / "GUIDELINES.md"
                          if (source_dir / "GUIDELINES.md").is_file() else None, problems=pulled.problems)
    console.print(plain(f"export: {pulled.path} ({plural(pulled.tasks, 'task')})"))
    console.print(_counts_table(built.counts))

    console.rule("4 · scores and report (sacrebleu vs the post-edits, human MQM)")
    from annotate.report import render_report
    from annotate.scoring.evaluate import evaluate
    from annotate.scoring.summary import evaluation_table

    with console.status("scoring (paired significance needs a few seconds)…"):
        evaluation = evaluate(pulled.documents, n_jobs=0)
        paths = render_report(evaluation, pulled.documents, out_dir=out_dir / "report",
                              title="Seed articles: Spanish → English", dataset=DEMO_DATASET_NAME)
    console.print(evaluation_table(evaluation, title="Systems"))

    console.rule("Done")
    status = server_status()
    console.print(line("Label Studio: ", (report.project_url, "bold")))
    console.print(line("  log in as ", (conn.username, "bold"), f"; the password is in {status.credentials_path} "
                       "(readable by you only)") if not conn.external else "  (your own server)")
    if not conn.external:  # the state folder is named when not the default, or stop would miss it
        console.print(f"  stop it with: {stop_command(program='.venv/bin/annotate')}", markup=False, soft_wrap=True)
    console.print(line("Dataset: ", (str(dataset_dir), "bold"), "\n  import datasets\n"
                       f"  ds = datasets.load_dataset({str(dataset_dir)!r}, \"segments\")  "
                       f"# also {', '.join(config for config in built.counts if config != 'segments')}"))
    console.print(line("Report: ", (str(paths.html), "bold"), f" (Markdown twin: {paths.markdown})"))
    _print_error_memory(console, pulled.documents, pulled.path)
    return 1 if pipeline.problems else 0


def _print_error_memory(console: Console, documents: list, export: Path) -> None:
    """What the annotations would teach the suggester, and how to use it on new articles."""
    from annotate.error_memory import ErrorMemory

    memory = ErrorMemory.learn(documents)
    if not memory:
        return
    worded = [r for rs in memory.phrases.values() for r in rs if any(c.isalnum() for c in r.phrase)]  # not "  "
    top = sorted(worded, key=lambda r: (-r.marked, r.phrase))[:3]
    examples = ", ".join(f"“{r.phrase}” ({r.severity} {r.category}, ×{r.marked})" for r in top)
    console.print(plain(f"Error memory: {plural(len(memory), 'phrase')} the annotators marked again and again, e.g. "
                        f"{examples}; new articles pushed with `annotate push DIR --learn-from {export}` get them "
                        "as suggestions"))


def _counts_table(counts: dict[str, dict[str, int]]) -> Table:
    table = PlainTable(title="Dataset configs (rows per split)", title_justify="left")
    table.add_column("config")
    splits = sorted({split for per in counts.values() for split in per})
    for split in splits:
        table.add_column(split, justify="right")
    for config, per in sorted(counts.items()):
        table.add_row(config, *(str(per.get(split, 0)) for split in splits))
    return table
