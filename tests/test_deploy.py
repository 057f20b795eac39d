"""The reference app deployed by the real CDK CLI to the local emulator, then updated in place.

The emulator (moto server on 127.0.0.1, see scripts/emulator.py) creates VPCs, subnets, S3
buckets, KMS keys, log groups, Lambda functions, RDS instances, SNS topics, SQS queues and
dashboards. It has no CloudFormation support for alarms, Lambda aliases, CodeDeploy, API Gateway
stages and resource policies, and does not run custom resources: the tests assert what it
creates and that the report names what it skipped, nothing more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
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

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
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


def test_report_names_what_the_emulator_skipped(emulator: Emulator, deployed: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "deploy_report.py"),
            str(deployed / "cdk.out"),
            *STACKS,
        ],
        env=emulator.env,
        capture_output=True,
        text=True,
        check=True,
    )
    skipped = next(line for line in result.stdout.splitlines() if line.startswith("skipped"))
    for resource_type in (
        "AWS::CloudWatch::Alarm",
        "AWS::Lambda::Alias",
        "AWS::CodeDeploy::DeploymentGroup",
    ):
        assert resource_type in skipped
    not_run = "custom resources marked complete without running their handlers"
    assert f"{not_run}: Custom::VpcRestrictDefaultSG" in result.stdout


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
