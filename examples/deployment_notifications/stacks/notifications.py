"""The notifications stack: the deployment topic and the release role allowed to publish."""

from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs import AbstractStack, DeploymentNotifications, EnvironmentConfig
from org_constructs.compliance import acknowledge_finding


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
