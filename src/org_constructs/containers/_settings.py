"""``ContainerService``'s properties, checked together into one frozen settings value before
anything is added to the tree, with the stage's defaults (``ContainerServiceConfig.for_stage``)
filled in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.waf import WAF_RATE
from org_constructs.config import ContainerServiceConfig, ReleaseStrategy, SecurityConfig, Stage
from org_constructs.config._containers import (
    check_fargate_size,
)
from org_constructs.containers._checks import (
    CERTIFICATE_SETTING,
    LOAD_BALANCER_NAME,
    PATH,
    ROLLBACK_ALARMS,
    ROOT_USERS,
    USER,
    check_capacity,
    check_deletion_protection,
    check_environment,
    check_hook,
    check_listener,
    check_reason,
    check_release,
    check_rollback_alarms,
    check_strategy,
    check_subnets,
    load_balancer_name_for,
)
from org_constructs.core import config_of, name_part_of, service_name_of, stage_of
from org_constructs.errors import ValidationError
from org_constructs.monitoring import AlarmSettings, ServiceMonitoring
from org_constructs.monitoring._settings import check_name_part
from org_constructs.network import StandardVpc

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm
else:  # needed only by a listener on HTTPS
    acm = lazy_module("aws_cdk.aws_certificatemanager")

__all__ = [
    "CERTIFICATE_SETTING",
    "ROLLBACK_ALARMS",
    "ContainerSettings",
    "checked",
    "stage_defaults",
]


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
    check_subnets(where, network, internet_facing)
    checks.check_int(where, "container_port", container_port, 1, 65535)
    cpu = defaults.cpu if cpu is None else cpu
    memory = defaults.memory_mib if memory_mib is None else memory_mib
    check_fargate_size(where, cpu, memory)
    check_environment(where, environment or {}, secrets or {})
    if command is not None and not command:
        raise ValidationError(
            where, "command", [], "must hold the executable at least, or be left out"
        )
    checks.check_text(
        where,
        "health_check_path",
        health_check_path,
        PATH,
        "a path starting with '/' of at most 1024 printable characters",
    )
    certificate, certificate_arn, http = check_listener(
        where,
        scope,
        stage=stage,
        defaults=defaults,
        certificate=certificate,
        allow_http=allow_http,
    )
    check_reason(
        where,
        "read_only_root_filesystem",
        not read_only_root_filesystem,
        read_only_root_filesystem_reason,
        "why the container must write to its root filesystem (a volume would not do)",
    )
    check_reason(
        where,
        "run_as_root",
        run_as_root,
        run_as_root_reason,
        "why the container must run as root (the image cannot run as another user)",
    )
    if user is not None:
        checks.check_text(
            where, "user", user, USER, "a user, uid, user:group or uid:gid", tokens=True
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
    low, high = check_capacity(where, stage, defaults, min_capacity, max_capacity)
    checks.check_number(where, "cpu_target_percent", cpu_target_percent, 10, 90, tokens=False)
    checks.check_int(where, "requests_per_target", requests_per_target, 1, 1_000_000)
    chosen = check_strategy(where, stage, defaults, strategy)
    percent, step, bake = check_release(
        where,
        defaults=defaults,
        strategy=chosen,
        traffic_percent=traffic_percent,
        step_bake_time=step_bake_time,
        bake_time=bake_time,
    )
    stages = check_hook(where, chosen, lifecycle_hook, lifecycle_stages, scope)
    service = service_name or (
        monitoring.service_name if monitoring is not None else service_name_of(scope)
    )
    check_name_part(where, "service_name", service)
    keys = check_rollback_alarms(
        where,
        stage=stage,
        strategy=chosen,
        overrides=rollback_alarms or {},
        service=service,
        resource=name_part_of(construct_id),
        monitoring=monitoring,
    )
    name = load_balancer_name or load_balancer_name_for(service, name_part_of(construct_id))
    checks.check_text(
        where,
        "load_balancer_name",
        name,
        LOAD_BALANCER_NAME,
        "1 to 32 letters, digits and hyphens, not starting or ending with a hyphen nor "
        "starting with 'internal-'",
    )
    protected = check_deletion_protection(where, stage, defaults, deletion_protection)
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
