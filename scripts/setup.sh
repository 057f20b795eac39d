#!/usr/bin/env bash
# Installs what the project needs, on a fresh machine or an existing checkout:
#   - Node.js 22 and the AWS CDK CLI, pinned in package.json / package-lock.json (npm);
#   - .venv: the development tools exactly as requirements-dev.lock pins them (hashes checked),
#     and the package itself, editable; byte-compiled;
#   - .tools: checkov in an environment of its own (uv tool);
#   - Graphviz and Chromium from Debian's packages (diagrams, and the docs' screenshot check).
# Needs python3 (3.11 or newer) with venv, and npm; apt-get (as root, or through sudo) for the
# Debian packages. Safe to run again: it skips what is current.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# The one checkov release the gate is tested with: org_constructs.contract.CHECKOV_VERSION.
CHECKOV_VERSION=$(sed -n 's/^CHECKOV_VERSION = "\(.*\)"$/\1/p' "$ROOT/src/org_constructs/contract.py")
[ -n "$CHECKOV_VERSION" ] || { echo "CHECKOV_VERSION not found in src/org_constructs/contract.py" >&2; exit 1; }
cd "$ROOT"

step "Graphviz and Chromium (Debian packages)"
missing=()
command -v dot >/dev/null || missing+=(graphviz)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "$(dot -V 2>&1), $(chromium --version 2>/dev/null)"

step "Node.js 22 and the AWS CDK CLI (npm ci)"
if [ -x node_modules/.bin/node ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "node_modules is current"
else
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "node $(node --version), cdk $(cdk --version 2>/dev/null)"

step "Python environment (.venv, exactly requirements-dev.lock)"
python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
fi
# Compiled once here: with PYTHONDONTWRITEBYTECODE set, or in a read-only environment, every
# process would otherwise compile aws-cdk-lib's sources again (about 2 s each on 2 cores).
# Exactly the committed lock (requirements-dev.lock: every package with its hashes, written
# by scripts/lock.sh), then the package itself, editable. A change of dependency is a reviewed
# change of the lock; tests/test_lock.py fails when pyproject.toml and the lock disagree.
.venv/bin/uv pip sync --quiet --python .venv/bin/python --require-hashes --compile-bytecode \
  requirements-dev.lock
.venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps --compile-bytecode -e .
# The editable package is not compiled by uv: compile it too, as pip does for an installed wheel
# (the CDK app, each test's subprocess and the benchmarks import about 200 of its modules).
.venv/bin/python -m compileall -q src/org_constructs

step "Isolated checkers (.tools: checkov, whose pins conflict with the test tools)"
export UV_TOOL_DIR="$ROOT/.tools/uv" UV_TOOL_BIN_DIR="$ROOT/.tools/bin"
if [ "$(.tools/bin/checkov --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  .venv/bin/uv tool install --quiet --force --compile-bytecode "checkov==$CHECKOV_VERSION"
fi
echo "checkov $CHECKOV_VERSION"
echo "$(.venv/bin/python --version), org-constructs $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("org-constructs"))')"
