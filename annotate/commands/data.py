"""Subcommands: ``annotate build`` — a Label Studio export (or AnnotatedDocument JSON Lines, or a WMT
MQM TSV file) → a Hugging Face dataset folder, optionally pushed to the Hub."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from annotate.commands.scoring import WEIGHTS_HELP
from annotate.schema import DEFAULT_MQM_WEIGHTING, MQMWeights

if TYPE_CHECKING:
    from annotate.dataset import BuildReport
    from annotate.dataset.esa_inputs import ExportESA
    from annotate.dataset.build import Progress
    from annotate.languages import LanguagePair
    from annotate.records import AnnotatedDocument, ExportProblem

DEFAULT_GUIDELINES = Path("seeds") / "GUIDELINES.md"


class InputError(ValueError):
    """The build input cannot be read; the message says which file and where."""


def load_documents(path: Path, problems: list[ExportProblem] | None = None, *,
                   allow_categories: Iterable[str] = ()) -> list[AnnotatedDocument]:
    """All the documents of ``path`` (see :func:`iter_documents`) in a list. Without ``problems``, an
    export with parts that fail validation raises InvalidExport listing every one of them (not just
    the first); with it, they are appended there and left out."""
    from annotate.labelstudio.errors import InvalidExport

    found: list[ExportProblem] = [] if problems is None else problems
    documents = list(iter_documents(path, found, allow_categories=allow_categories))
    if found and problems is None:
        raise InvalidExport(found, source=str(path))
    return documents


def iter_documents(path: Path, problems: list[ExportProblem] | None = None, *,
                   allow_categories: Iterable[str] = (), languages: str | None = None) -> Iterator[AnnotatedDocument]:
    """Read ``path`` one document at a time: ``.jsonl`` = one AnnotatedDocument per line (``--jsonl``
    pipes); ``.tsv`` = a WMT MQM TSV file (``allow_categories`` as for
    :func:`annotate.mqm_tsv.read_mqm_tsv`, read document by document); anything else = a Label Studio JSON export, read and parsed by
    ``annotate.labelstudio.export`` (the one module that knows Label Studio's format; its
    ExportError names task, annotation and region; a large export is read task by task; its MQM
    categories are checked against the schema plus ``allow_categories`` too). With a
    ``problems`` list, an export's annotations and tasks that fail validation (a span, a label,
    category or severity the schema lacks, a duplicated task id or doc_id) are appended there
    and left out instead of stopping the read. A folder in WMT's plain-text test-set layout
    (``sources/``, ``references/``, ``system-outputs/``; :mod:`annotate.testset`) gives one document
    per docs-file document, its systems and its references (``languages``: the pair to read)."""
    from annotate.commands._io import read_records
    from annotate.records import AnnotatedDocument

    if path.is_dir() and (path / "sources").is_dir():
        from annotate.testset import read_testset, testset_documents

        yield from testset_documents(read_testset(path, languages))
        return
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as stream:
            yield from read_records(AnnotatedDocument, stream, name=str(path))
        return
    if path.suffix.lower() == ".tsv":
        from annotate.mqm_tsv_stream import MQMTsvReader

        # one document at a time: a 500 MB file never sits in memory whole
        yield from MQMTsvReader(path, extra_categories=allow_categories)
        return
    try:
        from annotate.labelstudio.export import read_export_documents
    except ImportError as exc:
        raise InputError(f"cannot read {path}: the Label Studio export parser is not available ({exc})") from None
    yield from read_export_documents(path, problems=problems, extra_categories=allow_categories)


def _checked(docs: Iterator[AnnotatedDocument], problems: list[ExportProblem], source: str,
             skip_invalid: bool) -> Iterator[AnnotatedDocument]:
    """``docs``, then InvalidExport (every problem) unless ``skip_invalid``. A build reads all its
    documents before writing any row, so raising after the last one still writes nothing."""
    from annotate.labelstudio.errors import InvalidExport

    yield from docs
    if problems and not skip_invalid:
        raise InvalidExport(problems, source=source)


def in_languages(docs: Iterable[AnnotatedDocument], languages: LanguagePair | None) -> Iterator[AnnotatedDocument]:
    """``docs`` with their language pair set to ``languages`` when it is given (the user's word wins
    over what the records or a file name say)."""
    for doc in docs:
        if languages is not None:
            doc.source_language, doc.target_language = languages.source, languages.target
        yield doc


@contextmanager
def _build_progress() -> Iterator[Progress]:
    """Two bars on stderr (documents read, documents built); silent when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not console.is_terminal) as bars:
        tasks = {"read": bars.add_task("read documents", total=None),
                 "build": bars.add_task("build rows (sentence scores, BIO, parquet)", total=None)}

        def update(stage: str, done: int, total: int | None) -> None:
            bars.update(tasks[stage], completed=done, total=total)

        yield update


def _print_report(report: BuildReport) -> None:
    """The rows of each config and split, then what the build did; the dataset's name, its systems
    and its path are user data, printed as plain text."""
    from annotate.dataset.splits import SPLIT_NAMES
    from annotate.terminal import PlainTable, line, make_console
    from annotate.text import plural

    table = PlainTable(title=f"rows of {report.name}")
    table.add_column("config")
    for split in SPLIT_NAMES:
        table.add_column(split, justify="right")
    for config, splits in report.counts.items():
        table.add_row(config, *(str(splits.get(split, 0)) for split in SPLIT_NAMES))
    console = make_console()
    console.print(table)
    for config, reason in report.omitted_configs.items():
        console.print(line("config ", (config, "bold"), f" left out: {reason}"))
    if report.unreviewed:  # never silent: the policy, not a reviewer, chose these documents' primary annotation
        shown = ", ".join(report.unreviewed[:10]) + (f" … and {len(report.unreviewed) - 10} more"
                                                     if len(report.unreviewed) > 10 else "")
        console.print(line((f"unreviewed: {plural(len(report.unreviewed), 'document')}", "yellow"),
                           " with several annotations and no reviewer's choice (the most complete one is primary; "
                           "tick \u201cFinal\u201d in Label Studio or run `annotate review`): " + shown))
    if report.esa is not None:
        console.print(line(f"esa (WMT24's rules): {report.esa.counts.describe()}"))
    references = f"the translations of {report.reference_system}" if report.reference_system else "post-edits"
    if "segments" in report.counts or report.esa is None:  # an ESA files' dataset has no references
        console.print(line(f"languages: {report.languages.describe()}; references: {references}"))
    if not report.reference_system and "translation" not in report.counts and "ref" in report.systems:
        console.print("hint: a system is named ref (a WMT file's human reference?): rebuild with --reference ref "
                      "to score the others against it")
    for config, conversion in (("ner", report.ner_conversion), ("claims", report.claim_conversion)):
        if config in report.counts:
            counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in conversion.items())
            console.print(f"{config} spans → BIO: {counts}")
    tags = report.word_tags
    if tags.get("tokens"):
        console.print(f"word_qe: {plural(tags['bad_tokens'], 'BAD MT token')} of {tags['tokens']} from "
                      f"{plural(tags['errors'], 'error span')}, {plural(tags['bad_src_tokens'], 'BAD source token')} "
                      f"of {tags['src_tokens']} from {tags['source_errors']} marked in the source; "
                      f"{tags['without_extent']} without extent and {tags['no_span']} with no span tag no token")
    console.print(line(f"splits: {report.split_rule}"))  # prose that quotes code, brackets included
    if report.scoring.get("pairs"):
        console.print(f"sentence scores: {plural(report.scoring['pairs'], 'pair')}, "
                      f"{plural(report.scoring['scored'], 'distinct pair')} scored, "
                      f"{report.scoring['from_cache']} read from the cache")
    console.print(line(f"written: {report.out_dir} ({report.seconds['total']:.1f} s)"))


# The arguments and options of `annotate build`.
_EXPORT = typer.Argument(None, metavar="INPUT", help="Label Studio JSON export (from `annotate pull`; its "
                         "ESA tasks become the esa config), a .jsonl file of AnnotatedDocument records, a WMT MQM "
                         ".tsv file (Google's format), an ESA file (Appraise .csv or WMT24 .jsonl: the esa configs "
                         "only), or a test set folder. Several: ESA files and ESA projects' exports (WMT's waves), "
                         "read as one (an annotator's latest rating of an item kept): the esa configs only.")
_OUT_DIR = typer.Argument(None, metavar="OUT_DIR", help="Dataset folder to (re)build, e.g. datasets/seeds.")
_TESTSET = typer.Option(None, "--testset", help="A test set in WMT's plain-text layout (sources/, references/, "
                        "documents/, system-outputs/) instead of INPUT.")
_NAME = typer.Option(None, "--name", help="Dataset name (default: OUT_DIR's folder name).")
_DESCRIPTION = typer.Option(None, "--description", help="Description for the card.")
_SPLIT = typer.Option("hash", "--split", help="hash: each document's split (80/10/10 train/validation/test) from "
                      "the SHA-256 of its doc_id alone, so it never moves as the dataset grows ('auto' is an old "
                      "name for it) | train | validation | test: every document in that split (e.g. a set kept "
                      "for evaluation only).")
_LICENSE = typer.Option("other", "--license", help="License identifier for the card.")
_GUIDELINES = typer.Option(None, "--guidelines", help="Markdown annotation guidelines for the card (default: "
                           f"{DEFAULT_GUIDELINES} if it exists).")
_PUSH_TO_HUB = typer.Option(None, "--push-to-hub", metavar="REPO", help="Also upload to this Hub dataset repo "
                            "(token from env HF_TOKEN only).")
_SCORE_CACHE = typer.Option(True, "--score-cache/--no-score-cache", help="Reuse sentence scores of pairs scored "
                            "before (kept under the state folder; same output).")
_SKIP_INVALID = typer.Option(False, "--skip-invalid", help="Build without the annotations (and tasks) that fail "
                             "validation, listing them; the card counts them. Default: list them all and build "
                             "nothing.")
_PROBLEMS_FILE = typer.Option(None, "--problems", metavar="FILE", help="Write every validation problem there "
                              "(JSON Lines; empty when there is none).")
_REFERENCE = typer.Option(None, "--reference", "-r", help="'post_edits' (the annotators' post-edited translations) "
                          "or the name of the translations that are the references (an imported reference, or e.g. "
                          "'ref' in WMT MQM files). Default: the imported reference if there is one, else the "
                          "post-edits.")
_LANGUAGES = typer.Option(None, "--languages", metavar="SRC-TGT", help="The documents' language pair, e.g. en-de "
                          "(default: as the records say: es-en for Label Studio exports, read from Google's file "
                          "names for WMT MQM TSV files).")
_ALLOW = typer.Option(None, "--allow-category", help="WMT MQM TSV: accept this MQM category although "
                      "annotate.schema lacks it (repeatable).")
_WEIGHTS = typer.Option(DEFAULT_MQM_WEIGHTING, "--weights", metavar="NAME", help=WEIGHTS_HELP)


def build_command(
    export: list[Path] | None = _EXPORT,
    out_dir: Path | None = _OUT_DIR,
    testset: Path | None = _TESTSET,
    name: str | None = _NAME,
    description: str | None = _DESCRIPTION,
    split: str = _SPLIT,
    license: str = _LICENSE,
    guidelines: Path | None = _GUIDELINES,
    push_to_hub: str | None = _PUSH_TO_HUB,
    score_cache: bool = _SCORE_CACHE,
    skip_invalid: bool = _SKIP_INVALID,
    problems_file: Path | None = _PROBLEMS_FILE,
    reference: str | None = _REFERENCE,
    languages: str | None = _LANGUAGES,
    allow: list[str] | None = _ALLOW,
    weighting: str = _WEIGHTS,
) -> None:
    """Build a Hugging Face dataset folder (README.md card + parquet per config/split)."""
    import functools

    from annotate.commands.esa_build import build_esa_files, esa_build_inputs
    from annotate.commands.problems import settle_problems
    from annotate.dataset import build_dataset
    from annotate.terminal import make_console

    inputs, out_dir = _input_and_output(export, out_dir, testset)
    weights = _weights(weighting)
    _check_hub_token(push_to_hub)
    if (esa_files := esa_build_inputs(inputs)) is not None:  # ESA ratings without documents: the esa configs alone
        _print_report(build_esa_files(esa_files, out_dir, languages=languages, name=name or out_dir.resolve().name,
                                      description=description, license=license, split=split))
        if push_to_hub:
            _push(out_dir, push_to_hub)
        return
    (export,) = inputs  # several inputs are ESA files or fail above
    pair = _language_pair(languages)
    esa = _export_esa(export, pair, skip_invalid)
    problems: list[ExportProblem] = []  # filled while the export is read
    build = functools.partial(
        build_dataset, _documents(export, problems, allow or (), languages, pair, skip_invalid, esa), out_dir,
        name=name or out_dir.resolve().name, description=description, reference_system=reference, weights=weights,
        license=license, split=split, guidelines_path=_guidelines_for(export, guidelines), score_cache=score_cache,
        problems=problems, esa=esa.as_input() if esa else None)
    report = _build_or_fail(build, export, out_dir, problems, problems_file)
    settle_problems(problems, source=str(export), skip_invalid=True, problems_file=problems_file,
                    console=make_console(stderr=True), advice="")
    _print_report(report)
    if push_to_hub:
        _push(out_dir, push_to_hub)


def _export_esa(path: Path, pair: LanguagePair | None, skip_invalid: bool) -> ExportESA | None:
    """The ESA part of a Label Studio export (None for another input or an export without ESA
    tasks; read in a pass of its own: see :mod:`annotate.dataset.esa_inputs`). Unreadable ESA
    ratings fail the build, listed, unless ``skip_invalid`` (then they are listed and left out)."""
    from annotate.dataset.esa_inputs import read_export_esa
    from annotate.terminal import make_console

    if path.suffix.lower() in (".jsonl", ".tsv") or not path.is_file():
        return None
    try:
        esa = read_export_esa(path, pair)
    except ValueError as exc:  # not an export: the document pass would say the same
        _fail(str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}")
    if esa is not None and esa.problems:
        listed = "\n".join(f"  • {problem}" for problem in esa.problems)
        if not skip_invalid:
            _fail(f"{path}: {len(esa.problems)} ESA problem(s); nothing was built (fix them in Label Studio, or "
                  f"rerun with --skip-invalid to build without those ratings):\n{listed}")
        make_console(stderr=True).print(f"left out: {len(esa.problems)} ESA problem(s):\n{listed}", markup=False)
    return esa


def _fail(message: str) -> NoReturn:
    """Print ``error: <message>`` and exit with code 1."""
    from annotate.commands._io import fail

    raise fail(message, 1)


def _input_and_output(inputs: list[Path] | None, out_dir: Path | None, testset: Path | None
                      ) -> tuple[list[Path], Path]:
    """(what to read, the dataset folder) from ``INPUT… OUT_DIR`` or ``--testset DIR OUT_DIR`` (the
    command line's last word is OUT_DIR: ``build OUT_DIR --testset DIR`` too)."""
    if testset is not None and inputs:  # it used to be read instead of INPUT, silently
        _fail(f"--testset replaces INPUT: give --testset DIR OUT_DIR, or INPUT OUT_DIR (got {inputs[0]} too)")
    if testset is not None:
        inputs = [testset]
    if not inputs or out_dir is None:
        _fail("give INPUT and OUT_DIR (several ESA files: INPUT… OUT_DIR; or --testset DIR and OUT_DIR)")
    return inputs, out_dir


def _weights(weighting: str) -> MQMWeights:
    """The MQM weighting named by ``--weights``."""
    try:
        return MQMWeights.named(weighting)
    except ValueError as exc:
        _fail(f"--weights: {exc}")


def _check_hub_token(push_to_hub: str | None) -> None:
    """A push needs a token in the environment: fail before building, not after."""
    import os

    from annotate.dataset.hub import TOKEN_VARIABLE

    if push_to_hub and not os.environ.get(TOKEN_VARIABLE, "").strip():
        _fail(f"--push-to-hub needs a Hugging Face token in the environment variable {TOKEN_VARIABLE}")


def _language_pair(languages: str | None) -> LanguagePair | None:
    """The pair ``--languages`` names (None when not given)."""
    from annotate.languages import parse_pair

    try:
        return parse_pair(languages) if languages else None
    except ValueError as exc:
        _fail(f"--languages: {exc}")


def _guidelines_for(export: Path, guidelines: Path | None) -> Path | None:
    """``--guidelines``, else the team's guidelines when they exist and describe the input (they
    describe our annotations, not a WMT file's)."""
    if guidelines is None and DEFAULT_GUIDELINES.is_file() and export.suffix.lower() != ".tsv":
        return DEFAULT_GUIDELINES
    return guidelines


def _documents(export: Path, problems: list[ExportProblem], allow: Iterable[str], languages: str | None,
               pair: LanguagePair | None, skip_invalid: bool, esa: ExportESA | None = None
               ) -> Iterator[AnnotatedDocument]:
    """The input's documents, read lazily (while the build sorts them: no second copy in memory),
    in ``pair`` when given; validation problems go to ``problems`` (InvalidExport at the end unless
    ``skip_invalid``). ``esa``: the export's ESA part, whose tasks' annotations are not MQM's."""
    from annotate.dataset.esa_inputs import without_esa_annotations

    documents = iter_documents(export, problems, allow_categories=allow, languages=languages)
    if esa is not None:
        documents = without_esa_annotations(documents, esa)
    return _checked(in_languages(documents, pair), problems, str(export), skip_invalid)


def _build_or_fail(build: Callable[..., BuildReport], export: Path, out_dir: Path, problems: list[ExportProblem],
                   problems_file: Path | None) -> BuildReport:
    """Run ``build(progress=...)`` with progress bars; a failure lists the validation problems
    (and writes ``problems_file``) and exits with code 1, saying what and where."""
    from annotate.commands._io import JsonlError
    from annotate.commands.problems import print_problems, settle_problems, write_problems
    from annotate.dataset import DatasetBuildError
    from annotate.labelstudio.errors import InvalidExport
    from annotate.terminal import make_console

    errors = make_console(stderr=True)
    try:
        with _build_progress() as progress:
            return build(progress=progress)
    except InvalidExport as exc:
        settle_problems(exc.problems, source=str(export), skip_invalid=False, problems_file=problems_file,
                        console=errors, advice=f"nothing was built ({out_dir} is unchanged): fix them in Label "
                        "Studio and pull again, or rerun with --skip-invalid to build without them")
    except (InputError, JsonlError, DatasetBuildError) as exc:
        if problems:  # e.g. every task set aside: say why there was nothing left to build
            if problems_file:
                write_problems(problems_file, problems)
            print_problems(errors, problems, source=str(export), fatal=True, problems_file=problems_file)
        _fail(str(exc))
    except ValueError as exc:  # e.g. the export parser's ExportError: its message names task and region
        message = str(exc)  # file-level errors name the file already
        _fail(message if message.startswith(f"{export}:") else f"{export}: {message}")
    raise AssertionError("unreachable: settle_problems exits on an invalid export")


def _push(out_dir: Path, repo: str) -> None:
    """Upload the built folder to the Hub; a failure says the folder is kept."""
    from annotate.dataset import DatasetBuildError, push_dataset_to_hub
    from annotate.terminal import line, make_console

    try:
        url = push_dataset_to_hub(out_dir, repo)
    except DatasetBuildError as exc:
        _fail(str(exc))
    except Exception as exc:  # network, permissions, …: the built folder is kept either way
        _fail(f"push to {repo} failed ({type(exc).__name__}: {exc}); the dataset is in {out_dir}")
    make_console().print(line(f"pushed to the Hub: {url}"))


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
    app.command("build")(build_command)
