#!/usr/bin/env bash
# Build the documentation site: regenerate what is generated, then `mkdocs build --strict`.
#
#   bash scripts/docs.sh            # into build/site
#   bash scripts/docs.sh DIR        # into DIR
#   bash scripts/docs.sh DIR A...   # into DIR, the reference app's pages from the cloud
#                                   # assemblies A... (one per stage) instead of a synthesis
#
# Generated on every build, never drawn by hand: docs/alarms.md (alarm catalogue), and
# docs/reference-app/ (one page per stack of the reference app's production stage, the stack
# dependency graph as Mermaid and SVG, the architecture picture), from a fresh synthesis.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_env.sh

python scripts/generate_alarm_docs.py
site="${1:-build/site}"
assemblies=()
for assembly in "${@:2}"; do
  assemblies+=(--assembly "$assembly")
done
rm -rf docs/reference-app
org-cdk docs examples/reference_app --stage production --output docs/reference-app "${assemblies[@]}"
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$site"
echo "site: $site/index.html"
