"""Compute: the orders function, released by canary, behind a REST API."""

from pathlib import Path

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    MonitoredFunction,
    StandardVpc,
    log_group_key,
)
from stacks.data import DataStack

HANDLER = Path(__file__).resolve().parent.parent / "handler"


class ComputeStack(AbstractStack):
    """The orders API: API Gateway to the function's live alias."""

    API_STAGE = "v1"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: StandardVpc,
        data: DataStack,
    ) -> None:
        self.network = network
        self.data = data
        super().__init__(scope, construct_id, config=config, description="Orders compute")

    def initialize(self) -> None:
        self.orders = MonitoredFunction(
            self,
            "Orders",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="index.handler",
            environment={"ORDERS_BUCKET": self.data.orders.bucket_name},
            vpc=self.network,
            reserved_concurrent_executions=50 if self.config.is_production else None,
        )
        self.data.orders.grant_read_write(self.orders.role, "orders/*")
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=self.config.log_retention,
            encryption_key=log_group_key(self, "ApiAccessLogsKey", "the orders API access logs"),
            removal_policy=self.default_removal_policy,
        )
        self.api = apigw.LambdaRestApi(
            self,
            "Api",
            handler=self.orders.alias,
            rest_api_name=f"{self.config.name}-orders",
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=self.API_STAGE,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                throttling_rate_limit=100,
                throttling_burst_limit=200,
            ),
        )
        self.create_output("ApiUrl", self.api.url, description="Orders API")
