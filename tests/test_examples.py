"""The example apps, synthesized by the real CDK CLI as a user runs it (built-in validation on)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import SMALL_EXAMPLES, ValidatedApp, gate_work

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.e2e


BACKGROUND = [gate_work(name) for name in SMALL_EXAMPLES]
"""Every example as the gate synthesized it (the real CDK CLI, validation on), shared with
the gate's tests."""


@pytest.fixture
def minimal_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "minimal_app")


def stack_artifacts(assembly: Path) -> dict[str, Any]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    return {
        name: artifact
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def test_minimal_app_has_a_stack_per_environment(minimal_assembly: Path) -> None:
    stacks = stack_artifacts(minimal_assembly)
    assert {name: a["environment"] for name, a in stacks.items()} == {
        "MinimalService-dev": "aws://111111111111/us-east-1",
        "MinimalService-staging": "aws://222222222222/us-east-1",
        "MinimalService-production": "aws://333333333333/us-east-1",
    }
    protection = {n: a["properties"].get("terminationProtection", False) for n, a in stacks.items()}
    assert protection == {
        "MinimalService-dev": False,
        "MinimalService-staging": False,
        "MinimalService-production": True,
    }
    assert stacks["MinimalService-production"]["properties"]["tags"] == {
        "CostCenter": "platform",
        "DataClassification": "confidential",
        "Environment": "production",
        "ManagedBy": "CDK",
        "StackName": "MinimalService-production",
    }


@pytest.mark.parametrize(
    ("stage", "retention", "deletion"),
    [("dev", 7, "Delete"), ("staging", 90, "Retain"), ("production", 365, "Retain")],
)
def test_minimal_app_follows_the_stage(
    minimal_assembly: Path, stage: str, retention: int, deletion: str
) -> None:
    template = json.loads((minimal_assembly / f"MinimalService-{stage}.template.json").read_text())
    (log_group,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert log_group["Properties"]["RetentionInDays"] == retention
    assert log_group["DeletionPolicy"] == deletion
    export = template["Outputs"]["LogGroupName"]["Export"]["Name"]
    assert export == f"MinimalService-{stage}-LogGroupName"


def validated_assembly(validated_example: Callable[..., ValidatedApp], name: str) -> Path:
    """The example as `org-cdk validate` synthesized it (shared with the gate's tests)."""
    run = validated_example(name)
    assert run.report["tools"][0] == {
        "tool": "synth",
        "status": "passed",
        "seconds": run.report["tools"][0]["seconds"],
        "detail": "",
    }
    warnings = [f for f in run.report["findings"] if f["tool"] == "synth"]
    assert warnings == [], "cdk synth printed warnings"
    return run.assembly


def resources_of(assembly: Path, stack: str, resource_type: str) -> list[dict[str, Any]]:
    template = json.loads((assembly / f"{stack}.template.json").read_text())
    return [r for r in template["Resources"].values() if r["Type"] == resource_type]


@pytest.fixture
def vpc_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "standard_vpc")


@pytest.fixture
def bucket_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "secure_bucket")


@pytest.fixture
def queue_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "secure_queue")


VPC_EXAMPLE: dict[str, dict[str, int]] = {
    "dev": {"nat_gateways": 0, "nat_instances": 1, "subnets": 6, "interface_endpoints": 0},
    "staging": {"nat_gateways": 2, "nat_instances": 0, "subnets": 6, "interface_endpoints": 0},
    "production": {"nat_gateways": 3, "nat_instances": 0, "subnets": 9, "interface_endpoints": 1},
}


@pytest.mark.parametrize("stage", VPC_EXAMPLE)
def test_standard_vpc_example(vpc_assembly: Path, stage: str) -> None:
    """Dev egresses through one t4g.nano NAT instance (environments.json), the other stages
    through NAT gateways."""
    expected = VPC_EXAMPLE[stage]
    stack = f"Network-{stage}"
    gateways = resources_of(vpc_assembly, stack, "AWS::EC2::NatGateway")
    assert len(gateways) == expected["nat_gateways"]
    instances = resources_of(vpc_assembly, stack, "AWS::EC2::Instance")
    assert [i["Properties"]["InstanceType"] for i in instances] == ["t4g.nano"] * expected[
        "nat_instances"
    ]
    assert len(resources_of(vpc_assembly, stack, "AWS::EC2::Subnet")) == expected["subnets"]
    endpoints = resources_of(vpc_assembly, stack, "AWS::EC2::VPCEndpoint")
    interface = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Interface"]
    assert len(interface) == expected["interface_endpoints"]
    (flow_log,) = resources_of(vpc_assembly, stack, "AWS::EC2::FlowLog")
    assert flow_log["Properties"]["TrafficType"] == "ALL"


@pytest.mark.parametrize(("stage", "deletion"), [("dev", "Delete"), ("production", "Retain")])
def test_secure_bucket_example(bucket_assembly: Path, stage: str, deletion: str) -> None:
    buckets = resources_of(bucket_assembly, f"Data-{stage}", "AWS::S3::Bucket")
    assert len(buckets) == 2, "the reports bucket and its access log bucket"
    assert {b["DeletionPolicy"] for b in buckets} == {deletion}
    (key,) = resources_of(bucket_assembly, f"Data-{stage}", "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True


@pytest.mark.parametrize(
    ("stage", "days", "deletion"),
    [("dev", 4, "Delete"), ("staging", 7, "Retain"), ("production", 14, "Retain")],
)
def test_secure_queue_example(queue_assembly: Path, stage: str, days: int, deletion: str) -> None:
    """The environment's config.queue sets the retention; the dead-letter queue keeps 14 days."""
    queues = resources_of(queue_assembly, f"Jobs-{stage}", "AWS::SQS::Queue")
    retention = sorted(q["Properties"]["MessageRetentionPeriod"] for q in queues)
    assert retention == sorted([days * 86_400, 14 * 86_400])
    assert {q["DeletionPolicy"] for q in queues} == {deletion}
    (key,) = resources_of(queue_assembly, f"Jobs-{stage}", "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True


@pytest.fixture
def table_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "secure_table")


@pytest.mark.parametrize(
    ("stage", "protected", "deletion"),
    [("dev", False, "Delete"), ("staging", True, "Retain"), ("production", True, "Retain")],
)
def test_secure_table_example(
    table_assembly: Path, stage: str, protected: bool, deletion: str
) -> None:
    """The environment's config.table sets deletion protection; every stage bills on demand,
    encrypts with its own rotating key and keeps 35 days of point-in-time recovery."""
    (table,) = resources_of(table_assembly, f"Orders-{stage}", "AWS::DynamoDB::Table")
    properties = table["Properties"]
    assert properties["DeletionProtectionEnabled"] is protected
    assert table["DeletionPolicy"] == deletion
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["RecoveryPeriodInDays"] == 35
    assert properties["SSESpecification"]["SSEType"] == "KMS"
    assert properties["TableName"] == f"Orders-{stage}-Orders"
    assert [i["IndexName"] for i in properties["GlobalSecondaryIndexes"]] == ["byCustomer"]
    (key,) = resources_of(table_assembly, f"Orders-{stage}", "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True


@pytest.fixture
def state_machine_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "secure_state_machine")


@pytest.mark.parametrize(
    ("stage", "level", "days"),
    [("dev", "ALL", 7), ("staging", "ERROR", 90), ("production", "ERROR", 365)],
)
def test_secure_state_machine_example(
    state_machine_assembly: Path, stage: str, level: str, days: int
) -> None:
    """The environment's config.state_machine sets the log level; the stage, the retention."""
    (machine,) = resources_of(
        state_machine_assembly, f"Fulfilment-{stage}", "AWS::StepFunctions::StateMachine"
    )
    properties = machine["Properties"]
    assert properties["LoggingConfiguration"]["Level"] == level
    assert properties["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert '"TimeoutSeconds":900' in properties["DefinitionString"]
    (group,) = resources_of(state_machine_assembly, f"Fulfilment-{stage}", "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == days
    alarms = resources_of(state_machine_assembly, f"Fulfilment-{stage}", "AWS::CloudWatch::Alarm")
    names = {a["Properties"]["AlarmName"] for a in alarms}
    assert f"{stage}-fulfilment-Fulfilment-failed" in names


@pytest.fixture
def worker_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "queue_worker")


@pytest.mark.parametrize("stage", ["dev", "staging", "production"])
def test_queue_worker_example(worker_assembly: Path, stage: str) -> None:
    """The alias reads the jobs, a nightly rule starts the archive, each watched."""
    stack = f"Worker-{stage}"
    (mapping,) = resources_of(worker_assembly, stack, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 5}
    rules = resources_of(worker_assembly, stack, "AWS::Events::Rule")
    schedules = [r["Properties"].get("ScheduleExpression") for r in rules]
    assert "cron(0 3 * * ? *)" in schedules
    for rule in rules:
        (target,) = rule["Properties"]["Targets"]
        assert "DeadLetterConfig" in target
        assert "RetryPolicy" in target
    names = {
        a["Properties"]["AlarmName"]
        for a in resources_of(worker_assembly, stack, "AWS::CloudWatch::Alarm")
    }
    for alarm in (
        "Jobs-dead-letter-messages",
        "Worker-errors",
        "WorkerDeadLetters-messages",
        "Nightly-dead-letter-messages",
        "Replay-failed-invocations",
        "Archive-failed",
    ):
        assert f"{stage}-jobs-{alarm}" in names


@pytest.fixture
def cache_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "secure_cache")


@pytest.mark.parametrize(
    ("stage", "nodes", "failover"),
    [("dev", 1, False), ("staging", 2, True), ("production", 3, True)],
)
def test_secure_cache_example(cache_assembly: Path, stage: str, nodes: int, failover: bool) -> None:
    """The environment's config.cache: one node in dev, a primary and replicas elsewhere."""
    stack = f"Sessions-{stage}"
    (group,) = resources_of(cache_assembly, stack, "AWS::ElastiCache::ReplicationGroup")
    properties = group["Properties"]
    assert properties["NumCacheClusters"] == nodes
    assert properties["AutomaticFailoverEnabled"] is failover
    assert properties["TransitEncryptionEnabled"] is True
    assert properties["AtRestEncryptionEnabled"] is True
    names = {
        a["Properties"]["AlarmName"]
        for a in resources_of(cache_assembly, stack, "AWS::CloudWatch::Alarm")
    }
    assert any(name.startswith(f"{stage}-sessions-Sessions") for name in names)


@pytest.fixture
def container_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "container_service")


@pytest.mark.parametrize(
    ("stage", "strategy", "tasks", "ports"),
    [
        ("dev", "ROLLING", 1, [80]),
        ("staging", "CANARY", 2, [80, 443]),
        ("production", "CANARY", 2, [80, 443]),
    ],
)
def test_container_service_example(
    container_assembly: Path, stage: str, strategy: str, tasks: int, ports: list[int]
) -> None:
    """One task released all at once over HTTP in dev; a canary behind HTTPS (the
    environment's certificate_arn setting) elsewhere, with its rollback alarms."""
    stack = f"Web-{stage}"
    (service,) = resources_of(container_assembly, stack, "AWS::ECS::Service")
    deployment = service["Properties"]["DeploymentConfiguration"]
    assert deployment["Strategy"] == strategy
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["Properties"]["DesiredCount"] == tasks
    listeners = resources_of(container_assembly, stack, "AWS::ElasticLoadBalancingV2::Listener")
    assert sorted(listener["Properties"]["Port"] for listener in listeners) == ports
    names = {
        a["Properties"]["AlarmName"]
        for a in resources_of(container_assembly, stack, "AWS::CloudWatch::Alarm")
    }
    assert f"{stage}-web-Web-rollback-target-5xx-rate" in names
    assert f"{stage}-web-Web-cpu" in names


@pytest.fixture
def monitoring_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "monitoring")


def test_monitoring_example_has_the_guide_layout(monitoring_assembly: Path) -> None:
    stacks = stack_artifacts(monitoring_assembly)
    assert {"Alarms-dev", "Service-dev", "Dashboards-dev"} <= set(stacks)
    assert set(stacks["Dashboards-dev"]["dependencies"]) >= {"Alarms-dev", "Service-dev"}
    alarms = resources_of(monitoring_assembly, "Dashboards-dev", "AWS::CloudWatch::Alarm")
    names = {a["Properties"]["AlarmName"] for a in alarms}
    assert "dev-orders-Handler-errors" in names
    assert "dev-orders-Api-latency-p90" in names
    for alarm in alarms:
        properties = alarm["Properties"]
        # The topic comes from the AlarmStack, referenced across stacks.
        for actions in (properties["AlarmActions"], properties["OKActions"]):
            (action,) = actions
            assert action["Fn::GetStackOutput"]["StackName"] == "Alarms-dev"
        dimensions = properties.get("Dimensions") or [
            d
            for q in properties["Metrics"]
            if "MetricStat" in q
            for d in q["MetricStat"]["Metric"].get("Dimensions", [])
        ]
        assert dimensions
        assert all(d["Value"] != "*" for d in dimensions)
    (latency,) = [a for a in alarms if a["Properties"]["AlarmName"] == "dev-orders-Api-latency-p90"]
    assert latency["Properties"]["EvaluationPeriods"] == 6
    dashboards = resources_of(monitoring_assembly, "Dashboards-dev", "AWS::CloudWatch::Dashboard")
    assert sorted(d["Properties"]["DashboardName"] for d in dashboards) == [
        "dev-orders-main",
        "dev-orders-performance",
    ]


@pytest.fixture
def function_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "monitored_function")


@pytest.mark.parametrize(
    ("stage", "config", "reserved"),
    [
        ("dev", "CodeDeployDefault.LambdaAllAtOnce", None),
        ("production", "CodeDeployDefault.LambdaCanary10Percent5Minutes", 50),
    ],
)
def test_monitored_function_example(
    function_assembly: Path, stage: str, config: str, reserved: int | None
) -> None:
    stack = f"Orders-{stage}"
    (group,) = resources_of(function_assembly, stack, "AWS::CodeDeploy::DeploymentGroup")
    assert group["Properties"]["DeploymentConfigName"] == config
    assert group["Properties"]["TriggerConfigurations"][0]["TriggerEvents"][0] == "DeploymentStart"
    functions = resources_of(function_assembly, stack, "AWS::Lambda::Function")
    handlers = {f["Properties"]["Handler"]: f["Properties"] for f in functions}
    assert set(handlers) == {"index.handler", "hooks.handler"}
    assert handlers["index.handler"].get("ReservedConcurrentExecutions") == reserved
    assert handlers["hooks.handler"]["ReservedConcurrentExecutions"] == 1
    (alias,) = resources_of(function_assembly, stack, "AWS::Lambda::Alias")
    assert alias["Properties"]["Name"] == "live"


@pytest.fixture
def notifications_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "deployment_notifications")


@pytest.mark.parametrize(
    ("stage", "emails", "slack"),
    [
        ("dev", ["dev-alerts@example.com"], False),
        ("staging", ["staging-alerts@example.com"], False),
        ("production", ["oncall@example.com", "platform-leads@example.com"], True),
    ],
)
def test_deployment_notifications_example(
    notifications_assembly: Path, stage: str, emails: list[str], slack: bool
) -> None:
    stack = f"Notifications-{stage}"
    template = json.loads((notifications_assembly / f"{stack}.template.json").read_text())
    (topic_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::SNS::Topic"]
    topic = template["Resources"][topic_id]["Properties"]
    assert topic["DisplayName"] == "Deployments"
    assert "Fn::GetAtt" in topic["KmsMasterKeyId"], "the topic's own customer-managed key"
    # Where org-cdk deploy --notify finds the topic.
    assert template["Outputs"]["DeploymentTopicArn"]["Value"] == {"Ref": topic_id}
    subscriptions = resources_of(notifications_assembly, stack, "AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == emails
    channels = resources_of(
        notifications_assembly, stack, "AWS::Chatbot::SlackChannelConfiguration"
    )
    assert [c["Properties"]["SlackChannelId"] for c in channels] == (
        ["C0123456789"] if slack else []
    )
    # grant_publish writes into the library's own policy on the role (OrgConstructsGrants).
    (policy,) = resources_of(notifications_assembly, stack, "AWS::IAM::ManagedPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id}} in (
        statements
    ), "the release role publishes to this topic only"
    assert not resources_of(notifications_assembly, stack, "AWS::IAM::Policy")


@pytest.fixture
def access_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "deployment_access")


@pytest.mark.parametrize(
    ("stage", "account"),
    [("dev", "111111111111"), ("staging", "222222222222"), ("production", "333333333333")],
)
def test_deployment_access_example(access_assembly: Path, stage: str, account: str) -> None:
    stack = f"Access-{stage}"
    manifest = json.loads((access_assembly / "manifest.json").read_text())
    artifact = manifest["artifacts"][stack]
    assert artifact["environment"] == f"aws://{account}/us-east-1"
    assert "assumeRoleArn" not in artifact["properties"], "deployed with the CLI's credentials"
    template = json.loads((access_assembly / f"{stack}.template.json").read_text())
    assert "BootstrapVersion" not in template.get("Parameters", {}), "needs no bootstrap"
    (provider,) = resources_of(access_assembly, stack, "AWS::IAM::OIDCProvider")
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    roles = {
        r["Properties"]["RoleName"]: r
        for r in resources_of(access_assembly, stack, "AWS::IAM::Role")
    }
    assert set(roles) == {"org-cdk-deploy", "org-cdk-deploy-review"}
    for name, environment in (
        ("org-cdk-deploy", stage),
        ("org-cdk-deploy-review", f"{stage}-review"),
    ):
        (trust,) = roles[name]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Condition"]["StringEquals"] == {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/orders:environment:"
            + environment,
        }
    policies = {
        p["Properties"]["ManagedPolicyName"]: p
        for p in resources_of(access_assembly, stack, "AWS::IAM::ManagedPolicy")
    }
    assert set(policies) == {"org-cdk-deploy", "org-cdk-deploy-review", "org-cdk-cfn-execution"}
    (assume,) = policies["org-cdk-deploy"]["Properties"]["PolicyDocument"]["Statement"]
    assert assume["Resource"][0] == (
        f"arn:aws:iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-us-east-1"
    )
    assert set(template["Outputs"]) == {"DeployRoleArn", "ExecutionPolicyArn", "ReviewRoleArn"}
    # The environments file names the role the stack makes.
    environments = json.loads((EXAMPLES / "deployment_access" / "environments.json").read_text())
    assert environments[stage]["deploy_role_arn"] == f"arn:aws:iam::{account}:role/org-cdk-deploy"


@pytest.fixture
def pipeline_assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_assembly(validated_example, "org_pipeline")


def test_org_pipeline_example(pipeline_assembly: Path) -> None:
    """The pipeline in its account; each stage's stack in a nested assembly, in its own."""
    manifest = json.loads((pipeline_assembly / "manifest.json").read_text())
    assert manifest["artifacts"]["Delivery"]["environment"] == "aws://999999999999/us-east-1"
    template = json.loads((pipeline_assembly / "Delivery.template.json").read_text())
    resources = template["Resources"]
    (pipeline,) = [r for r in resources.values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    stages = {s["Name"]: s["Actions"] for s in pipeline["Properties"]["Stages"]}
    assert list(stages) == ["Source", "Build", "UpdatePipeline", "dev", "staging", "production"]
    (source,) = stages["Source"]
    assert source["Configuration"]["FullRepositoryId"] == "acme/orders"
    (topic_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::SNS::Topic"]
    promote = stages["production"][0]
    assert promote["Name"] == "Promote"
    assert promote["Configuration"]["NotificationArn"] == {"Ref": topic_id}
    assert not any(a["Name"] == "Promote" for a in stages["dev"] + stages["staging"])
    accounts = {"dev": "111111111111", "staging": "222222222222", "production": "333333333333"}
    for stage, account in accounts.items():
        nested = json.loads((pipeline_assembly / f"assembly-{stage}" / "manifest.json").read_text())
        (stack,) = [a for a in nested["artifacts"].values() if a["type"].endswith(":stack")]
        assert stack["environment"] == f"aws://{account}/us-east-1"
        assert stack["properties"]["stackName"] == f"{stage}-Service"


def test_describe_assembly_prints_each_stack(minimal_assembly: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "describe_assembly.py"), str(minimal_assembly)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "3 stack(s)" in result.stdout
    assert "stack MinimalService-production" in result.stdout
    assert "termination protection on" in result.stdout
    assert "1 x AWS::Logs::LogGroup" in result.stdout
