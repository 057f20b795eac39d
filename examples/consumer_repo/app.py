"""The billing service's CDK app: one ServiceStack per environment of environments.json.

cdk synth -c stage=dev    # one environment, no AWS credentials needed (availability_zones)
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import ServiceStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():  # -c stage=NAME for one
    stack = ServiceStack(app, f"Billing-{name}", config=config)
    apply_nag_packs(stack, config.security.nag_packs)  # cdk synth fails on any finding
app.synth()
