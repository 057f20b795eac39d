"""EnvironmentConfig and its parts: per-stage defaults and one test per validation rule."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from org_constructs import ValidationError
from org_constructs.config import (
    LOG_RETENTION_DAYS,
    DatabaseConfig,
    DatabaseEngine,
    EnvironmentConfig,
    SecurityConfig,
    Stage,
    StageDefaults,
    VpcConfig,
)

ACCOUNT = "111111111111"
REGION = "us-east-1"


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose."""
    return value


def env(**overrides: Any) -> EnvironmentConfig:
    values: dict[str, Any] = {"account": ACCOUNT, "region": REGION, "stage": Stage.DEV}
    values.update(overrides)
    return EnvironmentConfig(**values)


class TestStage:
    def test_parse_accepts_names_and_members(self) -> None:
        assert Stage.parse("production") is Stage.PRODUCTION
        assert Stage.parse(Stage.DEV) is Stage.DEV
        assert str(Stage.STAGING) == "staging"

    def test_only_production_is_production(self) -> None:
        assert [s.is_production for s in Stage] == [False, False, True]

    def test_unknown_stage_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"stage='prod': must be one of 'dev', 'staging'"):
            Stage.parse("prod")


class TestStageDefaults:
    @pytest.mark.parametrize(
        ("stage", "max_azs", "nat_gateways", "cidr"),
        [
            (Stage.DEV, 2, 1, "10.0.0.0/16"),
            (Stage.STAGING, 2, 2, "10.1.0.0/16"),
            (Stage.PRODUCTION, 3, 3, "10.2.0.0/16"),
        ],
    )
    def test_vpc(self, stage: Stage, max_azs: int, nat_gateways: int, cidr: str) -> None:
        vpc = VpcConfig.for_stage(stage)
        assert (vpc.max_azs, vpc.nat_gateways, vpc.cidr, vpc.flow_logs) == (
            max_azs,
            nat_gateways,
            cidr,
            True,
        )

    @pytest.mark.parametrize(
        ("stage", "instance_type", "multi_az", "backups", "protection"),
        [
            (Stage.DEV, "t4g.micro", False, 1, False),
            (Stage.STAGING, "t4g.medium", True, 7, True),
            (Stage.PRODUCTION, "r6g.large", True, 30, True),
        ],
    )
    def test_database(
        self, stage: Stage, instance_type: str, multi_az: bool, backups: int, protection: bool
    ) -> None:
        db = DatabaseConfig.for_stage(stage)
        assert db.engine is DatabaseEngine.POSTGRES
        assert db.version == "16.13"
        assert db.instance_type == instance_type
        assert db.multi_az is multi_az
        assert db.backup_retention_days == backups
        assert db.deletion_protection is protection
        assert db.storage_encrypted is True

    @pytest.mark.parametrize(
        ("stage", "policy", "retention", "deployment", "monitoring"),
        [
            (Stage.DEV, "destroy", 7, "all_at_once", False),
            (Stage.STAGING, "retain", 90, "canary", False),
            (Stage.PRODUCTION, "retain", 365, "canary", True),
        ],
    )
    def test_construct_choices(
        self, stage: Stage, policy: str, retention: int, deployment: str, monitoring: bool
    ) -> None:
        choices = StageDefaults.for_stage(stage)
        assert (choices.removal_policy, choices.log_retention_days) == (policy, retention)
        assert (choices.deployment, choices.database_monitoring) == (deployment, monitoring)
        assert choices.log_retention is getattr(
            logs.RetentionDays, {7: "ONE_WEEK", 90: "THREE_MONTHS", 365: "ONE_YEAR"}[retention]
        )

    @pytest.mark.parametrize(
        ("prop", "value", "match"),
        [
            ("removal_policy", "snapshot", r"removal_policy='snapshot': must be one of"),
            ("log_retention_days", 8, r"log_retention_days=8: must be one of"),
            ("deployment", "linear", r"deployment='linear': must be one of"),
            ("database_monitoring", "yes", r"database_monitoring='yes'"),
        ],
    )
    def test_construct_choices_are_checked(self, prop: str, value: object, match: str) -> None:
        with pytest.raises(ValidationError, match=match):
            StageDefaults.for_stage(Stage.DEV, **{prop: value})

    def test_mysql_gets_a_mysql_version(self) -> None:
        db = DatabaseConfig.for_stage("dev", engine="mysql")
        assert db.engine is DatabaseEngine.MYSQL
        assert db.version == "8.0.45"

    def test_security_waf_off_only_in_dev(self) -> None:
        assert [SecurityConfig.for_stage(s).waf_enabled for s in Stage] == [False, True, True]
        assert SecurityConfig.for_stage("dev").allowed_ips == ()

    def test_class_defaults_are_the_safe_ones(self) -> None:
        assert VpcConfig().nat_gateways == VpcConfig().max_azs == 3
        assert VpcConfig().nat_instance_type is None, "NAT gateways unless asked"
        assert all(VpcConfig.for_stage(s).nat_instance_type is None for s in Stage)
        assert DatabaseConfig().deletion_protection is True
        assert DatabaseConfig().multi_az is True

    @pytest.mark.parametrize(
        ("stage", "days", "member"),
        [
            (Stage.DEV, 7, logs.RetentionDays.ONE_WEEK),
            (Stage.STAGING, 90, logs.RetentionDays.THREE_MONTHS),
            (Stage.PRODUCTION, 365, logs.RetentionDays.ONE_YEAR),
        ],
    )
    def test_log_retention(self, stage: Stage, days: int, member: logs.RetentionDays) -> None:
        config = env(stage=stage)
        assert config.log_retention_days == days
        assert config.log_retention is member

    def test_every_retention_value_maps_to_a_cdk_member(self) -> None:
        for days in LOG_RETENTION_DAYS:
            assert isinstance(env(log_retention_days=days).log_retention, logs.RetentionDays)

    def test_environment_fills_parts_from_its_stage(self) -> None:
        config = env(stage="production")
        assert config.stage is Stage.PRODUCTION
        assert config.is_production
        assert config.name == "production"
        assert config.vpc == VpcConfig.for_stage(Stage.PRODUCTION)
        assert config.database == DatabaseConfig.for_stage(Stage.PRODUCTION)
        assert config.security == SecurityConfig.for_stage(Stage.PRODUCTION)

    @pytest.mark.parametrize(
        "kind", ["t4g.nano", "t4g.medium", "c6gn.medium", "c7gn.large", "m7g.xlarge"]
    )
    def test_nat_instances_of_a_graviton_type(self, kind: str) -> None:
        vpc = VpcConfig.for_stage("dev", nat_instance_type=kind)
        assert (vpc.nat_instance_type, vpc.nat_gateways, vpc.max_azs) == (kind, 1, 2)

    def test_given_parts_are_kept(self) -> None:
        vpc = VpcConfig(cidr="10.9.0.0/20", max_azs=2, nat_gateways=0)
        assert env(vpc=vpc).vpc is vpc

    def test_sequences_become_tuples_and_tags_read_only(self) -> None:
        config = env(alarm_email="ops@example.com", tags={"Team": "platform"})
        assert config.alarm_email == ("ops@example.com",)
        assert SecurityConfig(allowed_ips=["10.0.0.0/8"]).allowed_ips == ("10.0.0.0/8",)
        assert SecurityConfig(nag_packs=["PCI.DSS.321"]).nag_packs == ("PCI.DSS.321",)
        assert SecurityConfig().nag_packs == ("AwsSolutions", "Serverless")
        with pytest.raises(TypeError):
            config.tags["Team"] = "other"  # type: ignore[index]

    def test_availability_zones_are_optional_and_kept_in_order(self) -> None:
        assert env().availability_zones is None
        zones = ["us-east-1c", "us-east-1a", "us-east-1b"]
        assert env(availability_zones=zones).availability_zones == tuple(zones)
        # More zones than the VPC spans: the VPC takes the first max_azs of them.
        single = env(vpc=VpcConfig(max_azs=1, nat_gateways=1), availability_zones=zones[:1])
        assert single.availability_zones == ("us-east-1c",)

    def test_configs_are_frozen(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            env().account = "222222222222"  # type: ignore[misc]


# One case per validation rule: (factory, message pattern).
INVALID: dict[str, tuple[Any, str]] = {
    "account too short": (lambda: env(account="12345"), r"account='12345': must be a 12-digit"),
    "account as int": (lambda: env(account=111111111111), r"account=111111111111: must be a 12"),
    "region unknown": (lambda: env(region="us-east-9"), r"region='us-east-9': is not a region"),
    "region malformed": (lambda: env(region="USEAST1"), r"region='USEAST1': must be an AWS region"),
    "stage unknown": (lambda: env(stage="prod"), r"stage='prod': must be one of"),
    "name invalid": (lambda: env(name="my env"), r"name='my env': must be a name of up to 32"),
    "cidr host bits": (
        lambda: VpcConfig(cidr="10.0.0.1/16"),
        r"cidr='10.0.0.1/16': is not a network address \(host bits set\); use '10.0.0.0/16'",
    ),
    "cidr not an address": (lambda: VpcConfig(cidr="banana"), r"cidr='banana': must be an IPv4"),
    "cidr prefix too wide": (lambda: VpcConfig(cidr="10.0.0.0/8"), r"prefix from /16 to /28"),
    "cidr prefix too narrow": (lambda: VpcConfig(cidr="10.0.0.0/29"), r"prefix from /16 to /28"),
    "cidr ipv6": (lambda: VpcConfig(cidr="2001:db8::/56"), r"must be an IPv4 network"),
    "max_azs zero": (lambda: VpcConfig(max_azs=0), r"max_azs=0: must be between 1 and 6"),
    "max_azs seven": (lambda: VpcConfig(max_azs=7), r"max_azs=7: must be between 1 and 6"),
    "max_azs text": (lambda: VpcConfig(max_azs=bad("3")), r"max_azs='3': must be a whole number"),
    "max_azs bool": (lambda: VpcConfig(max_azs=True), r"max_azs=True: must be a whole number"),
    "nat over azs": (
        lambda: VpcConfig(max_azs=2, nat_gateways=3),
        r"nat_gateways=3: must not exceed max_azs \(2\)",
    ),
    "nat negative": (lambda: VpcConfig(nat_gateways=-1), r"nat_gateways=-1: must be between 0"),
    "flow_logs text": (
        lambda: VpcConfig(flow_logs=bad("yes")),
        r"flow_logs='yes': must be true or",
    ),
    "nat instance of an x86 type": (
        lambda: VpcConfig(nat_instance_type="m5.large"),
        r"VpcConfig: nat_instance_type='m5.large': is not a Graviton type \(m5 is not a "
        r"Graviton family\); use a Graviton \(arm64\) type written family.size, such as "
        r"'t4g.nano', 't4g.small', 'c6gn.medium' or 'c7g.large' \(families with a g after "
        r"their generation: t4g, c6g, c6gn, c7g, c7gn, m6g, m7g, ...\)",
    ),
    "nat instance with a db. prefix": (
        lambda: VpcConfig(nat_instance_type="db.t4g.micro"),
        r"nat_instance_type='db.t4g.micro': leave out the 'db.' prefix: use 't4g.micro'",
    ),
    "nat instance with an ec2. prefix": (
        lambda: VpcConfig(nat_instance_type="ec2.c7g.large"),
        r"nat_instance_type='ec2.c7g.large': leave out the 'ec2.' prefix: use 'c7g.large'",
    ),
    "nat instance malformed": (
        lambda: VpcConfig(nat_instance_type="graviton"),
        r"nat_instance_type='graviton': must be a Graviton \(arm64\) type written family.size",
    ),
    "nat instance not text": (
        lambda: VpcConfig(nat_instance_type=bad(["t4g.nano"])),
        r"nat_instance_type=\['t4g.nano'\]: must be a Graviton",
    ),
    "nat instance without nat": (
        lambda: VpcConfig(nat_gateways=0, nat_instance_type="t4g.nano"),
        r"VpcConfig: nat_instance_type='t4g.nano': cannot be given with nat_gateways=0 \(no NAT "
        r"at all\): set nat_gateways to the number of NAT instances, or leave nat_instance_type "
        r"out",
    ),
    "engine unknown": (
        lambda: DatabaseConfig(engine=bad("oracle")),
        r"engine='oracle': must be one of 'postgres', 'mysql'",
    ),
    "version text": (lambda: DatabaseConfig(version="latest"), r"version='latest': must be a"),
    "instance db prefix": (
        lambda: DatabaseConfig(instance_type="db.t3.micro"),
        r"instance_type='db.t3.micro': leave out the 'db.' prefix: use 't3.micro'",
    ),
    "instance malformed": (lambda: DatabaseConfig(instance_type="large"), r"instance_type='large'"),
    "backups zero": (
        lambda: DatabaseConfig(backup_retention_days=0),
        r"backup_retention_days=0: must be between 1 and 35",
    ),
    "backups too long": (lambda: DatabaseConfig(backup_retention_days=36), r"between 1 and 35"),
    "multi_az text": (lambda: DatabaseConfig(multi_az=bad("no")), r"multi_az='no': must be true"),
    "allowed ip not cidr": (
        lambda: SecurityConfig(allowed_ips=["10.0.0.1"]),
        r"allowed_ips\[0\]='10.0.0.1': must be a CIDR network",
    ),
    "allowed ip host bits": (
        lambda: SecurityConfig(allowed_ips=["10.0.0.0/8", "10.0.0.1/24"]),
        r"allowed_ips\[1\]='10.0.0.1/24': must be a CIDR",
    ),
    "allowed ip garbage": (lambda: SecurityConfig(allowed_ips=["x/1"]), r"must be a CIDR"),
    "nag pack unknown": (
        lambda: SecurityConfig(nag_packs=["AwsSolutions", "CIS"]),
        r"nag_packs\[1\]='CIS': must be one of AwsSolutions, Serverless, HIPAA.Security",
    ),
    "nag packs text": (
        lambda: SecurityConfig(nag_packs=bad("AwsSolutions")),
        r"nag_packs='AwsSolutions': must be a list of pack names",
    ),
    "nag pack repeated": (
        lambda: SecurityConfig(nag_packs=["Serverless", "Serverless"]),
        r"nag_packs=\('Serverless', 'Serverless'\): must not repeat a pack",
    ),
    "allowed ip everywhere": (
        lambda: SecurityConfig(allowed_ips=["0.0.0.0/0"]),
        r"allowed_ips\[0\]='0.0.0.0/0': allows every address on the internet",
    ),
    "allowed ips as text": (
        lambda: SecurityConfig(allowed_ips="10.0.0.0/8"),
        r"allowed_ips='10.0.0.0/8': must be a list of CIDRs",
    ),
    "bastion text": (lambda: SecurityConfig(bastion_enabled=bad(1)), r"bastion_enabled=1: must be"),
    "alarm email invalid": (
        lambda: env(alarm_email=["ops@example.com", "nope"]),
        r"alarm_email\[1\]='nope': must be an e-mail address",
    ),
    "alarm email not a list": (lambda: env(alarm_email=5), r"alarm_email=5: must be a list"),
    "retention not allowed": (
        lambda: env(log_retention_days=8),
        r"log_retention_days=8: must be one of 1, 3, 5, 7",
    ),
    "tag aws prefix": (lambda: env(tags={"aws:team": "x"}), r"tags\['aws:team'\].*are AWS's"),
    "tag reserved": (
        lambda: env(tags={"Environment": "x"}),
        r"tags\['Environment'\]='Environment': is set by AbstractStack",
    ),
    "tag key too long": (lambda: env(tags={"k" * 129: "x"}), r"tag keys must be 1 to 128"),
    "tag value too long": (lambda: env(tags={"Team": "v" * 257}), r"tag values must be text"),
    "tag value not text": (lambda: env(tags={"Team": 5}), r"tags\['Team'\]=5: tag values"),
    "tags not a mapping": (lambda: env(tags=["Team"]), r"tags=\['Team'\]: must be a mapping"),
    "profile empty": (lambda: env(profile=""), r"profile='': must be a profile name"),
    "zones as text": (
        lambda: env(availability_zones="us-east-1a"),
        r"availability_zones='us-east-1a': must be a list of Availability Zone names such as "
        r"\['us-east-1a', 'us-east-1b'\]",
    ),
    "zone of another region": (
        lambda: env(availability_zones=["us-east-1a", "eu-west-1b"]),
        r"availability_zones\[1\]='eu-west-1b': must be an Availability Zone name of region "
        r"'us-east-1', such as 'us-east-1a'",
    ),
    "zone id instead of name": (
        lambda: env(availability_zones=["use1-az1", "use1-az2"]),
        r"availability_zones\[0\]='use1-az1': .*not a zone id",
    ),
    "zone not text": (lambda: env(availability_zones=[1, 2]), r"availability_zones\[0\]=1: must"),
    "zone repeated": (
        lambda: env(availability_zones=["us-east-1a", "us-east-1a"]),
        r"availability_zones=\['us-east-1a', 'us-east-1a'\]: must not repeat a zone",
    ),
    "fewer zones than max_azs": (
        lambda: env(stage="production", availability_zones=["us-east-1a", "us-east-1b"]),
        r"availability_zones=\['us-east-1a', 'us-east-1b'\]: must name at least vpc.max_azs "
        r"\(3\) zones; add zones or lower vpc.max_azs",
    ),
    "no zones": (
        lambda: env(availability_zones=[]),
        r"availability_zones=\[\]: must name at least",
    ),
    "vpc wrong type": (lambda: env(vpc={"cidr": "10.0.0.0/16"}), r"vpc=.*must be a VpcConfig"),
    "production deletable database": (
        lambda: env(stage="production", database=DatabaseConfig(deletion_protection=False)),
        r"database.deletion_protection=False: must be true in production",
    ),
    "production unencrypted database": (
        lambda: env(stage="production", database=DatabaseConfig(storage_encrypted=False)),
        r"database.storage_encrypted=False: must be true in production",
    ),
    "for_stage unknown key": (
        lambda: VpcConfig.for_stage("dev", nat_gateway=1),
        r"VpcConfig: nat_gateway=1: is not a property",
    ),
    "alarm email twice": (
        lambda: env(alarm_email=["ops@example.com", "OPS@example.com"]),
        r"alarm_email='ops@example.com': is given twice: give each address once",
    ),
    "log retention as bool": (
        lambda: env(log_retention_days=True),
        r"log_retention_days=True: must be a whole number from 1 to 3653",
    ),
    "log retention false is not the default": (
        lambda: env(log_retention_days=False),
        r"log_retention_days=False: must be a whole number",
    ),
    "allowed ip twice": (
        lambda: SecurityConfig(allowed_ips=["203.0.113.0/24", "203.0.113.0/24"]),
        r"allowed_ips='203.0.113.0/24': is given twice",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_values_are_refused(case: str) -> None:
    factory, pattern = INVALID[case]
    with pytest.raises(ValidationError, match=pattern) as caught:
        factory()
    # Every error names what the value belongs to, the property and the value.
    assert caught.value.where in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_error_parts_are_available_to_programs() -> None:
    with pytest.raises(ValidationError) as caught:
        VpcConfig(max_azs=9)
    error = caught.value
    assert (error.where, error.prop, error.value) == ("VpcConfig", "max_azs", 9)
    assert error.expected == "must be between 1 and 6"
    assert str(error) == "VpcConfig: max_azs=9: must be between 1 and 6"
