"""The state machine pack: ``monitor_state_machine`` on a ``SecureStateMachine``, on its
``.state_machine`` and on an ``sfn.IStateMachine`` made elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from org_constructs import AlarmSettings, SecureStateMachine, ServiceMonitoring, ValidationError
from tests.support import make_app

ARN = "arn:aws:states:us-east-1:111111111111:stateMachine:orders"


def setup(name: str = "Orders") -> tuple[Stack, ServiceMonitoring]:
    stack = Stack(make_app(), name, env={"account": "111111111111", "region": "us-east-1"})
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )
    return stack, monitoring


def workflow(stack: Stack, **options: Any) -> SecureStateMachine:
    body = sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Prepare"))
    return SecureStateMachine(stack, "Fulfilment", definition_body=body, **options)


def alarms_by_name(stack: Stack) -> dict[str, dict[str, Any]]:
    found = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in found.values()}


@pytest.fixture(scope="module")
def secure() -> tuple[Stack, ServiceMonitoring, SecureStateMachine]:
    stack, monitoring = setup()
    machine = workflow(stack, timeout=Duration.minutes(30))
    monitoring.monitor_state_machine(machine)
    return stack, monitoring, machine


def test_every_alarm_of_a_secure_state_machine(secure: Any) -> None:
    stack, monitoring, machine = secure
    alarms = alarms_by_name(stack)
    assert set(alarms) == {
        f"dev-orders-Fulfilment-{key}"
        for key in ("failed", "timed-out", "aborted", "throttled", "execution-time-p99")
    }
    arn = stack.resolve(machine.state_machine_arn)
    expected = {
        "failed": ("ExecutionsFailed", "Sum", 0, 60),
        "timed-out": ("ExecutionsTimedOut", "Sum", 0, 60),
        "aborted": ("ExecutionsAborted", "Sum", 0, 60),
        "throttled": ("ExecutionThrottled", "Sum", 0, 300),
        "execution-time-p99": ("ExecutionTime", "p99", 0.8 * 30 * 60_000, 300),
    }
    for key, (metric, statistic, threshold, period) in expected.items():
        alarm = alarms[f"dev-orders-Fulfilment-{key}"]
        assert alarm["MetricName"] == metric, key
        assert alarm.get("Statistic", alarm.get("ExtendedStatistic")) == statistic, key
        assert (alarm["Threshold"], alarm["Period"]) == (threshold, period), key
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold", key
        assert alarm["Namespace"] == "AWS/States", key
        assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": arn}], key
    critical = {r.name for r in monitoring.alarm_records if r.severity.value == "Critical"}
    assert critical == {"dev-orders-Fulfilment-failed", "dev-orders-Fulfilment-timed-out"}


def test_the_dashboards_show_executions_and_the_timeout_line(secure: Any) -> None:
    stack = secure[0]
    bodies = {
        r["Properties"]["DashboardName"]: str(r["Properties"]["DashboardBody"])
        for r in Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    }
    main = next(body for name, body in bodies.items() if name.endswith("main"))
    performance = next(body for name, body in bodies.items() if name.endswith("performance"))
    assert "State machine Fulfilment: executions" in main
    for metric in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed"):
        assert metric in main
    assert "State machine Fulfilment: execution time p50/p90/p99" in performance
    assert '{"value":1800000,"label":"timeout","yAxis":"left"}' in performance


def test_its_state_machine_is_labelled_after_it_with_its_timeout() -> None:
    stack, monitoring = setup()
    machine = workflow(stack, timeout=Duration.minutes(10))
    monitoring.monitor_state_machine(machine.state_machine)
    assert [r.label for r in monitoring.resources][-1] == "Fulfilment"
    alarm = alarms_by_name(stack)["dev-orders-Fulfilment-execution-time-p99"]
    assert alarm["Threshold"] == 0.8 * 600_000
    with pytest.raises(ValidationError, match="already monitored"):
        monitoring.monitor_state_machine(machine, label="Again")


def test_a_state_machine_made_elsewhere_needs_timeout_for_its_execution_time_alarm() -> None:
    stack, monitoring = setup()
    imported = sfn.StateMachine.from_state_machine_arn(stack, "Imported", ARN)
    with pytest.raises(
        ValidationError,
        match=r"alarms\['execution_time_p99'\]=.*this state machine has no execution_time_p99 "
        r"alarm .*give timeout=",
    ):
        monitoring.monitor_state_machine(
            imported, label="orders", alarms={"execution_time_p99": AlarmSettings(threshold=50)}
        )
    monitoring.monitor_state_machine(imported, label="orders")
    other = sfn.StateMachine.from_state_machine_arn(stack, "Other", ARN + "-2")
    monitoring.monitor_state_machine(other, label="other", timeout=Duration.minutes(2))
    alarms = alarms_by_name(stack)
    assert "dev-orders-orders-execution-time-p99" not in alarms
    assert "dev-orders-orders-failed" in alarms
    assert alarms["dev-orders-other-execution-time-p99"]["Threshold"] == 0.8 * 120_000


def test_a_timeout_that_contradicts_the_state_machines_own_is_refused() -> None:
    stack, monitoring = setup()
    machine = workflow(stack, timeout=Duration.minutes(10))
    with pytest.raises(
        ValidationError,
        match=r"timeout='20 minutes': contradicts the state machine's own timeout "
        r"\(10 minutes\)",
    ):
        monitoring.monitor_state_machine(machine, timeout=Duration.minutes(20))
    monitoring.monitor_state_machine(machine, timeout=Duration.minutes(10))


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        (Duration.days(366), r"timeout='366 days': must be from 1 second to 365 days"),
        (Duration.millis(500), r"timeout=.*: must be"),
    ],
)
def test_a_timeout_out_of_range_is_refused(timeout: Duration, message: str) -> None:
    stack, monitoring = setup()
    imported = sfn.StateMachine.from_state_machine_arn(stack, "Imported", ARN)
    with pytest.raises(ValidationError, match=message):
        monitoring.monitor_state_machine(imported, label="orders", timeout=timeout)
    assert monitoring.resources == []


def test_a_state_machine_of_another_region_is_refused() -> None:
    stack, monitoring = setup()
    imported = sfn.StateMachine.from_state_machine_arn(
        stack, "Imported", "arn:aws:states:eu-west-1:111111111111:stateMachine:orders"
    )
    with pytest.raises(ValidationError, match=r"state_machine=.*is in region 'eu-west-1'"):
        monitoring.monitor_state_machine(imported, label="orders")
