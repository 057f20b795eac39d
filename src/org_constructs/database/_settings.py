"""``SecureDatabase``'s properties, checked together into one frozen settings value before
anything is added to the tree: the engine and version, the instance class or Serverless v2
capacity, port, storage, backups, rotation, monitoring, the VPC and the key, with the stage's
defaults (``DatabaseConfig.for_stage``, ``StageDefaults.for_stage``) filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.config import DatabaseConfig, DatabaseEngine, Stage, StageDefaults
from org_constructs.core import is_regulated, stage_of
from org_constructs.database._engines import (
    EngineRow,
    engine_row,
    latest_version,
    major_of,
    offered_majors,
    offered_versions,
)
from org_constructs.errors import ValidationError
from org_constructs.network import StandardVpc

__all__ = ["MASTER_USERNAME", "stage_defaults"]

MASTER_USERNAME = "dbadmin"
DEFAULT_AURORA_INSTANCE_TYPE = "r6g.large"
"""Aurora's instance class in every stage: Aurora takes memory-optimized classes only."""
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
"""Seconds RDS accepts for enhanced monitoring; 0 turns it off."""
MONITORING_SECONDS = 60
"""The enhanced monitoring interval where the stage or ``regulated`` turns it on."""
ROTATION_DAYS = 30
MIN_STORAGE_GIB, MAX_STORAGE_GIB = 20, 65536
DEFAULT_STORAGE_GIB, DEFAULT_MAX_STORAGE_GIB = 20, 100
MIN_ACU, MAX_ACU = 0.5, 256
MIN_PORT, MAX_PORT = 1150, 65535

_SIZE = re.compile(r"^(micro|small|medium|large|xlarge|(\d{1,2})xlarge|metal(-\d+xl)?)$")
_NO_INSIGHTS = ("micro", "small")
"""Sizes on which RDS for MySQL offers no Performance Insights."""
_BURSTABLE_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
_VERSION_TEXT = re.compile(r"^\d+(\.\d+){0,2}(-rds\.\d{8})?$")
_AURORA_MYSQL_TEXT = re.compile(r"^(?:(5\.7|8\.0)\.mysql_aurora\.)?(\d+)\.(\d+)\.(\d+)$|^(\d)$")
_AURORA_MYSQL_MAJORS = {"2": "5.7", "3": "8.0"}
_AUTO_PAUSE_POSTGRES = {13: (13, 15), 14: (14, 12), 15: (15, 7), 16: (16, 3)}
"""The first Aurora PostgreSQL version of each major that pauses at 0 ACUs (17 and later all do)."""
_AUTO_PAUSE_MYSQL = (3, 8, 0)
"""The first Aurora MySQL version that pauses at 0 ACUs."""


def stage_defaults(stage: Stage | None) -> tuple[DatabaseConfig, StageDefaults]:
    """The database defaults of ``stage``: production's outside an ``AbstractStack``."""
    stage = stage or Stage.PRODUCTION
    return DatabaseConfig.for_stage(stage), StageDefaults.for_stage(stage)


@dataclass(frozen=True, eq=False)
class _DatabaseSettings:
    """The checked properties of one ``SecureDatabase``, every default filled in."""

    where: str
    stage: Stage | None
    row: EngineRow
    version: str
    major: str
    instance_type: str | None
    capacity: tuple[float, float] | None
    port: int
    multi_az: bool
    deletion_protection: bool
    backup_retention: Duration
    removal_policy: RemovalPolicy
    storage: int
    max_storage: int
    regulated: bool
    insights: bool
    monitoring: Duration
    rotation: bool
    multi_user_rotation: bool
    rotation_interval: Duration
    network: ec2.IVpc
    log_retention: logs.RetentionDays | None
    encryption_key: kms.IKey | None

    @property
    def engine(self) -> DatabaseEngine:
        """The engine (PostgreSQL or MySQL)."""
        return self.row.engine

    @property
    def aurora(self) -> bool:
        """True for an Aurora cluster."""
        return self.row.aurora

    @property
    def monitored(self) -> bool:
        """Whether enhanced monitoring is on."""
        return self.monitoring.to_seconds(integral=False) > 0

    @property
    def companion(self) -> RemovalPolicy:
        """The keys', secret's and log groups' policy: a snapshot needs its key."""
        if self.removal_policy is RemovalPolicy.DESTROY:
            return RemovalPolicy.DESTROY
        return RemovalPolicy.RETAIN

    def instance_engine(self) -> rds.IInstanceEngine:
        """The engine of an RDS instance."""
        return self.row.instance_engine(self.version, self.major)

    def cluster_engine(self) -> rds.IClusterEngine:
        """The engine of an Aurora cluster."""
        return self.row.cluster_engine(self.version, self.major)


def _checked(
    where: str,
    scope: Construct,
    *,
    vpc: StandardVpc | ec2.IVpc,
    engine: DatabaseEngine,
    version: str | None,
    aurora: bool,
    instance_type: str | None,
    serverless_v2_capacity: tuple[float, float] | None,
    port: int | None,
    multi_az: bool | None,
    deletion_protection: bool | None,
    backup_retention: Duration | None,
    removal_policy: RemovalPolicy | None,
    allocated_storage_gib: int | None,
    max_allocated_storage_gib: int | None,
    regulated: bool | None,
    performance_insights: bool | None,
    enhanced_monitoring_interval: Duration | None,
    rotation: bool,
    multi_user_rotation: bool,
    rotation_interval: Duration | None,
    log_retention: logs.RetentionDays | None,
    encryption_key: kms.IKey | None,
) -> _DatabaseSettings:
    """Every property checked, the stage's defaults filled in; nothing is added to the tree."""
    stage = stage_of(scope)
    defaults, choices = stage_defaults(stage)
    if regulated is None:
        regulated = is_regulated(scope)
    row, version, major = _check_engine(where, engine, aurora, version)
    if serverless_v2_capacity is not None:
        _check_capacity(where, aurora, serverless_v2_capacity)
        if serverless_v2_capacity[0] == 0:
            _check_auto_pause(where, engine, version)
        if instance_type is not None:
            raise ValidationError(
                where,
                "instance_type",
                instance_type,
                "cannot be given with serverless_v2_capacity: Serverless v2 instances are "
                "db.serverless",
            )
    else:
        instance_type = instance_type or (
            DEFAULT_AURORA_INSTANCE_TYPE if aurora else defaults.instance_type
        )
        _check_instance_type(where, row, instance_type)
    port = row.default_port if port is None else port
    _check_port(where, row, port)
    backup_retention = backup_retention or Duration.days(defaults.backup_retention_days)
    _check_days(where, "backup_retention", backup_retention, 1, 35)
    if rotation_interval is not None:
        if not rotation:
            raise ValidationError(
                where,
                "rotation_interval",
                rotation_interval.to_human_string(),
                "cannot be given with rotation=False",
            )
        _check_days(where, "rotation_interval", rotation_interval, 1, 365)
    if multi_user_rotation and not rotation:
        raise ValidationError(
            where, "multi_user_rotation", True, "cannot be given with rotation=False"
        )
    storage, max_storage = _check_storage(
        where, aurora, allocated_storage_gib, max_allocated_storage_gib
    )
    if enhanced_monitoring_interval is not None:
        unresolved = enhanced_monitoring_interval.is_unresolved()
        seconds = -1.0 if unresolved else enhanced_monitoring_interval.to_seconds(integral=False)
        if seconds not in MONITORING_INTERVALS:
            raise ValidationError(
                where,
                "enhanced_monitoring_interval",
                enhanced_monitoring_interval.to_human_string(),
                "must be 0 (off), 1, 5, 10, 15, 30 or 60 seconds",
            )
    network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
    checks.check_same_region(
        where,
        "vpc",
        network,
        scope,
        "a database runs in a VPC of its own region; create or import one in that region",
    )
    _check_vpc(where, vpc, network, rotation)
    if encryption_key is not None:
        checks.check_same_region(
            where,
            "encryption_key",
            encryption_key,
            scope,
            "RDS, Secrets Manager and CloudWatch Logs use only keys of their own region; "
            "give a key of the stack's region (a multi-Region replica key, for example)",
        )
    if regulated:
        _check_regulated(where, regulated, performance_insights, enhanced_monitoring_interval)
    watched = choices.database_monitoring or regulated
    insights = watched if performance_insights is None else performance_insights
    size = (instance_type or "").partition(".")[2]
    if insights and engine is DatabaseEngine.MYSQL and not aurora and size in _NO_INSIGHTS:
        raise ValidationError(
            where,
            "instance_type",
            instance_type,
            f"is too small for Performance Insights (performance_insights={insights}, "
            "given or from regulated=True or the production stage): RDS for MySQL offers "
            "it from the medium size up; use 't4g.medium' or larger, or "
            "performance_insights=False outside regulated environments",
        )
    if deletion_protection is False and stage is Stage.PRODUCTION:
        raise ValidationError(
            where,
            "deletion_protection",
            False,
            f"contradicts the stage {stage.value!r}: a production database must not be "
            "deletable by a stack update or a console click (EnvironmentConfig refuses it "
            "too); turn it off in dev or staging only",
        )
    return _DatabaseSettings(
        where=where,
        stage=stage,
        row=row,
        version=version,
        major=major,
        instance_type=instance_type,
        capacity=serverless_v2_capacity,
        port=port,
        multi_az=defaults.multi_az if multi_az is None else multi_az,
        deletion_protection=(
            defaults.deletion_protection if deletion_protection is None else deletion_protection
        ),
        backup_retention=backup_retention,
        removal_policy=removal_policy or RemovalPolicy.SNAPSHOT,
        storage=storage,
        max_storage=max_storage,
        regulated=regulated,
        insights=insights,
        monitoring=enhanced_monitoring_interval
        or Duration.seconds(MONITORING_SECONDS if watched else 0),
        rotation=rotation,
        multi_user_rotation=multi_user_rotation,
        rotation_interval=rotation_interval or Duration.days(ROTATION_DAYS),
        network=network,
        log_retention=log_retention,
        encryption_key=encryption_key,
    )


# --------------------------------------------------------------------------------- checks


def _check_regulated(
    where: str,
    regulated: bool,
    performance_insights: bool | None,
    interval: Duration | None,
) -> None:
    for prop, value, off in (
        ("performance_insights", performance_insights, performance_insights is False),
        (
            "enhanced_monitoring_interval",
            interval and interval.to_human_string(),
            interval is not None
            and not interval.is_unresolved()
            and interval.to_seconds(integral=False) == 0,
        ),
    ):
        if off:
            raise ValidationError(
                where,
                prop,
                value,
                f"contradicts regulated={regulated} (given, or from the environment's "
                "regulated nag pack): the HIPAA, NIST and PCI packs require it; leave "
                f"{prop} out, or set regulated=False where no regulated pack applies",
            )


def _check_engine(
    where: str, engine: DatabaseEngine, aurora: bool, version: str | None
) -> tuple[EngineRow, str, str]:
    """The engine's row, the full version as RDS names it, and its major."""
    row = engine_row(engine, aurora)
    given = version
    version = version or row.default_version
    if aurora and engine is DatabaseEngine.MYSQL:
        match = _AURORA_MYSQL_TEXT.fullmatch(version)
        if match is None or (match.group(5) or match.group(2)) not in _AURORA_MYSQL_MAJORS:
            raise ValidationError(
                where,
                "version",
                given,
                "must be an Aurora MySQL version such as '3.10.4' or '8.0.mysql_aurora.3.10.4' "
                "(Aurora MySQL 3 is MySQL 8.0 compatible; RDS MySQL versions such as '8.0.45' "
                "are not Aurora versions)",
            )
        aurora_major = match.group(5) or match.group(2)
        mysql = _AURORA_MYSQL_MAJORS[aurora_major]
        if match.group(5):
            latest = latest_version(engine, aurora, mysql)
            version = latest or f"{mysql}.mysql_aurora.{aurora_major}"
        else:
            version = f"{mysql}.mysql_aurora.{match.group(2)}.{match.group(3)}.{match.group(4)}"
    elif not _VERSION_TEXT.fullmatch(version):
        raise ValidationError(
            where, "version", given, "must be a version such as '16', '16.13' or '8.0.45'"
        )
    major = major_of(engine, aurora, version)
    majors = offered_majors(engine, aurora)
    if major not in majors:
        raise ValidationError(
            where,
            "version",
            given,
            f"{row.name} {major} is not offered by aws-cdk-lib (RDS no longer creates it): the "
            f"majors offered are {', '.join(majors)}",
        )
    offered, withdrawn = offered_versions(engine, aurora)
    if version.lower() in withdrawn:
        newer = sorted(v for v in offered if major_of(engine, aurora, v) == major)
        raise ValidationError(
            where,
            "version",
            given,
            f"RDS no longer creates {row.name} {version}: use a version it still offers, such as "
            f"{', '.join(repr(v) for v in newer[-3:])}",
        )
    if aurora and engine is DatabaseEngine.POSTGRES and "." not in version:
        version = latest_version(engine, aurora, major) or version
    return row, version, major


def _check_instance_type(where: str, row: EngineRow, instance_type: str) -> None:
    if instance_type.startswith("db."):
        raise ValidationError(
            where,
            "instance_type",
            instance_type,
            f"leave out the 'db.' prefix: use {instance_type[3:]!r}",
        )
    family, _, size = instance_type.partition(".")
    families = row.families
    kind = ("Aurora " if row.aurora else "RDS ") + str(row.engine)
    if family not in families:
        hint = (
            " (Aurora takes memory-optimized classes such as 'r6g.large', or "
            "serverless_v2_capacity)"
            if row.aurora
            else ""
        )
        raise ValidationError(
            where,
            "instance_type",
            instance_type,
            f"{family!r} is not an instance class family of {kind}{hint}: use one of "
            f"{', '.join(sorted(families))}",
        )
    match = _SIZE.fullmatch(size)
    burstable = family.startswith("t")
    if (
        match is None
        or (burstable and size not in _BURSTABLE_SIZES)
        or (not burstable and size in ("micro", "small", "medium"))
    ):
        sizes = "micro to 2xlarge" if burstable else "large, xlarge, 2xlarge ... or metal"
        raise ValidationError(
            where, "instance_type", instance_type, f"the {family} family has sizes {sizes}"
        )


def _check_capacity(where: str, aurora: bool, capacity: tuple[float, float]) -> None:
    if not aurora:
        raise ValidationError(
            where,
            "serverless_v2_capacity",
            capacity,
            "needs aurora=True: Serverless v2 is a kind of Aurora instance",
        )
    if len(capacity) != 2:
        raise ValidationError(
            where, "serverless_v2_capacity", capacity, "must be (min_acu, max_acu)"
        )
    low, high = capacity
    for prop, value, floor in (("min_acu", low, 0.0), ("max_acu", high, 1.0)):
        if checks.is_token(value):
            raise ValidationError(
                where, f"serverless_v2_capacity.{prop}", value, "must be a literal number"
            )
        in_range = (value == 0 and floor == 0) or (max(floor, MIN_ACU) <= value <= MAX_ACU)
        if not in_range or (value * 2) % 1:
            allowed = "0 or 0.5 to 256" if floor == 0 else "1 to 256"
            raise ValidationError(
                where,
                f"serverless_v2_capacity.{prop}",
                value,
                f"must be {allowed} ACUs, in steps of 0.5",
            )
    if low > high:
        raise ValidationError(
            where, "serverless_v2_capacity", capacity, "min_acu must not exceed max_acu"
        )


def _check_auto_pause(where: str, engine: DatabaseEngine, version: str) -> None:
    """``min_acu=0`` needs an engine version that pauses; RDS refuses it otherwise."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", version))
    first: tuple[int, ...]
    if engine is DatabaseEngine.MYSQL:
        aurora = numbers[2:5] if ".mysql_aurora." in version else numbers
        first = _AUTO_PAUSE_MYSQL
        pauses = aurora >= first
        needed = ".".join(map(str, first))
    else:
        major = numbers[0]
        first = _AUTO_PAUSE_POSTGRES.get(major, (major, 0) if major > 16 else (99, 0))
        pauses = numbers[:2] >= first if len(numbers) > 1 else major > 16
        needed = ".".join(map(str, first)) if major in _AUTO_PAUSE_POSTGRES else "17"
    if not pauses:
        raise ValidationError(
            where,
            "serverless_v2_capacity.min_acu",
            0,
            f"needs an engine version that pauses at 0 ACUs, and version {version!r} "
            f"does not: use {needed} or later, or a min_acu of 0.5",
        )


def _check_port(where: str, row: EngineRow, port: int) -> None:
    checks.check_int(where, "port", port, MIN_PORT, MAX_PORT)
    if port == row.engine_port:
        raise ValidationError(
            where,
            "port",
            port,
            f"is the default port of {row.engine} (AwsSolutions-RDS11), which scanners probe "
            f"first: use another port, such as {row.default_port}",
        )


def _check_days(where: str, prop: str, value: Duration, low: int, high: int) -> None:
    checks.check_duration(where, prop, value, low=checks.days(low), high=checks.days(high))
    if value.to_milliseconds(integral=False) % 86_400_000:
        raise ValidationError(
            where, prop, value.to_human_string(), "must be a whole number of days"
        )


def _check_storage(
    where: str, aurora: bool, allocated: int | None, maximum: int | None
) -> tuple[int, int]:
    if aurora:
        for prop, value in (
            ("allocated_storage_gib", allocated),
            ("max_allocated_storage_gib", maximum),
        ):
            if value is not None:
                raise ValidationError(
                    where,
                    prop,
                    value,
                    "cannot be given with aurora=True: Aurora storage grows by itself",
                )
        return 0, 0
    allocated = DEFAULT_STORAGE_GIB if allocated is None else allocated
    checks.check_int(where, "allocated_storage_gib", allocated, MIN_STORAGE_GIB, MAX_STORAGE_GIB)
    if maximum is None:
        maximum = max(DEFAULT_MAX_STORAGE_GIB, allocated)
    checks.check_int(where, "max_allocated_storage_gib", maximum, MIN_STORAGE_GIB, MAX_STORAGE_GIB)
    if maximum < allocated:
        raise ValidationError(
            where,
            "max_allocated_storage_gib",
            maximum,
            f"must be at least allocated_storage_gib ({allocated})",
        )
    return allocated, maximum


def _check_vpc(
    where: str, given: StandardVpc | ec2.IVpc, network: ec2.IVpc, rotation: bool
) -> None:
    subnets = network.isolated_subnets
    zones = {s.availability_zone for s in subnets}
    if subnets and not any(unresolved(z) for z in zones) and len(zones) < 2:
        raise ValidationError(
            where,
            "vpc",
            f"{getattr(getattr(given, 'node', None), 'path', given)} "
            f"(isolated subnets in {len(zones)} availability zone)",
            "must have isolated subnets in at least two availability zones: an RDS subnet group "
            "spans two zones even for a single-AZ database; StandardVpc(max_azs=2) or more",
        )
    if not subnets:
        raise ValidationError(
            where,
            "vpc",
            getattr(getattr(given, "node", None), "path", given),
            "has no isolated subnets: the database runs only in subnets without a route to "
            "the internet (StandardVpc has them in every AZ)",
        )
    if (
        rotation
        and isinstance(given, StandardVpc)
        and "secretsmanager" not in given.interface_endpoints
    ):
        raise ValidationError(
            where,
            "vpc",
            path_of(given),
            "has no Secrets Manager interface endpoint, which the rotation function in the "
            "isolated subnets needs: StandardVpc(interface_endpoints=['secretsmanager']), or "
            "rotation=False",
        )
