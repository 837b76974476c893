"""Subcommands for ESA files (WMT24's human evaluation): ``esa-scores``, ``esa-report`` and
``esa-export``.

Inputs are dispatched by extension: ``.csv`` is Appraise's ESA CSV, ``.jsonl`` WMT24's ESA JSON
Lines (:mod:`annotate.esa`). Several files (WMT24's waves) are read as one set of ratings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from annotate.commands._io import fail
from annotate.text import plural

Files = Annotated[list[Path], typer.Argument(
    metavar="FILE",
    help="ESA files: Appraise's ESA CSV (.csv) or WMT24's ESA JSON Lines (.jsonl); several are read together.")]
Bootstrap = Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for the 95% CIs (0: none).")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")]
Languages = Annotated[Optional[str], typer.Option(
    "--languages", metavar="SRC-TGT", help="The language pair of a Label Studio export's ESA ratings, overriding "
    "the one each task records (default: the task's; es-en for a task pushed before tasks recorded it). ESA files "
    "name their own pairs.")]
AllowSeverity = Annotated[Optional[list[str]], typer.Option(
    "--allow-severity", metavar="NAME",
    help="Accept this span severity beside ESA's minor and major (e.g. Appraise's 'undecided'; repeatable).")]


def read_files(files: list[Path], allow: list[str] | None, languages: str | None = None):
    """Every rating of ``files`` in order, or exit 2 with the (first failing) file's problems.
    ``languages`` (``"en-de"``): the pair of a Label Studio export's ratings, overriding its tasks' own."""
    from annotate.esa import read_esa_file
    from annotate.languages import parse_pair

    try:
        pair = parse_pair(languages) if languages else None
    except ValueError as exc:
        raise fail(f"--languages: {exc}") from None

    ratings = []
    for path in files:
        if not path.is_file():
            raise fail(f"{path}: no such file")
        try:
            ratings.extend(read_esa_file(path, allow_severities=allow or (), languages=pair))
        except (ValueError, OSError) as exc:  # ESAFormatError is a ValueError
            raise fail(str(exc)) from None
    return ratings


def esa_scores(
    files: Files,
    as_json: Annotated[bool, typer.Option(
        "--json", help='Print {"<src>-<tgt>": {"<system>": score, …}, …}, best system first.')] = False,
    allow: AllowSeverity = None,
    bootstrap: Bootstrap = 1000,
    seed: Seed = 12345,
    languages: Languages = None,
) -> None:
    """System-level ESA as WMT24 scored it (higher is better): TGT rows only; tutorial, #bad, #dup
    and #incomplete documents dropped; each annotator's latest rating of an item; mean per domain,
    then the mean over domains. With 95% CIs, Wilcoxon + Stouffer significance, rank ranges and
    clusters."""
    from annotate.esa.scoring import score_esa

    ratings = read_files(files, allow, languages)
    try:
        scores = score_esa(ratings, n_bootstrap=bootstrap, seed=seed)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(scores.to_json_dict(), ensure_ascii=False))
        return
    from annotate.terminal import PlainTable, make_console, plain, print_table

    console = make_console(soft_wrap=True)
    for langs, pair in scores.pairs.items():
        domains = pair.domains
        table = PlainTable(title=f"ESA {langs}: {plural(len(pair.systems), 'system')} (higher is better)",
                           title_justify="left")
        for column in ("rank", "cluster", "system", "ESA", "95% CI", "items", "ratings",
                       *(domain or "(no domain)" for domain in domains)):
            table.add_column(column, justify="left" if column == "system" else "right")
        for result in pair.systems:
            best, worst = result.rank
            rank = str(best) if best == worst else f"{best}–{worst}"
            table.add_row(rank, str(result.cluster), result.system, f"{result.score:.2f}",
                          f"± {result.ci:.2f}" if scores.n_bootstrap else "", str(result.n_items),
                          str(result.n_ratings),
                          *(f"{result.domains[d]:.2f}" if d in result.domains else "–" for d in domains))
        print_table(console, table)
    console.print(plain(
        f"{scores.counts.describe()}. Score: mean per domain, then the mean over domains. Significance: "
        f"Wilcoxon signed-rank per domain on the segments both systems have, combined with Stouffer's method; "
        f"a cluster holds systems not significantly different at p < {scores.alpha:g}; rank = best–worst rank "
        f"consistent with it. CI: {scores.n_bootstrap} bootstrap resamples of the segments per domain, seed "
        f"{scores.seed}."))


def esa_report(
    files: Files,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Folder for report.html, report.md, scores.json.")]
    = Path("esa-report"),
    title: Annotated[str, typer.Option(help="Report title.")] = "ESA human evaluation",
    allow: AllowSeverity = None,
    bootstrap: Bootstrap = 1000,
    seed: Seed = 12345,
    languages: Languages = None,
) -> None:
    """Write an HTML report and its Markdown twin of ESA files, scored as ``esa-scores`` scores them:
    per language pair the systems (rank range, cluster, score ± 95% CI, per domain), a chart, the
    pairwise p-values, the error spans behind each score (minor, major, omissions per segment) and
    each annotator's scale and pace (median seconds per rating, from the files' times)."""
    from annotate.esa.files import label_studio_tasks
    from annotate.esa.report import write_esa_report
    from annotate.labelstudio.esa import prefill_fate

    ratings = read_files(files, allow, languages)
    prefill: dict[str, int] | None = None
    for path in files:  # a Label Studio export also says what annotators did with ESA-AI's spans
        if (tasks := label_studio_tasks(path)) is not None:
            fate = prefill_fate(tasks)
            prefill = {name: (prefill or {}).get(name, 0) + count for name, count in fate.items()}
    try:
        paths = write_esa_report(ratings, out_dir=out_dir, title=title, sources=[path.name for path in files],
                                 n_bootstrap=bootstrap, seed=seed, prefill=prefill)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{paths.html}\n{paths.markdown}\n{paths.data}")


def esa_export(
    files: Files,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Output file: .csv (Appraise's ESA CSV) or .jsonl (WMT24's ESA JSON Lines).")],
    wmt24_rules: Annotated[bool, typer.Option(
        "--wmt24-rules", help="Write only what WMT24 scores: TGT rows, no tutorial, #bad, #dup or #incomplete "
                              "documents, each annotator's latest rating of an item.")] = False,
    allow: AllowSeverity = None,
) -> None:
    """Convert ESA ratings between Appraise's CSV and WMT24's JSON Lines. Appraise's CSV holds no
    texts or domain (a .jsonl written from it has empty src/tgt, and the domain read from the
    doc_id); WMT24's JSON Lines holds TGT rows only."""
    from annotate.esa.files import esa_format, write_esa_file

    try:
        esa_format(output)
    except ValueError as exc:
        raise fail(str(exc)) from None
    ratings = read_files(files, allow)
    note = ""
    if wmt24_rules:
        from annotate.esa.scoring import apply_wmt24_rules

        ratings, counts = apply_wmt24_rules(ratings)
        note = f" ({counts.describe()})"
    try:
        count = write_esa_file(ratings, output)
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{plural(count, 'rating')} → {output}{note}", err=True)


def register(app: typer.Typer) -> None:
    """Add this area's subcommands to the `annotate` app."""
    app.command("esa-scores")(esa_scores)
    app.command("esa-report")(esa_report)
    app.command("esa-export")(esa_export)
