"""The parts ``SecureDatabase`` builds from its checked settings (log groups, the Aurora
cluster, credential rotation, the AWS Backup plan) and the acknowledgements of what it
cannot make compliant, each with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from org_constructs._internal.kms import rotating_key
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_library_check,
    acknowledge_short_retention,
)
from org_constructs.config import DatabaseConfig, DatabaseEngine, Stage
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core import log_retention_for
from org_constructs.database._settings import _DatabaseSettings
from org_constructs.errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk import aws_backup as backup
else:
    backup = lazy_module("aws_cdk.aws_backup")


__all__ = [
    "acknowledge_database",
    "add_backup_plan",
    "add_rotation",
    "create_cluster",
    "create_log_groups",
]

_SINGLE_AZ_REASON = (
    "Single-AZ in dev (multi_az=False there by default): it halves the cost of a database "
    "that may stop during an AZ outage; staging and production keep a standby in another AZ."
)
_NO_DELETION_PROTECTION_REASON = (
    "No deletion protection in dev (deletion_protection=False there by default): dev databases "
    "are rebuilt from scratch; a final snapshot is still taken (removal policy SNAPSHOT)."
)
_SHORT_BACKUP_REASON = (
    "Dev keeps {days} day(s) of automated backups (backup_retention); staging keeps {staging} "
    "and production {production}. The rule reads fewer than 7 days as too few."
)
_NOT_REGULATED_REASON = (
    "Enhanced monitoring, Performance Insights and an AWS Backup plan are on in production and "
    "with regulated=True; {stage} keeps automated backups and exports every log type."
)
_NO_ROTATION_REASON = (
    "Credential rotation is off on request (SecureDatabase(rotation=False)): the application "
    "connects with IAM authentication, or rotation runs elsewhere."
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
_MIN_BACKUP_DAYS = 7
"""Fewer days of automated backups than cfn-guard's CT.RDS.PR.8 accepts."""


def create_log_groups(
    scope: Construct,
    key: kms.IKey,
    *,
    kind: str,
    identifier: str,
    exports: Sequence[str],
    retention: logs.RetentionDays | None,
    policy: RemovalPolicy,
) -> list[logs.LogGroup]:
    """One log group per exported log type, named as RDS names them, encrypted with ``key``.

    The logs hold what the database holds (statements, errors): the storage key encrypts them
    too, one key less to pay for.
    """
    key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{Stack.of(scope).region}.amazonaws.com"))
    groups = []
    for log_type in exports:
        group = logs.LogGroup(
            scope,
            f"LogGroup-{log_type}",
            log_group_name=f"/aws/rds/{kind}/{identifier}/{log_type}",
            encryption_key=key,
            retention=retention or log_retention_for(scope),
            removal_policy=policy,
        )
        acknowledge_short_retention(group)
        groups.append(group)
    return groups


def create_cluster(
    scope: Construct,
    settings: _DatabaseSettings,
    common: dict[str, Any],
    *,
    identifier: str,
) -> rds.DatabaseCluster:
    """The Aurora cluster: a writer, and a reader in another AZ with ``multi_az``."""
    options: dict[str, Any] = {
        "ca_certificate": rds.CaCertificate.RDS_CA_RSA2048_G1,
        "publicly_accessible": False,
        "auto_minor_version_upgrade": True,
        "enable_performance_insights": common["enable_performance_insights"],
        "performance_insight_encryption_key": common["performance_insight_encryption_key"],
    }
    capacity = settings.capacity
    writer: rds.IClusterInstance
    readers: list[rds.IClusterInstance] = []
    if capacity is not None:
        writer = rds.ClusterInstance.serverless_v2("Writer", **options)
        if settings.multi_az:
            readers.append(
                rds.ClusterInstance.serverless_v2("Reader", scale_with_writer=True, **options)
            )
    else:
        size = ec2.InstanceType(settings.instance_type or "")
        writer = rds.ClusterInstance.provisioned("Writer", instance_type=size, **options)
        if settings.multi_az:
            readers.append(rds.ClusterInstance.provisioned("Reader", instance_type=size, **options))
    return rds.DatabaseCluster(
        scope,
        "Database",
        engine=settings.cluster_engine(),
        cluster_identifier=identifier,
        writer=writer,
        readers=readers or None,
        backup=rds.BackupProps(retention=settings.backup_retention),
        serverless_v2_min_capacity=capacity[0] if capacity else None,
        serverless_v2_max_capacity=capacity[1] if capacity else None,
        storage_type=rds.DBClusterStorageType.AURORA,
        **common,
    )


def add_rotation(
    scope: Construct,
    settings: _DatabaseSettings,
    *,
    database: rds.DatabaseInstance | rds.DatabaseCluster,
    secret: rds.DatabaseSecret,
    security_group: ec2.SecurityGroup,
    subnets: ec2.SubnetSelection,
) -> secretsmanager.RotationSchedule:
    """Secrets Manager's hosted rotation in the isolated subnets, reaching only the database
    port and HTTPS inside the VPC."""
    network = settings.network
    port = ec2.Port.tcp(settings.port)
    group = ec2.SecurityGroup(
        scope,
        "RotationSecurityGroup",
        vpc=network,
        description=f"Credential rotation of the database {path_of(scope)}",
        allow_all_outbound=False,
    )
    group.add_egress_rule(security_group, port, "To the database port")
    group.add_egress_rule(
        ec2.Peer.ipv4(network.vpc_cidr_block),
        ec2.Port.tcp(443),
        "HTTPS to the Secrets Manager endpoint in the VPC",
    )
    security_group.add_ingress_rule(group, port, "Credential rotation function")
    placement: dict[str, Any] = {
        "vpc": network,
        "vpc_subnets": subnets,
        "security_groups": [group],
    }
    postgres = settings.engine is DatabaseEngine.POSTGRES
    if settings.multi_user_rotation:
        hosted = (
            secretsmanager.HostedRotation.postgre_sql_multi_user
            if postgres
            else secretsmanager.HostedRotation.mysql_multi_user
        )(master_secret=secret, **placement)
    else:
        hosted = (
            secretsmanager.HostedRotation.postgre_sql_single_user
            if postgres
            else secretsmanager.HostedRotation.mysql_single_user
        )(**placement)
    attached = database.secret
    if attached is None:  # pragma: no cover - aws-cdk-lib attaches the given secret
        raise ValidationError(settings.where, "rotation", True, "the database has no secret")
    return attached.add_rotation_schedule(
        "Rotation", hosted_rotation=hosted, automatically_after=settings.rotation_interval
    )


def add_backup_plan(
    scope: Construct,
    policy: RemovalPolicy,
    database: rds.DatabaseInstance | rds.DatabaseCluster,
) -> None:
    """A daily AWS Backup plan kept 35 days, in a vault encrypted with a rotating key."""
    vault = backup.BackupVault(
        scope,
        "BackupVault",
        encryption_key=rotating_key(
            scope, "BackupKey", f"the backups of the database {path_of(scope)}", policy
        ),
        removal_policy=policy,
    )
    plan = backup.BackupPlan.daily35_day_retention(scope, "BackupPlan", vault)
    resource = (
        backup.BackupResource.from_rds_database_cluster(database)
        if isinstance(database, rds.DatabaseCluster)
        else backup.BackupResource.from_rds_database_instance(database)
    )
    selection = plan.add_selection("Database", resources=[resource])
    acknowledge(
        selection,
        _BACKUP_ROLE_REASON,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSBackupServiceRolePolicyForBackup]",
    )


def db_instances(
    database: rds.DatabaseInstance | rds.DatabaseCluster,
) -> list[rds.CfnDBInstance]:
    """The ``AWS::RDS::DBInstance`` resources: the instance, or the cluster's members."""
    if not isinstance(database, rds.DatabaseCluster):
        return [database.node.default_child]  # type: ignore[list-item]
    return [
        child.node.default_child
        for child in database.node.children
        if isinstance(child.node.default_child, rds.CfnDBInstance)
    ]


def acknowledge_database(
    settings: _DatabaseSettings,
    database: rds.DatabaseInstance | rds.DatabaseCluster,
    secret: secretsmanager.ISecret,
) -> None:
    """Acknowledge, with its reason, each finding the settings leave on purpose."""
    stage = settings.stage
    cluster = isinstance(database, rds.DatabaseCluster)
    if not settings.multi_az:
        single = _stage_reason(stage, _SINGLE_AZ_REASON, "multi_az")
        acknowledge(database, single, "AwsSolutions-RDS3")
        acknowledge(database, single, *(f"{p}-RDSMultiAZSupport" for p in REGULATED_PACKS))
        if not cluster:
            acknowledge_library_check(database, "checkov", "CKV_AWS_157", single)
            acknowledge_library_check(database, "cfn-guard", "CT.RDS.PR.1", single)
    if not settings.deletion_protection:
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
    backup_days = int(settings.backup_retention.to_days())
    if backup_days < _MIN_BACKUP_DAYS and not cluster:
        acknowledge_library_check(
            database,
            "cfn-guard",
            "CT.RDS.PR.8",
            _SHORT_BACKUP_REASON.format(
                days=backup_days,
                staging=DatabaseConfig.for_stage(Stage.STAGING).backup_retention_days,
                production=DatabaseConfig.for_stage(Stage.PRODUCTION).backup_retention_days,
            ),
        )
    stage_name = str(stage) if stage else "this stack"
    reason = _NOT_REGULATED_REASON.format(stage=stage_name)
    # The regulated packs' own findings (enhanced monitoring, backup plan) are left to be
    # seen: regulated=True is what answers them.
    if not settings.monitored:
        for resource in db_instances(database):
            acknowledge_library_check(resource, "checkov", "CKV_AWS_118", reason)
            acknowledge_library_check(resource, "cfn-guard", "CT.RDS.PR.2", reason)
    else:
        acknowledge(
            database,
            _MONITORING_ROLE_REASON,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonRDSEnhancedMonitoringRole]",
        )
    if not settings.insights:
        acknowledge_library_check(database, "checkov", "CKV_AWS_353", reason)
    if settings.regulated and cluster:
        for member in db_instances(database):
            acknowledge(
                member,
                _CLUSTER_BACKUP_REASON,
                *(f"{p}-RDSInBackupPlan" for p in REGULATED_PACKS),
            )
    if not settings.rotation:
        acknowledge(secret, _NO_ROTATION_REASON, "AwsSolutions-SMG4")
        acknowledge(
            secret,
            _NO_ROTATION_REASON,
            *(f"{p}-SecretsManagerRotationEnabled" for p in REGULATED_PACKS),
        )
    if cluster and settings.engine is DatabaseEngine.MYSQL:
        acknowledge(database, _NO_BACKTRACK_REASON, "AwsSolutions-RDS14")
        acknowledge_library_check(database, "cfn-guard", "CT.RDS.PR.6", _NO_BACKTRACK_REASON)


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
