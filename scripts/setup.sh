#!/usr/bin/env bash
# Installs what the project needs, on a fresh machine or an existing checkout:
#   - Node.js 22 and the AWS CDK CLI, pinned in package.json / package-lock.json (npm);
#   - .venv: the package (editable) and its development tools, pinned in pyproject.toml (uv);
#   - .tools: checkov in an environment of its own (uv tool).
# Needs python3 (3.11 or newer) with venv, and npm. Safe to run again: it skips what is current.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
CHECKOV_VERSION=3.3.30
cd "$ROOT"

step "Node.js 22 and the AWS CDK CLI (npm ci)"
if [ -x node_modules/.bin/node ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "node_modules is current"
else
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "node $(node --version), cdk $(cdk --version 2>/dev/null)"

step "Python environment (.venv, uv sync)"
python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
fi
.venv/bin/uv sync --quiet

step "Isolated checkers (.tools: checkov, whose pins conflict with the test tools)"
export UV_TOOL_DIR="$ROOT/.tools/uv" UV_TOOL_BIN_DIR="$ROOT/.tools/bin"
if [ "$(.tools/bin/checkov --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  .venv/bin/uv tool install --quiet --force "checkov==$CHECKOV_VERSION"
fi
echo "checkov $CHECKOV_VERSION"
echo "$(.venv/bin/python --version), org-constructs $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("org-constructs"))')"
