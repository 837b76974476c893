#!/usr/bin/env bash
# Set up everything (idempotent) and run the demo on the seed articles.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/annotate demo seeds "$@"
