"""Typed, frozen, validated per-environment configuration."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from org_constructs._internal import checks
from org_constructs.config._services import (
    CacheConfig,
    CacheEngine,
    QueueConfig,
    StateMachineConfig,
    TableConfig,
)
from org_constructs.config._stage import Stage
from org_constructs.config._stage import stage_defaults as _stage_defaults
from org_constructs.contract import DEFAULT_PACKS, MAX_RUNBOOK_URL, NAG_PACKS
from org_constructs.errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk.aws_logs import RetentionDays

__all__ = [
    "LOG_RETENTION_DAYS",
    "CacheConfig",
    "CacheEngine",
    "DatabaseConfig",
    "DatabaseEngine",
    "EnvironmentConfig",
    "QueueConfig",
    "SecurityConfig",
    "Stage",
    "StageDefaults",
    "StateMachineConfig",
    "TableConfig",
    "VpcConfig",
]

# The retention periods CloudWatch Logs accepts, in days, and their aws_logs.RetentionDays names.
_RETENTION_NAMES: Mapping[int, str] = {
    1: "ONE_DAY",
    3: "THREE_DAYS",
    5: "FIVE_DAYS",
    7: "ONE_WEEK",
    14: "TWO_WEEKS",
    30: "ONE_MONTH",
    60: "TWO_MONTHS",
    90: "THREE_MONTHS",
    120: "FOUR_MONTHS",
    150: "FIVE_MONTHS",
    180: "SIX_MONTHS",
    365: "ONE_YEAR",
    400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS",
    731: "TWO_YEARS",
    1096: "THREE_YEARS",
    1827: "FIVE_YEARS",
    2192: "SIX_YEARS",
    2557: "SEVEN_YEARS",
    2922: "EIGHT_YEARS",
    3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}
LOG_RETENTION_DAYS = tuple(_RETENTION_NAMES)
"""The log retention periods CloudWatch Logs accepts, in days."""

_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_ROLE_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:iam::(?P<account>\d{12}):role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"
)
MAX_WAVE = 99
_NO_DEFAULT: Any = object()
"""``EnvironmentConfig.setting`` without a default."""
_SETTING_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
"""The highest delivery ``wave`` of an environment."""


class DatabaseEngine(str, Enum):
    """A relational database engine."""

    POSTGRES = "postgres"
    MYSQL = "mysql"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class VpcConfig:
    """Network settings for one environment.

    Parameters
    ----------
    cidr:
        The VPC's IPv4 range, a network with a prefix from /16 to /28.
        Default: ``'10.0.0.0/16'``
    max_azs:
        How many Availability Zones the VPC spans, 1 to 6. Default: 3
    nat_gateways:
        How many NAT gateways to run, 0 to ``max_azs``; with ``nat_instance_type``, how many NAT
        instances. Each gateway costs about 32 USD a month plus data; one per AZ keeps egress
        up when an AZ fails. Default: 3
    flow_logs:
        Whether to record VPC flow logs. Default: True
    nat_instance_type:
        Run NAT instances of this Graviton type (``'t4g.nano'``, ``'c6gn.medium'``: written
        ``family.size``) instead of NAT gateways: a ``t4g.nano`` costs about 7.40 USD a month
        with its volume and public IPv4 address, but it is one instance, not a managed service
        (see ``StandardVpc``). Needs ``nat_gateways`` of 1 or more. Default: None (NAT
        gateways)

    Use ``VpcConfig.for_stage(stage)`` for the per-stage defaults (dev runs one NAT gateway).
    """

    cidr: str = "10.0.0.0/16"
    max_azs: int = 3
    nat_gateways: int = 3
    flow_logs: bool = True
    nat_instance_type: str | None = None

    def __post_init__(self) -> None:
        where = type(self).__name__
        checks.check_vpc_cidr(where, "cidr", self.cidr)
        checks.check_int(where, "max_azs", self.max_azs, 1, 6)
        checks.check_int(where, "nat_gateways", self.nat_gateways, 0, 6)
        if self.nat_gateways > self.max_azs:
            raise ValidationError(
                where,
                "nat_gateways",
                self.nat_gateways,
                f"must not exceed max_azs ({self.max_azs}); lower nat_gateways or raise max_azs",
            )
        checks.check_bool(where, "flow_logs", self.flow_logs)
        if self.nat_instance_type is not None:
            checks.check_graviton_instance_type(where, "nat_instance_type", self.nat_instance_type)
            if self.nat_gateways == 0:
                raise ValidationError(
                    where,
                    "nat_instance_type",
                    self.nat_instance_type,
                    "cannot be given with nat_gateways=0 (no NAT at all): set nat_gateways to "
                    "the number of NAT instances, or leave nat_instance_type out",
                )

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> VpcConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> VpcConfig.for_stage("dev").nat_gateways
        1
        """
        return _stage_defaults(cls, stage, _VPC_DEFAULTS, overrides)


@dataclass(frozen=True)
class DatabaseConfig:
    """Relational database settings for one environment.

    Parameters
    ----------
    engine:
        ``postgres`` or ``mysql``. Default: ``DatabaseEngine.POSTGRES``
    version:
        Engine version, major or full (``'16'``, ``'16.4'``, ``'8.0.39'``).
        Default: ``'16.13'`` for postgres, ``'8.0.45'`` for mysql (versions RDS still creates)
    instance_type:
        Instance class without the ``db.`` prefix. Default: ``'r6g.large'``
    multi_az:
        Whether to keep a standby in a second AZ. Default: True
    backup_retention_days:
        Days of automated backups, 1 to 35. Default: 30
    storage_encrypted:
        Whether storage is encrypted at rest. Required in production. Default: True
    deletion_protection:
        Whether the database refuses deletion. Required in production. Default: True
    """

    engine: DatabaseEngine = DatabaseEngine.POSTGRES
    version: str = ""
    instance_type: str = "r6g.large"
    multi_az: bool = True
    backup_retention_days: int = 30
    storage_encrypted: bool = True
    deletion_protection: bool = True

    def __post_init__(self) -> None:
        where = type(self).__name__
        engine: object = self.engine
        if not isinstance(engine, DatabaseEngine):
            checks.check_choice(where, "engine", engine, [e.value for e in DatabaseEngine])
            object.__setattr__(self, "engine", DatabaseEngine(engine))
        if self.version == "":
            default = "16.13" if self.engine is DatabaseEngine.POSTGRES else "8.0.45"
            object.__setattr__(self, "version", default)
        checks.check_text(where, "version", self.version, _VERSION, "a version such as '16.4'")
        if isinstance(self.instance_type, str) and self.instance_type.startswith("db."):
            raise ValidationError(
                where,
                "instance_type",
                self.instance_type,
                f"leave out the 'db.' prefix: use {self.instance_type[3:]!r}",
            )
        checks.check_text(
            where,
            "instance_type",
            self.instance_type,
            _INSTANCE_TYPE,
            "an instance type such as 't4g.micro' or 'r6g.large'",
        )
        checks.check_bool(where, "multi_az", self.multi_az)
        checks.check_int(where, "backup_retention_days", self.backup_retention_days, 1, 35)
        checks.check_bool(where, "storage_encrypted", self.storage_encrypted)
        checks.check_bool(where, "deletion_protection", self.deletion_protection)

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> DatabaseConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> DatabaseConfig.for_stage("dev").instance_type
        't4g.micro'
        """
        return _stage_defaults(cls, stage, _DATABASE_DEFAULTS, overrides)


@dataclass(frozen=True)
class SecurityConfig:
    """Perimeter settings for one environment.

    Parameters
    ----------
    allowed_ips:
        Networks (CIDR, IPv4 or IPv6) allowed to reach administrative entry points such as a
        bastion host. ``0.0.0.0/0`` is refused. Default: none
    bastion_enabled:
        Whether to run a bastion host. Default: False
    waf_enabled:
        Whether to put a WAF web ACL in front of public endpoints. Default: True
    nag_packs:
        The cdk-nag rule packs this environment's stacks must pass (``apply_nag_packs``,
        ``org-cdk validate``): names from ``AwsSolutions``, ``Serverless``,
        ``HIPAA.Security``, ``NIST.800.53.R5``, ``PCI.DSS.321``.
        Default: ``("AwsSolutions", "Serverless")``
    """

    allowed_ips: Sequence[str] = ()
    bastion_enabled: bool = False
    waf_enabled: bool = True
    nag_packs: Sequence[str] = DEFAULT_PACKS

    def __post_init__(self) -> None:
        where = type(self).__name__
        if isinstance(self.allowed_ips, str) or not isinstance(self.allowed_ips, Sequence):
            raise ValidationError(where, "allowed_ips", self.allowed_ips, "must be a list of CIDRs")
        object.__setattr__(self, "allowed_ips", tuple(self.allowed_ips))
        for index, cidr in enumerate(self.allowed_ips):
            checks.check_allowed_ip(where, f"allowed_ips[{index}]", cidr)
        checks.check_unique(where, "allowed_ips", self.allowed_ips, "network")
        checks.check_bool(where, "bastion_enabled", self.bastion_enabled)
        checks.check_bool(where, "waf_enabled", self.waf_enabled)
        if isinstance(self.nag_packs, str) or not isinstance(self.nag_packs, Sequence):
            raise ValidationError(
                where, "nag_packs", self.nag_packs, "must be a list of pack names"
            )
        object.__setattr__(self, "nag_packs", tuple(self.nag_packs))
        for index, pack in enumerate(self.nag_packs):
            if pack not in NAG_PACKS:
                raise ValidationError(
                    where, f"nag_packs[{index}]", pack, f"must be one of {', '.join(NAG_PACKS)}"
                )
        if len(set(self.nag_packs)) != len(self.nag_packs):
            raise ValidationError(where, "nag_packs", self.nag_packs, "must not repeat a pack")

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> SecurityConfig:
        """Return the stage's defaults with ``overrides`` applied."""
        return _stage_defaults(cls, stage, _SECURITY_DEFAULTS, overrides)


@dataclass(frozen=True)
class StageDefaults:
    """The constructs' per-stage choices that no environment key sets.

    Each construct reads its stage's row (``StageDefaults.for_stage(stage)``; outside an
    ``AbstractStack``, production's), so the constructs and the generated docs share one
    table.

    Parameters
    ----------
    removal_policy:
        ``'destroy'`` or ``'retain'``: the removal policy of stateful resources
        (``removal_policy_for``; ``SecureDatabase`` snapshots in every stage). Default:
        ``'retain'``
    log_retention_days:
        Retention of the log groups the constructs create, one of ``LOG_RETENTION_DAYS``
        (``EnvironmentConfig.log_retention_days`` sets it per environment). Default: 365
    deployment:
        ``'all_at_once'`` or ``'canary'``: how a ``MonitoredFunction`` shifts traffic to a
        new version (``Deployment.for_stage``). Default: ``'canary'``
    database_monitoring:
        Whether a ``SecureDatabase`` has enhanced monitoring (60 s) and Performance Insights
        without ``regulated=True``. Default: True

    Example
    -------
    >>> StageDefaults.for_stage("dev").removal_policy
    'destroy'
    """

    removal_policy: str = "retain"
    log_retention_days: int = 365
    deployment: str = "canary"
    database_monitoring: bool = True

    def __post_init__(self) -> None:
        where = type(self).__name__
        checks.check_choice(where, "removal_policy", self.removal_policy, ["destroy", "retain"])
        checks.check_choice(
            where, "log_retention_days", self.log_retention_days, LOG_RETENTION_DAYS
        )
        checks.check_choice(where, "deployment", self.deployment, ["all_at_once", "canary"])
        checks.check_bool(where, "database_monitoring", self.database_monitoring)

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> StageDefaults:
        """Return the stage's choices with ``overrides`` applied."""
        return _stage_defaults(cls, stage, _STAGE_DEFAULTS, overrides)

    @property
    def log_retention(self) -> RetentionDays:
        """``log_retention_days`` as the ``aws_logs.RetentionDays`` member."""
        from aws_cdk.aws_logs import RetentionDays

        return RetentionDays[_RETENTION_NAMES[self.log_retention_days]]


# Sentinel for "take the stage's default" in EnvironmentConfig.
_FROM_STAGE: Any = None


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between one deployment environment and another.

    Parameters
    ----------
    account:
        The 12-digit AWS account id, as a string.
    region:
        The AWS region, such as ``'eu-west-1'``.
    stage:
        The stage; the defaults of every other field follow it.
    name:
        The environment's name. Default: the stage's name
    vpc:
        Default: ``VpcConfig.for_stage(stage)``
    database:
        Default: ``DatabaseConfig.for_stage(stage)``
    security:
        Default: ``SecurityConfig.for_stage(stage)``
    alarm_email:
        Addresses that receive alarm notifications. Default: none
    log_retention_days:
        Retention of the log groups the constructs create; one of the values CloudWatch Logs
        accepts. Default: 7 in dev, 90 in staging, 365 in production
    tags:
        Extra tags for every taggable resource. ``Environment``, ``StackName`` and ``ManagedBy``
        are set by ``AbstractStack`` and cannot be given here. Default: none
    profile:
        The AWS CLI profile that reaches this environment's account, for tools that deploy.
        Default: none (the default credentials)
    availability_zones:
        The Availability Zone names of ``region`` that this environment's stacks use (an
        ``AbstractStack`` returns them from ``Stack.availability_zones``, so ``StandardVpc``
        takes the first ``vpc.max_azs`` of them). Set them to synthesize and test without
        AWS credentials; they must be distinct zones of ``region`` and at least
        ``vpc.max_azs`` of them. Default: none (aws-cdk-lib looks the zones up with the
        account's credentials and records them in ``cdk.context.json``)
    deploy_role_arn:
        The IAM role that a delivery pipeline assumes by OIDC to deploy this environment,
        ``arn:aws:iam::<account>:role/<path/name>`` in this environment's ``account``
        (``org-cdk pipeline github`` needs it). Default: none (no pipeline deploys it)
    wave:
        The delivery wave of this environment, 0 to 99: environments of one wave deploy in
        parallel, waves in ascending order (``org-cdk pipeline github``). Default: none (each
        environment is a wave of its own, after the waves given, in the file's order)
    runbook_url:
        The team's own runbook page, an ``https://`` URL without ``#fragment``: the alarms of
        every ``ServiceMonitoring`` in this environment's ``AbstractStack`` link
        ``<runbook_url>#<alarm anchor>`` instead of the library's alarm catalogue. Default:
        none (the alarm catalogue of the installed version)
    queue:
        Default: ``QueueConfig.for_stage(stage)``
    state_machine:
        Default: ``StateMachineConfig.for_stage(stage)``
    cache:
        Default: ``CacheConfig.for_stage(stage)``
    table:
        Default: ``TableConfig.for_stage(stage)``

    Raises
    ------
    ValidationError
        On any invalid value, and when production turns off deletion protection or storage
        encryption of its database, or deletion protection of its tables.

    Example
    -------
    >>> config = EnvironmentConfig(account="111111111111", region="us-east-1", stage=Stage.DEV)
    >>> config.vpc.nat_gateways
    1
    """

    account: str
    region: str
    stage: Stage
    name: str = ""
    vpc: VpcConfig = _FROM_STAGE
    database: DatabaseConfig = _FROM_STAGE
    security: SecurityConfig = _FROM_STAGE
    alarm_email: Sequence[str] = ()
    log_retention_days: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)
    profile: str | None = None
    availability_zones: Sequence[str] | None = None
    deploy_role_arn: str | None = None
    wave: int | None = None
    runbook_url: str | None = None
    queue: QueueConfig = _FROM_STAGE
    state_machine: StateMachineConfig = _FROM_STAGE
    cache: CacheConfig = _FROM_STAGE
    table: TableConfig = _FROM_STAGE
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = type(self).__name__
        stage = Stage.parse(self.stage, where=where)
        object.__setattr__(self, "stage", stage)
        checks.check_account(where, "account", self.account)
        checks.check_region(where, "region", self.region)
        if self.name == "":
            object.__setattr__(self, "name", stage.value)
        checks.check_text(
            where,
            "name",
            self.name,
            re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$"),
            "a name of up to 32 letters, digits and hyphens, starting with a letter",
        )
        for prop, kind in (
            ("vpc", VpcConfig),
            ("database", DatabaseConfig),
            ("security", SecurityConfig),
            ("queue", QueueConfig),
            ("state_machine", StateMachineConfig),
            ("cache", CacheConfig),
            ("table", TableConfig),
        ):
            value = getattr(self, prop)
            if value is _FROM_STAGE:
                object.__setattr__(self, prop, kind.for_stage(stage))
            elif not isinstance(value, kind):
                raise ValidationError(where, prop, value, f"must be a {kind.__name__}")
        if isinstance(self.alarm_email, str):
            object.__setattr__(self, "alarm_email", (self.alarm_email,))
        if not isinstance(self.alarm_email, Sequence):
            raise ValidationError(
                where, "alarm_email", self.alarm_email, "must be a list of addresses"
            )
        object.__setattr__(self, "alarm_email", tuple(self.alarm_email))
        for index, address in enumerate(self.alarm_email):
            checks.check_email(where, f"alarm_email[{index}]", address)
        checks.check_unique(where, "alarm_email", [a.lower() for a in self.alarm_email], "address")
        if type(self.log_retention_days) is int and self.log_retention_days == 0:
            object.__setattr__(
                self, "log_retention_days", StageDefaults.for_stage(stage).log_retention_days
            )
        checks.check_int(
            where, "log_retention_days", self.log_retention_days, 1, max(LOG_RETENTION_DAYS)
        )
        checks.check_choice(
            where, "log_retention_days", self.log_retention_days, LOG_RETENTION_DAYS
        )
        if not isinstance(self.tags, Mapping):
            raise ValidationError(where, "tags", self.tags, "must be a mapping of key to value")
        checks.check_tags(where, "tags", self.tags)
        object.__setattr__(self, "tags", MappingProxyType(dict(self.tags)))
        if self.profile is not None and (not isinstance(self.profile, str) or not self.profile):
            raise ValidationError(where, "profile", self.profile, "must be a profile name or None")
        if self.availability_zones is not None:
            object.__setattr__(self, "availability_zones", self._checked_zones(where))
        if self.deploy_role_arn is not None:
            self._check_deploy_role(where)
        if self.wave is not None:
            checks.check_int(where, "wave", self.wave, 0, MAX_WAVE)
        if self.runbook_url is not None:
            check_runbook_url(where, "runbook_url", self.runbook_url)
        object.__setattr__(self, "settings", checked_settings(where, self.settings))
        if stage.is_production:
            self._check_production(where)

    def setting(self, key: str, default: Any = _NO_DEFAULT) -> Any:
        """The environment's own setting ``key`` (``"settings"`` in its environments file):
        ``config.setting("certificate_arn")``, ``config.setting("desired_count", 2)``.

        Raises
        ------
        ValidationError
            Naming the environment and the key, when it is not set and no ``default`` is
            given (with the keys that are).
        """
        if key in self.settings:
            return self.settings[key]
        if default is not _NO_DEFAULT:
            return default
        known = ", ".join(sorted(self.settings)) or "none"
        raise ValidationError(
            f"EnvironmentConfig({self.name!r})",
            f"settings.{key}",
            None,
            f'is not set: add it to "settings" of the {self.name!r} environment (set: {known})',
        )

    def _checked_zones(self, where: str) -> tuple[str, ...]:
        zones = self.availability_zones
        if isinstance(zones, str) or not isinstance(zones, Sequence):
            raise ValidationError(
                where,
                "availability_zones",
                zones,
                f"must be a list of Availability Zone names such as ['{self.region}a', "
                f"'{self.region}b']",
            )
        pattern = re.compile(rf"^{re.escape(self.region)}[a-z]$")
        for index, zone in enumerate(zones):
            if not isinstance(zone, str) or not pattern.fullmatch(zone):
                raise ValidationError(
                    where,
                    f"availability_zones[{index}]",
                    zone,
                    f"must be an Availability Zone name of region {self.region!r}, such as "
                    f"'{self.region}a' (a zone name, not a zone id such as 'use1-az1')",
                )
        if len(set(zones)) != len(zones):
            raise ValidationError(
                where, "availability_zones", list(zones), "must not repeat a zone"
            )
        if len(zones) < self.vpc.max_azs:
            raise ValidationError(
                where,
                "availability_zones",
                list(zones),
                f"must name at least vpc.max_azs ({self.vpc.max_azs}) zones; add zones or "
                "lower vpc.max_azs",
            )
        return tuple(zones)

    def _check_deploy_role(self, where: str) -> None:
        role = self.deploy_role_arn
        match = _ROLE_ARN.fullmatch(role) if isinstance(role, str) else None
        if match is None:
            raise ValidationError(
                where,
                "deploy_role_arn",
                role,
                f"must be an IAM role ARN, arn:aws:iam::{self.account}:role/NAME (a path "
                "before NAME is allowed: role/deploy/NAME)",
            )
        if match["account"] != self.account:
            raise ValidationError(
                where,
                "deploy_role_arn",
                role,
                f"must be a role of this environment's account {self.account} (it names "
                f"account {match['account']}): arn:aws:iam::{self.account}:role/NAME",
            )

    def _check_production(self, where: str) -> None:
        if not self.database.deletion_protection:
            raise ValidationError(
                where,
                "database.deletion_protection",
                False,
                "must be true in production: a production database must not be deletable by a "
                "stack update or a mistaken command",
            )
        if not self.database.storage_encrypted:
            raise ValidationError(
                where,
                "database.storage_encrypted",
                False,
                "must be true in production: production data is encrypted at rest",
            )
        if not self.table.deletion_protection:
            raise ValidationError(
                where,
                "table.deletion_protection",
                False,
                "must be true in production: a production table must not be deletable by a "
                "stack update or a mistaken command",
            )

    @property
    def is_production(self) -> bool:
        """True when this environment is the production stage."""
        return self.stage.is_production

    @property
    def log_retention(self) -> RetentionDays:
        """``log_retention_days`` as the ``aws_logs.RetentionDays`` member to pass to constructs."""
        from aws_cdk.aws_logs import RetentionDays

        return RetentionDays[_RETENTION_NAMES[self.log_retention_days]]


def checked_settings(where: str, settings: object) -> Mapping[str, Any]:
    """A team's own per-environment settings: a mapping of names (letters, digits and ``_``,
    starting with a letter) to JSON values, frozen (mappings read-only, lists as tuples)."""
    if not isinstance(settings, Mapping):
        raise ValidationError(where, "settings", settings, "must be a mapping of name to value")
    for key in settings:
        if not isinstance(key, str) or not _SETTING_KEY.fullmatch(key):
            raise ValidationError(
                where,
                f"settings[{key!r}]",
                key,
                "must be a name of up to 64 letters, digits and '_', starting with a letter",
            )
    return MappingProxyType(
        {key: _json_value(where, f"settings.{key}", v) for key, v in settings.items()}
    )


def _json_value(where: str, prop: str, value: object) -> Any:
    """``value`` as JSON has it (frozen), or a ``ValidationError`` naming where it is not."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValidationError(where, prop, value, "must be a finite number")
        return value
    if isinstance(value, list | tuple):
        return tuple(_json_value(where, f"{prop}[{i}]", item) for i, item in enumerate(value))
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise ValidationError(where, prop, value, "must have text keys, as JSON objects do")
        return MappingProxyType(
            {k: _json_value(where, f"{prop}.{k}", item) for k, item in value.items()}
        )
    raise ValidationError(
        where,
        prop,
        value,
        "must be a JSON value: text, a number, true/false, null, a list or an object",
    )


def check_runbook_url(where: str, prop: str, url: object) -> None:
    """``url`` is a runbook page alarms can link to: ``https://``, a host, no fragment (the
    alarm's anchor is added), no spaces, at most ``MAX_RUNBOOK_URL`` characters."""
    expected = (
        "must be an https:// URL of the runbook page, without '#fragment' (each alarm adds its "
        "own anchor) and without spaces, such as 'https://wiki.example.com/runbooks/orders'"
    )
    if not isinstance(url, str):
        raise ValidationError(where, prop, url, expected)
    parsed = urlsplit(url)
    if (
        parsed.scheme != "https"
        or not parsed.hostname
        or "#" in url
        or any(character.isspace() for character in url)
    ):
        raise ValidationError(where, prop, url, expected)
    if len(url) > MAX_RUNBOOK_URL:
        raise ValidationError(
            where,
            prop,
            f"{url[:40]}...",
            f"must be at most {MAX_RUNBOOK_URL} characters ({len(url)} given): with the alarm's "
            "text it must fit CloudWatch's 1,024-character alarm description",
        )


_VPC_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {"cidr": "10.0.0.0/16", "max_azs": 2, "nat_gateways": 1, "flow_logs": True},
    Stage.STAGING: {"cidr": "10.1.0.0/16", "max_azs": 2, "nat_gateways": 2, "flow_logs": True},
    Stage.PRODUCTION: {"cidr": "10.2.0.0/16", "max_azs": 3, "nat_gateways": 3, "flow_logs": True},
}
_DATABASE_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {
        "instance_type": "t4g.micro",
        "multi_az": False,
        "backup_retention_days": 1,
        "deletion_protection": False,
    },
    Stage.STAGING: {
        "instance_type": "t4g.medium",
        "multi_az": True,
        "backup_retention_days": 7,
        "deletion_protection": True,
    },
    Stage.PRODUCTION: {
        "instance_type": "r6g.large",
        "multi_az": True,
        "backup_retention_days": 30,
        "deletion_protection": True,
    },
}
_SECURITY_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {"waf_enabled": False},
    Stage.STAGING: {"waf_enabled": True},
    Stage.PRODUCTION: {"waf_enabled": True},
}
_STAGE_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {
        "removal_policy": "destroy",
        "log_retention_days": 7,
        "deployment": "all_at_once",
        "database_monitoring": False,
    },
    Stage.STAGING: {
        "removal_policy": "retain",
        "log_retention_days": 90,
        "deployment": "canary",
        "database_monitoring": False,
    },
    Stage.PRODUCTION: {
        "removal_policy": "retain",
        "log_retention_days": 365,
        "deployment": "canary",
        "database_monitoring": True,
    },
}
