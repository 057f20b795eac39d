#!/usr/bin/env bash
# The test command: sets up on a fresh machine, then runs every quality gate and the tests.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"

step "projen: generated files match .projenrc.py"
bash scripts/check_projen.sh

step "ruff: lint and format check"
ruff check .
ruff format --check .

step "mypy --strict: src, tests, examples, scripts, benchmarks"
mypy src tests examples scripts benchmarks .projenrc.py --exclude examples/reference_app
# The reference app imports its own stacks package, as a consuming repo does.
(cd examples/reference_app && mypy --config-file ../../pyproject.toml app.py stacks)

# tests/test_docs.py builds the documentation site (scripts/docs.sh, mkdocs build --strict).
step "pytest with coverage of src/ (at least 90%)"
rm -f .coverage .coverage.*
coverage run -m pytest "$@"
coverage combine --quiet
coverage report
