#!/usr/bin/env bash
# Runs the benchmarks (benchmarks/run.py) in the project's environment.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
bash "$ROOT/scripts/setup.sh" >/dev/null
exec python "$ROOT/benchmarks/run.py" "$@"
