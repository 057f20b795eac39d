# Sourced by every script: puts the project's Node.js 22, CDK CLI and Python environment first.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export PATH="$ROOT/node_modules/.bin:$ROOT/.venv/bin:$PATH"
export JSII_NODE="$ROOT/node_modules/.bin/node"
export CDK_DISABLE_CLI_TELEMETRY=true
export CDK_DISABLE_VERSION_CHECK=true
export MYPY_CACHE_DIR="${MYPY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/org-constructs/mypy}"
unset VIRTUAL_ENV

step() { printf '\n==> %s\n' "$*"; }
