"""``SecureCache``'s properties, checked together into one frozen settings value before
anything is added to the tree: the engine and version, node type and replicas (or serverless
limits), port, windows, parameters, authentication, the VPC and the key, with the stage's
defaults (``CacheConfig.for_stage``) filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.tokens import unresolved
from org_constructs.config import CacheConfig, CacheEngine, Stage
from org_constructs.config._services import (
    CACHE_NODE_TYPE,
    MAX_CACHE_REPLICAS,
    MAX_CACHE_SNAPSHOT_DAYS,
)
from org_constructs.core import removal_policy_for, stage_of
from org_constructs.errors import ValidationError
from org_constructs.network import StandardVpc

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_USER_NAME",
    "ENGINE_PORT",
    "SERVERLESS_PORTS",
    "VERSIONS",
    "CacheSettings",
    "checked",
    "stage_defaults",
]

VERSIONS: Mapping[CacheEngine, tuple[str, ...]] = {
    CacheEngine.VALKEY: ("7.2", "8.0", "8.1"),
    CacheEngine.REDIS: ("6.2", "7.0", "7.1"),
}
"""The engine versions ElastiCache creates, oldest first."""
DEFAULT_VERSIONS: Mapping[CacheEngine, str] = {
    CacheEngine.VALKEY: "8.0",
    CacheEngine.REDIS: "7.1",
}
SERVERLESS_MAJORS: Mapping[CacheEngine, tuple[str, ...]] = {
    CacheEngine.VALKEY: ("7", "8"),
    CacheEngine.REDIS: ("7",),
}
"""The major versions ElastiCache Serverless runs."""
ENGINE_PORT = 6379
"""The engines' well-known port, which scanners probe first (AwsSolutions-AEC5 refuses it)."""
DEFAULT_PORT = 6380
SERVERLESS_PORTS = (6379, 6380)
"""A serverless cache's ports: the endpoint, and the reader endpoint."""
MIN_PORT, MAX_PORT = 1024, 65535
DEFAULT_USER_NAME = "app"
DEFAULT_ACCESS_STRING = "on ~* +@all -@dangerous"
"""Every key and command but the dangerous ones (FLUSHALL, CONFIG, KEYS, DEBUG...)."""
MIN_DATA_GB, MAX_DATA_GB = 1, 5000
MIN_ECPU, MAX_ECPU = 1000, 15_000_000
DEFAULT_DATA_GB, DEFAULT_ECPU = 10, 15_000
_MIN_WINDOW_MINUTES = 60
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MAINTENANCE = re.compile(
    r"^(sun|mon|tue|wed|thu|fri|sat):(\d\d):(\d\d)-(sun|mon|tue|wed|thu|fri|sat):(\d\d):(\d\d)$"
)
_SNAPSHOT = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
_USER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,119}$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_WEEK = 7 * 24 * 60


def stage_defaults(stage: Stage | None) -> CacheConfig:
    """The cache defaults of ``stage``: production's outside an ``AbstractStack``."""
    return CacheConfig.for_stage(stage or Stage.PRODUCTION)


@dataclass(frozen=True, eq=False)
class CacheSettings:
    """The checked properties of one ``SecureCache``, every default filled in."""

    where: str
    stage: Stage | None
    engine: CacheEngine
    version: str
    serverless: bool
    node_type: str | None
    replicas: int
    automatic_failover: bool
    multi_az: bool
    port: int
    snapshot_retention_days: int
    snapshot_window: str | None
    maintenance_window: str | None
    parameters: Mapping[str, str]
    auth_token: bool
    user_name: str | None
    max_data_storage_gb: int
    max_ecpu_per_second: int
    network: ec2.IVpc
    encryption_key: kms.IKey | None
    removal_policy: RemovalPolicy

    @property
    def major(self) -> str:
        """The engine's major version (``'8'``)."""
        return self.version.split(".")[0]

    @property
    def family(self) -> str:
        """The parameter group family (``valkey8``, ``redis7``, ``redis6.x``)."""
        if self.engine is CacheEngine.REDIS and self.major == "6":
            return "redis6.x"
        return f"{self.engine.value}{self.major}"

    @property
    def companion(self) -> RemovalPolicy:
        """The key's and secret's policy: a snapshot needs its key."""
        if self.removal_policy is RemovalPolicy.DESTROY:
            return RemovalPolicy.DESTROY
        return RemovalPolicy.RETAIN

    @property
    def ports(self) -> tuple[int, ...]:
        """The ports clients connect to."""
        return SERVERLESS_PORTS if self.serverless else (self.port,)


def checked(
    where: str,
    scope: Construct,
    *,
    vpc: StandardVpc | ec2.IVpc,
    engine: CacheEngine | None,
    version: str | None,
    serverless: bool,
    node_type: str | None,
    replicas: int | None,
    automatic_failover: bool | None,
    multi_az: bool | None,
    port: int | None,
    snapshot_retention_days: int | None,
    snapshot_window: str | None,
    maintenance_window: str | None,
    parameters: Mapping[str, str] | None,
    auth_token: bool,
    user_name: str | None,
    max_data_storage_gb: int | None,
    max_ecpu_per_second: int | None,
    encryption_key: kms.IKey | None,
    removal_policy: RemovalPolicy | None,
) -> CacheSettings:
    """Every property checked, alone and against the others; nothing is created."""
    stage = stage_of(scope)
    defaults = stage_defaults(stage)
    engine = engine or defaults.engine
    version = _check_version(where, engine, version or defaults.version or None, serverless)
    if serverless:
        _check_not_serverless(
            where,
            node_type=node_type,
            replicas=replicas,
            automatic_failover=automatic_failover,
            multi_az=multi_az,
            port=port,
            snapshot_window=snapshot_window,
            maintenance_window=maintenance_window,
            parameters=parameters,
            auth_token=auth_token or None,
        )
        if removal_policy is RemovalPolicy.SNAPSHOT:
            raise ValidationError(
                where,
                "removal_policy",
                removal_policy,
                "contradicts serverless=True: CloudFormation takes no final snapshot of a "
                "serverless cache; use RemovalPolicy.RETAIN, or a replication group",
            )
    else:
        for prop, value in (
            ("max_data_storage_gb", max_data_storage_gb),
            ("max_ecpu_per_second", max_ecpu_per_second),
        ):
            if value is not None:
                raise ValidationError(
                    where,
                    prop,
                    value,
                    "is a limit of a serverless cache: give serverless=True, or leave it out",
                )
    node = node_type or defaults.node_type
    _check_node_type(where, node)
    count = defaults.replicas if replicas is None else replicas
    checks.check_int(where, "replicas", count, 0, MAX_CACHE_REPLICAS)
    failover = (
        (defaults.automatic_failover and count > 0)
        if automatic_failover is None
        else automatic_failover
    )
    spread = (defaults.multi_az and failover) if multi_az is None else multi_az
    if not serverless:
        _check_availability(
            where,
            replicas=count,
            failover=failover,
            spread=spread,
            given_replicas=replicas,
            given_failover=automatic_failover,
        )
    chosen_port = DEFAULT_PORT if port is None else port
    checks.check_int(where, "port", chosen_port, MIN_PORT, MAX_PORT)
    if chosen_port == ENGINE_PORT:
        raise ValidationError(
            where,
            "port",
            chosen_port,
            f"is the engines' well-known port (AwsSolutions-AEC5), which scanners probe first: "
            f"use another port, such as {DEFAULT_PORT}",
        )
    retention = (
        defaults.snapshot_retention_days
        if snapshot_retention_days is None
        else snapshot_retention_days
    )
    checks.check_int(where, "snapshot_retention_days", retention, 0, MAX_CACHE_SNAPSHOT_DAYS)
    _check_windows(where, retention, snapshot_window, maintenance_window)
    checked_parameters = _check_parameters(where, parameters)
    if auth_token and user_name is not None:
        raise ValidationError(
            where,
            "user_name",
            user_name,
            "names the RBAC user, and auth_token=True authenticates with one AUTH token "
            "instead: leave user_name out, or auth_token=False",
        )
    name = None if auth_token else (user_name or DEFAULT_USER_NAME)
    if name is not None:
        checks.check_text(
            where,
            "user_name",
            name,
            _USER_NAME,
            "a user name of 1 to 120 letters, digits, '-' and '_', starting with a letter",
        )
        if name == "default":
            raise ValidationError(
                where,
                "user_name",
                name,
                "is ElastiCache's default user, which the library creates turned off: name "
                "the application's user, such as 'app'",
            )
    data_gb = DEFAULT_DATA_GB if max_data_storage_gb is None else max_data_storage_gb
    checks.check_int(where, "max_data_storage_gb", data_gb, MIN_DATA_GB, MAX_DATA_GB)
    ecpu = DEFAULT_ECPU if max_ecpu_per_second is None else max_ecpu_per_second
    checks.check_int(where, "max_ecpu_per_second", ecpu, MIN_ECPU, MAX_ECPU)
    network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
    checks.check_same_region(
        where,
        "vpc",
        network,
        scope,
        "a cache runs in a VPC of its own region; create or import one in that region",
    )
    _check_vpc(where, vpc, network, spread or serverless)
    if encryption_key is not None:
        checks.check_same_region(
            where,
            "encryption_key",
            encryption_key,
            scope,
            "ElastiCache and Secrets Manager use only keys of their own region; give a key of "
            "the stack's region",
        )
    policy = removal_policy or removal_policy_for(scope, None)
    if removal_policy is None and policy is RemovalPolicy.RETAIN and not serverless:
        policy = RemovalPolicy.SNAPSHOT
    return CacheSettings(
        where=where,
        stage=stage,
        engine=engine,
        version=version,
        serverless=serverless,
        node_type=None if serverless else node,
        replicas=0 if serverless else count,
        automatic_failover=False if serverless else failover,
        multi_az=False if serverless else spread,
        port=SERVERLESS_PORTS[0] if serverless else chosen_port,
        snapshot_retention_days=retention,
        snapshot_window=snapshot_window,
        maintenance_window=maintenance_window,
        parameters=checked_parameters,
        auth_token=auth_token,
        user_name=name,
        max_data_storage_gb=data_gb,
        max_ecpu_per_second=ecpu,
        network=network,
        encryption_key=encryption_key,
        removal_policy=policy,
    )


# --------------------------------------------------------------------------------- checks


def _check_version(where: str, engine: CacheEngine, version: str | None, serverless: bool) -> str:
    offered = VERSIONS[engine]
    chosen = version or DEFAULT_VERSIONS[engine]
    if chosen not in offered:
        raise ValidationError(
            where,
            "version",
            version,
            f"is not a {engine} version ElastiCache creates: use one of "
            f"{', '.join(repr(v) for v in offered)}",
        )
    major = chosen.split(".")[0]
    if serverless and major not in SERVERLESS_MAJORS[engine]:
        raise ValidationError(
            where,
            "version",
            version,
            f"{engine} {major} does not run serverless (serverless=True): ElastiCache "
            f"Serverless runs {engine} {', '.join(SERVERLESS_MAJORS[engine])}",
        )
    return chosen


def _check_not_serverless(where: str, **given: object) -> None:
    for prop, value in given.items():
        if value is not None:
            raise ValidationError(
                where,
                prop,
                value,
                "contradicts serverless=True: a serverless cache has no nodes, replicas, "
                "port, windows, parameter group or AUTH token of its own; leave it out, or "
                "serverless=False",
            )


def _check_node_type(where: str, node_type: str) -> None:
    if not isinstance(node_type, str) or not CACHE_NODE_TYPE.fullmatch(node_type):
        hint = (
            f": use 'cache.{node_type}'"
            if isinstance(node_type, str) and CACHE_NODE_TYPE.fullmatch(f"cache.{node_type}")
            else ""
        )
        raise ValidationError(
            where,
            "node_type",
            node_type,
            "must be a node type of the form cache.<family>.<size>, such as 'cache.t4g.micro' "
            f"or 'cache.r7g.large'{hint}",
        )


def _check_availability(
    where: str,
    *,
    replicas: int,
    failover: bool,
    spread: bool,
    given_replicas: int | None,
    given_failover: bool | None,
) -> None:
    if failover and replicas == 0:
        raise ValidationError(
            where,
            "automatic_failover",
            True,
            f"needs a replica to fail over to, and replicas is 0 "
            f"({'given' if given_replicas is not None else 'the stage default'}): give "
            "replicas=1 or more, or automatic_failover=False",
        )
    if spread and not failover:
        raise ValidationError(
            where,
            "multi_az",
            True,
            f"needs automatic_failover=True (ElastiCache's rule), and automatic_failover is "
            f"False ({'given' if given_failover is not None else 'the stage default'})",
        )


def _window_minutes(day: str | None, hours: str, minutes: str) -> int:
    start = _DAYS.index(day) * 24 * 60 if day else 0
    return start + int(hours) * 60 + int(minutes)


def _check_windows(
    where: str, retention: int, snapshot_window: str | None, maintenance_window: str | None
) -> None:
    maintenance: tuple[int, int] | None = None
    if maintenance_window is not None and not unresolved(maintenance_window):
        match = (
            _MAINTENANCE.fullmatch(maintenance_window)
            if isinstance(maintenance_window, str)
            else None
        )
        if match is None or int(match[2]) > 23 or int(match[5]) > 23:
            raise ValidationError(
                where,
                "maintenance_window",
                maintenance_window,
                "must be 'ddd:hh24:mi-ddd:hh24:mi' in UTC, such as 'sun:05:00-sun:06:00'",
            )
        start = _window_minutes(match[1], match[2], match[3])
        end = _window_minutes(match[4], match[5], match[6])
        length = (end - start) % _WEEK
        if length < _MIN_WINDOW_MINUTES:
            raise ValidationError(
                where,
                "maintenance_window",
                maintenance_window,
                "must last at least 60 minutes",
            )
        maintenance = (start, length)
    if snapshot_window is None or unresolved(snapshot_window):
        return
    if retention == 0:
        raise ValidationError(
            where,
            "snapshot_window",
            snapshot_window,
            "is when daily snapshots are taken, and snapshot_retention_days is 0 (none): "
            "give snapshot_retention_days=1 or more, or leave snapshot_window out",
        )
    found = _SNAPSHOT.fullmatch(snapshot_window) if isinstance(snapshot_window, str) else None
    if found is None or int(found[1]) > 23 or int(found[3]) > 23:
        raise ValidationError(
            where,
            "snapshot_window",
            snapshot_window,
            "must be 'hh24:mi-hh24:mi' in UTC, such as '03:00-04:00'",
        )
    begin = _window_minutes(None, found[1], found[2])
    length = (_window_minutes(None, found[3], found[4]) - begin) % (24 * 60)
    if length < _MIN_WINDOW_MINUTES:
        raise ValidationError(
            where, "snapshot_window", snapshot_window, "must last at least 60 minutes"
        )
    if maintenance is None:
        return
    m_start, m_length = maintenance
    for day in range(7):
        s_start = day * 24 * 60 + begin
        if (s_start - m_start) % _WEEK < m_length or (m_start - s_start) % _WEEK < length:
            raise ValidationError(
                where,
                "snapshot_window",
                snapshot_window,
                f"overlaps maintenance_window={maintenance_window!r}: ElastiCache refuses "
                "windows that overlap; move one of them",
            )


def _check_parameters(where: str, parameters: Mapping[str, str] | None) -> Mapping[str, str]:
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise ValidationError(
            where, "parameters", parameters, "must be a mapping of parameter name to value"
        )
    if not parameters:
        raise ValidationError(
            where, "parameters", {}, "must name at least one parameter, or be left out"
        )
    for name, value in parameters.items():
        if not isinstance(name, str) or not _PARAMETER.fullmatch(name):
            raise ValidationError(
                where,
                "parameters",
                name,
                "must be ElastiCache parameter names such as 'maxmemory-policy'",
            )
        if not isinstance(value, str) or (not value and not unresolved(value)):
            raise ValidationError(
                where, f"parameters[{name!r}]", value, "must be a value as text, such as '5'"
            )
    return dict(parameters)


def _check_vpc(where: str, given: StandardVpc | ec2.IVpc, network: ec2.IVpc, spread: bool) -> None:
    subnets = network.isolated_subnets
    shown = getattr(getattr(given, "node", None), "path", given)
    if not subnets:
        raise ValidationError(
            where,
            "vpc",
            shown,
            "has no isolated subnets: the cache runs only in subnets without a route to the "
            "internet (StandardVpc has them in every AZ)",
        )
    zones = {s.availability_zone for s in subnets}
    if spread and not any(unresolved(z) for z in zones) and len(zones) < 2:
        raise ValidationError(
            where,
            "vpc",
            f"{shown} (isolated subnets in {len(zones)} availability zone)",
            "must have isolated subnets in at least two availability zones for multi_az (or a "
            "serverless cache): StandardVpc(max_azs=2) or more",
        )
