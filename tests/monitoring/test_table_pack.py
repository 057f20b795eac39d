"""The table pack: ``monitor_table`` on a ``SecureTable`` (on demand and provisioned) and on a
``dynamodb.Table``; ``SecureTable(monitoring=...)``.

The facade method ``ServiceMonitoring.monitor_table`` is registered separately; until it is,
these tests are skipped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AlarmSettings, SecureTable, ServiceMonitoring, ValidationError
from org_constructs.monitoring._packs import table as table_pack
from tests.support import make_app

PK = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
PREFIX = "dev-orders-Orders-"


def monitor_table(monitoring: ServiceMonitoring, table: object, **options: Any) -> Any:
    """``monitoring.monitor_table(table, **options)`` (a table of any kind, even a wrong one)."""
    return monitoring.monitor_table(table, **options)  # type: ignore[arg-type]


def monitoring_of(stack: Stack) -> ServiceMonitoring:
    return ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )


def monitored(*, provisioned: bool = False, **options: Any) -> tuple[Stack, ServiceMonitoring]:
    stack = Stack(make_app(), "Orders")
    table = SecureTable(
        stack,
        "Orders",
        partition_key=PK,
        billing_mode=dynamodb.BillingMode.PROVISIONED if provisioned else None,
    )
    monitoring = monitoring_of(stack)
    monitor_table(monitoring, table, **options)
    return stack, monitoring


def alarms_by_name(stack: Stack) -> dict[str, dict[str, Any]]:
    found = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in found.values()}


@pytest.fixture(scope="module")
def on_demand() -> tuple[Stack, ServiceMonitoring]:
    return monitored()


@pytest.fixture(scope="module")
def provisioned() -> tuple[Stack, ServiceMonitoring]:
    return monitored(provisioned=True)


def test_an_on_demand_table_gets_no_capacity_alarms(on_demand: Any) -> None:
    stack, monitoring = on_demand
    alarms = alarms_by_name(stack)
    assert set(alarms) == {
        f"{PREFIX}read-throttles",
        f"{PREFIX}write-throttles",
        f"{PREFIX}system-errors",
        f"{PREFIX}latency-p99",
    }
    throttles = alarms[f"{PREFIX}read-throttles"]
    assert (throttles["MetricName"], throttles["Statistic"], throttles["Period"]) == (
        "ReadThrottleEvents",
        "Sum",
        300,
    )
    assert throttles["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": _table(stack)}}]
    critical = [r.name for r in monitoring.alarm_records if r.severity.value == "Critical"]
    assert critical == [f"{PREFIX}system-errors"]


def test_latency_and_errors_are_one_expression_over_the_default_operations(
    on_demand: Any,
) -> None:
    alarms = alarms_by_name(on_demand[0])
    latency = alarms[f"{PREFIX}latency-p99"]["Metrics"]
    expression = next(m for m in latency if "Expression" in m)
    assert expression["Expression"] == "MAX([m0,m1,m2,m3,m4])"
    operations = [
        next(
            d["Value"] for d in m["MetricStat"]["Metric"]["Dimensions"] if d["Name"] == "Operation"
        )
        for m in latency
        if "MetricStat" in m
    ]
    assert operations == list(table_pack.DEFAULT_OPERATIONS)
    assert all(m["MetricStat"]["Stat"] == "p99" for m in latency if "MetricStat" in m)
    assert len(table_pack.DEFAULT_OPERATIONS) < table_pack.MAX_ALARM_METRICS
    errors = alarms[f"{PREFIX}system-errors"]["Metrics"]
    assert next(m for m in errors if "Expression" in m)["Expression"] == "SUM([m0,m1,m2,m3,m4])"


def test_a_provisioned_table_gets_capacity_percentages(provisioned: Any) -> None:
    alarms = alarms_by_name(provisioned[0])
    read = alarms[f"{PREFIX}read-capacity-percent"]
    expression = next(m for m in read["Metrics"] if "Expression" in m)
    assert expression["Expression"] == "100 * (consumed / PERIOD(consumed)) / provisioned"
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in read["Metrics"] if "MetricStat" in m}
    assert names == {"ConsumedReadCapacityUnits", "ProvisionedReadCapacityUnits"}
    assert read["Threshold"] == 80
    assert f"{PREFIX}write-capacity-percent" in alarms


def test_the_dashboards_show_capacity_throttles_and_latency(provisioned: Any) -> None:
    stack = provisioned[0]
    bodies = {
        r["Properties"]["DashboardName"]: json.dumps(r["Properties"]["DashboardBody"])
        for r in Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    }
    text = " ".join(bodies.values())
    for title in (
        "Table Orders: consumed and provisioned capacity",
        "Table Orders: throttles and system errors",
        "Table Orders: latency p99 (ms)",
    ):
        assert title in text


def test_named_operations_and_a_plain_table() -> None:
    stack = Stack(make_app(), "Orders")
    table = dynamodb.Table(
        stack,
        "Orders",
        partition_key=PK,
        billing_mode=dynamodb.BillingMode.PROVISIONED,
    )
    monitoring = monitoring_of(stack)
    monitor_table(monitoring, table, operations=["Query", "Scan"])
    alarms = alarms_by_name(stack)
    latency = alarms[f"{PREFIX}latency-p99"]["Metrics"]
    assert next(m for m in latency if "Expression" in m)["Expression"] == "MAX([m0,m1])"
    assert f"{PREFIX}read-capacity-percent" in alarms, "its template says provisioned"


def test_the_table_of_a_secure_table_is_its_own() -> None:
    stack = Stack(make_app(), "Orders")
    table = SecureTable(
        stack, "Orders", partition_key=PK, billing_mode=dynamodb.BillingMode.PROVISIONED
    )
    monitor_table(monitoring_of(stack), table.table)
    assert f"{PREFIX}write-capacity-percent" in alarms_by_name(stack)


def test_a_secure_table_monitors_itself() -> None:
    stack = Stack(make_app(), "Orders")
    monitoring = monitoring_of(stack)
    SecureTable(stack, "Orders", partition_key=PK, monitoring=monitoring)
    assert f"{PREFIX}latency-p99" in alarms_by_name(stack)
    other = Construct(stack, "Other")
    with pytest.raises(ValidationError, match=r"label='Orders': is already monitored"):
        SecureTable(other, "Orders", partition_key=PK, monitoring=monitoring)
    assert other.node.try_find_child("Orders") is None, "refused before the table is made"


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "no operation": ({"operations": []}, r"operations=\[\]: must name at least one operation"),
    "too many operations": (
        {"operations": list(table_pack.OPERATIONS[:11])},
        r"names 11 operations: an alarm's math expression may use at most 10 metrics",
    ),
    "an unknown operation": (
        {"operations": ["GetItems"]},
        r"operations\[0\]='GetItems': is not a DynamoDB operation",
    ),
    "an operation twice": ({"operations": ["Query", "Query"]}, r"operations=.*Query"),
    "a string": ({"operations": "Query"}, r"operations='Query': must be a list"),
    "capacity on demand": (
        {"alarms": {"read_capacity_percent": AlarmSettings(threshold=90)}},
        r"alarms\['read_capacity_percent'\]=.*: this table has no read_capacity_percent alarm",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_before_anything_is_made(case: str) -> None:
    options, pattern = BAD[case]
    stack = Stack(make_app(), "Orders")
    table = SecureTable(stack, "Orders", partition_key=PK)
    monitoring = monitoring_of(stack)
    with pytest.raises(ValidationError, match=pattern):
        monitor_table(monitoring, table, **options)
    assert alarms_by_name(stack) == {}


def _table(stack: Stack) -> str:
    found = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table")
    return next(iter(found))


def test_check_label_refuses_now_what_the_pack_would_refuse_later() -> None:
    from org_constructs import ValidationError

    stack = Stack(make_app(), "Early")
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="orders", alarm_topic=sns.Topic(stack, "T"), stage="dev"
    )
    monitoring.monitor_table(
        dynamodb.Table.from_table_name(stack, "Existing", "orders"), label="Orders"
    )
    with pytest.raises(ValidationError, match="already monitored"):
        monitoring.check_label("Orders", method="monitor_table")
    with pytest.raises(ValidationError, match="method='monitor_tables': must be one of"):
        monitoring.check_label("Other", method="monitor_tables")
    monitoring.check_label("Other", method="monitor_table")
