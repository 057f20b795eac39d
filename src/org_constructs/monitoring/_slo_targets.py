"""The service level indicators of the targets ``ServiceMonitoring.add_*_slo`` takes: which
metrics count the good, bad and total events of an API, a load-balanced container service, a
function and a queue's consumer, and what each target's timeout allows a latency objective.

Every indicator is a set of metrics (without period: each window alarm sets its own) and two
metric math expressions over them, ``bad`` and ``total``; the error ratio of a window is
``IF(total > 0, bad / total, 0)``. Latency counts the requests over the threshold with the
percentile rank statistic: ``PR(:t)`` is the percentage of requests that took ``t`` or less,
so ``(100 - PR(:t)) * SampleCount / 100`` requests were slow.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from org_constructs._internal.lazy import instance_of, lazy_class
from org_constructs._internal.nodes import id_of
from org_constructs._internal.tokens import unresolved
from org_constructs.core import LoadBalancedService, QueueWithDeadLetter, ReleasedFunction
from org_constructs.errors import ValidationError

if typing.TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigw

    from org_constructs.api import SecureApi

__all__ = [
    "ALB_IDLE_TIMEOUT",
    "API_GATEWAY_TIMEOUT",
    "Indicator",
    "SloTarget",
    "availability",
    "custom",
    "latency",
    "ratio_expression",
]

if typing.TYPE_CHECKING:
    SloTarget = (
        SecureApi
        | apigw.RestApi
        | LoadBalancedService
        | ReleasedFunction
        | lambda_.IFunction
        | QueueWithDeadLetter
        | sqs.IQueue
    )
else:  # the same, without importing the API modules for a service that has no API
    SloTarget = typing.Union[  # noqa: UP007 - the stand-ins are classes only at run time
        lazy_class("org_constructs.api._secure_api.SecureApi"),
        lazy_class("aws_cdk.aws_apigateway.RestApi"),
        LoadBalancedService,
        ReleasedFunction,
        lambda_.IFunction,
        QueueWithDeadLetter,
        sqs.IQueue,
    ]
"""What ``add_availability_slo`` and ``add_latency_slo`` watch."""

_API_CLASSES = ("org_constructs.api._secure_api.SecureApi", "aws_cdk.aws_apigateway.RestApi")

API_GATEWAY_TIMEOUT = Duration.seconds(29)
"""API Gateway ends a REST API request at its integration timeout, 29 seconds by default."""
ALB_IDLE_TIMEOUT = 60
"""An Application Load Balancer's default idle timeout, in seconds."""
MAX_METRICS = 10
"""CloudWatch: a metric math alarm uses at most 10 metrics."""


@dataclass(frozen=True)
class Indicator:
    """A service level indicator: its metrics and the bad and total event expressions."""

    label: str
    """The target's construct id: the default name of its objectives."""
    metrics: dict[str, cw.IMetric]
    bad: str
    total: str
    description: str
    """What counts as bad, for the alarm descriptions and the docs."""
    good_metric: cw.IMetric | None = None
    """For Application Signals: the good events as one metric, when there is one."""
    total_metric: cw.IMetric | None = None
    bad_metric: cw.IMetric | None = None


def ratio_expression(indicator: Indicator) -> str:
    """``IF(total > 0, bad / total, 0)``: no traffic is no error."""
    return f"IF(({indicator.total}) > 0, ({indicator.bad}) / ({indicator.total}), 0)"


def _sum(metric: cw.Metric) -> cw.Metric:
    return metric.with_(statistic="Sum")


def _api_metric(api_name: str, stage_name: str, name: str, statistic: str) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/ApiGateway",
        metric_name=name,
        dimensions_map={"ApiName": api_name, "Stage": stage_name},
        statistic=statistic,
    )


def _api_names(api: SecureApi | apigw.RestApi) -> tuple[str, str, str]:
    from org_constructs.api import SecureApi

    if isinstance(api, SecureApi):
        return str(id_of(api)), api.rest_api_name, api.stage_name
    return str(id_of(api)), api.rest_api_name, api.deployment_stage.stage_name


def _function_of(target: object) -> tuple[str, lambda_.IFunction, Duration | None]:
    if isinstance(target, ReleasedFunction):
        return str(id_of(target)), target.alias, target.function.timeout
    function = typing.cast("lambda_.IFunction", target)
    timeout = function.timeout if isinstance(function, lambda_.Function) else None
    if isinstance(function, lambda_.Alias | lambda_.Version):
        owner = (
            function.version.lambda_ if isinstance(function, lambda_.Alias) else function.lambda_
        )
        timeout = owner.timeout if isinstance(owner, lambda_.Function) else None
    return str(id_of(function)), function, timeout


def _is_function(target: object) -> bool:
    return isinstance(target, ReleasedFunction | lambda_.FunctionBase)


def _is_api(target: object) -> bool:
    return instance_of(target, *_API_CLASSES)


def _is_service(target: object) -> bool:
    return isinstance(target, LoadBalancedService) and not _is_api(target)


def _queue_of(where: str, target: object) -> tuple[str, sqs.IQueue, sqs.IQueue]:
    if isinstance(target, QueueWithDeadLetter) and not isinstance(target, sqs.QueueBase):
        label, queue, dead_letters = str(id_of(target)), target.queue, target.dead_letter_queue
    else:
        queue = typing.cast("sqs.IQueue", target)
        label = str(id_of(queue))
        dead = queue.dead_letter_queue if isinstance(queue, sqs.Queue) else None
        dead_letters = dead.queue if dead is not None else None
    if dead_letters is None:
        raise ValidationError(
            where,
            "target",
            label,
            "is a queue without a dead-letter queue: a consumer's good events are the "
            "messages processed without reaching it; give the queue a dead-letter queue "
            "(SecureQueue has one by default)",
        )
    return label, queue, dead_letters


def _service_metrics(service: LoadBalancedService) -> elbv2.IApplicationTargetGroupMetrics:
    return service.target_group.metrics


def availability(where: str, target: object) -> Indicator:
    """Good events are requests (invocations, messages) that did not fail."""
    if _is_api(target):
        label, api_name, stage = _api_names(typing.cast("SecureApi | apigw.RestApi", target))
        return Indicator(
            label=label,
            metrics={
                "errors": _api_metric(api_name, stage, "5XXError", "Sum"),
                "requests": _api_metric(api_name, stage, "Count", "Sum"),
            },
            bad="FILL(errors, 0)",
            total="requests",
            description="responses with a 5XX status (API Gateway 5XXError) among all requests "
            "(Count)",
            bad_metric=_api_metric(api_name, stage, "5XXError", "Sum"),
            total_metric=_api_metric(api_name, stage, "Count", "Sum"),
        )
    if _is_service(target):
        service = typing.cast("LoadBalancedService", target)
        metrics = _service_metrics(service)
        errors = _sum(metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT))
        requests = _sum(metrics.request_count())
        return Indicator(
            label=str(id_of(service)),
            metrics={"errors": errors, "requests": requests},
            bad="FILL(errors, 0)",
            total="requests",
            description="responses of the service's tasks with a 5XX status "
            "(HTTPCode_Target_5XX_Count) among all requests to its target group (RequestCount)",
            bad_metric=errors,
            total_metric=requests,
        )
    if _is_function(target):
        label, function, _ = _function_of(target)
        return Indicator(
            label=label,
            metrics={
                "errors": function.metric_errors(statistic="Sum"),
                "throttles": function.metric_throttles(statistic="Sum"),
                "invocations": function.metric_invocations(statistic="Sum"),
            },
            bad="FILL(errors, 0) + FILL(throttles, 0)",
            total="invocations + FILL(throttles, 0)",
            description="invocations that failed (Errors) or were throttled (Throttles) among "
            "all invocations and throttles",
        )
    label, queue, dead_letters = _queue_of(where, target)
    visible = dead_letters.metric_approximate_number_of_messages_visible()
    return Indicator(
        label=label,
        metrics={
            "deleted": queue.metric_number_of_messages_deleted(statistic="Sum"),
            "deadmax": visible.with_(statistic="Maximum"),
            "deadmin": visible.with_(statistic="Minimum"),
        },
        bad="(deadmax - deadmin)",
        total="FILL(deleted, 0) + (deadmax - deadmin)",
        description="messages that reached the dead-letter queue (the rise of its "
        "ApproximateNumberOfMessagesVisible, its Maximum less its Minimum) among those and the "
        "messages processed (NumberOfMessagesDeleted of the queue)",
    )


def latency(where: str, target: object, threshold: Duration) -> Indicator:
    """Good events are requests answered within ``threshold``; refuses a threshold above the
    target's own timeout (no request can take longer) and targets without request latency."""
    seconds = threshold.to_seconds(integral=False)
    if _is_api(target):
        label, api_name, stage = _api_names(typing.cast("SecureApi | apigw.RestApi", target))
        _check_timeout(where, threshold, API_GATEWAY_TIMEOUT, "API Gateway's integration timeout")
        latency_metric = _api_metric(api_name, stage, "Latency", "SampleCount")
        limit = _number(threshold.to_milliseconds(integral=False))
        unit = "ms"
    elif _is_service(target):
        service = typing.cast("LoadBalancedService", target)
        label = str(id_of(service))
        idle = _idle_timeout(service.load_balancer)
        if idle is not None:
            _check_timeout(
                where, threshold, Duration.seconds(idle), "the load balancer's idle timeout"
            )
        latency_metric = _service_metrics(service).target_response_time(statistic="SampleCount")
        limit = _number(seconds)
        unit = "s"
    elif _is_function(target):
        label, function, timeout = _function_of(target)
        if timeout is not None and not timeout.is_unresolved():
            _check_timeout(where, threshold, timeout, "the function's timeout")
        latency_metric = function.metric_duration(statistic="SampleCount")
        limit = _number(threshold.to_milliseconds(integral=False))
        unit = "ms"
    else:
        raise ValidationError(
            where,
            "target",
            getattr(getattr(target, "node", None), "id", target),
            "is a queue: SQS has no latency per message for a latency objective; give "
            "add_latency_slo the consumer (its MonitoredFunction, service or API), or watch "
            "the queue with add_availability_slo",
        )
    statistic = f"PR(:{limit})"
    return Indicator(
        label=label,
        metrics={
            "rank": latency_metric.with_(statistic=statistic),
            "requests": latency_metric,
        },
        bad="(100 - FILL(rank, 100)) * requests / 100",
        total="requests",
        description=f"requests slower than {limit} {unit} ({statistic}, the percentage of "
        f"requests at or under it) among all requests (SampleCount)",
    )


def custom(where: str, good: cw.IMetric, total: cw.IMetric) -> Indicator:
    """Any pair: ``good`` and ``total`` event counts."""
    for prop, metric in (("good", good), ("total", total)):
        if isinstance(metric, cw.Metric):
            statistic = metric.statistic
            if statistic not in {"Sum", "SampleCount"}:
                raise ValidationError(
                    where,
                    prop,
                    f"{metric.metric_name} ({statistic})",
                    "must count events: statistic Sum or SampleCount (a ratio of averages or "
                    "percentiles is no error ratio)",
                )
        elif isinstance(metric, cw.MathExpression):
            if "SEARCH" in metric.expression.upper():
                raise ValidationError(
                    where,
                    prop,
                    metric.expression,
                    "uses SEARCH, which alarms cannot evaluate",
                )
        else:
            raise ValidationError(
                where, prop, metric, "must be a cloudwatch.Metric or MathExpression"
            )
    count = metric_count(good) + metric_count(total)
    if count > MAX_METRICS:
        raise ValidationError(
            where,
            "good/total",
            count,
            f"metrics in all: CloudWatch allows {MAX_METRICS} metrics in an alarm's math "
            "expression",
        )
    return Indicator(
        label="",
        metrics={"good": good, "total": total},
        bad="(total - good)",
        total="total",
        description="events counted by total and not by good",
        good_metric=good,
        total_metric=total,
    )


def metric_count(metric: cw.IMetric) -> int:
    """How many metrics (not expressions) ``metric`` uses."""
    if isinstance(metric, cw.MathExpression):
        return sum(metric_count(m) for m in metric.using_metrics.values())
    return 1


def _number(value: float) -> str:
    return f"{value:g}"


def _check_timeout(where: str, threshold: Duration, timeout: Duration, what: str) -> None:
    if threshold.to_milliseconds(integral=False) > timeout.to_milliseconds(integral=False):
        raise ValidationError(
            where,
            "threshold",
            threshold.to_human_string(),
            f"is above {what} ({timeout.to_human_string()}): no request takes longer, so the "
            "objective would measure nothing; give a threshold under it",
        )


def _idle_timeout(load_balancer: elbv2.IApplicationLoadBalancer) -> int | None:
    """The load balancer's idle timeout in seconds (60 unless its attributes say otherwise);
    None when it cannot be read (an imported or token value)."""
    resource = load_balancer.node.default_child
    if not isinstance(resource, elbv2.CfnLoadBalancer):
        return None
    attributes = resource.load_balancer_attributes
    if attributes is None or unresolved(attributes):
        return ALB_IDLE_TIMEOUT
    for attribute in typing.cast("list[object]", attributes):
        key = getattr(attribute, "key", None)
        value = getattr(attribute, "value", None)
        if isinstance(attribute, dict):
            key, value = attribute.get("key"), attribute.get("value")
        if key == "idle_timeout.timeout_seconds":
            if isinstance(value, str) and value.isdigit():
                return int(value)
            return None
    return ALB_IDLE_TIMEOUT
