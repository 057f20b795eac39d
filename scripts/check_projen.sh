#!/usr/bin/env bash
# Fails when running .projenrc.py changes any file: generated files must match their source.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
cd "$ROOT"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "not a git checkout: cannot compare generated files" >&2
  exit 1
fi
state() { git status --porcelain --untracked-files=all; git diff; }
before="$(state)"
PROJEN_DISABLE_POST=1 python .projenrc.py
after="$(state)"
if [ "$before" != "$after" ]; then
  echo "Running .projenrc.py changed these files; edit .projenrc.py, not generated files:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "generated files are up to date"
