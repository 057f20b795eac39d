"""Notifications: where alarms and deployment events go, before the stacks that publish them."""

from constructs import Construct

from org_constructs import AbstractStack, AlarmTopic, DeploymentNotifications, EnvironmentConfig


class NotificationsStack(AbstractStack):
    """The alarm topic and the deployment notifications topic, both e-mailing the environment."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id, config=config, description="Orders notifications")

    def initialize(self) -> None:
        self.alarms = AlarmTopic.from_config(self, "Alarms", self.config)
        key = self.alarms.encryption_key  # one key for both topics
        self.deployments = DeploymentNotifications(
            self, "Deployments", emails=self.config.alarm_email, encryption_key=key
        )
