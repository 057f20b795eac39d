"""The checks of ``ContainerService``'s properties, one concern each, that ``checked``
(``_settings.py``) runs before anything is added to the tree."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.config import ContainerServiceConfig, ReleaseStrategy, Stage
from org_constructs.config._containers import (
    MAX_BAKE_MINUTES,
    MAX_TASKS,
    check_traffic_percent,
)
from org_constructs.contract import MIN_REASON
from org_constructs.core import config_of, fit_name
from org_constructs.errors import ValidationError
from org_constructs.monitoring import AlarmSettings, ServiceMonitoring
from org_constructs.monitoring._settings import alarm_name, resolve

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm
else:  # needed only by a listener on HTTPS
    acm = lazy_module("aws_cdk.aws_certificatemanager")

__all__ = [
    "CERTIFICATE_SETTING",
    "LOAD_BALANCER_NAME",
    "MAX_LOAD_BALANCER_NAME",
    "PATH",
    "ROLLBACK_ALARMS",
    "ROOT_USERS",
    "USER",
    "check_capacity",
    "check_deletion_protection",
    "check_environment",
    "check_hook",
    "check_listener",
    "check_reason",
    "check_release",
    "check_rollback_alarms",
    "check_strategy",
    "check_subnets",
    "load_balancer_name_for",
]

CERTIFICATE_SETTING = "certificate_arn"
"""The environment setting (``config.setting("certificate_arn")``) that names the load
balancer's certificate when ``certificate`` is not given."""
ROLLBACK_ALARMS = ("target_5xx_rate", "response_time_p99")
"""The keys of the rollback alarms, in the order they are created."""
ROOT_USERS = frozenset({"0", "root", "0:0", "root:root", "root:0", "0:root"})
MAX_LOAD_BALANCER_NAME = 32
MAX_ENVIRONMENT_BYTES = 65_536
LOAD_BALANCER_NAME = re.compile(r"^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$")
PATH = re.compile(r"^/[\x21-\x7e]{0,1023}$")
CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$"
)
MIN_TASKS_OUTSIDE_DEV = 2


def load_balancer_name_for(service: str, resource: str) -> str:
    """``<service>-<resource>`` in the letters, digits and hyphens ELB allows, 32 at most."""
    text = re.sub(r"[^A-Za-z0-9-]+", "-", f"{service}-{resource}")
    text = re.sub(r"-{2,}", "-", text).strip("-")
    if text.lower().startswith("internal-"):
        text = f"svc-{text}"
    return fit_name(text, MAX_LOAD_BALANCER_NAME).strip("-") or "service"


def check_subnets(where: str, vpc: ec2.IVpc, internet_facing: bool) -> None:
    """Private subnets with egress for the tasks (they pull images and write logs), public
    ones for an internet-facing load balancer."""
    if not vpc.private_subnets:
        raise ValidationError(
            where,
            "vpc",
            path_of(vpc),
            "has no private subnets with egress (NAT): the tasks run there, without public "
            "addresses, and need egress to pull images and send logs; give a VPC with NAT "
            "(StandardVpc with nat_gateways of 1 or more)",
        )
    if internet_facing and not vpc.public_subnets:
        raise ValidationError(
            where,
            "internet_facing",
            True,
            f"needs public subnets, and the VPC {path_of(vpc)!r} has none: give a VPC with a "
            "public tier, or internet_facing=False",
        )


def check_environment(
    where: str, environment: Mapping[str, str], secrets: Mapping[str, ecs.Secret]
) -> None:
    size = 0
    for prop, values in (("environment", environment), ("secrets", secrets)):
        for key, value in values.items():
            if not isinstance(key, str) or not ENVIRONMENT_NAME.fullmatch(key):
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


def check_listener(
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
        if not isinstance(value, str) or not CERTIFICATE_ARN.fullmatch(value):
            raise ValidationError(
                where,
                f"settings.{CERTIFICATE_SETTING}",
                value,
                "must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
            )
        arn = value
    if certificate is not None and not unresolved(certificate.certificate_arn):
        arn_given = certificate.certificate_arn
        if CERTIFICATE_ARN.fullmatch(arn_given) is None:
            raise ValidationError(
                where,
                "certificate",
                arn_given,
                "is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
            )
    given = certificate.certificate_arn if certificate is not None else None
    for prop, shown in (("certificate", given), (f"settings.{CERTIFICATE_SETTING}", arn)):
        match = CERTIFICATE_ARN.fullmatch(shown) if isinstance(shown, str) else None
        region = Stack.of(scope).region
        if match and not unresolved(region) and match["region"] != region:
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


def check_reason(where: str, prop: str, opted_out: bool, reason: str | None, why: str) -> None:
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
            prop == "run_as_root",  # the opt-out given: run_as_root=True or ...=False
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


def check_capacity(
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
    if stage is not Stage.DEV and low < MIN_TASKS_OUTSIDE_DEV:
        raise ValidationError(
            where,
            "min_capacity",
            low,
            f"must be at least {MIN_TASKS_OUTSIDE_DEV} in "
            f"{stage or 'production (outside an AbstractStack)'}: one task is a single point "
            "of failure (a task, a host or an Availability Zone); one task is for dev",
        )
    return low, high


def check_strategy(
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


def check_release(
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
                low=checks.minutes(1),
                high=checks.minutes(MAX_BAKE_MINUTES),
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


def check_hook(
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
            path_of(hook),
            f"runs in the stages of a canary, linear or blue/green release, and strategy is "
            f"{strategy}: give strategy='canary', 'linear' or 'blue_green'",
        )
    if Stack.of(hook) is not Stack.of(scope):
        raise ValidationError(
            where,
            "lifecycle_hook",
            path_of(hook),
            "must be in the same stack as the service: its invoke role is scoped to it",
        )
    chosen = tuple(stages) if stages is not None else (ecs.DeploymentLifecycleStage.POST_SCALE_UP,)
    if not chosen:
        raise ValidationError(
            where, "lifecycle_stages", [], "must name one stage at least, or be left out"
        )
    checks.check_unique(where, "lifecycle_stages", chosen, "stage")
    return chosen


def check_rollback_alarms(
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


def check_deletion_protection(
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
