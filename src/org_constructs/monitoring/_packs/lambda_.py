"""Lambda functions, versions and aliases: Errors, error rate, throttles, duration, concurrency
and iterator age."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from constructs import Node

from org_constructs._internal import checks as config_checks
from org_constructs._internal.kernel import Program, Slot
from org_constructs._internal.nodes import id_of
from org_constructs.core import ReleasedFunction
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

__all__ = [
    "CATALOGUE",
    "NAME",
    "PACK",
    "check",
    "check_settings",
    "error_rate",
    "function_timeout",
    "has_event_source",
    "monitor",
    "own_reserved_concurrency",
    "own_timeout",
]

NAME = "lambda"
DEFAULT_ACCOUNT_CONCURRENCY = 1000
DEFAULT_TIMEOUT = Duration.seconds(3)
_DEFAULT_TIMEOUT_MS = 3000
_MAX_CONCURRENCY = 2**31 - 1

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="errors",
        metric="Errors (Sum)",
        threshold=1,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The function threw more than one error in a minute.",
        action="Open the function's log group in Logs Insights, filter on ERROR, find the "
        "exception; if a deployment just happened, roll back the alias.",
    ),
    AlarmDefault(
        key="error_rate",
        metric="100 * Errors / Invocations",
        threshold=5,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="More than 5% of invocations failed for 15 minutes.",
        action="Check recent deployments and downstream dependencies; roll back the alias "
        "(CodeDeploy stops a canary by itself) or fix the dependency.",
    ),
    AlarmDefault(
        key="throttles",
        metric="Throttles (Sum)",
        threshold=1,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Invocations were rejected for lack of concurrency.",
        action="Compare ConcurrentExecutions with reserved and account concurrency; raise the "
        "reservation or the account quota, or slow the caller.",
    ),
    AlarmDefault(
        key="duration_p90",
        metric="Duration (p90)",
        threshold=80,
        unit="percent of timeout",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Nine in ten invocations take more than 80% of the timeout.",
        action="Look for slow dependencies in X-Ray traces; raise memory (more CPU) or the "
        "timeout.",
    ),
    AlarmDefault(
        key="duration_p99",
        metric="Duration (p99)",
        threshold=95,
        unit="percent of timeout",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="The slowest invocations are about to time out.",
        action="As for duration_p90; timeouts are failures, so act before they spread.",
    ),
    AlarmDefault(
        key="concurrent_executions",
        metric="ConcurrentExecutions (Maximum)",
        threshold=80,
        unit="percent of reserved concurrency",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Concurrency stays above 80% of the function's reservation (or of 1,000, the "
        "default account quota).",
        action="Expect throttles next: raise the reservation or quota, or batch the work.",
    ),
    AlarmDefault(
        key="iterator_age",
        metric="IteratorAge (Maximum)",
        threshold=60000,
        unit="ms",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Records wait more than a minute in the stream before the function reads them.",
        action="The function falls behind its event source: raise batch size, parallelization "
        "factor or concurrency; check for a poison record that fails every batch.",
        condition="the function has an event source mapping",
    ),
)
"""The lambda pack's alarms, by key, with their default settings."""


# ----------------------------------------------------------------------------- checks


def check(
    checks: PackChecks,
    function: lambda_.IFunction,
    *,
    label: str | None,
    timeout: Duration | None,
    reserved_concurrency: int | None,
    event_source_mapped: bool | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_lambda_function`` refuses; the plan of its one resource."""
    facts = _read(function)
    checks.check_region("function", function, stack=facts.stack)
    node = facts.node
    if label is None and node is not None:
        label = (
            str(id_of(facts.owner))
            # The class first: the protocol's check reads properties, each a kernel request.
            if hasattr(type(facts.owner), "alias")
            and isinstance(facts.owner, ReleasedFunction)
            and facts.owner.alias is function
            else facts.node_id
        )
    label, resolved = check_settings(
        checks,
        label,
        function,
        timeout=timeout,
        reserved_concurrency=reserved_concurrency,
        alarms=alarms,
    )
    if event_source_mapped is None:
        event_source_mapped = any(
            isinstance(child, lambda_.EventSourceMapping) for child in facts.children
        )
    checks.possible(
        alarms,
        [key for key in CATALOGUE if key != "iterator_age" or event_source_mapped],
        "this function has",
        "give event_source_mapped=True when an event source outside this app feeds it",
    )
    own = facts.timeout if isinstance(facts.timeout, Duration) else None
    _check_function_settings(
        checks.where, function, timeout, reserved_concurrency, own=own, node=node
    )
    watched = [("lambda", facts.arn)]
    checks.unwatched("function", function, watched)
    mapped = event_source_mapped
    if timeout is not None:
        timeout_ms = timeout.to_milliseconds()
    elif own is not None and facts.timeout_ms is not None:
        timeout_ms = facts.timeout_ms
    elif own is not None:
        timeout_ms = own.to_milliseconds()
    else:
        timeout_ms = _DEFAULT_TIMEOUT_MS

    def build(pack: Pack) -> None:
        monitor(
            pack,
            function,
            timeout_ms=timeout_ms,
            reserved_concurrency=reserved_concurrency,
            event_source_mapped=mapped,
        )

    return Plan(resolved, [Unit(label, f"Lambda{label}", build, watched)])


def check_settings(
    checks: PackChecks,
    label: str | None,
    function: object,
    *,
    timeout: Duration | None,
    reserved_concurrency: int | None,
    alarms: Overrides,
) -> tuple[str, dict[str, tuple[ResolvedAlarm, ...]]]:
    """The label and alarm settings of a function, checked; what a ``MonitoredFunction``
    checks (``ServiceMonitoring.check_lambda_function``) before it creates its children."""
    if timeout is not None:
        config_checks.check_duration(
            checks.where,
            "timeout",
            timeout,
            low=config_checks.seconds(1),
            high=config_checks.minutes(15),
            unit="seconds",
        )
    if reserved_concurrency is not None:
        config_checks.check_int(
            checks.where, "reserved_concurrency", reserved_concurrency, 1, _MAX_CONCURRENCY
        )
    label = checks.label(label, function)
    return label, checks.resolve([label], alarms)


def _check_function_settings(
    where: str,
    function: lambda_.IFunction,
    timeout: Duration | None,
    reserved_concurrency: int | None,
    *,
    own: Duration | None,
    node: Node | None = None,
) -> None:
    """``timeout`` and ``reserved_concurrency`` agree with the function's own settings
    (``own``: its timeout, ``own_timeout(function)``; ``node``: its node, when read)."""
    if (
        timeout is not None
        and own is not None
        and not own.is_unresolved()
        and own.to_milliseconds() != timeout.to_milliseconds()
    ):
        raise ValidationError(
            where,
            "timeout",
            timeout.to_human_string(),
            f"contradicts the function's own timeout ({own.to_human_string()}): "
            "the duration alarms are shares of it; leave timeout out",
        )
    if reserved_concurrency is None:
        return
    own_reserved = own_reserved_concurrency(function, node=node)
    if own_reserved is not None and own_reserved != reserved_concurrency:
        raise ValidationError(
            where,
            "reserved_concurrency",
            reserved_concurrency,
            f"contradicts the function's reserved concurrency ({own_reserved}): the "
            "concurrency alarm is a share of it; give the same number",
        )


# ----------------------------------------------------------------------------- metrics


ERROR_RATE = "IF(invocations > 0, 100 * errors / invocations, 0)"
"""Errors per 100 invocations, 0 without invocations."""


def error_rate(
    errors: cw.IMetric, invocations: cw.IMetric, period: Duration, label: str = "Error rate (%)"
) -> cw.MathExpression:
    """Errors per 100 invocations, 0 without invocations (never missing data)."""
    return cw.MathExpression(
        expression=ERROR_RATE,
        using_metrics={"errors": errors, "invocations": invocations},
        label=label,
        period=period,
    )


def _metrics(pack: Pack, function: lambda_.IFunction) -> dict[str, Slot]:
    """The metrics of the widgets and the error rate (aws-cdk-lib's default period)."""
    return {
        "errors": pack.call(function, "metricErrors", {"statistic": "Sum"}),
        "throttles": pack.call(function, "metricThrottles", {"statistic": "Sum"}),
        "concurrent_executions": pack.call(
            function, "metric", "ConcurrentExecutions", {"statistic": "Maximum"}
        ),
        "invocations": pack.call(function, "metricInvocations", {"statistic": "Sum"}),
    }


def _alarm_metrics(pack: Pack, function: lambda_.IFunction) -> dict[str, MetricFor]:
    """The metric of each alarm, built with the alarm's period (no copy per alarm)."""

    def method(name: str, statistic: str) -> MetricFor:
        return lambda s: pack.call(
            function, name, {"statistic": statistic, "period": pack.period(s)}
        )

    return {
        "errors": method("metricErrors", "Sum"),
        "throttles": method("metricThrottles", "Sum"),
        "duration_p90": method("metricDuration", "p90"),
        "duration_p99": method("metricDuration", "p99"),
        "concurrent_executions": lambda s: pack.call(
            function,
            "metric",
            "ConcurrentExecutions",
            {"statistic": "Maximum", "period": pack.period(s)},
        ),
    }


# ----------------------------------------------------------------------------- the pack


def monitor(
    pack: Pack,
    function: lambda_.IFunction,
    *,
    timeout_ms: float,
    reserved_concurrency: int | None,
    event_source_mapped: bool,
) -> None:
    """Alarms and widgets of one function, version or alias."""
    metrics = _metrics(pack, function)
    alarm_metrics = _alarm_metrics(pack, function)
    concurrency = reserved_concurrency or DEFAULT_ACCOUNT_CONCURRENCY
    pack.alarm("errors", alarm_metrics["errors"])
    pack.alarm("throttles", alarm_metrics["throttles"])
    pack.alarm("duration_p90", alarm_metrics["duration_p90"], factor=timeout_ms / 100)
    pack.alarm("duration_p99", alarm_metrics["duration_p99"], factor=timeout_ms / 100)
    pack.alarm(
        "concurrent_executions", alarm_metrics["concurrent_executions"], factor=concurrency / 100
    )
    pack.alarm(
        "error_rate",
        lambda settings: pack.new(
            "aws_cloudwatch.MathExpression",
            {
                "expression": ERROR_RATE,
                "usingMetrics": {
                    "errors": metrics["errors"],
                    "invocations": metrics["invocations"],
                },
                "label": "Error rate (%)",
                "period": pack.period(settings),
            },
        ),
    )
    if event_source_mapped:
        pack.alarm(
            "iterator_age", pack.call(function, "metric", "IteratorAge", {"statistic": "Maximum"})
        )
    _widgets(pack, function, metrics, timeout_ms)


def _widgets(
    pack: Pack, function: lambda_.IFunction, metrics: Mapping[str, Slot], timeout_ms: float
) -> None:
    title = f"Lambda {pack.label}"
    pack.main(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: invocations and errors",
                "width": 12,
                "left": [metrics["invocations"], metrics["errors"]],
                "right": [metrics["throttles"]],
            },
        ),
    )
    pack.performance(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: duration p50/p90/p99 (timeout {timeout_ms:g} ms)",
                "width": 12,
                "left": [
                    pack.call(function, "metricDuration", {"statistic": s, "label": s})
                    for s in ("p50", "p90", "p99")
                ],
                "leftAnnotations": [{"value": timeout_ms, "label": "timeout"}],
            },
        ),
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: concurrency",
                "width": 12,
                "left": [metrics["concurrent_executions"]],
            },
        ),
    )


# ----------------------------------------------------------------------------- helpers


def _underlying(function: lambda_.IFunction) -> lambda_.IFunction:
    """The function behind an alias or a version; the function itself otherwise."""
    if isinstance(function, lambda_.Alias):
        return function.version.lambda_
    if isinstance(function, lambda_.Version):
        return function.lambda_
    return function


def own_timeout(function: lambda_.IFunction) -> Duration | None:
    """The timeout the function (through an alias or version) was given here, if any."""
    timeout = getattr(_underlying(function), "timeout", None)
    return timeout if isinstance(timeout, Duration) else None


def function_timeout(function: lambda_.IFunction) -> Duration:
    """The function's own timeout (through an alias or version), else Lambda's 3 seconds."""
    return own_timeout(function) or DEFAULT_TIMEOUT


def own_reserved_concurrency(
    function: lambda_.IFunction, *, node: Node | None = None
) -> int | None:
    """The reserved concurrency of a function (through an alias or version) of this app
    (``node``: the function's node, when the caller has read it)."""
    target = _underlying(function)
    if not isinstance(target, lambda_.Function):
        return None
    resource = (node if node is not None and target is function else target.node).default_child
    if not isinstance(resource, lambda_.CfnFunction):
        return None
    reserved = resource.reserved_concurrent_executions
    if isinstance(reserved, bool) or not isinstance(reserved, int):
        return None
    return reserved


@dataclass(frozen=True)
class _Facts:
    """What the checks read of a function, in one round trip to the jsii kernel."""

    stack: Stack | None
    node: Node | None
    owner: object
    """The construct the function is a child of (a ``MonitoredFunction`` for its alias)."""
    node_id: str | None
    children: Sequence[object]
    """The children of the function (and, for an alias, of its function)."""
    timeout: Duration | None
    timeout_ms: float | None
    arn: str


def _read(function: lambda_.IFunction) -> _Facts:
    reads = Program()
    node = reads.get(function, "node")
    underlying: lambda_.IFunction | Slot = function
    if isinstance(function, lambda_.Alias | lambda_.Version):
        version = reads.get(function, "version") if isinstance(function, lambda_.Alias) else None
        underlying = reads.get(version if version is not None else function, "lambda")
    timeout = reads.get(underlying, "timeout")
    slots = [
        reads.get(function, "stack"),
        node,
        reads.get(node, "scope"),
        reads.get(node, "id"),
        reads.get(node, "children"),
        timeout,
        reads.call_if(timeout, "toMilliseconds"),
        reads.get(function, "functionArn"),
    ]
    if isinstance(function, lambda_.Alias):
        slots.append(reads.get(reads.get(underlying, "node"), "children"))
    stack, node_, owner, node_id, children, own, own_ms, arn, *more = reads.read(*slots)
    return _Facts(
        stack=stack,
        node=node_,
        owner=owner,
        node_id=node_id,
        children=[*(children or ()), *(more[0] if more else ())],
        timeout=own,
        timeout_ms=own_ms,
        arn=arn,
    )


def has_event_source(function: lambda_.IFunction, *, node: Node | None = None) -> bool:
    """Whether the function (or the alias's function) has an event source mapping here
    (``node``: the function's node, when the caller has read it)."""
    targets: list[lambda_.IFunction | Node] = [function if node is None else node]
    if isinstance(function, lambda_.Alias):
        targets.append(function.version.lambda_)
    return any(
        isinstance(child, lambda_.EventSourceMapping)
        for target in targets
        for child in (target if isinstance(target, Node) else target.node).children
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_lambda_function",
    target="function",
    title="Lambda function or alias",
    catalogue=CATALOGUE,
    roll_back="during a canary, CodeDeploy rolls back by itself when a rollback alarm fires "
    "(`aws deploy stop-deployment --deployment-id ID --auto-rollback-enabled` to stop it "
    "sooner); after one, deploy the previous release (runbook: "
    "[rolling back](guides/runbook.md#rolling-back)).",
    check=check,
    page=PageRow(
        call="`monitor_lambda_function(fn or alias)`",
        alarms="errors, error rate, throttles, duration p90/p99 against the timeout, "
        "concurrency against the reservation, iterator age when an event source is mapped",
        main="invocations, errors, throttles",
        performance="duration p50/p90/p99 with the timeout line, concurrency",
    ),
)
"""The lambda pack, as ``ServiceMonitoring.monitor_lambda_function`` and the docs read it."""
