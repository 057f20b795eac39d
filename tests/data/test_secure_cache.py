"""SecureCache: defaults per stage, serverless, validation, allow_from, the gate and ids."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Environment, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, Stage, StandardVpc, ValidationError
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.config import CacheConfig, CacheEngine
from org_constructs.contract import ACKNOWLEDGED, TEMPLATE_KEY
from org_constructs.data import SecureCache
from org_constructs.testing import find_resources, template_json, template_of
from tests.support import make_app

STAGES = [stage.value for stage in Stage]
CACHE, KEY, SECRET = "SessionsCacheF1DEE39A", "SessionsKey46625E21", "SessionsSecret887F45D4"
Build = Callable[[Stack, StandardVpc], SecureCache]

VPC_RULES = ("VPCNoUnrestrictedRouteToIGW",)
"""The StandardVpc's own findings outside its construct's acknowledgements (not the cache's)."""


def mine(path: str) -> bool:
    """A finding on what the cache creates (not on the VPC it is given)."""
    return "/Sessions" in path


class CacheStack(AbstractStack):
    """A stack holding a StandardVpc and the SecureCache ``build`` makes in it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, build: Build
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.network = StandardVpc(self, "Network")
        self.cache = self._build(self, self.network)


def default_cache(stack: Stack, vpc: StandardVpc) -> SecureCache:
    return SecureCache(stack, "Sessions", vpc=vpc)


def full_cache(stack: Stack, vpc: StandardVpc | None = None) -> SecureCache:
    """Every option of a replication group."""
    vpc = vpc or StandardVpc(stack, "Network")
    cache = SecureCache(
        stack,
        "Sessions",
        vpc=vpc,
        engine=CacheEngine.REDIS,
        version="7.1",
        node_type="cache.r7g.large",
        replicas=1,
        automatic_failover=True,
        multi_az=True,
        port=6390,
        snapshot_retention_days=20,
        snapshot_window="03:00-04:00",
        maintenance_window="sun:05:00-sun:06:00",
        parameters={"maxmemory-policy": "allkeys-lru"},
        user_name="orders",
        removal_policy=RemovalPolicy.RETAIN,
    )
    client = ec2.SecurityGroup(stack, "Clients", vpc=vpc.vpc, allow_all_outbound=False)
    cache.allow_from(client, "The orders service")
    return cache


def serverless_cache(stack: Stack, vpc: StandardVpc) -> SecureCache:
    return SecureCache(
        stack, "Sessions", vpc=vpc, serverless=True, max_data_storage_gb=5, max_ecpu_per_second=5000
    )


def token_cache(stack: Stack, vpc: StandardVpc) -> SecureCache:
    return SecureCache(stack, "Sessions", vpc=vpc, engine=CacheEngine.REDIS, auth_token=True)


VARIANTS: dict[str, tuple[str, Build]] = {
    "dev": ("dev", default_cache),
    "staging": ("staging", default_cache),
    "production": ("production", default_cache),
    "full": ("staging", full_cache),
    "serverless": ("production", serverless_cache),
    "auth-token": ("dev", token_cache),
}


@pytest.fixture(scope="module")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, CacheStack]:
    return {
        name: CacheStack(make_app(), f"Cache-{name}", config=environments[env], build=build)
        for name, (env, build) in VARIANTS.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, CacheStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


def group(template: Template) -> dict[str, Any]:
    found = find_resources(template, "AWS::ElastiCache::ReplicationGroup")
    assert list(found) == [CACHE]
    return found[CACHE]


class TestDefaults:
    @pytest.mark.parametrize("stage", STAGES)
    def test_valkey_encrypted_in_transit_and_at_rest_with_the_key(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        properties = group(templates[stage])["Properties"]
        assert properties["Engine"] == "valkey"
        assert properties["EngineVersion"] == "8.0"
        assert properties["TransitEncryptionEnabled"] is True
        assert properties["TransitEncryptionMode"] == "required"
        assert properties["AtRestEncryptionEnabled"] is True
        assert properties["KmsKeyId"] == {"Fn::GetAtt": [KEY, "Arn"]}
        assert properties["Port"] == 6380
        assert properties["AutoMinorVersionUpgrade"] is True
        keys = find_resources(templates[stage], "AWS::KMS::Key")
        assert keys[KEY]["Properties"]["EnableKeyRotation"] is True

    @pytest.mark.parametrize("stage", STAGES)
    def test_a_subnet_group_of_the_isolated_subnets(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        template = templates[stage]
        groups = find_resources(template, "AWS::ElastiCache::SubnetGroup")
        ((name, subnet_group),) = groups.items()
        assert group(template)["Properties"]["CacheSubnetGroupName"] == {"Ref": name}
        ids = [ref["Ref"] for ref in subnet_group["Properties"]["SubnetIds"]]
        assert ids
        assert all("IsolatedSubnet" in i for i in ids)

    EXPECTED: typing.ClassVar[dict[str, tuple[int, bool, int, str, str]]] = {
        "dev": (1, False, 1, "cache.t4g.micro", "Delete"),
        "staging": (2, True, 15, "cache.t4g.small", "Snapshot"),
        "production": (3, True, 30, "cache.m7g.large", "Snapshot"),
    }

    @pytest.mark.parametrize("stage", STAGES)
    def test_nodes_failover_and_snapshots_follow_the_stage(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        nodes, failover, retention, node_type, policy = self.EXPECTED[stage]
        resource = group(templates[stage])
        properties = resource["Properties"]
        config = CacheConfig.for_stage(stage)
        assert properties["NumCacheClusters"] == nodes == config.replicas + 1
        assert properties["AutomaticFailoverEnabled"] is failover
        assert properties["MultiAZEnabled"] is failover
        assert properties["SnapshotRetentionLimit"] == retention
        assert properties["CacheNodeType"] == node_type
        assert resource["DeletionPolicy"] == policy
        assert resource["UpdateReplacePolicy"] == policy

    @pytest.mark.parametrize("stage", STAGES)
    def test_rbac_users_with_the_password_in_the_secret(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        template = templates[stage]
        users = find_resources(template, "AWS::ElastiCache::User")
        by_name = {u["Properties"]["UserName"]: u["Properties"] for u in users.values()}
        assert by_name["app"]["AccessString"] == "on ~* +@all -@dangerous"
        assert by_name["default"]["AccessString"] == "off -@all"
        password = by_name["app"]["AuthenticationMode"]["Passwords"][0]
        assert {"Ref": SECRET} in password["Fn::Join"][1]
        ((name, user_group),) = find_resources(template, "AWS::ElastiCache::UserGroup").items()
        assert group(template)["Properties"]["UserGroupIds"] == [{"Ref": name}]
        assert "AuthToken" not in group(template)["Properties"]
        secret = find_resources(template, "AWS::SecretsManager::Secret")[SECRET]["Properties"]
        assert secret["KmsKeyId"] == {"Fn::GetAtt": [KEY, "Arn"]}
        assert user_group["Properties"]["Engine"] == "valkey"

    def test_no_ingress_until_allow_from(self, templates: dict[str, Template]) -> None:
        groups = find_resources(templates["dev"], "AWS::EC2::SecurityGroup")
        own = next(g for n, g in groups.items() if n.startswith("SessionsSecurityGroup"))
        assert "SecurityGroupIngress" not in own["Properties"]
        assert find_resources(templates["dev"], "AWS::EC2::SecurityGroupIngress") == {}

    def test_attributes(self, stacks: dict[str, CacheStack]) -> None:
        cache = stacks["production"].cache
        assert cache.port == 6380
        assert cache.cache_id == "cache-production-sessions"
        assert cache.node_ids == [f"cache-production-sessions-00{n}" for n in (1, 2, 3)]
        assert cache.engine is CacheEngine.VALKEY
        assert cache.engine_version == "8.0"
        assert cache.replicas == 2
        assert cache.user_name == "app"
        assert isinstance(cache.connections, ec2.Connections)
        assert cdk.Token.is_unresolved(cache.endpoint_address)
        assert cache.replication_group is not None
        assert cache.serverless_cache is None

    def test_outside_an_abstract_stack_the_production_defaults(self) -> None:
        stack = Stack(make_app(), "Plain")
        SecureCache(stack, "Sessions", vpc=StandardVpc(stack, "Network"))
        properties = group(Template.from_stack(stack))["Properties"]
        assert properties["NumCacheClusters"] == 3
        assert properties["SnapshotRetentionLimit"] == 30


class TestOptions:
    def test_every_option_reaches_the_template(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        resource = group(template)
        properties = resource["Properties"]
        assert (properties["Engine"], properties["EngineVersion"]) == ("redis", "7.1")
        assert properties["CacheNodeType"] == "cache.r7g.large"
        assert properties["NumCacheClusters"] == 2
        assert properties["Port"] == 6390
        assert properties["SnapshotRetentionLimit"] == 20
        assert properties["SnapshotWindow"] == "03:00-04:00"
        assert properties["PreferredMaintenanceWindow"] == "sun:05:00-sun:06:00"
        assert resource["DeletionPolicy"] == "Retain"
        ((name, parameters),) = find_resources(template, "AWS::ElastiCache::ParameterGroup").items()
        assert properties["CacheParameterGroupName"] == {"Ref": name}
        assert parameters["Properties"]["CacheParameterGroupFamily"] == "redis7"
        assert parameters["Properties"]["Properties"] == {"maxmemory-policy": "allkeys-lru"}

    def test_allow_from_opens_the_cache_port_only(self, templates: dict[str, Template]) -> None:
        rules = find_resources(templates["full"], "AWS::EC2::SecurityGroupIngress")
        assert [
            (r["Properties"]["FromPort"], r["Properties"]["ToPort"]) for r in rules.values()
        ] == [(6390, 6390)]
        assert all(r["Properties"]["IpProtocol"] == "tcp" for r in rules.values())

    def test_allow_from_refuses_the_internet(self) -> None:
        stack = Stack(make_app(), "Open")
        cache = SecureCache(stack, "Sessions", vpc=StandardVpc(stack, "Network"))
        with pytest.raises(ValidationError, match=r"allow_from: peer='0.0.0.0/0': admits every"):
            cache.allow_from(ec2.Peer.any_ipv4())

    def test_an_auth_token_instead_of_users(self, templates: dict[str, Template]) -> None:
        template = templates["auth-token"]
        properties = group(template)["Properties"]
        assert "UserGroupIds" not in properties
        assert {"Ref": SECRET} in properties["AuthToken"]["Fn::Join"][1]
        assert find_resources(template, "AWS::ElastiCache::User") == {}

    def test_serverless(
        self, templates: dict[str, Template], stacks: dict[str, CacheStack]
    ) -> None:
        template = templates["serverless"]
        assert find_resources(template, "AWS::ElastiCache::ReplicationGroup") == {}
        ((_name, resource),) = find_resources(template, "AWS::ElastiCache::ServerlessCache").items()
        properties = resource["Properties"]
        assert properties["Engine"] == "valkey"
        assert properties["MajorEngineVersion"] == "8"
        assert properties["KmsKeyId"] == {"Fn::GetAtt": [KEY, "Arn"]}
        assert properties["CacheUsageLimits"] == {
            "DataStorage": {"Maximum": 5, "Unit": "GB"},
            "ECPUPerSecond": {"Maximum": 5000},
        }
        assert "UserGroupId" in properties
        assert resource["DeletionPolicy"] == "Retain"
        assert stacks["serverless"].cache.node_ids == []

    def test_from_config_builds_the_same_cache(
        self, environments: dict[str, EnvironmentConfig]
    ) -> None:
        config = environments["staging"]
        assert config.cache == CacheConfig.for_stage("staging")

        def built(build: Build) -> dict[str, Any]:
            return template_json(
                template_of(CacheStack(make_app(), "C", config=config, build=build))
            )

        assert built(default_cache) == built(
            lambda s, v: SecureCache.from_config(s, "Sessions", v, config.cache)
        )

    def test_from_config_refuses_what_the_config_gives(self) -> None:
        stack = Stack(make_app(), "C")
        vpc = StandardVpc(stack, "Network")
        with pytest.raises(ValidationError, match=r"replicas=1.*comes from the config"):
            SecureCache.from_config(stack, "Sessions", vpc, CacheConfig(), replicas=1)
        with pytest.raises(ValidationError, match=r"serverless=True: cannot be given"):
            SecureCache.from_config(stack, "Sessions", vpc, CacheConfig(), serverless=True)
        assert stack.node.try_find_child("Sessions") is None


def _vpc(stack: Stack) -> StandardVpc:
    return StandardVpc(stack, "Network")


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "version": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), version="6.2"),
        r"SecureCache\('Q'\): version='6.2': is not a valkey version.*'8.0'",
    ),
    "serverless redis 6": (
        lambda s: SecureCache(
            s, "Q", vpc=_vpc(s), engine=CacheEngine.REDIS, version="6.2", serverless=True
        ),
        r"version='6.2': redis 6 does not run serverless",
    ),
    "node type": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), node_type="t4g.micro"),
        r"node_type='t4g.micro': must be a node type of the form cache.<family>.<size>.*"
        r"use 'cache.t4g.micro'",
    ),
    "replicas": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), replicas=6),
        r"replicas=6: must be between 0 and 5",
    ),
    "failover without replica": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), replicas=0, automatic_failover=True),
        r"automatic_failover=True: needs a replica to fail over to, and replicas is 0 \(given\)",
    ),
    "multi-az without failover": (
        lambda s: SecureCache(
            s, "Q", vpc=_vpc(s), replicas=1, automatic_failover=False, multi_az=True
        ),
        r"multi_az=True: needs automatic_failover=True.*automatic_failover is False \(given\)",
    ),
    "engine port": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), port=6379),
        r"port=6379: is the engines' well-known port",
    ),
    "port range": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), port=80),
        r"port=80: must be between 1024 and 65535",
    ),
    "retention": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), snapshot_retention_days=36),
        r"snapshot_retention_days=36: must be between 0 and 35",
    ),
    "maintenance window": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), maintenance_window="sunday 5am"),
        r"maintenance_window='sunday 5am': must be 'ddd:hh24:mi-ddd:hh24:mi'",
    ),
    "short maintenance window": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), maintenance_window="sun:05:00-sun:05:30"),
        r"maintenance_window='sun:05:00-sun:05:30': must last at least 60 minutes",
    ),
    "snapshot window": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), snapshot_window="3-4"),
        r"snapshot_window='3-4': must be 'hh24:mi-hh24:mi'",
    ),
    "overlapping windows": (
        lambda s: SecureCache(
            s,
            "Q",
            vpc=_vpc(s),
            snapshot_window="05:30-06:30",
            maintenance_window="sun:05:00-sun:06:00",
        ),
        r"snapshot_window='05:30-06:30': overlaps maintenance_window='sun:05:00-sun:06:00'",
    ),
    "snapshot window without snapshots": (
        lambda s: SecureCache(
            s, "Q", vpc=_vpc(s), snapshot_retention_days=0, snapshot_window="03:00-04:00"
        ),
        r"snapshot_window='03:00-04:00': is when daily snapshots are taken, and "
        r"snapshot_retention_days is 0",
    ),
    "empty parameters": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), parameters={}),
        r"parameters=\{\}: must name at least one parameter",
    ),
    "parameter name": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), parameters={"Max Memory": "1"}),
        r"parameters='Max Memory': must be ElastiCache parameter names",
    ),
    "user name with auth token": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), auth_token=True, user_name="orders"),
        r"user_name='orders': names the RBAC user, and auth_token=True",
    ),
    "default user name": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), user_name="default"),
        r"user_name='default': is ElastiCache's default user",
    ),
    "serverless with nodes": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), serverless=True, node_type="cache.t4g.micro"),
        r"node_type='cache.t4g.micro': contradicts serverless=True",
    ),
    "serverless with replicas": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), serverless=True, replicas=1),
        r"replicas=1: contradicts serverless=True",
    ),
    "serverless with auth token": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), serverless=True, auth_token=True),
        r"auth_token=True: contradicts serverless=True",
    ),
    "serverless snapshot policy": (
        lambda s: SecureCache(
            s, "Q", vpc=_vpc(s), serverless=True, removal_policy=RemovalPolicy.SNAPSHOT
        ),
        r"removal_policy=.*: contradicts serverless=True",
    ),
    "limits without serverless": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), max_data_storage_gb=5),
        r"max_data_storage_gb=5: is a limit of a serverless cache",
    ),
    "ecpu range": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), serverless=True, max_ecpu_per_second=10),
        r"max_ecpu_per_second=10: must be between 1000 and 15000000",
    ),
    "vpc without isolated subnets": (
        lambda s: SecureCache(
            s,
            "Q",
            vpc=ec2.Vpc(
                s,
                "Plain",
                max_azs=2,
                subnet_configuration=[
                    ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)
                ],
            ),
        ),
        r"vpc='Invalid/Plain': has no isolated subnets",
    ),
    "wrong type": (
        lambda s: SecureCache(s, "Q", vpc=_vpc(s), replicas="2"),  # type: ignore[arg-type]
        r"SecureCache\('Q'\): replicas='2'",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("Q") is None, "nothing half-made"


def test_config_cross_checks_name_both_values() -> None:
    with pytest.raises(ValidationError, match=r"CacheConfig: automatic_failover=True: needs a"):
        CacheConfig(replicas=0)
    with pytest.raises(ValidationError, match=r"CacheConfig: multi_az=True: needs automatic"):
        CacheConfig(automatic_failover=False)
    with pytest.raises(ValidationError, match=r"CacheConfig: node_type='m7g.large'"):
        CacheConfig(node_type="m7g.large")
    assert CacheConfig.for_stage("dev").node_type == "cache.t4g.micro"


def test_an_encryption_key_of_another_region_is_refused() -> None:
    stack = Stack(make_app(), "Keys", env=Environment(account="111111111111", region="us-east-1"))
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(ValidationError, match=r"encryption_key='Keys/Key': is in region eu-west-1"):
        SecureCache(stack, "Q", vpc=StandardVpc(stack, "Network"), encryption_key=key)
    assert stack.node.try_find_child("Q") is None


class TestPinnedLogicalIds:
    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        assert list(find_resources(templates["dev"], "AWS::ElastiCache::ReplicationGroup")) == [
            CACHE
        ]
        assert KEY in find_resources(templates["dev"], "AWS::KMS::Key")
        assert list(find_resources(templates["dev"], "AWS::SecretsManager::Secret")) == [SECRET]


class TestCompliance:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_every_pack_is_clean(self, stacks: dict[str, CacheStack], name: str) -> None:
        assert [f for f in nag_findings(stacks[name], NAG_PACKS) if mine(f.construct_path)] == []

    def test_the_vpc_is_the_only_other_source(self, stacks: dict[str, CacheStack]) -> None:
        others = {f.rule_id.split("-", 1)[1] for f in nag_findings(stacks["dev"], NAG_PACKS)}
        assert others <= set(VPC_RULES)

    def test_dev_acknowledges_only_its_own_choices(self, templates: dict[str, Template]) -> None:
        def rules(name: str) -> set[str]:
            recorded = group(templates[name]).get("Metadata", {}).get(TEMPLATE_KEY, {})
            return {a["rule"] for a in recorded.get(ACKNOWLEDGED, [])}

        assert rules("dev") == {
            "AwsSolutions-AEC6",
            "AwsSolutions-AEC4",
            "HIPAA.Security-ElastiCacheRedisClusterAutomaticBackup",
            "NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup",
        }
        assert rules("production") == rules("staging") == {"AwsSolutions-AEC6"}
        assert rules("auth-token") == {
            "AwsSolutions-AEC4",
            "CT.ELASTICACHE.PR.8",
            "CT.ELASTICACHE.PR.3",
            "HIPAA.Security-ElastiCacheRedisClusterAutomaticBackup",
            "NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup",
        }


def test_a_bare_app_without_feature_flags(production_config: EnvironmentConfig) -> None:
    app = cdk.App()
    stack = CacheStack(app, "Bare", config=production_config, build=full_cache)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert [k for k, v in template["Resources"].items() if "ReplicationGroup" in v["Type"]] == [
        CACHE
    ]
    assert [f for f in nag_findings(stack, NAG_PACKS) if mine(f.construct_path)] == []


@pytest.mark.parametrize("name", ["dev", "full", "serverless"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
