"""SecureCache with the organisation's defaults: a session cache for a web tier, watched.

cdk synth -c stage=dev
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import SessionsStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    stack = SessionsStack(app, f"Sessions-{name}", config=config)
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
