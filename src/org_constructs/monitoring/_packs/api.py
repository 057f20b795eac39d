"""API Gateway REST API stages: 5XX count and rate, 4XX rate, latency, request count."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw

from org_constructs.monitoring._packs._base import Pack
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    ResolvedAlarm,
    Severity,
    catalogue,
)

__all__ = ["CATALOGUE", "NAME", "monitor", "stage_names"]

NAME = "api"

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


def stage_names(api: apigw.RestApi) -> set[str]:
    """The literal names of the api's stages in this app: its deployment stage and every
    ``apigateway.Stage`` of it; empty when one is a token (the names cannot all be known)."""
    stages: list[apigw.Stage] = []
    if api.latest_deployment is not None:
        stages.append(api.deployment_stage)
    stages += [
        child
        for child in Stack.of(api).node.find_all()
        if isinstance(child, apigw.Stage) and child.rest_api.node.path == api.node.path
    ]
    names = set()
    for stage in stages:
        resource = stage.node.default_child
        name = resource.stage_name if isinstance(resource, apigw.CfnStage) else None
        if not isinstance(name, str) or Token.is_unresolved(name):
            return set()
        names.add(name)
    return names


def _metric(
    api_name: str, stage_name: str, name: str, statistic: str, label: str | None = None
) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/ApiGateway",
        metric_name=name,
        statistic=statistic,
        dimensions_map={"ApiName": api_name, "Stage": stage_name},
        label=label,
    )


def _rate(metric: cw.Metric, name: str, period: Duration) -> cw.MathExpression:
    return cw.MathExpression(
        expression="100 * m",
        using_metrics={"m": metric},
        label=f"{name} rate (%)",
        period=period,
    )


def monitor(pack: Pack, *, api_name: str, stage_name: str) -> None:
    """Alarms and widgets of one REST API stage, by its name and stage name."""

    def metric(name: str, statistic: str, label: str | None = None) -> cw.Metric:
        return _metric(api_name, stage_name, name, statistic, label)

    pack.alarm("server_errors", metric("5XXError", "Sum"))
    pack.alarm("latency_p90", metric("Latency", "p90"))
    pack.alarm("request_count", metric("Count", "Sum"))
    for key, name in (("server_error_rate", "5XXError"), ("client_error_rate", "4XXError")):

        def rate(settings: ResolvedAlarm, name: str = name) -> cw.IMetric:
            return _rate(metric(name, "Average"), name, settings.period)

        pack.alarm(key, rate)

    title = f"API {pack.label}"
    pack.main(
        cw.GraphWidget(title=f"{title}: requests", width=8, left=[metric("Count", "Sum")]),
        cw.GraphWidget(
            title=f"{title}: latency",
            width=8,
            left=[metric("Latency", "Average", "average"), metric("Latency", "p90", "p90")],
        ),
        cw.GraphWidget(
            title=f"{title}: errors",
            width=8,
            left=[metric("4XXError", "Sum", "4XX"), metric("5XXError", "Sum", "5XX")],
        ),
    )
    pack.performance(
        cw.GraphWidget(
            title=f"{title}: latency p50/p90/p99",
            width=12,
            left=[metric("Latency", s, s) for s in ("p50", "p90", "p99")],
            left_annotations=[cw.HorizontalAnnotation(value=1000, label="1 s")],
        ),
        cw.GraphWidget(
            title=f"{title}: integration latency p90",
            width=12,
            left=[metric("IntegrationLatency", "p90", "p90")],
        ),
    )
