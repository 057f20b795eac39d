"""The notifications stack: the deployment topic and the release role allowed to publish."""

from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs import AbstractStack, DeploymentNotifications, EnvironmentConfig


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
        # publishers= grants through grant_publish, which acknowledges the kms:GenerateDataKey*
        # family it needs on the topic's key, with its reason: nothing to acknowledge here.
        self.create_output(
            "ReleaseRoleArn",
            release_role.role_arn,
            description="The role the pipeline assumes to deploy and notify",
        )
        self.notifications = notifications
