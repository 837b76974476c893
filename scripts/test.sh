#!/usr/bin/env bash
# Set up everything (idempotent) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected no tests: not a failure of the suite itself.
if [ "$rc" = 5 ]; then echo "no tests collected"; exit 0; fi
exit "$rc"
