"""The queue pack: ``monitor_queue`` on an ``sqs.Queue`` with and without a dead-letter queue."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from org_constructs import AlarmSettings, ServiceMonitoring, ValidationError
from tests.support import make_app


def monitored(**options: Any) -> tuple[Stack, ServiceMonitoring, sqs.Queue, sqs.Queue]:
    stack = Stack(make_app(), "Orders")
    dead_letters = sqs.Queue(stack, "OrdersDlq", retention_period=Duration.days(14))
    queue = sqs.Queue(
        stack,
        "Orders",
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=5),
    )
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )
    monitoring.monitor_queue(queue, **options)
    return stack, monitoring, queue, dead_letters


@pytest.fixture(scope="module")
def default() -> tuple[Stack, ServiceMonitoring, sqs.Queue, sqs.Queue]:
    return monitored()


def alarms_by_name(stack: Stack) -> dict[str, dict[str, Any]]:
    found = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {r["Properties"]["AlarmName"]: r["Properties"] for r in found.values()}


def test_the_queue_and_its_own_dead_letter_queue_are_watched(default: Any) -> None:
    stack, monitoring, _, _ = default
    alarms = alarms_by_name(stack)
    assert set(alarms) == {
        "dev-orders-Orders-oldest-message-age",
        "dev-orders-Orders-backlog",
        "dev-orders-Orders-dead-letter-messages",
    }
    dead = alarms["dev-orders-Orders-dead-letter-messages"]
    assert dead["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dead["Dimensions"][0]["Value"] == {"Fn::GetAtt": [_id(stack, "OrdersDlq"), "QueueName"]}
    assert (dead["Threshold"], dead["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert dead["AlarmActions"]
    assert dead["OKActions"]
    age = alarms["dev-orders-Orders-oldest-message-age"]
    assert (age["MetricName"], age["Statistic"], age["Period"]) == (
        "ApproximateAgeOfOldestMessage",
        "Maximum",
        60,
    )
    assert age["Dimensions"][0]["Value"] == {"Fn::GetAtt": [_id(stack, "Orders"), "QueueName"]}
    critical = [r.name for r in monitoring.alarm_records if r.severity.value == "Critical"]
    assert critical == ["dev-orders-Orders-dead-letter-messages"]


def test_the_dashboard_shows_messages_in_and_out_and_the_backlog(default: Any) -> None:
    stack = default[0]
    [dashboard] = [
        r
        for r in Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
        if "main" in r["Properties"]["DashboardName"]
    ]
    body = str(dashboard["Properties"]["DashboardBody"])
    for text in ("Queue Orders: messages in and out", "Queue Orders: backlog", "dead letters"):
        assert text in body


def test_empty_receives_only_when_asked() -> None:
    stack = monitored(alarms={"empty_receives": AlarmSettings(threshold=500)})[0]
    alarm = alarms_by_name(stack)["dev-orders-Orders-empty-receives"]
    assert (alarm["MetricName"], alarm["Threshold"]) == ("NumberOfEmptyReceives", 500)


def test_without_a_dead_letter_queue_its_alarm_is_refused() -> None:
    stack = Stack(make_app(), "Plain")
    queue = sqs.Queue(stack, "Plain")
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="plain",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )
    with pytest.raises(ValidationError, match="dead_letter_messages"):
        monitoring.monitor_queue(queue, alarms={"dead_letter_messages": AlarmSettings(threshold=1)})
    monitoring.monitor_queue(queue)
    assert set(alarms_by_name(stack)) == {
        "dev-plain-Plain-oldest-message-age",
        "dev-plain-Plain-backlog",
    }
    with pytest.raises(ValidationError, match="already monitored"):
        monitoring.monitor_queue(queue, label="Again")


def test_a_dead_letter_queue_that_contradicts_the_queues_own_is_refused() -> None:
    stack = Stack(make_app(), "Orders")
    queue = sqs.Queue(
        stack,
        "Orders",
        dead_letter_queue=sqs.DeadLetterQueue(queue=sqs.Queue(stack, "Dlq"), max_receive_count=3),
    )
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )
    with pytest.raises(ValidationError, match=r"dead_letter_queue.*contradicts"):
        monitoring.monitor_queue(queue, dead_letter_queue=sqs.Queue(stack, "Other"))


def _id(stack: Stack, construct_id: str) -> str:
    child = stack.node.find_child(construct_id).node.default_child
    return str(stack.resolve(child.logical_id))  # type: ignore[union-attr]


def test_a_dead_letter_queue_alarms_on_any_message() -> None:
    stack = Stack(make_app(), "Worker")
    dead_letters = sqs.Queue(stack, "Failed")
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="worker",
        alarm_topic=sns.Topic(stack, "Alarms"),
        stage="dev",
    )
    monitoring.monitor_dead_letter_queue(dead_letters)
    alarm = alarms_by_name(stack)["dev-worker-Failed-messages"]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["Period"]) == (
        "ApproximateNumberOfMessagesVisible",
        0,
        60,
    )
    assert [r.severity.value for r in monitoring.alarm_records] == ["Critical"]
    with pytest.raises(ValidationError, match="already monitored"):
        monitoring.monitor_dead_letter_queue(dead_letters, label="Again")


def test_the_librarys_own_dead_letter_queues_are_watched_when_monitoring_is_given() -> None:
    from aws_cdk import aws_lambda as lambda_

    from org_constructs import AlarmTopic, DeploymentNotifications, MonitoredFunction

    stack = Stack(make_app(), "Service")
    topic = AlarmTopic(stack, "Alarms", emails=["ops@example.com"])
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="orders", alarm_topic=topic, stage="dev"
    )
    function = MonitoredFunction(
        stack,
        "Orders",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        handler="index.handler",
        monitoring=monitoring,
    )
    notifications = DeploymentNotifications(
        stack, "Deployments", emails=["ops@example.com"], monitoring=monitoring
    )
    alarms = alarms_by_name(stack)
    watched = {
        "dev-orders-AlarmsDeadLetters-messages": topic.dead_letter_queue,
        "dev-orders-OrdersDeadLetters-messages": function.dead_letter_queue,
        "dev-orders-DeploymentsDeadLetters-messages": notifications.alarm_topic.dead_letter_queue,
    }
    for name, queue in watched.items():
        assert queue is not None
        assert alarms[name]["Dimensions"][0]["Value"] == {
            "Fn::GetAtt": [stack.resolve(queue.node.default_child.logical_id), "QueueName"]  # type: ignore[union-attr]
        }
        assert alarms[name]["AlarmActions"]
    assert all(monitoring.monitors(queue) for queue in watched.values())  # type: ignore[arg-type]


def test_an_alarm_topic_of_another_stack_is_left_to_the_team() -> None:
    from org_constructs import AlarmTopic

    app = make_app()
    topic = AlarmTopic(Stack(app, "Alarms"), "Alarms", emails=["ops@example.com"])
    stack = Stack(app, "Service")
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="orders", alarm_topic=topic, stage="dev"
    )
    assert monitoring.alarms == {}
    monitoring.monitor_dead_letter_queue(topic.dead_letter_queue, label="AlarmTopicDeadLetters")
    assert list(monitoring.alarms) == ["dev-orders-AlarmTopicDeadLetters-messages"]
