"""The guide's monitoring layout: an AlarmStack and a DashboardStack watching a service stack.

The AlarmStack sets its attributes in __init__ and builds in initialize(), which
AbstractStack runs after __init__: the topic exists before anything reads it.

    cdk synth -c stage=dev
"""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    EnvironmentConfig,
    MonitoredFunction,
    ServiceMonitoring,
    load_environments,
    log_group_key,
    selected_environments,
)
from org_constructs.compliance import acknowledge_check, acknowledge_finding, apply_nag_packs

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


class AlarmStack(AbstractStack):
    """Where alarms go: the encrypted topic, e-mailing the environment's alarm addresses."""

    def initialize(self) -> None:
        self.alarm_topic = AlarmTopic.from_config(self, "Alarms", self.config)


class ServiceStack(AbstractStack):
    """The service: a function behind a REST API that only signed (IAM) callers may use."""

    def initialize(self) -> None:
        service = MonitoredFunction(
            self,
            "Handler",
            code=lambda_.Code.from_inline(HANDLER),
            handler="index.handler",
            timeout=cdk.Duration.seconds(10),
        )
        self.handler = service.alias
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=self.config.log_retention,
            encryption_key=log_group_key(self, "ApiAccessLogsKey", "the API access logs"),
            removal_policy=self.default_removal_policy,
        )
        self.api = apigw.LambdaRestApi(
            self,
            "Api",
            handler=self.handler,
            cloud_watch_role=False,
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
            deploy_options=apigw.StageOptions(
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
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
                throttling_rate_limit=50,
                throttling_burst_limit=100,
            ),
        )
        self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        self._acknowledge(service, access_logs)

    def _acknowledge(self, service: MonitoredFunction, access_logs: logs.LogGroup) -> None:
        """What this small example leaves out, each with its reason."""
        acknowledge_finding(
            self.api,
            "AwsSolutions-APIG3",
            "The example API has no WAF web ACL (5 USD a month and up); the reference app "
            "shows one with logging.",
        )
        acknowledge_finding(
            self.api,
            "AwsSolutions-COG4",
            "Callers sign requests with SigV4 (IAM authorization); there are no end users for a "
            "Cognito user pool.",
        )
        acknowledge_check(
            self.api.deployment_stage,
            "checkov",
            "CKV_AWS_120",
            "A stage cache costs about 15 USD a month and suits read-heavy APIs; this one "
            "answers health checks.",
        )
        acknowledge_check(
            service.function,
            "cfn-guard",
            "CT.LAMBDA.PR.3",
            "The handler calls no private resource; it joins a VPC (vpc=StandardVpc) when it must.",
        )
        if self.config.log_retention_days < 365:
            acknowledge_check(
                access_logs,
                "cfn-guard",
                "CT.CLOUDWATCH.PR.2",
                f"{self.config.name} keeps logs {self.config.log_retention_days} days "
                "(log_retention_days); production keeps them a year or more.",
            )
        for method in self.api.methods:
            for child in method.node.children:
                if child.node.id.startswith("ApiPermission"):
                    acknowledge_check(
                        child,
                        "cfn-guard",
                        "CT.LAMBDA.PR.2",
                        "API Gateway may invoke the function only from this API's method "
                        "(SourceArn); the rule cannot read that ARN, which joins the API id.",
                    )


class DashboardStack(AbstractStack):
    """Alarms and dashboards for the service, sent to the AlarmStack's topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        alarms: AlarmStack,
        service: ServiceStack,
    ) -> None:
        # Set before initialize() runs.
        self.alarm_stack = alarms
        self.service = service
        super().__init__(scope, construct_id, config=config)
        self.add_stack_dependency(alarms)
        self.add_stack_dependency(service)

    def initialize(self) -> None:
        monitoring = ServiceMonitoring(
            self,
            "Monitoring",
            service_name="orders",
            alarm_topic=self.alarm_stack.alarm_topic,
        )
        monitoring.monitor_lambda_function(self.service.handler, label="Handler")
        monitoring.monitor_rest_api(
            api_name=self.service.api.rest_api_name,
            stage_name=self.service.api.deployment_stage.stage_name,
            label="Api",
            # A young service: page on latency only after 30 minutes.
            alarms={"latency_p90": AlarmSettings(evaluation_periods=6, datapoints_to_alarm=6)},
        )
        monitoring.add_fleet_search(
            "Every function in the account: errors",
            '{AWS/Lambda,FunctionName} MetricName="Errors"',
        )


app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    alarm_stack = AlarmStack(app, f"Alarms-{name}", config=config)
    service_stack = ServiceStack(app, f"Service-{name}", config=config)
    dashboard_stack = DashboardStack(
        app, f"Dashboards-{name}", config=config, alarms=alarm_stack, service=service_stack
    )
    for stack in (alarm_stack, service_stack, dashboard_stack):
        apply_nag_packs(stack, config.security.nag_packs)
app.synth()
