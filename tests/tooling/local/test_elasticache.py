"""The emulator's ElastiCache handlers, in-process (``moto.mock_aws`` with the emulator's
handlers and fixes): subnet groups, users whose passwords come from Secrets Manager, user
groups (recorded by the handler: moto has none) and replication groups with their endpoint
attributes, each made, updated and deleted through CloudFormation and read back through
ElastiCache's API; and what the deploy report says of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from moto.elasticache.models import elasticache_backends

from org_constructs.tooling.local._handlers._elasticache import user_groups
from tests.tooling.local.conftest import ACCOUNT, REGION, Client, Resources
from tests.tooling.local.test_handlers import Stack, get_att, ref
from tests.tooling.local.test_patches import ChangeSetStack
from tests.tooling.local.test_report import deployed, report_of

PASSWORD_REFERENCE = {
    "Fn::Join": [
        "",
        ["{{resolve:secretsmanager:", ref("Secret"), ":SecretString:password::}}"],
    ]
}


def user(user_id: str, name: str, access: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ElastiCache::User",
        "Properties": {
            "UserId": user_id,
            "UserName": name,
            "Engine": "valkey",
            "AccessString": access,
            "AuthenticationMode": {"Type": "password", "Passwords": [PASSWORD_REFERENCE]},
        },
    }


def cache(
    description: str = "sessions",
    access: str = "on ~* +@all -@dangerous",
    *,
    replication_group: dict[str, Any] | None = None,
) -> Resources:
    """What SecureCache declares: a secret, two users (the default one off), their group, a
    subnet group of two subnets, a security group and the replication group."""

    def subnet(cidr: str, zone: str) -> dict[str, Any]:
        return {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": ref("Vpc"), "CidrBlock": cidr, "AvailabilityZone": zone},
        }

    return {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "SubnetA": subnet("10.0.1.0/24", "us-east-1a"),
        "SubnetB": subnet("10.0.2.0/24", "us-east-1b"),
        "Group": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "cache", "VpcId": ref("Vpc")},
        },
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "GenerateSecretString": {
                    "ExcludePunctuation": True,
                    "GenerateStringKey": "password",
                    "PasswordLength": 64,
                    "SecretStringTemplate": '{"username": "app"}',
                }
            },
        },
        "AppUser": user("sessions-user", "app", access),
        "DefaultUser": user("sessions-default", "default", "off -@all"),
        "Users": {
            "Type": "AWS::ElastiCache::UserGroup",
            "Properties": {
                "UserGroupId": "sessions-users",
                "Engine": "valkey",
                "UserIds": [ref("AppUser"), ref("DefaultUser")],
            },
        },
        "Subnets": {
            "Type": "AWS::ElastiCache::SubnetGroup",
            "Properties": {
                "CacheSubnetGroupName": "Sessions",
                "Description": "the isolated subnets",
                "SubnetIds": [ref("SubnetA"), ref("SubnetB")],
                "Tags": [{"Key": "Service", "Value": "sessions"}],
            },
        },
        "Cache": {
            "Type": "AWS::ElastiCache::ReplicationGroup",
            "Properties": replication_group
            or {
                "ReplicationGroupId": "sessions",
                "ReplicationGroupDescription": description,
                "Engine": "valkey",
                "EngineVersion": "8.0",
                "CacheNodeType": "cache.t4g.micro",
                "NumCacheClusters": 2,
                "AutomaticFailoverEnabled": True,
                "MultiAZEnabled": True,
                "Port": 6380,
                "CacheSubnetGroupName": ref("Subnets"),
                "SecurityGroupIds": [get_att("Group", "GroupId")],
                "AtRestEncryptionEnabled": True,
                "TransitEncryptionEnabled": True,
                "TransitEncryptionMode": "required",
                "SnapshotRetentionLimit": 1,
                "UserGroupIds": [ref("Users")],
            },
        },
    }


OUTPUTS = {
    "Primary": get_att("Cache", "PrimaryEndPoint.Address"),
    "PrimaryPort": get_att("Cache", "PrimaryEndPoint.Port"),
    "Reader": get_att("Cache", "ReaderEndPoint.Address"),
    "ReaderPort": get_att("Cache", "ReaderEndPoint.Port"),
    "Nodes": get_att("Cache", "ReadEndPoint.Addresses"),
    "Ports": get_att("Cache", "ReadEndPoint.Ports"),
    "UserArn": get_att("AppUser", "Arn"),
    "UsersArn": get_att("Users", "Arn"),
    "UsersId": ref("Users"),
}


def backend() -> Any:
    return elasticache_backends[ACCOUNT][REGION]


class TestCache:
    def test_a_cache_is_made_with_its_users_updated_in_place_and_deleted(self, aws: Client) -> None:
        stack, elasticache = Stack(aws), aws("elasticache")
        stack.create(cache(), OUTPUTS)
        ids = stack.ids()
        assert (ids["Subnets"], ids["Cache"], ids["AppUser"], ids["Users"]) == (
            "sessions",
            "sessions",
            "sessions-user",
            "sessions-users",
        )

        (subnets,) = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName="sessions")[
            "CacheSubnetGroups"
        ]
        assert subnets["VpcId"] == ids["Vpc"]
        assert sorted(s["SubnetIdentifier"] for s in subnets["Subnets"]) == sorted(
            [ids["SubnetA"], ids["SubnetB"]]
        )

        (app,) = elasticache.describe_users(UserId="sessions-user")["Users"]
        assert (app["UserName"], app["Engine"], app["AccessString"]) == (
            "app",
            "valkey",
            "on ~* +@all -@dangerous",
        )
        assert app["Authentication"] == {"Type": "password", "PasswordCount": 1}
        secret = json.loads(
            aws("secretsmanager").get_secret_value(SecretId=ids["Secret"])["SecretString"]
        )
        # The dynamic reference is resolved from Secrets Manager, as CloudFormation does.
        assert backend().users["sessions-user"].passwords == [secret["password"]]
        assert backend().users["sessions-default"].user_group_ids == ["sessions-users"]
        assert user_groups(ACCOUNT, REGION)["sessions-users"]["UserIds"] == [
            "sessions-user",
            "sessions-default",
        ]

        (group,) = elasticache.describe_replication_groups(ReplicationGroupId="sessions")[
            "ReplicationGroups"
        ]
        assert group["CacheNodeType"] == "cache.t4g.micro"
        assert len(group["MemberClusters"]) == 2, "NumCacheClusters: a primary and a replica"
        assert group["AtRestEncryptionEnabled"]
        assert group["TransitEncryptionEnabled"]
        assert group["AutomaticFailover"] == "enabled"
        assert group["UserGroupIds"] == ["sessions-users"]
        (nodes,) = group["NodeGroups"]
        outputs = stack.outputs()
        assert outputs["Primary"] == nodes["PrimaryEndpoint"]["Address"]
        assert outputs["Primary"].startswith("master.sessions.")
        # moto's DescribeReplicationGroups shows no reader endpoint: the same domain's replica.
        assert outputs["Reader"] == outputs["Primary"].replace("master.", "replica.", 1)
        assert (outputs["PrimaryPort"], outputs["ReaderPort"], outputs["Ports"]) == (
            "6380",
            "6380",
            "6380,6380",
        )
        assert outputs["Nodes"].split(",") == [
            m["ReadEndpoint"]["Address"] for m in nodes["NodeGroupMembers"]
        ]
        assert outputs["UserArn"] == app["ARN"]
        assert outputs["UsersArn"] == (
            f"arn:aws:elasticache:{REGION}:{ACCOUNT}:usergroup:sessions-users"
        )
        assert outputs["UsersId"] == "sessions-users"

        stack.update(cache(description="the sessions", access="on ~s:* +@all"), OUTPUTS)
        (group,) = elasticache.describe_replication_groups(ReplicationGroupId="sessions")[
            "ReplicationGroups"
        ]
        assert group["Description"] == "the sessions"
        assert stack.outputs()["Primary"] == outputs["Primary"], "updated, not replaced"
        (app,) = elasticache.describe_users(UserId="sessions-user")["Users"]
        assert app["AccessString"] == "on ~s:* +@all"

        stack.delete()
        assert elasticache.describe_replication_groups()["ReplicationGroups"] == []
        assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
        assert [u["UserId"] for u in elasticache.describe_users()["Users"]] == ["default"]
        assert user_groups(ACCOUNT, REGION) == {}

    def test_a_cluster_mode_group_answers_its_configuration_endpoint(self, aws: Client) -> None:
        clustered = {
            "ReplicationGroupId": "shards",
            "ReplicationGroupDescription": "shards",
            "Engine": "valkey",
            "CacheNodeType": "cache.t4g.micro",
            "ClusterMode": "enabled",
            "NumNodeGroups": 2,
            "ReplicasPerNodeGroup": 1,
            "CacheSubnetGroupName": ref("Subnets"),
        }
        stack = Stack(aws)
        stack.create(
            cache(replication_group=clustered),
            {
                "Address": get_att("Cache", "ConfigurationEndPoint.Address"),
                "Port": get_att("Cache", "ConfigurationEndPoint.Port"),
            },
        )
        (group,) = aws("elasticache").describe_replication_groups(ReplicationGroupId="shards")[
            "ReplicationGroups"
        ]
        assert stack.outputs() == {
            "Address": group["ConfigurationEndpoint"]["Address"],
            "Port": "6379",
        }
        assert len(group["MemberClusters"]) == 4


class TestRefused:
    """What CloudFormation refuses fails the resource: no value is made up."""

    @pytest.mark.parametrize(
        "attribute",
        ["ConfigurationEndPoint.Address", "PrimaryEndPoint", "Endpoint.Address", "Arn"],
    )
    def test_an_attribute_the_group_does_not_have_fails(self, aws: Client, attribute: str) -> None:
        stack = ChangeSetStack(aws, "refused")
        assert stack.deploy(cache(), {"Value": get_att("Cache", attribute)}) != "CREATE_COMPLETE"

    def test_a_primary_endpoint_of_a_cluster_mode_group_fails(self, aws: Client) -> None:
        clustered = {
            "ReplicationGroupDescription": "shards",
            "CacheNodeType": "cache.t4g.micro",
            "ClusterMode": "enabled",
            "NumNodeGroups": 2,
        }
        stack = ChangeSetStack(aws, "refused")
        outputs = {"Value": get_att("Cache", "PrimaryEndPoint.Address")}
        assert stack.deploy(cache(replication_group=clustered), outputs) != "CREATE_COMPLETE"

    def test_a_user_group_of_an_unknown_user_fails(self, aws: Client) -> None:
        resources = cache()
        resources["Users"]["Properties"]["UserIds"] = [ref("AppUser"), "nobody"]
        stack = ChangeSetStack(aws, "refused")
        assert stack.deploy(resources) == "CREATE_FAILED"
        assert any(
            name == "Users" and "nobody" in reason for name, _, reason in stack.failed_events()
        )

    def test_a_password_from_a_secret_that_does_not_exist_fails(self, aws: Client) -> None:
        resources = cache()
        missing = "{{resolve:secretsmanager:missing:SecretString:password::}}"
        resources["AppUser"]["Properties"]["AuthenticationMode"]["Passwords"] = [missing]
        stack = ChangeSetStack(aws, "refused")
        assert stack.deploy(resources) == "CREATE_FAILED"
        assert any(
            name == "AppUser" and "the secret cannot be read" in reason
            for name, _, reason in stack.failed_events()
        )

    def test_a_new_node_layout_is_refused_not_faked(self, aws: Client) -> None:
        stack = ChangeSetStack(aws, "refused")
        assert stack.deploy(cache()) == "CREATE_COMPLETE"
        resources = cache()
        resources["Cache"]["Properties"]["NumCacheClusters"] = 3
        assert stack.deploy(resources) == "UPDATE_FAILED"
        assert any("NumCacheClusters" in reason for _, _, reason in stack.failed_events())


def test_the_report_verifies_what_elasticache_lists_and_not_the_user_group(
    aws: Client, tmp_path: Path
) -> None:
    _, assembly = deployed(aws, tmp_path, cache(), {"Primary": OUTPUTS["Primary"]})
    report = report_of(assembly)
    assert report.complete, report.failure()
    text = report.text
    for line in (
        r"1 x AWS::ElastiCache::ReplicationGroup +created; DescribeReplicationGroups lists 1 of 1",
        r"1 x AWS::ElastiCache::SubnetGroup +created; DescribeCacheSubnetGroups lists 1 of 1",
        r"2 x AWS::ElastiCache::User +created; DescribeUsers lists 2 of 2",
        r"1 x AWS::ElastiCache::UserGroup +recorded, not verified \(moto has no ElastiCache "
        r"user groups\)",
    ):
        assert re.search(line, text), text
    assert (
        "recorded by the emulator's CloudFormation only, not verified (no service API shows "
        "them): 1 x AWS::ElastiCache::UserGroup (moto has no ElastiCache user groups)"
    ) in text
