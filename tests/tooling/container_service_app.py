"""A container service built with plain aws-cdk-lib, as the tooling's tests price and deploy
it: Fargate tasks behind an internet-facing Application Load Balancer (HTTPS on an imported
certificate, HTTP redirected, one listener rule), scaling on CPU and on requests, deployment
alarms, an access-log bucket, a cluster with Container Insights and a WAF web ACL on the load
balancer, which logs to a log group.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as patterns
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2

CERTIFICATE = "arn:aws:acm:us-east-1:{account}:certificate/0a1b2c3d-1111-2222-3333-444455556666"
IMAGE = "public.ecr.aws/nginx/nginx:latest"


def container_service(
    stack: cdk.Stack,
    *,
    min_capacity: int = 2,
    architecture: str = "ARM64",
    waf: bool = True,
) -> patterns.ApplicationLoadBalancedFargateService:
    """The service in ``stack`` (whose account names the certificate): 0.5 vCPU and 1 GB
    per task, ``min_capacity`` to 6 tasks."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1, restrict_default_security_group=False)
    cluster = ecs.Cluster(
        stack, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
    )
    certificate = acm.Certificate.from_certificate_arn(
        stack, "Certificate", CERTIFICATE.format(account=stack.account)
    )
    service = patterns.ApplicationLoadBalancedFargateService(
        stack,
        "Service",
        cluster=cluster,
        desired_count=min_capacity,
        cpu=512,
        memory_limit_mib=1024,
        certificate=certificate,
        protocol=elbv2.ApplicationProtocol.HTTPS,
        redirect_http=True,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.of(architecture),
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
        task_image_options=patterns.ApplicationLoadBalancedTaskImageOptions(
            image=ecs.ContainerImage.from_registry(IMAGE)
        ),
    )
    logs = s3.Bucket(
        stack,
        "AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    service.load_balancer.log_access_logs(logs)
    service.listener.add_action(
        "Health",
        priority=10,
        conditions=[elbv2.ListenerCondition.path_patterns(["/health"])],
        action=elbv2.ListenerAction.fixed_response(200, message_body="ok"),
    )
    scaling = service.service.auto_scale_task_count(min_capacity=min_capacity, max_capacity=6)
    scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=60)
    scaling.scale_on_request_count(
        "Requests", requests_per_target=500, target_group=service.target_group
    )
    errors = cloudwatch.Alarm(
        stack,
        "Errors",
        alarm_name="web-5xx",
        metric=service.load_balancer.metrics.http_code_target(
            elbv2.HttpCodeTarget.TARGET_5XX_COUNT
        ),
        threshold=5,
        evaluation_periods=1,
    )
    service.service.enable_deployment_alarms([errors.alarm_name])
    if waf:
        visibility = wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="web", sampled_requests_enabled=True
        )
        acl = wafv2.CfnWebACL(
            stack,
            "WebAcl",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            scope="REGIONAL",
            visibility_config=visibility,
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="common",
                    priority=0,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name="AWSManagedRulesCommonRuleSet"
                        )
                    ),
                    visibility_config=visibility,
                )
            ],
        )
        wafv2.CfnWebACLAssociation(
            stack,
            "WebAclAssociation",
            resource_arn=service.load_balancer.load_balancer_arn,
            web_acl_arn=acl.attr_arn,
        )
        waf_logs = logs_.LogGroup(
            stack,
            "WebAclLogs",
            log_group_name="aws-waf-logs-web",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        wafv2.CfnLoggingConfiguration(
            stack,
            "WebAclLogging",
            resource_arn=acl.attr_arn,
            log_destination_configs=[waf_logs.log_group_arn],
        )
    return service


@cache
def _template_text(min_capacity: int, architecture: str, account: str) -> str:
    # The zones a lookup would record (cdk.context.json), so that subnets land in real ones.
    zones = [f"us-east-1{letter}" for letter in "abcdef"]
    app = cdk.App(context={f"availability-zones:account={account}:region=us-east-1": zones})
    stack = cdk.Stack(app, "Web", env=cdk.Environment(account=account, region="us-east-1"))
    container_service(stack, min_capacity=min_capacity, architecture=architecture)
    return json.dumps(app.synth().get_stack_by_name("Web").template)


def container_service_template(
    *, min_capacity: int = 2, architecture: str = "ARM64", account: str = "123456789012"
) -> dict[str, Any]:
    """The service's template (a fresh copy; synthesized once per set of arguments)."""
    template: dict[str, Any] = json.loads(_template_text(min_capacity, architecture, account))
    return template
