"""ContainerService with the organisation's defaults: a web service behind a load balancer whose
bad releases roll themselves back.

cdk synth -c stage=dev
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import WebStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    stack = WebStack(app, f"Web-{name}", config=config)
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
