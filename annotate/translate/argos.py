"""Argos Translate: package management through argostranslate, translation straight through the
package's CTranslate2 + SentencePiece models.

argostranslate's own ``translate()`` re-splits text into sentences (MiniSBD/stanza/spaCy, which try
to download models when offline) and runs one small batch per paragraph. Our sentences are already
segmented, so we encode them all, make ONE ``ctranslate2.Translator.translate_batch`` call with the
options argostranslate would use (``apply_packaged_translation``: target prefix, beam size, token
batching, length penalty, unknown replacement) and decode like its tokenizer does. For one sentence
the output equals argostranslate's. Settings (beam size, batch size, threads, device, compute type)
come from ``argostranslate.settings``, which reads the ``ARGOS_*`` environment variables.

argostranslate is imported lazily: importing it creates folders under the XDG dirs.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.translate.base import (
    TranslationError,
    TranslationOutput,
    TranslatorUnavailable,
    register_translator,
)
from annotate.text import plural

SOURCE_LANG, TARGET_LANG = "es", "en"
REAL_PACKAGE_HINT = (
    "install a real es→en package: `argospm install translate-es_en` (needs network), "
    "or `annotate argos install FILE.argosmodel`"
)


# CTranslate2 sub-batch size in tokens when ARGOS_BATCH_SIZE is not set. argostranslate's own
# default (32 tokens) suits one paragraph at a time: with our whole-corpus batches it makes every
# sentence its own sub-batch, ~3x slower here. Outputs are identical whatever the batching (checked).
DEFAULT_TOKEN_BATCH = 4096


class ArgosPackageError(ValueError):
    """An .argosmodel file that cannot be installed: says which file and what is wrong."""


@dataclass(frozen=True)
class ArgosPackageInfo:
    """An installed Argos Translate package, as listed by ``annotate argos list``."""

    name: str  # e.g. "translate-es_en"; "tiny-test-fixture" for our test package
    package_version: str
    from_code: str
    to_code: str
    path: Path
    is_test_fixture: bool

    @property
    def version(self) -> str:
        """The version string recorded with every translation, e.g. ``translate-es_en 1.9``."""
        return f"{self.name} {self.package_version}".strip()


def _metadata(package_dir: Path) -> dict[str, Any]:
    return json.loads((package_dir / "metadata.json").read_text(encoding="utf-8"))


def _package_info(package: Any) -> ArgosPackageInfo:  # argostranslate.package.Package
    from argostranslate.package import argospm_package_name

    metadata = _metadata(package.package_path)
    return ArgosPackageInfo(
        name=package.code or argospm_package_name(package),
        package_version=package.package_version,
        from_code=package.from_code or "",
        to_code=package.to_code or "",
        path=Path(package.package_path),
        is_test_fixture=bool(metadata.get("test_fixture", False)),
    )


def installed_packages() -> list[ArgosPackageInfo]:
    """All installed Argos packages (in ``argostranslate.settings.package_dirs``)."""
    from argostranslate import package, settings

    try:
        packages = package.get_installed_packages()
        return [_package_info(p) for p in packages if p.type == "translate"]
    except (OSError, ValueError) as exc:  # e.g. a folder without metadata.json in the packages dir
        where = ", ".join(str(d) for d in settings.package_dirs)
        raise ArgosPackageError(f"cannot read the installed Argos packages in {where}: {exc}") from exc


def check_argosmodel(path: Path) -> str:
    """Validate an .argosmodel before installing; returns its top folder or raises ArgosPackageError."""
    if not path.is_file():
        raise ArgosPackageError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ArgosPackageError(f"{path}: not an Argos package (an .argosmodel is a zip archive)")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        tops = {name.split("/", 1)[0] for name in names}
        if len(tops) != 1:
            raise ArgosPackageError(f"{path}: must hold ONE top folder, found {sorted(tops)[:5]}")
        (top,) = tops
        for required in ("metadata.json", "model/model.bin"):
            if f"{top}/{required}" not in names:
                raise ArgosPackageError(f"{path}: missing {top}/{required}")
        try:
            metadata = json.loads(archive.read(f"{top}/metadata.json"))
        except ValueError as exc:
            raise ArgosPackageError(f"{path}: {top}/metadata.json is not valid JSON: {exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("type", "translate") != "translate":
        raise ArgosPackageError(f"{path}: metadata.json does not describe a translate package")
    return top


def install_package(path: Path | str) -> ArgosPackageInfo:
    """Install an .argosmodel through ``argostranslate.package.install_from_path``; returns it."""
    from argostranslate import package, settings

    path = Path(path)
    top = check_argosmodel(path)
    package.install_from_path(path)
    return _package_info(package.Package(Path(settings.package_data_dir) / top))


def _es_en_packages(*, test_fixture: bool) -> list[ArgosPackageInfo]:
    try:
        packages = installed_packages()
    except ArgosPackageError as exc:
        raise TranslatorUnavailable(str(exc)) from exc
    found = [
        p
        for p in packages
        if p.from_code == SOURCE_LANG and p.to_code == TARGET_LANG and p.is_test_fixture == test_fixture
    ]
    return sorted(found, key=lambda p: _version_key(p.package_version), reverse=True)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.replace("-", ".").split("."))


class ArgosTranslator:
    """Translate with one installed Argos package; models load on the first batch."""

    def __init__(self, package_info: ArgosPackageInfo) -> None:
        from argostranslate import settings

        self.package_info = package_info
        self.is_test_fixture = package_info.is_test_fixture
        self.name = "argos-test-fixture" if self.is_test_fixture else "argos"
        self.version = package_info.version
        self.device = settings.device
        self.compute_type = settings.compute_type
        self.inter_threads = settings.inter_threads
        self.intra_threads = settings.intra_threads
        self.target_prefix = _metadata(package_info.path).get("target_prefix", "")
        # The options of argostranslate.translate.apply_packaged_translation (1 hypothesis); only
        # the token batch default differs (see DEFAULT_TOKEN_BATCH), never the output.
        self.decode_options: dict[str, Any] = {
            "replace_unknowns": True,
            "max_batch_size": _token_batch_size(),
            "batch_type": "tokens",
            "beam_size": max(1, settings.beam_size),
            "num_hypotheses": 1,
            "length_penalty": 0.2,
        }
        self.settings_key = (
            f"beam={self.decode_options['beam_size']};device={self.device};compute={self.compute_type}"
        )
        self._model: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        import ctranslate2
        from argostranslate.package import Package

        self._tokenizer = Package(self.package_info.path).tokenizer
        self._model = ctranslate2.Translator(
            str(self.package_info.path / "model"),
            device=self.device,
            inter_threads=self.inter_threads,
            intra_threads=self.intra_threads,
            compute_type=self.compute_type,
        )

    def encode(self, lines: list[str]) -> list[list[str]]:
        """Tokenise like the package's argostranslate tokenizer (batched for SentencePiece)."""
        if self._model is None:
            self._load()
        lazy_processor = getattr(self._tokenizer, "lazy_processor", None)
        if lazy_processor is not None:  # SentencePieceTokenizer: one batched call, same pieces
            return lazy_processor().encode(lines, out_type=str)
        return [self._tokenizer.encode(line) for line in lines]

    def decode(self, tokens: list[str]) -> str:
        """Detokenise like argostranslate: tokenizer decode, drop the target prefix and one space."""
        value = self._tokenizer.decode(tokens)
        if self.target_prefix and value.startswith(self.target_prefix):
            value = value[len(self.target_prefix) :]
        return value[1:] if value.startswith(" ") else value

    def translate_tokens(self, tokenized: list[list[str]]) -> list[list[str]]:
        """One CTranslate2 call over the whole batch; returns the best hypothesis per input."""
        if self._model is None:
            self._load()
        prefix = [[self.target_prefix]] * len(tokenized) if self.target_prefix else None
        results = self._model.translate_batch(tokenized, target_prefix=prefix, **self.decode_options)
        return [result.hypotheses[0] for result in results]

    def translate_batch(self, sentences: list[str]) -> list[TranslationOutput]:
        """Translate pre-segmented sentences; a sentence's lines are translated separately and
        re-joined with "\\n" (as argostranslate translates each paragraph); blank lines stay blank."""
        lines: list[str] = []
        line_slots: list[list[int | None]] = []  # per sentence: index into `lines`, None = blank
        for sentence in sentences:
            slots: list[int | None] = []
            for line in sentence.split("\n"):
                if line.strip():
                    slots.append(len(lines))
                    lines.append(line)
                else:
                    slots.append(None)
            line_slots.append(slots)
        translated: list[str] = []
        if lines:
            hypotheses = self.translate_tokens(self.encode(lines))
            if len(hypotheses) != len(lines):
                raise TranslationError(f"CTranslate2 returned {plural(len(hypotheses), 'result')} for {plural(len(lines), 'input')}")
            translated = [self.decode(tokens) for tokens in hypotheses]
        return [
            TranslationOutput(mt="\n".join("" if slot is None else translated[slot] for slot in slots))
            for slots in line_slots
        ]


def _token_batch_size() -> int:
    """ARGOS_BATCH_SIZE (env or argos settings.json) when the user set it, else DEFAULT_TOKEN_BATCH."""
    from argostranslate import settings

    configured = settings.get_setting("ARGOS_BATCH_SIZE")
    return int(configured) if configured is not None else DEFAULT_TOKEN_BATCH


def _argos_importable() -> None:
    try:
        import argostranslate.package  # noqa: F401
        import ctranslate2  # noqa: F401
    except ImportError as exc:
        raise TranslatorUnavailable(f"argostranslate is not installed ({exc}); pip install argostranslate") from exc


def argos_translator() -> ArgosTranslator:
    """A translator on the newest installed REAL es→en package, or TranslatorUnavailable."""
    _argos_importable()
    real = _es_en_packages(test_fixture=False)
    if real:
        return ArgosTranslator(real[0])
    from argostranslate import settings

    fixtures = _es_en_packages(test_fixture=True)
    where = ", ".join(str(d) for d in settings.package_dirs)
    if fixtures:
        raise TranslatorUnavailable(
            f"only the test fixture package {fixtures[0].name!r} (random weights, garbage output) is "
            f"installed in {where}; {REAL_PACKAGE_HINT}"
        )
    raise TranslatorUnavailable(f"no es→en Argos package installed in {where}; {REAL_PACKAGE_HINT}")


def argos_test_fixture_translator() -> ArgosTranslator:
    """A translator on the tiny test-fixture package (garbage output; for tests and benchmarks)."""
    _argos_importable()
    fixtures = _es_en_packages(test_fixture=True)
    if not fixtures:
        raise TranslatorUnavailable(
            "the tiny test-fixture package is not installed; build it with "
            "scripts/build_tiny_argos_model.py and install it with `annotate argos install`"
        )
    return ArgosTranslator(fixtures[0])


register_translator("argos", argos_translator)
register_translator("argos-test-fixture", argos_test_fixture_translator, test_fixture=True)
