"""The billing service: network, data, function, alarms and deployment notifications."""

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    DeploymentNotifications,
    MonitoredFunction,
    SecureBucket,
    ServiceMonitoring,
    StandardVpc,
)

HANDLER = Path(__file__).resolve().parent.parent / "handler"


class ServiceStack(AbstractStack):
    """Everything the billing service runs on, with the library's defaults for the stage."""

    def initialize(self) -> None:  # runs after __init__, once; self.config is the environment
        self.network = StandardVpc.from_config(self, "Network", self.config.vpc)
        self.data = SecureBucket(self, "Data")  # encrypted, versioned, TLS only, access-logged
        alarms = AlarmTopic.from_config(self, "Alarms", self.config)  # e-mails alarm_email
        monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="billing", alarm_topic=alarms
        )
        self.function = MonitoredFunction(
            self,
            "Function",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="index.handler",
            environment={"BUCKET_NAME": self.data.bucket_name},
            alarm_topic=alarms,  # rollback alarms and deployment events
            monitoring=monitoring,  # steady-state alarms and dashboard widgets
        )
        self.data.grant_read(self.function)
        DeploymentNotifications(self, "Deployments", emails=self.config.alarm_email)
