"""ServiceMonitoring's dashboard options: one dashboard instead of two, and its refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from org_constructs import ServiceMonitoring, Stage, ValidationError
from org_constructs.testing import find_resources, template_json, template_of
from tests.monitoring.test_dashboards import dashboard
from tests.support import make_app


def monitored(**options: Any) -> dict[str, Any]:
    """The template of a stack monitoring one function with ``options``."""
    stack = Stack(make_app(), "Dashboards")
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage=Stage.DEV,
        **options,
    )
    monitoring.monitor_lambda_function(
        lambda_.Function.from_function_arn(
            stack, "Fn", "arn:aws:lambda:us-east-1:111111111111:function:orders-handler"
        ),
        label="handler",
    )
    return template_json(template_of(stack))


def test_both_dashboards_by_default() -> None:
    template = monitored()
    names = {
        d["Properties"]["DashboardName"]
        for d in find_resources(template, "AWS::CloudWatch::Dashboard").values()
    }
    assert names == {"dev-orders-main", "dev-orders-performance"}
    assert "MonitoringPerformanceDashboardUrl" in template["Outputs"]


def test_without_the_performance_dashboard_its_widgets_join_the_main_one() -> None:
    both = monitored()
    one = monitored(performance_dashboard=False)
    (only,) = find_resources(one, "AWS::CloudWatch::Dashboard").values()
    assert only["Properties"]["DashboardName"] == "dev-orders-main"
    assert "MonitoringPerformanceDashboardUrl" not in one["Outputs"]
    main = dashboard(one, "dev-orders-main")
    separate = dashboard(both, "dev-orders-main"), dashboard(both, "dev-orders-performance")

    def metrics(body: dict[str, Any]) -> list[str]:
        return [
            json.dumps(w["properties"].get("metrics"))
            for w in body["widgets"]
            if w["properties"].get("metrics")
        ]

    performance_graphs = metrics(separate[1])
    assert performance_graphs, "the performance dashboard plots the function"
    assert metrics(main) == metrics(separate[0]) + performance_graphs


def test_a_performance_dashboard_without_dashboards_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"ServiceMonitoring\('Monitoring'\): performance_dashboard=True: cannot be True "
        r"with dashboards=False",
    ):
        monitored(dashboards=False, performance_dashboard=True)
