"""Test-session isolation. Runs before any test module is imported, so argostranslate, spaCy,
onnxruntime and Label Studio see temp dirs, never the user's home or config."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SESSION_ROOT = Path(tempfile.mkdtemp(prefix="annotate-tests-"))
for _var, _sub in {
    "HOME": "home",
    "XDG_DATA_HOME": "xdg/data",
    "XDG_CONFIG_HOME": "xdg/config",
    "XDG_CACHE_HOME": "xdg/cache",
    "XDG_STATE_HOME": "xdg/state",
    "ARGOS_PACKAGES_DIR": "argos-packages",
    "LABEL_STUDIO_BASE_DATA_DIR": "label-studio",
    "ANNOTATE_STATE_DIR": "annotate-state",
}.items():
    (_SESSION_ROOT / _sub).mkdir(parents=True, exist_ok=True)
    os.environ[_var] = str(_SESSION_ROOT / _sub)
# Never talk to a user's server or leak a token into a test; never phone home.
for _var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "HF_TOKEN", "USERNAME", "PASSWORD", "HOST",
             "PORT", "USER_TOKEN"):
    os.environ.pop(_var, None)
os.environ.update({"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "ARGOS_DEVICE_TYPE": "cpu",
                   # one CTranslate2 thread: measured ~3x faster than all cores on a loaded 2-core CI
                   "ARGOS_INTRA_THREADS": "1"})

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_MQM = REPO.parent / "shared" / "mqm"


@pytest.fixture(scope="session")
def session_root() -> Path:
    """The session's private temp root (HOME, XDG dirs, … live under it)."""
    return _SESSION_ROOT


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    """The five raw seed articles."""
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(autouse=True)
def _nothing_written_into_the_repository() -> object:
    """A test that writes under the repository's ``out/`` (the default of pull, translate…) fails:
    its files would outlive the session and land in the next one's working tree."""
    out = REPO / "out"
    before = set(out.iterdir()) if out.is_dir() else set()
    yield
    written = (set(out.iterdir()) if out.is_dir() else set()) - before
    if written:
        for path in written:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        pytest.fail(f"the test wrote into the repository: {sorted(str(p) for p in written)}; give it a tmp_path")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_ROOT, ignore_errors=True)
from fixtures_argos import *  # noqa: F401,F403  (tiny real .argosmodel fixtures)
from fixtures_labelstudio import *  # noqa: F401,F403  (real Label Studio server fixtures)
