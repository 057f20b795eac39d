"""The organisation's reference app: network, notifications, data, compute and monitoring stacks.

cdk synth -c stage=dev          # one environment
cdk deploy -c stage=dev --all
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import ComputeStack, DataStack, MonitoringStack, NetworkStack, NotificationsStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    prefix = f"Orders-{name}"
    network = NetworkStack(app, f"{prefix}-Network", config=config)
    # The topics come first: compute's rollback alarms and deployment group publish to them.
    notifications = NotificationsStack(app, f"{prefix}-Notifications", config=config)
    data = DataStack(app, f"{prefix}-Data", config=config, network=network.network)
    compute = ComputeStack(
        app,
        f"{prefix}-Compute",
        config=config,
        network=network.network,
        data=data,
        notifications=notifications,
    )
    monitoring = MonitoringStack(
        app,
        f"{prefix}-Monitoring",
        config=config,
        network=network.network,
        data=data,
        compute=compute,
        notifications=notifications,
    )
    # Explicit order, on top of the references between the stacks.
    data.add_stack_dependency(network)
    compute.add_stack_dependency(data)
    compute.add_stack_dependency(notifications)
    monitoring.add_stack_dependency(compute)
    # `cdk synth` fails on any finding of the packs this environment declares.
    stacks = (network, notifications, data, compute, monitoring)
    for stack in stacks:
        apply_nag_packs(stack, config.security.nag_packs)
app.synth()
