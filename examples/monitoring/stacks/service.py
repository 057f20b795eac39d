"""The service stack: a function behind a REST API that only signed (IAM) callers may use."""

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from org_constructs import AbstractStack, MonitoredFunction, log_group_key
from org_constructs.compliance import acknowledge_check, acknowledge_finding

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


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
