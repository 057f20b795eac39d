"""EventBridge rules: invocations that failed for good, events lost, dead letters waiting."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs

from org_constructs._internal.kernel import Program, Slot
from org_constructs._internal.nodes import id_of
from org_constructs.core._triggers import RuleWithDeadLetter
from org_constructs.monitoring._packs._base import MetricFor, Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    Severity,
    catalogue,
)

__all__ = ["CATALOGUE", "NAME", "PACK", "check"]

NAME = "rule"

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="failed_invocations",
        metric="FailedInvocations (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The rule's target failed for good after its retries (or could not be called: "
        "permissions, a deleted target).",
        action="Check the target's errors and the rule's permissions; the event is in the "
        "dead-letter queue when the rule has one.",
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
        meaning="Events wait in the rule's dead-letter queue: a scheduled run or an event "
        "was not handled.",
        action="Read one (`aws sqs receive-message`; its attributes say why it failed), fix "
        "the cause, then run the job again or replay the event.",
        condition="the rule's target has a dead-letter queue (a Trigger's always has)",
    ),
    AlarmDefault(
        key="dead_letter_failures",
        metric="InvocationsFailedToBeSentToDlq (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="Events failed and could not be sent to the dead-letter queue: they are lost.",
        action="Check the queue's policy and its key's policy (EventBridge must be allowed to "
        "send and to use the key); replay the lost events from their source.",
        condition="the rule's target has a dead-letter queue",
    ),
)
"""The rule pack's alarms, by key, with their default settings."""


def check(
    checks: PackChecks,
    rule: events.IRule | RuleWithDeadLetter,
    *,
    label: str | None,
    event_bus_name: str | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_rule`` refuses; the plan of its one rule."""
    dead_letters: sqs.IQueue | None = None
    owner_label: str | None = None
    if isinstance(rule, RuleWithDeadLetter) and not isinstance(rule, events.Rule):
        owner_label = str(id_of(rule))
        dead_letters = rule.dead_letter_queue
        bus = rule.event_bus
        rule = rule.rule
        if bus is not None and event_bus_name is None:
            event_bus_name = bus.event_bus_name
    reads = Program()
    stack, node_id, arn, name = reads.read(
        reads.get(rule, "stack"),
        reads.get(reads.get(rule, "node"), "id"),
        reads.get(rule, "ruleArn"),
        reads.get(rule, "ruleName"),
    )
    checks.check_region("rule", rule, stack=stack)
    label = checks.label(label or owner_label or node_id, rule)
    resolved = dict(checks.resolve([label], alarms))
    possible = [
        key
        for key in CATALOGUE
        if dead_letters is not None or key not in ("dead_letter_messages", "dead_letter_failures")
    ]
    checks.possible(
        alarms, possible, "this rule has", "monitor a Trigger, whose target has a dead-letter queue"
    )
    if dead_letters is None:
        resolved["dead_letter_messages"] = ()
        resolved["dead_letter_failures"] = ()
    watched = [("events", arn)]
    checks.unwatched("rule", rule, watched)
    dimensions = {"RuleName": name}
    if event_bus_name is not None:
        dimensions = {"EventBusName": event_bus_name, "RuleName": name}

    def build(pack: Pack) -> None:
        _monitor(pack, dimensions, dead_letters)

    return Plan(resolved, [Unit(label, f"Rule{label}", build, watched)])


def _monitor(pack: Pack, dimensions: dict[str, str], dead_letters: sqs.IQueue | None) -> None:
    def metric(name: str, label: str | None = None, period: object = None) -> Slot:
        return pack.new(
            "aws_cloudwatch.Metric",
            {
                "namespace": "AWS/Events",
                "metricName": name,
                "statistic": "Sum",
                "dimensionsMap": dimensions,
                "label": label,
                "period": period,
            },
        )

    def alarm_metric(name: str) -> MetricFor:
        return lambda settings: metric(name, period=pack.period(settings))

    pack.alarm("failed_invocations", alarm_metric("FailedInvocations"))
    pack.alarm("dead_letter_failures", alarm_metric("InvocationsFailedToBeSentToDlq"))
    lines = [
        metric("TriggeredRules", "triggered"),
        metric("Invocations", "invocations"),
        metric("FailedInvocations", "failed"),
    ]
    if dead_letters is not None:
        pack.alarm(
            "dead_letter_messages",
            lambda settings: pack.call(
                dead_letters,
                "metricApproximateNumberOfMessagesVisible",
                {"statistic": "Maximum", "period": pack.period(settings)},
            ),
        )
        lines.append(metric("InvocationsSentToDlq", "sent to the dead-letter queue"))
    pack.main(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {"title": f"Rule {pack.label}: runs", "width": 8, "left": lines},
        )
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_rule",
    target="rule",
    title="EventBridge rule",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment of the target, deploy the previous release "
    "([rolling back](guides/runbook.md#rolling-back)), then run the missed jobs or replay the "
    "events from the dead-letter queue.",
    check=check,
    page=PageRow(
        call="`monitor_rule(trigger)` (a `Trigger` or an `events.IRule`)",
        alarms="invocations failed for good, events waiting in the dead-letter queue, events "
        "that could not reach it",
        main="triggered, invoked, failed and dead-lettered runs",
    ),
)
"""The rule pack, as ``ServiceMonitoring.monitor_rule`` and the docs read it."""
