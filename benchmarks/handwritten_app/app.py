"""The reference app's dev stage written by hand with aws-cdk-lib L2 constructs only.

Used by benchmarks/run.py to measure what org-constructs adds to synthesis time. It builds the
same architecture (network, data, compute, monitoring stacks) without the library's
validation, acknowledgements and packs.
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

ENV = cdk.Environment(account="111111111111", region="us-east-1")
HANDLER = Path(__file__).resolve().parents[2] / "examples" / "reference_app" / "handler"
DESTROY = cdk.RemovalPolicy.DESTROY


def key(scope: cdk.Stack, name: str) -> kms.Key:
    return kms.Key(scope, name, enable_key_rotation=True, removal_policy=DESTROY)


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
    dead_letter_queue_enabled=True,
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
rollback = [
    cw.Alarm(
        compute,
        f"Rollback{name}",
        metric=alias.metric(name, statistic="Sum"),
        threshold=1,
        evaluation_periods=1,
    )
    for name in ("Errors", "Throttles")
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
                encryption_key=log_key,
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
topic = sns.Topic(monitoring, "Alarms", master_key=key(monitoring, "AlarmsKey"), enforce_ssl=True)
topic.add_subscription(subscriptions.EmailSubscription("dev-alerts@example.com"))
dimensions = {"ApiName": "dev-orders", "Stage": "v1"}
metrics = {
    "errors": alias.metric_errors(),
    "throttles": alias.metric_throttles(),
    "duration": alias.metric_duration(statistic="p90"),
    "api-5xx": cw.Metric(
        namespace="AWS/ApiGateway", metric_name="5XXError", dimensions_map=dimensions
    ),
    "api-latency": cw.Metric(
        namespace="AWS/ApiGateway",
        metric_name="Latency",
        dimensions_map=dimensions,
        statistic="p90",
    ),
    "db-cpu": database.metric_cpu_utilization(),
    "db-storage": database.metric_free_storage_space(),
}
dashboard = cw.Dashboard(monitoring, "Main", dashboard_name="dev-hand-main")
for name, metric in metrics.items():
    alarm = metric.create_alarm(monitoring, name, threshold=1, evaluation_periods=3)
    alarm.add_alarm_action(actions.SnsAction(topic))
    dashboard.add_widgets(cw.GraphWidget(title=name, left=[metric]))
cw.Dashboard(monitoring, "Performance", dashboard_name="dev-hand-performance").add_widgets(
    *(cw.GraphWidget(title=name, left=[metric]) for name, metric in metrics.items())
)
app.synth()
