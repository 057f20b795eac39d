"""The guide's monitoring layout: an AlarmStack and a DashboardStack watching a service stack.

The AlarmStack sets its attributes in __init__ and builds in initialize(), which
AbstractStack runs after __init__: the topic exists before anything reads it.

    cdk synth -c stage=dev
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import AlarmStack, DashboardStack, ServiceStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    alarm_stack = AlarmStack(app, f"Alarms-{name}", config=config)
    service_stack = ServiceStack(app, f"Service-{name}", config=config)
    dashboard_stack = DashboardStack(
        app, f"Dashboards-{name}", config=config, alarms=alarm_stack, service=service_stack
    )
    for stack in (alarm_stack, service_stack, dashboard_stack):
        apply_nag_packs(stack, config.security.nag_packs)
app.synth()
