"""The uploads service: an event-driven service made of the library's building blocks.

cdk synth -c stage=dev    # one environment, no AWS credentials needed
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import UploadsStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    stack = UploadsStack(app, f"Uploads-{name}", config=config)
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
