"""DynamoDB tables: read and write throttles, system errors, p99 latency of the operations the
team names, and consumed against provisioned capacity for a provisioned table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Stack

from org_constructs._internal import checks as config_checks
from org_constructs._internal.kernel import Program, Slot
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import id_of
from org_constructs._internal.tokens import unresolved
from org_constructs.core import TableWithBilling
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import MetricFor, Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    ResolvedAlarm,
    Severity,
    catalogue,
)

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb
else:
    dynamodb = lazy_module("aws_cdk.aws_dynamodb")


__all__ = [
    "CATALOGUE",
    "DEFAULT_OPERATIONS",
    "MAX_ALARM_METRICS",
    "NAME",
    "OPERATIONS",
    "PACK",
    "check",
]

NAME = "table"
MAX_ALARM_METRICS = 10
"""CloudWatch's limit on the metrics one alarm's math expression may use."""
OPERATIONS = (
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
    "GetRecords",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
)
"""The values of DynamoDB's ``Operation`` dimension (SuccessfulRequestLatency, SystemErrors)."""
DEFAULT_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
"""The operations whose latency and system errors are watched unless the team names others."""
_CAPACITY_KEYS = ("read_capacity_percent", "write_capacity_percent")

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="read_throttles",
        metric="ReadThrottleEvents (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Reads were throttled in each of three 5-minute periods: the table (or a hot "
        "partition) gets more reads than its capacity allows.",
        action="Provisioned: raise max_read_capacity (auto scaling stopped at it) or the "
        "target utilization headroom; on demand: look for a hot partition key in CloudWatch "
        "Contributor Insights and spread the reads (or cache them).",
    ),
    AlarmDefault(
        key="write_throttles",
        metric="WriteThrottleEvents (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Writes were throttled in each of three 5-minute periods: the table (or a hot "
        "partition, or a global secondary index that cannot keep up) gets more writes than "
        "its capacity allows.",
        action="Provisioned: raise max_write_capacity; on demand: look for a hot partition key "
        "in Contributor Insights and spread the writes; check the indexes' throttles too "
        "(an index's throttling throttles the table's writes).",
    ),
    AlarmDefault(
        key="system_errors",
        metric="SystemErrors (Sum of the watched operations)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="DynamoDB answered requests with HTTP 500 in two 5-minute periods in a row: "
        "an issue on AWS's side, which the SDK's retries did not hide.",
        action="Check the AWS Health Dashboard for DynamoDB in the region; make sure clients "
        "retry with backoff (the AWS SDKs do); open a support case if it lasts.",
    ),
    AlarmDefault(
        key="latency_p99",
        metric="SuccessfulRequestLatency (p99, the slowest of the watched operations)",
        threshold=100,
        unit="milliseconds",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The slowest 1% of requests of one watched operation took more than 100 ms "
        "for 15 minutes (DynamoDB's own time, not the network's).",
        action="Find the operation on the latency widget; large items, Query or Scan pages "
        "that read many items, and transactions are slower: project fewer attributes, page "
        "smaller, or use an index that reads less.",
    ),
    AlarmDefault(
        key="read_capacity_percent",
        metric="ConsumedReadCapacityUnits per second / ProvisionedReadCapacityUnits (%)",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Reads consumed more than 80% of the provisioned read capacity for 15 "
        "minutes: auto scaling is at its maximum, or too slow for the traffic.",
        action="Raise max_read_capacity, or switch the table to on demand "
        "(billing_mode=PAY_PER_REQUEST) if the traffic is spiky.",
        condition="a provisioned table",
    ),
    AlarmDefault(
        key="write_capacity_percent",
        metric="ConsumedWriteCapacityUnits per second / ProvisionedWriteCapacityUnits (%)",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Writes consumed more than 80% of the provisioned write capacity for 15 "
        "minutes: auto scaling is at its maximum, or too slow for the traffic.",
        action="Raise max_write_capacity, or switch the table to on demand "
        "(billing_mode=PAY_PER_REQUEST) if the traffic is spiky.",
        condition="a provisioned table",
    ),
)
"""The table pack's alarms, by key, with their default settings."""


@dataclass(frozen=True)
class _Facts:
    stack: Stack | None
    node_id: str | None
    owner: object
    """The construct the table is a child of (a ``SecureTable``)."""
    arn: str
    name: str
    billing_mode: object
    throughput: object


def _read(table: dynamodb.ITable) -> _Facts:
    """What the checks read of a table, in one request to the jsii kernel."""
    reads = Program()
    node = reads.get(table, "node")
    resource = reads.get(node, "defaultChild")
    stack, node_id, owner, arn, name, billing_mode, throughput = reads.read(
        reads.get(table, "stack"),
        reads.get(node, "id"),
        reads.get(node, "scope"),
        reads.get(table, "tableArn"),
        reads.get(table, "tableName"),
        reads.get(resource, "billingMode"),
        reads.get(resource, "provisionedThroughput"),
    )
    return _Facts(stack, node_id, owner, arn, name, billing_mode, throughput)


def check_operations(where: str, operations: Sequence[str]) -> tuple[str, ...]:
    """One to ten known DynamoDB operations, none twice: each is a metric of the latency and
    system error alarms, whose math CloudWatch limits to 10 metrics."""
    if isinstance(operations, str):
        raise ValidationError(
            where,
            "operations",
            operations,
            "must be a list of operation names, such as ['GetItem']",
        )
    given = tuple(operations)
    if not given:
        raise ValidationError(
            where, "operations", [], "must name at least one operation, such as 'GetItem'"
        )
    if len(given) > MAX_ALARM_METRICS:
        raise ValidationError(
            where,
            "operations",
            list(given),
            f"names {len(given)} operations: an alarm's math expression may use at most "
            f"{MAX_ALARM_METRICS} metrics (CloudWatch's limit), one per operation; watch the "
            "operations your service calls, or monitor the rest with a second label",
        )
    for index, operation in enumerate(given):
        if operation not in OPERATIONS:
            raise ValidationError(
                where,
                f"operations[{index}]",
                operation,
                f"is not a DynamoDB operation; use {', '.join(OPERATIONS)}",
            )
    config_checks.check_unique(where, "operations", given, "operation")
    return given


def _provisioned(facts: _Facts) -> bool:
    """A table of this app billed by provisioned capacity (an imported one's is not known)."""
    mode = facts.billing_mode
    if isinstance(mode, str) and not unresolved(mode):
        return mode == "PROVISIONED"
    return mode is None and facts.throughput is not None


def check(
    checks: PackChecks,
    table: dynamodb.ITable | TableWithBilling,
    *,
    label: str | None,
    operations: Sequence[str] | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_table`` refuses; the plan of its one table."""
    watched_operations = (
        DEFAULT_OPERATIONS if operations is None else check_operations(checks.where, operations)
    )
    owner: TableWithBilling | None = None
    if isinstance(table, TableWithBilling) and not isinstance(table, dynamodb.TableBase):
        owner = table
        target: dynamodb.ITable = table.table
    else:
        target = table
    facts = _read(target)
    if owner is None and isinstance(facts.owner, TableWithBilling):
        # The table of a SecureTable, given as .table: its owner's.
        found = facts.owner
        if found.table is target:
            owner = found
    checks.check_region("table", target, stack=facts.stack)
    provisioned = owner.provisioned if owner is not None else _provisioned(facts)
    owner_label = str(id_of(owner)) if owner is not None else None
    label = checks.label(label or owner_label or facts.node_id, target)
    resolved = dict(checks.resolve([label], alarms))
    possible = [key for key in CATALOGUE if provisioned or key not in _CAPACITY_KEYS]
    checks.possible(
        alarms,
        possible,
        "this table has",
        "an on-demand (or imported) table has no provisioned capacity",
    )
    if not provisioned:
        for key in _CAPACITY_KEYS:
            resolved[key] = ()
    watched = [("dynamodb", facts.arn)]
    checks.unwatched("table", target, watched)
    name = facts.name

    def build(pack: Pack) -> None:
        _monitor(pack, target, name, watched_operations, provisioned)

    return Plan(resolved, [Unit(label, f"Table{label}", build, watched)])


def _monitor(
    pack: Pack,
    table: dynamodb.ITable,
    name: str,
    operations: tuple[str, ...],
    provisioned: bool,
) -> None:
    """Alarms and widgets of one table."""

    def metric(metric_name: str, statistic: str, **more: object) -> Slot:
        return pack.call(table, "metric", metric_name, {"statistic": statistic, **more})

    def per_operation(metric_name: str, statistic: str, **more: object) -> dict[str, Slot]:
        return {
            f"m{index}": pack.call(
                table,
                "metric",
                metric_name,
                {
                    "dimensionsMap": {"TableName": name, "Operation": operation},
                    "statistic": statistic,
                    **more,
                },
            )
            for index, operation in enumerate(operations)
        }

    def expression(text: str, using: dict[str, Slot], label: str) -> MetricFor:
        return lambda settings: pack.new(
            "aws_cloudwatch.MathExpression",
            {
                "expression": text,
                "usingMetrics": using,
                "label": label,
                "period": pack.period(settings),
            },
        )

    def alarm_metric(metric_name: str, statistic: str) -> MetricFor:
        return lambda settings: metric(metric_name, statistic, period=pack.period(settings))

    ids = ",".join(f"m{index}" for index in range(len(operations)))
    pack.alarm("read_throttles", alarm_metric("ReadThrottleEvents", "Sum"))
    pack.alarm("write_throttles", alarm_metric("WriteThrottleEvents", "Sum"))
    errors = per_operation("SystemErrors", "Sum")
    pack.alarm("system_errors", expression(f"SUM([{ids}])", errors, "system errors"))
    latency = per_operation("SuccessfulRequestLatency", "p99")
    pack.alarm("latency_p99", expression(f"MAX([{ids}])", latency, "slowest p99 (ms)"))
    if provisioned:
        for kind in ("Read", "Write"):
            pack.alarm(
                f"{kind.lower()}_capacity_percent",
                _capacity_percent(pack, table, kind),
            )
    title = f"Table {pack.label}"
    capacity: dict[str, object] = {
        "title": f"{title}: consumed capacity (units per period)",
        "width": 8,
        "left": [
            pack.call(
                table, f"metricConsumed{kind}CapacityUnits", {"statistic": "Sum", "label": label}
            )
            for kind, label in (("Read", "read"), ("Write", "write"))
        ],
    }
    if provisioned:
        capacity["title"] = f"{title}: consumed and provisioned capacity (units per second)"
        capacity["left"] = [
            pack.new(
                "aws_cloudwatch.MathExpression",
                {
                    "expression": f"{kind[0].lower()} / PERIOD({kind[0].lower()})",
                    "usingMetrics": {
                        kind[0].lower(): pack.call(
                            table, f"metricConsumed{kind}CapacityUnits", {"statistic": "Sum"}
                        )
                    },
                    "label": f"{kind.lower()} consumed",
                },
            )
            for kind in ("Read", "Write")
        ]
        capacity["right"] = [
            metric(
                f"Provisioned{kind}CapacityUnits", "Average", label=f"{kind.lower()} provisioned"
            )
            for kind in ("Read", "Write")
        ]
    pack.main(
        pack.new("aws_cloudwatch.GraphWidget", capacity),
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: throttles and system errors",
                "width": 8,
                "left": [
                    metric("ReadThrottleEvents", "Sum", label="read throttles"),
                    metric("WriteThrottleEvents", "Sum", label="write throttles"),
                    pack.new(
                        "aws_cloudwatch.MathExpression",
                        {
                            "expression": f"SUM([{ids}])",
                            "usingMetrics": per_operation("SystemErrors", "Sum"),
                            "label": "system errors",
                        },
                    ),
                ],
            },
        ),
    )
    pack.performance(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: latency p99 (ms)",
                "width": 8,
                "left": [
                    pack.call(
                        table,
                        "metric",
                        "SuccessfulRequestLatency",
                        {
                            "dimensionsMap": {"TableName": name, "Operation": operation},
                            "statistic": "p99",
                            "label": operation,
                        },
                    )
                    for operation in operations
                ],
            },
        ),
    )


def _capacity_percent(pack: Pack, table: dynamodb.ITable, kind: str) -> MetricFor:
    """Consumed capacity per second as a percentage of the provisioned capacity."""

    def build(settings: ResolvedAlarm) -> Slot:
        return pack.new(
            "aws_cloudwatch.MathExpression",
            {
                "expression": "100 * (consumed / PERIOD(consumed)) / provisioned",
                "usingMetrics": {
                    "consumed": pack.call(
                        table, f"metricConsumed{kind}CapacityUnits", {"statistic": "Sum"}
                    ),
                    "provisioned": pack.call(
                        table,
                        "metric",
                        f"Provisioned{kind}CapacityUnits",
                        {"statistic": "Average"},
                    ),
                },
                "label": f"{kind.lower()} capacity used (%)",
                "period": pack.period(settings),
            },
        )

    return build


PACK = PackSpec(
    name=NAME,
    method="monitor_table",
    target="table",
    title="DynamoDB table",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment, deploy the previous release "
    "([rolling back](guides/runbook.md#rolling-back)); lost or damaged items come back with "
    "point-in-time recovery to a new table "
    "([disaster recovery](guides/runbook.md#disaster-recovery)).",
    check=check,
    page=PageRow(
        call="`monitor_table(table)` (a `SecureTable` or a `dynamodb.ITable`; "
        "`operations=` names the operations watched, 10 at most)",
        alarms="read and write throttles, system errors (Critical), p99 latency of the watched "
        "operations, consumed against provisioned read and write capacity for a provisioned "
        "table",
        main="consumed (and provisioned) capacity, throttles and system errors",
        performance="p99 latency per watched operation",
    ),
)
"""The table pack, as ``ServiceMonitoring.monitor_table`` and the docs read it."""
