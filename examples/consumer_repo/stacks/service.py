"""The billing service: network, data, database, function, API, alarms, notifications, a
queue of invoices to send with its worker, and a nightly reconciliation workflow."""

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    DeploymentNotifications,
    MonitoredFunction,
    SecureApi,
    SecureBucket,
    SecureDatabase,
    SecureQueue,
    SecureStateMachine,
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
        # Invoices to send: a queue (encrypted, TLS only, dead letters after 5 receives) that
        # the API's function fills and a worker empties through its alias.
        self.invoices = SecureQueue.from_config(
            self, "Invoices", self.config.queue, visibility_timeout=Duration.minutes(3)
        )
        self.invoices.grant_send_messages(self.function)
        self.sender = MonitoredFunction(
            self,
            "Sender",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="index.send",
            timeout=Duration.seconds(30),
            alarm_topic=alarms,
            monitoring=monitoring,
        )
        self.sender.add_queue_source(self.invoices, batch_size=10)  # watched with its dead letters
        # Every night at 02:30 UTC, retried, failures kept: the ledger is reconciled.
        self.reconcile = SecureStateMachine.from_config(
            self,
            "Reconcile",
            self.config.state_machine,
            definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(self, "Reconciled")),
            timeout=Duration.minutes(30),
            monitoring=monitoring,
        )
        self.reconcile.add_schedule("Nightly", events.Schedule.cron(minute="30", hour="2"))
