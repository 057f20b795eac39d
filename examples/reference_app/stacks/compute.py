"""Compute: the orders function, released by canary, behind a REST API."""

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    MonitoredFunction,
    SecureApi,
    StandardVpc,
)
from stacks.data import DataStack
from stacks.notifications import NotificationsStack

HANDLER = Path(__file__).resolve().parent.parent / "handler"
DATABASE_USER = "orders_app"


class ComputeStack(AbstractStack):
    """The orders API: API Gateway to the function's live alias."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: StandardVpc,
        data: DataStack,
        notifications: NotificationsStack,
    ) -> None:
        self.network = network
        self.data = data
        self.notifications = notifications
        super().__init__(scope, construct_id, config=config, description="Orders compute")

    def initialize(self) -> None:
        database = self.data.database
        # A bad release rolls back by itself; every alarm and deployment event is sent on.
        self.orders = MonitoredFunction(
            self,
            "Orders",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="index.handler",
            environment={
                "ORDERS_BUCKET": self.data.orders.bucket_name,
                "DATABASE_HOST": database.endpoint_address,
                "DATABASE_PORT": str(database.port),
                "DATABASE_USER": DATABASE_USER,
            },
            vpc=self.network,  # names and addresses only: the AWS managed key encrypts them
            reserved_concurrent_executions=50 if self.config.is_production else None,
            alarm_topic=self.notifications.alarms,
            notification_topic=self.notifications.deployments.topic,
            service_name="orders",  # rollback alarms: <stage>-orders-Orders-rollback-<alarm>
        )
        self.data.orders.grant_read_write(self.orders, "orders/*")
        database.allow_from(self.orders, "The orders function")
        database.grant_connect(self.orders, DATABASE_USER)  # IAM authentication, no password
        # IAM auth, access logs, tracing, throttling, WAF per environment; regulated: cache, cert.
        self.api = SecureApi(
            self, "Api", handler=self.orders.alias, api_name=f"{self.config.name}-orders"
        )
        self.create_output("ApiUrl", self.api.url, description="Orders API")
