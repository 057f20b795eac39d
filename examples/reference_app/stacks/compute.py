"""Compute: the orders function, released by canary, behind a REST API."""

from pathlib import Path

from aws_cdk import Duration
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
    rotating_key,
)
from org_constructs.compliance import acknowledge_check, acknowledge_finding
from stacks.data import DataStack
from stacks.regulated import is_regulated

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
            environment_encryption_key=rotating_key(
                self, "EnvironmentKey", "the orders function's environment"
            ),
            reserved_concurrent_executions=50 if self.config.is_production else None,
        )
        # The grant acknowledges its own wildcard findings, naming itself.
        self.data.orders.grant_read_write(self.orders, "orders/*")
        regulated = is_regulated(self.config)
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
            # The landing zone sets API Gateway's CloudWatch role once per account and region.
            cloud_watch_role=False,
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
            deploy_options=apigw.StageOptions(
                stage_name=self.API_STAGE,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                client_certificate_id=(
                    apigw.CfnClientCertificate(self, "ClientCertificate").ref if regulated else None
                ),
                cache_cluster_enabled=regulated,
                cache_cluster_size="0.5" if regulated else None,
                caching_enabled=regulated,
                cache_data_encrypted=regulated,
                cache_ttl=Duration.minutes(1) if regulated else None,
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
        if not regulated:
            acknowledge_check(
                self.api.deployment_stage,
                "checkov",
                "CKV_AWS_120",
                "An encrypted stage cache is a regulated setting (0.5 GB costs about 15 USD a "
                "month); this environment is not held to the regulated packs.",
            )
        if self.config.log_retention_days < 365:
            acknowledge_check(
                access_logs,
                "cfn-guard",
                "CT.CLOUDWATCH.PR.2",
                f"Access logs are kept {self.config.log_retention_days} days, this environment's "
                "log retention; production keeps them a year or more.",
            )
        self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        acknowledge_finding(
            self.api,
            "AwsSolutions-COG4",
            "Callers are the organisation's services signing requests with SigV4 (IAM "
            "authorization); there are no end users to keep in a Cognito user pool.",
        )
        if self.config.security.waf_enabled:
            self._protect_with_waf()
        else:
            acknowledge_finding(
                self.api,
                "AwsSolutions-APIG3",
                "WAF is off in this environment for cost (security.waf_enabled=false); "
                "environments that serve traffic turn it on.",
            )
        self.create_output("ApiUrl", self.api.url, description="Orders API")

    def _protect_with_waf(self) -> None:
        """A web ACL with two AWS managed rule groups, logging to an encrypted log group."""
        # Imported here: a large module that only the environments with WAF need.
        from aws_cdk import aws_wafv2 as wafv2

        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True,
                    metric_name=group,
                    sampled_requests_enabled=True,
                ),
            )
            for priority, group in enumerate(
                ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]
            )
        ]
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name=f"{self.config.name}-orders-api",
                sampled_requests_enabled=True,
            ),
        )
        waf_logs = logs.LogGroup(
            self,
            "WebAclLogs",
            log_group_name=f"aws-waf-logs-{self.config.name}-orders-api",
            retention=self.config.log_retention,
            encryption_key=log_group_key(self, "WebAclLogsKey", "the orders API WAF logs"),
            removal_policy=self.default_removal_policy,
        )
        if self.config.log_retention_days < 365:
            acknowledge_check(
                waf_logs,
                "cfn-guard",
                "CT.CLOUDWATCH.PR.2",
                f"WAF logs are kept {self.config.log_retention_days} days, this environment's "
                "log retention; production keeps them a year or more.",
            )
        wafv2.CfnLoggingConfiguration(
            self,
            "WebAclLogging",
            resource_arn=acl.attr_arn,
            log_destination_configs=[waf_logs.log_group_arn],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )
