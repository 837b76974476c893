"""``annotate build`` of ESA ratings alone: which inputs make a dataset of the ``esa`` and
``esa_systems`` configs only, and that build (:mod:`annotate.dataset.esa_build`).

One ESA file (Appraise's CSV, WMT24's JSON Lines) makes one, as before. Several inputs (WMT's
waves, ``esa_generalMT2024_wave*.csv``) are read as one set of ratings, as ``esa-scores`` reads
them: each must be an ESA file or a Label Studio export of an ESA project and nothing more (its
documents make no config then). Anything else among several inputs (an MQM export, a TSV file, a
test set) stops the build before any rating is read, naming it and saying what to do; a Label
Studio export that holds MQM and ESA tasks still builds on its own, as ever (``data.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from annotate.dataset import BuildReport
    from annotate.languages import LanguagePair

# What every input of a build from several must be; said by the error that finds one that is not.
ESA_INPUTS = ("an ESA file (Appraise's .csv, WMT24's .jsonl) or a Label Studio export of an ESA project "
              "(`annotate pull`)")


def _fail(message: str) -> NoReturn:
    """Print ``error: <message>`` and exit with code 1, as the rest of ``annotate build``."""
    from annotate.commands._io import fail

    raise fail(message, 1)


def esa_build_inputs(inputs: Sequence[Path]) -> list[Path] | None:
    """``inputs`` when they make a dataset of ESA ratings alone (one ESA file, or several ESA
    inputs), None when the one input is for the documents' build (an export, a TSV file, records,
    a test set). Among several, an input that is missing, given twice or no ESA input exits with
    code 1, naming it."""
    from annotate.dataset.esa_inputs import is_esa_file

    if len(inputs) == 1:
        return list(inputs) if is_esa_file(inputs[0]) else None
    seen: dict[Path, Path] = {}
    for path in inputs:
        if not path.exists():
            _fail(f"{path}: no such file")
        if (problem := _not_esa(path)) is not None:
            _fail(f"{path}: {problem}. Several inputs are read as one set of ESA ratings, so each must be "
                  f"{ESA_INPUTS}; build this one on its own, into a dataset folder of its own "
                  f"(`annotate build {'--testset ' if path.is_dir() else ''}{path} OUT_DIR`)")
        if (first := seen.setdefault(path.resolve(), path)) is not path:
            # read twice, each rating would count twice in the card (and once as superseded)
            same = "" if str(first) == str(path) else f" (as {first})"
            _fail(f"{path}: given twice{same}; give each ESA file once")
    return list(inputs)


def _not_esa(path: Path) -> str | None:
    """Why ``path`` cannot join other ESA inputs (None when it can)."""
    from annotate.dataset.esa_inputs import export_beyond_esa, is_esa_file

    if path.is_dir():
        return "a folder (a WMT test set?), not ESA ratings"
    if is_esa_file(path):
        return None
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        return "a WMT MQM TSV file, not ESA ratings"
    if suffix == ".jsonl":  # is_esa_file judged its first record: no `esa_score`
        return "JSON Lines of AnnotatedDocument records (its first record has no esa_score), not ESA ratings"
    if suffix != ".json":
        return f"not an input `annotate build` reads ({path.suffix or 'no extension'})"
    try:
        return export_beyond_esa(path)
    except ValueError as exc:  # ExportError: not valid JSON, not a list of tasks (it names the file)
        return str(exc).removeprefix(f"{path}: ")


def build_esa_files(paths: Sequence[Path], out_dir: Path, *, languages: str | None, name: str,
                    description: str | None, license: str, split: str) -> BuildReport:
    """Read ``paths`` as one (:func:`annotate.dataset.esa_build.read_esa_input`) and build the esa
    configs into ``out_dir`` (staged: a failure leaves it as it was). A bad file exits with code 1,
    naming it (and its lines); so does a build error (nothing left once WMT24's rules are applied,
    an OUT_DIR that is not a dataset), named after the inputs as before. ``languages``: the pair
    of a Label Studio export's ratings (``--languages``; ESA files name their own)."""
    from annotate.dataset.esa_build import build_esa_dataset, read_esa_input

    if out_dir.is_file():  # e.g. `build wave1.csv wave2.csv`: the last word is taken for OUT_DIR
        _fail(f"{out_dir} is a file, not a dataset folder: give OUT_DIR last, after every INPUT")
    pair = _export_pair(paths, languages)
    try:
        esa = read_esa_input(paths, languages=pair)  # every file read before anything is written
    except (OSError, ValueError) as exc:  # ESAFormatError is a ValueError; the message names the file
        _fail(str(exc))
    inputs = " + ".join(str(path) for path in paths)
    try:
        return build_esa_dataset(esa, out_dir, name=name, description=description, license=license, split=split)
    except (OSError, ValueError) as exc:  # DatasetBuildError is a ValueError
        message = str(exc)
        _fail(message if message.startswith(inputs) else f"{inputs}: {message}")


def _export_pair(paths: Sequence[Path], languages: str | None) -> LanguagePair | None:
    """``--languages`` as a pair when a Label Studio export is among ``paths`` (the only input it
    applies to: an ESA file names its pairs, and an unused option is not checked, as before)."""
    from annotate.languages import parse_pair

    if not languages or not any(path.suffix.lower() == ".json" for path in paths):
        return None
    try:
        return parse_pair(languages)
    except ValueError as exc:
        _fail(f"--languages: {exc}")
