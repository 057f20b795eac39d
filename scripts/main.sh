#!/usr/bin/env bash
# The main job, on a fresh machine or an existing checkout:
#   1. set up (Node.js 22, the CDK CLI, .venv);
#   2. run the validation gate on the reference app's dev stage (org-cdk validate: cdk-nag,
#      cfn-lint, checkov, cfn-guard, ruff; it stops here on any unacknowledged error), then
#      synthesize it with the CDK CLI (the declared cdk-nag packs run during synthesis);
#   3. org-cdk local deploy: synthesize, start the local AWS emulator (moto's server with the
#      library's CloudFormation support, 127.0.0.1, a free port), cdk bootstrap and cdk deploy
#      every dev stack to it, print what was deployed, what the emulator skipped and which
#      custom resources it did not run, then stop the emulator by its PID.
set -euo pipefail
source "$(dirname "$0")/_env.sh"
bash "$ROOT/scripts/setup.sh"

app="$ROOT/examples/reference_app"
stage="${STAGE:-dev}"
mkdir -p "$ROOT/.cache"
cd "$app"

step "Validate examples/reference_app, stage $stage (org-cdk validate)"
ORG_CDK_CHECKOV="$ROOT/.tools/bin/checkov" org-cdk validate . --stage "$stage" \
  --output "$ROOT/.cache/validate-$stage" --quiet

step "Deploy examples/reference_app, stage $stage, to the local emulator (org-cdk local deploy)"
# Synthesizes the stage, starts the emulator (moto's server with the library's CloudFormation
# support) on 127.0.0.1 and a free port, bootstraps, deploys every stack, prints what was made
# and what the emulator skipped, and stops the emulator by its PID.
timeout 1200 org-cdk local deploy . --stage "$stage" --output cdk.out

step "The synthesized stacks"
python "$ROOT/scripts/describe_assembly.py" cdk.out
