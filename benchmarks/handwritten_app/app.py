"""The reference app's dev stage written by hand with aws-cdk-lib L2 constructs only.

Used by benchmarks/run.py to measure what org-constructs adds to synthesis time. It builds the
same architecture (network, data, compute, monitoring stacks) and the same resources (keys,
queues, the alarm packs' 20 alarms, 4 rollback alarms, the composite alarm, dashboards) without
the library's validation, acknowledgements and packs.
"""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

ENV = cdk.Environment(account="111111111111", region="us-east-1")
HANDLER = Path(__file__).resolve().parents[2] / "examples" / "reference_app" / "handler"
DESTROY = cdk.RemovalPolicy.DESTROY


def key(scope: cdk.Stack, name: str) -> kms.Key:
    return kms.Key(scope, name, enable_key_rotation=True, removal_policy=DESTROY)


def dead_letter_queue(scope: cdk.Stack, name: str, encryption_key: kms.IKey) -> sqs.Queue:
    return sqs.Queue(
        scope,
        name,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )


app = cdk.App()
network = cdk.Stack(app, "Hand-dev-Network", env=ENV)
vpc = ec2.Vpc(
    network,
    "Vpc",
    ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"),
    max_azs=2,
    nat_gateways=1,
    restrict_default_security_group=True,
    subnet_configuration=[
        ec2.SubnetConfiguration(
            name="Public",
            subnet_type=ec2.SubnetType.PUBLIC,
            cidr_mask=24,
            map_public_ip_on_launch=False,
        ),
        ec2.SubnetConfiguration(
            name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24
        ),
        ec2.SubnetConfiguration(
            name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
        ),
    ],
    gateway_endpoints={
        "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
        "DynamoDB": ec2.GatewayVpcEndpointOptions(
            service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
        ),
    },
)
flow_key = key(network, "FlowLogKey")
flow_key.grant_encrypt_decrypt(iam.ServicePrincipal("logs.us-east-1.amazonaws.com"))
flow_group = logs.LogGroup(
    network,
    "FlowLogGroup",
    encryption_key=flow_key,
    retention=logs.RetentionDays.ONE_WEEK,
    removal_policy=DESTROY,
)
ec2.FlowLog(
    network,
    "FlowLog",
    resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_group),
)

data = cdk.Stack(app, "Hand-dev-Data", env=ENV)
access_logs = s3.Bucket(
    data,
    "AccessLogs",
    encryption=s3.BucketEncryption.S3_MANAGED,
    versioned=True,
    block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    enforce_ssl=True,
    object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removal_policy=DESTROY,
    lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(7))],
)
orders = s3.Bucket(
    data,
    "Orders",
    encryption=s3.BucketEncryption.KMS,
    encryption_key=key(data, "OrdersKey"),
    bucket_key_enabled=True,
    versioned=True,
    block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    enforce_ssl=True,
    minimum_tls_version=1.2,
    object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    server_access_logs_bucket=access_logs,
    server_access_logs_prefix="access-logs/",
    removal_policy=DESTROY,
    lifecycle_rules=[
        s3.LifecycleRule(
            expiration=cdk.Duration.days(365),
            noncurrent_version_expiration=cdk.Duration.days(90),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
    ],
)
database = rds.DatabaseInstance(
    data,
    "Database",
    engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.of("16.13", "16")),
    instance_type=ec2.InstanceType("t4g.micro"),
    vpc=vpc,
    vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    port=5433,
    credentials=rds.Credentials.from_generated_secret(
        "orders", encryption_key=key(data, "SecretKey")
    ),
    allocated_storage=20,
    max_allocated_storage=100,
    storage_encrypted=True,
    storage_encryption_key=key(data, "DatabaseKey"),
    backup_retention=cdk.Duration.days(1),
    deletion_protection=False,
    removal_policy=DESTROY,
    iam_authentication=True,
    cloudwatch_logs_exports=["postgresql"],
)

compute = cdk.Stack(app, "Hand-dev-Compute", env=ENV)
log_key = key(compute, "LogKey")
log_key.grant_encrypt_decrypt(iam.ServicePrincipal("logs.us-east-1.amazonaws.com"))
function = lambda_.Function(
    compute,
    "Orders",
    runtime=lambda_.Runtime.PYTHON_3_14,
    handler="index.handler",
    code=lambda_.Code.from_asset(str(HANDLER)),
    memory_size=256,
    timeout=cdk.Duration.seconds(30),
    architecture=lambda_.Architecture.ARM_64,
    tracing=lambda_.Tracing.ACTIVE,
    dead_letter_queue=dead_letter_queue(compute, "DeadLetterQueue", key(compute, "DeadLetterKey")),
    vpc=vpc,
    environment={"ORDERS_BUCKET": orders.bucket_name},
    environment_encryption=key(compute, "EnvironmentKey"),
    log_group=logs.LogGroup(
        compute,
        "OrdersLogs",
        encryption_key=log_key,
        retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=DESTROY,
    ),
)
orders.grant_read_write(function, "orders/*")
alias = lambda_.Alias(compute, "Live", alias_name="live", version=function.current_version)
rollback_metrics: dict[str, cw.Metric | cw.MathExpression] = {
    "errors": alias.metric_errors(),
    "error-rate": cw.MathExpression(
        expression="100 * errors / MAX([errors, invocations])",
        using_metrics={"errors": alias.metric_errors(), "invocations": alias.metric_invocations()},
    ),
    "throttles": alias.metric_throttles(),
    "duration-p99": alias.metric_duration(statistic="p99"),
}
rollback = [
    cw.Alarm(
        compute,
        f"Rollback-{name}",
        alarm_name=f"dev-Orders-rollback-{name}",
        metric=metric,
        threshold=1,
        evaluation_periods=1,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
    )
    for name, metric in rollback_metrics.items()
]
codedeploy.LambdaDeploymentGroup(
    compute,
    "DeploymentGroup",
    alias=alias,
    alarms=rollback,
    deployment_config=codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
)
api = apigw.LambdaRestApi(
    compute,
    "Api",
    handler=alias,
    rest_api_name="dev-orders",
    cloud_watch_role=False,
    default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
    deploy_options=apigw.StageOptions(
        stage_name="v1",
        tracing_enabled=True,
        logging_level=apigw.MethodLoggingLevel.ERROR,
        access_log_destination=apigw.LogGroupLogDestination(
            logs.LogGroup(
                compute,
                "ApiAccessLogs",
                encryption_key=key(compute, "ApiAccessLogsKey"),
                retention=logs.RetentionDays.ONE_WEEK,
                removal_policy=DESTROY,
            )
        ),
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
api.add_request_validator("Validator", validate_request_body=True, validate_request_parameters=True)

monitoring = cdk.Stack(app, "Hand-dev-Monitoring", env=ENV)
alarms_key = key(monitoring, "AlarmsKey")
topic = sns.Topic(monitoring, "Alarms", master_key=alarms_key, enforce_ssl=True)
undelivered = dead_letter_queue(monitoring, "AlarmsDeadLetterQueue", alarms_key)
topic.add_subscription(
    subscriptions.EmailSubscription("dev-alerts@example.com", dead_letter_queue=undelivered)
)
api_dimensions = {"ApiName": "dev-orders", "Stage": "v1"}


def api_metric(name: str, statistic: str = "Sum") -> cw.Metric:
    return cw.Metric(
        namespace="AWS/ApiGateway",
        metric_name=name,
        dimensions_map=api_dimensions,
        statistic=statistic,
    )


def rate(part: cw.IMetric, whole: cw.IMetric) -> cw.MathExpression:
    return cw.MathExpression(
        expression="100 * part / MAX([part, whole])", using_metrics={"part": part, "whole": whole}
    )


nat_gateway = vpc.public_subnets[0].node.find_child("NATGateway")
if not isinstance(nat_gateway, ec2.CfnNatGateway):
    raise TypeError(f"expected the public subnet's NAT gateway, found {nat_gateway}")
nat_gateway_id = nat_gateway.ref


def nat_metric(name: str) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/NATGateway",
        metric_name=name,
        dimensions_map={"NatGatewayId": nat_gateway_id},
        statistic="Sum",
    )


metrics: dict[str, cw.Metric | cw.MathExpression] = {
    "OrdersLive-errors": alias.metric_errors(),
    "OrdersLive-throttles": alias.metric_throttles(),
    "OrdersLive-duration-p90": alias.metric_duration(statistic="p90"),
    "OrdersLive-duration-p99": alias.metric_duration(statistic="p99"),
    "OrdersLive-concurrent-executions": alias.metric("ConcurrentExecutions", statistic="Maximum"),
    "OrdersLive-error-rate": rate(alias.metric_errors(), alias.metric_invocations()),
    "OrdersApi-server-errors": api_metric("5XXError"),
    "OrdersApi-latency-p90": api_metric("Latency", "p90"),
    "OrdersApi-request-count": api_metric("Count"),
    "OrdersApi-server-error-rate": rate(api_metric("5XXError"), api_metric("Count")),
    "OrdersApi-client-error-rate": rate(api_metric("4XXError"), api_metric("Count")),
    "OrdersDb-cpu": database.metric_cpu_utilization(),
    "OrdersDb-connections": database.metric_database_connections(),
    "OrdersDb-read-iops": database.metric_read_iops(),
    "OrdersDb-write-iops": database.metric_write_iops(),
    "OrdersDb-free-storage": database.metric_free_storage_space(),
    "OrdersDb-free-storage-percent": cw.MathExpression(
        expression="100 * free / (20 * 1024 * 1024 * 1024)",
        using_metrics={"free": database.metric_free_storage_space()},
    ),
    "nat1-error-port-allocation": nat_metric("ErrorPortAllocation"),
    "nat1-packets-drop-count": nat_metric("PacketsDropCount"),
    "nat1-active-connection-count": nat_metric("ActiveConnectionCount"),
}
dashboard = cw.Dashboard(monitoring, "Main", dashboard_name="dev-hand-main")
alarms = []
for name, metric in metrics.items():
    alarm = metric.create_alarm(
        monitoring,
        name,
        alarm_name=f"dev-orders-{name}",
        threshold=1,
        evaluation_periods=3,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(actions.SnsAction(topic))
    alarm.add_ok_action(actions.SnsAction(topic))
    alarms.append(alarm)
    dashboard.add_widgets(cw.GraphWidget(title=name, left=[metric]))
unhealthy = cw.CompositeAlarm(
    monitoring,
    "ServiceUnhealthy",
    composite_alarm_name="dev-orders-service-unhealthy",
    alarm_rule=cw.AlarmRule.any_of(*alarms),
)
unhealthy.add_alarm_action(actions.SnsAction(topic))
dashboard.add_widgets(cw.AlarmStatusWidget(alarms=alarms, title="Alarms"))
cw.Dashboard(monitoring, "Performance", dashboard_name="dev-hand-performance").add_widgets(
    *(cw.GraphWidget(title=name, left=[metric]) for name, metric in metrics.items())
)
app.synth()
