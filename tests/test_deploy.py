"""The reference app deployed by the real CDK CLI to the local emulator, updated, destroyed.

The emulator (``org_constructs.tooling.local``: moto's server on 127.0.0.1 with the library's
CloudFormation support) makes every resource type the dev stage synthesizes; it evaluates no
alarm, shifts no traffic, runs no Lambda code and no custom resource. The tests read the
deployed state through the services' APIs and assert the wiring the templates promise (what
the alarms watch, what rolls back on them, what the policies deny), never that it would behave.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support import (
    CDK,
    Background,
    EmulatorProcess,
    cli_env,
    emulator_work,
)

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "reference_app"
ACCOUNT, REGION = "111111111111", "us-east-1"
EMULATOR_SECRET = "testing"  # noqa: S105 - the emulator accepts any credentials
STACKS = [
    "Orders-dev-Network",
    "Orders-dev-Notifications",
    "Orders-dev-Data",
    "Orders-dev-Compute",
    "Orders-dev-Monitoring",
]
EMULATOR = emulator_work("deploy", ACCOUNT)
BACKGROUND = [EMULATOR]

pytestmark = pytest.mark.e2e


@dataclass
class Emulator:
    endpoint: str
    env: dict[str, str]

    def client(self, service: str, region: str = REGION) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key=EMULATOR_SECRET,
        )

    def cdk(self, app_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(CDK), "--no-notices", *args],
            cwd=app_dir,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=420,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result


@pytest.fixture(scope="module")
def emulator(background: Background) -> Emulator:
    """The emulator of the stage's account, started early by the background worker."""
    started: EmulatorProcess = background.result(*EMULATOR)
    env = cli_env(
        AWS_ENDPOINT_URL=started.endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY=EMULATOR_SECRET,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
    )
    return Emulator(endpoint=started.endpoint, env=env)


def deploy(emulator: Emulator, app_dir: Path) -> Path:
    """Synthesize the dev stage, then deploy it. (Not the gate's assembly: the gate
    synthesizes with the acknowledgements under audit, and `cdk deploy` refuses an assembly
    with error annotations.)"""
    out = app_dir / "cdk.out"
    shutil.rmtree(out, ignore_errors=True)
    emulator.cdk(app_dir, "synth", "--quiet", "-c", "stage=dev")
    emulator.cdk(
        app_dir,
        "deploy",
        "--app",
        "cdk.out",
        "--require-approval",
        "never",
        "--concurrency",
        "1",
        *STACKS,
    )
    return out


@pytest.fixture(scope="module")
def deployed(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("app") / "reference_app"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("cdk.out"))
    emulator.cdk(app, "bootstrap", f"aws://{ACCOUNT}/{REGION}")
    deploy(emulator, app)
    return app


@dataclass
class Snapshot:
    buckets: dict[str, dict[str, Any]]
    keys: dict[str, bool]
    log_groups: dict[str, int | None]
    vpcs: list[str]
    subnets: list[dict[str, Any]]
    databases: list[str]
    functions: dict[str, dict[str, Any]]


def snapshot(emulator: Emulator) -> Snapshot:
    s3, kms, logs = emulator.client("s3"), emulator.client("kms"), emulator.client("logs")
    ec2, rds, lam = emulator.client("ec2"), emulator.client("rds"), emulator.client("lambda")
    buckets = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        if not name.startswith("orders-dev-data-"):
            continue
        rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][
            0
        ]
        buckets[name] = {
            "encryption": rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
        }
    keys = {
        k["KeyId"]: kms.get_key_rotation_status(KeyId=k["KeyId"])["KeyRotationEnabled"]
        for k in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        .get("Description", "")
        .startswith("Encrypts")
    }
    groups = {
        g["logGroupName"]: g.get("retentionInDays")
        for g in logs.describe_log_groups()["logGroups"]
        if g["logGroupName"].startswith(("Orders-dev-", "/aws/rds/instance/db-ordersdevdata"))
    }
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    subnets = [s for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] in vpcs]
    databases = [d["DbiResourceId"] for d in rds.describe_db_instances()["DBInstances"]]
    functions = {
        f["FunctionName"]: f
        for f in lam.list_functions()["Functions"]
        if "OrdersFunction" in f["FunctionName"]
    }
    return Snapshot(buckets, keys, groups, vpcs, subnets, databases, functions)


@pytest.fixture(scope="module")
def first(emulator: Emulator, deployed: Path) -> Snapshot:
    return snapshot(emulator)


def test_every_stack_is_deployed(emulator: Emulator, deployed: Path) -> None:
    cloudformation = emulator.client("cloudformation")
    for name in STACKS:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = cloudformation.describe_stacks(StackName="Orders-dev-Data")["Stacks"][0]["Outputs"]
    assert any(o["OutputKey"] == "OrdersBucketName" for o in outputs)


def test_buckets_are_encrypted_and_versioned(first: Snapshot) -> None:
    assert sorted(v["encryption"] for v in first.buckets.values()) == ["AES256", "aws:kms"]
    assert {v["versioning"] for v in first.buckets.values()} == {"Enabled"}


def test_vpc_has_three_tiers_in_two_azs(emulator: Emulator, first: Snapshot) -> None:
    (vpc,) = first.vpcs
    assert (
        emulator.client("ec2").describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16"
    )
    assert sorted(s["CidrBlock"] for s in first.subnets) == [f"10.0.{n}.0/24" for n in range(6)]
    assert {s["AvailabilityZone"] for s in first.subnets} == {"us-east-1a", "us-east-1b"}
    assert not any(s["MapPublicIpOnLaunch"] for s in first.subnets)
    # Dev's NAT is one t4g.nano instance in a public subnet, the private subnets' way out.
    assert emulator.client("ec2").describe_nat_gateways()["NatGateways"] == []
    public = {
        s["SubnetId"] for s in first.subnets if s["CidrBlock"] in ("10.0.0.0/24", "10.0.1.0/24")
    }
    reservations = emulator.client("ec2").describe_instances(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}]
    )["Reservations"]
    (instance,) = [i for r in reservations for i in r["Instances"]]
    assert instance["InstanceType"] == "t4g.nano"
    assert instance["SubnetId"] in public
    assert instance["SourceDestCheck"] is False
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    routes = emulator.client("ec2").describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}]
    )["RouteTables"]
    to_instance = [
        r for t in routes for r in t["Routes"] if r.get("InstanceId") == instance["InstanceId"]
    ]
    assert to_instance, "a private subnet's default route goes through the NAT instance"
    assert len(emulator.client("ec2").describe_flow_logs()["FlowLogs"]) == 1


def test_every_key_rotates(first: Snapshot) -> None:
    # Orders data (bucket and database: dev's one key), function logs, API access logs,
    # dead-letter queue, flow logs, the topics.
    assert len(first.keys) == 6
    assert all(first.keys.values())


def test_log_groups_keep_dev_retention(first: Snapshot) -> None:
    # Function, API access, flow logs, and the database's two exported log types.
    assert len(first.log_groups) == 5
    assert set(first.log_groups.values()) == {7}


def test_function_configuration(emulator: Emulator, first: Snapshot) -> None:
    ((name, function),) = first.functions.items()
    assert function["Runtime"] == "python3.14"
    assert function["Handler"] == "index.handler"
    assert (function["MemorySize"], function["Timeout"]) == (256, 30)
    bucket = function["Environment"]["Variables"]["ORDERS_BUCKET"]
    assert bucket in first.buckets
    assert emulator.client("lambda").get_function(FunctionName=name)["Configuration"]["VpcConfig"][
        "SubnetIds"
    ]


def test_database_and_dashboards(emulator: Emulator, first: Snapshot) -> None:
    (database,) = emulator.client("rds").describe_db_instances()["DBInstances"]
    assert database["StorageEncrypted"] is True
    assert (database["Engine"], database["EngineVersion"]) == ("postgres", "16.13")
    assert database["Endpoint"]["Port"] == 5433, "not the engine's default port"
    dashboards = [
        d["DashboardName"]
        for d in emulator.client("cloudwatch").list_dashboards()["DashboardEntries"]
    ]
    assert dashboards == ["dev-orders-main"], "dev: one dashboard with every widget"


def test_report_finds_every_resource_and_names_what_the_emulator_skipped(
    emulator: Emulator, deployed: Path
) -> None:
    from org_constructs.tooling.local import deploy_report

    checked = deploy_report(emulator.client, deployed / "cdk.out", STACKS)
    assert checked.complete, checked.failure()
    assert checked.made == checked.resources
    assert checked.outputs_resolved == checked.outputs
    report = checked.text
    skipped = next(line for line in report.splitlines() if line.startswith("skipped"))
    assert skipped.endswith(": none"), skipped
    for resource_type in (
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::Lambda::Alias",
        "AWS::CodeDeploy::DeploymentGroup",
        "AWS::S3::BucketPolicy",
        "AWS::SecretsManager::Secret",
        "AWS::ApiGateway::Stage",
    ):
        assert re.search(rf"x {re.escape(resource_type)} +created", report), resource_type
    not_run = "custom resources marked complete without running their handlers"
    assert f"{not_run}: Custom::VpcRestrictDefaultSG" in report


def output(emulator: Emulator, stack: str, key: str) -> str:
    outputs = emulator.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return str(next(o["OutputValue"] for o in outputs["Outputs"] if o["OutputKey"] == key))


def test_every_alarm_watches_a_deployed_resource(emulator: Emulator, deployed: Path) -> None:
    """Each dimension of each alarm names a function, alias, API stage, database or NAT
    instance that exists in the emulator."""
    lam, apigw = emulator.client("lambda"), emulator.client("apigateway")
    functions = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    aliases = {
        f"{name}:{a['Name']}"
        for name in functions
        for a in lam.list_aliases(FunctionName=name)["Aliases"]
    }
    apis = {a["name"]: a["id"] for a in apigw.get_rest_apis()["items"]}
    stages = {
        (n, st["stageName"])
        for n, i in apis.items()
        for st in apigw.get_stages(restApiId=i)["item"]
    }
    databases = {
        d["DBInstanceIdentifier"]
        for d in emulator.client("rds").describe_db_instances()["DBInstances"]
    }
    instances = {
        i["InstanceId"]
        for r in emulator.client("ec2").describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    alarms = emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert len(alarms) >= 25
    watched: dict[str, set[str]] = {}
    for alarm in alarms:
        metrics = [alarm] + [
            {"Dimensions": m["MetricStat"]["Metric"].get("Dimensions", [])}
            for m in alarm.get("Metrics", [])
            if "MetricStat" in m
        ]
        dimensions = {d["Name"]: d["Value"] for m in metrics for d in m.get("Dimensions", [])}
        assert dimensions, f"{alarm['AlarmName']} watches nothing"
        if "Resource" in dimensions:
            assert dimensions["Resource"] in aliases, alarm["AlarmName"]
            watched.setdefault("alias", set()).add(dimensions["Resource"])
        elif "FunctionName" in dimensions:
            assert dimensions["FunctionName"] in functions, alarm["AlarmName"]
        if "ApiName" in dimensions:
            assert (dimensions["ApiName"], dimensions["Stage"]) in stages, alarm["AlarmName"]
            watched.setdefault("api", set()).add(dimensions["ApiName"])
        if "DBInstanceIdentifier" in dimensions:
            assert dimensions["DBInstanceIdentifier"] in databases, alarm["AlarmName"]
            watched.setdefault("database", set()).add(dimensions["DBInstanceIdentifier"])
        if "InstanceId" in dimensions:
            assert dimensions["InstanceId"] in instances, alarm["AlarmName"]
            watched.setdefault("nat", set()).add(dimensions["InstanceId"])
    assert {k: len(v) for k, v in watched.items()} == {
        "alias": 1,
        "api": 1,
        "database": 1,
        "nat": 1,
    }
    (composite,) = emulator.client("cloudwatch").describe_alarms()["CompositeAlarms"]
    assert "ALARM(" in composite["AlarmRule"]
    topic = output(
        emulator, "Orders-dev-Notifications", "PublishOutputRefAlarmsTopic3A2DFEBA608CB3FF"
    )
    for alarm in [*alarms, composite]:
        assert topic in alarm["AlarmActions"] + alarm.get("OKActions", []), alarm["AlarmName"]


def test_the_deployment_group_rolls_back_on_alarms_and_reports(
    emulator: Emulator, deployed: Path
) -> None:
    codedeploy = emulator.client("codedeploy")
    (application,) = codedeploy.list_applications()["applications"]
    (name,) = codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]
    group = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName=name)[
        "deploymentGroupInfo"
    ]
    alarm_names = {
        a["AlarmName"] for a in emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]
    }
    rollback = [a["name"] for a in group["alarmConfiguration"]["alarms"]]
    assert group["alarmConfiguration"]["enabled"] is True
    assert len(rollback) >= 3, rollback
    assert set(rollback) <= alarm_names, rollback
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["autoRollbackConfiguration"]["events"]
    (trigger,) = group["triggerConfigurations"]
    assert trigger["triggerTargetArn"] == output(
        emulator, "Orders-dev-Notifications", "DeploymentTopicArn"
    )
    assert sorted(trigger["triggerEvents"]) == [
        "DeploymentFailure",
        "DeploymentRollback",
        "DeploymentStart",
        "DeploymentSuccess",
    ]


def test_every_bucket_policy_denies_requests_without_tls(
    first: Snapshot, emulator: Emulator
) -> None:
    s3 = emulator.client("s3")
    assert len(first.buckets) == 2
    for bucket in first.buckets:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        denials = [
            st
            for st in policy["Statement"]
            if st["Effect"] == "Deny"
            and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denials, bucket


def test_the_secret_is_encrypted_with_the_stacks_key(first: Snapshot, emulator: Emulator) -> None:
    """Dev's one key for the orders data: the bucket's key encrypts the database's secret."""
    (secret,) = emulator.client("secretsmanager").list_secrets()["SecretList"]
    key = emulator.client("kms").describe_key(KeyId=secret["KmsKeyId"])["KeyMetadata"]
    orders = next(b for b, v in first.buckets.items() if v["encryption"] == "aws:kms")
    rule = emulator.client("s3").get_bucket_encryption(Bucket=orders)[
        "ServerSideEncryptionConfiguration"
    ]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert (
        key["Arn"]
        == emulator.client("kms").describe_key(KeyId=rule["KMSMasterKeyID"])["KeyMetadata"]["Arn"]
    )
    value = json.loads(
        emulator.client("secretsmanager").get_secret_value(SecretId=secret["ARN"])["SecretString"]
    )
    assert value["port"] == 5433, "attached to the database"
    assert value["engine"] == "postgres"


def test_the_api_stage_logs_access_and_traces(emulator: Emulator, deployed: Path) -> None:
    apigw = emulator.client("apigateway")
    (api,) = apigw.get_rest_apis()["items"]
    stage = apigw.get_stage(restApiId=api["id"], stageName="v1")
    assert stage["tracingEnabled"] is True
    destination = stage["accessLogSettings"]["destinationArn"]
    groups = {
        g["arn"].removesuffix(":*")
        for g in emulator.client("logs").describe_log_groups()["logGroups"]
    }
    assert destination.removesuffix(":*") in groups
    assert '"requestId"' in stage["accessLogSettings"]["format"]
    (validator,) = apigw.get_request_validators(restApiId=api["id"])["items"]
    assert validator["validateRequestBody"] is True


def test_a_changed_app_updates_stateful_resources_in_place(
    emulator: Emulator, deployed: Path, first: Snapshot
) -> None:
    environments = json.loads((deployed / "environments.json").read_text())
    environments["dev"]["log_retention_days"] = 14
    (deployed / "environments.json").write_text(json.dumps(environments))
    deploy(emulator, deployed)
    second = snapshot(emulator)
    cloudformation = emulator.client("cloudformation")
    statuses = {
        n: cloudformation.describe_stacks(StackName=n)["Stacks"][0]["StackStatus"] for n in STACKS
    }
    # The log retention reaches every stack with a log group; the topics and monitoring have none.
    assert statuses == {
        "Orders-dev-Network": "UPDATE_COMPLETE",
        "Orders-dev-Notifications": "CREATE_COMPLETE",
        "Orders-dev-Data": "UPDATE_COMPLETE",
        "Orders-dev-Compute": "UPDATE_COMPLETE",
        "Orders-dev-Monitoring": "CREATE_COMPLETE",
    }
    assert set(second.log_groups.values()) == {14}, "the change was applied"
    assert second.log_groups.keys() == first.log_groups.keys(), "log groups kept, not replaced"
    assert second.buckets.keys() == first.buckets.keys(), "buckets kept, not replaced"
    assert second.keys.keys() == first.keys.keys(), "keys kept, not replaced"
    assert second.vpcs == first.vpcs
    assert [s["SubnetId"] for s in second.subnets] == [s["SubnetId"] for s in first.subnets]
    assert second.databases == first.databases


def test_destroy_deletes_every_stack_dependents_first(emulator: Emulator, deployed: Path) -> None:
    """Last: ``org-cdk local destroy``'s deletion, the VPC with its dependencies included."""
    from org_constructs.tooling.local import Emulator as LocalEmulator
    from org_constructs.tooling.local import destroy_stacks

    port = int(emulator.endpoint.rsplit(":", 1)[1])
    running = LocalEmulator.running(port, ACCOUNT, REGION)
    assert destroy_stacks(running, list(reversed(STACKS))) == [
        f"{name}: deleted" for name in reversed(STACKS)
    ]
    names = {s["StackName"] for s in emulator.client("cloudformation").describe_stacks()["Stacks"]}
    assert names == {"CDKToolkit"}
    vpcs = [v for v in emulator.client("ec2").describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    assert vpcs == []
