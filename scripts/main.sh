#!/usr/bin/env bash
# The main job: set up, synthesize the example app with the real CDK CLI, print its stacks.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
bash "$ROOT/scripts/setup.sh"

app="$ROOT/examples/minimal_app"
step "Synthesize examples/minimal_app (cdk synth, every environment)"
cd "$app"
rm -rf cdk.out
cdk synth --no-notices --quiet

step "Stacks synthesized"
python "$ROOT/scripts/describe_assembly.py" cdk.out
