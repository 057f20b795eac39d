"""``SecureDatabase``: an RDS instance or an Aurora cluster, encrypted, private and rotated.

The properties are checked into one frozen settings value first (``_settings.py``), with the
stage's defaults from the config model; the construct then builds from it (the parts and
acknowledgements are in ``_parts.py``, the engines in ``_engines.py``)."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Annotations, Duration, Names, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.flags import pin_feature_flags
from org_constructs._internal.ingress import admit
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import acknowledge_grant, library_grantee
from org_constructs.config import DatabaseConfig, DatabaseEngine, Stage
from org_constructs.core._defaults import library_construct
from org_constructs.database._parts import (
    acknowledge_database,
    add_backup_plan,
    add_rotation,
    create_cluster,
    create_log_groups,
)
from org_constructs.database._settings import MASTER_USERNAME, _checked, _DatabaseSettings
from org_constructs.errors import ValidationError
from org_constructs.network import StandardVpc

__all__ = ["SecureDatabase"]

SECRET_POLICY_ON_THE_SECRET = {
    "@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments": True
}
"""The rotation's resource policy (deny DeleteSecret) goes on the secret itself; without the
flag aws-cdk-lib writes a second ``AWS::SecretsManager::ResourcePolicy`` for the attachment,
and a secret holds only one."""

_DB_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")


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

    Per stage, from the config model (``DatabaseConfig.for_stage``: instance class, multi-AZ,
    backups, deletion protection; ``StageDefaults.for_stage``: monitoring), the defaults that
    ``from_config`` gets from an environment's config too (outside an ``AbstractStack`` the
    production values): single-AZ without deletion protection in dev, multi-AZ with it in
    staging and production; backups kept 1 day in dev, 7 in staging, 30 in production;
    enhanced monitoring (60 s) and Performance Insights (encrypted with the storage key) in
    production or with ``regulated=True``; an AWS Backup plan (daily, kept 35
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
        A standby (instance) or a reader (Aurora) in a second AZ. Default: - the stage's
        (``DatabaseConfig.for_stage``): False in dev, True in staging and production
    deletion_protection:
        Default: - the stage's: False in dev, True in staging and production
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
        settings = _checked(
            where,
            scope,
            vpc=vpc,
            engine=engine,
            version=version,
            aurora=aurora,
            instance_type=instance_type,
            serverless_v2_capacity=serverless_v2_capacity,
            port=port,
            multi_az=multi_az,
            deletion_protection=deletion_protection,
            backup_retention=backup_retention,
            removal_policy=removal_policy,
            allocated_storage_gib=allocated_storage_gib,
            max_allocated_storage_gib=max_allocated_storage_gib,
            regulated=regulated,
            performance_insights=performance_insights,
            enhanced_monitoring_interval=enhanced_monitoring_interval,
            rotation=rotation,
            multi_user_rotation=multi_user_rotation,
            rotation_interval=rotation_interval,
            log_retention=log_retention,
            encryption_key=encryption_key,
        )
        super().__init__(scope, construct_id)
        library_construct(self, "SecureDatabase")
        pin_feature_flags(self, SECRET_POLICY_ON_THE_SECRET)
        self._where = where
        self._settings = settings
        self._build(settings)

    def _build(self, settings: _DatabaseSettings) -> None:
        """Create the resources of ``settings``, in the order that fixes the template."""
        aurora = settings.aurora
        policy = settings.removal_policy
        companion = settings.companion
        if settings.stage is Stage.PRODUCTION and policy is RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureDatabase:DestroyInProduction",
                f"{settings.where}: removal_policy is DESTROY in production: deleting the stack "
                "or replacing the database deletes its data without a final snapshot",
            )
        key = settings.encryption_key
        self._storage_key: kms.IKey = key or rotating_key(
            self, "StorageKey", f"the storage of the database {path_of(self)}", companion
        )
        self._secret_key: kms.IKey = key or rotating_key(
            self, "SecretKey", f"the credentials of the database {path_of(self)}", companion
        )
        self._secret = rds.DatabaseSecret(
            self, "Secret", username=MASTER_USERNAME, encryption_key=self._secret_key
        )
        self._secret.apply_removal_policy(companion)
        network = settings.network
        self._security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network,
            description=f"The database {path_of(self)}: no ingress but what allow_from admits",
            allow_all_outbound=False,
        )
        parameter_group = rds.ParameterGroup(
            self,
            "ParameterGroup",
            engine=settings.cluster_engine() if aurora else settings.instance_engine(),
            description=f"TLS required: the database {path_of(self)}",
            parameters=dict(settings.row.tls_parameters),
        )
        identifier = Names.unique_resource_name(self, max_length=60, separator="-").lower()
        identifier = "db-" + re.sub(r"-+", "-", identifier).strip("-")[:56].rstrip("-")
        exports = settings.row.log_exports
        log_groups = create_log_groups(
            self,
            self._storage_key,
            kind="cluster" if aurora else "instance",
            identifier=identifier,
            exports=exports,
            retention=settings.log_retention,
            policy=companion,
        )
        subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        insights = settings.insights
        common: dict[str, Any] = {
            "vpc": network,
            "vpc_subnets": subnets,
            "security_groups": [self._security_group],
            "credentials": rds.Credentials.from_secret(self._secret),
            "port": settings.port,
            "storage_encrypted": True,
            "storage_encryption_key": self._storage_key,
            "iam_authentication": True,
            "parameter_group": parameter_group,
            "deletion_protection": settings.deletion_protection,
            "removal_policy": policy,
            "cloudwatch_logs_exports": list(exports),
            "copy_tags_to_snapshot": True,
            "auto_minor_version_upgrade": True,
            "monitoring_interval": settings.monitoring if settings.monitored else None,
            "enable_performance_insights": insights or None,
            "performance_insight_encryption_key": self._storage_key if insights else None,
        }
        self._instance: rds.DatabaseInstance | None = None
        self._cluster: rds.DatabaseCluster | None = None
        database: rds.DatabaseInstance | rds.DatabaseCluster
        if aurora:
            database = self._cluster = create_cluster(self, settings, common, identifier=identifier)
        else:
            storage, max_storage = settings.storage, settings.max_storage
            database = self._instance = rds.DatabaseInstance(
                self,
                "Database",
                engine=settings.instance_engine(),
                instance_identifier=identifier,
                instance_type=ec2.InstanceType(settings.instance_type or ""),
                multi_az=settings.multi_az,
                allocated_storage=storage,
                max_allocated_storage=max_storage if max_storage > storage else None,
                storage_type=rds.StorageType.GP3,
                backup_retention=settings.backup_retention,
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
        if settings.rotation:
            self._rotation = add_rotation(
                self,
                settings,
                database=database,
                secret=self._secret,
                security_group=self._security_group,
                subnets=subnets,
            )
        if settings.regulated:
            add_backup_plan(self, companion, database)
        acknowledge_database(settings, database, self._secret)

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
        checks.check_part_of_config(where, "database_config", database_config, "database")
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
        return self._settings.engine

    @property
    def engine_version(self) -> str:
        """The engine version as RDS names it (``'16.13'``, ``'8.0.mysql_aurora.3.10.4'``)."""
        return self._settings.version

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
        return self._settings.port

    @property
    def allocated_storage_gib(self) -> int | None:
        """The instance's allocated storage; None for Aurora (its storage grows by itself)."""
        return None if self._settings.aurora else self._settings.storage

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
        admit(
            self,
            where,
            self._security_group,
            peer,
            ports=[self._settings.port],
            description=description,
            noun="database",
        )

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
            target, f"SecureDatabase({path_of(self)!r}).grant_connect", [grant], owner=self
        )
        return grant
