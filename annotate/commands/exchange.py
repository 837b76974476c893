"""``annotate export-scores``: a project's human scores and annotations in the field's published
layouts (:mod:`annotate.exchange`): mt-metrics-eval folders, WMT word-level QE files, the WMT23/24
error-span TSV and Marot's TSV. Input: whatever the scoring commands read (a Label Studio export
``.json``, AnnotatedDocument ``.jsonl``, a WMT MQM ``.tsv`` or a test-set folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from annotate.commands._io import fail
from annotate.commands.scoring import Allow, ProblemsFile, Reference, SkipInvalid, Weights, _load, mqm_weights
from annotate.exchange import FORMATS
from annotate.schema import DEFAULT_MQM_WEIGHTING
from annotate.text import plural

Format = Annotated[str, typer.Option(
    "--format", "-f", metavar="FORMAT",
    help="mtme (google-research/mt-metrics-eval folder: human-scores/SRC-TGT.NAME.{sys,domain,doc,seg}.score, "
         "MQM negated, with sources/, references/, documents/, system-outputs/); wmt-qe (WMT word-level QE: "
         "NAME.src/.mt/.pe/.src_tags/.tags (with gaps)/.hter); error-spans (WMT23/24 QE task 2 TSV); marot "
         "(Marot's MQM TSV with its JSON metadata column).")]

Languages = Annotated[Optional[str], typer.Option(
    "--languages", metavar="SRC-TGT",
    help="The documents' language pair, e.g. en-de, overriding what the input says (default: its own: each task of "
         "a Label Studio export records its pair, es-en for a task pushed before tasks did; a WMT MQM TSV's is read "
         "from Google's file names such as mqm_ted_ende.tsv; a test-set folder with several pairs needs it). It "
         "names the mtme files and picks the tokenizers.")]


def export_scores(
    source: Annotated[Path, typer.Argument(
        metavar="INPUT", help="Label Studio export (.json), AnnotatedDocument records (.jsonl) or WMT MQM TSV (.tsv).")],
    format_name: Format,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder to write into (made if missing).")],
    name: Annotated[str, typer.Option(
        "--name", help="Name of the score (mtme: SRC-TGT.NAME.seg.score) and stem of the other formats' files.")
    ] = "mqm",
    reference: Reference = None,
    languages: Languages = None,
    weighting: Weights = DEFAULT_MQM_WEIGHTING,
    allow: Allow = None,
    skip_invalid: SkipInvalid = False,
    problems_file: ProblemsFile = None,
) -> None:
    """Export human scores and annotations as mt-metrics-eval, WMT QE, WMT error-span or Marot files."""
    from annotate.exchange.common import write_files
    from annotate.languages import parse_pair

    if format_name not in FORMATS:
        raise fail(f"--format: {format_name!r} is not one of {', '.join(FORMATS)}")
    weights = mqm_weights(weighting)
    pair = parse_pair(languages) if languages else None  # _load has checked it
    docs = _load(source, allow, skip_invalid, languages=languages, problems_file=problems_file)
    try:
        files, notes = _files(format_name, docs, name, pair, reference, weights)
        written = write_files(out_dir, files)
    except (ValueError, KeyError) as exc:  # ExchangeError and an unknown reference are ValueErrors
        raise fail(f"{source}: {exc.args[0] if isinstance(exc, KeyError) else exc}") from None
    except OSError as exc:
        raise fail(f"{out_dir}: {exc.strerror or exc}") from None
    from annotate.terminal import make_console, plain

    console = make_console(stderr=True, soft_wrap=True)
    console.print(plain(f"{plural(len(written), 'file')} → {out_dir}"), highlight=False)
    for note in notes:
        console.print(plain(note), highlight=False)


def _files(format_name: str, docs: list, name: str, pair, reference: str | None, weights) -> tuple[dict[str, str], list[str]]:
    """The files of one format and what the user should know about what was left out."""
    if format_name == "mtme":
        from annotate.exchange.mtme import MtmeConfig, mtme_files

        files = mtme_files(docs, MtmeConfig(name=name, pair=pair, reference=reference, weights=weights))
        notes = [] if any(path.startswith("references/") for path in files) else \
            ["no reference: references/ not written (mt-metrics-eval needs one; give --reference)"]
        return files, notes
    if format_name == "wmt-qe":
        from annotate.exchange.wmt_qe import WmtQeConfig, qe_rows, wmt_qe_files

        export = qe_rows(docs, WmtQeConfig(name=name, pair=pair, reference=reference, weights=weights))
        notes = [f"left out: {plural(count, 'translation')} {why}" for count, why in (
            (export.unrated, "nobody rated"), (export.skipped_reference_system, "of the reference system"),
            (export.skipped_without_reference, "without a reference")) if count]
        if export.rows and export.rows[0].pe_tokens is None:
            notes.append("no reference: .pe and .hter not written (give --reference)")
        return wmt_qe_files(export, name), notes
    if format_name == "error-spans":
        from annotate.exchange.error_spans import error_span_files, span_ratings

        spans = span_ratings(docs)
        notes = [f"left out: {plural(count, 'error')} ({why}: the format's spans are target spans, minor or major)"
                 for why, count in spans.left_out.items() if count]
        return error_span_files(spans, name), notes
    from annotate.exchange.marot import MarotConfig, marot_files

    return marot_files(docs, MarotConfig(pair=pair, reference=reference, weights=weights), name), []


def register(app: typer.Typer) -> None:
    """Add this area's subcommand to the `annotate` app."""
    app.command("export-scores")(export_scores)
