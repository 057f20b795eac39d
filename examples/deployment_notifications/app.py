"""Deployment notifications: the topic that `org-cdk deploy --notify` reports to, per stage.

cdk synth -c stage=dev
org-cdk deploy examples/deployment_notifications --stage dev --notify

Results go by e-mail to the stage's `alarm_email` addresses; a stage listed under the
`deployment-notifications:slack` context (cdk.json) also gets them in a Slack channel through
AWS Chatbot. The release role, which the pipeline assumes to deploy, may publish.
"""

from pathlib import Path

import aws_cdk as cdk
from stacks import NotificationsStack

from org_constructs import load_environments, selected_environments
from org_constructs.compliance import apply_nag_packs

app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
slack_channels = app.node.try_get_context("deployment-notifications:slack") or {}
for name, config in selected_environments(app, environments).items():
    stack = NotificationsStack(
        app, f"Notifications-{name}", config=config, slack=slack_channels.get(name)
    )
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
