"""The event-driven example's dev stage written by hand with aws-cdk-lib L2 constructs only.

Used by benchmarks/run.py to measure what org-constructs adds to synthesis time. It builds the
same architecture as ``examples/event_driven`` (uploads land in a bucket and notify a queue; a
worker records them in a table; every night a workflow archives the old records; an API on
Fargate behind a load balancer reads the table) and the same resources, type for type: the
keys, queues and their policies, the roles and their customer-managed policies, the alarm
packs' 30 alarms, the 6 rollback alarms, the NAT instance's recovery alarm, the 12 burn-rate
alarms of the two service level objectives, the 7 composite alarms and the two dashboards. It
leaves out what the library adds besides: input checks, acknowledgements, tags.

Each block names the library construct it stands for. L1 properties are set only where the
library sets them too (the NAT instance's hardening, the dead-letter queue's redrive allow
policy, the deployment group's triggers).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

ENV = cdk.Environment(account="111111111111", region="us-east-1")
HANDLER = Path(__file__).resolve().parents[2] / "examples" / "event_driven" / "handler"
DESTROY = cdk.RemovalPolicy.DESTROY
CIDR = "10.10.0.0/16"
PREFIX = "dev-uploads"
RUNBOOK = "https://example.com/uploads/runbook"
ONE_MINUTE = cdk.Duration.minutes(1)
FIVE_MINUTES = cdk.Duration.minutes(5)
WORKER_TIMEOUT = cdk.Duration.seconds(30)
ARCHIVE_TIMEOUT = cdk.Duration.minutes(30)


# ------------------------------------------------------------------------------- helpers


def key(scope: Construct, name: str, purpose: str) -> kms.Key:
    """A rotating key that no one may hand on with a grant (the library's ``rotating_key``)."""
    new = kms.Key(
        scope,
        name,
        description=f"Encrypts {purpose}",
        enable_key_rotation=True,
        removal_policy=DESTROY,
    )
    new.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                "BoolIfExists": {
                    "kms:GrantIsForAWSResource": "false",
                    "aws:PrincipalIsAWSService": "false",
                }
            },
        )
    )
    return new


def log_key(scope: Construct, name: str, purpose: str) -> kms.Key:
    """A rotating key that CloudWatch Logs may use (the library's ``log_group_key``)."""
    new = key(scope, name, purpose)
    new.grant_encrypt_decrypt(iam.ServicePrincipal("logs.us-east-1.amazonaws.com"))
    return new


def dead_letter_queue(scope: Construct, name: str, encryption_key: kms.IKey) -> sqs.Queue:
    """A dead-letter queue that no queue may redrive into, kept 14 days."""
    return sqs.Queue(
        scope,
        name,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
        removal_policy=DESTROY,
        redrive_allow_policy=sqs.RedriveAllowPolicy(
            redrive_permission=sqs.RedrivePermission.DENY_ALL
        ),
    )


class ManagedPolicyRole(iam.Role):
    """A role whose added statements land in customer-managed policies, never inline: in
    ``Policy`` first, in the policy ``add_policy`` made last afterwards (the library's
    ``ManagedPolicyRole`` and its ``OrgConstructsGrants``)."""

    def __init__(
        self,
        scope: Construct,
        name: str,
        *,
        assumed_by: iam.IPrincipal,
        description: str,
        policy: str = "Policy",
    ) -> None:
        super().__init__(scope, name, assumed_by=assumed_by, description=description)
        self.policy = iam.ManagedPolicy(
            self, policy, roles=[self], description=f"Permissions of {self.node.path}"
        )
        self.target = self.policy

    def add_policy(self, name: str, description: str) -> iam.ManagedPolicy:
        """From now on, added statements go to a new policy ``name``."""
        self.target = iam.ManagedPolicy(self, name, roles=[self], description=description)
        return self.target

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self.target.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.target)


DELIVERY_ACTIONS = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }
)


class StateMachineRole(ManagedPolicyRole):
    """The state machine's role: log delivery and X-Ray in ``Policy``, what the tasks need in
    ``DefinitionPolicy`` (the library's ``SecureStateMachine`` role)."""

    def __init__(
        self, scope: Construct, name: str, *, assumed_by: iam.IPrincipal, description: str
    ) -> None:
        super().__init__(scope, name, assumed_by=assumed_by, description=description)
        self.definition_policy: iam.ManagedPolicy | None = None

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        if self.target is self.policy and not (
            set(statement.actions) <= DELIVERY_ACTIONS and list(statement.resources) == ["*"]
        ):
            if self.definition_policy is None:
                self.definition_policy = iam.ManagedPolicy(
                    self,
                    "DefinitionPolicy",
                    roles=[self],
                    description=f"What the tasks of {self.node.path} need",
                )
            self.definition_policy.add_statements(statement)
            return iam.AddToPrincipalPolicyResult(
                statement_added=True, policy_dependable=self.definition_policy
            )
        return super().add_to_principal_policy(statement)


class Monitoring:
    """The alarms, the composite alarm and the two dashboards (the library's
    ``ServiceMonitoring``)."""

    def __init__(self, scope: Construct, topic: sns.ITopic) -> None:
        self.scope = Construct(scope, "Monitoring")
        self.action = actions.SnsAction(topic)
        self.alarms: list[cw.Alarm] = []
        self.critical: list[cw.Alarm] = []
        self.main = cw.Dashboard(
            self.scope,
            "MainDashboard",
            dashboard_name=f"{PREFIX}-main",
            start="-PT180M",
            period_override=cw.PeriodOverride.AUTO,
        )
        self.main.add_widgets(
            cw.TextWidget(
                markdown=f"# uploads (dev)\nAlarms, traffic and errors. Runbook: {RUNBOOK}",
                width=24,
                height=2,
            )
        )
        self.performance = cw.Dashboard(
            self.scope,
            "PerformanceDashboard",
            dashboard_name=f"{PREFIX}-performance",
            start="-PT180M",
            period_override=cw.PeriodOverride.AUTO,
        )
        self.performance.add_widgets(
            cw.TextWidget(
                markdown="# uploads (dev): performance\n"
                "Latency percentiles, concurrency, database load.",
                width=24,
                height=2,
            )
        )
        stack = cdk.Stack.of(scope)
        for name, dashboard in (("Main", self.main), ("Performance", self.performance)):
            cdk.CfnOutput(
                stack,
                f"Monitoring{name}DashboardUrl",
                value="https://us-east-1.console.aws.amazon.com/cloudwatch/home?region="
                f"us-east-1#dashboards:name={dashboard.dashboard_name}",
                description="uploads dashboard",
            )

    def alarm(
        self,
        scope: Construct,
        name: str,
        metric: cw.IMetric,
        threshold: float,
        *,
        periods: int = 1,
        datapoints: int | None = None,
        critical: bool = False,
        description: str,
        watched: bool = True,
    ) -> cw.Alarm:
        """One alarm: greater than ``threshold`` in ``periods`` periods out of as many,
        missing data not breaching, its state changes to the topic. ``watched`` alarms are on
        the main dashboard and, when critical, in the composite alarm."""
        severity = "Critical" if critical else "Warning"
        new = cw.Alarm(
            scope,
            "".join(part.capitalize() for part in name.split("-")),
            alarm_name=f"{PREFIX}-{name}",
            alarm_description=f"[{severity}] {description} Runbook: {RUNBOOK}#{name}",
            metric=metric,
            threshold=threshold,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=periods,
            datapoints_to_alarm=datapoints or periods,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        new.add_alarm_action(self.action)
        new.add_ok_action(self.action)
        if watched:
            self.alarms.append(new)
            if critical:
                self.critical.append(new)
        return new

    def dead_letters(self, label: str, queue: sqs.IQueue) -> None:
        """A dead-letter queue: any message is Critical."""
        self.alarm(
            Construct(self.scope, f"DeadLetters{label}"),
            f"{label}-messages",
            queue.metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=ONE_MINUTE
            ),
            0,
            critical=True,
            description="A message reached this dead-letter queue.",
        )
        self.main.add_widgets(
            cw.GraphWidget(
                title=f"Dead letters {label}",
                left=[
                    queue.metric_approximate_number_of_messages_visible(
                        statistic="Maximum", label="dead letters"
                    )
                ],
                width=6,
                height=6,
            )
        )

    def finish(self) -> None:
        """The composite alarm of the critical alarms and the status of every alarm."""
        composite = cw.CompositeAlarm(
            self.scope,
            "ServiceUnhealthy",
            composite_alarm_name=f"{PREFIX}-service-unhealthy",
            alarm_description="[Critical] uploads is unhealthy: at least one critical alarm "
            f"is in ALARM. Runbook: {RUNBOOK}#service-unhealthy",
            alarm_rule=cw.AlarmRule.any_of(*self.critical),
        )
        composite.add_alarm_action(self.action)
        composite.add_ok_action(self.action)
        self.main.add_widgets(cw.AlarmStatusWidget(alarms=self.alarms, title="Alarms", width=24))


# ----------------------------------------------------------------------------------- app

app = cdk.App()
stack = cdk.Stack(app, "Hand-dev-Uploads", env=ENV)

# StandardVpc: three tiers in two AZs, one Graviton NAT instance, gateway endpoints, the
# default security group closed, flow logs to an encrypted log group.
network = Construct(stack, "Network")
nat = ec2.NatProvider.instance_v2(
    instance_type=ec2.InstanceType("t4g.nano"),
    associate_public_ip_address=True,
    credit_specification=ec2.CpuCredits.STANDARD,
    default_allowed_traffic=ec2.NatTrafficDirection.OUTBOUND_ONLY,
)
vpc = ec2.Vpc(
    network,
    "Vpc",
    ip_addresses=ec2.IpAddresses.cidr(CIDR),
    max_azs=2,
    nat_gateways=1,
    nat_gateway_provider=nat,
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
for port, what in (
    (ec2.Port.all_tcp(), "TCP"),
    (ec2.Port.all_udp(), "UDP"),
    (ec2.Port.all_icmp(), "ICMP"),
):
    nat.security_group.add_ingress_rule(ec2.Peer.ipv4(CIDR), port, f"{what} from {CIDR} to forward")
nat_instances: list[ec2.Instance] = []
for subnet in vpc.public_subnets:
    instance = subnet.node.try_find_child("NatInstance")
    if isinstance(instance, ec2.Instance):
        # The library hardens aws-cdk-lib's NAT instance on its L1: IMDSv2, an encrypted
        # gp3 root volume, tags on the volume.
        instance.instance.metadata_options = ec2.CfnInstance.MetadataOptionsProperty(
            http_tokens="required", http_put_response_hop_limit=1
        )
        instance.instance.block_device_mappings = [
            ec2.CfnInstance.BlockDeviceMappingProperty(
                device_name="/dev/xvda",
                ebs=ec2.CfnInstance.EbsProperty(
                    encrypted=True, volume_type="gp3", delete_on_termination=True
                ),
            )
        ]
        instance.instance.propagate_tags_to_volume_on_creation = True
        nat_instances.append(instance)
for number, instance in enumerate(nat_instances, start=1):
    recovery = cw.Alarm(
        network,
        f"NatInstance{number}Recovery",
        metric=cw.Metric(
            namespace="AWS/EC2",
            metric_name="StatusCheckFailed_System",
            dimensions_map={"InstanceId": instance.instance_id},
            statistic="Maximum",
            period=ONE_MINUTE,
        ),
        threshold=1,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        treat_missing_data=cw.TreatMissingData.MISSING,
        alarm_description=f"Recovers NAT instance {number}: the system status check failed "
        "for 2 minutes.",
    )
    recovery.add_alarm_action(actions.Ec2Action(actions.Ec2InstanceAction.RECOVER))
flow_group = logs.LogGroup(
    network,
    "FlowLogGroup",
    encryption_key=log_key(network, "FlowLogKey", "the flow logs"),
    retention=logs.RetentionDays.ONE_WEEK,
    removal_policy=DESTROY,
)
flow_role = iam.Role(
    network,
    "FlowLogRole",
    assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
    description="Delivers the flow logs",
)
iam.ManagedPolicy(
    network,
    "FlowLogPolicy",
    roles=[flow_role],
    statements=[
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[flow_group.log_group_arn],
        )
    ],
)
ec2.FlowLog(
    network,
    "FlowLog",
    resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
    destination=ec2.FlowLogDestination.to_cloud_watch_logs(
        flow_group, flow_role.without_policy_updates()
    ),
    traffic_type=ec2.FlowLogTrafficType.ALL,
)

# AlarmTopic: an encrypted topic that CloudWatch may publish to, e-mail subscriptions whose
# undeliverable notifications wait in a dead-letter queue.
alarms_scope = Construct(stack, "Alarms")
alarms_key = key(alarms_scope, "Key", "the alarm notifications")
for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"):
    alarms_key.grant(iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*")
topic = sns.Topic(
    alarms_scope, "Topic", display_name="Alarms", master_key=alarms_key, enforce_ssl=True
)
undelivered = dead_letter_queue(alarms_scope, "DeadLetterQueue", alarms_key)
topic.add_subscription(
    subscriptions.EmailSubscription("uploads-dev@example.com", dead_letter_queue=undelivered)
)

# ServiceMonitoring: dashboards and the topic's dead letters.
monitoring = Monitoring(stack, topic)
monitoring.dead_letters("AlarmsDeadLetters", undelivered)

# SecureBucket: KMS-encrypted with a bucket key, versioned, TLS 1.2 only, access-logged to a
# bucket of its own.
uploads_scope = Construct(stack, "Uploads")
access_logs = s3.Bucket(
    uploads_scope,
    "AccessLogs",
    encryption=s3.BucketEncryption.S3_MANAGED,
    versioned=True,
    block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    enforce_ssl=True,
    minimum_tls_version=1.2,
    object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycle_rules=[
        s3.LifecycleRule(
            id="expire-access-logs",
            expiration=cdk.Duration.days(7),
            noncurrent_version_expiration=cdk.Duration.days(1),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
    ],
    removal_policy=DESTROY,
)
uploads = s3.Bucket(
    uploads_scope,
    "Bucket",
    encryption=s3.BucketEncryption.KMS,
    encryption_key=key(uploads_scope, "Key", "the objects of the uploads"),
    bucket_key_enabled=True,
    versioned=True,
    block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    enforce_ssl=True,
    minimum_tls_version=1.2,
    object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    server_access_logs_bucket=access_logs,
    server_access_logs_prefix="access-logs/",
    lifecycle_rules=[
        s3.LifecycleRule(
            id="abort-incomplete-multipart-uploads",
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
    ],
    removal_policy=DESTROY,
)

# SecureQueue: encrypted, TLS only, long polling; dead letters after 5 receives, into a
# dead-letter queue that only this queue may redrive into.
received_scope = Construct(stack, "Received")
received_key = key(received_scope, "Key", "the messages of the queue Received")
received_name = "Hand-dev-Uploads-Received"
received_dead_letters = sqs.Queue(
    received_scope,
    "DeadLetterQueue",
    queue_name=f"{received_name}-dlq",
    retention_period=cdk.Duration.days(14),
    encryption=sqs.QueueEncryption.KMS,
    encryption_master_key=received_key,
    data_key_reuse=FIVE_MINUTES,
    enforce_ssl=True,
    removal_policy=DESTROY,
)
dead_letters_cfn = received_dead_letters.node.default_child
if not isinstance(dead_letters_cfn, sqs.CfnQueue):
    raise TypeError(f"expected the queue's CfnQueue, found {dead_letters_cfn}")
dead_letters_cfn.redrive_allow_policy = {
    "redrivePermission": "byQueue",
    "sourceQueueArns": [stack.format_arn(service="sqs", resource=received_name)],
}
received = sqs.Queue(
    received_scope,
    "Queue",
    queue_name=received_name,
    visibility_timeout=cdk.Duration.minutes(3),
    retention_period=cdk.Duration.days(4),
    receive_message_wait_time=cdk.Duration.seconds(20),
    dead_letter_queue=sqs.DeadLetterQueue(queue=received_dead_letters, max_receive_count=5),
    encryption=sqs.QueueEncryption.KMS,
    encryption_master_key=received_key,
    data_key_reuse=FIVE_MINUTES,
    enforce_ssl=True,
    removal_policy=DESTROY,
)
uploads.add_event_notification(
    s3.EventType.OBJECT_CREATED,
    s3n.SqsDestination(received),
    s3.NotificationKeyFilter(prefix="incoming/"),
)

# SecureTable: on demand, a rotating key, point-in-time recovery, records expire.
records_scope = Construct(stack, "Records")
records_key = key(records_scope, "Key", "the items of the table Records")
records = dynamodb.Table(
    records_scope,
    "Table",
    partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    table_name="Hand-dev-Uploads-Records",
    billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryption_key=records_key,
    point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
        point_in_time_recovery_enabled=True, recovery_period_in_days=35
    ),
    deletion_protection=False,
    removal_policy=DESTROY,
    time_to_live_attribute="expires",
)

# MonitoredFunction: its own encrypted log group, role and dead-letter queue; an alias that
# CodeDeploy moves, with rollback alarms on the new version; the Lambda pack's alarms.
worker_scope = Construct(stack, "Worker")
worker_log_key = log_key(worker_scope, "LogKey", "the logs of Worker")
worker_dead_letters = dead_letter_queue(
    worker_scope,
    "DeadLetterQueue",
    key(worker_scope, "DeadLetterKey", "the failed invocations of Worker"),
)
worker_logs = logs.LogGroup(
    worker_scope,
    "LogGroup",
    encryption_key=worker_log_key,
    retention=logs.RetentionDays.ONE_WEEK,
    removal_policy=DESTROY,
)
worker_role = ManagedPolicyRole(
    worker_scope,
    "Role",
    assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
    description="Execution role of Worker/Function",
)
worker_role.add_to_principal_policy(
    iam.PolicyStatement(
        actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        resources=[worker_logs.log_group_arn],
    )
)
function = lambda_.Function(
    worker_scope,
    "Function",
    code=lambda_.Code.from_asset(str(HANDLER)),
    handler="worker.handler",
    runtime=lambda_.Runtime.PYTHON_3_14,
    memory_size=256,
    timeout=WORKER_TIMEOUT,
    architecture=lambda_.Architecture.ARM_64,
    environment={"TABLE_NAME": records.table_name},
    role=worker_role,
    log_group=worker_logs,
    tracing=lambda_.Tracing.ACTIVE,
    dead_letter_queue=worker_dead_letters,
)
alias = lambda_.Alias(worker_scope, "Alias", alias_name="live", version=function.current_version)


def new_version(name: str, statistic: str, period: cdk.Duration) -> cw.Metric:
    """A metric of the alias's new version only (CodeDeploy's rollback alarms)."""
    return cw.Metric(
        namespace="AWS/Lambda",
        metric_name=name,
        statistic=statistic,
        period=period,
        dimensions_map={
            "FunctionName": function.function_name,
            "Resource": f"{function.function_name}:live",
            "ExecutedVersion": function.current_version.version,
        },
    )


def error_rate(errors: cw.IMetric, invocations: cw.IMetric, label: str) -> cw.MathExpression:
    return cw.MathExpression(
        expression="IF(invocations > 0, 100 * errors / invocations, 0)",
        using_metrics={"errors": errors, "invocations": invocations},
        label=label,
        period=FIVE_MINUTES,
    )


rollback_scope = Construct(worker_scope, "RollbackAlarms")
rollback = [
    monitoring.alarm(
        rollback_scope,
        "Worker-rollback-errors",
        new_version("Errors", "Sum", ONE_MINUTE),
        1,
        critical=True,
        watched=False,
        description="Rolls back a deployment of Worker: the new version threw errors.",
    ),
    monitoring.alarm(
        rollback_scope,
        "Worker-rollback-error-rate",
        error_rate(
            new_version("Errors", "Sum", FIVE_MINUTES),
            new_version("Invocations", "Sum", FIVE_MINUTES),
            "Error rate of the new version (%)",
        ),
        5,
        periods=3,
        critical=True,
        watched=False,
        description="Rolls back a deployment of Worker: more than 5% of invocations failed.",
    ),
    monitoring.alarm(
        rollback_scope,
        "Worker-rollback-throttles",
        new_version("Throttles", "Sum", ONE_MINUTE),
        1,
        critical=True,
        watched=False,
        description="Rolls back a deployment of Worker: invocations were throttled.",
    ),
    monitoring.alarm(
        rollback_scope,
        "Worker-rollback-duration-p99",
        new_version("Duration", "p99", FIVE_MINUTES),
        28500,
        periods=3,
        critical=True,
        watched=False,
        description="Rolls back a deployment of Worker: the slowest invocations near the timeout.",
    ),
]
for rollback_alarm in rollback:
    alias.node.add_dependency(rollback_alarm)
deployment_group = codedeploy.LambdaDeploymentGroup(
    worker_scope,
    "DeploymentGroup",
    application=codedeploy.LambdaApplication(worker_scope, "Application"),
    alias=alias,
    deployment_config=codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
    alarms=rollback,
    auto_rollback=codedeploy.AutoRollbackConfig(
        failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
    ),
)
topic.grant_publish(deployment_group.role)
deployment_cfn = deployment_group.node.default_child
if not isinstance(deployment_cfn, codedeploy.CfnDeploymentGroup):
    raise TypeError(f"expected the deployment group's L1, found {deployment_cfn}")
deployment_cfn.add_property_override(
    "TriggerConfigurations",
    [
        {
            "TriggerName": "Worker-deployments",
            "TriggerTargetArn": topic.topic_arn,
            "TriggerEvents": [
                "DeploymentStart",
                "DeploymentSuccess",
                "DeploymentFailure",
                "DeploymentRollback",
            ],
        }
    ],
)

# ServiceMonitoring.monitor_lambda_function(alias): the Lambda pack.
lambda_scope = Construct(monitoring.scope, "LambdaWorker")
errors = alias.metric_errors(statistic="Sum", period=ONE_MINUTE)
throttles = alias.metric_throttles(statistic="Sum", period=ONE_MINUTE)
concurrency = alias.metric("ConcurrentExecutions", statistic="Maximum", period=ONE_MINUTE)
monitoring.alarm(lambda_scope, "Worker-errors", errors, 1, description="The function threw errors.")
monitoring.alarm(
    lambda_scope,
    "Worker-throttles",
    throttles,
    1,
    description="Invocations were rejected for lack of concurrency.",
)
monitoring.alarm(
    lambda_scope,
    "Worker-duration-p90",
    alias.metric_duration(statistic="p90", period=FIVE_MINUTES),
    24000,
    periods=3,
    description="Nine in ten invocations take more than 80% of the timeout.",
)
monitoring.alarm(
    lambda_scope,
    "Worker-duration-p99",
    alias.metric_duration(statistic="p99", period=FIVE_MINUTES),
    28500,
    periods=3,
    critical=True,
    description="The slowest invocations are about to time out.",
)
monitoring.alarm(
    lambda_scope,
    "Worker-concurrent-executions",
    concurrency,
    800,
    periods=5,
    description="Concurrency stays above 80% of the account's 1,000.",
)
monitoring.alarm(
    lambda_scope,
    "Worker-error-rate",
    error_rate(
        alias.metric_errors(statistic="Sum", period=FIVE_MINUTES),
        alias.metric_invocations(statistic="Sum", period=FIVE_MINUTES),
        "Error rate (%)",
    ),
    5,
    periods=3,
    critical=True,
    description="More than 5% of invocations failed for 15 minutes.",
)
monitoring.main.add_widgets(
    cw.GraphWidget(
        title="Lambda Worker: invocations and errors",
        left=[alias.metric_invocations(statistic="Sum"), alias.metric_errors(statistic="Sum")],
        right=[alias.metric_throttles(statistic="Sum")],
        width=12,
        height=6,
    )
)
monitoring.performance.add_widgets(
    cw.GraphWidget(
        title="Lambda Worker: duration p50/p90/p99 (timeout 30000 ms)",
        left=[alias.metric_duration(statistic=p, label=p) for p in ("p50", "p90", "p99")],
        left_annotations=[cw.HorizontalAnnotation(value=30000, label="timeout")],
        width=12,
        height=6,
    ),
    cw.GraphWidget(
        title="Lambda Worker: concurrency",
        left=[alias.metric("ConcurrentExecutions", statistic="Maximum")],
        width=12,
        height=6,
    ),
)
monitoring.dead_letters("WorkerDeadLetters", worker_dead_letters)

# MonitoredFunction.add_queue_source: the alias reads the queue; what the source needs goes
# to the role's AppPolicy; the queue pack watches the queue.
worker_role.add_policy("AppPolicy", "Permissions the app added to Worker/Role")
alias.add_event_source(
    sources.SqsEventSource(
        received,
        batch_size=10,
        max_concurrency=5,
        report_batch_item_failures=True,
        enabled=True,
    )
)
queue_scope = Construct(monitoring.scope, "QueueReceived")
oldest = received.metric_approximate_age_of_oldest_message(statistic="Maximum", period=ONE_MINUTE)
visible = received.metric_approximate_number_of_messages_visible(
    statistic="Maximum", period=FIVE_MINUTES
)
dead = received_dead_letters.metric_approximate_number_of_messages_visible(
    statistic="Maximum", period=ONE_MINUTE
)
monitoring.alarm(
    queue_scope,
    "Received-oldest-message-age",
    oldest,
    600,
    periods=5,
    description="A message has waited more than 10 minutes for 5 minutes.",
)
monitoring.alarm(
    queue_scope,
    "Received-backlog",
    visible,
    1000,
    periods=3,
    description="More than 1,000 messages wait for 15 minutes.",
)
monitoring.alarm(
    queue_scope,
    "Received-dead-letter-messages",
    dead,
    0,
    critical=True,
    description="Messages reached the dead-letter queue.",
)
monitoring.main.add_widgets(
    cw.GraphWidget(
        title="Queue Received: messages in and out",
        left=[
            received.metric_number_of_messages_sent(statistic="Sum", label="sent"),
            received.metric_number_of_messages_received(statistic="Sum", label="received"),
            received.metric_number_of_messages_deleted(statistic="Sum", label="deleted"),
        ],
        width=8,
        height=6,
    ),
    cw.GraphWidget(
        title="Queue Received: backlog",
        left=[
            received.metric_approximate_number_of_messages_visible(
                statistic="Maximum", label="visible"
            ),
            received.metric_approximate_number_of_messages_not_visible(
                statistic="Maximum", label="in flight"
            ),
            received_dead_letters.metric_approximate_number_of_messages_visible(
                statistic="Maximum", label="dead letters"
            ),
        ],
        width=8,
        height=6,
    ),
    cw.GraphWidget(
        title="Queue Received: age of the oldest message (s)",
        left=[
            received.metric_approximate_age_of_oldest_message(statistic="Maximum", label="oldest")
        ],
        width=8,
        height=6,
    ),
)

# SecureTable.grant_write_data(worker): into the role's own grants policy.
worker_role.add_policy("Grants", "What the grants give Worker/Role")
records.grant_write_data(worker_role)

# The nightly archive's definition, as in the example.
find_old = tasks.CallAwsService(
    stack,
    "FindOld",
    service="dynamodb",
    action="scan",
    parameters={
        "TableName": records.table_name,
        "FilterExpression": "uploaded < :cutoff",
        "ExpressionAttributeValues": {":cutoff": {"S.$": "$.cutoff"}},
    },
    iam_resources=[records.table_arn],
    result_path="$.old",
)
store = tasks.CallAwsService(
    stack,
    "Store",
    service="s3",
    action="putObject",
    parameters={
        "Bucket": uploads.bucket_name,
        "Key.$": "States.Format('archive/{}.json', $$.Execution.Name)",
        "Body.$": "$.old.Items",
    },
    iam_resources=[uploads.arn_for_objects("archive/*")],
)
cutoff = sfn.Pass(stack, "Cutoff", parameters={"cutoff.$": "$$.Execution.StartTime"})

# SecureStateMachine: logs (ALL in dev) to an encrypted log group, X-Ray, a role trusted by
# this account's state machines only, its permissions in customer-managed policies.
archive_scope = Construct(stack, "Archive")
archive_logs = logs.LogGroup(
    archive_scope,
    "LogGroup",
    log_group_name="/aws/vendedlogs/states/Hand-dev-Uploads-Archive",
    encryption_key=log_key(archive_scope, "LogKey", "the logs of the state machine Archive"),
    retention=logs.RetentionDays.ONE_WEEK,
    removal_policy=DESTROY,
)
archive_role = StateMachineRole(
    archive_scope,
    "Role",
    assumed_by=iam.ServicePrincipal(
        "states.amazonaws.com",
        conditions={
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="states",
                    resource="stateMachine",
                    resource_name="*",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            },
            "StringEquals": {"aws:SourceAccount": stack.account},
        },
    ),
    description="Execution role of the state machine Archive",
)
archive = sfn.StateMachine(
    archive_scope,
    "StateMachine",
    definition_body=sfn.DefinitionBody.from_chainable(cutoff.next(find_old).next(store)),
    state_machine_type=sfn.StateMachineType.STANDARD,
    timeout=ARCHIVE_TIMEOUT,
    logs=sfn.LogOptions(
        destination=archive_logs, level=sfn.LogLevel.ALL, include_execution_data=False
    ),
    tracing_enabled=True,
    role=archive_role,
    removal_policy=DESTROY,
)

# ServiceMonitoring.monitor_state_machine: the state machine pack.
machine_scope = Construct(monitoring.scope, "StateMachineArchive")
monitoring.alarm(
    machine_scope,
    "Archive-failed",
    archive.metric_failed(statistic="Sum", period=ONE_MINUTE),
    0,
    critical=True,
    description="An execution failed.",
)
monitoring.alarm(
    machine_scope,
    "Archive-timed-out",
    archive.metric_timed_out(statistic="Sum", period=ONE_MINUTE),
    0,
    critical=True,
    description="An execution ran longer than the state machine's timeout.",
)
monitoring.alarm(
    machine_scope,
    "Archive-aborted",
    archive.metric_aborted(statistic="Sum", period=ONE_MINUTE),
    0,
    description="An execution was stopped before it finished.",
)
monitoring.alarm(
    machine_scope,
    "Archive-throttled",
    archive.metric_throttled(statistic="Sum", period=FIVE_MINUTES),
    0,
    description="State transitions were throttled.",
)
monitoring.alarm(
    machine_scope,
    "Archive-execution-time-p99",
    archive.metric_time(statistic="p99", period=FIVE_MINUTES),
    1440000,
    periods=3,
    description="The slowest executions take more than 80% of the timeout.",
)
monitoring.main.add_widgets(
    cw.GraphWidget(
        title="State machine Archive: executions",
        left=[
            archive.metric_started(statistic="Sum", label="started"),
            archive.metric_succeeded(statistic="Sum", label="succeeded"),
            archive.metric_failed(statistic="Sum", label="failed"),
            archive.metric_timed_out(statistic="Sum", label="timed out"),
            archive.metric_aborted(statistic="Sum", label="aborted"),
        ],
        right=[archive.metric_throttled(statistic="Sum", label="throttled")],
        width=12,
        height=6,
    )
)
monitoring.performance.add_widgets(
    cw.GraphWidget(
        title="State machine Archive: execution time p50/p90/p99 (timeout 1.8e+06 ms)",
        left=[archive.metric_time(statistic=p, label=p) for p in ("p50", "p90", "p99")],
        left_annotations=[cw.HorizontalAnnotation(value=1800000, label="timeout")],
        width=12,
        height=6,
    )
)

# SecureTable.grant_read_data(archive.role), SecureBucket.grant_put(archive.role, "archive/*"):
# into the role's own grants policy.
archive_role.add_policy("Grants", "What the grants give Archive/Role")
records.grant_read_data(archive_role)
uploads.grant_put(archive_role, "archive/*")

# SecureStateMachine.add_schedule: an EventBridge rule with retries, a dead-letter queue
# under a key EventBridge may use, a role of its own; the rule pack watches both.
nightly_scope = Construct(archive_scope, "Nightly")
nightly_key = key(nightly_scope, "DeadLetterKey", "the failed events of Archive/Nightly")
nightly_key.add_to_resource_policy(
    iam.PolicyStatement(
        sid="EventBridgeRulesOfThisAccount",
        principals=[iam.ServicePrincipal("events.amazonaws.com")],
        actions=["kms:Decrypt", "kms:GenerateDataKey"],
        resources=["*"],
        conditions={
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": stack.format_arn(service="events", resource="rule/*")},
        },
    )
)
nightly_dead_letters = dead_letter_queue(nightly_scope, "DeadLetterQueue", nightly_key)
rule = events.Rule(
    nightly_scope, "Rule", schedule=events.Schedule.cron(minute="0", hour="2"), enabled=True
)
rule.add_target(
    targets.SfnStateMachine(
        archive,
        role=ManagedPolicyRole(
            nightly_scope,
            "Role",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="EventBridge starts the state machine of Archive/Nightly",
        ),
        dead_letter_queue=nightly_dead_letters,
        retry_attempts=2,
        max_event_age=cdk.Duration.hours(24),
    )
)


def rule_metric(
    name: str, label: str | None = None, period: cdk.Duration | None = None
) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/Events",
        metric_name=name,
        dimensions_map={"RuleName": rule.rule_name},
        statistic="Sum",
        period=period,
        label=label,
    )


rule_scope = Construct(monitoring.scope, "RuleNightly")
monitoring.alarm(
    rule_scope,
    "Nightly-failed-invocations",
    rule_metric("FailedInvocations", period=FIVE_MINUTES),
    0,
    description="The rule's target failed for good after its retries.",
)
monitoring.alarm(
    rule_scope,
    "Nightly-dead-letter-failures",
    rule_metric("InvocationsFailedToBeSentToDlq", period=FIVE_MINUTES),
    0,
    critical=True,
    description="Events failed and could not be sent to the dead-letter queue.",
)
monitoring.alarm(
    rule_scope,
    "Nightly-dead-letter-messages",
    nightly_dead_letters.metric_approximate_number_of_messages_visible(
        statistic="Maximum", period=ONE_MINUTE
    ),
    0,
    critical=True,
    description="Events wait in the rule's dead-letter queue.",
)
monitoring.main.add_widgets(
    cw.GraphWidget(
        title="Rule Nightly: runs",
        left=[
            rule_metric("TriggeredRules", "triggered"),
            rule_metric("Invocations", "invocations"),
            rule_metric("FailedInvocations", "failed"),
            rule_metric("InvocationsSentToDlq", "sent to the dead-letter queue"),
        ],
        width=8,
        height=6,
    )
)

# ContainerService: ARM64 Fargate tasks (read-only root filesystem, not root) in the private
# subnets behind an internet-facing load balancer that logs its access to an access-logged
# bucket; a circuit breaker and rollback alarms on each release; CPU and request scaling;
# ECS deployment events to the alarm topic.
api_scope = Construct(stack, "Api")
cluster = ecs.Cluster(
    api_scope, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENHANCED
)
api_logs = logs.LogGroup(
    api_scope,
    "LogGroup",
    log_group_name="/ecs/uploads/Api",
    encryption_key=log_key(api_scope, "LogKey", "the container logs of Api"),
    retention=logs.RetentionDays.ONE_WEEK,
    removal_policy=DESTROY,
)
task_role = ManagedPolicyRole(
    api_scope,
    "TaskRole",
    assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    description="Task role of Api: what the container may call",
    policy="Grants",
)
execution_role = ManagedPolicyRole(
    api_scope,
    "ExecutionRole",
    assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    description="Execution role of Api: image pulls, logs and secrets",
)
task_definition = ecs.FargateTaskDefinition(
    api_scope,
    "TaskDefinition",
    cpu=256,
    memory_limit_mib=512,
    runtime_platform=ecs.RuntimePlatform(
        cpu_architecture=ecs.CpuArchitecture.ARM64,
        operating_system_family=ecs.OperatingSystemFamily.LINUX,
    ),
    task_role=task_role,
    execution_role=execution_role,
)
task_definition.add_container(
    "app",
    image=ecs.ContainerImage.from_registry("public.ecr.aws/uploads/api:1.4.2"),
    memory_limit_mib=512,
    environment={"TABLE_NAME": records.table_name},
    logging=ecs.LogDrivers.aws_logs(
        stream_prefix="uploads", log_group=api_logs, mode=ecs.AwsLogDriverMode.NON_BLOCKING
    ),
    port_mappings=[ecs.PortMapping(container_port=8080, name="http")],
    readonly_root_filesystem=True,
    user="1000:1000",
    essential=True,
)
balancer_group = ec2.SecurityGroup(
    api_scope,
    "LoadBalancerSecurityGroup",
    vpc=vpc,
    description="Load balancer of Api",
    allow_all_outbound=False,
)
balancer_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "Clients of Api")
balancer = elbv2.ApplicationLoadBalancer(
    api_scope,
    "LoadBalancer",
    vpc=vpc,
    vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
    internet_facing=True,
    security_group=balancer_group,
    load_balancer_name="uploads-Api",
    deletion_protection=False,
    drop_invalid_header_fields=True,
    desync_mitigation_mode=elbv2.DesyncMitigationMode.DEFENSIVE,
)
# SecureBucket (SSE-S3) for the load balancer's access logs, itself access-logged.
access_scope = Construct(api_scope, "AccessLogs")
api_server_logs = s3.Bucket(
    access_scope,
    "AccessLogs",
    encryption=s3.BucketEncryption.S3_MANAGED,
    versioned=True,
    block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    enforce_ssl=True,
    minimum_tls_version=1.2,
    object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycle_rules=[
        s3.LifecycleRule(
            id="expire-access-logs",
            expiration=cdk.Duration.days(7),
            noncurrent_version_expiration=cdk.Duration.days(1),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
    ],
    removal_policy=DESTROY,
)
balancer_logs = s3.Bucket(
    access_scope,
    "Bucket",
    encryption=s3.BucketEncryption.S3_MANAGED,
    versioned=True,
    block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    enforce_ssl=True,
    minimum_tls_version=1.2,
    object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    server_access_logs_bucket=api_server_logs,
    server_access_logs_prefix="access-logs/",
    lifecycle_rules=[
        s3.LifecycleRule(
            id="ExpireAccessLogs",
            expiration=cdk.Duration.days(90),
            noncurrent_version_expiration=cdk.Duration.days(1),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
    ],
    removal_policy=DESTROY,
)
balancer.log_access_logs(balancer_logs, "load-balancer")
target_group = elbv2.ApplicationTargetGroup(
    api_scope,
    "TargetGroup",
    vpc=vpc,
    port=8080,
    protocol=elbv2.ApplicationProtocol.HTTP,
    target_type=elbv2.TargetType.IP,
    deregistration_delay=cdk.Duration.seconds(30),
    health_check=elbv2.HealthCheck(
        path="/",
        interval=cdk.Duration.seconds(15),
        healthy_threshold_count=2,
        unhealthy_threshold_count=3,
        healthy_http_codes="200-399",
    ),
)
target_group.set_attribute("stickiness.enabled", "false")
listener = balancer.add_listener(
    "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False
)
listener.add_target_groups("Default", target_groups=[target_group])
api_rollback_scope = Construct(api_scope, "RollbackAlarms")
api_rollback = [
    monitoring.alarm(
        api_rollback_scope,
        "Api-rollback-target-5xx-rate",
        cw.MathExpression(
            expression="IF(requests1 > 0, 100 * errors1 / requests1, 0)",
            using_metrics={
                "errors1": target_group.metrics.http_code_target(
                    elbv2.HttpCodeTarget.TARGET_5XX_COUNT, statistic="Sum", period=ONE_MINUTE
                ),
                "requests1": target_group.metrics.request_count(statistic="Sum", period=ONE_MINUTE),
            },
            label="5xx rate of target group 1 (%)",
            period=ONE_MINUTE,
        ),
        5,
        periods=3,
        datapoints=2,
        critical=True,
        watched=False,
        description="Rolls back a release of Api: more than 5% of requests failed.",
    ),
    monitoring.alarm(
        api_rollback_scope,
        "Api-rollback-response-time-p99",
        target_group.metrics.target_response_time(statistic="p99", period=ONE_MINUTE),
        2,
        periods=3,
        datapoints=2,
        critical=True,
        watched=False,
        description="Rolls back a release of Api: the slowest responses take over 2 s.",
    ),
]
api_tasks = ec2.SecurityGroup(
    api_scope, "SecurityGroup", vpc=vpc, description="Tasks of Api", allow_all_outbound=True
)
api_service = ecs.FargateService(
    api_scope,
    "Service",
    cluster=cluster,
    task_definition=task_definition,
    desired_count=1,
    security_groups=[api_tasks],
    vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    assign_public_ip=False,
    circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
    deployment_controller=ecs.DeploymentController(type=ecs.DeploymentControllerType.ECS),
    deployment_alarms=ecs.DeploymentAlarmConfig(
        alarm_names=[alarm.alarm_name for alarm in api_rollback],
        behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
    ),
    deployment_strategy=ecs.DeploymentStrategy.ROLLING,
    min_healthy_percent=100,
    max_healthy_percent=200,
    health_check_grace_period=cdk.Duration.seconds(60),
    enable_ecs_managed_tags=True,
    propagate_tags=ecs.PropagatedTagSource.SERVICE,
    platform_version=ecs.FargatePlatformVersion.LATEST,
)
target_group.add_target(api_service.load_balancer_target(container_name="app", container_port=8080))
scaling = api_service.auto_scale_task_count(min_capacity=1, max_capacity=2)
scaling.scale_on_cpu_utilization("CpuScaling", target_utilization_percent=60)
scaling.scale_on_request_count(
    "RequestScaling", requests_per_target=1000, target_group=target_group
)
events.Rule(
    api_scope,
    "DeploymentEvents",
    description="The deployments of Api",
    event_pattern=events.EventPattern(
        source=["aws.ecs"],
        detail_type=["ECS Deployment State Change"],
        resources=[api_service.service_arn],
    ),
    targets=[targets.SnsTopic(topic, dead_letter_queue=undelivered, retry_attempts=8)],
)

# SecureTable.grant_read_data(api): into the task role's own grants policy.
records.grant_read_data(task_role)

# ServiceMonitoring.monitor_container_service: the ECS service and load balancer packs.
service_scope = Construct(monitoring.scope, "ServiceApi")
insights: dict[str, str] = {
    "ClusterName": cluster.cluster_name,
    "ServiceName": api_service.service_name,
}


def insight(name: str, label: str | None = None, period: cdk.Duration | None = None) -> cw.Metric:
    return cw.Metric(
        namespace="ECS/ContainerInsights",
        metric_name=name,
        dimensions_map=insights,
        statistic="Average",
        period=period,
        label=label,
    )


tg_metrics = target_group.metrics
lb_metrics = balancer.metrics
monitoring.alarm(
    service_scope,
    "Api-cpu",
    api_service.metric_cpu_utilization(statistic="Average", period=FIVE_MINUTES),
    80,
    periods=3,
    description="The tasks use more than 80% of their CPU for 15 minutes.",
)
monitoring.alarm(
    service_scope,
    "Api-memory",
    api_service.metric_memory_utilization(statistic="Average", period=FIVE_MINUTES),
    80,
    periods=3,
    description="The tasks use more than 80% of their memory for 15 minutes.",
)
monitoring.alarm(
    service_scope,
    "Api-memory-critical",
    api_service.metric_memory_utilization(statistic="Average", period=FIVE_MINUTES),
    90,
    periods=3,
    critical=True,
    description="The tasks use more than 90% of their memory: out-of-memory kills follow.",
)
monitoring.alarm(
    service_scope,
    "Api-running-tasks",
    cw.MathExpression(
        expression="desired - running",
        using_metrics={
            "desired": insight("DesiredTaskCount", period=ONE_MINUTE),
            "running": insight("RunningTaskCount", period=ONE_MINUTE),
        },
        label="tasks missing",
        period=ONE_MINUTE,
    ),
    0,
    periods=10,
    critical=True,
    description="Fewer tasks run than desired for 10 minutes.",
)
monitoring.alarm(
    service_scope,
    "Api-target-5xx",
    tg_metrics.http_code_target(
        elbv2.HttpCodeTarget.TARGET_5XX_COUNT, statistic="Sum", period=ONE_MINUTE
    ),
    5,
    description="The tasks answered more than 5 requests with a 5XX in a minute.",
)
monitoring.alarm(
    service_scope,
    "Api-target-5xx-rate",
    cw.MathExpression(
        expression="IF(requests > 0, 100 * errors / requests, 0)",
        using_metrics={
            "errors": tg_metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
                statistic="Sum",
                period=FIVE_MINUTES,
                label="target 5XX",
            ),
            "requests": tg_metrics.request_count(
                statistic="Sum", period=FIVE_MINUTES, label="requests"
            ),
        },
        label="target 5XX rate (%)",
        period=FIVE_MINUTES,
    ),
    1,
    periods=3,
    critical=True,
    description="More than 1% of requests failed for 15 minutes.",
)
monitoring.alarm(
    service_scope,
    "Api-latency-p90",
    tg_metrics.target_response_time(statistic="p90", period=FIVE_MINUTES),
    1,
    periods=3,
    description="Nine in ten responses take more than a second.",
)
monitoring.alarm(
    service_scope,
    "Api-latency-p99",
    tg_metrics.target_response_time(statistic="p99", period=FIVE_MINUTES),
    5,
    periods=3,
    critical=True,
    description="The slowest responses take more than 5 seconds.",
)
monitoring.alarm(
    service_scope,
    "Api-unhealthy-hosts",
    tg_metrics.unhealthy_host_count(statistic="Maximum", period=ONE_MINUTE),
    0,
    periods=5,
    description="A target failed its health checks for 5 minutes.",
)
monitoring.alarm(
    service_scope,
    "Api-elb-5xx",
    lb_metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, statistic="Sum", period=ONE_MINUTE),
    5,
    periods=3,
    critical=True,
    description="The load balancer answered with 5XX itself (no healthy target).",
)
monitoring.alarm(
    service_scope,
    "Api-rejected-connections",
    lb_metrics.rejected_connection_count(statistic="Sum", period=FIVE_MINUTES),
    0,
    description="The load balancer rejected connections at its capacity.",
)
monitoring.main.add_widgets(
    cw.GraphWidget(
        title="Service Api: CPU and memory (%)",
        left=[
            api_service.metric_cpu_utilization(label="CPU"),
            api_service.metric_memory_utilization(label="memory"),
        ],
        left_y_axis=cw.YAxisProps(min=0, max=100),
        width=8,
        height=6,
    ),
    cw.GraphWidget(
        title="Service Api: tasks running and desired (Container Insights)",
        left=[insight("RunningTaskCount", "running"), insight("DesiredTaskCount", "desired")],
        width=8,
        height=6,
    ),
    cw.GraphWidget(
        title="Service Api: requests and 5XX",
        left=[tg_metrics.request_count(statistic="Sum", label="requests")],
        right=[
            tg_metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, statistic="Sum", label="target 5XX"
            ),
            lb_metrics.http_code_elb(
                elbv2.HttpCodeElb.ELB_5XX_COUNT, statistic="Sum", label="load balancer 5XX"
            ),
            lb_metrics.rejected_connection_count(statistic="Sum", label="rejected"),
        ],
        width=8,
        height=6,
    ),
    cw.GraphWidget(
        title="Service Api: healthy and unhealthy targets",
        left=[
            tg_metrics.healthy_host_count(statistic="Minimum", label="healthy"),
            tg_metrics.unhealthy_host_count(statistic="Maximum", label="unhealthy"),
        ],
        width=8,
        height=6,
    ),
)
monitoring.performance.add_widgets(
    cw.GraphWidget(
        title="Service Api: target response time p50/p90/p99 (seconds)",
        left=[tg_metrics.target_response_time(statistic=p, label=p) for p in ("p50", "p90", "p99")],
        width=12,
        height=6,
    )
)

# ServiceMonitoring.add_availability_slo / add_latency_slo: multi-window burn-rate alarms
# (fast, slow, ticket), each pair joined by a composite alarm that notifies the topic; the
# error budget and the burn rate on the main dashboard.
WINDOWS = (
    ("fast-burn", 14.4, ("1h", cdk.Duration.hours(1), "1 hour"), ("5m", FIVE_MINUTES, "5 minutes")),
    (
        "slow-burn",
        6.0,
        ("6h", cdk.Duration.hours(6), "6 hours"),
        ("30m", cdk.Duration.minutes(30), "30 minutes"),
    ),
    (
        "ticket",
        1.0,
        ("3d", cdk.Duration.days(3), "3 days"),
        ("6h", cdk.Duration.hours(6), "6 hours"),
    ),
)
slo_scope = Construct(monitoring.scope, "Slo")


def availability_metrics(period: cdk.Duration | None, s: str = "") -> dict[str, cw.IMetric]:
    return {
        f"errors{s}": tg_metrics.http_code_target(
            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, statistic="Sum", period=period
        ),
        f"requests{s}": tg_metrics.request_count(statistic="Sum", period=period),
    }


def latency_metrics(period: cdk.Duration | None, s: str = "") -> dict[str, cw.IMetric]:
    return {
        f"rank{s}": tg_metrics.target_response_time(statistic="PR(:0.3)", period=period),
        f"requests{s}": tg_metrics.target_response_time(statistic="SampleCount", period=period),
    }


OBJECTIVES = (
    (
        "Api-availability",
        99.9,
        "IF((requests{s}) > 0, (FILL(errors{s}, 0)) / (requests{s}), 0)",
        "RUNNING_SUM(FILL(errors, 0)) / RUNNING_SUM(requests)",
        availability_metrics,
    ),
    (
        "Api-latency",
        99.0,
        "IF((requests{s}) > 0, ((100 - FILL(rank{s}, 100)) * requests{s} / 100) / (requests{s}), "
        "0)",
        "RUNNING_SUM((100 - FILL(rank, 100)) * requests / 100) / RUNNING_SUM(requests)",
        latency_metrics,
    ),
)
for slo, objective, ratio, running, inputs in OBJECTIVES:
    budget = round(1 - objective / 100, 6)
    for kind, burn, *windows in WINDOWS:
        pair = [
            cw.Alarm(
                slo_scope,
                f"{slo}{kind}{suffix}",
                alarm_name=f"{PREFIX}-slo-{slo}-{kind}-{suffix}",
                metric=cw.MathExpression(
                    expression=ratio.format(s=""),
                    using_metrics=inputs(period),
                    label=f"error ratio ({label})",
                    period=period,
                ),
                threshold=round(burn * budget, 6),
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            for suffix, period, label in windows
        ]
        burning = cw.CompositeAlarm(
            slo_scope,
            f"{slo}{kind}",
            composite_alarm_name=f"{PREFIX}-slo-{slo}-{kind}",
            alarm_description=f"{slo} ({objective}% over 30 days): the error budget burns at "
            f"{burn:g}x or more. Runbook: {RUNBOOK}#slo-{kind}",
            alarm_rule=cw.AlarmRule.all_of(*pair),
        )
        burning.add_alarm_action(monitoring.action)
        burning.add_ok_action(monitoring.action)
    hourly = cdk.Duration.hours(1)
    monitoring.main.add_widgets(
        cw.SingleValueWidget(
            title=f"SLO {slo} ({objective:g}% over 30 days): error budget left",
            metrics=[
                cw.MathExpression(
                    expression=f"100 * (1 - ({ratio.format(s='')}) / {budget})",
                    using_metrics=inputs(hourly),
                    label="budget left (%)",
                    period=hourly,
                )
            ],
            set_period_to_time_range=True,
            start="-P30D",
            width=6,
            height=6,
        ),
        cw.GraphWidget(
            title=f"SLO {slo}: error budget left over 30 days (%)",
            left=[
                cw.MathExpression(
                    expression=f"IF(RUNNING_SUM(requests) > 0, 100 * (1 - ({running}) / {budget}), "
                    "100)",
                    using_metrics=inputs(hourly),
                    label="budget left (%)",
                    period=hourly,
                )
            ],
            left_annotations=[cw.HorizontalAnnotation(value=0, label="budget spent")],
            start="-P30D",
            width=9,
            height=6,
        ),
        cw.GraphWidget(
            title=f"SLO {slo}: burn rate (1 = the budget lasts the window)",
            left=[
                cw.MathExpression(
                    expression=f"({ratio.format(s=s)}) / {budget}",
                    using_metrics=inputs(period, s),
                    label=f"burn rate ({label})",
                    period=period,
                )
                for period, s, label in (
                    (FIVE_MINUTES, "_5m", "5 minutes"),
                    (hourly, "_1h", "1 hour"),
                )
            ],
            left_annotations=[
                cw.HorizontalAnnotation(value=burn, label=f"{kind.replace('-', '_')} ({burn:g}x)")
                for kind, burn, *_ in WINDOWS
            ],
            width=9,
            height=6,
        ),
    )
monitoring.finish()

# The organisation's tags: AbstractStack's on every resource, each construct's Module.
for tag, value in (
    ("CostCenter", "uploads"),
    ("Environment", "dev"),
    ("ManagedBy", "CDK"),
    ("Service", "uploads"),
    ("StackName", "Hand-dev-Uploads"),
):
    cdk.Tags.of(stack).add(tag, value)
for scope, module in (
    (network, "StandardVpc"),
    (uploads_scope, "SecureBucket"),
    (received_scope, "SecureQueue"),
    (records_scope, "SecureTable"),
    (archive_scope, "SecureStateMachine"),
    (api_scope, "ContainerService"),
):
    cdk.Tags.of(scope).add("Module", module)
cdk.Tags.of(network).add("AutoDelete", "No")
cdk.CfnOutput(
    stack,
    "UploadsBucket",
    value=uploads.bucket_name,
    description="Where files land",
    export_name="Hand-dev-Uploads-UploadsBucket",
)
app.synth()
