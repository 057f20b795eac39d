#!/usr/bin/env bash
# Writes requirements-dev.lock: every package of the development environment, pinned with its
# hashes, as scripts/setup.sh installs it. Run after changing a dependency in .projenrc.py:
#   bash scripts/lock.sh            # keep the versions uv.lock has, add what is new
#   bash scripts/lock.sh --upgrade  # newest versions the ranges allow
# The lock names packages and hashes only (no index addresses), so it installs from whatever
# index the machine is configured with. uv.lock, uv's own resolution, stays local.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
cd "$ROOT"
uv lock --quiet "$@"
uv export --quiet --frozen --format requirements-txt --no-emit-project --no-header \
  --output-file requirements-dev.lock
echo "wrote requirements-dev.lock ($(grep -c '==' requirements-dev.lock) packages)"
