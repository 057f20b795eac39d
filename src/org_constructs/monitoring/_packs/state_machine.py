"""Step Functions state machines: failed, timed-out, aborted and throttled executions, and the
execution time against the state machine's timeout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration, Stack

from org_constructs._internal import checks as config_checks
from org_constructs._internal.kernel import Program
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import id_of
from org_constructs.core import StateMachineWithTimeout
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import MetricFor, Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    Severity,
    catalogue,
)

if TYPE_CHECKING:
    from aws_cdk import aws_stepfunctions as sfn
else:
    sfn = lazy_module("aws_cdk.aws_stepfunctions")


__all__ = ["CATALOGUE", "MAX_TIMEOUT", "NAME", "PACK", "check", "check_timeout"]

NAME = "state-machine"
MAX_TIMEOUT = Duration.days(365)
"""The longest a Standard execution may run (Step Functions' quota: one year)."""

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="failed",
        metric="ExecutionsFailed (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="An execution failed: a state raised an error that no Retry or Catch handled.",
        action="Open the failed execution in the Step Functions console (or the state "
        "machine's log group: ExecutionFailed, TaskFailed), find the failing state and its "
        "error; fix the cause, then redrive the execution (`aws stepfunctions "
        "redrive-execution`, Standard only) or start it again.",
    ),
    AlarmDefault(
        key="timed_out",
        metric="ExecutionsTimedOut (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="An execution ran longer than the state machine's timeout and was stopped.",
        action="Find the state that waited (a task without its own TimeoutSeconds or "
        "HeartbeatSeconds, a callback never answered, a slow dependency); give the task a "
        "timeout of its own, or raise the state machine's timeout.",
    ),
    AlarmDefault(
        key="aborted",
        metric="ExecutionsAborted (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="An execution was stopped (StopExecution) before it finished.",
        action="Check CloudTrail for the StopExecution call and who made it; an operator's "
        "stop is expected, an application's may hide a failure.",
    ),
    AlarmDefault(
        key="throttled",
        metric="ExecutionThrottled (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="State transitions were throttled: the account's state transition quota is "
        "exhausted.",
        action="Compare the transition rate with the Step Functions quotas of the region; "
        "batch the work (a Map state, fewer states), use an Express workflow for high-volume "
        "steps, or ask for a higher quota.",
    ),
    AlarmDefault(
        key="execution_time_p99",
        metric="ExecutionTime (p99)",
        threshold=80,
        unit="percent of timeout",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The slowest executions take more than 80% of the state machine's timeout for "
        "15 minutes: they are about to time out.",
        action="Find the slow states in X-Ray traces or the execution's event history; give "
        "slow tasks timeouts of their own, or raise the state machine's timeout.",
        condition="the timeout is known: a SecureStateMachine, or timeout= given",
    ),
)
"""The state machine pack's alarms, by key, with their default settings."""


@dataclass(frozen=True)
class _Facts:
    stack: Stack | None
    node_id: str | None
    owner: object
    """The construct the state machine is a child of (a ``SecureStateMachine``)."""
    arn: str


def _read(state_machine: sfn.IStateMachine) -> _Facts:
    """What the checks read of a state machine, in one request to the jsii kernel."""
    reads = Program()
    node = reads.get(state_machine, "node")
    stack, node_id, owner, arn = reads.read(
        reads.get(state_machine, "stack"),
        reads.get(node, "id"),
        reads.get(node, "scope"),
        reads.get(state_machine, "stateMachineArn"),
    )
    return _Facts(stack, node_id, owner, arn)


def check_timeout(where: str, prop: str, timeout: Duration, *, express: bool = False) -> None:
    """A state machine's timeout: 1 second to a year (5 minutes for Express), whole seconds,
    no token (the execution time alarm is a share of it)."""
    high = Duration.minutes(5) if express else MAX_TIMEOUT
    try:
        config_checks.check_duration(
            where, prop, timeout, low=config_checks.seconds(1), high=high, unit="seconds"
        )
    except ValidationError as error:
        if express and error.expected.startswith("must be from"):
            raise ValidationError(
                where,
                prop,
                error.value,
                f"{error.expected}: an Express execution runs at most 5 minutes; use "
                "StateMachineType.STANDARD for longer work",
            ) from None
        raise


def check(
    checks: PackChecks,
    state_machine: sfn.IStateMachine | StateMachineWithTimeout,
    *,
    label: str | None,
    timeout: Duration | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_state_machine`` refuses; the plan of its one state machine."""
    if timeout is not None:
        check_timeout(checks.where, "timeout", timeout)
    owner: StateMachineWithTimeout | None = None
    if isinstance(state_machine, StateMachineWithTimeout) and not isinstance(
        state_machine, sfn.StateMachine
    ):
        owner = state_machine
        machine: sfn.IStateMachine = state_machine.state_machine
    else:
        machine = state_machine
    facts = _read(machine)
    if owner is None and isinstance(facts.owner, StateMachineWithTimeout):
        # The state machine of a SecureStateMachine, given as .state_machine: its owner's.
        found = facts.owner
        if found.state_machine is machine:
            owner = found
    checks.check_region("state_machine", machine, stack=facts.stack)
    own = owner.timeout if owner is not None else None
    if timeout is not None and own is not None and own.to_seconds() != timeout.to_seconds():
        raise ValidationError(
            checks.where,
            "timeout",
            timeout.to_human_string(),
            f"contradicts the state machine's own timeout ({own.to_human_string()}): the "
            "execution time alarm is a share of it; leave timeout out",
        )
    known = own or timeout
    owner_label = str(id_of(owner)) if owner is not None else None
    label = checks.label(label or owner_label or facts.node_id, machine)
    resolved = dict(checks.resolve([label], alarms))
    possible = [key for key in CATALOGUE if key != "execution_time_p99" or known is not None]
    checks.possible(
        alarms,
        possible,
        "this state machine has",
        "give timeout= (the state machine's timeout) for a state machine made elsewhere",
    )
    if known is None:
        resolved["execution_time_p99"] = ()
    watched = [("states", facts.arn)]
    checks.unwatched("state_machine", machine, watched)
    timeout_ms = known.to_milliseconds() if known is not None else None

    def build(pack: Pack) -> None:
        _monitor(pack, machine, timeout_ms)

    return Plan(resolved, [Unit(label, f"StateMachine{label}", build, watched)])


def _monitor(pack: Pack, machine: sfn.IStateMachine, timeout_ms: float | None) -> None:
    """Alarms and widgets of one state machine."""

    def alarm_metric(method: str, statistic: str) -> MetricFor:
        return lambda settings: pack.call(
            machine, method, {"statistic": statistic, "period": pack.period(settings)}
        )

    pack.alarm("failed", alarm_metric("metricFailed", "Sum"))
    pack.alarm("timed_out", alarm_metric("metricTimedOut", "Sum"))
    pack.alarm("aborted", alarm_metric("metricAborted", "Sum"))
    pack.alarm("throttled", alarm_metric("metricThrottled", "Sum"))
    if timeout_ms is not None:
        pack.alarm("execution_time_p99", alarm_metric("metricTime", "p99"), factor=timeout_ms / 100)
    title = f"State machine {pack.label}"
    pack.main(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: executions",
                "width": 12,
                "left": [
                    pack.call(machine, method, {"statistic": "Sum", "label": label})
                    for method, label in (
                        ("metricStarted", "started"),
                        ("metricSucceeded", "succeeded"),
                        ("metricFailed", "failed"),
                        ("metricTimedOut", "timed out"),
                        ("metricAborted", "aborted"),
                    )
                ],
                "right": [
                    pack.call(
                        machine, "metricThrottled", {"statistic": "Sum", "label": "throttled"}
                    )
                ],
            },
        ),
    )
    timeline = (
        {"leftAnnotations": [{"value": timeout_ms, "label": "timeout"}]}
        if timeout_ms is not None
        else {}
    )
    shown = f" (timeout {timeout_ms:g} ms)" if timeout_ms is not None else ""
    pack.performance(
        pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: execution time p50/p90/p99{shown}",
                "width": 12,
                "left": [
                    pack.call(machine, "metricTime", {"statistic": s, "label": s})
                    for s in ("p50", "p90", "p99")
                ],
                **timeline,
            },
        ),
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_state_machine",
    target="state_machine",
    title="Step Functions state machine",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment, deploy the previous release "
    "([rolling back](guides/runbook.md#rolling-back)): running executions keep the definition "
    "they started with, so redrive or restart the failed ones once the fix is out.",
    check=check,
    page=PageRow(
        call="`monitor_state_machine(state_machine)` (a `SecureStateMachine` or an "
        "`sfn.IStateMachine` with `timeout=`)",
        alarms="failed and timed-out executions (Critical), aborted executions, throttled "
        "transitions, execution time p99 against the timeout",
        main="executions started/succeeded/failed/timed out/aborted, throttled transitions",
        performance="execution time p50/p90/p99 with the timeout line",
    ),
)
"""The state machine pack, as ``ServiceMonitoring.monitor_state_machine`` and the docs read
it."""
