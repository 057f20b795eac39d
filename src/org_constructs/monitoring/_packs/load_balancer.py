"""Application Load Balancers: the load balancer's own 5XX and rejected connections, and for a
target group its targets' 5XX count and rate, response time p90/p99 and unhealthy hosts.

The container service pack (``container_service.py``) builds its load balancer's alarms and
widgets with the functions of this module; ``traffic_metrics`` gives the requests and errors
of a target group to anyone who needs them (service level objectives).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aws_cdk import Stack

from org_constructs._internal.kernel import Program, Seconds, Slot
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.tokens import unresolved
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import MetricFor, Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    ResolvedAlarm,
    Severity,
    catalogue,
)

if TYPE_CHECKING:
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2
else:
    elbv2 = lazy_module("aws_cdk.aws_elasticloadbalancingv2")


__all__ = [
    "CATALOGUE",
    "ELB_5XX",
    "LOAD_BALANCER_KEYS",
    "LOAD_BALANCER_ROWS",
    "NAME",
    "NAMESPACE",
    "PACK",
    "TARGET_5XX",
    "TARGET_KEYS",
    "TARGET_ROWS",
    "Traffic",
    "check",
    "load_balancer_key",
    "monitor",
    "shared_load_balancer",
    "shown",
    "target_group_key",
    "traffic_metrics",
    "unwatched",
]

NAME = "load_balancer"
NAMESPACE = "AWS/ApplicationELB"
TARGET_5XX = "HTTPCode_Target_5XX_Count"
"""The 5XX responses the targets sent (``TargetGroup`` and ``LoadBalancer`` dimensions)."""
ELB_5XX = "HTTPCode_ELB_5XX_Count"
"""The 5XX responses the load balancer sent itself (``LoadBalancer`` dimension): 502 when a
target answered badly, 503 without a healthy target, 504 when one timed out."""
ERROR_RATE = "IF(requests > 0, 100 * errors / requests, 0)"
"""5XX per 100 requests, 0 without requests (never missing data)."""

W, C = Severity.WARNING, Severity.CRITICAL

TARGET_ROWS: tuple[AlarmDefault, ...] = (
    AlarmDefault(
        key="target_5xx",
        metric=f"{TARGET_5XX} (Sum)",
        threshold=5,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The targets answered more than five requests with 5XX in a minute.",
        action="Open the service's logs at that minute and find the exception; if a "
        "deployment just happened, roll it back.",
    ),
    AlarmDefault(
        key="target_5xx_rate",
        metric=f"100 * {TARGET_5XX} / RequestCount",
        threshold=1,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="More than 1% of the requests the targets answered were 5XX for 15 minutes.",
        action="Check recent deployments and the service's dependencies (database, other "
        "services); roll back, or fix the dependency. The rate ignores one-off errors at high "
        "traffic that the count reports.",
    ),
    AlarmDefault(
        key="latency_p90",
        metric="TargetResponseTime (p90)",
        threshold=1,
        unit="seconds",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Nine in ten requests took the targets more than a second to answer for 15 "
        "minutes.",
        action="Compare with CPU and memory (a saturated task answers slowly: scale out) and "
        "with the latency of the service's dependencies; trace slow requests.",
    ),
    AlarmDefault(
        key="latency_p99",
        metric="TargetResponseTime (p99)",
        threshold=5,
        unit="seconds",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="The slowest requests took the targets more than 5 seconds for 15 minutes: "
        "callers time out and retry.",
        action="As for latency_p90; look for requests that wait on a lock, a pool or a "
        "timeout of a dependency.",
    ),
    AlarmDefault(
        key="unhealthy_hosts",
        metric="UnHealthyHostCount (Maximum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="A target failed the load balancer's health checks for 5 minutes in a row.",
        action="Read the target's health reason (aws elbv2 describe-target-health); check "
        "that the health check path answers 200 quickly and that the task has not run out "
        "of memory or CPU.",
    ),
)
"""The alarms on a target group (``TargetGroup`` and ``LoadBalancer`` dimensions)."""

LOAD_BALANCER_ROWS: tuple[AlarmDefault, ...] = (
    AlarmDefault(
        key="elb_5xx",
        metric=f"{ELB_5XX} (Sum)",
        threshold=5,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="The load balancer itself answered more than five requests a minute with 5XX "
        "for 3 minutes: 503 when no target is healthy, 502 when targets close connections "
        "or answer badly, 504 when they time out.",
        action="Check the healthy host count and the targets' health reasons; a deployment "
        "whose tasks fail their health checks leaves no healthy target: roll it back.",
    ),
    AlarmDefault(
        key="rejected_connections",
        metric="RejectedConnectionCount (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The load balancer refused connections: it reached its maximum number of "
        "connections.",
        action="Look for a traffic spike or clients that do not reuse connections; AWS scales "
        "the load balancer, open a support case if it lasts.",
    ),
)
"""The alarms on the load balancer itself (``LoadBalancer`` dimension)."""

TARGET_KEYS = tuple(row.key for row in TARGET_ROWS)
LOAD_BALANCER_KEYS = tuple(row.key for row in LOAD_BALANCER_ROWS)

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    *(replace(row, condition="a target_group is given") for row in TARGET_ROWS),
    *LOAD_BALANCER_ROWS,
)
"""The load balancer pack's alarms, by key, with their default settings."""


# ----------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Traffic:
    """The request and 5XX metrics of a target group (and its load balancer), as slots of a
    ``Program``: what a 5XX alarm, a 5XX rate or a service level objective reads."""

    requests: Slot
    """``RequestCount`` (Sum) of the target group."""
    target_5xx: Slot
    """``HTTPCode_Target_5XX_Count`` (Sum) of the target group."""
    elb_5xx: Slot | None
    """``HTTPCode_ELB_5XX_Count`` (Sum) of the load balancer; None without one."""


def traffic_metrics(
    program: Program,
    target_group: elbv2.IApplicationTargetGroup | Slot,
    *,
    load_balancer: elbv2.IApplicationLoadBalancer | Slot | None = None,
    period: Seconds | None = None,
) -> Traffic:
    """The requests and 5XX of ``target_group`` (and ``load_balancer``'s own 5XX), built in
    ``program`` with aws-cdk-lib's metrics (real dimensions), each a Sum over ``period``.

    Parameters
    ----------
    program:
        Where the metrics are made (a pack's ``pack.program``, or a ``Program`` of one's own).
    target_group:
        A target group attached to a load balancer (its metrics carry both names).
    load_balancer:
        The load balancer, for ``elb_5xx``. Default: - none
    period:
        ``seconds(n)``. Default: - aws-cdk-lib's, 5 minutes
    """
    props: dict[str, object] = {"statistic": "Sum", "period": period}
    metrics = program.get(target_group, "metrics")
    elb_5xx = None
    if load_balancer is not None:
        elb_5xx = program.call(
            program.get(load_balancer, "metrics"),
            "httpCodeElb",
            ELB_5XX,
            {**props, "label": "load balancer 5XX"},
        )
    return Traffic(
        requests=program.call(metrics, "requestCount", {**props, "label": "requests"}),
        target_5xx=program.call(
            metrics, "httpCodeTarget", TARGET_5XX, {**props, "label": "target 5XX"}
        ),
        elb_5xx=elb_5xx,
    )


def load_balancer_key(arn: str) -> tuple[str, ...]:
    """What a pack watches of a load balancer (its own alarms), by its ARN."""
    return ("elbv2", arn)


def target_group_key(arn: str) -> tuple[str, ...]:
    """What a pack watches of a target group, by its ARN."""
    return ("elbv2-target-group", arn)


# ----------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Facts:
    node_id: str | None
    load_balancer_arn: str
    target_group_arn: str | None
    full_name: str | None
    """The load balancer's ``LoadBalancer`` dimension."""
    target_dimension: str | None
    """The ``LoadBalancer`` dimension of the target group's metrics."""


def _read(
    where: str,
    load_balancer: elbv2.IApplicationLoadBalancer,
    target_group: elbv2.IApplicationTargetGroup | None,
) -> _Facts:
    """What the checks read, in one request to the jsii kernel (two with a target group)."""
    reads = Program()
    # An imported load balancer has no loadBalancerFullName: its metrics' dimension is read.
    node_id, arn, own_dimensions = reads.read(
        reads.get(reads.get(load_balancer, "node"), "id"),
        reads.get(load_balancer, "loadBalancerArn"),
        reads.get(reads.call(reads.get(load_balancer, "metrics"), "requestCount"), "dimensions"),
    )
    full_name = dict(own_dimensions or {}).get("LoadBalancer")
    if target_group is None:
        return _Facts(node_id, arn, None, full_name, None)
    try:
        group_arn, dimensions = reads.read(
            reads.get(target_group, "targetGroupArn"),
            reads.get(reads.call(reads.get(target_group, "metrics"), "requestCount"), "dimensions"),
        )
    except RuntimeError as error:
        raise ValidationError(
            where,
            "target_group",
            shown(target_group),
            "has no load balancer to read its metrics from (aws-cdk-lib: "
            f"{str(error).splitlines()[0]}): attach it to a listener of the load balancer, or "
            "import it with its load_balancer_arns",
        ) from None
    return _Facts(node_id, arn, group_arn, full_name, dict(dimensions or {}).get("LoadBalancer"))


def unwatched(checks: PackChecks, prop: str, target: object, key: tuple[str, ...]) -> None:
    """``checks.unwatched`` of one key, showing ``target`` by its path (read only to refuse
    it: each read is a kernel request)."""
    if checks.watcher(key) is not None:
        checks.unwatched(prop, shown(target), [key])


def shown(target: object) -> object:
    """How an error shows a resource: its construct path (an imported one's too)."""
    node = getattr(target, "node", None)
    return target if node is None else node.path


def _check_attached(
    where: str,
    load_balancer: elbv2.IApplicationLoadBalancer,
    target_group: elbv2.IApplicationTargetGroup,
    facts: _Facts,
) -> None:
    """The target group's metrics are the load balancer's: it is attached to one of its
    listeners (when both names are known, or both are of this app)."""
    ours, theirs = facts.full_name, facts.target_dimension
    if not isinstance(ours, str) or not isinstance(theirs, str):
        return
    if not unresolved(ours) and not unresolved(theirs):
        attached = ours == theirs
    elif isinstance(load_balancer, elbv2.ApplicationLoadBalancer) and isinstance(
        target_group, elbv2.ApplicationTargetGroup
    ):
        stack = Stack.of(target_group)
        dimension = json.dumps(stack.resolve(theirs))
        attached = any(
            json.dumps(stack.resolve(listener.listener_arn)) in dimension
            for listener in load_balancer.listeners
        )
    else:
        return
    if not attached:
        raise ValidationError(
            where,
            "target_group",
            shown(target_group),
            f"is not attached to a listener of {shown(load_balancer)}: its metrics are "
            "another load balancer's; give that load balancer, or a target group of this one",
        )


def check(
    checks: PackChecks,
    load_balancer: elbv2.IApplicationLoadBalancer,
    *,
    target_group: elbv2.IApplicationTargetGroup | None,
    label: str | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_load_balancer`` refuses; the plan of its one load balancer."""
    where = checks.where
    checks.check_region("load_balancer", load_balancer)
    if target_group is not None:
        checks.check_region("target_group", target_group)
    facts = _read(where, load_balancer, target_group)
    if target_group is not None:
        _check_attached(where, load_balancer, target_group, facts)
    label = checks.label(label, None, fallback=facts.node_id)
    resolved = dict(checks.resolve([label], alarms))
    own = load_balancer_key(facts.load_balancer_arn)
    watcher = checks.watcher(own)
    if target_group is None or facts.target_group_arn is None:
        unwatched(checks, "load_balancer", load_balancer, own)
        checks.possible(
            alarms,
            LOAD_BALANCER_KEYS,
            "a load balancer without target_group has",
            "give target_group for its targets' alarms",
        )
        for key in TARGET_KEYS:
            resolved[key] = ()
        watched = [own]
    else:
        group = target_group_key(facts.target_group_arn)
        unwatched(checks, "target_group", target_group, group)
        watched = [group]
        if watcher is None:
            watched.append(own)
        else:
            shared_load_balancer(checks, alarms, resolved, watcher)
    with_own = watcher is None

    def build(pack: Pack) -> None:
        monitor(
            pack,
            load_balancer=load_balancer,
            target_group=target_group,
            own_alarms=with_own,
            title=f"Load balancer {pack.label}",
        )

    return Plan(resolved, [Unit(label, f"LoadBalancer{label}", build, watched)])


def shared_load_balancer(
    checks: PackChecks,
    alarms: Overrides,
    resolved: dict[str, tuple[ResolvedAlarm, ...]],
    watcher: str,
) -> None:
    """The load balancer is watched already (as ``watcher``, by another service or target
    group behind it): its own alarms are left out, and overrides of them refused."""
    checks.possible(
        alarms,
        [key for key in resolved if key not in LOAD_BALANCER_KEYS],
        f"the load balancer is watched already, as {watcher!r}, and this call adds",
        f"its {', '.join(LOAD_BALANCER_KEYS)} alarms are {watcher!r}'s; change them there",
    )
    for key in LOAD_BALANCER_KEYS:
        resolved[key] = ()


# ----------------------------------------------------------------------------- the pack


def monitor(
    pack: Pack,
    *,
    load_balancer: elbv2.IApplicationLoadBalancer,
    target_group: elbv2.IApplicationTargetGroup | None,
    own_alarms: bool,
    title: str,
) -> None:
    """Alarms and widgets of a load balancer (``own_alarms``: its own, not only its target
    group's) and of its target group, under ``title``; the container service pack's too."""
    program = pack.program
    lb_metrics = program.get(load_balancer, "metrics")

    def on_load_balancer(method: str, *args: object) -> MetricFor:
        return lambda settings: pack.call(
            lb_metrics, method, *args, {"statistic": "Sum", "period": pack.period(settings)}
        )

    def own() -> None:
        if own_alarms:
            pack.alarm("elb_5xx", on_load_balancer("httpCodeElb", ELB_5XX))
            pack.alarm("rejected_connections", on_load_balancer("rejectedConnectionCount"))

    if target_group is None:
        own()
        pack.main(
            _graph(
                pack,
                f"{title}: requests and 5XX",
                [pack.call(lb_metrics, "requestCount", {"statistic": "Sum", "label": "requests"})],
                right=[
                    pack.call(lb_metrics, "httpCodeElb", ELB_5XX, {"label": "load balancer 5XX"}),
                    pack.call(lb_metrics, "rejectedConnectionCount", {"label": "rejected"}),
                ],
            )
        )
        return
    tg_metrics = program.get(target_group, "metrics")
    traffic = traffic_metrics(program, target_group, load_balancer=load_balancer)
    _target_alarms(pack, tg_metrics, traffic)
    own()
    right = [traffic.target_5xx, *([traffic.elb_5xx] if traffic.elb_5xx is not None else [])]
    if own_alarms:
        right.append(pack.call(lb_metrics, "rejectedConnectionCount", {"label": "rejected"}))
    pack.main(
        _graph(pack, f"{title}: requests and 5XX", [traffic.requests], right=right),
        _graph(
            pack,
            f"{title}: healthy and unhealthy targets",
            [
                pack.call(
                    tg_metrics, "healthyHostCount", {"statistic": "Minimum", "label": "healthy"}
                ),
                pack.call(
                    tg_metrics, "unhealthyHostCount", {"statistic": "Maximum", "label": "unhealthy"}
                ),
            ],
        ),
    )
    pack.performance(
        _graph(
            pack,
            f"{title}: target response time p50/p90/p99 (seconds)",
            [
                pack.call(tg_metrics, "targetResponseTime", {"statistic": s, "label": s})
                for s in ("p50", "p90", "p99")
            ],
            width=12,
        )
    )


def _target_alarms(pack: Pack, tg_metrics: Slot, traffic: Traffic) -> None:
    """The target group's alarms, on its ``metrics`` (a slot) and ``traffic``."""

    def on_targets(method: str, statistic: str, *args: object) -> MetricFor:
        return lambda settings: pack.call(
            tg_metrics, method, *args, {"statistic": statistic, "period": pack.period(settings)}
        )

    def rate(settings: ResolvedAlarm) -> Slot:
        return pack.new(
            "aws_cloudwatch.MathExpression",
            {
                "expression": ERROR_RATE,
                "usingMetrics": {"errors": traffic.target_5xx, "requests": traffic.requests},
                "label": "target 5XX rate (%)",
                "period": pack.period(settings),
            },
        )

    pack.alarm("target_5xx", on_targets("httpCodeTarget", "Sum", TARGET_5XX))
    pack.alarm("target_5xx_rate", rate)
    pack.alarm("latency_p90", on_targets("targetResponseTime", "p90"))
    pack.alarm("latency_p99", on_targets("targetResponseTime", "p99"))
    pack.alarm("unhealthy_hosts", on_targets("unhealthyHostCount", "Maximum"))


def _graph(pack: Pack, title: str, left: Sequence[Slot], *, width: int = 8, **more: object) -> Slot:
    return pack.new(
        "aws_cloudwatch.GraphWidget", {"title": title, "width": width, "left": list(left), **more}
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_load_balancer",
    target="load_balancer",
    title="Application Load Balancer",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment of the service behind it, deploy the previous "
    "release ([rolling back](guides/runbook.md#rolling-back)); a listener or target group "
    "change rolls back by deploying the previous configuration.",
    check=check,
    page=PageRow(
        call="`monitor_load_balancer(load_balancer, target_group=...)` (an "
        "`elbv2.IApplicationLoadBalancer`; a load balancer a `monitor_container_service` "
        "call watches already gets only the given target group's alarms)",
        alarms="load balancer 5XX (Critical), rejected connections; with a target group: "
        "target 5XX count and rate (Critical), response time p90 and p99 (Critical), "
        "unhealthy hosts",
        main="requests and 5XX, healthy and unhealthy targets",
        performance="target response time p50/p90/p99",
    ),
)
"""The load balancer pack, as ``ServiceMonitoring.monitor_load_balancer`` and the docs read
it."""
