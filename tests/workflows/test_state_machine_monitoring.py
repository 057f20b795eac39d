"""SecureStateMachine(monitoring=...): the state machine is monitored once it is built, and
what the monitoring would refuse is refused before anything is made.

Needs ``ServiceMonitoring.monitor_state_machine`` (the state machine pack's facade method)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from org_constructs import AlarmTopic, SecureStateMachine, ServiceMonitoring, ValidationError
from org_constructs.compliance import NAG_PACKS, nag_findings
from tests.support import make_app


def monitored_stack(**options: Any) -> tuple[Stack, ServiceMonitoring, SecureStateMachine]:
    stack = Stack(make_app(), "Orders")
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=AlarmTopic(stack, "Alarms"),
        stage="dev",
    )
    body = sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Prepare"))
    workflow = SecureStateMachine(
        stack, "Fulfilment", definition_body=body, monitoring=monitoring, **options
    )
    return stack, monitoring, workflow


def alarms_by_name(stack: Stack) -> dict[str, dict[str, Any]]:
    found = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in found.values()}


def test_the_state_machine_is_monitored_under_its_construct_id() -> None:
    stack, monitoring, workflow = monitored_stack(timeout=Duration.minutes(10))
    assert [(r.pack, r.label) for r in monitoring.resources][-1:] == [
        ("state-machine", "Fulfilment")
    ]
    alarms = {k: v for k, v in alarms_by_name(stack).items() if "Fulfilment" in k}
    assert set(alarms) == {
        "dev-orders-Fulfilment-failed",
        "dev-orders-Fulfilment-timed-out",
        "dev-orders-Fulfilment-aborted",
        "dev-orders-Fulfilment-throttled",
        "dev-orders-Fulfilment-execution-time-p99",
    }
    p99 = alarms["dev-orders-Fulfilment-execution-time-p99"]
    assert (p99["MetricName"], p99["ExtendedStatistic"], p99["Threshold"]) == (
        "ExecutionTime",
        "p99",
        0.8 * 600_000,
    )
    arn = stack.resolve(workflow.state_machine_arn)
    assert p99["Dimensions"] == [{"Name": "StateMachineArn", "Value": arn}]
    assert nag_findings(stack, NAG_PACKS) == []


def test_a_label_already_monitored_leaves_nothing_half_made() -> None:
    stack, monitoring, _ = monitored_stack()
    body = sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Again"))
    other = Stack(stack.node.root, "Other")  # type: ignore[arg-type]
    with pytest.raises(
        ValidationError,
        match=r"ServiceMonitoring\('Monitoring'\): label='Fulfilment': is already monitored",
    ):
        SecureStateMachine(other, "Fulfilment", definition_body=body, monitoring=monitoring)
    assert other.node.try_find_child("Fulfilment") is None
    assert [r.label for r in monitoring.resources].count("Fulfilment") == 1


def test_a_monitoring_of_another_region_is_refused_first() -> None:
    app = make_app()
    east = Stack(app, "East", env={"account": "111111111111", "region": "us-east-1"})
    west = Stack(app, "West", env={"account": "111111111111", "region": "eu-west-1"})
    monitoring = ServiceMonitoring(
        east,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(east, "Alarms"),
        stage="dev",
    )
    body = sfn.DefinitionBody.from_chainable(sfn.Pass(west, "Prepare"))
    with pytest.raises(ValidationError, match=r"monitoring=.*is in region 'eu-west-1'"):
        SecureStateMachine(west, "Flow", definition_body=body, monitoring=monitoring)
    assert west.node.try_find_child("Flow") is None
