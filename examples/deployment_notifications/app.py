"""Deployment notifications: the topic that `org-cdk deploy --notify` reports to, per stage.

cdk synth -c stage=dev
org-cdk deploy examples/deployment_notifications --stage dev --notify

Results go by e-mail to the stage's `alarm_email` addresses; a stage listed under the
`deployment-notifications:slack` context (cdk.json) also gets them in a Slack channel through
AWS Chatbot. The release role, which the pipeline assumes to deploy, may publish.
"""

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs import (
    AbstractStack,
    DeploymentNotifications,
    EnvironmentConfig,
    load_environments,
    selected_environments,
)
from org_constructs.compliance import acknowledge_finding, apply_nag_packs


class NotificationsStack(AbstractStack):
    """The deployment topic and the release role allowed to publish to it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        slack: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.slack = slack or {}
        super().__init__(scope, construct_id, config=config, **kwargs)

    def initialize(self) -> None:
        release_role = iam.Role(
            self,
            "ReleaseRole",
            assumed_by=iam.AccountPrincipal(self.account),
            description="Assumed by the release pipeline to deploy and report the result",
        )
        notifications = DeploymentNotifications(
            self,
            "Deployments",
            emails=self.config.alarm_email,
            slack_workspace_id=self.slack.get("workspace_id"),
            slack_channel_id=self.slack.get("channel_id"),
            publishers=[release_role],
        )
        # Publishing to an encrypted topic takes a data key: aws-cdk-lib grants the
        # GenerateDataKey* family, on this topic's key only.
        acknowledge_finding(
            release_role,
            "AwsSolutions-IAM5",
            "Publishing to the encrypted deployment topic needs a data key: the "
            "kms:GenerateDataKey* family, on the topic's own key only.",
            applies_to=["Action::kms:GenerateDataKey*"],
        )
        self.create_output(
            "ReleaseRoleArn",
            release_role.role_arn,
            description="The role the pipeline assumes to deploy and notify",
        )
        self.notifications = notifications


app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
slack_channels = app.node.try_get_context("deployment-notifications:slack") or {}
for name, config in selected_environments(app, environments).items():
    stack = NotificationsStack(
        app, f"Notifications-{name}", config=config, slack=slack_channels.get(name)
    )
    apply_nag_packs(stack, config.security.nag_packs)
app.synth()
