"""The cache pack: ``monitor_cache`` on a ``SecureCache`` (per node), and its ``monitoring``
option. Needs ``ServiceMonitoring.monitor_cache`` and the registry line (``cache.PACK``)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from org_constructs import AlarmSettings, ServiceMonitoring, StandardVpc, ValidationError
from org_constructs.data import SecureCache
from tests.support import make_app


def monitoring_in(stack: Stack) -> ServiceMonitoring:
    return ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )


def alarms_by_name(stack: Stack) -> dict[str, dict[str, Any]]:
    found = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in found.values()}


@pytest.fixture(scope="module")
def watched() -> Stack:
    stack = Stack(make_app(), "Orders")
    monitoring = monitoring_in(stack)
    SecureCache(
        stack, "Sessions", vpc=StandardVpc(stack, "Network"), replicas=1, monitoring=monitoring
    )
    return stack


def test_every_node_is_watched_and_replicas_for_lag(watched: Stack) -> None:
    alarms = alarms_by_name(watched)
    node = {a["Dimensions"][0]["Value"] for a in alarms.values()}
    assert node == {"orders-sessions-001", "orders-sessions-002"}
    names = set(alarms)
    for key in ("engine-cpu", "memory", "memory-critical", "evictions", "connections"):
        assert any(n.endswith(key) for n in names), key
    lag = [a for a in alarms.values() if a["MetricName"] == "ReplicationLag"]
    assert [a["Dimensions"][0]["Value"] for a in lag] == ["orders-sessions-002"]
    memory = sorted(
        (a["Threshold"], a["AlarmName"])
        for a in alarms.values()
        if a["MetricName"] == "DatabaseMemoryUsagePercentage"
        and a["Dimensions"][0]["Value"].endswith("001")
    )
    assert [t for t, _ in memory] == [80, 90]
    cpu = next(a for a in alarms.values() if a["MetricName"] == "EngineCPUUtilization")
    assert (cpu["Namespace"], cpu["Threshold"]) == ("AWS/ElastiCache", 80)


def test_widgets_cpu_memory_connections_evictions(watched: Stack) -> None:
    dashboards = Template.from_stack(watched).find_resources("AWS::CloudWatch::Dashboard")
    body = str(dashboards)
    for title in ("engine CPU", "memory used", "connections", "evictions"):
        assert f"Cache Sessions: {title}" in body


def test_no_replication_lag_without_replicas() -> None:
    stack = Stack(make_app(), "Single")
    monitoring = monitoring_in(stack)
    cache = SecureCache(stack, "Sessions", vpc=StandardVpc(stack, "Network"), replicas=0)
    with pytest.raises(ValidationError, match=r"replication_lag"):
        monitoring.monitor_cache(cache, alarms={"replication_lag": AlarmSettings(threshold=5)})
    monitoring.monitor_cache(cache)
    assert not any(a["MetricName"] == "ReplicationLag" for a in alarms_by_name(stack).values())


def test_a_serverless_cache_is_refused_with_the_reason() -> None:
    stack = Stack(make_app(), "Serverless")
    monitoring = monitoring_in(stack)
    cache = SecureCache(stack, "Sessions", vpc=StandardVpc(stack, "Network"), serverless=True)
    with pytest.raises(ValidationError, match=r"cache='Serverless/Sessions': is a serverless"):
        monitoring.monitor_cache(cache)
