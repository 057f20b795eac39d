"""The billing service: network, data, database, function, API, alarms, notifications."""

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    DeploymentNotifications,
    MonitoredFunction,
    SecureApi,
    SecureBucket,
    SecureDatabase,
    ServiceMonitoring,
    StandardVpc,
)

HANDLER = Path(__file__).resolve().parent.parent / "handler"


class ServiceStack(AbstractStack):
    """Everything the billing service runs on, with the library's defaults for the stage."""

    def initialize(self) -> None:  # runs after __init__, once; self.config is the environment
        self.network = StandardVpc.from_config(
            self, "Network", self.config.vpc, interface_endpoints=["secretsmanager"]
        )  # the endpoint lets the database's credential rotation reach Secrets Manager
        self.data = SecureBucket(self, "Data")  # encrypted, versioned, TLS only, access-logged
        # Encrypted, TLS only, IAM auth, rotated credentials; single-AZ in dev, multi-AZ elsewhere.
        self.database = SecureDatabase(self, "Ledger", vpc=self.network, instance_type="t4g.micro")
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
        self.database.grant_connect(self.function, "billing")  # IAM auth as user "billing"
        monitoring.monitor_database(self.database)  # CPU, storage, connections, IOPS
        # IAM-authorized, logged, traced, throttled; WAF unless the environment turns it off.
        self.api = SecureApi(self, "Api", handler=self.function.alias)
        monitoring.monitor_rest_api(self.api)  # 5XX, 4XX, latency, traffic
        DeploymentNotifications(self, "Deployments", emails=self.config.alarm_email)
