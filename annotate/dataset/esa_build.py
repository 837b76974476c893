"""``build_esa_dataset``: ESA files (Appraise CSV, WMT24 JSON Lines) → a dataset folder with the
``esa`` and ``esa_systems`` configs only (there are no documents to make the other configs of).

The folder is staged and swapped in as :func:`annotate.dataset.build.build_dataset` does, so a
failed build leaves the previous dataset as it was.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from annotate.dataset.build import DEFAULT_LICENSE, BuildReport, _check_replaceable, _fresh_staging
from annotate.dataset.card import ESA_FILES, CardContext, render_card
from annotate.dataset.checks import DatasetBuildError
from annotate.dataset.esa_rows import ESAInput, ESASummary, write_esa_configs
from annotate.dataset.splits import choose_split_rule
from annotate.dataset.staging import remove_stale_builds, swap_in
from annotate.dataset.writer import DatasetWriter
from annotate.esa.records import ESARating, two_letter
from annotate.languages import LanguagePair

ESA_DESCRIPTION = (
    "Human ESA (Error Span Annotation) ratings of machine translations — a 0–100 score and minor/major "
    "error spans per segment — as a typed dataset for translation-quality estimation and metric evaluation."
)


def read_esa_input(paths: Sequence[Path], *, languages: LanguagePair | None = None) -> ESAInput:
    """The ratings of ESA files read as one (WMT's waves), in file order, as ``esa-scores`` reads
    them: WMT24's rules, applied by the build, then keep an annotator's latest rating of an item
    whichever file holds it. ``languages``: the pair of a Label Studio export's ratings (ESA files
    name their own). A file that cannot be read is a ValueError (or OSError) whose message starts
    with the file (ESAFormatError lists every problem of it, with its line)."""
    from annotate.esa import read_esa_file

    ratings: list[ESARating] = []
    counts: list[int] = []
    for path in paths:
        try:
            read = read_esa_file(path, languages=languages)
        except (OSError, ValueError) as exc:
            if str(exc).startswith(str(path)):
                raise
            raise ValueError(f"{path}: {exc}") from exc
        ratings.extend(read)
        counts.append(len(read))
    names = card_names(paths)
    shown = ", ".join(f"`{name}`" for name in names)
    return ESAInput(ratings, f"the ESA file{'s' if len(paths) != 1 else ''} {shown}",
                    sources=tuple(zip(names, counts, strict=True)))


def card_names(paths: Sequence[Path]) -> list[str]:
    """How the card names each file: its name (a local path says nothing to the dataset's readers),
    or, when two files share a name (``wave1/esa.csv``, ``wave2/esa.csv``), its path below the
    folder all of them are in. Fit for a Markdown code span: no backtick, no line break."""
    import os

    names = [path.name for path in paths]
    if len(set(names)) < len(names):
        absolute = [os.path.abspath(path) for path in paths]
        common = os.path.commonpath(absolute)
        names = [Path(os.path.relpath(path, common)).as_posix() for path in absolute]
    return [re.sub(r"[\r\n]+", " ", name).replace("`", "'") for name in names]


def build_esa_dataset(esa: ESAInput, out_dir: str | Path, *, name: str, description: str | None = None,
                      license: str = DEFAULT_LICENSE, split: str = "hash") -> BuildReport:
    """Build ``out_dir`` from ESA ratings: README.md card + parquet for ``esa`` and ``esa_systems``,
    loadable with ``datasets.load_dataset(out_dir, "esa")``. ``split`` as for ``build_dataset``.
    Raises DatasetBuildError when WMT24's rules keep no rating (nothing is written then)."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    remove_stale_builds(out_dir)
    _check_replaceable(out_dir)
    kept, counts = esa.kept()
    if not kept:
        raise DatasetBuildError(f"no ESA rating left once WMT24's rules are applied ({counts.describe()})")
    try:
        rule = choose_split_rule(len({rating.doc_id for rating in kept}), split)
    except ValueError as exc:
        raise DatasetBuildError(str(exc)) from None
    staging = _fresh_staging(out_dir)
    try:
        writer = DatasetWriter(staging)
        summary = write_esa_configs(writer, esa, rule)
        written = writer.close()
        context = _card_context(summary, written, rule.describe(), name, description, license)
        (staging / "README.md").write_text(render_card(context), encoding="utf-8")
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(
        name=name, out_dir=out_dir, readme=out_dir / "README.md",
        files={c: {s: out_dir / f.relative_path for s, f in splits.items()} for c, splits in written.items()},
        counts={c: {s: f.num_examples for s, f in splits.items()} for c, splits in written.items()},
        omitted_configs={}, n_documents=summary.n_documents, annotation_status={}, ner_conversion={},
        claim_conversion={}, word_tags={}, split_rule=context.split_rule, languages=context.languages,
        systems=summary.systems, seconds={"total": time.perf_counter() - started}, esa=summary)


def _card_context(summary: ESASummary, written: dict, split_rule: str, name: str, description: str | None,
                  license: str) -> CardContext:
    """The card's facts: the ESA summary; every field about documents, MQM and metrics empty."""
    source, target = summary.pairs[0]
    return CardContext(
        name=name, description=description or ESA_DESCRIPTION, license=license, files=written, omitted_configs={},
        split_rule=split_rule, n_documents=summary.n_documents, annotation_status={},
        n_annotators=summary.n_annotators, systems=[(system, "") for system in summary.systems],
        ner_conversion={}, claim_conversion={}, claim_sentences={}, word_tags={}, sentence_signatures={},
        corpus_signatures={},
        # the card's language names: the first pair's (the card lists every pair in its ESA section)
        languages=LanguagePair(two_letter(source), two_letter(target)),
        origin=ESA_FILES, entity_layer=False, claim_layer=False, esa=summary)
