"""Subcommands for translation quality: ``import-mqm``, ``export-mqm``, ``mqm-scores``, ``score``
and ``report``.

Inputs are dispatched by extension: ``.tsv`` is a WMT MQM TSV file (Google's format), ``.json`` a
Label Studio JSON export, ``.jsonl`` AnnotatedDocument records (e.g. from ``import-mqm``)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from annotate.commands._io import fail
from annotate.schema import DEFAULT_MQM_WEIGHTING, MQM_WEIGHTINGS, MQMWeights
from annotate.text import plural

WEIGHTS_HELP = (f"MQM weighting: {' or '.join(MQM_WEIGHTINGS)}. 'google' = Google's weights, as in its published WMT "
                "MQM scores (every category by its severity, Source error included); 'guidelines' = the same, "
                "but a Source error weighs 0 (seeds/GUIDELINES.md: a defect of the source does not count against "
                "the MT). Reports and dataset cards state which was used.")
Weights = Annotated[str, typer.Option("--weights", metavar="NAME", help=WEIGHTS_HELP)]
ALLOW_HELP = "Accept this MQM category although annotate.schema lacks it (repeatable)."
Allow = Annotated[Optional[list[str]], typer.Option("--allow-category", help=ALLOW_HELP)]
Reference = Annotated[Optional[str], typer.Option(
    "--reference", "-r",
    help="'post_edits' (the annotators' post-edited translations), or the name(s) of the translations that "
         "are the references, comma-separated for several streams (imported references, or e.g. 'ref' in WMT "
         "TED files). Default: every imported reference if there is one, else the post-edits.")]
Baseline = Annotated[Optional[str], typer.Option(
    "--baseline", "-b", help="System every other one is tested against (default: the first system).")]
Languages = Annotated[Optional[str], typer.Option(
    "--languages", metavar="SRC-TGT", help="The documents' language pair, e.g. en-zh (default: as the records say; "
    "for a WMT MQM TSV, read from Google's file names such as mqm_ted_ende.tsv). BLEU tokenises the target as "
    "`sacrebleu -l` does.")]
SkipInvalid = Annotated[bool, typer.Option(
    "--skip-invalid", help="Label Studio export: leave out (and list, as warnings) the annotations and tasks that "
                           "fail validation instead of stopping (default: list them all and exit 1).")]
ProblemsFile = Annotated[Optional[Path], typer.Option(
    "--problems", metavar="FILE", help="Write every validation problem of a Label Studio export there (JSON Lines; "
                                       "empty when there is none).")]
INVALID_ADVICE = "fix them in Label Studio and pull again, or rerun with --skip-invalid to go on without them"


def mqm_weights(name: str) -> MQMWeights:
    """The ``--weights`` weighting, or exit 2 naming the known ones."""
    try:
        return MQMWeights.named(name)
    except ValueError as exc:
        raise fail(f"--weights: {exc}") from None


def load_documents(path: Path, allow_categories: list[str] | None = None, problems: list | None = None,
                   languages: str | None = None):
    """Annotated documents from a ``.tsv`` (WMT MQM), ``.json`` (Label Studio export) or
    ``.jsonl`` (AnnotatedDocument records) file, or a test set folder in WMT's plain-text layout
    (``languages``: its pair, when it holds several). (TSV global segment ids and error sides travel
    in the records: ``Segment.global_seg_id``, ``ErrorSpan.side``.) ``problems``: see
    :func:`annotate.commands.data.load_documents` (Label Studio exports only)."""
    if path.is_dir():
        from annotate.testset import read_testset, testset_documents

        return testset_documents(read_testset(path, languages))
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        from annotate.mqm_tsv import read_mqm_tsv

        return read_mqm_tsv(path, extra_categories=allow_categories or ()).documents
    if suffix in (".json", ".jsonl"):
        from annotate.commands.data import load_documents as load_annotations

        return load_annotations(path, problems, allow_categories=allow_categories or ())
    raise ValueError(f"{path}: unknown input type {suffix!r}; use .tsv (WMT MQM), .json "
                     "(Label Studio export) or .jsonl (AnnotatedDocument records)")


def _load(path: Path, allow: list[str] | None, skip_invalid: bool = False, set_aside: list | None = None,
          languages: str | None = None, problems_file: Path | None = None):
    """The documents of ``path``, or exit 2 with the error. An export's parts that fail validation
    are listed as ``build`` and ``pull`` list them (:func:`annotate.commands.problems.settle_problems`):
    all of them, then exit 1; with ``skip_invalid`` as warnings, left out (and appended to
    ``set_aside``). ``problems_file``: ``--problems``. ``languages`` (``"en-de"``): the documents'
    pair, whatever the file says."""
    from annotate.languages import parse_pair

    if not path.exists():
        raise fail(f"{path}: no such file")
    try:
        pair = parse_pair(languages) if languages else None
    except ValueError as exc:
        raise fail(f"--languages: {exc}") from None
    problems: list = []
    from annotate.commands.problems import settle_problems

    try:
        docs = load_documents(path, allow, problems, languages)
    except (ValueError, OSError) as exc:  # MQMTsvError, ExportError, JsonlError are ValueErrors
        raise fail(str(exc)) from None
    settle_problems(problems, source=str(path), skip_invalid=skip_invalid, problems_file=problems_file,
                    advice=INVALID_ADVICE)
    if set_aside is not None:
        set_aside.extend(problems)
    from annotate.commands.data import in_languages

    return _without_esa_pages(path, list(in_languages(docs, pair)))


def _without_esa_pages(path: Path, docs: list) -> list:
    """``docs`` without the documents of an export's ESA tasks that asked for ESA alone: they hold
    no MQM, so an MQM score or report of them would be empty (``esa-scores``/``esa-report`` score
    them). Said on stderr; an export of nothing but such tasks exits 2 with the command to use."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return docs
    from annotate.dataset.esa_inputs import read_export_esa
    from annotate.terminal import make_console

    try:
        esa = read_export_esa(path)
    except ValueError:  # not an export: the documents' pass said so already
        return docs
    esa_only = esa.doc_ids - esa.with_extras if esa else set()
    if not esa_only:
        return docs
    kept = [doc for doc in docs if doc.doc_id not in esa_only]
    advice = f"`annotate esa-scores {path}` or `annotate esa-report {path}` scores them"
    if not kept:
        raise fail(f"{path}: its {plural(len(esa_only), 'document')} are ESA tasks (no MQM): {advice}")
    make_console(stderr=True).print(f"{path}: {plural(len(esa_only), 'document')} of ESA tasks left out (no MQM): "
                                    f"{advice}", markup=False)
    return kept


def import_mqm(
    tsv: Annotated[Path, typer.Argument(help="WMT MQM TSV file.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="JSONL file (default: stdout).")] = None,
    allow: Allow = None,
    languages: Languages = None,
    skip_invalid: SkipInvalid = False,
    problems_file: ProblemsFile = None,
) -> None:
    """Import a WMT MQM TSV file as AnnotatedDocument JSON Lines (one document per line)."""
    from annotate.commands._io import write_records

    if tsv.suffix.lower() != ".tsv" or not tsv.is_file():  # other inputs (or none): as the other commands read them
        docs = _load(tsv, allow, skip_invalid, languages=languages, problems_file=problems_file)
        if output is None:
            write_records(docs)
            return
        with output.open("w", encoding="utf-8") as stream:
            count = write_records(docs, stream)
        typer.echo(f"{plural(count, 'document')} → {output}", err=True)
        return
    if problems_file is not None:  # a TSV's faults stop the import: nothing is ever set aside
        from annotate.commands.problems import write_problems

        write_problems(problems_file, [])
    count = _import_tsv_streaming(tsv, output, allow, languages)
    if output is not None:
        typer.echo(f"{plural(count, 'document')} → {output}", err=True)


def _import_tsv_streaming(tsv: Path, output: Path | None, allow: list[str] | None, languages: str | None) -> int:
    """import-mqm of a TSV file in memory that does not grow with it: documents are read one at a
    time (:class:`annotate.mqm_tsv_stream.MQMTsvReader`) into a temporary file, copied to ``output``
    (or copied to stdout) once the last one is read, so a bad row near the end leaves no half
    output and an existing -o file untouched. Returns the number of documents."""
    import shutil
    import tempfile

    from annotate.commands._io import write_records
    from annotate.commands.data import in_languages
    from annotate.languages import parse_pair
    from annotate.mqm_tsv_stream import MQMTsvReader

    try:
        pair = parse_pair(languages) if languages else None
    except ValueError as exc:
        raise fail(f"--languages: {exc}") from None
    folder = output.resolve().parent if output is not None else None
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=".import-mqm-", suffix=".jsonl",
                                     delete=False) as spool:
        try:
            try:
                count = write_records(in_languages(MQMTsvReader(tsv, extra_categories=allow or ()), pair), spool)
            except (ValueError, OSError) as exc:  # MQMTsvError is a ValueError
                raise fail(str(exc)) from None
            spool.close()
            if output is not None:  # copied, not renamed: the file gets the permissions a new file gets
                shutil.copyfile(spool.name, output)
            else:
                with open(spool.name, encoding="utf-8") as written:
                    shutil.copyfileobj(written, sys.stdout)
                sys.stdout.flush()
        finally:
            Path(spool.name).unlink(missing_ok=True)
    return count


def export_mqm(
    source: Annotated[Path, typer.Argument(help="Input: .jsonl documents, .json Label Studio export or .tsv.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="TSV file (default: stdout).")] = None,
    allow: Allow = None,
    skip_invalid: SkipInvalid = False,
    problems_file: ProblemsFile = None,
) -> None:
    """Write annotations as a WMT MQM TSV file (opens in Google's MQM Viewer)."""
    from annotate.mqm_tsv import write_mqm_tsv

    docs = _load(source, allow, skip_invalid, problems_file=problems_file)
    buffer = io.StringIO()  # rows are checked as they are written: a bad span must not truncate -o
    try:  # never a category or severity that `import-mqm`, `score` and `mqm-scores` would refuse
        count = write_mqm_tsv(docs, buffer, extra_categories=allow or ())
    except ValueError as exc:
        raise fail(str(exc)) from None
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        typer.echo(f"{plural(count, 'row')} → {output}", err=True)


def mqm_scores(
    tsv: Annotated[Path, typer.Argument(help="WMT MQM TSV file (or .json / .jsonl annotations).")],
    as_json: Annotated[bool, typer.Option("--json", help='Print {"systems": {system: mean MQM per segment}}.')] = False,
    allow: Allow = None,
    skip_invalid: SkipInvalid = False,
    problems_file: ProblemsFile = None,
    weighting: Weights = DEFAULT_MQM_WEIGHTING,
) -> None:
    """System-level MQM (mean per segment, lower is better), best system first."""
    from annotate.scoring.mqm import score_documents

    weights = mqm_weights(weighting)
    docs = _load(tsv, allow, skip_invalid, problems_file=problems_file)
    try:
        mqm = score_documents(docs, weights=weights)
    except ValueError as exc:
        raise fail(str(exc)) from None
    ranking = mqm.ranking()
    if as_json:
        typer.echo(json.dumps({"systems": {s: mqm.systems[s] for s in ranking}}, ensure_ascii=False))
        return
    from annotate.terminal import PlainTable, make_console

    table = PlainTable(title=f"MQM — {tsv.name} (lower is better; {weights.name} weighting)", title_justify="left")
    for column in ("rank", "system", "MQM", "segments"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for rank, system in enumerate(ranking, 1):
        table.add_row(str(rank), system, f"{mqm.systems[system]:.3f}", str(mqm.n_segments[system]))
    make_console().print(table)


def score(
    source: Annotated[Optional[Path], typer.Argument(
        help="Label Studio export (.json), WMT MQM TSV (.tsv) or .jsonl (or give --testset).")] = None,
    reference: Reference = None,
    baseline: Baseline = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the system table as JSON.")] = False,
    tests: Annotated[str, typer.Option(help="Paired tests: 'bs', 'ar' or 'bs,ar'.")] = "bs,ar",
    allow: Allow = None,
    skip_invalid: SkipInvalid = False,
    problems_file: ProblemsFile = None,
    languages: Languages = None,
    testset: Annotated[Optional[Path], typer.Option(
        "--testset", metavar="DIR", file_okay=False,
        help="A test set in WMT's plain-text layout (sources/, references/, documents/, system-outputs/): "
             "corpus BLEU / chrF++ / TER of every system against every reference (or those --reference "
             "names, comma-separated), no significance tests. --languages picks the pair when there are several.")
    ] = None,
    weighting: Weights = DEFAULT_MQM_WEIGHTING,
) -> None:
    """Score every system: BLEU / chrF++ / TER with CIs and paired significance, and MQM; or, with
    --testset, the corpus scores of a WMT-style test set's systems."""
    if (source is None) == (testset is None):
        raise fail("give SOURCE (annotations) or --testset DIR (a WMT-style test set)"
                    + (", not both" if source is not None else ""))
    if testset is not None:
        if baseline is not None:
            raise fail("--baseline: --testset gives corpus scores only, without paired tests")
        if problems_file is not None:  # a test set has no export to validate: the file says so, empty
            from annotate.commands.problems import write_problems

            write_problems(problems_file, [])
        _score_testset(testset, languages, reference, as_json)
        return
    assert source is not None
    from annotate.scoring.summary import evaluation_table, evaluation_to_dict
    from annotate.scoring.evaluate import evaluate

    weights = mqm_weights(weighting)
    docs = _load(source, allow, skip_invalid, languages=languages, problems_file=problems_file)
    try:
        evaluation = evaluate(docs, reference=reference, baseline=baseline, weights=weights,
                              tests=[t.strip() for t in tests.split(",") if t.strip()])
    except (ValueError, KeyError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(evaluation_to_dict(evaluation), ensure_ascii=False, indent=1))
        return
    from annotate.terminal import make_console

    make_console().print(evaluation_table(evaluation, title=source.name))


def _score_testset(directory: Path, languages: str | None, reference: str | None, as_json: bool) -> None:
    """``score --testset``: corpus BLEU / chrF2++ / TER of each system against the chosen references
    (one sacrebleu reference stream each), BLEU tokenised for the target as ``sacrebleu -l`` does."""
    from annotate.testset import TestSetError, choose_testset_references, read_testset

    try:
        ts = read_testset(directory, languages)
        names = choose_testset_references(ts, reference)
    except TestSetError as exc:
        raise fail(exc) from None
    from annotate.scoring.metrics import CHRF_NAME, METRIC_NAMES, make_metrics, score_systems

    make_metrics(trg_lang=ts.pair.target)  # sacrebleu imported (and BLEU's tokenizer checked) once, before the fork
    # worker processes pay off beyond a few thousand segment scorings; below that their start-up dominates
    # a system that is one of the chosen references (WMT ships refB among the outputs) is not scored
    # against itself, as in `report` and `build`; with --reference refA it is a system like the others
    systems = {name: lines for name, lines in ts.systems.items() if name not in names}
    if not systems:
        raise fail(f"{ts.path}: no system left to score once the references {', '.join(names)} are set apart")
    work = len(ts.sources) * len(systems) * len(names)
    scores = score_systems(systems, references=[ts.references[n] for n in names], trg_lang=ts.pair.target,
                           n_jobs=0 if work >= TESTSET_PARALLEL_WORK else 1)
    first = next(iter(scores.values()))
    if as_json:
        typer.echo(json.dumps({"systems": {system: {m: s.score for m, s in by_metric.items()}
                                           for system, by_metric in scores.items()},
                               "references": names,
                               "signatures": {m: s.signature for m, s in first.items()}}, ensure_ascii=False, indent=1))
        return
    from annotate.terminal import PlainTable, make_console, plain

    segments = plural(len(ts.sources), "segment")
    table = PlainTable(title=f"{ts.path.name} {ts.pair}: {segments}, references {'+'.join(names)}",
                       title_justify="left")
    table.add_column("system")
    for metric in METRIC_NAMES:
        table.add_column(metric, justify="right")
    for system in sorted(scores, key=lambda system: (-scores[system][CHRF_NAME].score, system)):
        table.add_row(system, *(f"{scores[system][m].score:.2f}" for m in METRIC_NAMES))
    console = make_console(soft_wrap=True)
    console.print(table)
    for metric, metric_score in first.items():
        console.print(plain(f"{metric}: {metric_score.signature}"))


TESTSET_PARALLEL_WORK = 2000  # segments × systems × references from which `score --testset` uses every core


def report(
    source: Annotated[Optional[Path], typer.Argument(
        help="Label Studio export (.json), WMT MQM TSV (.tsv) or .jsonl (or give --testset).")] = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for report.html, report.md, scores.json.")] = Path("report"),
    testset: Annotated[Optional[Path], typer.Option(
        "--testset", metavar="DIR", file_okay=False,
        help="A test set in WMT's plain-text layout: every system against its references, with paired "
             "significance, clusters and a per-domain table (from its documents file).")] = None,
    reference: Reference = None,
    baseline: Baseline = None,
    title: Annotated[str, typer.Option(help="Report title.")] = "Translation quality report",
    dataset: Annotated[str, typer.Option(help="Dataset name shown in the provenance (default: the file name).")] = "",
    allow: Allow = None,
    skip_invalid: SkipInvalid = False,
    problems_file: ProblemsFile = None,
    languages: Languages = None,
    weighting: Weights = DEFAULT_MQM_WEIGHTING,
) -> None:
    """Write a self-contained HTML report and its Markdown twin."""
    from annotate.records import describe_problems
    from annotate.report import build_report

    if (source is None) == (testset is None):
        raise fail("give SOURCE (annotations) or --testset DIR (a WMT-style test set)"
                    + (", not both" if source is not None else ""))
    source = source or testset
    assert source is not None
    weights = mqm_weights(weighting)
    set_aside: list = []
    docs = _load(source, allow, skip_invalid, set_aside, languages, problems_file)
    try:
        paths = build_report(docs, reference=reference, baseline=baseline, title=title, out_dir=out_dir,
                             dataset=dataset or source.name, weights=weights,
                             set_aside=describe_problems(set_aside) if set_aside else "")
    except (ValueError, KeyError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{paths.html}\n{paths.markdown}\n{paths.data}")


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
    app.command("import-mqm")(import_mqm)
    app.command("export-mqm")(export_mqm)
    app.command("mqm-scores")(mqm_scores)
    app.command("score")(score)
    app.command("report")(report)
