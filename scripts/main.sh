#!/usr/bin/env bash
# The main job, on a fresh machine or an existing checkout:
#   1. set up (Node.js 22, the CDK CLI, .venv);
#   2. run the validation gate on the reference app's dev stage (org-cdk validate: cdk-nag,
#      cfn-lint, checkov, cfn-guard, ruff; it stops here on any unacknowledged error), then
#      synthesize it with the CDK CLI (the declared cdk-nag packs run during synthesis);
#   3. start the local AWS emulator (moto server on 127.0.0.1, a free port);
#   4. cdk bootstrap and cdk deploy every dev stack to it;
#   5. print what was deployed, what the emulator skipped and which custom resources it did not
#      run; then stop the emulator by its PID.
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

step "Synthesize examples/reference_app, stage $stage (cdk synth)"
rm -rf cdk.out
cdk synth --no-notices --quiet -c "stage=$stage"
python "$ROOT/scripts/describe_assembly.py" cdk.out
read -r account region < <(python -c "
from org_constructs import load_environments
env = load_environments('environments.json')['$stage']
print(env.account, env.region)")
stacks=$(python -c "
import json
manifest = json.load(open('cdk.out/manifest.json'))
print(' '.join(n for n, a in manifest['artifacts'].items() if a['type'] == 'aws:cloudformation:stack'))")

step "Start the local AWS emulator (moto server, 127.0.0.1)"
port=$(python -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
log="$ROOT/.cache/emulator.log"
MOTO_ACCOUNT_ID="$account" python "$ROOT/scripts/emulator.py" "$port" >"$log" 2>&1 &
emulator_pid=$!
stop_emulator() {
  if kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid"
    wait "$emulator_pid" 2>/dev/null || true
    echo "emulator stopped (PID $emulator_pid)"
  fi
}
trap stop_emulator EXIT
for _ in $(seq 1 60); do
  if python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
    break
  fi
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
echo "emulator PID $emulator_pid on 127.0.0.1:$port, account $account, log $log"
export AWS_ENDPOINT_URL="http://localhost:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"

step "cdk bootstrap aws://$account/$region"
cdk bootstrap --no-notices "aws://$account/$region"

step "cdk deploy: $stacks"
# shellcheck disable=SC2086
# A deployment the emulator cannot finish would wait forever: give up after 15 minutes.
timeout 900 cdk deploy --no-notices --app cdk.out --require-approval never --concurrency 1 $stacks

step "What was deployed"
# shellcheck disable=SC2086
python "$ROOT/scripts/deploy_report.py" cdk.out $stacks
