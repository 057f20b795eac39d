"""ServiceMonitoring's dashboards, read as CloudWatch reads them: widgets and what they plot.

The ``DashboardBody`` of a template is an ``Fn::Join`` of JSON text and tokens (the region,
the ids of the monitored resources). ``dashboard`` joins it with a placeholder for each token
(``${Handler886CB40B}``, ``${AWS::Region}``) and parses it, so that the tests assert widgets by
type, title, position and size, and each plotted metric by namespace, name, dimensions and
statistic, instead of searching the text.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

import pytest
from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    EnvironmentConfig,
    ServiceMonitoring,
    StandardVpc,
)
from org_constructs.testing import find_resources, template_json, template_of
from tests.support import make_app

REGION = "${AWS::Region}"
FLEET_SEARCH = '{AWS/Lambda,FunctionName} MetricName="Errors"'


# ------------------------------------------------------------------------------- reading


def placeholder(token: Any) -> str:
    """The text a token of the body stands for: ``${LogicalId}``, ``${LogicalId.Attribute}``."""
    if isinstance(token, dict) and set(token) == {"Ref"}:
        return f"${{{token['Ref']}}}"
    if isinstance(token, dict) and set(token) == {"Fn::GetAtt"}:
        resource, attribute = token["Fn::GetAtt"]
        return f"${{{resource}.{attribute}}}"
    raise AssertionError(f"a dashboard body token of an unexpected kind: {token!r}")


def joined(body: Any) -> str:
    """The body as text, its tokens replaced by placeholders."""
    if isinstance(body, str):
        return body
    assert isinstance(body, dict), body
    assert set(body) == {"Fn::Join"}, body
    separator, parts = body["Fn::Join"]
    return str(separator).join(p if isinstance(p, str) else placeholder(p) for p in parts)


def dashboard(template: dict[str, Any], name: str) -> dict[str, Any]:
    """The parsed body of the dashboard called ``name``."""
    (found,) = [
        d
        for d in find_resources(template, "AWS::CloudWatch::Dashboard").values()
        if d["Properties"]["DashboardName"] == name
    ]
    body: dict[str, Any] = json.loads(joined(found["Properties"]["DashboardBody"]))
    return body


def layout(body: dict[str, Any]) -> list[tuple[str, str | None, int, int, int, int]]:
    """(type, title, x, y, width, height) of each widget, in order."""
    return [
        (
            w["type"],
            w["properties"].get("title"),
            w["x"],
            w["y"],
            w["width"],
            w["height"],
        )
        for w in body["widgets"]
    ]


def widget(body: dict[str, Any], title: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        w for w in body["widgets"] if w["properties"].get("title") == title
    ]
    assert len(found) == 1, f"{len(found)} widgets titled {title!r}"
    return found[0]


def plotted(graph: dict[str, Any]) -> list[dict[str, Any]]:
    """What a graph widget plots, one dict per line: a metric (namespace, name, dimensions,
    statistic: CloudWatch's default is ``Average``, label, axis) or an expression."""
    lines: list[dict[str, Any]] = []
    for row in graph["properties"]["metrics"]:
        options = row[-1] if isinstance(row[-1], dict) else {}
        fields = row[:-1] if options else row
        axis = options.get("yAxis", "left")
        if "expression" in options:
            assert fields == [], row
            lines.append(
                {"expression": options["expression"], "label": options.get("label"), "axis": axis}
            )
            continue
        namespace, name, *dimensions = fields
        assert len(dimensions) % 2 == 0, row
        lines.append(
            {
                "namespace": namespace,
                "metric": name,
                "dimensions": dict(zip(dimensions[::2], dimensions[1::2], strict=True)),
                "stat": options.get("stat", "Average"),
                "label": options.get("label"),
                "axis": axis,
            }
        )
    return lines


def line(
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    *,
    stat: str = "Average",
    label: str | None = None,
    axis: str = "left",
) -> dict[str, Any]:
    return {
        "namespace": namespace,
        "metric": metric,
        "dimensions": dimensions,
        "stat": stat,
        "label": label,
        "axis": axis,
    }


def horizontal_annotations(graph: dict[str, Any]) -> list[tuple[float, str]]:
    horizontal = graph["properties"].get("annotations", {}).get("horizontal", [])
    return [(a["value"], a["label"]) for a in horizontal]


# ------------------------------------------------------------------------------- the stack


class DashboardStack(AbstractStack):
    """A Lambda function, its REST API, a database and NAT gateways, monitored as a service."""

    def initialize(self) -> None:
        self.network = StandardVpc.from_config(self, "Network", self.config.vpc)
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            timeout=Duration.seconds(10),
        )
        self.api = apigw.LambdaRestApi(self, "Api", handler=self.function)
        self.database = rds.DatabaseInstance(
            self,
            "Db",
            engine=rds.DatabaseInstanceEngine.POSTGRES,
            vpc=self.network.vpc,
            allocated_storage=100,
        )
        topic = AlarmTopic.from_config(self, "Alarms", self.config)
        self.monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="orders", alarm_topic=topic
        )
        self.monitoring.monitor_lambda_function(self.function)
        self.monitoring.monitor_rest_api(self.api)
        self.monitoring.monitor_database(self.database, allocated_storage_gib=100)
        self.monitoring.monitor_nat_gateways(self.network)
        self.monitoring.add_fleet_search("All functions: errors", FLEET_SEARCH)


@pytest.fixture(scope="module")
def stack(production_config: EnvironmentConfig) -> DashboardStack:
    return DashboardStack(make_app(), "Dashboards", config=production_config)


@pytest.fixture(scope="module")
def template(stack: DashboardStack) -> dict[str, Any]:
    return template_json(template_of(stack))


def ref(stack: Stack, construct: Construct) -> str:
    """The placeholder of a construct's ``Ref`` in the body."""
    resource = construct.node.default_child
    assert isinstance(resource, CfnElement), construct.node.path
    return f"${{{stack.get_logical_id(resource)}}}"


@pytest.fixture(scope="module")
def ids(stack: DashboardStack) -> dict[str, str]:
    """The placeholders of the monitored resources' ids."""
    gateways: dict[str, str] = {}
    for number, subnet in enumerate(stack.network.vpc.public_subnets, start=1):
        gateway = subnet.node.find_child("NATGateway")
        assert isinstance(gateway, ec2.CfnNatGateway)
        gateways[f"nat{number}"] = f"${{{stack.get_logical_id(gateway)}}}"
    assert len(gateways) == 3, "the production VPC has a NAT gateway per zone"
    return {
        "function": ref(stack, stack.function),
        "stage": ref(stack, stack.api.deployment_stage),
        "database": ref(stack, stack.database),
        **gateways,
    }


@pytest.fixture(scope="module")
def main(template: dict[str, Any]) -> dict[str, Any]:
    return dashboard(template, "production-orders-main")


@pytest.fixture(scope="module")
def performance(template: dict[str, Any]) -> dict[str, Any]:
    return dashboard(template, "production-orders-performance")


def lambda_line(ids: dict[str, str], metric: str, stat: str, **more: Any) -> dict[str, Any]:
    return line("AWS/Lambda", metric, {"FunctionName": ids["function"]}, stat=stat, **more)


def api_line(ids: dict[str, str], metric: str, stat: str, **more: Any) -> dict[str, Any]:
    dimensions = {"ApiName": "Api", "Stage": ids["stage"]}
    return line("AWS/ApiGateway", metric, dimensions, stat=stat, **more)


def db_line(ids: dict[str, str], metric: str, stat: str = "Average", **more: Any) -> dict[str, Any]:
    return line("AWS/RDS", metric, {"DBInstanceIdentifier": ids["database"]}, stat=stat, **more)


def nat_line(ids: dict[str, str], metric: str, number: int) -> dict[str, Any]:
    dimensions = {"NatGatewayId": ids[f"nat{number}"]}
    return line("AWS/NATGateway", metric, dimensions, stat="Sum", label=f"{metric} #{number}")


# ------------------------------------------------------------------------------- both


@pytest.mark.parametrize("name", ["main", "performance"])
def test_dashboards_open_on_three_hours_with_automatic_periods(
    template: dict[str, Any], name: str
) -> None:
    body = dashboard(template, f"production-orders-{name}")
    assert (body["start"], body["periodOverride"]) == ("-PT180M", "auto")


@pytest.mark.parametrize("name", ["main", "performance"])
def test_widgets_fit_the_grid_without_overlapping(template: dict[str, Any], name: str) -> None:
    cells: dict[tuple[int, int], str] = {}
    for kind, title, x, y, width, height in layout(
        dashboard(template, f"production-orders-{name}")
    ):
        assert x >= 0, (title, x)
        assert x + width <= 24, (title, x, width)
        for column in range(x, x + width):
            for row in range(y, y + height):
                assert (column, row) not in cells, f"{title} overlaps {cells[(column, row)]}"
                cells[(column, row)] = str(title or kind)


@pytest.mark.parametrize("name", ["main", "performance"])
def test_every_graph_plots_real_dimensions_in_the_stacks_region(
    template: dict[str, Any], name: str
) -> None:
    for graph in dashboard(template, f"production-orders-{name}")["widgets"]:
        if graph["type"] != "metric":
            continue
        assert graph["properties"]["region"] == REGION
        assert graph["properties"]["view"] == "timeSeries"
        for plot in plotted(graph):
            for value in plot.get("dimensions", {}).values():
                assert value, (graph["properties"]["title"], plot)
                assert value != "*", (graph["properties"]["title"], plot)


# ------------------------------------------------------------------------------- main


def test_main_dashboard_layout(main: dict[str, Any]) -> None:
    assert layout(main) == [
        ("text", None, 0, 0, 24, 2),
        ("alarm", "Alarms", 0, 2, 24, 6),
        # The alarm topic's dead-letter queue, watched from the start.
        ("metric", "Dead letters AlarmsDeadLetters", 0, 8, 6, 6),
        ("metric", "Lambda Handler: invocations and errors", 0, 14, 12, 6),
        ("metric", "API Api: requests", 0, 20, 8, 6),
        ("metric", "API Api: latency", 8, 20, 8, 6),
        ("metric", "API Api: errors", 16, 20, 8, 6),
        ("metric", "Database Db: CPU and connections", 0, 26, 12, 6),
        ("metric", "NAT gateways: bytes", 0, 32, 12, 6),
        ("metric", "NAT gateways: packets", 12, 32, 12, 6),
        ("metric", "All functions: errors", 0, 38, 12, 6),
    ]


def test_main_dashboard_title_names_service_stage_and_runbook(main: dict[str, Any]) -> None:
    (text, *_) = main["widgets"]
    assert text["properties"]["markdown"].splitlines() == [
        "# orders (production)",
        "Alarms, traffic and errors. Runbook: "
        f"https://github.com/org-constructs/org-constructs/blob/v{version('org-constructs')}"
        "/docs/alarms.md",
    ]


def test_alarm_status_lists_every_alarm_of_the_service(
    main: dict[str, Any], stack: DashboardStack
) -> None:
    alarms = widget(main, "Alarms")["properties"]["alarms"]
    prefix = "arn:aws:cloudwatch:us-east-1:333333333333:alarm:"
    assert alarms == [prefix + name for name in stack.monitoring.alarms]
    # the topic's dead letters 1, lambda 6, api 5, database 6, three NAT gateways 3 each
    assert len(alarms) == 27


def test_main_lambda_widget(main: dict[str, Any], ids: dict[str, str]) -> None:
    assert plotted(widget(main, "Lambda Handler: invocations and errors")) == [
        lambda_line(ids, "Invocations", "Sum"),
        lambda_line(ids, "Errors", "Sum"),
        lambda_line(ids, "Throttles", "Sum", axis="right"),
    ]


def test_main_api_widgets(main: dict[str, Any], ids: dict[str, str]) -> None:
    assert plotted(widget(main, "API Api: requests")) == [api_line(ids, "Count", "Sum")]
    assert plotted(widget(main, "API Api: latency")) == [
        api_line(ids, "Latency", "Average", label="average"),
        api_line(ids, "Latency", "p90", label="p90"),
    ]
    assert plotted(widget(main, "API Api: errors")) == [
        api_line(ids, "4XXError", "Sum", label="4XX"),
        api_line(ids, "5XXError", "Sum", label="5XX"),
    ]


def test_main_database_widget(main: dict[str, Any], ids: dict[str, str]) -> None:
    assert plotted(widget(main, "Database Db: CPU and connections")) == [
        db_line(ids, "CPUUtilization"),
        db_line(ids, "DatabaseConnections", "Maximum", axis="right"),
    ]


def test_main_nat_widgets_plot_each_gateway(main: dict[str, Any], ids: dict[str, str]) -> None:
    assert plotted(widget(main, "NAT gateways: bytes")) == [
        nat_line(ids, metric, number)
        for number in (1, 2, 3)
        for metric in ("BytesOutToDestination", "BytesInFromDestination")
    ]
    assert plotted(widget(main, "NAT gateways: packets")) == [
        nat_line(ids, metric, number)
        for number in (1, 2, 3)
        for metric in ("PacketsOutToDestination", "PacketsDropCount")
    ]


def test_main_fleet_search_is_one_search_expression(main: dict[str, Any]) -> None:
    assert plotted(widget(main, "All functions: errors")) == [
        {"expression": f"SEARCH('{FLEET_SEARCH}', 'Sum', 300)", "label": None, "axis": "left"}
    ]


# ------------------------------------------------------------------------------- performance


def test_performance_dashboard_layout(performance: dict[str, Any]) -> None:
    assert layout(performance) == [
        ("text", None, 0, 0, 24, 2),
        ("metric", "Lambda Handler: duration p50/p90/p99 (timeout 10000 ms)", 0, 2, 12, 6),
        ("metric", "Lambda Handler: concurrency", 12, 2, 12, 6),
        ("metric", "API Api: latency p50/p90/p99", 0, 8, 12, 6),
        ("metric", "API Api: integration latency p90", 12, 8, 12, 6),
        ("metric", "Database Db: CPU", 0, 14, 8, 6),
        ("metric", "Database Db: connections", 8, 14, 8, 6),
        ("metric", "Database Db: IOPS", 16, 14, 8, 6),
    ]


def test_performance_lambda_widgets(performance: dict[str, Any], ids: dict[str, str]) -> None:
    duration = widget(performance, "Lambda Handler: duration p50/p90/p99 (timeout 10000 ms)")
    assert plotted(duration) == [
        lambda_line(ids, "Duration", p, label=p) for p in ("p50", "p90", "p99")
    ]
    assert horizontal_annotations(duration) == [(10000, "timeout")]
    assert plotted(widget(performance, "Lambda Handler: concurrency")) == [
        lambda_line(ids, "ConcurrentExecutions", "Maximum")
    ]


def test_performance_api_widgets(performance: dict[str, Any], ids: dict[str, str]) -> None:
    latency = widget(performance, "API Api: latency p50/p90/p99")
    assert plotted(latency) == [api_line(ids, "Latency", p, label=p) for p in ("p50", "p90", "p99")]
    assert horizontal_annotations(latency) == [(1000, "1 s")]
    assert plotted(widget(performance, "API Api: integration latency p90")) == [
        api_line(ids, "IntegrationLatency", "p90", label="p90")
    ]


def test_performance_database_widgets(performance: dict[str, Any], ids: dict[str, str]) -> None:
    cpu = widget(performance, "Database Db: CPU")
    assert plotted(cpu) == [db_line(ids, "CPUUtilization")]
    assert horizontal_annotations(cpu) == [(80, "80%")]
    assert plotted(widget(performance, "Database Db: connections")) == [
        db_line(ids, "DatabaseConnections", "Maximum")
    ]
    assert plotted(widget(performance, "Database Db: IOPS")) == [
        db_line(ids, "ReadIOPS"),
        db_line(ids, "WriteIOPS"),
    ]


# ------------------------------------------------------------------------------- an alias


def test_an_alias_is_plotted_with_its_resource_dimension(
    production_config: EnvironmentConfig,
) -> None:
    """An alias's widgets plot the alias's traffic only (``Resource`` = ``function:alias``)."""

    class AliasStack(AbstractStack):
        def initialize(self) -> None:
            function = lambda_.Function(
                self,
                "Handler",
                runtime=lambda_.Runtime.PYTHON_3_13,
                handler="index.handler",
                code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            )
            alias = lambda_.Alias(self, "Live", alias_name="live", version=function.current_version)
            monitoring = ServiceMonitoring(
                self, "Monitoring", service_name="orders", alarm_topic=AlarmTopic(self, "Alarms")
            )
            monitoring.monitor_lambda_function(alias, label="Live")
            self.function_ref = ref(self, function)

    stack = AliasStack(make_app(), "Alias", config=production_config)
    body = dashboard(template_json(template_of(stack)), "production-orders-main")
    alias = {"FunctionName": stack.function_ref, "Resource": f"{stack.function_ref}:live"}
    assert plotted(widget(body, "Lambda Live: invocations and errors")) == [
        line("AWS/Lambda", "Invocations", alias, stat="Sum"),
        line("AWS/Lambda", "Errors", alias, stat="Sum"),
        line("AWS/Lambda", "Throttles", alias, stat="Sum", axis="right"),
    ]


# ------------------------------------------------------------------------------- the reader


def test_placeholders_stand_for_refs_and_attributes() -> None:
    body = {
        "Fn::Join": ["", ['{"a":"', {"Ref": "Fn1"}, '","b":"', {"Fn::GetAtt": ["T", "Arn"]}, '"}']]
    }
    assert json.loads(joined(body)) == {"a": "${Fn1}", "b": "${T.Arn}"}
    with pytest.raises(AssertionError, match="unexpected kind"):
        joined({"Fn::Join": ["", [{"Fn::ImportValue": "x"}]]})


def test_a_line_without_options_is_an_average_on_the_left() -> None:
    graph = {
        "properties": {"metrics": [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "d"]]}
    }
    assert plotted(graph) == [line("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "d"})]
