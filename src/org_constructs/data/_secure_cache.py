"""``SecureCache``: an ElastiCache (Valkey or Redis OSS) cache, encrypted, private, with users.

The properties are checked into one frozen settings value first (``_cache_settings.py``), with
the stage's defaults from the config model (``CacheConfig.for_stage``); the construct then
builds from it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.ingress import admit
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.config import CacheConfig, CacheEngine, Stage
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core import fit_name, name_part_of, service_name_of
from org_constructs.core._defaults import library_construct
from org_constructs.data._cache_settings import DEFAULT_ACCESS_STRING, CacheSettings, checked
from org_constructs.errors import ValidationError
from org_constructs.monitoring import ServiceMonitoring
from org_constructs.network import StandardVpc

if TYPE_CHECKING:
    from aws_cdk import aws_elasticache as elasticache
else:
    elasticache = lazy_module("aws_cdk.aws_elasticache")

__all__ = ["SecureCache"]

_MAX_ID = 40
"""ElastiCache's longest replication group, user and user group id."""
_MIN_BACKUP_DAYS = 15
"""Fewer days of snapshots than the HIPAA and NIST packs' automatic backup rule accepts."""
_BACKUP_PACKS = ("HIPAA.Security", "NIST.800.53.R5")
"""The regulated packs with the ElastiCacheRedisClusterAutomaticBackup rule."""
_FROM_CONFIG = (
    "engine",
    "version",
    "node_type",
    "replicas",
    "automatic_failover",
    "multi_az",
    "snapshot_retention_days",
)
"""The constructor's keywords that ``from_config`` takes from the ``CacheConfig``."""

_RBAC_REASON = (
    "The cache authenticates with an RBAC user group (a user whose generated password is in "
    "Secrets Manager, the default user turned off), which replaces the single AUTH token this "
    "rule looks for; Control Tower's CT.ELASTICACHE.PR.8 asks for RBAC."
)
_AUTH_CHOICE_REASON = (
    "auth_token=True was given: the cache authenticates with one AUTH token kept in Secrets "
    "Manager instead of an RBAC user group (clients that cannot send a user name)."
)
_NO_ROTATION_REASON = (
    "Secrets Manager has no hosted rotation for ElastiCache passwords (only a Serverless "
    "Application Repository function fetched at deployment); change the password by "
    "replacing the secret's value and deploying, which updates the user."
)
_SINGLE_AZ_REASON = (
    "A single node in dev (CacheConfig: replicas=0, automatic_failover and multi_az off): a "
    "cache that may be down during a node or AZ failure costs a third; staging and production "
    "keep replicas in other AZs with automatic failover."
)
_SHORT_SNAPSHOTS_REASON = (
    "Dev keeps {days} day(s) of snapshots (snapshot_retention_days); staging keeps {staging} "
    "and production {production}. The rule reads fewer than 15 days as too few."
)


class SecureCache(Construct):
    """An ElastiCache cache (Valkey by default, Redis OSS as an option) with secure defaults.

    By default: a replication group in the VPC's isolated subnets (a subnet group of its own)
    with a security group that admits nothing until ``allow_from`` is called, and then only on
    the cache port; TLS required in transit (``TransitEncryptionMode: required``); encryption at
    rest with a new customer-managed key that rotates yearly; authentication by an RBAC user
    group: a user (``app``, every command but the dangerous ones) whose generated password is
    in a Secrets Manager secret encrypted with the cache's key, and ElastiCache's ``default``
    user turned off; port 6380 (the engines' 6379 is refused); automatic minor version
    upgrades; daily snapshots.

    Per stage, from the config model (``CacheConfig.for_stage``), the defaults that
    ``from_config`` gets from an environment's ``config.cache`` too (outside an
    ``AbstractStack`` the production values): dev runs one ``cache.t4g.micro`` node without
    replicas or automatic failover and keeps snapshots 1 day; staging runs ``cache.t4g.small``
    with one replica, production ``cache.m7g.large`` with two, both with automatic failover and
    the replicas in other AZs (Multi-AZ), keeping snapshots 15 and 30 days. The removal policy
    is DESTROY in dev and SNAPSHOT (a final snapshot) elsewhere (``removal_policy_for``); the
    key and the secret are retained unless the cache is destroyed.

    Authentication: RBAC was chosen over an AUTH token because users can be added, have access
    strings of their own and change passwords without a restart; ``auth_token=True`` keeps
    one AUTH token (in the same kind of secret) for clients that cannot send a user name. The
    secret holds ``{"username": ..., "password": ...}`` (only ``password`` with an AUTH token).
    Secrets Manager has no hosted rotation for ElastiCache: the secret is not rotated
    automatically (acknowledged with that reason).

    ``serverless=True`` makes an ElastiCache Serverless cache (``CfnServerlessCache``) with
    usage limits instead of nodes; node type, replicas, failover, Multi-AZ, port, windows,
    parameters and AUTH tokens are refused with it.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``Cache`` (the replication group or serverless
        cache), ``Key``, ``Secret``, ``SecurityGroup``, ``SubnetGroup``, ``ParameterGroup``,
        ``User``, ``DefaultUser`` and ``UserGroup`` fix the CloudFormation logical ids; they
        are public contract, as are the ids derived from the stack's name and the construct's
        path (the replication group's id is part of its node ids, ``<id>-001`` ...).
    vpc:
        A ``StandardVpc`` or an ``ec2.IVpc`` with isolated subnets.
    engine:
        Default: - ``CacheEngine.VALKEY`` (``CacheConfig.engine``)
    version:
        ``'7.2'``, ``'8.0'`` or ``'8.1'`` for Valkey, ``'6.2'``, ``'7.0'`` or ``'7.1'`` for
        Redis OSS (serverless: Valkey 7 or 8, Redis OSS 7). Default: ``'8.0'`` for Valkey,
        ``'7.1'`` for Redis OSS
    serverless:
        An ElastiCache Serverless cache. Default: False
    node_type:
        ``cache.<family>.<size>``. Default: - ``cache.t4g.micro`` in dev, ``cache.t4g.small``
        in staging, ``cache.m7g.large`` in production
    replicas:
        Read replicas of the primary, 0 to 5. Default: - 0 in dev, 1 in staging, 2 in production
    automatic_failover:
        A replica takes over when the primary fails; needs a replica. Default: - the stage's
        (off in dev), and off without replicas
    multi_az:
        Replicas in other AZs than the primary; needs automatic failover. Default: - as
        ``automatic_failover``
    port:
        1024 to 65535, not 6379. Default: 6380
    snapshot_retention_days:
        0 (no snapshots) to 35. Default: - 1 in dev, 15 in staging, 30 in production
    snapshot_window:
        ``'hh24:mi-hh24:mi'`` (UTC), at least 60 minutes, outside the maintenance window.
        Default: - chosen by ElastiCache
    maintenance_window:
        ``'ddd:hh24:mi-ddd:hh24:mi'`` (UTC), at least 60 minutes. Default: - chosen by
        ElastiCache
    parameters:
        Engine parameters (``{"maxmemory-policy": "allkeys-lru"}``), in a parameter group of
        the engine's family. Default: - the engine's default parameter group
    auth_token:
        One AUTH token in Secrets Manager instead of an RBAC user group. Default: False
    user_name:
        The RBAC user's name (not ``default``). Default: ``'app'``
    max_data_storage_gb:
        Serverless only: the most data stored, 1 to 5000 GB. Default: 10
    max_ecpu_per_second:
        Serverless only: the most ElastiCache Processing Units a second, 1,000 to 15,000,000.
        Default: 15000
    encryption_key:
        A key of the stack's region for the data at rest, snapshots and the secret.
        Default: - a new key with rotation
    removal_policy:
        Default: - DESTROY in dev, SNAPSHOT elsewhere (RETAIN for a serverless cache)
    monitoring:
        A ``ServiceMonitoring`` that watches the cache (``monitor_cache``). Default: - none

    Raises
    ------
    ValidationError
        For a version ElastiCache does not create (or run serverless), a node type not of the
        form ``cache.<family>.<size>``, replicas outside 0-5, automatic failover without a
        replica, Multi-AZ without automatic failover, a port outside 1024-65535 or 6379,
        snapshot retention outside 0-35 days, a window ElastiCache refuses (or overlapping
        windows, or a snapshot window without snapshots), empty or malformed parameters, a
        user name with ``auth_token=True`` (or ``default``), serverless limits without
        ``serverless=True`` or node options with it, ``RemovalPolicy.SNAPSHOT`` for a
        serverless cache, a VPC without isolated subnets (in two AZs for Multi-AZ), a VPC or
        key of another region, a value of the wrong type or an id already used in ``scope``;
        nothing is added to the tree.

    Example
    -------
    ::

        network = StandardVpc(self, "Network")
        sessions = SecureCache(self, "Sessions", vpc=network)
        sessions.allow_from(handler)
        sessions.secret.grant_read(handler)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: StandardVpc | ec2.IVpc,
        engine: CacheEngine | None = None,
        version: str | None = None,
        serverless: bool = False,
        node_type: str | None = None,
        replicas: int | None = None,
        automatic_failover: bool | None = None,
        multi_az: bool | None = None,
        port: int | None = None,
        snapshot_retention_days: int | None = None,
        snapshot_window: str | None = None,
        maintenance_window: str | None = None,
        parameters: Mapping[str, str] | None = None,
        auth_token: bool = False,
        user_name: str | None = None,
        max_data_storage_gb: int | None = None,
        max_ecpu_per_second: int | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy | None = None,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"SecureCache({construct_id!r})"
        checks.check_arguments(where, SecureCache.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        settings = checked(
            where,
            scope,
            vpc=vpc,
            engine=engine,
            version=version,
            serverless=serverless,
            node_type=node_type,
            replicas=replicas,
            automatic_failover=automatic_failover,
            multi_az=multi_az,
            port=port,
            snapshot_retention_days=snapshot_retention_days,
            snapshot_window=snapshot_window,
            maintenance_window=maintenance_window,
            parameters=parameters,
            auth_token=auth_token,
            user_name=user_name,
            max_data_storage_gb=max_data_storage_gb,
            max_ecpu_per_second=max_ecpu_per_second,
            encryption_key=encryption_key,
            removal_policy=removal_policy,
        )
        if monitoring is not None:
            # What monitor_cache(self) at the end would refuse, refused now.
            monitoring.check_region("monitoring", scope)
            monitoring.check_label(construct_id, method="monitor_cache")
        super().__init__(scope, construct_id)
        library_construct(self, "SecureCache")
        self._where = where
        self._settings = settings
        self._build(settings)
        if monitoring is not None:
            monitoring.monitor_cache(self)

    def _build(self, settings: CacheSettings) -> None:
        """Create the key, the secret, the network parts, the users and the cache, in order."""
        policy = settings.removal_policy
        if settings.stage is Stage.PRODUCTION and policy is RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureCache:DestroyInProduction",
                f"{settings.where}: removal_policy is DESTROY in production: deleting the stack "
                "or replacing the cache deletes its data without a final snapshot",
            )
        companion = settings.companion
        self._encryption_key: kms.IKey = settings.encryption_key or rotating_key(
            self, "Key", f"the data and credentials of the cache {path_of(self)}", companion
        )
        template = {"username": settings.user_name} if settings.user_name else {}
        self._secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"The credentials of the cache {path_of(self)}",
            encryption_key=self._encryption_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(template),
                generate_string_key="password",
                exclude_punctuation=True,
                password_length=64,
            ),
            removal_policy=companion,
        )
        acknowledge(self._secret, _NO_ROTATION_REASON, "AwsSolutions-SMG4")
        acknowledge(
            self._secret,
            _NO_ROTATION_REASON,
            *(f"{p}-SecretsManagerRotationEnabled" for p in REGULATED_PACKS),
        )
        password = self._secret.secret_value_from_json("password").unsafe_unwrap()
        network = settings.network
        self._security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network,
            description=f"The cache {path_of(self)}: no ingress but what allow_from admits",
            allow_all_outbound=False,
        )
        self._connections = ec2.Connections(
            security_groups=[self._security_group],
            default_port=ec2.Port.tcp(settings.ports[0]),
        )
        subnet_ids = [s.subnet_id for s in network.isolated_subnets]
        base = self._derived_id()
        user_group: elasticache.CfnUserGroup | None = None
        if not settings.auth_token:
            user_group = self._users(settings, base, password)
        self._replication_group: elasticache.CfnReplicationGroup | None = None
        self._serverless_cache: elasticache.CfnServerlessCache | None = None
        description = f"The cache {path_of(self)}"
        cache: elasticache.CfnServerlessCache | elasticache.CfnReplicationGroup
        if settings.serverless:
            cache = self._serverless_cache = elasticache.CfnServerlessCache(
                self,
                "Cache",
                serverless_cache_name=base,
                engine=settings.engine.value,
                major_engine_version=settings.major,
                description=description,
                kms_key_id=self._encryption_key.key_arn,
                security_group_ids=[self._security_group.security_group_id],
                subnet_ids=subnet_ids,
                user_group_id=user_group.ref if user_group else None,
                snapshot_retention_limit=settings.snapshot_retention_days,
                cache_usage_limits=elasticache.CfnServerlessCache.CacheUsageLimitsProperty(
                    data_storage=elasticache.CfnServerlessCache.DataStorageProperty(
                        unit="GB", maximum=settings.max_data_storage_gb
                    ),
                    ecpu_per_second=elasticache.CfnServerlessCache.ECPUPerSecondProperty(
                        maximum=settings.max_ecpu_per_second
                    ),
                ),
            )
            self._endpoint_address = cache.attr_endpoint_address
        else:
            subnet_group = elasticache.CfnSubnetGroup(
                self,
                "SubnetGroup",
                description=f"The isolated subnets of the cache {path_of(self)}",
                subnet_ids=subnet_ids,
                cache_subnet_group_name=base,
            )
            parameter_group = (
                elasticache.CfnParameterGroup(
                    self,
                    "ParameterGroup",
                    cache_parameter_group_family=settings.family,
                    description=f"The parameters of the cache {path_of(self)}",
                    properties=dict(settings.parameters),
                )
                if settings.parameters
                else None
            )
            group = self._replication_group = elasticache.CfnReplicationGroup(
                self,
                "Cache",
                replication_group_id=base,
                replication_group_description=description,
                engine=settings.engine.value,
                engine_version=settings.version,
                cache_node_type=settings.node_type,
                num_cache_clusters=1 + settings.replicas,
                automatic_failover_enabled=settings.automatic_failover,
                multi_az_enabled=settings.multi_az,
                port=settings.port,
                cache_subnet_group_name=subnet_group.ref,
                security_group_ids=[self._security_group.security_group_id],
                at_rest_encryption_enabled=True,
                kms_key_id=self._encryption_key.key_arn,
                transit_encryption_enabled=True,
                transit_encryption_mode="required",
                auth_token=password if settings.auth_token else None,
                user_group_ids=[user_group.ref] if user_group else None,
                auto_minor_version_upgrade=True,
                snapshot_retention_limit=settings.snapshot_retention_days,
                snapshot_window=settings.snapshot_window,
                preferred_maintenance_window=settings.maintenance_window,
                cache_parameter_group_name=parameter_group.ref if parameter_group else None,
            )
            self._endpoint_address = group.attr_primary_end_point_address
            cache = group
        cache.apply_removal_policy(policy)
        self._acknowledge(settings)

    def _users(self, settings: CacheSettings, base: str, password: str) -> elasticache.CfnUserGroup:
        """The RBAC user group: the application's user, and the default user turned off."""
        engine = settings.engine.value
        self._user = elasticache.CfnUser(
            self,
            "User",
            user_id=fit_name(base, _MAX_ID - 5) + "-user",
            user_name=settings.user_name or "app",
            engine=engine,
            access_string=DEFAULT_ACCESS_STRING,
            authentication_mode={"Type": "password", "Passwords": [password]},
        )
        default = elasticache.CfnUser(
            self,
            "DefaultUser",
            user_id=fit_name(base, _MAX_ID - 8) + "-default",
            user_name="default",
            engine=engine,
            access_string="off -@all",
            authentication_mode={"Type": "password", "Passwords": [password]},
        )
        group = elasticache.CfnUserGroup(
            self,
            "UserGroup",
            user_group_id=fit_name(base, _MAX_ID - 6) + "-users",
            engine=engine,
            user_ids=[self._user.ref, default.ref],
        )
        return group

    def _acknowledge(self, settings: CacheSettings) -> None:
        """Acknowledge, with its reason, each finding the settings leave on purpose."""
        group = self._replication_group
        if group is None:
            return
        if not settings.auth_token:
            acknowledge(group, _RBAC_REASON, "AwsSolutions-AEC6")
        elif settings.engine is CacheEngine.REDIS:
            acknowledge_library_check(
                group, "cfn-guard", "CT.ELASTICACHE.PR.8", _AUTH_CHOICE_REASON
            )
        if not settings.multi_az:
            reason = _stage_reason(settings.stage, _SINGLE_AZ_REASON, "multi_az")
            acknowledge(group, reason, "AwsSolutions-AEC4")
            if not settings.automatic_failover and settings.engine is CacheEngine.REDIS:
                acknowledge_library_check(group, "cfn-guard", "CT.ELASTICACHE.PR.3", reason)
        if settings.snapshot_retention_days < _MIN_BACKUP_DAYS:
            reason = (
                _SHORT_SNAPSHOTS_REASON.format(
                    days=settings.snapshot_retention_days,
                    staging=CacheConfig.for_stage(Stage.STAGING).snapshot_retention_days,
                    production=CacheConfig.for_stage(Stage.PRODUCTION).snapshot_retention_days,
                )
                if settings.stage is Stage.DEV
                else _stage_reason(settings.stage, "", "snapshot_retention_days")
            )
            acknowledge(
                group,
                reason,
                *(f"{p}-ElastiCacheRedisClusterAutomaticBackup" for p in _BACKUP_PACKS),
            )

    def _derived_id(self) -> str:
        """``<stack name>-<path in the stack>`` as ElastiCache ids take it: lower case letters,
        digits and single hyphens, starting with a letter, at most 40 characters."""
        stack = Stack.of(self)
        inside = path_of(self).removeprefix(path_of(stack)).strip("/")
        raw = f"{service_name_of(self)}-{name_part_of(inside)}".lower()
        text = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", raw)).strip("-")
        if not text[:1].isalpha():
            text = f"c-{text}"
        return fit_name(text, _MAX_ID).rstrip("-")

    @classmethod
    def from_config(
        cls,
        scope: Construct,
        construct_id: str,
        vpc: StandardVpc | ec2.IVpc,
        config: CacheConfig,
        **kwargs: Any,
    ) -> SecureCache:
        """A ``SecureCache`` with engine, version, nodes, failover and snapshots from
        ``config``.

        ``kwargs`` are the other keyword arguments of the constructor.

        Raises
        ------
        ValidationError
            For a keyword the config already gives or that is no property,
            ``serverless=True`` (the config describes nodes: use the constructor), and as the
            constructor.
        """
        where = f"SecureCache({construct_id!r})"
        checks.check_part_of_config(where, "config", config, "cache")
        checks.check_arguments(where, cls.from_config, locals())
        checks.check_keywords(where, cls.__init__, kwargs, taken=("vpc", *_FROM_CONFIG))
        if kwargs.get("serverless") is True:
            raise ValidationError(
                where,
                "serverless",
                True,
                "cannot be given to from_config, whose config describes nodes and replicas: "
                "build a serverless cache with SecureCache(..., serverless=True)",
            )
        return cls(
            scope,
            construct_id,
            vpc=vpc,
            engine=config.engine,
            version=config.version or None,
            node_type=config.node_type,
            replicas=config.replicas,
            automatic_failover=config.automatic_failover,
            multi_az=config.multi_az,
            snapshot_retention_days=config.snapshot_retention_days,
            **kwargs,
        )

    # ----------------------------------------------------------------------------- attributes

    @property
    def replication_group(self) -> elasticache.CfnReplicationGroup | None:
        """The replication group; None for a serverless cache."""
        return self._replication_group

    @property
    def serverless_cache(self) -> elasticache.CfnServerlessCache | None:
        """The serverless cache; None for a replication group."""
        return self._serverless_cache

    @property
    def serverless(self) -> bool:
        """True for an ElastiCache Serverless cache."""
        return self._settings.serverless

    @property
    def engine(self) -> CacheEngine:
        """The engine (Valkey or Redis OSS)."""
        return self._settings.engine

    @property
    def engine_version(self) -> str:
        """The engine version (``'8.0'``)."""
        return self._settings.version

    @property
    def cache_id(self) -> str:
        """The replication group id or serverless cache name (the metrics' dimension)."""
        return self._derived_id()

    @property
    def node_ids(self) -> list[str]:
        """The ids of the nodes (``<replication group id>-001`` is the first primary);
        empty for a serverless cache."""
        if self._settings.serverless:
            return []
        return [f"{self.cache_id}-{n:03d}" for n in range(1, self._settings.replicas + 2)]

    @property
    def replicas(self) -> int:
        """The number of read replicas (0 for a serverless cache)."""
        return self._settings.replicas

    @property
    def endpoint_address(self) -> str:
        """The primary's (or the serverless cache's) host name."""
        return self._endpoint_address

    @property
    def port(self) -> int:
        """The port clients connect to (a serverless cache's readers use 6380 as well)."""
        return self._settings.port

    @property
    def security_group(self) -> ec2.SecurityGroup:
        """The cache's security group (ingress only from ``allow_from``)."""
        return self._security_group

    @property
    def connections(self) -> ec2.Connections:
        """The cache's connections, on its port."""
        return self._connections

    @property
    def secret(self) -> secretsmanager.ISecret:
        """The credentials: ``{"username", "password"}``, or ``{"password"}`` (the AUTH token)."""
        return self._secret

    @property
    def user_name(self) -> str | None:
        """The RBAC user's name; None with ``auth_token=True``."""
        return self._settings.user_name

    @property
    def encryption_key(self) -> kms.IKey:
        """The key that encrypts the data at rest, the snapshots and the secret."""
        return self._encryption_key

    # ----------------------------------------------------------------------------- methods

    def allow_from(
        self, peer: ec2.IConnectable | ec2.IPeer, description: str | None = None
    ) -> None:
        """Admit ``peer`` (a security group, a function in the VPC, a CIDR) on the cache port
        (both ports of a serverless cache) and nothing else.

        Raises
        ------
        ValidationError
            For a peer that is every address (``0.0.0.0/0``, ``::/0``), a function outside a
            VPC or a description of more than 255 characters.
        """
        where = f"{self._where}.allow_from"
        checks.check_arguments(where, SecureCache.allow_from, locals())
        admit(
            self,
            where,
            self._security_group,
            peer,
            ports=list(self._settings.ports),
            description=description,
            noun="cache",
        )


def _stage_reason(stage: Stage | None, dev_reason: str, prop: str) -> str:
    """The reason for a protection that is off: the dev default's, or the team's choice."""
    if stage is Stage.DEV and dev_reason:
        return dev_reason
    where = f"this {stage.value} cache" if stage else "this cache"
    return (
        f"{prop} was chosen for {where} by the constructor or the environment's cache config "
        "(the defaults outside dev keep replicas in other AZs and 15 days of snapshots or more)."
    )
