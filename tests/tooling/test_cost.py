"""org-cdk cost: fixed monthly prices from the shipped table; usage-based charges named."""

from __future__ import annotations

import json
from collections import defaultdict
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from org_constructs.errors import PriceTableError
from org_constructs.tooling.cost import (
    Estimate,
    StackCost,
    _estimate,
    estimate_template,
    price_table,
    render_estimate,
)
from org_constructs.tooling.cost._estimate import PRICERS, Prices
from tests.support import ROOT, org_cdk_in_process


def test_price_table_states_source_and_date() -> None:
    table = price_table()
    assert table["recorded"] == "2026-11-25"
    assert "us-east-1" in table["region"]
    assert "pricing" in table["source"]


def test_prices_what_bills_by_the_hour_or_month() -> None:
    template = {
        "Resources": {
            "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60}},
            "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}},
            "Endpoint": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]},
            },
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "postgres",
                    "DBInstanceClass": "db.t3.micro",
                    "AllocatedStorage": "20",
                    "MultiAZ": True,
                },
            },
            "Chat": {"Type": "AWS::Chatbot::SlackChannelConfiguration", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        }
    }
    cost = estimate_template(template, stack="S", stage="dev")
    by_id = {line.logical_id: 0.0 for line in cost.lines}
    for line in cost.lines:
        by_id[line.logical_id] += line.monthly
    assert by_id["Nat"] == 32.85
    assert by_id["Key"] == 1.0
    assert by_id["Alarm"] == 0.1
    assert by_id["Board"] == 3.0
    assert by_id["Endpoint"] == 14.6
    assert by_id["Db"] == round(0.018 * 730 * 2, 2) + round(0.115 * 20 * 2, 2)
    assert by_id["Chat"] == 0.0
    assert cost.unpriced == {"AWS::Lambda::Function": 1}


def test_unknown_database_class_is_listed_not_guessed() -> None:
    template = {
        "Resources": {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"Engine": "postgres", "DBInstanceClass": "db.x2g.16xlarge"},
            }
        }
    }
    cost = estimate_template(template)
    assert cost.lines == []
    assert cost.unknown == ["Db: RDS postgres db.x2g.16xlarge"]


def test_table_is_valid_json_shipped_with_the_package() -> None:
    table = price_table()
    json.dumps(table)
    assert table["hours_per_month"] == 730


# One case (at least) per pricer: resource type, properties, then the cost lines as
# (what, monthly) and the entries reported as not in the table.
PRICED: dict[str, tuple[str, dict[str, Any], list[tuple[str, float]], list[str]]] = {
    "nat gateway": ("AWS::EC2::NatGateway", {}, [("NAT gateway hours", 32.85)], []),
    "elastic ip": ("AWS::EC2::EIP", {}, [("public IPv4 address", 3.65)], []),
    "interface endpoint, 3 AZs": (
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b", "c"]},
        [("interface endpoint in 3 AZ(s)", 21.9)],
        [],
    ),
    "interface endpoint, subnets unknown": (
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Interface"},
        [("interface endpoint in 1 AZ(s)", 7.3)],
        [],
    ),
    "gateway endpoint is free": ("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway"}, [], []),
    "kms key": ("AWS::KMS::Key", {}, [("customer managed key", 1.0)], []),
    "alarm, standard": ("AWS::CloudWatch::Alarm", {}, [("alarm on 1 metric(s)", 0.1)], []),
    "alarm, high resolution": (
        "AWS::CloudWatch::Alarm",
        {"Period": "10"},
        [("alarm on 1 metric(s)", 0.3)],
        [],
    ),
    "alarm, metric math counts metrics": (
        "AWS::CloudWatch::Alarm",
        {"Metrics": [{"MetricStat": {}}, {"MetricStat": {}}, {"Expression": "m1+m2"}]},
        [("alarm on 2 metric(s)", 0.2)],
        [],
    ),
    "composite alarm": ("AWS::CloudWatch::CompositeAlarm", {}, [("composite alarm", 0.5)], []),
    "dashboard": ("AWS::CloudWatch::Dashboard", {}, [("dashboard", 3.0)], []),
    "secret": ("AWS::SecretsManager::Secret", {}, [("secret", 0.4)], []),
    "web acl": (
        "AWS::WAFv2::WebACL",
        {"Rules": [{}, {}, {}]},
        [("web ACL with 3 rule(s)", 8.0)],
        [],
    ),
    "slack channel": (
        "AWS::Chatbot::SlackChannelConfiguration",
        {},
        [("Slack channel (AWS Chatbot is free)", 0.0)],
        [],
    ),
    "api stage cache": (
        "AWS::ApiGateway::Stage",
        {"CacheClusterEnabled": True, "CacheClusterSize": "6.1"},
        [("API cache 6.1 GB", 146.0)],
        [],
    ),
    "api stage cache, default size": (
        "AWS::ApiGateway::Stage",
        {"CacheClusterEnabled": True},
        [("API cache 0.5 GB", 14.6)],
        [],
    ),
    "api stage cache, size not in table": (
        "AWS::ApiGateway::Stage",
        {"CacheClusterEnabled": True, "CacheClusterSize": "3"},
        [],
        ["R: API cache size 3 GB"],
    ),
    "api stage without cache": ("AWS::ApiGateway::Stage", {}, [], []),
    "rds mysql gp3": (
        "AWS::RDS::DBInstance",
        {
            "Engine": "MySQL",
            "DBInstanceClass": "db.t4g.small",
            "AllocatedStorage": 50,
            "StorageType": "GP3",
        },
        [("mysql db.t4g.small instance hours", 23.36), ("50 GB gp3 storage", 5.75)],
        [],
    ),
    "rds aurora postgres multi-az, storage unresolved": (
        "AWS::RDS::DBInstance",
        {
            "Engine": "aurora-postgresql",
            "DBInstanceClass": "db.r6g.large",
            "MultiAZ": "true",
            "AllocatedStorage": {"Ref": "Size"},
        },
        [("postgres db.r6g.large Multi-AZ instance hours", 328.5)],
        [],
    ),
    "rds storage type not in table": (
        "AWS::RDS::DBInstance",
        {
            "Engine": "postgres",
            "DBInstanceClass": "db.t3.micro",
            "AllocatedStorage": "20",
            "StorageType": "io1",
        },
        [("postgres db.t3.micro instance hours", 13.14)],
        [],
    ),
    "rds engine not in table": (
        "AWS::RDS::DBInstance",
        {"Engine": "mariadb", "DBInstanceClass": "db.t3.micro", "AllocatedStorage": "20"},
        [("20 GB gp2 storage", 2.3)],
        ["R: RDS mariadb db.t3.micro"],
    ),
    "valkey single node": (
        "AWS::ElastiCache::ReplicationGroup",
        {"Engine": "valkey", "CacheNodeType": "cache.t4g.micro", "NumCacheClusters": 1},
        [("valkey 1 x cache.t4g.micro node hours", 9.34)],
        [],
    ),
    "redis two shards with a replica each": (
        "AWS::ElastiCache::ReplicationGroup",
        {
            "Engine": "redis",
            "CacheNodeType": "cache.m7g.large",
            "NumNodeGroups": 2,
            "ReplicasPerNodeGroup": 1,
        },
        [("redis 4 x cache.m7g.large node hours", 461.36)],
        [],
    ),
    "cache node type not in table": (
        "AWS::ElastiCache::ReplicationGroup",
        {"Engine": "valkey", "CacheNodeType": "cache.x9.huge", "NumCacheClusters": 2},
        [],
        ["R: ElastiCache valkey cache.x9.huge"],
    ),
    "ec2 nat instance": (
        "AWS::EC2::Instance",
        {
            "InstanceType": "t4g.nano",
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeType": "gp3"}}
            ],
            "NetworkInterfaces": [{"DeviceIndex": "0", "AssociatePublicIpAddress": True}],
        },
        [
            ("EC2 t4g.nano instance hours", 3.07),
            ("8 GiB gp3 volume /dev/xvda (the image's default size)", 0.64),
            ("public IPv4 address", 3.65),
        ],
        [],
    ),
    "ec2 instance without block device mappings": (
        "AWS::EC2::Instance",
        {"InstanceType": "t4g.micro", "SubnetId": "subnet-1"},
        [
            ("EC2 t4g.micro instance hours", 6.13),
            ("8 GiB gp3 root volume (the image's default size)", 0.64),
        ],
        [],
    ),
    "ec2 instance with sized volumes and two addresses": (
        "AWS::EC2::Instance",
        {
            "InstanceType": "t4g.medium",
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}},
                {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": "100"}},
                {"DeviceName": "/dev/sdg", "NoDevice": {}},
            ],
            "NetworkInterfaces": [
                {"DeviceIndex": "0", "AssociatePublicIpAddress": "true"},
                {"DeviceIndex": "1", "AssociatePublicIpAddress": True},
                {"DeviceIndex": "2", "AssociatePublicIpAddress": False},
            ],
        },
        [
            ("EC2 t4g.medium instance hours", 24.53),
            ("20 GiB gp3 volume /dev/xvda", 1.6),
            ("100 GiB gp2 volume /dev/sdf", 10.0),
            ("2 public IPv4 address(es)", 7.3),
        ],
        [],
    ),
    "ec2 values not in the table": (
        "AWS::EC2::Instance",
        {
            "InstanceType": "c7gn.medium",
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}},
                {"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 10, "VolumeType": "io2"}},
            ],
        },
        [],
        ["R: EC2 c7gn.medium", "R: size of the EBS volume /dev/sdf", "R: EBS io2 storage"],
    ),
    "ec2 type unresolved": (
        "AWS::EC2::Instance",
        {"InstanceType": {"Ref": "InstanceType"}},
        [("8 GiB gp3 root volume (the image's default size)", 0.64)],
        ["R: EC2 instance of a type the template does not spell out"],
    ),
    "dynamodb provisioned, table and index": (
        "AWS::DynamoDB::Table",
        {
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": "5"},
            "GlobalSecondaryIndexes": [
                {"ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 1}}
            ],
        },
        [("15 read and 6 write capacity units", round((0.00013 * 15 + 0.00065 * 6) * 730, 2))],
        [],
    ),
    "dynamodb on demand bills by usage": (
        "AWS::DynamoDB::Table",
        {"BillingMode": "PAY_PER_REQUEST"},
        [],
        [],
    ),
    "dynamodb capacity unresolved": (
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": {"Ref": "R"}},
        },
        [],
        ["R: DynamoDB provisioned capacity the template does not spell out"],
    ),
    "dynamodb infrequent access class": (
        "AWS::DynamoDB::Table",
        {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
        [],
        ["R: DynamoDB provisioned capacity of the STANDARD_INFREQUENT_ACCESS table class"],
    ),
    "lambda alias with provisioned concurrency": (
        "AWS::Lambda::Alias",
        {"ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 4}},
        [],
        ["R: Lambda provisioned concurrency (4 executions)"],
    ),
    "lambda version without provisioned concurrency is free": (
        "AWS::Lambda::Version",
        {},
        [],
        [],
    ),
    "advanced ssm parameter": (
        "AWS::SSM::Parameter",
        {"Tier": "Advanced"},
        [],
        ["R: SSM parameter of the Advanced tier"],
    ),
    "standard ssm parameter is free": ("AWS::SSM::Parameter", {"Type": "String"}, [], []),
    "codepipeline v1": (
        "AWS::CodePipeline::Pipeline",
        {},
        [("V1 pipeline (once active)", 1.0)],
        [],
    ),
    "codepipeline v2 bills by usage": (
        "AWS::CodePipeline::Pipeline",
        {"PipelineType": "V2"},
        [],
        [],
    ),
    "internet-facing alb in two subnets": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Scheme": "internet-facing", "Subnets": [{"Ref": "A"}, {"Ref": "B"}]},
        [
            ("Application Load Balancer hours", round(0.0225 * 730, 2)),
            ("1 LCU baseline (assumed; capacity units beyond it bill by usage)", 5.84),
            ("2 public IPv4 address(es), one per subnet", 7.3),
        ],
        [],
    ),
    "internal alb has no public address": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Scheme": "internal", "Type": "application", "Subnets": ["a", "b", "c"]},
        [
            ("Application Load Balancer hours", round(0.0225 * 730, 2)),
            ("1 LCU baseline (assumed; capacity units beyond it bill by usage)", 5.84),
        ],
        [],
    ),
    "alb on subnet mappings, scheme by default": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"SubnetMappings": [{"SubnetId": "a"}, {"SubnetId": "b"}, {"SubnetId": "c"}]},
        [
            ("Application Load Balancer hours", round(0.0225 * 730, 2)),
            ("1 LCU baseline (assumed; capacity units beyond it bill by usage)", 5.84),
            ("3 public IPv4 address(es), one per subnet", 10.95),
        ],
        [],
    ),
    "dual-stack alb without public ipv4": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"IpAddressType": "dualstack-without-public-ipv4", "Subnets": ["a", "b"]},
        [
            ("Application Load Balancer hours", round(0.0225 * 730, 2)),
            ("1 LCU baseline (assumed; capacity units beyond it bill by usage)", 5.84),
        ],
        [],
    ),
    "internet-facing alb in subnets the template does not list": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": {"Ref": "SubnetIds"}},
        [
            ("Application Load Balancer hours", round(0.0225 * 730, 2)),
            ("1 LCU baseline (assumed; capacity units beyond it bill by usage)", 5.84),
        ],
        [
            "R: public IPv4 addresses of an internet-facing load balancer in subnets the "
            "template does not list"
        ],
    ),
    "network load balancer is not priced": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Type": "network", "Scheme": "internal"},
        [],
        ["R: network load balancer hours and capacity units"],
    ),
    "fargate service of a task definition not in the template": (
        "AWS::ECS::Service",
        {"LaunchType": "FARGATE", "TaskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/a:1"},
        [],
        ["R: Fargate tasks of a task definition not in this template"],
    ),
    "service on ec2 capacity bills as its instances": (
        "AWS::ECS::Service",
        {"LaunchType": "EC2", "TaskDefinition": {"Ref": "Task"}},
        [],
        [],
    ),
}


@pytest.mark.parametrize("case", PRICED)
def test_each_pricer(case: str) -> None:
    resource_type, properties, lines, unknown = PRICED[case]
    template = {"Resources": {"R": {"Type": resource_type, "Properties": properties}}}
    cost = estimate_template(template)
    assert [(line.what, line.monthly) for line in cost.lines] == lines
    assert {line.resource_type for line in cost.lines} <= {resource_type}
    assert {line.logical_id for line in cost.lines} <= {"R"}
    assert cost.unknown == unknown
    usage = not lines and not unknown and resource_type in price_table()["usage_based"]
    assert cost.unpriced == ({resource_type: 1} if usage else {})
    assert (cost.fixed_not_priced, cost.unrecognized) == ({}, {})
    assert cost.complete is (not unknown)


def test_every_pricer_has_a_case() -> None:
    assert set(PRICERS) <= {resource_type for resource_type, *_ in PRICED.values()}


def unread_entries(table: dict[str, Any]) -> list[str]:
    """The entries of price sections (``hourly.nat_gateway``) that no pricer declares it reads."""
    entries = [
        f"{section}.{name}"
        for section, values in table.items()
        if isinstance(values, dict) and section not in TYPE_LISTS
        for name in values
    ]
    reads = [pattern for pricer in PRICERS.values() for pattern in pricer.reads]
    return [entry for entry in entries if not any(fnmatchcase(entry, p) for p in reads)]


def test_every_price_entry_has_a_pricer() -> None:
    """A price added to prices.json without a pricer (in PRICERS) that reads it fails here."""
    assert unread_entries(price_table()) == []
    with_new_price = {**price_table(), "monthly": {**price_table()["monthly"], "new_thing": 1.0}}
    assert unread_entries(with_new_price) == ["monthly.new_thing"]


def test_every_declared_read_is_in_the_table() -> None:
    table = price_table()
    entries = [
        f"{s}.{n}" for s, values in table.items() if isinstance(values, dict) for n in values
    ]
    for resource_type, pricer in PRICERS.items():
        for pattern in pricer.reads:
            assert any(fnmatchcase(e, pattern) for e in entries), (resource_type, pattern)


TYPE_LISTS = ("usage_based", "fixed_not_priced", "free")
"""The table's lists of resource types that no pricer prices (or not always)."""


def test_the_type_lists_hold_resource_types_each_in_one_list() -> None:
    """Billed by usage (some also priced), a fixed charge not priced yet, or free: one each."""
    table = price_table()
    for name in TYPE_LISTS:
        kinds = list(table[name])
        assert kinds, name
        assert all(kind.startswith("AWS::") and kind.count("::") == 2 for kind in kinds), name
        assert len(set(kinds)) == len(kinds), name
    for name in ("usage_based", "fixed_not_priced"):
        assert all(isinstance(what, str) and what for what in table[name].values()), name
    usage, fixed, free = (set(table[name]) for name in TYPE_LISTS)
    assert usage & fixed == usage & free == fixed & free == set()
    assert set(PRICERS) & (fixed | free) == set(), "a priced type is not also listed unpriced"


def fargate(
    service: dict[str, Any], task: dict[str, Any], target: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A template of an ECS service (``Svc``), its task definition (``Task``) and, if given,
    a scalable target of its desired count."""
    resources = {
        "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": task},
        "Svc": {
            "Type": "AWS::ECS::Service",
            "Properties": {"TaskDefinition": {"Ref": "Task"}, **service},
        },
    }
    if target is not None:
        resources["Target"] = {
            "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
            "Properties": {
                "ScalableDimension": "ecs:service:DesiredCount",
                "ServiceNamespace": "ecs",
                "ResourceId": {
                    "Fn::Join": [
                        "",
                        ["service/", {"Ref": "C"}, "/", {"Fn::GetAtt": ["Svc", "Name"]}],
                    ]
                },
                "MaxCapacity": 10,
                **target,
            },
        }
    return {"Resources": resources}


ARM_HALF = {"Cpu": "512", "Memory": "1024", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}
X86_QUARTER = {"Cpu": 256, "Memory": "512"}
ARM_VCPU, ARM_GB, X86_VCPU, X86_GB = 0.03238, 0.00356, 0.04048, 0.004445

# The service's properties, its task definition's, its scalable target's (or None): the lines
# of Svc as (what, monthly), and what is reported as not in the table.
SERVICES: dict[
    str,
    tuple[
        dict[str, Any], dict[str, Any], dict[str, Any] | None, list[tuple[str, float]], list[str]
    ],
] = {
    "arm64, the autoscaling minimum, not the desired count": (
        {"LaunchType": "FARGATE", "DesiredCount": 5},
        ARM_HALF,
        {"MinCapacity": 2},
        [
            (
                "Fargate vCPU hours of 2 x 0.5 vCPU 1 GB ARM64 Linux task(s)",
                round(ARM_VCPU * 0.5 * 730 * 2, 2),
            ),
            (
                "Fargate GB hours of 2 x 0.5 vCPU 1 GB ARM64 Linux task(s)",
                round(ARM_GB * 730 * 2, 2),
            ),
        ],
        [],
    ),
    "x86_64 by default, the desired count without scaling": (
        {"LaunchType": "FARGATE", "DesiredCount": "3"},
        X86_QUARTER,
        None,
        [
            (
                "Fargate vCPU hours of 3 x 0.25 vCPU 0.5 GB X86_64 Linux task(s)",
                round(X86_VCPU * 0.25 * 730 * 3, 2),
            ),
            (
                "Fargate GB hours of 3 x 0.25 vCPU 0.5 GB X86_64 Linux task(s)",
                round(X86_GB * 0.5 * 730 * 3, 2),
            ),
        ],
        [],
    ),
    "one task when the desired count is left out, sizes in words, ephemeral storage": (
        {"CapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Weight": 1}]},
        {"Cpu": "1 vCPU", "Memory": "2 GB", "EphemeralStorage": {"SizeInGiB": 50}},
        None,
        [
            (
                "Fargate vCPU hours of 1 x 1 vCPU 2 GB X86_64 Linux task(s)",
                round(X86_VCPU * 730, 2),
            ),
            (
                "Fargate GB hours of 1 x 1 vCPU 2 GB X86_64 Linux task(s)",
                round(X86_GB * 2 * 730, 2),
            ),
            (
                "30 GiB of ephemeral storage beyond the free 20 per task",
                round(0.000111 * 30 * 730, 2),
            ),
        ],
        [],
    ),
    "a scalable target of another dimension does not count": (
        {"LaunchType": "FARGATE", "DesiredCount": 1},
        X86_QUARTER,
        {"MinCapacity": 4, "ScalableDimension": "ecs:service:Other"},
        [
            (
                "Fargate vCPU hours of 1 x 0.25 vCPU 0.5 GB X86_64 Linux task(s)",
                round(X86_VCPU * 0.25 * 730, 2),
            ),
            (
                "Fargate GB hours of 1 x 0.25 vCPU 0.5 GB X86_64 Linux task(s)",
                round(X86_GB * 0.5 * 730, 2),
            ),
        ],
        [],
    ),
    "a minimum the template does not spell out": (
        {"LaunchType": "FARGATE"},
        ARM_HALF,
        {"MinCapacity": {"Ref": "Min"}},
        [],
        ["Svc: the number of always-on Fargate tasks the template does not spell out"],
    ),
    "cpu the template does not spell out": (
        {"LaunchType": "FARGATE"},
        {"Cpu": {"Ref": "Cpu"}, "Memory": "512"},
        None,
        [],
        ["Svc: Fargate task CPU and memory the template does not spell out"],
    ),
    "windows": (
        {"LaunchType": "FARGATE"},
        {**X86_QUARTER, "RuntimePlatform": {"OperatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}},
        None,
        [],
        ["Svc: Fargate tasks on WINDOWS_SERVER_2022_CORE"],
    ),
    "fargate spot": (
        {
            "CapacityProviderStrategy": [
                {"CapacityProvider": "FARGATE", "Base": 1},
                {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
            ]
        },
        X86_QUARTER,
        None,
        [],
        ["Svc: ECS tasks on the capacity providers FARGATE, FARGATE_SPOT"],
    ),
    "no launch type: the cluster's default decides": (
        {},
        X86_QUARTER,
        None,
        [],
        [
            "Svc: ECS service without a launch type or capacity provider strategy (the "
            "cluster's default decides where its tasks run)"
        ],
    ),
}


@pytest.mark.parametrize("case", SERVICES)
def test_an_ecs_services_always_on_fargate_tasks(case: str) -> None:
    service, task, target, lines, unknown = SERVICES[case]
    cost = estimate_template(fargate(service, task, target))
    assert [(line.what, line.monthly) for line in cost.lines if line.logical_id == "Svc"] == lines
    assert cost.unknown == unknown
    assert cost.complete is (not unknown)


@pytest.fixture(scope="module")
def container_service() -> dict[str, Any]:
    """The container service of ``tests/tooling/container_service_app.py``, synthesized."""
    from tests.tooling.container_service_app import container_service_template

    return container_service_template()


def test_a_load_balanced_fargate_service_is_priced_whole(container_service: dict[str, Any]) -> None:
    """The load balancer (hours, a baseline LCU, a public IPv4 address per subnet) and the
    autoscaling minimum of Fargate tasks (ARM64, 0.5 vCPU and 1 GB, from the task definition
    the service refers to) are priced; the estimate is complete."""
    cost = estimate_template(container_service, stack="Web", stage="dev")
    by_type: dict[str, float] = defaultdict(float)
    for line in cost.lines:
        by_type[line.resource_type] += line.monthly
    assert round(by_type["AWS::ElasticLoadBalancingV2::LoadBalancer"], 2) == round(
        round(0.0225 * 730, 2) + 5.84 + 7.3, 2
    )
    assert round(by_type["AWS::ECS::Service"], 2) == round(
        round(ARM_VCPU * 0.5 * 730 * 2, 2) + round(ARM_GB * 730 * 2, 2), 2
    )
    assert (cost.unknown, cost.fixed_not_priced, cost.unrecognized) == ([], {}, {})
    assert cost.complete is True
    text = render_estimate([Estimate([cost])])
    assert "Incomplete" not in text
    assert "Fargate vCPU hours of 2 x 0.5 vCPU 1 GB ARM64 Linux task(s)" in text
    assert "2 public IPv4 address(es), one per subnet" in text
    assert "1 LCU baseline (assumed; capacity units beyond it bill by usage)" in text


def test_each_stage_is_priced_with_its_own_minimum_and_architecture() -> None:
    from tests.tooling.container_service_app import container_service_template

    dev = estimate_template(
        container_service_template(min_capacity=1), stack="Web-dev", stage="dev"
    )
    production = estimate_template(
        container_service_template(min_capacity=3, architecture="X86_64"),
        stack="Web-production",
        stage="production",
    )

    def tasks(cost: StackCost) -> float:
        return round(
            sum(c.monthly for c in cost.lines if c.resource_type == "AWS::ECS::Service"), 2
        )

    assert tasks(dev) == round(round(ARM_VCPU * 0.5 * 730, 2) + round(ARM_GB * 730, 2), 2)
    assert tasks(production) == round(
        round(X86_VCPU * 0.5 * 730 * 3, 2) + round(X86_GB * 730 * 3, 2), 2
    )
    totals = Estimate([dev, production]).by_stage()
    assert totals["production"] - totals["dev"] == pytest.approx(
        tasks(production) - tasks(dev), abs=0.011
    )


def test_a_type_the_table_does_not_know_is_counted_never_dropped() -> None:
    template = {
        "Resources": {
            "A": {"Type": "AWS::NewService::Thing"},
            "B": {"Type": "AWS::NewService::Thing"},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
            "Provider": {"Type": "Custom::VpcRestrictDefaultSG", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        }
    }
    cost = estimate_template(template, stack="S", stage="dev")
    assert cost.unrecognized == {"AWS::NewService::Thing": 2}
    assert cost.unpriced == {"AWS::Lambda::Function": 1}
    assert (cost.lines, cost.fixed_not_priced, cost.complete) == ([], {}, False)
    text = render_estimate([Estimate([cost])])
    assert (
        "Not priced (types the price table does not know, left out of the totals):\n"
        "  2 x AWS::NewService::Thing: not in the price table: its charges are unknown"
    ) in text
    for free in ("AWS::IAM::Role", "AWS::EC2::SecurityGroup", "Custom::"):
        assert free not in text
    report = json.loads(render_estimate([Estimate([cost])], as_json=True))
    assert report["not_priced"] == [
        {
            "type": "AWS::Lambda::Function",
            "count": 1,
            "billing": "usage",
            "what": "requests and GB-seconds",
        },
        {
            "type": "AWS::NewService::Thing",
            "count": 2,
            "billing": "unknown",
            "what": "not in the price table: its charges are unknown",
        },
    ]


def test_an_estimate_with_only_usage_left_out_is_complete() -> None:
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}
    cost = estimate_template(template)
    assert cost.complete is True
    text = render_estimate([Estimate([cost])])
    assert "Incomplete" not in text
    assert json.loads(render_estimate([Estimate([cost])], as_json=True))["complete"] is True


def snapshot_resource_types() -> set[str]:
    """Every resource type in the templates the tests snapshot (each construct's defaults and
    options)."""
    kinds: set[str] = set()
    for path in ROOT.glob("tests/**/__snapshots__/**/*.json"):
        template = json.loads(path.read_text())
        resources = template.get("Resources") if isinstance(template, dict) else None
        for resource in (resources or {}).values():
            kinds.add(resource["Type"])
    return kinds


def test_every_type_the_constructs_make_is_classified() -> None:
    """A construct that makes a new resource type fails here until the table prices it, or
    lists it as billed by usage, with a fixed charge not priced, or free."""
    kinds = snapshot_resource_types()
    assert {"AWS::S3::Bucket", "AWS::IAM::Role", "AWS::EC2::NatGateway"} <= kinds
    template = {"Resources": {f"R{i}": {"Type": kind} for i, kind in enumerate(sorted(kinds))}}
    assert estimate_template(template).unrecognized == {}


# ----------------------------------------------------------------------- the command line


def assembly_of(folder: Path, template: dict[str, Any]) -> Path:
    """A cloud assembly of one stack of stage dev holding ``template``."""
    folder.mkdir()
    artifact = {
        "type": "aws:cloudformation:stack",
        "environment": "aws://111111111111/us-east-1",
        "properties": {"templateFile": "S-dev.template.json", "tags": {"Environment": "dev"}},
    }
    (folder / "S-dev.template.json").write_text(json.dumps(template))
    (folder / "manifest.json").write_text(
        json.dumps({"version": "48.0.0", "artifacts": {"S-dev": artifact}})
    )
    return folder


INCOMPLETE = {
    "a fixed charge not priced": (
        {"Eks": {"Type": "AWS::EKS::Cluster"}},
        "1 x AWS::EKS::Cluster",
    ),
    "a type the table does not know": (
        {"X": {"Type": "AWS::NewService::Thing"}},
        "1 x AWS::NewService::Thing",
    ),
    "a price not in the table": (
        {
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"Engine": "postgres", "DBInstanceClass": "db.x2g.16xlarge"},
            }
        },
        "1 price(s) not in the table",
    ),
}


@pytest.mark.parametrize("case", INCOMPLETE)
def test_an_incomplete_estimate_exits_3_unless_allowed(case: str, tmp_path: Path) -> None:
    resources, named = INCOMPLETE[case]
    assembly = str(assembly_of(tmp_path / "cdk.out", {"Resources": resources}))
    result = org_cdk_in_process("cost", "--assembly", assembly, "--format", "json")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["complete"] is False
    assert f"incomplete estimate: the totals leave out {named}" in result.stderr
    assert "--allow-unpriced" in result.stderr
    allowed = org_cdk_in_process("cost", "--assembly", assembly, "--allow-unpriced")
    assert allowed.exit_code == 0, allowed.output
    assert f"Incomplete estimate: the totals leave out {named}." in allowed.stdout
    assert "(--allow-unpriced: exit 0)" in allowed.stderr


def test_a_complete_estimate_exits_0(tmp_path: Path) -> None:
    resources = {"Nat": {"Type": "AWS::EC2::NatGateway"}, "Fn": {"Type": "AWS::Lambda::Function"}}
    assembly = str(assembly_of(tmp_path / "cdk.out", {"Resources": resources}))
    result = org_cdk_in_process("cost", "--assembly", assembly)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Not priced (billed by usage):\n  1 x AWS::Lambda::Function" in result.stdout


def test_a_pricer_reads_only_the_entries_it_declares() -> None:
    prices = Prices(price_table(), ("hourly.nat_gateway",))
    assert prices["hourly.nat_gateway"] == 0.045
    with pytest.raises(PriceTableError, match=r"'monthly\.dashboard' but declares only"):
        prices.get("monthly.dashboard")
    with pytest.raises(PriceTableError, match=r"no entry 'hourly\.nat_gateway_v2'"):
        Prices(price_table(), ("hourly.*",))["hourly.nat_gateway_v2"]


def test_a_resource_its_pricer_leaves_unpriced_can_be_usage_based(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = {**price_table(), "usage_based": {"AWS::ApiGateway::Stage": "requests"}}
    monkeypatch.setattr(_estimate, "price_table", lambda: table)
    template = {
        "Resources": {
            "Plain": {"Type": "AWS::ApiGateway::Stage", "Properties": {}},
            "Cached": {"Type": "AWS::ApiGateway::Stage", "Properties": {"CacheClusterEnabled": 1}},
        }
    }
    cost = estimate_template(template)
    assert [line.logical_id for line in cost.lines] == ["Cached"]
    assert cost.unpriced == {"AWS::ApiGateway::Stage": 1}


def test_a_t4g_nano_nat_instance_costs_its_hours_volume_and_address() -> None:
    """What ``StandardVpc(nat_instance_type="t4g.nano")`` synthesizes, priced: about 7.36 USD
    a month for the instance (and 0.10 for its recovery alarm), against 36.50 for a NAT
    gateway with its Elastic IP."""
    import aws_cdk as cdk

    from org_constructs import StandardVpc
    from org_constructs.testing import template_json

    def priced(**props: Any) -> dict[str, float]:
        stack = cdk.Stack(cdk.App(), "Nat")
        StandardVpc(stack, "Network", max_azs=1, nat_gateways=1, **props)
        cost = estimate_template(template_json(cdk.assertions.Template.from_stack(stack)))
        totals: dict[str, float] = {}
        for line in cost.lines:
            totals[line.resource_type] = round(totals.get(line.resource_type, 0) + line.monthly, 2)
        assert cost.unknown == []
        return totals

    instance = priced(nat_instance_type="t4g.nano")
    assert instance["AWS::EC2::Instance"] == 7.36
    assert instance["AWS::CloudWatch::Alarm"] == 0.1
    assert "AWS::EC2::NatGateway" not in instance
    gateway = priced()
    assert round(gateway["AWS::EC2::NatGateway"] + gateway["AWS::EC2::EIP"], 2) == 36.5
    assert "AWS::EC2::Instance" not in gateway
