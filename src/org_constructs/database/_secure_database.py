"""``SecureDatabase``: an RDS instance or an Aurora cluster, encrypted, private and rotated."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_cdk import Annotations, Duration, Names, RemovalPolicy, Stack, Tags, Token
from aws_cdk import aws_backup as backup
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from org_constructs._flags import pin_feature_flags
from org_constructs._kms import rotating_key
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_grant,
    acknowledge_library_check,
    acknowledge_short_retention,
    library_grantee,
)
from org_constructs.config import DatabaseConfig, DatabaseEngine, Stage
from org_constructs.config import _checks as checks
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core import ReleasedFunction, is_regulated, log_retention_for, stage_of
from org_constructs.errors import ValidationError
from org_constructs.network import StandardVpc

__all__ = ["SecureDatabase"]

SECRET_POLICY_ON_THE_SECRET = {
    "@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments": True
}
"""The rotation's resource policy (deny DeleteSecret) goes on the secret itself; without the
flag aws-cdk-lib writes a second ``AWS::SecretsManager::ResourcePolicy`` for the attachment,
and a secret holds only one."""


DEFAULT_VERSIONS: Mapping[tuple[DatabaseEngine, bool], str] = {
    (DatabaseEngine.POSTGRES, False): "16.13",
    (DatabaseEngine.MYSQL, False): "8.0.45",
    (DatabaseEngine.POSTGRES, True): "16.13",
    (DatabaseEngine.MYSQL, True): "3.10.4",
}
"""The version of each engine when none is given: versions RDS still creates."""

DEFAULT_PORTS: Mapping[DatabaseEngine, int] = {
    DatabaseEngine.POSTGRES: 5433,
    DatabaseEngine.MYSQL: 3307,
}
"""Not the engine's default port (AwsSolutions-RDS11): scanners probe 5432 and 3306 first."""
ENGINE_PORTS: Mapping[DatabaseEngine, int] = {
    DatabaseEngine.POSTGRES: 5432,
    DatabaseEngine.MYSQL: 3306,
}
LOG_EXPORTS: Mapping[tuple[DatabaseEngine, bool], tuple[str, ...]] = {
    (DatabaseEngine.POSTGRES, False): ("postgresql", "upgrade"),
    (DatabaseEngine.MYSQL, False): ("audit", "error", "general", "slowquery"),
    (DatabaseEngine.POSTGRES, True): ("postgresql",),
    (DatabaseEngine.MYSQL, True): ("audit", "error", "general", "slowquery"),
}
"""Every log type each engine can export to CloudWatch Logs (RDSLoggingEnabled)."""
TLS_PARAMETERS: Mapping[tuple[DatabaseEngine, bool], Mapping[str, str]] = {
    (DatabaseEngine.POSTGRES, False): {"rds.force_ssl": "1"},
    (DatabaseEngine.MYSQL, False): {"require_secure_transport": "1"},
    (DatabaseEngine.POSTGRES, True): {"rds.force_ssl": "1"},
    (DatabaseEngine.MYSQL, True): {"require_secure_transport": "ON"},
}
"""The parameter that makes the engine refuse connections without TLS. RDS for MySQL takes
``require_secure_transport`` as 0/1 (``1`` is ON, and what checkov's CKV2_AWS_69 reads);
Aurora MySQL documents ``ON``."""
MASTER_USERNAME = "dbadmin"
BACKUP_DAYS: Mapping[Stage | None, int] = {
    Stage.DEV: 1,
    Stage.STAGING: 7,
    Stage.PRODUCTION: 30,
    None: 30,
}
DEFAULT_INSTANCE_TYPES: Mapping[Stage | None, str] = {
    Stage.DEV: "t4g.micro",
    Stage.STAGING: "t4g.medium",
    Stage.PRODUCTION: "r6g.large",
    None: "r6g.large",
}
"""An RDS instance's class by stage (those of ``DatabaseConfig.for_stage``)."""
DEFAULT_AURORA_INSTANCE_TYPE = "r6g.large"
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
"""Seconds RDS accepts for enhanced monitoring; 0 turns it off."""
MIN_STORAGE_GIB, MAX_STORAGE_GIB = 20, 65536
DEFAULT_STORAGE_GIB, DEFAULT_MAX_STORAGE_GIB = 20, 100
MIN_ACU, MAX_ACU = 0.5, 256
MIN_PORT, MAX_PORT = 1150, 65535

# Instance class families that exist for each engine (without the "db." prefix). Graviton
# (t4g, m6g, m7g, r6g, r7g, r8g, x2g...) first: about 20% cheaper than the Intel classes.
_INSTANCE_FAMILIES = frozenset(
    {
        "t4g", "t3", "m6g", "m6gd", "m7g", "m7gd", "m8g", "r6g", "r6gd", "r7g", "r8g", "x2g",
        "m5", "m5d", "m6i", "m6id", "m6idn", "m6in", "m7i", "r5", "r5b", "r5d", "r6i", "r6id",
        "r6idn", "r6in", "r7i", "x2idn", "x2iedn", "x2iezn",
    }
)  # fmt: skip
FAMILIES: Mapping[tuple[DatabaseEngine, bool], frozenset[str]] = {
    (DatabaseEngine.POSTGRES, False): _INSTANCE_FAMILIES | {"c6gd"},
    (DatabaseEngine.MYSQL, False): _INSTANCE_FAMILIES | {"z1d"},
    (DatabaseEngine.POSTGRES, True): frozenset(
        {"r6g", "r6gd", "r7g", "r8g", "x2g", "r5", "r6i", "r6id", "r7i"}
    ),
    (DatabaseEngine.MYSQL, True): frozenset({"r6g", "r7g", "r8g", "x2g", "r5", "r6i", "r7i"}),
}
"""Instance class families by (engine, aurora): Aurora takes memory-optimized classes (or
Serverless v2)."""
_SIZE = re.compile(r"^(micro|small|medium|large|xlarge|(\d{1,2})xlarge|metal(-\d+xl)?)$")
_NO_INSIGHTS = ("micro", "small")
"""Sizes on which RDS for MySQL offers no Performance Insights."""
_BURSTABLE_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
_DB_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_VERSION_TEXT = re.compile(r"^\d+(\.\d+){0,2}(-rds\.\d{8})?$")
_AURORA_MYSQL_TEXT = re.compile(r"^(?:(5\.7|8\.0)\.mysql_aurora\.)?(\d+)\.(\d+)\.(\d+)$|^(\d)$")
_AURORA_MYSQL_MAJORS = {"2": "5.7", "3": "8.0"}

_SINGLE_AZ_REASON = (
    "Single-AZ in dev (multi_az=False there by default): it halves the cost of a database "
    "that may stop during an AZ outage; staging and production keep a standby in another AZ."
)
_NO_DELETION_PROTECTION_REASON = (
    "No deletion protection in dev (deletion_protection=False there by default): dev databases "
    "are rebuilt from scratch; a final snapshot is still taken (removal policy SNAPSHOT)."
)
_SHORT_BACKUP_REASON = (
    "Dev keeps {days} day(s) of automated backups (backup_retention); staging keeps 7 and "
    "production 30. The rule reads fewer than 7 days as too few."
)
_NOT_REGULATED_REASON = (
    "Enhanced monitoring, Performance Insights and an AWS Backup plan are on in production and "
    "with regulated=True; {stage} keeps automated backups and exports every log type."
)
_NO_ROTATION_REASON = (
    "Credential rotation is off on request (SecureDatabase(rotation=False)): the application "
    "connects with IAM authentication, or rotation runs elsewhere."
)
_HOSTED_ROTATION_REASON = (
    "Secrets Manager's hosted rotation function (AWS::SecretsManager::RotationSchedule with "
    "HostedRotationLambda) is created by the SecretsManager transform, which sets its runtime, "
    "role and settings; the rule cannot see them."
)
_MONITORING_ROLE_REASON = (
    "Enhanced monitoring needs the AWS managed AmazonRDSEnhancedMonitoringRole policy, which "
    "AWS keeps to exactly what the RDS monitoring agent needs."
)
_BACKUP_ROLE_REASON = (
    "AWS Backup's service role uses the AWS managed AWSBackupServiceRolePolicyForBackup "
    "policy, which AWS keeps in step with the resources Backup supports."
)
_NO_BACKTRACK_REASON = (
    "Backtrack is not turned on: point-in-time recovery from automated backups covers the same "
    "mistakes without the per-change-record cost, and Serverless v2 clusters cannot have it."
)
_CLUSTER_BACKUP_REASON = (
    "AWS Backup backs up an Aurora cluster as a whole: the cluster is in the backup plan, its "
    "instances hold no data of their own."
)


@dataclass(frozen=True)
class _Engine:
    """The checked engine: what the L2 constructs need."""

    engine: DatabaseEngine
    aurora: bool
    version: str
    major: str

    def instance_engine(self) -> rds.IInstanceEngine:
        if self.engine is DatabaseEngine.POSTGRES:
            return rds.DatabaseInstanceEngine.postgres(
                version=rds.PostgresEngineVersion.of(self.version, self.major)
            )
        return rds.DatabaseInstanceEngine.mysql(
            version=rds.MysqlEngineVersion.of(self.version, self.major)
        )

    def cluster_engine(self) -> rds.IClusterEngine:
        if self.engine is DatabaseEngine.POSTGRES:
            return rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.of(self.version, self.major)
            )
        return rds.DatabaseClusterEngine.aurora_mysql(
            version=rds.AuroraMysqlEngineVersion.of(self.version, self.major)
        )


class SecureDatabase(Construct):
    """An RDS instance (default) or an Aurora cluster with the organisation's secure defaults.

    By default: storage encrypted with a new customer-managed key that rotates yearly;
    generated credentials (user ``dbadmin``) in a Secrets Manager secret encrypted with its own
    rotating key and rotated every 30 days; IAM authentication; TLS required by a parameter
    group (``rds.force_ssl=1`` for PostgreSQL, ``require_secure_transport`` 1 or ON for MySQL) and
    the ``rds-ca-rsa2048-g1`` CA; a port that is not the engine's default (5433 for
    PostgreSQL, 3307 for MySQL); the isolated subnets of the VPC and a security group that
    admits nothing but the rotation function until ``allow_from`` is called; automatic minor
    version upgrades; gp3 storage of 20 GiB that grows by itself up to 100 GiB (instances);
    every log type exported to log groups encrypted with the storage key (the logs hold what
    the database holds), kept for the environment's log retention.

    Per stage (``stage_of``; outside an ``AbstractStack`` the production values): multi-AZ and
    deletion protection outside dev; backups kept 1 day in dev, 7 in staging, 30 in
    production; enhanced monitoring (60 s) and Performance Insights (encrypted with the
    storage key) in production or with ``regulated=True``; an AWS Backup plan (daily, kept 35
    days, in a vault encrypted with a rotating key) with ``regulated=True``. The removal policy
    is SNAPSHOT in every stage: data is never destroyed unless ``removal_policy`` says
    ``RemovalPolicy.DESTROY``; the keys, the secret and the log groups are then retained (a
    snapshot needs its key), or destroyed with a DESTROY policy.

    Credential rotation is Secrets Manager's hosted rotation
    (``secretsmanager.HostedRotation``: an ``AWS::SecretsManager::RotationSchedule`` with
    ``HostedRotationLambda``, which the ``AWS::SecretsManager-2020-07-23`` transform expands),
    not ``add_rotation_single_user``, which deploys the rotation function from the Serverless
    Application Repository: a nested application the stack does not describe, fetched at
    deployment from outside the account, whose function and role cdk-nag and checkov then
    report. The hosted function runs in the database's isolated subnets with a security group
    that may reach only the database port and HTTPS inside the VPC; those subnets have no
    route to the internet, so the VPC needs a Secrets Manager interface endpoint
    (``StandardVpc(interface_endpoints=["secretsmanager"])``, checked for a ``StandardVpc``).

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``Database`` (the instance or cluster),
        ``Secret``, ``StorageKey``, ``SecretKey``, ``LogGroup-<type>`` (one per
        exported log type), ``ParameterGroup``, ``SecurityGroup``, ``BackupKey`` and
        ``BackupVault`` fix the CloudFormation logical ids; they are public contract. The
        instance or cluster identifier is derived from the construct's path, so the log group
        names are known before the database exists (RDS would otherwise create them itself).
    vpc:
        A ``StandardVpc`` or an ``ec2.IVpc`` with isolated subnets; the database and the
        rotation function are placed in its isolated subnets.
    engine:
        Default: ``DatabaseEngine.POSTGRES``
    version:
        The engine version, major or full (``'16'``, ``'16.13'``, ``'8.0.45'``; for Aurora
        MySQL the Aurora version, ``'3.10.4'`` or ``'8.0.mysql_aurora.3.10.4'``), of a major
        that aws-cdk-lib still offers. Default: ``'16.13'`` for PostgreSQL, ``'8.0.45'`` for
        MySQL, ``'3.10.4'`` for Aurora MySQL
    aurora:
        An Aurora cluster instead of an RDS instance. Default: False
    instance_type:
        The instance class without ``db.`` (``'t4g.micro'``, ``'r6g.large'``).
        Default: - ``t4g.micro`` in dev, ``t4g.medium`` in staging, ``r6g.large`` in
        production and outside an ``AbstractStack``; ``r6g.large`` for Aurora
    serverless_v2_capacity:
        ``(min_acu, max_acu)``: Aurora Serverless v2 instances (only with ``aurora=True``);
        min 0 (pauses when idle) or 0.5 to 256, max 1 to 256, in steps of 0.5.
        Default: - provisioned instances
    port:
        Default: 5433 for PostgreSQL, 3307 for MySQL (the engine's default is refused)
    multi_az:
        A standby (instance) or a reader (Aurora) in a second AZ. Default: - True outside dev
    deletion_protection:
        Default: - True outside dev
    backup_retention:
        Automated backups, 1 to 35 whole days. Default: - 1 day in dev, 7 in staging, 30 in
        production
    removal_policy:
        Default: ``RemovalPolicy.SNAPSHOT`` in every stage
    allocated_storage_gib:
        Storage of an instance, 20 to 65536 GiB (not for Aurora, whose storage grows by
        itself). Default: 20
    max_allocated_storage_gib:
        The ceiling of storage autoscaling, at least ``allocated_storage_gib`` (equal turns
        autoscaling off). Default: - 100, or ``allocated_storage_gib`` when that is larger
    regulated:
        The settings of the HIPAA, NIST 800-53 and PCI DSS packs in every stage: enhanced
        monitoring, Performance Insights and an AWS Backup plan. Default: - True where the
        environment holds one of those packs (``is_regulated``), as for ``SecureApi``
    performance_insights:
        Default: - True in production or with ``regulated``
    enhanced_monitoring_interval:
        0 (off), 1, 5, 10, 15, 30 or 60 seconds. Default: - 60 seconds in production or with
        ``regulated``, else off
    rotation:
        Rotate the credentials with Secrets Manager's hosted rotation. Default: True
    multi_user_rotation:
        The alternating-users strategy (``HostedRotation.*_multi_user``, the secret rotating
        itself) instead of single-user rotation. Default: False
    rotation_interval:
        1 to 365 whole days. Default: 30 days
    log_retention:
        Retention of the log groups. Default: - the environment's log retention (one year
        outside an ``AbstractStack``)
    encryption_key:
        One key for the storage, snapshots, Performance Insights, the log groups and the
        credentials secret, such as the key of the service's bucket (each key costs 1 USD a
        month). CloudWatch Logs is granted its use when it is a key of this app. Default: - a
        new rotating key for the storage, logs and Performance Insights (``StorageKey``) and
        one for the secret (``SecretKey``)

    Raises
    ------
    ValidationError
        For a version of a major aws-cdk-lib no longer offers (or one RDS no longer creates),
        an instance class that does not exist for the engine (or with the ``db.`` prefix),
        Serverless v2 capacity without Aurora or outside its range, a port outside 1150-65535
        or the engine's default, a backup retention outside 1-35 days, storage outside
        20-65536 GiB or a ceiling below it, storage options with Aurora, a VPC without isolated
        subnets (or a ``StandardVpc`` without a Secrets Manager endpoint while rotation is on),
        rotation options with ``rotation=False``, an enhanced monitoring interval RDS refuses,
        a min ACU of 0 on an engine version that cannot pause, a VPC or an
        ``encryption_key`` of another region than the stack,
        ``performance_insights=False`` or a monitoring interval of 0 with ``regulated`` on, an
        RDS for MySQL class of size micro or small with Performance Insights on, a value of
        the wrong type or an id already used in ``scope``; nothing is added to the tree.

    Example
    -------
    ::

        network = StandardVpc(self, "Network", interface_endpoints=["secretsmanager"])
        database = SecureDatabase(self, "Orders", vpc=network)
        database.allow_from(handler)
        database.grant_connect(handler, "orders_app")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: StandardVpc | ec2.IVpc,
        engine: DatabaseEngine = DatabaseEngine.POSTGRES,
        version: str | None = None,
        aurora: bool = False,
        instance_type: str | None = None,
        serverless_v2_capacity: tuple[float, float] | None = None,
        port: int | None = None,
        multi_az: bool | None = None,
        deletion_protection: bool | None = None,
        backup_retention: Duration | None = None,
        removal_policy: RemovalPolicy | None = None,
        allocated_storage_gib: int | None = None,
        max_allocated_storage_gib: int | None = None,
        regulated: bool | None = None,
        performance_insights: bool | None = None,
        enhanced_monitoring_interval: Duration | None = None,
        rotation: bool = True,
        multi_user_rotation: bool = False,
        rotation_interval: Duration | None = None,
        log_retention: logs.RetentionDays | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        where = f"SecureDatabase({construct_id!r})"
        checks.check_arguments(where, SecureDatabase.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        stage = stage_of(scope)
        if regulated is None:
            regulated = is_regulated(scope)
        checked = _check_engine(where, engine, aurora, version)
        if serverless_v2_capacity is not None:
            _check_capacity(where, aurora, serverless_v2_capacity)
            if serverless_v2_capacity[0] == 0:
                _check_auto_pause(where, checked)
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
                DEFAULT_AURORA_INSTANCE_TYPE if aurora else DEFAULT_INSTANCE_TYPES[stage]
            )
            _check_instance_type(where, engine, aurora, instance_type)
        port = DEFAULT_PORTS[engine] if port is None else port
        _check_port(where, engine, port)
        backup_retention = backup_retention or Duration.days(BACKUP_DAYS[stage])
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
            seconds = (
                -1.0 if unresolved else enhanced_monitoring_interval.to_seconds(integral=False)
            )
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
            for prop, value, off in (
                ("performance_insights", performance_insights, performance_insights is False),
                (
                    "enhanced_monitoring_interval",
                    enhanced_monitoring_interval and enhanced_monitoring_interval.to_human_string(),
                    enhanced_monitoring_interval is not None
                    and not enhanced_monitoring_interval.is_unresolved()
                    and enhanced_monitoring_interval.to_seconds(integral=False) == 0,
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
        insights_on = (
            performance_insights
            if performance_insights is not None
            else stage in (None, Stage.PRODUCTION) or regulated
        )
        size = (instance_type or "").partition(".")[2]
        if insights_on and engine is DatabaseEngine.MYSQL and not aurora and size in _NO_INSIGHTS:
            raise ValidationError(
                where,
                "instance_type",
                instance_type,
                f"is too small for Performance Insights (performance_insights={insights_on}, "
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

        super().__init__(scope, construct_id)
        pin_feature_flags(self, SECRET_POLICY_ON_THE_SECRET)
        production_like = stage in (None, Stage.PRODUCTION)
        dev = stage is Stage.DEV
        self._where = where
        self._checked = checked
        self._port = port
        self._storage = None if aurora else storage
        multi_az = not dev if multi_az is None else multi_az
        deletion_protection = not dev if deletion_protection is None else deletion_protection
        insights = (
            (production_like or regulated)
            if performance_insights is None
            else (performance_insights)
        )
        monitoring = enhanced_monitoring_interval or (
            Duration.seconds(60) if production_like or regulated else Duration.seconds(0)
        )
        monitored = monitoring.to_seconds(integral=False) > 0
        policy = removal_policy or RemovalPolicy.SNAPSHOT
        companion = (
            RemovalPolicy.DESTROY if policy is RemovalPolicy.DESTROY else (RemovalPolicy.RETAIN)
        )
        if stage is Stage.PRODUCTION and policy is RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureDatabase:DestroyInProduction",
                f"{where}: removal_policy is DESTROY in production: deleting the stack or "
                "replacing the database deletes its data without a final snapshot",
            )

        self._storage_key: kms.IKey = encryption_key or rotating_key(
            self, "StorageKey", f"the storage of the database {self.node.path}", companion
        )
        self._secret_key: kms.IKey = encryption_key or rotating_key(
            self, "SecretKey", f"the credentials of the database {self.node.path}", companion
        )
        self._secret = rds.DatabaseSecret(
            self, "Secret", username=MASTER_USERNAME, encryption_key=self._secret_key
        )
        self._secret.apply_removal_policy(companion)
        self._security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network,
            description=f"The database {self.node.path}: no ingress but what allow_from admits",
            allow_all_outbound=False,
        )
        parameter_group = rds.ParameterGroup(
            self,
            "ParameterGroup",
            engine=checked.cluster_engine() if aurora else checked.instance_engine(),
            description=f"TLS required: the database {self.node.path}",
            parameters=dict(TLS_PARAMETERS[(engine, aurora)]),
        )
        identifier = Names.unique_resource_name(self, max_length=60, separator="-").lower()
        identifier = "db-" + re.sub(r"-+", "-", identifier).strip("-")[:56].rstrip("-")
        exports = LOG_EXPORTS[(engine, aurora)]
        log_groups = self._log_groups(
            "cluster" if aurora else "instance", identifier, exports, log_retention, companion
        )
        subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        common: dict[str, Any] = {
            "vpc": network,
            "vpc_subnets": subnets,
            "security_groups": [self._security_group],
            "credentials": rds.Credentials.from_secret(self._secret),
            "port": port,
            "storage_encrypted": True,
            "storage_encryption_key": self._storage_key,
            "iam_authentication": True,
            "parameter_group": parameter_group,
            "deletion_protection": deletion_protection,
            "removal_policy": policy,
            "cloudwatch_logs_exports": list(exports),
            "copy_tags_to_snapshot": True,
            "auto_minor_version_upgrade": True,
            "monitoring_interval": monitoring if monitored else None,
            "enable_performance_insights": insights or None,
            "performance_insight_encryption_key": self._storage_key if insights else None,
        }
        self._instance: rds.DatabaseInstance | None = None
        self._cluster: rds.DatabaseCluster | None = None
        database: rds.DatabaseInstance | rds.DatabaseCluster
        if aurora:
            database = self._cluster = self._create_cluster(
                common,
                identifier=identifier,
                instance_type=instance_type,
                capacity=serverless_v2_capacity,
                multi_az=multi_az,
                backup_retention=backup_retention,
            )
        else:
            database = self._instance = rds.DatabaseInstance(
                self,
                "Database",
                engine=checked.instance_engine(),
                instance_identifier=identifier,
                instance_type=ec2.InstanceType(instance_type or ""),
                multi_az=multi_az,
                allocated_storage=storage,
                max_allocated_storage=max_storage if max_storage > storage else None,
                storage_type=rds.StorageType.GP3,
                backup_retention=backup_retention,
                ca_certificate=rds.CaCertificate.RDS_CA_RSA2048_G1,
                publicly_accessible=False,
                allow_major_version_upgrade=False,
                delete_automated_backups=False,
                **common,
            )
        for log_group in log_groups:
            database.node.add_dependency(log_group)
        self._database = database

        self._rotation: secretsmanager.RotationSchedule | None = None
        if rotation:
            self._rotation = self._add_rotation(
                network, subnets, multi_user_rotation, rotation_interval or Duration.days(30)
            )
        if regulated:
            self._add_backup_plan(companion)
        self._acknowledge(
            stage=stage,
            multi_az=multi_az,
            deletion_protection=deletion_protection,
            backup_days=int(backup_retention.to_days()),
            monitored=monitored,
            insights=insights,
            regulated=regulated,
            rotation=rotation,
        )
        Tags.of(self).add("Module", "SecureDatabase")

    @classmethod
    def from_config(
        cls,
        scope: Construct,
        construct_id: str,
        vpc: StandardVpc | ec2.IVpc,
        database_config: DatabaseConfig,
        **overrides: Any,
    ) -> SecureDatabase:
        """A ``SecureDatabase`` with engine, version, class, multi-AZ, backups and deletion
        protection from ``database_config``.

        ``overrides`` are the constructor's other keyword arguments (``aurora``, ``port``...).

        Raises
        ------
        ValidationError
            For an override the config already gives or that is no property, a config that
            turns storage encryption off (a ``SecureDatabase`` is always encrypted), and as
            the constructor.
        """
        where = f"SecureDatabase({construct_id!r})"
        checks.check_arguments(where, cls.from_config, locals())
        taken = (
            "vpc",
            "engine",
            "version",
            "instance_type",
            "multi_az",
            "backup_retention",
            "deletion_protection",
        )
        checks.check_keywords(where, cls.__init__, overrides, taken=taken)
        if not database_config.storage_encrypted:
            raise ValidationError(
                where,
                "database_config.storage_encrypted",
                False,
                "must be True: a SecureDatabase always encrypts its storage",
            )
        serverless = overrides.get("serverless_v2_capacity") is not None
        return cls(
            scope,
            construct_id,
            vpc=vpc,
            engine=database_config.engine,
            version=database_config.version,
            instance_type=None if serverless else database_config.instance_type,
            multi_az=database_config.multi_az,
            backup_retention=Duration.days(database_config.backup_retention_days),
            deletion_protection=database_config.deletion_protection,
            **overrides,
        )

    # ----------------------------------------------------------------------------- parts

    def _log_groups(
        self,
        kind: str,
        identifier: str,
        exports: Sequence[str],
        retention: logs.RetentionDays | None,
        policy: RemovalPolicy,
    ) -> list[logs.LogGroup]:
        # The logs hold what the database holds (statements, errors): the storage key encrypts
        # them too, one key less to pay for.
        key = self._storage_key
        key.grant_encrypt_decrypt(
            iam.ServicePrincipal(f"logs.{Stack.of(self).region}.amazonaws.com")
        )
        groups = []
        for log_type in exports:
            group = logs.LogGroup(
                self,
                f"LogGroup-{log_type}",
                log_group_name=f"/aws/rds/{kind}/{identifier}/{log_type}",
                encryption_key=key,
                retention=retention or log_retention_for(self),
                removal_policy=policy,
            )
            acknowledge_short_retention(group)
            groups.append(group)
        return groups

    def _create_cluster(
        self,
        common: dict[str, Any],
        *,
        identifier: str,
        instance_type: str | None,
        capacity: tuple[float, float] | None,
        multi_az: bool,
        backup_retention: Duration,
    ) -> rds.DatabaseCluster:
        options: dict[str, Any] = {
            "ca_certificate": rds.CaCertificate.RDS_CA_RSA2048_G1,
            "publicly_accessible": False,
            "auto_minor_version_upgrade": True,
            "enable_performance_insights": common["enable_performance_insights"],
            "performance_insight_encryption_key": common["performance_insight_encryption_key"],
        }
        writer: rds.IClusterInstance
        readers: list[rds.IClusterInstance] = []
        if capacity is not None:
            writer = rds.ClusterInstance.serverless_v2("Writer", **options)
            if multi_az:
                readers.append(
                    rds.ClusterInstance.serverless_v2("Reader", scale_with_writer=True, **options)
                )
        else:
            size = ec2.InstanceType(instance_type or "")
            writer = rds.ClusterInstance.provisioned("Writer", instance_type=size, **options)
            if multi_az:
                readers.append(
                    rds.ClusterInstance.provisioned("Reader", instance_type=size, **options)
                )
        return rds.DatabaseCluster(
            self,
            "Database",
            engine=self._checked.cluster_engine(),
            cluster_identifier=identifier,
            writer=writer,
            readers=readers or None,
            backup=rds.BackupProps(retention=backup_retention),
            serverless_v2_min_capacity=capacity[0] if capacity else None,
            serverless_v2_max_capacity=capacity[1] if capacity else None,
            storage_type=rds.DBClusterStorageType.AURORA,
            **common,
        )

    def _add_rotation(
        self,
        network: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        multi_user: bool,
        interval: Duration,
    ) -> secretsmanager.RotationSchedule:
        group = ec2.SecurityGroup(
            self,
            "RotationSecurityGroup",
            vpc=network,
            description=f"Credential rotation of the database {self.node.path}",
            allow_all_outbound=False,
        )
        group.add_egress_rule(
            self._security_group, ec2.Port.tcp(self._port), "To the database port"
        )
        group.add_egress_rule(
            ec2.Peer.ipv4(network.vpc_cidr_block),
            ec2.Port.tcp(443),
            "HTTPS to the Secrets Manager endpoint in the VPC",
        )
        self._security_group.add_ingress_rule(
            group, ec2.Port.tcp(self._port), "Credential rotation function"
        )
        settings: dict[str, Any] = {
            "vpc": network,
            "vpc_subnets": subnets,
            "security_groups": [group],
        }
        postgres = self._checked.engine is DatabaseEngine.POSTGRES
        if multi_user:
            hosted = (
                secretsmanager.HostedRotation.postgre_sql_multi_user
                if postgres
                else secretsmanager.HostedRotation.mysql_multi_user
            )(master_secret=self._secret, **settings)
        else:
            hosted = (
                secretsmanager.HostedRotation.postgre_sql_single_user
                if postgres
                else secretsmanager.HostedRotation.mysql_single_user
            )(**settings)
        attached = self._database.secret
        if attached is None:  # pragma: no cover - aws-cdk-lib attaches the given secret
            raise ValidationError(self._where, "rotation", True, "the database has no secret")
        return attached.add_rotation_schedule(
            "Rotation", hosted_rotation=hosted, automatically_after=interval
        )

    def _add_backup_plan(self, policy: RemovalPolicy) -> None:
        vault = backup.BackupVault(
            self,
            "BackupVault",
            encryption_key=rotating_key(
                self, "BackupKey", f"the backups of the database {self.node.path}", policy
            ),
            removal_policy=policy,
        )
        plan = backup.BackupPlan.daily35_day_retention(self, "BackupPlan", vault)
        resource = (
            backup.BackupResource.from_rds_database_cluster(self._cluster)
            if self._cluster is not None
            else backup.BackupResource.from_rds_database_instance(self._database)  # type: ignore[arg-type]
        )
        selection = plan.add_selection("Database", resources=[resource])
        acknowledge(
            selection,
            _BACKUP_ROLE_REASON,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
        )

    def _acknowledge(
        self,
        *,
        stage: Stage | None,
        multi_az: bool,
        deletion_protection: bool,
        backup_days: int,
        monitored: bool,
        insights: bool,
        regulated: bool,
        rotation: bool,
    ) -> None:
        database = self._database
        cluster = self._cluster is not None
        if not multi_az:
            single = _stage_reason(stage, _SINGLE_AZ_REASON, "multi_az")
            acknowledge(database, single, "AwsSolutions-RDS3")
            acknowledge(database, single, *(f"{p}-RDSMultiAZSupport" for p in REGULATED_PACKS))
            if not cluster:
                acknowledge_library_check(database, "checkov", "CKV_AWS_157", single)
                acknowledge_library_check(database, "cfn-guard", "CT.RDS.PR.1", single)
        if not deletion_protection:
            reason = _stage_reason(stage, _NO_DELETION_PROTECTION_REASON, "deletion_protection")
            acknowledge(database, reason, "AwsSolutions-RDS10")
            acknowledge(
                database,
                reason,
                *(f"{p}-RDSInstanceDeletionProtectionEnabled" for p in REGULATED_PACKS),
            )
            acknowledge_library_check(database, "checkov", "CKV_AWS_293", reason)
            acknowledge_library_check(
                database,
                "cfn-guard",
                "CT.RDS.PR.3" if cluster else "CT.RDS.PR.13",
                reason,
            )
        if backup_days < 7 and not cluster:
            acknowledge_library_check(
                database, "cfn-guard", "CT.RDS.PR.8", _SHORT_BACKUP_REASON.format(days=backup_days)
            )
        stage_name = str(stage) if stage else "this stack"
        reason = _NOT_REGULATED_REASON.format(stage=stage_name)
        # The regulated packs' own findings (enhanced monitoring, backup plan) are left to be
        # seen: regulated=True is what answers them.
        if not monitored:
            for resource in self._db_instances():
                acknowledge_library_check(resource, "checkov", "CKV_AWS_118", reason)
                acknowledge_library_check(resource, "cfn-guard", "CT.RDS.PR.2", reason)
        else:
            acknowledge(
                database,
                _MONITORING_ROLE_REASON,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonRDSEnhancedMonitoringRole]",
            )
        if not insights:
            acknowledge_library_check(database, "checkov", "CKV_AWS_353", reason)
        if regulated and cluster:
            for member in self._db_instances():
                acknowledge(
                    member,
                    _CLUSTER_BACKUP_REASON,
                    *(f"{p}-RDSInBackupPlan" for p in REGULATED_PACKS),
                )
        if not rotation:
            acknowledge(self._secret, _NO_ROTATION_REASON, "AwsSolutions-SMG4")
            acknowledge(
                self._secret,
                _NO_ROTATION_REASON,
                *(f"{p}-SecretsManagerRotationEnabled" for p in REGULATED_PACKS),
            )
        if cluster and self._checked.engine is DatabaseEngine.MYSQL:
            acknowledge(database, _NO_BACKTRACK_REASON, "AwsSolutions-RDS14")
            acknowledge_library_check(database, "cfn-guard", "CT.RDS.PR.6", _NO_BACKTRACK_REASON)

    def _db_instances(self) -> list[rds.CfnDBInstance]:
        """The ``AWS::RDS::DBInstance`` resources: the instance, or the cluster's members."""
        if self._cluster is None:
            return [self._database.node.default_child]  # type: ignore[list-item]
        return [
            child.node.default_child
            for child in self._database.node.children
            if isinstance(child.node.default_child, rds.CfnDBInstance)
        ]

    # ----------------------------------------------------------------------------- attributes

    @property
    def instance(self) -> rds.DatabaseInstance | None:
        """The RDS instance; None for an Aurora cluster."""
        return self._instance

    @property
    def cluster(self) -> rds.DatabaseCluster | None:
        """The Aurora cluster; None for an RDS instance."""
        return self._cluster

    @property
    def database(self) -> rds.DatabaseInstance | rds.DatabaseCluster:
        """The instance or the cluster."""
        return self._database

    @property
    def is_cluster(self) -> bool:
        """True for an Aurora cluster."""
        return self._cluster is not None

    @property
    def engine(self) -> DatabaseEngine:
        """The engine (PostgreSQL or MySQL; Aurora's is compatible with it)."""
        return self._checked.engine

    @property
    def engine_version(self) -> str:
        """The engine version as RDS names it (``'16.13'``, ``'8.0.mysql_aurora.3.10.4'``)."""
        return self._checked.version

    @property
    def secret(self) -> secretsmanager.ISecret:
        """The credentials, attached to the database (host, port and engine included)."""
        attached = self._database.secret
        return attached if attached is not None else self._secret

    @property
    def storage_key(self) -> kms.IKey:
        """The key that encrypts the storage, snapshots and Performance Insights."""
        return self._storage_key

    @property
    def secret_key(self) -> kms.IKey:
        """The key that encrypts the secret."""
        return self._secret_key

    @property
    def security_group(self) -> ec2.SecurityGroup:
        """The database's security group (ingress only from ``allow_from``)."""
        return self._security_group

    @property
    def connections(self) -> ec2.Connections:
        """The database's connections, on its port."""
        return self._database.connections

    @property
    def endpoint_address(self) -> str:
        """The writer's host name."""
        if self._cluster is not None:
            return self._cluster.cluster_endpoint.hostname
        return self._database.db_instance_endpoint_address  # type: ignore[union-attr]

    @property
    def port(self) -> int:
        """The port the database listens on."""
        return self._port

    @property
    def allocated_storage_gib(self) -> int | None:
        """The instance's allocated storage; None for Aurora (its storage grows by itself)."""
        return self._storage

    @property
    def rotation_schedule(self) -> secretsmanager.RotationSchedule | None:
        """The secret's rotation schedule; None with ``rotation=False``."""
        return self._rotation

    # ----------------------------------------------------------------------------- methods

    def allow_from(
        self, peer: ec2.IConnectable | ec2.IPeer, description: str | None = None
    ) -> None:
        """Admit ``peer`` (a security group, a function in the VPC, a CIDR) on the port.

        Raises
        ------
        ValidationError
            For a peer that is every address (``0.0.0.0/0``, ``::/0``), a function outside a
            VPC or a description of more than 255 characters.
        """
        where = f"{self._where}.allow_from"
        checks.check_arguments(where, SecureDatabase.allow_from, locals())
        if description is not None and len(description) > _MAX_RULE_DESCRIPTION:
            raise ValidationError(
                where,
                "description",
                f"{description[:40]}...",
                f"must be at most {_MAX_RULE_DESCRIPTION} characters",
            )
        text = description or f"Clients of {self.node.path}"
        function = peer.function if isinstance(peer, ReleasedFunction) else peer
        if getattr(function, "is_bound_to_vpc", None) is False:
            raise ValidationError(
                where,
                "peer",
                typing.cast("Construct", peer).node.path,
                f"is a function outside a VPC, and {self.node.path} admits only security "
                "groups of its VPC: give the function vpc=... (MonitoredFunction(vpc=...)) so "
                "that it runs in the database's VPC",
            )
        if hasattr(peer, "to_ingress_rule_config"):  # an ec2.IPeer (a security group is one)
            rendered = Stack.of(self).resolve(peer.to_ingress_rule_config())
            cidr = rendered.get("cidrIp") or rendered.get("cidrIpv6")
            if cidr in ("0.0.0.0/0", "::/0"):
                raise ValidationError(
                    where,
                    "peer",
                    cidr,
                    "admits every address on the internet: name the security groups or "
                    "networks that need the database",
                )
        # The literal port, not the connections' token: rule checkers read it.
        port = ec2.Port.tcp(self._port)
        if (
            isinstance(peer, Construct)
            and hasattr(peer, "connections")
            and Stack.of(peer) is not Stack.of(self)
        ):
            # A peer in another stack: the rules go into the peer's stack, which refers to the
            # database's already, instead of making the database's stack refer back to the
            # peer's (a dependency cycle when the peer's stack depends on this one).
            for group in peer.connections.security_groups:
                self._security_group.add_ingress_rule(group, port, text, True)
                if not group.allow_all_outbound:
                    group.add_egress_rule(self._security_group, port, text)
        else:
            self._security_group.connections.allow_from(peer, port, text)

    def grant_connect(self, grantee: iam.IGrantable, db_user: str) -> iam.Grant:
        """Let ``grantee`` connect as ``db_user`` with IAM authentication (``rds-db:connect``).

        The database user must exist and be granted ``rds_iam`` (PostgreSQL) or use the
        ``AWSAuthenticationPlugin`` (MySQL).

        Raises
        ------
        ValidationError
            For a ``db_user`` that is no user name or is the master user (``dbadmin``), a
            grantee without a principal or a value of the wrong type.
        """
        where = f"{self._where}.grant_connect"
        checks.check_arguments(where, SecureDatabase.grant_connect, locals())
        checks.check_grantee(where, "grantee", grantee)
        checks.check_text(
            where,
            "db_user",
            db_user,
            _DB_USER,
            "a database user name: 1 to 63 letters, digits or '_', starting with a letter",
            tokens=True,
        )
        if db_user == MASTER_USERNAME:
            raise ValidationError(
                where,
                "db_user",
                db_user,
                "is the master user, whose password is in the rotated secret: connect as an "
                "application user created for the grantee (with rds_iam or the "
                "AWSAuthenticationPlugin), which holds only the privileges it needs",
            )
        target = library_grantee(grantee)
        grant = self._database.grant_connect(target, db_user)
        acknowledge_grant(
            target, f"SecureDatabase({self.node.path!r}).grant_connect", [grant], owner=self
        )
        return grant


_MAX_RULE_DESCRIPTION = 255


def _stage_reason(stage: Stage | None, dev_reason: str, prop: str) -> str:
    """The reason for a protection that is off: the dev default's, or the team's choice."""
    if stage is Stage.DEV:
        return dev_reason
    where = f"this {stage.value} database" if stage else "this database"
    return (
        f"{prop}=False was given for {where}, by the constructor or the environment's "
        f"database config (the constructor's default outside dev is True); production "
        "refuses it for deletion protection."
    )


# --------------------------------------------------------------------------------- checks


@cache
def offered_versions() -> dict[tuple[DatabaseEngine, bool], tuple[frozenset[str], frozenset[str]]]:
    """(offered, withdrawn) versions of each (engine, aurora), from aws-cdk-lib's constants.

    A constant aws-cdk-lib marks deprecated ("no longer supported by Amazon RDS") is withdrawn;
    read from the constants' docstrings, without a call into aws-cdk-lib's runtime.
    """
    classes = {
        (DatabaseEngine.POSTGRES, False): rds.PostgresEngineVersion,
        (DatabaseEngine.MYSQL, False): rds.MysqlEngineVersion,
        (DatabaseEngine.POSTGRES, True): rds.AuroraPostgresEngineVersion,
        (DatabaseEngine.MYSQL, True): rds.AuroraMysqlEngineVersion,
    }
    found = {}
    for key, klass in classes.items():
        offered: set[str] = set()
        withdrawn: set[str] = set()
        for name, member in vars(klass).items():
            getter = getattr(member, "fget", None)
            doc = getattr(getter, "__doc__", None) or ""
            match = re.search(r'Version "([^" ]+)"', doc)
            if not name.startswith("VER_") or match is None:
                continue
            (withdrawn if "(deprecated)" in doc else offered).add(match.group(1).lower())
        found[key] = (frozenset(offered), frozenset(withdrawn - offered))
    return found


def _major(engine: DatabaseEngine, aurora: bool, version: str) -> str:
    if aurora and engine is DatabaseEngine.MYSQL:
        return version.split(".mysql_aurora.", maxsplit=1)[0]
    parts = version.split("-", maxsplit=1)[0].split(".")
    if engine is DatabaseEngine.MYSQL or parts[0] == "9":
        return ".".join(parts[:2])
    return parts[0]


def offered_majors(engine: DatabaseEngine, aurora: bool) -> list[str]:
    """The major versions aws-cdk-lib still offers for the engine, oldest first."""
    offered, _ = offered_versions()[(engine, aurora)]
    majors = {_major(engine, aurora, v) for v in offered}
    return sorted(majors, key=lambda m: [int(p) for p in m.split(".")])


def _check_engine(where: str, engine: DatabaseEngine, aurora: bool, version: str | None) -> _Engine:
    given = version
    version = version or DEFAULT_VERSIONS[(engine, aurora)]
    name = ("Aurora " if aurora else "") + (
        "PostgreSQL" if engine is DatabaseEngine.POSTGRES else "MySQL"
    )
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
            latest = _latest(engine, aurora, mysql)
            version = latest or f"{mysql}.mysql_aurora.{aurora_major}"
        else:
            version = f"{mysql}.mysql_aurora.{match.group(2)}.{match.group(3)}.{match.group(4)}"
    elif not _VERSION_TEXT.fullmatch(version):
        raise ValidationError(
            where, "version", given, "must be a version such as '16', '16.13' or '8.0.45'"
        )
    major = _major(engine, aurora, version)
    majors = offered_majors(engine, aurora)
    if major not in majors:
        raise ValidationError(
            where,
            "version",
            given,
            f"{name} {major} is not offered by aws-cdk-lib (RDS no longer creates it): the "
            f"majors offered are {', '.join(majors)}",
        )
    offered, withdrawn = offered_versions()[(engine, aurora)]
    if version.lower() in withdrawn:
        newer = sorted(v for v in offered if _major(engine, aurora, v) == major)
        raise ValidationError(
            where,
            "version",
            given,
            f"RDS no longer creates {name} {version}: use a version it still offers, such as "
            f"{', '.join(repr(v) for v in newer[-3:])}",
        )
    if aurora and engine is DatabaseEngine.POSTGRES and "." not in version:
        latest = _latest(engine, aurora, major)
        version = latest or version
    return _Engine(engine, aurora, version, major)


def _latest(engine: DatabaseEngine, aurora: bool, major: str) -> str | None:
    offered, _ = offered_versions()[(engine, aurora)]
    candidates = [v for v in offered if _major(engine, aurora, v) == major]

    def order(version: str) -> list[int]:
        return [int(p) for p in re.findall(r"\d+", version)]

    return max(candidates, key=order) if candidates else None


def _check_instance_type(
    where: str, engine: DatabaseEngine, aurora: bool, instance_type: str
) -> None:
    if instance_type.startswith("db."):
        raise ValidationError(
            where,
            "instance_type",
            instance_type,
            f"leave out the 'db.' prefix: use {instance_type[3:]!r}",
        )
    family, _, size = instance_type.partition(".")
    families = FAMILIES[(engine, aurora)]
    kind = ("Aurora " if aurora else "RDS ") + str(engine)
    if family not in families:
        hint = (
            " (Aurora takes memory-optimized classes such as 'r6g.large', or "
            "serverless_v2_capacity)"
            if aurora
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


_AUTO_PAUSE_POSTGRES = {13: (13, 15), 14: (14, 12), 15: (15, 7), 16: (16, 3)}
"""The first Aurora PostgreSQL version of each major that pauses at 0 ACUs (17 and later all do)."""
_AUTO_PAUSE_MYSQL = (3, 8, 0)
"""The first Aurora MySQL version that pauses at 0 ACUs."""


def _check_auto_pause(where: str, checked: _Engine) -> None:
    """``min_acu=0`` needs an engine version that pauses; RDS refuses it otherwise."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", checked.version))
    first: tuple[int, ...]
    if checked.engine is DatabaseEngine.MYSQL:
        aurora = numbers[2:5] if ".mysql_aurora." in checked.version else numbers
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
            f"needs an engine version that pauses at 0 ACUs, and version {checked.version!r} "
            f"does not: use {needed} or later, or a min_acu of 0.5",
        )


def _check_port(where: str, engine: DatabaseEngine, port: int) -> None:
    checks.check_int(where, "port", port, MIN_PORT, MAX_PORT)
    if port == ENGINE_PORTS[engine]:
        raise ValidationError(
            where,
            "port",
            port,
            f"is the default port of {engine} (AwsSolutions-RDS11), which scanners probe "
            f"first: use another port, such as {DEFAULT_PORTS[engine]}",
        )


def _check_days(where: str, prop: str, value: Duration, low: int, high: int) -> None:
    checks.check_duration(where, prop, value, low=Duration.days(low), high=Duration.days(high))
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
    if subnets and not any(Token.is_unresolved(z) for z in zones) and len(zones) < 2:
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
            given.node.path,
            "has no Secrets Manager interface endpoint, which the rotation function in the "
            "isolated subnets needs: StandardVpc(interface_endpoints=['secretsmanager']), or "
            "rotation=False",
        )
