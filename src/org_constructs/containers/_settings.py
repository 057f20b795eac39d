"""``ContainerService``'s properties, checked together into one frozen settings value before
anything is added to the tree, with the stage's defaults (``ContainerServiceConfig.for_stage``)
filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.waf import WAF_RATE
from org_constructs.config import ContainerServiceConfig, ReleaseStrategy, SecurityConfig, Stage
from org_constructs.config._containers import (
    MAX_BAKE_MINUTES,
    MAX_TASKS,
    check_fargate_size,
    check_traffic_percent,
)
from org_constructs.contract import MIN_REASON
from org_constructs.core import config_of, fit_name, name_part_of, service_name_of, stage_of
from org_constructs.errors import ValidationError
from org_constructs.monitoring import AlarmSettings, ServiceMonitoring
from org_constructs.monitoring._settings import alarm_name, check_name_part, resolve
from org_constructs.network import StandardVpc

__all__ = [
    "CERTIFICATE_SETTING",
    "ROLLBACK_ALARMS",
    "ContainerSettings",
    "checked",
    "stage_defaults",
]

CERTIFICATE_SETTING = "certificate_arn"
"""The environment setting (``config.setting("certificate_arn")``) that names the load
balancer's certificate when ``certificate`` is not given."""
ROLLBACK_ALARMS = ("target_5xx_rate", "response_time_p99")
"""The keys of the rollback alarms, in the order they are created."""
ROOT_USERS = frozenset({"0", "root", "0:0", "root:root", "root:0", "0:root"})
MAX_LOAD_BALANCER_NAME = 32
MAX_ENVIRONMENT_BYTES = 65_536
_LOAD_BALANCER_NAME = re.compile(r"^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
_ENVIRONMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$")
_PATH = re.compile(r"^/[\x21-\x7e]{0,1023}$")
_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$"
)
_MIN_TASKS_OUTSIDE_DEV = 2


def stage_defaults(stage: Stage | None) -> ContainerServiceConfig:
    """The container defaults of ``stage``: production's outside an ``AbstractStack``."""
    return ContainerServiceConfig.for_stage(stage or Stage.PRODUCTION)


@dataclass(frozen=True, eq=False)
class ContainerSettings:
    """The checked properties of one ``ContainerService``, every default filled in."""

    where: str
    stage: Stage | None
    vpc: ec2.IVpc
    image: ecs.ContainerImage
    container_port: int
    cpu: int
    memory_mib: int
    environment: Mapping[str, str]
    secrets: Mapping[str, ecs.Secret]
    command: Sequence[str] | None
    health_check: ecs.HealthCheck | None
    health_check_path: str
    internet_facing: bool
    certificate: acm.ICertificate | None
    certificate_arn: str | None
    """The ARN from the environment's ``certificate_arn`` setting, to import."""
    allow_http: bool
    read_only_root_filesystem: bool
    read_only_root_filesystem_reason: str | None
    user: str | None
    """The user the container runs as; None runs the image's own (root) user."""
    run_as_root_reason: str | None
    min_capacity: int
    max_capacity: int
    cpu_target_percent: float
    requests_per_target: int
    strategy: ReleaseStrategy
    traffic_percent: float
    step_bake_time: Duration
    bake_time: Duration
    lifecycle_hook: lambda_.IFunction | None
    lifecycle_stages: tuple[ecs.DeploymentLifecycleStage, ...]
    rollback_alarms: Mapping[str, AlarmSettings]
    rollback_alarm_keys: tuple[str, ...]
    service_name: str
    load_balancer_name: str
    deletion_protection: bool
    waf: bool
    waf_rate_limit: int
    log_retention: logs.RetentionDays | None


def checked(
    where: str,
    scope: Construct,
    construct_id: str,
    *,
    vpc: StandardVpc | ec2.IVpc,
    image: ecs.ContainerImage,
    container_port: int,
    cpu: int | None,
    memory_mib: int | None,
    environment: Mapping[str, str] | None,
    secrets: Mapping[str, ecs.Secret] | None,
    command: Sequence[str] | None,
    health_check: ecs.HealthCheck | None,
    health_check_path: str,
    internet_facing: bool,
    certificate: acm.ICertificate | None,
    allow_http: bool | None,
    read_only_root_filesystem: bool,
    read_only_root_filesystem_reason: str | None,
    run_as_root: bool,
    run_as_root_reason: str | None,
    user: str | None,
    min_capacity: int | None,
    max_capacity: int | None,
    cpu_target_percent: float,
    requests_per_target: int,
    strategy: ReleaseStrategy | str | None,
    traffic_percent: float | None,
    step_bake_time: Duration | None,
    bake_time: Duration | None,
    lifecycle_hook: lambda_.IFunction | None,
    lifecycle_stages: Sequence[ecs.DeploymentLifecycleStage] | None,
    rollback_alarms: Mapping[str, AlarmSettings] | None,
    service_name: str | None,
    load_balancer_name: str | None,
    deletion_protection: bool | None,
    waf: bool | None,
    waf_rate_limit: int | None,
    log_retention: logs.RetentionDays | None,
    monitoring: ServiceMonitoring | None,
) -> ContainerSettings:
    """Every property checked, alone and against the others; nothing is created."""
    stage = stage_of(scope)
    defaults = stage_defaults(stage)
    network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
    checks.check_same_region(
        where,
        "vpc",
        network,
        scope,
        "ECS runs tasks in a VPC of its own region; create or import one in that region",
    )
    _check_subnets(where, network, internet_facing)
    checks.check_int(where, "container_port", container_port, 1, 65535)
    cpu = defaults.cpu if cpu is None else cpu
    memory = defaults.memory_mib if memory_mib is None else memory_mib
    check_fargate_size(where, cpu, memory)
    _check_environment(where, environment or {}, secrets or {})
    if command is not None and not command:
        raise ValidationError(
            where, "command", [], "must hold the executable at least, or be left out"
        )
    checks.check_text(
        where,
        "health_check_path",
        health_check_path,
        _PATH,
        "a path starting with '/' of at most 1024 printable characters",
    )
    certificate, certificate_arn, http = _check_listener(
        where,
        scope,
        stage=stage,
        defaults=defaults,
        certificate=certificate,
        allow_http=allow_http,
    )
    _check_reason(
        where,
        "read_only_root_filesystem",
        not read_only_root_filesystem,
        read_only_root_filesystem_reason,
        "why the container must write to its root filesystem (a volume would not do)",
    )
    _check_reason(
        where,
        "run_as_root",
        run_as_root,
        run_as_root_reason,
        "why the container must run as root (the image cannot run as another user)",
    )
    if user is not None:
        checks.check_text(
            where, "user", user, _USER, "a user, uid, user:group or uid:gid", tokens=True
        )
        if run_as_root:
            raise ValidationError(
                where,
                "user",
                user,
                "cannot be given with run_as_root=True (the image's own user runs): leave one out",
            )
        if user in ROOT_USERS:
            raise ValidationError(
                where,
                "user",
                user,
                "is root, which the default forbids: give run_as_root=True with "
                "run_as_root_reason (the reason is recorded as your acknowledgement)",
            )
    running_user = None if run_as_root else (user or "1000:1000")
    low, high = _check_capacity(where, stage, defaults, min_capacity, max_capacity)
    checks.check_number(where, "cpu_target_percent", cpu_target_percent, 10, 90, tokens=False)
    checks.check_int(where, "requests_per_target", requests_per_target, 1, 1_000_000)
    chosen = _check_strategy(where, stage, defaults, strategy)
    percent, step, bake = _check_release(
        where,
        defaults=defaults,
        strategy=chosen,
        traffic_percent=traffic_percent,
        step_bake_time=step_bake_time,
        bake_time=bake_time,
    )
    stages = _check_hook(where, chosen, lifecycle_hook, lifecycle_stages, scope)
    service = service_name or (
        monitoring.service_name if monitoring is not None else service_name_of(scope)
    )
    check_name_part(where, "service_name", service)
    keys = _check_rollback_alarms(
        where,
        stage=stage,
        strategy=chosen,
        overrides=rollback_alarms or {},
        service=service,
        resource=name_part_of(construct_id),
        monitoring=monitoring,
    )
    name = load_balancer_name or _load_balancer_name(service, name_part_of(construct_id))
    checks.check_text(
        where,
        "load_balancer_name",
        name,
        _LOAD_BALANCER_NAME,
        "1 to 32 letters, digits and hyphens, not starting or ending with a hyphen nor "
        "starting with 'internal-'",
    )
    protected = _check_deletion_protection(where, stage, defaults, deletion_protection)
    config = config_of(scope)
    security = config.security if config else SecurityConfig.for_stage(Stage.PRODUCTION)
    waf_on = security.waf_enabled if waf is None else waf
    if waf_rate_limit is not None:
        if not waf_on:
            raise ValidationError(
                where,
                "waf_rate_limit",
                waf_rate_limit,
                "cannot be given without WAF (waf=False, or security.waf_enabled=false in the "
                "environment)",
            )
        checks.check_int(where, "waf_rate_limit", waf_rate_limit, *WAF_RATE)
    if monitoring is not None:
        monitoring.check_region("monitoring", scope)
        monitoring.check_label(construct_id, method="monitor_container_service")
    return ContainerSettings(
        where=where,
        stage=stage,
        vpc=network,
        image=image,
        container_port=container_port,
        cpu=cpu,
        memory_mib=memory,
        environment=dict(environment or {}),
        secrets=dict(secrets or {}),
        command=list(command) if command is not None else None,
        health_check=health_check,
        health_check_path=health_check_path,
        internet_facing=internet_facing,
        certificate=certificate,
        certificate_arn=certificate_arn,
        allow_http=http,
        read_only_root_filesystem=read_only_root_filesystem,
        read_only_root_filesystem_reason=read_only_root_filesystem_reason,
        user=running_user,
        run_as_root_reason=run_as_root_reason,
        min_capacity=low,
        max_capacity=high,
        cpu_target_percent=float(cpu_target_percent),
        requests_per_target=requests_per_target,
        strategy=chosen,
        traffic_percent=percent,
        step_bake_time=step,
        bake_time=bake,
        lifecycle_hook=lifecycle_hook,
        lifecycle_stages=stages,
        rollback_alarms=dict(rollback_alarms or {}),
        rollback_alarm_keys=keys,
        service_name=service,
        load_balancer_name=name,
        deletion_protection=protected,
        waf=waf_on,
        waf_rate_limit=waf_rate_limit or 2000,
        log_retention=log_retention,
    )


def _load_balancer_name(service: str, resource: str) -> str:
    """``<service>-<resource>`` in the letters, digits and hyphens ELB allows, 32 at most."""
    text = re.sub(r"[^A-Za-z0-9-]+", "-", f"{service}-{resource}")
    text = re.sub(r"-{2,}", "-", text).strip("-")
    if text.lower().startswith("internal-"):
        text = f"svc-{text}"
    return fit_name(text, MAX_LOAD_BALANCER_NAME).strip("-") or "service"


def _check_subnets(where: str, vpc: ec2.IVpc, internet_facing: bool) -> None:
    """Private subnets with egress for the tasks (they pull images and write logs), public
    ones for an internet-facing load balancer."""
    if not vpc.private_subnets:
        raise ValidationError(
            where,
            "vpc",
            vpc.node.path,
            "has no private subnets with egress (NAT): the tasks run there, without public "
            "addresses, and need egress to pull images and send logs; give a VPC with NAT "
            "(StandardVpc with nat_gateways of 1 or more)",
        )
    if internet_facing and not vpc.public_subnets:
        raise ValidationError(
            where,
            "internet_facing",
            True,
            f"needs public subnets, and the VPC {vpc.node.path!r} has none: give a VPC with a "
            "public tier, or internet_facing=False",
        )


def _check_environment(
    where: str, environment: Mapping[str, str], secrets: Mapping[str, ecs.Secret]
) -> None:
    size = 0
    for prop, values in (("environment", environment), ("secrets", secrets)):
        for key, value in values.items():
            if not isinstance(key, str) or not _ENVIRONMENT_NAME.fullmatch(key):
                raise ValidationError(
                    where,
                    f"{prop}[{key!r}]",
                    key,
                    "must be a variable name: letters, digits and '_', not starting with a digit",
                )
            if prop == "secrets" and not isinstance(value, ecs.Secret):
                raise ValidationError(
                    where,
                    f"secrets[{key!r}]",
                    value,
                    "must be an ecs.Secret (ecs.Secret.from_secrets_manager(secret) or "
                    "ecs.Secret.from_ssm_parameter(parameter))",
                )
            if prop == "environment":
                if not isinstance(value, str):
                    raise ValidationError(where, f"environment[{key!r}]", value, "must be text")
                size += len(key) + len(value)
    both = sorted(set(environment) & set(secrets))
    if both:
        raise ValidationError(
            where,
            "secrets",
            both[0],
            "is also in environment: a variable comes from one of them; keep the secret",
        )
    if size > MAX_ENVIRONMENT_BYTES:
        raise ValidationError(
            where,
            "environment",
            f"{size} characters",
            "is over 64 KB: keep large values in a secret or a file the container reads",
        )


def _check_listener(
    where: str,
    scope: Construct,
    *,
    stage: Stage | None,
    defaults: ContainerServiceConfig,
    certificate: acm.ICertificate | None,
    allow_http: bool | None,
) -> tuple[acm.ICertificate | None, str | None, bool]:
    """The certificate (given, or the environment's setting) and whether plain HTTP serves."""
    config = config_of(scope)
    arn: str | None = None
    if certificate is None and config is not None and CERTIFICATE_SETTING in config.settings:
        value = config.setting(CERTIFICATE_SETTING)
        if not isinstance(value, str) or not _CERTIFICATE_ARN.fullmatch(value):
            raise ValidationError(
                where,
                f"settings.{CERTIFICATE_SETTING}",
                value,
                "must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
            )
        arn = value
    if certificate is not None and not Token.is_unresolved(certificate.certificate_arn):
        arn_given = certificate.certificate_arn
        if _CERTIFICATE_ARN.fullmatch(arn_given) is None:
            raise ValidationError(
                where,
                "certificate",
                arn_given,
                "is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
            )
    given = certificate.certificate_arn if certificate is not None else None
    for prop, shown in (("certificate", given), (f"settings.{CERTIFICATE_SETTING}", arn)):
        match = _CERTIFICATE_ARN.fullmatch(shown) if isinstance(shown, str) else None
        region = Stack.of(scope).region
        if match and not Token.is_unresolved(region) and match["region"] != region:
            raise ValidationError(
                where,
                prop,
                shown,
                f"is in region {match['region']}, the stack in {region}: a load balancer "
                f"serves a certificate of its own region; request or import one in {region}",
            )
    secured = certificate is not None or arn is not None
    http = (defaults.allow_http and not secured) if allow_http is None else allow_http
    checks.check_bool(where, "allow_http", http)
    outside_dev = stage is not Stage.DEV
    if http and outside_dev:
        raise ValidationError(
            where,
            "allow_http",
            True,
            f"serves plain HTTP in {stage or 'production (outside an AbstractStack)'}, where "
            "traffic must be encrypted: give certificate=..., or the environment setting "
            f"{CERTIFICATE_SETTING!r}; plain HTTP is for dev only",
        )
    if http and secured:
        raise ValidationError(
            where,
            "allow_http",
            True,
            "contradicts the certificate: with one, HTTP redirects to HTTPS; leave allow_http out",
        )
    if not http and not secured:
        raise ValidationError(
            where,
            "certificate",
            None,
            f"is required in {stage or 'production (outside an AbstractStack)'}: give "
            f"certificate=acm.Certificate.from_certificate_arn(...), or the environment "
            f"setting {CERTIFICATE_SETTING!r} (settings.{CERTIFICATE_SETTING} in the "
            "environments file); the load balancer serves HTTPS only outside dev"
            + ("" if outside_dev else ", or allow_http=True in dev"),
        )
    return certificate, None if certificate is not None else arn, http


def _check_reason(where: str, prop: str, opted_out: bool, reason: str | None, why: str) -> None:
    reason_prop = f"{prop}_reason"
    if not opted_out:
        if reason is not None:
            raise ValidationError(
                where,
                reason_prop,
                reason,
                f"is the reason for opting out of the default ({prop}): give it only with the "
                "opt-out",
            )
        return
    if reason is None:
        raise ValidationError(
            where,
            prop,
            True if prop == "run_as_root" else False,  # noqa: SIM210 - the value given
            f"needs {reason_prop}: say {why}; the reason is recorded as your acknowledgement "
            "of the compliance findings",
        )
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise ValidationError(
            where,
            reason_prop,
            reason,
            f"must explain in at least {MIN_REASON} characters {why}",
        )


def _check_capacity(
    where: str,
    stage: Stage | None,
    defaults: ContainerServiceConfig,
    min_capacity: int | None,
    max_capacity: int | None,
) -> tuple[int, int]:
    low = defaults.min_capacity if min_capacity is None else min_capacity
    checks.check_int(where, "min_capacity", low, 1, MAX_TASKS)
    high = max(defaults.max_capacity, low) if max_capacity is None else max_capacity
    checks.check_int(where, "max_capacity", high, 1, MAX_TASKS)
    if high < low:
        raise ValidationError(
            where,
            "max_capacity",
            high,
            f"is below min_capacity ({low}): auto scaling could not keep the fewest tasks "
            "asked for",
        )
    if stage is not Stage.DEV and low < _MIN_TASKS_OUTSIDE_DEV:
        raise ValidationError(
            where,
            "min_capacity",
            low,
            f"must be at least {_MIN_TASKS_OUTSIDE_DEV} in "
            f"{stage or 'production (outside an AbstractStack)'}: one task is a single point "
            "of failure (a task, a host or an Availability Zone); one task is for dev",
        )
    return low, high


def _check_strategy(
    where: str,
    stage: Stage | None,
    defaults: ContainerServiceConfig,
    strategy: ReleaseStrategy | str | None,
) -> ReleaseStrategy:
    if strategy is None:
        return defaults.strategy
    if isinstance(strategy, ReleaseStrategy):
        return strategy
    checks.check_choice(where, "strategy", strategy, [s.value for s in ReleaseStrategy])
    return ReleaseStrategy(strategy)


def _check_release(
    where: str,
    *,
    defaults: ContainerServiceConfig,
    strategy: ReleaseStrategy,
    traffic_percent: float | None,
    step_bake_time: Duration | None,
    bake_time: Duration | None,
) -> tuple[float, Duration, Duration]:
    """The traffic share and bake times of a release, checked against the strategy."""
    stepped = strategy in (ReleaseStrategy.CANARY, ReleaseStrategy.LINEAR)
    for prop, value in (("traffic_percent", traffic_percent), ("step_bake_time", step_bake_time)):
        if value is not None and not stepped:
            raise ValidationError(
                where,
                prop,
                value if not isinstance(value, Duration) else value.to_human_string(),
                f"applies to the canary and linear strategies, and strategy is {strategy}: "
                "give strategy='canary' or 'linear', or leave it out",
            )
    if bake_time is not None and not strategy.shifts_traffic:
        raise ValidationError(
            where,
            "bake_time",
            bake_time.to_human_string(),
            f"applies when the new release has its own target group, and strategy is "
            f"{strategy}: give strategy='canary', 'linear' or 'blue_green', or leave it out",
        )
    percent = defaults.traffic_percent if traffic_percent is None else traffic_percent
    if stepped:
        try:
            percent = check_traffic_percent(where, "traffic_percent", percent, strategy)
        except ValidationError as error:
            raise ValidationError(
                where,
                "traffic_percent",
                traffic_percent if traffic_percent is not None else percent,
                f"{error.expected}, with strategy={strategy}: a larger share is no longer a "
                "trial, and defeats the rollback alarms that watch it",
            ) from None
    minutes = Duration.minutes
    step = minutes(defaults.step_bake_time_minutes) if step_bake_time is None else step_bake_time
    bake = minutes(defaults.bake_time_minutes) if bake_time is None else bake_time
    for prop, value in (("step_bake_time", step), ("bake_time", bake)):
        try:
            checks.check_duration(
                where,
                prop,
                value,
                low=minutes(1),
                high=minutes(MAX_BAKE_MINUTES),
                unit="minutes",
            )
        except ValidationError as error:
            raise ValidationError(
                where,
                prop,
                error.value,
                f"{error.expected} with strategy={strategy}: the rollback alarms need a "
                "minute at least to judge the new release before more traffic reaches it",
            ) from None
    return percent, step, bake


def _check_hook(
    where: str,
    strategy: ReleaseStrategy,
    hook: lambda_.IFunction | None,
    stages: Sequence[ecs.DeploymentLifecycleStage] | None,
    scope: Construct,
) -> tuple[ecs.DeploymentLifecycleStage, ...]:
    if hook is None:
        if stages is not None:
            raise ValidationError(
                where,
                "lifecycle_stages",
                [str(s) for s in stages],
                "are the stages of lifecycle_hook: give the hook, or leave them out",
            )
        return ()
    if not strategy.shifts_traffic:
        raise ValidationError(
            where,
            "lifecycle_hook",
            hook.node.path,
            f"runs in the stages of a canary, linear or blue/green release, and strategy is "
            f"{strategy}: give strategy='canary', 'linear' or 'blue_green'",
        )
    if Stack.of(hook) is not Stack.of(scope):
        raise ValidationError(
            where,
            "lifecycle_hook",
            hook.node.path,
            "must be in the same stack as the service: its invoke role is scoped to it",
        )
    chosen = tuple(stages) if stages is not None else (ecs.DeploymentLifecycleStage.POST_SCALE_UP,)
    if not chosen:
        raise ValidationError(
            where, "lifecycle_stages", [], "must name one stage at least, or be left out"
        )
    checks.check_unique(where, "lifecycle_stages", chosen, "stage")
    return chosen


def _check_rollback_alarms(
    where: str,
    *,
    stage: Stage | None,
    strategy: ReleaseStrategy,
    overrides: Mapping[str, AlarmSettings],
    service: str,
    resource: str,
    monitoring: ServiceMonitoring | None,
) -> tuple[str, ...]:
    from org_constructs.containers._release import ROLLBACK_DEFAULTS

    for key, value in overrides.items():
        if key not in ROLLBACK_ALARMS:
            raise ValidationError(
                where,
                f"rollback_alarms[{key!r}]",
                value,
                f"is not a rollback alarm; they are {', '.join(ROLLBACK_ALARMS)}",
            )
    stage_name = (
        stage.value
        if stage is not None
        else (monitoring.stage.value if monitoring is not None else "default")
    )
    kept: list[str] = []
    for key in ROLLBACK_ALARMS:
        if resolve(where, ROLLBACK_DEFAULTS[key], overrides.get(key)) is None:
            continue
        kept.append(key)
        alarm_name(where, stage_name, service, resource, "rollback", key.replace("_", "-"))
    if stage is not Stage.DEV and len(kept) < len(ROLLBACK_ALARMS):
        off = next(key for key in ROLLBACK_ALARMS if key not in kept)
        raise ValidationError(
            where,
            f"rollback_alarms[{off!r}]",
            "AlarmSettings(enabled=False)",
            f"turns off a rollback alarm in {stage or 'production (outside an AbstractStack)'} "
            f"with strategy={strategy}: ECS rolls a bad release back only on the alarms it "
            "watches; tune the alarm (threshold, periods) instead, or turn it off in dev only",
        )
    return tuple(kept)


def _check_deletion_protection(
    where: str, stage: Stage | None, defaults: ContainerServiceConfig, given: bool | None
) -> bool:
    if given is None:
        return defaults.deletion_protection
    checks.check_bool(where, "deletion_protection", given)
    if stage in (Stage.PRODUCTION, None) and not given:
        raise ValidationError(
            where,
            "deletion_protection",
            False,
            "is required in production: a deleted load balancer takes the service's address "
            "with it; turn it off in dev only",
        )
    return given
