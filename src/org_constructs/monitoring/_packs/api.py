"""API Gateway REST API stages: 5XX count and rate, 4XX rate, latency, request count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_cdk import Stack

from org_constructs._internal import checks as config_checks
from org_constructs._internal.kernel import Seconds, Slot
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
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
    from aws_cdk import aws_apigateway as apigw

    from org_constructs.api import SecureApi
else:
    apigw = lazy_module("aws_cdk.aws_apigateway")


__all__ = ["CATALOGUE", "NAME", "PACK", "check", "monitor", "stage_names"]

NAME = "api"
_MAX_DIMENSION = 255

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="server_errors",
        metric="5XXError (Sum)",
        threshold=5,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="More than five 5XX responses in a minute (the guide's alarm).",
        action="Check the integration (Lambda errors, timeouts at 29 s); roll back the last "
        "deployment if it started then.",
    ),
    AlarmDefault(
        key="server_error_rate",
        metric="5XXError (Average) x 100",
        threshold=1,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="More than 1% of requests fail with 5XX for 15 minutes.",
        action="As for server_errors; the rate catches failures that the count misses at low "
        "traffic and ignores one-off errors at high traffic.",
    ),
    AlarmDefault(
        key="client_error_rate",
        metric="4XXError (Average) x 100",
        threshold=5,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 5% of requests are rejected with 4XX for 15 minutes.",
        action="A client or a deployment changed a contract, or someone is probing: look at "
        "access logs by status and caller.",
    ),
    AlarmDefault(
        key="latency_p90",
        metric="Latency (p90)",
        threshold=1000,
        unit="ms",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="Nine in ten requests take longer than one second for 15 minutes (the guide's "
        "alarm).",
        action="Compare Latency with IntegrationLatency: the gap is API Gateway, the rest is "
        "the backend; trace slow requests in X-Ray.",
    ),
    AlarmDefault(
        key="request_count",
        metric="Count (Sum)",
        threshold=100000,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 100,000 requests in five minutes: a traffic spike.",
        action="Check whether the traffic is expected (a launch, a retry storm, abuse); "
        "throttle with usage plans or WAF rate rules.",
    ),
)
"""The REST API pack's alarms, by key, with their default settings."""


def check(
    checks: PackChecks,
    api: SecureApi | apigw.RestApi | None = None,
    *,
    api_name: str | None,
    stage_name: str | None,
    label: str | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_rest_api`` refuses; the plan of its one API stage."""
    from org_constructs.api import SecureApi

    where = checks.where
    named: object = api
    if api is not None:
        checks.check_region("api", api)
        _check_api_names(where, api, api_name, stage_name)
    if isinstance(api, SecureApi):
        api_name = api_name or api.rest_api_name
        stage_name = stage_name or api.stage_name
        api = api.api
    if api is not None:
        api_name = api_name or api.rest_api_name
        if stage_name is None and api.latest_deployment is None:
            raise ValidationError(
                where,
                "stage_name",
                None,
                "is required for an api created with deploy=False: it has no deployment "
                "stage of its own",
            )
        stage_name = stage_name or api.deployment_stage.stage_name
    for prop, dimension in (("api_name", api_name), ("stage_name", stage_name)):
        if dimension and not config_checks.is_token(dimension) and len(dimension) > _MAX_DIMENSION:
            raise ValidationError(
                where,
                prop,
                dimension,
                f"is a metric dimension: CloudWatch allows at most {_MAX_DIMENSION} characters",
            )
    if not api_name or not stage_name:
        raise ValidationError(
            where,
            "api_name/stage_name",
            (api_name, stage_name),
            "give api, or both api_name and stage_name",
        )
    label = checks.label(label, named, fallback=api_name)
    resolved = checks.resolve([label], alarms)
    watched = [("api", api_name, stage_name)]
    checks.unwatched("api", (api_name, stage_name), watched)
    names = {"api_name": api_name, "stage_name": stage_name}
    return Plan(
        resolved, [Unit(label, f"Api{label}", lambda pack: monitor(pack, **names), watched)]
    )


def _check_api_names(
    where: str, api: SecureApi | apigw.RestApi, api_name: str | None, stage_name: str | None
) -> None:
    """``api_name`` and ``stage_name`` agree with the api's own name and stages."""
    from org_constructs.api import SecureApi

    rest_api = api.api if isinstance(api, SecureApi) else api
    own_name = api.rest_api_name
    if (
        api_name is not None
        and not config_checks.is_token(api_name)
        and not config_checks.is_token(own_name)
        and api_name != own_name
    ):
        raise ValidationError(
            where,
            "api_name",
            api_name,
            f"contradicts the api's name ({own_name!r}), the ApiName of its metrics: "
            "leave api_name out",
        )
    if stage_name is None or config_checks.is_token(stage_name):
        return
    stages = stage_names(rest_api)
    if isinstance(api, SecureApi):
        stages.add(api.stage_name)
    if stages and stage_name not in stages:
        raise ValidationError(
            where,
            "stage_name",
            stage_name,
            f"is not a stage of {path_of(rest_api)} (its stages: "
            f"{', '.join(sorted(stages))}): its alarms would watch a stage without "
            "traffic; leave stage_name out for the deployment stage",
        )


def stage_names(api: apigw.RestApi) -> set[str]:
    """The literal names of the api's stages in this app: its deployment stage and every
    ``apigateway.Stage`` of it; empty when one is a token (the names cannot all be known)."""
    stages: list[apigw.Stage] = []
    if api.latest_deployment is not None:
        stages.append(api.deployment_stage)
    stages += [
        child
        for child in Stack.of(api).node.find_all()
        if isinstance(child, apigw.Stage) and path_of(child.rest_api) == path_of(api)
    ]
    names = set()
    for stage in stages:
        resource = stage.node.default_child
        name = resource.stage_name if isinstance(resource, apigw.CfnStage) else None
        if not isinstance(name, str) or unresolved(name):
            return set()
        names.add(name)
    return names


def monitor(pack: Pack, *, api_name: str, stage_name: str) -> None:
    """Alarms and widgets of one REST API stage, by its name and stage name."""

    def metric(
        name: str, statistic: str, label: str | None = None, period: Seconds | None = None
    ) -> Slot:
        return pack.new(
            "aws_cloudwatch.Metric",
            {
                "namespace": "AWS/ApiGateway",
                "metricName": name,
                "statistic": statistic,
                "dimensionsMap": {"ApiName": api_name, "Stage": stage_name},
                "label": label,
                "period": period,
            },
        )

    def alarm_metric(name: str, statistic: str) -> MetricFor:
        """Built with the alarm's period (no copy per alarm)."""
        return lambda settings: metric(name, statistic, period=pack.period(settings))

    pack.alarm("server_errors", alarm_metric("5XXError", "Sum"))
    pack.alarm("latency_p90", alarm_metric("Latency", "p90"))
    pack.alarm("request_count", alarm_metric("Count", "Sum"))
    for key, name in (("server_error_rate", "5XXError"), ("client_error_rate", "4XXError")):

        def rate(settings: ResolvedAlarm, name: str = name) -> Slot:
            return pack.new(
                "aws_cloudwatch.MathExpression",
                {
                    "expression": "100 * m",
                    "usingMetrics": {"m": metric(name, "Average")},
                    "label": f"{name} rate (%)",
                    "period": pack.period(settings),
                },
            )

        pack.alarm(key, rate)

    def graph(title: str, width: int, left: list[Slot], **more: object) -> Slot:
        return pack.new(
            "aws_cloudwatch.GraphWidget", {"title": title, "width": width, "left": left, **more}
        )

    title = f"API {pack.label}"
    pack.main(
        graph(f"{title}: requests", 8, [metric("Count", "Sum")]),
        graph(
            f"{title}: latency",
            8,
            [metric("Latency", "Average", "average"), metric("Latency", "p90", "p90")],
        ),
        graph(
            f"{title}: errors",
            8,
            [metric("4XXError", "Sum", "4XX"), metric("5XXError", "Sum", "5XX")],
        ),
    )
    pack.performance(
        graph(
            f"{title}: latency p50/p90/p99",
            12,
            [metric("Latency", s, s) for s in ("p50", "p90", "p99")],
            leftAnnotations=[{"value": 1000, "label": "1 s"}],
        ),
        graph(
            f"{title}: integration latency p90",
            12,
            [metric("IntegrationLatency", "p90", "p90")],
        ),
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_rest_api",
    target="api",
    title="API Gateway REST API",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment of the API or its function, deploy the previous "
    "release ([rolling back](guides/runbook.md#rolling-back)).",
    check=check,
    page=PageRow(
        call="`monitor_rest_api(api)` or `(api_name=, stage_name=)`",
        alarms="5XX count (guide: > 5 a minute), 5XX rate, 4XX rate, latency p90 (guide: 1 s "
        "over 3 periods), request count",
        main="requests, latency, 4XX/5XX",
        performance="latency p50/p90/p99, integration latency",
    ),
)
"""The REST API pack, as ``ServiceMonitoring.monitor_rest_api`` and the docs read it."""
