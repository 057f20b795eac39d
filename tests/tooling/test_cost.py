"""org-cdk cost: fixed monthly prices from the shipped table; usage-based charges named."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from org_constructs.tooling.cost import _estimate, estimate_template, price_table
from org_constructs.tooling.cost._estimate import PRICERS, Prices, PriceTableError


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
    assert cost.unpriced == {}


def test_every_pricer_has_a_case() -> None:
    assert set(PRICERS) <= {resource_type for resource_type, *_ in PRICED.values()}


def unread_entries(table: dict[str, Any]) -> list[str]:
    """The entries of price sections (``hourly.nat_gateway``) that no pricer declares it reads."""
    entries = [
        f"{section}.{name}"
        for section, values in table.items()
        if isinstance(values, dict) and section != "usage_based"
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


def test_usage_based_types_are_resource_types() -> None:
    """The table's other resource types: billed by usage (some also priced), or free."""
    usage = price_table()["usage_based"]
    assert all(kind.startswith("AWS::") and kind.count("::") == 2 for kind in usage)
    assert all(isinstance(what, str) and what for what in usage.values())


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
