"""Session fixtures: a tiny REAL es→en .argosmodel, built once per session with
scripts/build_tiny_argos_model.py and installed through argostranslate into the session's
ARGOS_PACKAGES_DIR (a temp dir set by conftest before anything imports argostranslate)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_tiny_argos_model.py"


def load_tiny_model_builder() -> ModuleType:
    """The scripts/build_tiny_argos_model.py module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_tiny_argos_model", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_argosmodel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the freshly built tiny-test-fixture .argosmodel (not installed)."""
    return load_tiny_model_builder().build_tiny_argos_model(tmp_path_factory.mktemp("tiny-argos"))


@pytest.fixture(scope="session")
def tiny_argos_package(tiny_argosmodel: Path):  # -> annotate.translate.argos.ArgosPackageInfo
    """The tiny package, installed via argostranslate.package.install_from_path."""
    from annotate.translate.argos import install_package

    return install_package(tiny_argosmodel)


@pytest.fixture(scope="session")
def tiny_argos_translator(tiny_argos_package):  # -> annotate.translate.argos.ArgosTranslator
    """A translator on the installed tiny package (garbage output, real loading and decoding)."""
    from annotate.translate import get_translator

    return get_translator("argos-test-fixture")
