"""ECS services (Fargate or EC2): CPU and memory, running against desired tasks, and, behind
an Application Load Balancer, the load balancer's alarms of ``load_balancer.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from org_constructs._internal.kernel import Program, Slot
from org_constructs._internal.lazy import instance_of, lazy_module
from org_constructs._internal.nodes import id_of, path_of
from org_constructs.core import LoadBalancedService
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs import load_balancer as lb_pack
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
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_ecs_patterns as ecs_patterns
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2
else:
    ecs = lazy_module("aws_cdk.aws_ecs")
    ecs_patterns = lazy_module("aws_cdk.aws_ecs_patterns")
    elbv2 = lazy_module("aws_cdk.aws_elasticloadbalancingv2")


__all__ = [
    "CATALOGUE",
    "CONTAINER_INSIGHTS",
    "ECS_KEYS",
    "NAME",
    "PACK",
    "PATTERNS",
    "check",
    "ecs_metric",
    "running_tasks_metric",
]

NAME = "container_service"
CONTAINER_INSIGHTS = "ECS/ContainerInsights"
"""The namespace of the task counts: published when Container Insights is on for the cluster
(``ContainerService`` turns it on; an account may turn it on for every new cluster)."""
MISSING_TASKS = "desired - running"
PATTERNS = (
    "aws_cdk.aws_ecs_patterns.ApplicationLoadBalancedFargateService",
    "aws_cdk.aws_ecs_patterns.ApplicationLoadBalancedEc2Service",
)
"""The aws-cdk-lib patterns taken as they are (service, load balancer and target group)."""

W, C = Severity.WARNING, Severity.CRITICAL

ECS_ROWS: tuple[AlarmDefault, ...] = (
    AlarmDefault(
        key="cpu",
        metric="CPUUtilization (Average)",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The service's tasks used more than 80% of their CPU for 15 minutes: "
        "requests queue and latency rises.",
        action="Scale out (raise the desired count or the auto scaling maximum), or give the "
        "tasks more CPU; look for a busy loop or a hot path in a profile.",
    ),
    AlarmDefault(
        key="memory",
        metric="MemoryUtilization (Average)",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The service's tasks used more than 80% of their memory for 15 minutes.",
        action="Give the tasks more memory or scale out; if it keeps growing, look for a leak "
        "(caches without bounds, connections not closed).",
    ),
    AlarmDefault(
        key="memory_critical",
        metric="MemoryUtilization (Average)",
        threshold=90,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="The service's tasks used more than 90% of their memory for 15 minutes: a "
        "task that reaches its limit is killed (exit code 137, OutOfMemoryError).",
        action="Raise the task's memory now (deploy), then find what grew.",
    ),
    AlarmDefault(
        key="running_tasks",
        metric=f"{CONTAINER_INSIGHTS} DesiredTaskCount - RunningTaskCount (Average)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=10,
        datapoints_to_alarm=10,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="Fewer tasks ran than the service wants for 10 minutes in a row: tasks fail to "
        "start or keep stopping (a crash at start, a failed health check, an image that "
        "cannot be pulled, no capacity). Container Insights publishes the task counts: "
        "without it on the cluster the alarm has no data and never fires.",
        action="Read the service's events and the stopped tasks' reasons (aws ecs "
        "describe-services, describe-tasks --include stoppedReason); roll back a deployment "
        "that started it.",
        condition="Container Insights is not turned off on the cluster (a cluster of this app "
        "with container insights disabled gets no running_tasks alarm)",
    ),
)
"""The alarms on the ECS service itself."""

ECS_KEYS = tuple(row.key for row in ECS_ROWS)
_BALANCED = (
    "the service is behind a load balancer (a ContainerService or an "
    "ApplicationLoadBalanced...Service pattern)"
)

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    *ECS_ROWS,
    *(replace(row, condition=_BALANCED) for row in lb_pack.TARGET_ROWS),
    *(
        replace(
            row,
            condition=f"{_BALANCED}, and no other call of the service watches that load "
            "balancer already",
        )
        for row in lb_pack.LOAD_BALANCER_ROWS
    ),
)
"""The container service pack's alarms, by key, with their default settings."""


# ----------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Target:
    """What one call watches: the ECS service, and its load balancer and target group."""

    service: ecs.IBaseService
    load_balancer: elbv2.IApplicationLoadBalancer | None
    target_group: elbv2.IApplicationTargetGroup | None
    owner_id: str | None
    """The construct id of the ``ContainerService`` or pattern, the default label."""


@dataclass(frozen=True)
class _Facts:
    node_id: str | None
    owner: object
    service_arn: str
    service_name: str
    cluster_name: str
    insights: object
    """The cluster's ``ClusterSettings`` (a cluster of this app), else None."""
    load_balancer_arn: str | None
    target_group_arn: str | None


def _target(where: str, service: object) -> _Target:
    """The ECS service, load balancer and target group of ``service``."""
    if isinstance(service, ecs.BaseService):
        return _Target(service, None, None, None)
    if instance_of(service, *PATTERNS):
        reads = Program()
        found, load_balancer, target_group, owner_id = reads.read(
            reads.get(service, "service"),
            reads.get(service, "loadBalancer"),
            reads.get(service, "targetGroup"),
            reads.get(reads.get(service, "node"), "id"),
        )
        return _Target(found, load_balancer, target_group, owner_id)
    if hasattr(type(service), "target_group") and isinstance(service, LoadBalancedService):
        return _Target(
            service.service, service.load_balancer, service.target_group, str(id_of(service))
        )
    # An ecs.IBaseService (an imported one): its type is checked by the facade.
    return _Target(service, None, None, None)  # type: ignore[arg-type]


def _read(target: _Target) -> _Facts:
    """What the checks read of the service, in one request to the jsii kernel."""
    reads = Program()
    node = reads.get(target.service, "node")
    cluster = reads.get(target.service, "cluster")
    slots = [
        reads.get(node, "id"),
        reads.get(node, "scope"),
        reads.get(target.service, "serviceArn"),
        reads.get(target.service, "serviceName"),
        reads.get(cluster, "clusterName"),
        reads.get(reads.get(reads.get(cluster, "node"), "defaultChild"), "clusterSettings"),
    ]
    if target.load_balancer is not None and target.target_group is not None:
        slots += [
            reads.get(target.load_balancer, "loadBalancerArn"),
            reads.get(target.target_group, "targetGroupArn"),
        ]
    node_id, owner, arn, name, cluster_name, insights, *balanced = reads.read(*slots)
    lb_arn, tg_arn = balanced or (None, None)
    return _Facts(node_id, owner, arn, name, cluster_name, insights, lb_arn, tg_arn)


def _insights_off(settings: object) -> bool:
    """Container Insights is turned off on the cluster, as its template says."""
    if not isinstance(settings, Sequence):
        return False
    return any(
        isinstance(setting, Mapping)
        and setting.get("name") == "containerInsights"
        and setting.get("value") == "disabled"
        for setting in settings
    )


def _same(one: object, other: object) -> bool:
    """The same object, or two proxies of the same object of the jsii kernel (each read of a
    property made there gives a proxy of its own)."""
    if one is other:
        return True
    ref, other_ref = getattr(one, "__jsii_ref__", None), getattr(other, "__jsii_ref__", None)
    return ref is not None and other_ref is not None and ref.ref == other_ref.ref


def _owner(facts: _Facts, service: ecs.IBaseService) -> object | None:
    """The ``ContainerService`` or pattern whose ``.service`` this is, if any."""
    owner = facts.owner
    recognised = instance_of(owner, *PATTERNS) or (
        # The class first: the protocol's check reads properties, each a kernel request.
        hasattr(type(owner), "target_group") and isinstance(owner, LoadBalancedService)
    )
    if recognised and _same(getattr(owner, "service", None), service):
        return owner
    return None


def check(
    checks: PackChecks,
    service: LoadBalancedService
    | ecs_patterns.ApplicationLoadBalancedServiceBase
    | ecs.IBaseService,
    *,
    label: str | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_container_service`` refuses; the plan of its one service."""
    where = checks.where
    if instance_of(
        service, "aws_cdk.aws_ecs_patterns.ApplicationLoadBalancedServiceBase"
    ) and not instance_of(service, *PATTERNS):
        raise ValidationError(
            where,
            "service",
            path_of(service),
            f"is a {type(service).__name__}, whose ECS service this pack cannot read: give an "
            "ApplicationLoadBalancedFargateService or ApplicationLoadBalancedEc2Service, or "
            "monitor its .service and monitor_load_balancer(its load balancer, target_group=...)",
        )
    target = _target(where, service)
    facts = _read(target)
    owner = _owner(facts, target.service) if target.load_balancer is None else None
    if owner is not None:
        # The service of a ContainerService or pattern, given as .service: its owner's.
        target = _target(where, owner)
        facts = _read(target)
    checks.check_region("service", target.service)
    label = checks.label(label or target.owner_id or facts.node_id, target.service)
    resolved = dict(checks.resolve([label], alarms))
    balanced = facts.load_balancer_arn is not None and facts.target_group_arn is not None
    insights_off = _insights_off(facts.insights)
    possible = [
        key
        for key in CATALOGUE
        if (balanced or key in ECS_KEYS) and (key != "running_tasks" or not insights_off)
    ]
    checks.possible(
        alarms,
        possible,
        "this service has",
        "its cluster turns Container Insights off (turn it on for the task counts)"
        if insights_off
        else "a bare ECS service has no load balancer here: give the ContainerService or "
        "pattern, or monitor_load_balancer(load_balancer, target_group=...)",
    )
    if insights_off:
        resolved["running_tasks"] = ()
    watched: list[tuple[str, ...]] = [("ecs", facts.service_arn)]
    lb_pack.unwatched(checks, "service", target.service, watched[0])
    own_alarms = False
    if balanced:
        group = lb_pack.target_group_key(facts.target_group_arn)  # type: ignore[arg-type]
        lb_pack.unwatched(checks, "service", target.target_group, group)
        watched.append(group)
        own = lb_pack.load_balancer_key(facts.load_balancer_arn)  # type: ignore[arg-type]
        watcher = checks.watcher(own)
        own_alarms = watcher is None
        if watcher is None:
            watched.append(own)
        else:
            lb_pack.shared_load_balancer(checks, alarms, resolved, watcher)
    else:
        for key in CATALOGUE:
            if key not in ECS_KEYS:
                resolved[key] = ()
    names = {"ClusterName": facts.cluster_name, "ServiceName": facts.service_name}

    def build(pack: Pack) -> None:
        _monitor(pack, target, names, own_alarms=own_alarms)

    return Plan(resolved, [Unit(label, f"Service{label}", build, watched)])


# ----------------------------------------------------------------------------- metrics


def running_tasks_metric(
    program: Program, names: Mapping[str, str], *, period: object = None
) -> Slot:
    """``DesiredTaskCount - RunningTaskCount`` of a service (``names``: its ``ClusterName``
    and ``ServiceName``), in ``program``: the tasks missing, from Container Insights."""
    return program.new(
        "aws_cloudwatch.MathExpression",
        {
            "expression": MISSING_TASKS,
            "usingMetrics": {
                "desired": _insights(program, "DesiredTaskCount", names),
                "running": _insights(program, "RunningTaskCount", names),
            },
            "label": "tasks missing",
            "period": period,
        },
    )


def ecs_metric(
    program: Program,
    metric: str,
    names: Mapping[str, str],
    *,
    label: str | None = None,
    period: object = None,
) -> Slot:
    """An ``AWS/ECS`` metric of a service (``CPUUtilization``, ``MemoryUtilization``),
    Average, by its ``ClusterName`` and ``ServiceName``, in ``program``."""
    return program.new(
        "aws_cloudwatch.Metric",
        {
            "namespace": "AWS/ECS",
            "metricName": metric,
            "dimensionsMap": dict(names),
            "statistic": "Average",
            "label": label,
            "period": period,
        },
    )


def _insights(
    program: Program, metric: str, names: Mapping[str, str], label: str | None = None
) -> Slot:
    return program.new(
        "aws_cloudwatch.Metric",
        {
            "namespace": CONTAINER_INSIGHTS,
            "metricName": metric,
            "dimensionsMap": dict(names),
            "statistic": "Average",
            "label": label,
        },
    )


# ----------------------------------------------------------------------------- the pack


def _monitor(pack: Pack, target: _Target, names: Mapping[str, str], *, own_alarms: bool) -> None:
    """Alarms and widgets of one ECS service (and its load balancer)."""

    def on_service(metric: str) -> MetricFor:
        return lambda settings: ecs_metric(
            pack.program, metric, names, period=pack.period(settings)
        )

    def missing(settings: ResolvedAlarm) -> Slot:
        return running_tasks_metric(pack.program, names, period=pack.period(settings))

    pack.alarm("cpu", on_service("CPUUtilization"))
    pack.alarm("memory", on_service("MemoryUtilization"))
    pack.alarm("memory_critical", on_service("MemoryUtilization"))
    pack.alarm("running_tasks", missing)
    title = f"Service {pack.label}"
    pack.main(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: CPU and memory (%)",
                "width": 8,
                "left": [
                    ecs_metric(pack.program, "CPUUtilization", names, label="CPU"),
                    ecs_metric(pack.program, "MemoryUtilization", names, label="memory"),
                ],
                "leftYAxis": {"min": 0, "max": 100},
            },
        ),
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: tasks running and desired (Container Insights)",
                "width": 8,
                "left": [
                    _insights(pack.program, "RunningTaskCount", names, "running"),
                    _insights(pack.program, "DesiredTaskCount", names, "desired"),
                ],
            },
        ),
    )
    if target.load_balancer is not None and target.target_group is not None:
        lb_pack.monitor(
            pack,
            load_balancer=target.load_balancer,
            target_group=target.target_group,
            own_alarms=own_alarms,
            title=title,
        )


PACK = PackSpec(
    name=NAME,
    method="monitor_container_service",
    target="service",
    title="ECS container service",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment, deploy the previous release "
    "([rolling back](guides/runbook.md#rolling-back)); an ECS deployment circuit breaker "
    "with rollback stops a deployment whose tasks fail to start by itself.",
    check=check,
    page=PageRow(
        call="`monitor_container_service(service)` (a `ContainerService`, an "
        "`ApplicationLoadBalancedFargateService`/`Ec2Service` pattern, or an ECS service "
        "alone: then its ECS alarms only)",
        alarms="CPU, memory (warning 80%, critical 90%), running below desired tasks "
        "(Critical, needs Container Insights); behind its load balancer: target 5XX count and "
        "rate (Critical), load balancer 5XX (Critical), response time p90 and p99 (Critical), "
        "unhealthy hosts, rejected connections",
        main="CPU and memory, tasks running and desired, requests and 5XX, healthy and "
        "unhealthy targets",
        performance="target response time p50/p90/p99",
    ),
)
"""The container service pack, as ``ServiceMonitoring.monitor_container_service`` and the docs
read it."""
