"""Checks of what a ``monitor_*`` method watches: its kind, its region and, for a metric,
whether a CloudWatch alarm can watch it at all.

Each check raises ``ValidationError`` naming the value and what to do instead, before the
method creates anything: the raw aws-cdk-lib errors (``Cannot create an Alarm in region``,
``cannot contain more than 10 individual metrics``) come only once constructs exist, and
some mistakes (a ``SEARCH`` expression, an alarm action in another region) fail only when
CloudFormation deploys.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from org_constructs._internal.kernel import Program
from org_constructs._internal.lazy import instance_of
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved_text
from org_constructs.core import LoadBalancedService, ReleasedFunction
from org_constructs.errors import ValidationError
from org_constructs.network import StandardVpc

__all__ = [
    "MAX_ALARM_METRICS",
    "check_alarm_metric",
    "check_kind",
    "check_same_region",
    "is_default_period",
    "metric_period",
    "region_of",
    "shown",
    "unresolved_text",
]

MAX_ALARM_METRICS = 10
"""The most metrics a CloudWatch alarm's math expression may use."""
_SEARCH = re.compile(r"\bSEARCH\s*\(", re.IGNORECASE)
_DEFAULT_PERIOD_SECONDS = 300
"""The period aws-cdk-lib gives a metric built without one."""


def shown(value: object) -> object:
    """How an error shows ``value``: a construct by its path, anything else as it is."""
    if isinstance(value, Construct):
        return path_of(value)
    return value


def region_of(target: object) -> str | None:
    """The region of a resource (an imported one's comes from its ARN) or of a construct's
    stack; None when it cannot be known here. Read once per object: it never changes."""
    try:
        return _REGIONS[target]
    except (KeyError, TypeError):
        pass
    region = _region_of(target)
    with contextlib.suppress(TypeError):  # an object that cannot be held weakly
        _REGIONS[target] = region
    return region


_REGIONS: weakref.WeakKeyDictionary[object, str | None] = weakref.WeakKeyDictionary()


def _region_of(target: object) -> str | None:
    if isinstance(target, Construct) and type(target).__module__.startswith("aws_cdk."):
        # An aws-cdk-lib resource: its region and its stack's in one request.
        program = Program()
        own, stacks = program.read(
            program.get(program.get(target, "env"), "region"),
            program.get(program.op("stackOf", target), "region"),
        )
        return own if isinstance(own, str) else stacks if isinstance(stacks, str) else None
    env = getattr(target, "env", None)
    region = getattr(env, "region", None)
    if isinstance(region, str):
        return region
    if isinstance(target, Construct):
        return Stack.of(target).region
    return None


def _known(value: str | None) -> bool:
    return isinstance(value, str) and not unresolved_text(value)


def check_same_region(
    where: str,
    prop: str,
    target: object,
    scope: Construct,
    *,
    reason: str,
    region: str | None = None,
) -> None:
    """``target`` is in the region of ``scope``'s stack (or one of them is not known yet);
    ``region``: that region, when the caller has it already."""
    ours = Stack.of(scope).region if region is None else region
    theirs = region_of(target)
    if _known(ours) and _known(theirs) and ours != theirs:
        raise ValidationError(
            where,
            prop,
            shown(target),
            f"is in region {theirs!r} and this ServiceMonitoring in {ours!r}: {reason}",
        )


# ----------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class _Kind:
    name: str
    matches: Callable[[object], bool]
    methods: tuple[str, ...]
    """The ``monitor_*`` methods that take it as it is."""
    advice: str


def _is(*classes: type | str) -> Callable[[object], bool]:
    """A kind's test: an instance of any of ``classes``, a class or the path of one whose
    module is not imported unless a service uses it (``"aws_cdk.aws_ecs.BaseService"``)."""
    loaded = tuple(c for c in classes if isinstance(c, type))
    paths = tuple(c for c in classes if isinstance(c, str))
    return lambda value: isinstance(value, loaded) or instance_of(value, *paths)


def _monitored_function(value: object) -> bool:
    # By its shape: the compute package imports this one.
    return isinstance(value, ReleasedFunction)


def _container_service(value: object) -> bool:
    # The class first: the protocol's check reads properties, each a kernel request.
    return instance_of(value, "aws_cdk.aws_ecs_patterns.ApplicationLoadBalancedServiceBase") or (
        hasattr(type(value), "target_group") and isinstance(value, LoadBalancedService)
    )


_KINDS = (
    _Kind(
        "a container service",
        _container_service,
        ("monitor_container_service",),
        "monitor it with monitor_container_service (its load balancer and target group too)",
    ),
    _Kind(
        "an ECS service",
        _is("aws_cdk.aws_ecs.BaseService"),
        ("monitor_container_service",),
        "monitor it with monitor_container_service",
    ),
    _Kind(
        "an Application Load Balancer",
        _is("aws_cdk.aws_elasticloadbalancingv2.ApplicationLoadBalancer"),
        ("monitor_load_balancer",),
        "monitor it with monitor_load_balancer (target_group= adds its targets' alarms)",
    ),
    _Kind(
        "a MonitoredFunction",
        _monitored_function,
        (),
        "give its .alias (the traffic it serves) to monitor_lambda_function, or create it "
        "with MonitoredFunction(monitoring=...), which does that",
    ),
    _Kind(
        "a SecureApi",
        _is("org_constructs.api._secure_api.SecureApi"),
        ("monitor_rest_api",),
        "monitor it with monitor_rest_api",
    ),
    _Kind(
        "a RestApi",
        _is("aws_cdk.aws_apigateway.RestApi"),
        ("monitor_rest_api",),
        "monitor it with monitor_rest_api",
    ),
    _Kind(
        "a REST API that is not an apigateway.RestApi",
        _is("aws_cdk.aws_apigateway.RestApiBase"),
        (),
        "monitor it with monitor_rest_api(api_name=..., stage_name=...)",
    ),
    _Kind(
        "a SecureDatabase",
        _is("org_constructs.database._secure_database.SecureDatabase"),
        ("monitor_database",),
        "monitor it with monitor_database",
    ),
    _Kind(
        "an RDS database",
        _is("aws_cdk.aws_rds.DatabaseInstanceBase", "aws_cdk.aws_rds.DatabaseClusterBase"),
        ("monitor_database",),
        "monitor it with monitor_database",
    ),
    _Kind(
        "a VPC",
        _is(StandardVpc, ec2.Vpc),
        ("monitor_nat_gateways", "monitor_nat_instances"),
        "monitor its NAT gateways with monitor_nat_gateways, its NAT instances with "
        "monitor_nat_instances",
    ),
    _Kind(
        "a Lambda function",
        _is(lambda_.FunctionBase),
        ("monitor_lambda_function",),
        "monitor it with monitor_lambda_function, or alarm on one of its metrics "
        "(function.metric_errors()) with monitor_metric",
    ),
    _Kind(
        "a metric",
        _is(cw.Metric, cw.MathExpression),
        ("monitor_metric",),
        "alarm on it with monitor_metric",
    ),
    _Kind(
        "an alarm",
        _is(cw.Alarm),
        (),
        "monitor_metric takes the metric (alarm.metric); to notify the service's topics of "
        "an alarm of your own, add ServiceMonitoring's topic as its action",
    ),
)


def check_kind(where: str, prop: str, value: object, method: str) -> None:
    """Refuse a library construct or a resource that another ``monitor_*`` method takes (or
    that none takes as it is), saying which method or attribute to use."""
    for kind in _KINDS:
        if kind.matches(value):
            if method in kind.methods:
                return
            raise ValidationError(
                where, prop, shown(value), f"is {kind.name}, not for {method}: {kind.advice}"
            )
    if isinstance(value, Construct) and callable(getattr(value, "metric", None)):
        raise ValidationError(
            where,
            prop,
            shown(value),
            f"is a {type(value).__name__}, which no pack watches: alarm on one of its metrics "
            f"(its .metric...() methods) with monitor_metric",
        )


# ----------------------------------------------------------------------------- metrics


def _leaves(metric: cw.IMetric) -> Iterator[cw.IMetric]:
    """The metrics a math expression uses, nested expressions included; a metric itself."""
    if isinstance(metric, cw.MathExpression):
        for used in metric.using_metrics.values():
            yield from _leaves(used)
    else:
        yield metric


def _expressions(metric: cw.IMetric) -> Iterator[cw.MathExpression]:
    if isinstance(metric, cw.MathExpression):
        yield metric
        for used in metric.using_metrics.values():
            yield from _expressions(used)


def check_alarm_metric(where: str, prop: str, metric: cw.IMetric, region: str) -> None:
    """A metric a CloudWatch alarm in ``region`` can watch.

    Alarms refuse ``SEARCH`` expressions, math expressions that search another account or
    region, more than ``MAX_ALARM_METRICS`` metrics, and metrics of another region; a ``'*'``
    dimension value matches no metric, so the alarm would never fire.
    """
    for expression in _expressions(metric):
        text = expression.expression
        if isinstance(text, str) and _SEARCH.search(text):
            raise ValidationError(
                where,
                f"{prop}.expression",
                text,
                "uses SEARCH, which CloudWatch alarms cannot evaluate: alarm on the metrics "
                "themselves (one monitor_metric per metric, or a math expression over at most "
                f"{MAX_ALARM_METRICS} of them); add_fleet_search graphs a SEARCH on the "
                "dashboard",
            )
        for attribute in ("search_account", "search_region"):
            searched = getattr(expression, attribute)
            if searched is not None:
                raise ValidationError(
                    where,
                    f"{prop}.{attribute}",
                    searched,
                    "cannot be given on a metric an alarm watches: leave it out and set the "
                    "account or region on the metrics the expression uses",
                )
    leaves = list(_leaves(metric))
    if len(leaves) > MAX_ALARM_METRICS:
        raise ValidationError(
            where,
            prop,
            f"a math expression of {len(leaves)} metrics",
            f"CloudWatch alarms allow at most {MAX_ALARM_METRICS} metrics in one expression: "
            "split it into several alarms (and a composite alarm if they belong together)",
        )
    for leaf in leaves:
        for dimension, value in (getattr(leaf, "dimensions", None) or {}).items():
            if value == "*":
                raise ValidationError(
                    where,
                    f"{prop}.dimensions[{dimension!r}]",
                    value,
                    "is a wildcard, and an alarm matches dimensions exactly: it would watch a "
                    "metric that does not exist and never fire; give the real value",
                )
    if not _known(region):
        return
    for leaf in leaves:
        theirs = getattr(leaf, "region", None)
        if _known(theirs) and theirs != region:
            name = getattr(leaf, "metric_name", None) or leaf
            raise ValidationError(
                where,
                f"{prop}.region",
                theirs,
                f"is the region of metric {name!r}, and this ServiceMonitoring is in {region!r}: "
                "CloudWatch alarms watch metrics of their own region only; alarm on it from a "
                f"ServiceMonitoring in a stack of {theirs!r}",
            )


def metric_period(metric: cw.IMetric) -> Duration | None:
    """The period a metric or math expression carries, None for another kind of metric."""
    if isinstance(metric, cw.Metric | cw.MathExpression):
        return metric.period
    return None


def is_default_period(period: Duration) -> bool:
    """The period aws-cdk-lib gives a metric built without one (5 minutes)."""
    return period.to_seconds(integral=False) == _DEFAULT_PERIOD_SECONDS
