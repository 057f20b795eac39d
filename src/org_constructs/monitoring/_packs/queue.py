"""SQS queues: the age of the oldest message, the backlog, messages in the dead-letter queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_sqs as sqs

from org_constructs._internal.kernel import Program, Slot
from org_constructs._internal.nodes import id_of
from org_constructs.core import QueueWithDeadLetter
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import MetricFor, Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    AlarmSettings,
    Severity,
    catalogue,
)

__all__ = ["CATALOGUE", "DEAD_LETTERS", "NAME", "PACK", "check"]

NAME = "queue"

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="oldest_message_age",
        metric="ApproximateAgeOfOldestMessage (Maximum)",
        threshold=600,
        unit="seconds",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="A message has waited more than 10 minutes for 5 minutes: the consumers fall "
        "behind or fail on it.",
        action="Check the consumer's errors, throttles and concurrency; a message that fails "
        "every time waits until the dead-letter queue takes it.",
    ),
    AlarmDefault(
        key="backlog",
        metric="ApproximateNumberOfMessagesVisible (Maximum)",
        threshold=1000,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 1,000 messages wait for 15 minutes.",
        action="Producers outpace consumers: raise the consumer's concurrency or batch size, "
        "or find what slows each message.",
    ),
    AlarmDefault(
        key="dead_letter_messages",
        metric="ApproximateNumberOfMessagesVisible of the dead-letter queue (Maximum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="Messages reached the dead-letter queue: they failed every receive allowed.",
        action="Read one (`aws sqs receive-message`), fix the cause, then redrive them to the "
        "queue (`aws sqs start-message-move-task --source-arn <dead-letter queue ARN>`).",
        condition="the queue has a dead-letter queue",
    ),
    AlarmDefault(
        key="empty_receives",
        metric="NumberOfEmptyReceives (Sum)",
        threshold=100000,
        unit="count",
        comparison=GT,
        period_minutes=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 100,000 receives an hour found no message: requests paid for nothing.",
        action="Use long polling (receive_message_wait_time of 20 s; SecureQueue's default) or "
        "fewer pollers.",
        condition="asked for: alarms={'empty_receives': AlarmSettings()}",
    ),
)
"""The queue pack's alarms, by key, with their default settings."""


@dataclass(frozen=True)
class _Facts:
    stack: Stack | None
    node_id: str | None
    arn: str
    dead_letter_queue: sqs.IQueue | None


def _read(queue: sqs.IQueue) -> _Facts:
    """What the checks read of a queue, in one request to the jsii kernel."""
    reads = Program()
    stack, node_id, arn, dead_letter_queue = reads.read(
        reads.get(queue, "stack"),
        reads.get(reads.get(queue, "node"), "id"),
        reads.get(queue, "queueArn"),
        reads.get(reads.get(queue, "deadLetterQueue"), "queue"),
    )
    return _Facts(stack, node_id, arn, dead_letter_queue)


def check(
    checks: PackChecks,
    queue: sqs.IQueue | QueueWithDeadLetter,
    *,
    label: str | None,
    dead_letter_queue: sqs.IQueue | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_queue`` refuses; the plan of its one queue."""
    owner_label: str | None = None
    if isinstance(queue, QueueWithDeadLetter) and not isinstance(queue, sqs.QueueBase):
        owner_label = str(id_of(queue))
        own_dead_letter = queue.dead_letter_queue
        queue = queue.queue
    else:
        own_dead_letter = None
    facts = _read(queue)
    checks.check_region("queue", queue, stack=facts.stack)
    dead_letters = own_dead_letter or facts.dead_letter_queue
    if dead_letter_queue is not None:
        if dead_letters is not None and dead_letters is not dead_letter_queue:
            raise ValidationError(
                checks.where,
                "dead_letter_queue",
                dead_letter_queue,
                "contradicts the queue's own dead-letter queue: leave dead_letter_queue out",
            )
        checks.check_region("dead_letter_queue", dead_letter_queue)
        dead_letters = dead_letter_queue
    label = checks.label(label or owner_label or facts.node_id, queue)
    resolved = dict(checks.resolve([label], alarms))
    possible = [key for key in CATALOGUE if key != "dead_letter_messages" or dead_letters]
    checks.possible(
        alarms,
        possible,
        "this queue has",
        "give dead_letter_queue= for a dead-letter queue made elsewhere",
    )
    if dead_letters is None:
        resolved["dead_letter_messages"] = ()
    empty = (alarms or {}).get("empty_receives")
    if empty is None or (isinstance(empty, AlarmSettings) and not empty.enabled):
        resolved["empty_receives"] = ()
    watched = [("sqs", facts.arn)]
    checks.unwatched("queue", queue, watched)
    target = queue

    def build(pack: Pack) -> None:
        _monitor(pack, target, dead_letters)

    return Plan(resolved, [Unit(label, f"Queue{label}", build, watched)])


def _monitor(pack: Pack, queue: sqs.IQueue, dead_letters: sqs.IQueue | None) -> None:
    """Alarms and widgets of one queue (and its dead-letter queue)."""

    def metric(target: sqs.IQueue, method: str, statistic: str, label: str) -> Slot:
        return pack.call(target, method, {"statistic": statistic, "label": label})

    def alarm_metric(target: sqs.IQueue, method: str, statistic: str) -> MetricFor:
        return lambda settings: pack.call(
            target, method, {"statistic": statistic, "period": pack.period(settings)}
        )

    pack.alarm(
        "oldest_message_age",
        alarm_metric(queue, "metricApproximateAgeOfOldestMessage", "Maximum"),
    )
    pack.alarm(
        "backlog",
        alarm_metric(queue, "metricApproximateNumberOfMessagesVisible", "Maximum"),
    )
    pack.alarm(
        "empty_receives",
        alarm_metric(queue, "metricNumberOfEmptyReceives", "Sum"),
    )
    backlog = [
        metric(queue, "metricApproximateNumberOfMessagesVisible", "Maximum", "visible"),
        metric(queue, "metricApproximateNumberOfMessagesNotVisible", "Maximum", "in flight"),
    ]
    if dead_letters is not None:
        pack.alarm(
            "dead_letter_messages",
            alarm_metric(dead_letters, "metricApproximateNumberOfMessagesVisible", "Maximum"),
        )
        backlog.append(
            metric(
                dead_letters, "metricApproximateNumberOfMessagesVisible", "Maximum", "dead letters"
            )
        )
    title = f"Queue {pack.label}"
    pack.main(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: messages in and out",
                "width": 8,
                "left": [
                    metric(queue, "metricNumberOfMessagesSent", "Sum", "sent"),
                    metric(queue, "metricNumberOfMessagesReceived", "Sum", "received"),
                    metric(queue, "metricNumberOfMessagesDeleted", "Sum", "deleted"),
                ],
            },
        ),
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {"title": f"{title}: backlog", "width": 8, "left": backlog},
        ),
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: age of the oldest message (s)",
                "width": 8,
                "left": [metric(queue, "metricApproximateAgeOfOldestMessage", "Maximum", "oldest")],
            },
        ),
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_queue",
    target="queue",
    title="SQS queue",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment of the consumer, deploy the previous release "
    "([rolling back](guides/runbook.md#rolling-back)), then redrive the dead letters.",
    check=check,
    page=PageRow(
        call="`monitor_queue(queue)` (a `SecureQueue` or an `sqs.IQueue`)",
        alarms="age of the oldest message, backlog, any message in the dead-letter queue, "
        "empty receives when asked",
        main="messages sent/received/deleted, backlog with in-flight and dead letters, age of "
        "the oldest message",
    ),
)
"""The queue pack, as ``ServiceMonitoring.monitor_queue`` and the docs read it."""


# ----------------------------------------------------------------------------- dead letters

DEAD_LETTERS_CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="messages",
        metric="ApproximateNumberOfMessagesVisible (Maximum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="A message reached this dead-letter queue: an asynchronous invocation, a "
        "notification or a delivery failed every retry.",
        action="Read one (`aws sqs receive-message`) to see what failed and why, fix the "
        "cause, then redrive or replay it; the queue keeps messages for 14 days.",
    ),
)
"""The dead-letter queue pack's one alarm."""


def check_dead_letters(
    checks: PackChecks, queue: sqs.IQueue, *, label: str | None, alarms: Overrides
) -> Plan:
    """What ``monitor_dead_letter_queue`` refuses; the plan of its one queue."""
    facts = _read(queue)
    checks.check_region("queue", queue, stack=facts.stack)
    label = checks.label(label or facts.node_id, queue)
    resolved = checks.resolve([label], alarms)
    watched = [("sqs", facts.arn)]
    checks.unwatched("queue", queue, watched)

    def build(pack: Pack) -> None:
        visible = pack.call(
            queue,
            "metricApproximateNumberOfMessagesVisible",
            {"statistic": "Maximum", "label": "dead letters"},
        )
        pack.alarm(
            "messages",
            lambda settings: pack.call(
                queue,
                "metricApproximateNumberOfMessagesVisible",
                {"statistic": "Maximum", "period": pack.period(settings)},
            ),
        )
        pack.main(
            pack.new(
                "aws_cloudwatch.GraphWidget",
                {"title": f"Dead letters {pack.label}", "width": 6, "left": [visible]},
            )
        )

    return Plan(resolved, [Unit(label, f"DeadLetters{label}", build, watched)])


DEAD_LETTERS = PackSpec(
    name="dead-letter-queue",
    method="monitor_dead_letter_queue",
    target="queue",
    title="Dead-letter queue",
    catalogue=DEAD_LETTERS_CATALOGUE,
    roll_back="if it began with a deployment, deploy the previous release "
    "([rolling back](guides/runbook.md#rolling-back)), then replay the failed messages.",
    check=check_dead_letters,
    page=PageRow(
        call="`monitor_dead_letter_queue(queue)` (`MonitoredFunction.dead_letter_queue`, "
        "`AlarmTopic.dead_letter_queue`...)",
        alarms="any message in the queue",
        main="messages waiting",
    ),
)
"""The dead-letter queue pack: a queue where any message is a failure."""
