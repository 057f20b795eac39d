"""``MonitoredFunction.add_queue_source``: the alias reads the queue, checked and watched."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    MonitoredFunction,
    SecureQueue,
    ServiceMonitoring,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.config import EnvironmentConfig
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


class Worker(AbstractStack):
    """A queue worker as a team writes it: a SecureQueue read by a monitored function."""

    def initialize(self) -> None:
        topic = AlarmTopic(self, "Alarms", emails=["ops@example.com"])
        self.monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="orders", alarm_topic=topic
        )
        self.jobs = SecureQueue(self, "Jobs", visibility_timeout=Duration.minutes(4))
        self.worker = MonitoredFunction(
            self,
            "Worker",
            code=CODE,
            handler="index.handler",
            timeout=Duration.seconds(30),
            monitoring=self.monitoring,
        )
        self.read = self.worker.add_queue_source(
            self.jobs, batch_size=20, max_batching_window=Duration.seconds(5), max_concurrency=5
        )


@pytest.fixture(scope="module")
def worker(environments: dict[str, EnvironmentConfig]) -> Worker:
    return Worker(make_app(), "Worker", config=environments["production"])


@pytest.fixture(scope="module")
def template(worker: Worker) -> Template:
    return Template.from_stack(worker)


def _id(stack: Stack, construct: Any) -> str:
    return str(stack.resolve(construct.node.default_child.logical_id))


def test_the_alias_reads_the_queue_reporting_failed_messages(
    worker: Worker, template: Template
) -> None:
    [mapping] = template.find_resources("AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert _id(worker, worker.worker.alias) in json.dumps(properties["FunctionName"])
    assert properties["EventSourceArn"] == {"Fn::GetAtt": [_id(worker, worker.jobs.queue), "Arn"]}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BatchSize"] == 20
    assert properties["MaximumBatchingWindowInSeconds"] == 5
    assert properties["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert worker.read is worker.jobs.queue


def test_the_queue_and_its_dead_letters_are_watched_by_the_functions_monitoring(
    worker: Worker,
) -> None:
    names = set(worker.monitoring.alarms)
    assert "production-orders-Jobs-dead-letter-messages" in names
    assert "production-orders-Jobs-oldest-message-age" in names
    assert worker.monitoring.monitors(worker.jobs)
    assert worker.monitoring.monitors(worker.jobs.queue)


def test_the_worker_is_clean_on_the_default_nag_packs(worker: Worker) -> None:
    """The team chose no VPC and no reserved concurrency: the regulated packs' findings on
    those are theirs (``MonitoredFunction``'s tests); nothing of the queue source is left."""
    assert nag_findings(worker, ("AwsSolutions", "Serverless")) == []
    assert {f.rule_id.split("-", 1)[1] for f in nag_findings(worker, NAG_PACKS)} <= {
        "LambdaConcurrency",
        "LambdaInsideVPC",
    }


def _function(stack: Stack, **options: Any) -> MonitoredFunction:
    return MonitoredFunction(
        stack, "Worker", code=CODE, handler="index.handler", timeout=Duration.seconds(30), **options
    )


def test_a_visibility_timeout_shorter_than_six_timeouts_is_refused() -> None:
    stack = Stack(make_app(), "Short")
    jobs = SecureQueue(stack, "Jobs", visibility_timeout=Duration.minutes(2))
    function = _function(stack)
    with pytest.raises(
        ValidationError, match=r"add_queue_source: timeout=.30 seconds.: .*180 seconds"
    ):
        function.add_queue_source(jobs)
    assert not Template.from_stack(stack).find_resources("AWS::Lambda::EventSourceMapping")


def test_a_plain_queue_shorter_than_the_timeout_is_refused() -> None:
    stack = Stack(make_app(), "Plain")
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(10))
    with pytest.raises(ValidationError, match="visibility timeout of 10 seconds"):
        _function(stack).add_queue_source(queue)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 10001, "max_batching_window": Duration.seconds(1)}, "batch_size"),
        ({"batch_size": 11}, "above 10 needs max_batching_window"),
        ({"max_batching_window": Duration.minutes(6)}, "max_batching_window"),
        ({"max_concurrency": 1}, "max_concurrency"),
        ({"batch_size": True}, "batch_size"),
    ],
)
def test_values_out_of_range_are_refused(options: dict[str, Any], message: str) -> None:
    stack = Stack(make_app(), "Bad")
    jobs = SecureQueue(stack, "Jobs", visibility_timeout=Duration.minutes(10))
    with pytest.raises(ValidationError, match=message):
        _function(stack).add_queue_source(jobs, **options)


def test_a_fifo_queue_takes_at_most_ten_messages_and_no_window() -> None:
    stack = Stack(make_app(), "Fifo")
    jobs = SecureQueue(stack, "Jobs", fifo=True, visibility_timeout=Duration.minutes(10))
    function = _function(stack)
    with pytest.raises(ValidationError, match="batch_size"):
        function.add_queue_source(jobs, batch_size=11, max_batching_window=Duration.seconds(1))
    with pytest.raises(ValidationError, match="not supported for a FIFO queue"):
        function.add_queue_source(jobs, max_batching_window=Duration.seconds(1))
    function.add_queue_source(jobs, batch_size=10)


def test_a_queue_monitored_already_is_not_monitored_twice() -> None:
    stack = Stack(make_app(), "Twice")
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=AlarmTopic(stack, "Alarms", emails=["ops@example.com"]),
        stage="dev",
    )
    jobs = SecureQueue(stack, "Jobs", visibility_timeout=Duration.minutes(3))
    monitoring.monitor_queue(jobs, label="Jobs")
    before = len(monitoring.alarm_records)
    function = _function(stack, monitoring=monitoring)
    function.add_queue_source(jobs)
    added = [r.pack for r in monitoring.resources][-2:]
    assert added == ["lambda", "dead-letter-queue"]  # the function's own, no queue again
    assert len(monitoring.alarm_records) == before + sum(
        len(r.alarms) for r in monitoring.resources[-2:]
    )
