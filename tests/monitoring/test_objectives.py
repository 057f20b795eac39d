"""Service level objectives: ``add_availability_slo``, ``add_latency_slo`` and ``add_slo``.

The burn-rate alarms (long and short windows, one CloudWatch period each), their composite
alarms and actions per stage, the thresholds from the objective, the dashboard's budget view,
Application Signals, and one test per refusal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from org_constructs import (
    MonitoredFunction,
    SecureApi,
    SecureQueue,
    ServiceMonitoring,
    ValidationError,
)
from org_constructs.monitoring import ServiceLevelObjective
from org_constructs.monitoring._slo import POLICY, burn_threshold

ENV = Environment(account="111111111111", region="us-east-1")
CODE = "def handler(event, context):\n    return {'statusCode': 200}\n"

Resources = dict[str, dict[str, Any]]


class Built:
    """One stack with a monitoring and the targets the objectives watch."""

    def __init__(self, stage: str) -> None:
        self.stack = Stack(App(), f"Orders-{stage}", env=ENV)
        self.topic = sns.Topic(self.stack, "Alarms")
        self.tickets = sns.Topic(self.stack, "Tickets")
        self.monitoring = ServiceMonitoring(
            self.stack,
            "Monitoring",
            service_name="orders",
            critical_topic=self.topic,
            warning_topic=self.tickets,
            stage=stage,
        )
        self.function = MonitoredFunction(
            self.stack,
            "Handler",
            code=lambda_.Code.from_inline(CODE),
            handler="index.handler",
            timeout=Duration.seconds(10),
        )
        self.api = SecureApi(self.stack, "Api", handler=self.function)
        self.queue = SecureQueue(self.stack, "Jobs")

    def template(self) -> Template:
        return Template.from_stack(self.stack)


@pytest.fixture(scope="module")
def production() -> tuple[Built, ServiceLevelObjective, ServiceLevelObjective, Template]:
    built = Built("production")
    availability = built.monitoring.add_availability_slo(built.api)
    latency = built.monitoring.add_latency_slo(built.api, threshold=Duration.millis(300))
    return built, availability, latency, built.template()


@pytest.fixture(scope="module")
def dev() -> tuple[Built, ServiceLevelObjective, Template]:
    built = Built("dev")
    slo = built.monitoring.add_availability_slo(built.api)
    return built, slo, built.template()


def of_type(template: Template, kind: str) -> Resources:
    return {
        r["Properties"].get("AlarmName"): r["Properties"]
        for r in template.find_resources(kind).values()
    }


def alarms(template: Template) -> Resources:
    return of_type(template, "AWS::CloudWatch::Alarm")


def composites(template: Template) -> Resources:
    return of_type(template, "AWS::CloudWatch::CompositeAlarm")


def math(properties: dict[str, Any]) -> dict[str, Any]:
    (expression,) = [m for m in properties["Metrics"] if "Expression" in m]
    return dict(expression)


def periods(properties: dict[str, Any]) -> set[int]:
    return {m["MetricStat"]["Period"] for m in properties["Metrics"] if "MetricStat" in m}


PREFIX = "production-orders-slo-Api-availability"


def test_each_row_has_a_long_and_a_short_window_alarm_of_one_period_each(production: Any) -> None:
    found = alarms(production[3])
    expected = {
        "fast-burn-1h": 3600,
        "fast-burn-5m": 300,
        "slow-burn-6h": 21600,
        "slow-burn-30m": 1800,
        "ticket-3d": 259200,
        "ticket-6h": 21600,
    }
    for suffix, period in expected.items():
        properties = found[f"{PREFIX}-{suffix}"]
        assert periods(properties) == {period}, suffix
        assert (properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (1, 1)
        assert properties["TreatMissingData"] == "notBreaching"
        # CloudWatch: period x evaluation periods <= 1 day under an hour, 7 days from an hour.
        limit = 86_400 if period < 3600 else 604_800
        assert period * properties["EvaluationPeriods"] <= limit
        # The window alarms feed the composites: they notify nobody themselves.
        assert "AlarmActions" not in properties


def test_the_thresholds_come_from_the_objective(production: Any) -> None:
    _, availability, latency, template = production
    found = alarms(template)
    assert found[f"{PREFIX}-fast-burn-1h"]["Threshold"] == 0.0144
    assert found[f"{PREFIX}-fast-burn-5m"]["Threshold"] == 0.0144
    assert found[f"{PREFIX}-slow-burn-6h"]["Threshold"] == 0.006
    assert found[f"{PREFIX}-ticket-3d"]["Threshold"] == 0.001
    assert found[f"{PREFIX}-fast-burn-1h"]["ComparisonOperator"] == (
        "GreaterThanOrEqualToThreshold"
    )
    assert availability.thresholds["fast_burn_1h"] == pytest.approx(14.4 * (1 - 0.999))
    assert latency.thresholds["fast_burn_1h"] == pytest.approx(14.4 * (1 - 0.99))
    assert availability.error_budget == pytest.approx(0.001)
    assert [row.burn_rate for row in availability.burn_rates] == [14.4, 6.0, 1.0]
    assert availability.burn_rates[0].budget_consumed == pytest.approx(0.02)
    assert availability.burn_rates[1].budget_consumed == pytest.approx(0.05)
    assert availability.burn_rates[2].budget_consumed == pytest.approx(0.10)


def test_a_threshold_never_exceeds_every_request_failing() -> None:
    assert burn_threshold(14.4, 90) == 1.0
    assert burn_threshold(6, 99.5) == 0.03


def test_the_error_ratio_is_bad_over_total_with_no_traffic_no_error(production: Any) -> None:
    _, availability, latency, template = production
    found = alarms(template)
    expression = math(found[f"{PREFIX}-fast-burn-1h"])["Expression"]
    assert expression == "IF((requests) > 0, (FILL(errors, 0)) / (requests), 0)"
    assert availability.expression == expression
    names = {
        m["Id"]: m["MetricStat"]["Metric"]["MetricName"]
        for m in found[f"{PREFIX}-fast-burn-1h"]["Metrics"]
        if "MetricStat" in m
    }
    assert names == {"errors": "5XXError", "requests": "Count"}
    assert isinstance(availability.error_ratio, cw.MathExpression)
    slow = found["production-orders-slo-Api-latency-fast-burn-1h"]
    stats = {m["Id"]: m["MetricStat"]["Stat"] for m in slow["Metrics"] if "MetricStat" in m}
    assert stats == {"rank": "PR(:300)", "requests": "SampleCount"}
    assert "100 - FILL(rank, 100)" in latency.expression


def test_each_composite_is_long_and_short_and_pages_by_severity(production: Any) -> None:
    built, availability, _, template = production
    found = composites(template)
    pager = built.stack.resolve(built.topic.topic_arn)
    tickets = built.stack.resolve(built.tickets.topic_arn)
    for row in POLICY:
        key = row.key.replace("_", "-")
        properties = found[f"{PREFIX}-{key}"]
        rule = json.dumps(properties["AlarmRule"])
        assert rule.count("ALARM(") == 2
        assert " AND " in rule
        made = availability.composite_alarms[row.key]
        burn = next(r for r in availability.burn_rates if r.key == row.key)
        for alarm in (burn.long_alarm, burn.short_alarm):
            assert built.stack.get_logical_id(alarm.node.default_child) in rule
        assert made is burn.composite
        topic = pager if row.severity.value == "Critical" else tickets
        assert properties["AlarmActions"] == [topic]
        assert properties["OKActions"] == [topic]
        assert f"[{row.severity.value}]" in properties["AlarmDescription"]
        assert "Runbook: " in properties["AlarmDescription"]
    assert availability.pages
    assert [row.severity.value for row in availability.burn_rates] == [
        "Critical",
        "Critical",
        "Warning",
    ]


def test_in_dev_nothing_pages(dev: Any) -> None:
    built, slo, template = dev
    tickets = built.stack.resolve(built.tickets.topic_arn)
    found = {name: p for name, p in composites(template).items() if "slo-" in name}
    assert len(found) == 3
    for name, properties in found.items():
        assert properties["AlarmActions"] == [tickets], name
        assert properties["OKActions"] == [tickets], name
        assert properties["AlarmDescription"].startswith("[Warning]"), name
    assert not slo.pages
    assert {row.severity.value for row in slo.burn_rates} == {"Warning"}


def test_paging_overrides_the_stage() -> None:
    built = Built("dev")
    slo = built.monitoring.add_availability_slo(built.api, paging=True, name="paged")
    assert slo.pages
    pager = built.stack.resolve(built.topic.topic_arn)
    found = composites(built.template())
    assert found["dev-orders-slo-paged-fast-burn"]["AlarmActions"] == [pager]
    quiet = Built("staging")
    assert not quiet.monitoring.add_availability_slo(quiet.api, paging=False).pages


def test_the_dashboard_shows_the_budget_left_and_the_burn_rate(production: Any) -> None:
    template = production[3]
    (main,) = [
        r["Properties"]
        for r in template.find_resources("AWS::CloudWatch::Dashboard").values()
        if "main" in json.dumps(r["Properties"]["DashboardName"])
    ]
    body = json.dumps(main["DashboardBody"])
    assert "SLO Api-availability (99.9% over 30 days): error budget left" in body
    assert "setPeriodToTimeRange" in body
    assert "-P30D" in body
    assert "RUNNING_SUM" in body
    assert "burn rate" in body
    assert "alarm:production-orders-slo-Api-availability-fast-burn" in body


def test_a_function_a_queue_and_a_container_service() -> None:
    built = Built("staging")
    function = built.monitoring.add_availability_slo(built.function)
    assert function.name == "Handler-availability"
    assert "FILL(throttles, 0)" in function.expression
    queue = built.monitoring.add_availability_slo(built.queue, objective=99.5)
    assert "deadmax - deadmin" in queue.expression
    assert queue.thresholds["fast_burn_1h"] == pytest.approx(0.072)
    latency = built.monitoring.add_latency_slo(built.function, threshold=Duration.seconds(2))
    assert latency.name == "Handler-latency"
    vpc = ec2.Vpc(built.stack, "Vpc", max_azs=2, nat_gateways=0)
    service = ecs_patterns.ApplicationLoadBalancedFargateService(
        built.stack,
        "Web",
        vpc=vpc,
        task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
            image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:latest")
        ),
    )
    web = built.monitoring.add_availability_slo(service)
    web_latency = built.monitoring.add_latency_slo(service, threshold=Duration.millis(500))
    found = alarms(built.template())
    web_alarm = found["staging-orders-slo-Web-availability-fast-burn-1h"]
    names = {
        m["MetricStat"]["Metric"]["MetricName"]: {
            d["Name"] for d in m["MetricStat"]["Metric"]["Dimensions"]
        }
        for m in web_alarm["Metrics"]
        if "MetricStat" in m
    }
    assert names == {
        "HTTPCode_Target_5XX_Count": {"LoadBalancer", "TargetGroup"},
        "RequestCount": {"LoadBalancer", "TargetGroup"},
    }
    slow = found["staging-orders-slo-Web-latency-fast-burn-5m"]
    assert {m["MetricStat"]["Stat"] for m in slow["Metrics"] if "MetricStat" in m} == {
        "PR(:0.5)",
        "SampleCount",
    }
    assert web.name == "Web-availability"
    assert web_latency.name == "Web-latency"
    assert len(built.monitoring.service_level_objectives) == 5


def test_add_slo_takes_any_pair_and_application_signals() -> None:
    built = Built("production")
    good = cw.Metric(namespace="Orders", metric_name="Accepted", statistic="Sum")
    total = cw.Metric(namespace="Orders", metric_name="Received", statistic="Sum")
    slo = built.monitoring.add_slo(
        "checkout", good=good, total=total, objective=99.5, application_signals=True
    )
    assert slo.expression == "IF((total) > 0, ((total - good)) / (total), 0)"
    assert slo.service_level_objective is not None
    (signals,) = (
        built.template().find_resources("AWS::ApplicationSignals::ServiceLevelObjective").values()
    )
    properties = signals["Properties"]
    assert properties["Goal"]["AttainmentGoal"] == 99.5
    assert properties["Goal"]["Interval"]["RollingInterval"] == {
        "Duration": 30,
        "DurationUnit": "DAY",
    }
    assert [c["LookBackWindowMinutes"] for c in properties["BurnRateConfigurations"]] == [
        60,
        360,
        4320,
    ]
    # Off by default: no Application Signals resource without asking.
    other = Built("production")
    other.monitoring.add_availability_slo(other.api)
    assert not other.template().find_resources("AWS::ApplicationSignals::ServiceLevelObjective")


# ----------------------------------------------------------------------------- refusals


def _plain_queue(built: Built) -> object:
    return built.monitoring.add_availability_slo(sqs.Queue(built.stack, "Plain"))


def _twice(built: Built) -> object:
    built.monitoring.add_availability_slo(built.api)
    return built.monitoring.add_availability_slo(built.api)


def _too_many(built: Built) -> object:
    metrics = {
        f"m{i}": cw.Metric(namespace="Orders", metric_name=f"M{i}", statistic="Sum")
        for i in range(6)
    }
    expression = cw.MathExpression(expression="+".join(metrics), using_metrics=metrics)
    return built.monitoring.add_slo("many", good=expression, total=expression)


def _average(built: Built) -> object:
    average = cw.Metric(namespace="Orders", metric_name="Latency", statistic="Average")
    return built.monitoring.add_slo("avg", good=average, total=average)


INVALID: dict[str, tuple[Callable[[Built], object], str]] = {
    "objective 100": (
        lambda b: b.monitoring.add_availability_slo(b.api, objective=100),
        r"objective=100: must be strictly between 0 and 100",
    ),
    "objective 0": (
        lambda b: b.monitoring.add_availability_slo(b.api, objective=0),
        r"objective=0: must be strictly between 0 and 100",
    ),
    "objective negative": (
        lambda b: b.monitoring.add_latency_slo(b.api, threshold=Duration.millis(300), objective=-1),
        r"objective=-1: must be strictly between",
    ),
    "objective not a number": (
        lambda b: b.monitoring.add_availability_slo(b.api, objective="99.9"),  # type: ignore[arg-type]
        r"objective",
    ),
    "window in hours": (
        lambda b: b.monitoring.add_availability_slo(b.api, window=Duration.hours(36)),
        r"window=.*must be a whole number of days",
    ),
    "window too short": (
        lambda b: b.monitoring.add_availability_slo(b.api, window=Duration.days(3)),
        r"window='3 days': must be at least 7 days",
    ),
    "window beyond retention": (
        lambda b: b.monitoring.add_availability_slo(b.api, window=Duration.days(500)),
        r"window='500 days': must be at most 455 days: CloudWatch keeps",
    ),
    "threshold above API Gateway's timeout": (
        lambda b: b.monitoring.add_latency_slo(b.api, threshold=Duration.seconds(30)),
        r"threshold='30 seconds': is above API Gateway's integration timeout",
    ),
    "threshold above the function's timeout": (
        lambda b: b.monitoring.add_latency_slo(b.function, threshold=Duration.seconds(11)),
        r"threshold='11 seconds': is above the function's timeout \(10 seconds\)",
    ),
    "threshold zero": (
        lambda b: b.monitoring.add_latency_slo(b.api, threshold=Duration.millis(0)),
        r"threshold=.*must be from 1 milli to 15 minutes",
    ),
    "latency of a queue": (
        lambda b: b.monitoring.add_latency_slo(b.queue, threshold=Duration.seconds(1)),
        r"target='Jobs': is a queue: SQS has no latency per message",
    ),
    "queue without a dead-letter queue": (
        _plain_queue,
        r"target='Plain': is a queue without a dead-letter queue",
    ),
    "name twice": (_twice, r"is already the name of an objective of this monitoring"),
    "bad name": (
        lambda b: b.monitoring.add_slo(
            "check out",
            good=cw.Metric(namespace="O", metric_name="G", statistic="Sum"),
            total=cw.Metric(namespace="O", metric_name="T", statistic="Sum"),
        ),
        r"name='check out': must be letters, digits",
    ),
    "name too long": (
        lambda b: b.monitoring.add_availability_slo(b.api, name="n" * 240),
        r"CloudWatch allows 255",
    ),
    "application signals name too long": (
        lambda b: b.monitoring.add_availability_slo(
            b.api, name="n" * 120, application_signals=True
        ),
        r"Application Signals allows 128: give a shorter name",
    ),
    "target of the wrong kind": (
        lambda b: b.monitoring.add_availability_slo(b.topic),  # type: ignore[arg-type]
        r"target",
    ),
    "paging not a bool": (
        lambda b: b.monitoring.add_availability_slo(b.api, paging="yes"),  # type: ignore[arg-type]
        r"paging",
    ),
    "more than 10 metrics": (_too_many, r"12: metrics in all: CloudWatch allows 10"),
    "statistic that does not count": (
        _average,
        r"good='Latency \(Average\)': must count events: statistic Sum or SampleCount",
    ),
    "search expression": (
        lambda b: b.monitoring.add_slo(
            "found",
            good=cw.MathExpression(expression="SEARCH('{Orders} Good', 'Sum', 300)"),
            total=cw.Metric(namespace="O", metric_name="T", statistic="Sum"),
        ),
        r"uses SEARCH, which alarms cannot evaluate",
    ),
    "application signals with math": (
        lambda b: b.monitoring.add_slo(
            "mathy",
            good=cw.MathExpression(
                expression="a",
                using_metrics={"a": cw.Metric(namespace="O", metric_name="A", statistic="Sum")},
            ),
            total=cw.Metric(namespace="O", metric_name="T", statistic="Sum"),
            application_signals=True,
        ),
        r"application_signals=True: needs plain metrics",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_bad_input_is_refused_before_anything_is_made(case: str) -> None:
    build, pattern = INVALID[case]
    built = Built("production")
    before = len(built.monitoring.service_level_objectives)
    children = len(built.monitoring.node.children)
    with pytest.raises(ValidationError, match=pattern):
        build(built)
    # Only the first call of "name twice" made something; the refused call made nothing.
    made = len(built.monitoring.service_level_objectives) - before
    assert len(built.monitoring.node.children) == children + made
