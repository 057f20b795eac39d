"""A minimal app on org-constructs: one stack per environment, all from environments.json.

cdk synth                 # every environment
cdk synth -c stage=dev    # one environment

The stacks live in the `stacks` package; this file only wires them, so tests import a stack
without running the app.
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import ServiceStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    stack = ServiceStack(app, f"MinimalService-{name}", config=config)
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
