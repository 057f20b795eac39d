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

step "mypy --strict: src, tests, scripts, benchmarks, then each example app"
mypy src tests scripts benchmarks .projenrc.py
# Each example imports its own `stacks` package (and the consumer repo its own `tests`), as a
# consuming repo does: check each app from its folder, so that the packages do not collide.
# The folder is given by its absolute path: mypy trusts a cached module whose path, size and
# time are the same, and two examples' `stacks/__init__.py` cloned in the same second, given
# as `.`, would pass for one another.
for app in examples/*/; do
  (cd "$app" && mypy --config-file ../../pyproject.toml "$PWD")
done

# tests/test_docs.py builds the documentation site (scripts/docs.sh, mkdocs build --strict).
step "pytest with coverage of src/ (at least 90%)"
rm -f .coverage .coverage.*
coverage run -m pytest "$@"
coverage combine --quiet
coverage report
