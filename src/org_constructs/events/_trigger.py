"""``Trigger``: one EventBridge rule, one target, retries and a dead-letter queue."""

from __future__ import annotations

import typing
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.checks import check_same_region
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.core import (
    ReleasedFunction,
    StateMachineWithTimeout,
    removal_policy_for,
    serving_function,
)
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError
from org_constructs.monitoring._service import ServiceMonitoring

if TYPE_CHECKING:
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_stepfunctions as sfn
else:
    targets = lazy_module("aws_cdk.aws_events_targets")
    sfn = lazy_module("aws_cdk.aws_stepfunctions")


__all__ = ["Trigger", "TriggerTarget"]

# A string: the state machine module is imported only when a state machine is used.
TriggerTarget: TypeAlias = (
    "ReleasedFunction | lambda_.IFunction | StateMachineWithTimeout | sfn.IStateMachine"
)
"""What a trigger starts: a ``MonitoredFunction`` (its alias) or any function, a
``SecureStateMachine`` or any state machine."""

_MAX_RETRIES = 185
_DLQ_REASON = (
    "This queue is the dead-letter queue of an EventBridge rule's target; cdk-nag does not "
    "recognise EventBridge dead-letter queues, and a dead-letter queue needs none of its own."
)
_DLQ_GUARD_REASON = (
    "This queue is a dead-letter queue for EventBridge, whose RedriveAllowPolicy denies all "
    "SQS sources; the rule counts only allowAll or byQueue policies as dead-letter queues."
)


@dataclass(frozen=True)
class _Settings:
    """A trigger's props, checked together before anything is created."""

    target: lambda_.IFunction | sfn.IStateMachine
    """A function (an alias) or a state machine."""
    schedule: events.Schedule | None
    event_pattern: events.EventPattern | None
    event_bus: events.IEventBus | None
    retry_attempts: int
    max_event_age: Duration
    enabled: bool
    description: str | None


def _check_environment(
    where: str, target: lambda_.IFunction | sfn.IStateMachine, scope: Construct
) -> None:
    """A rule starts a target of its own account and region (EventBridge sends to another
    account's bus, not to its functions)."""
    stack = Stack.of(scope)
    env = target.env
    for part, ours, theirs in (
        ("account", stack.account, env.account),
        ("region", stack.region, env.region),
    ):
        if unresolved(ours) or unresolved(theirs) or ours == theirs:
            continue
        raise ValidationError(
            where,
            "target",
            getattr(getattr(target, "node", None), "path", target),
            f"is in {part} {theirs}, the rule in {part} {ours}: a rule starts targets of its "
            "own account and region; put the trigger in a stack of the target's environment",
        )


def _checked(
    where: str,
    target: TriggerTarget,
    scope: Construct,
    *,
    schedule: events.Schedule | None,
    event_pattern: events.EventPattern | None,
    event_bus: events.IEventBus | None,
    retry_attempts: int,
    max_event_age: Duration,
    enabled: bool,
    description: str | None,
) -> _Settings:
    if (schedule is None) == (event_pattern is None):
        raise ValidationError(
            where,
            "schedule",
            schedule,
            "give a schedule or an event_pattern, one of the two: a rule runs on a schedule "
            "or on matching events",
        )
    if schedule is not None and event_bus is not None:
        raise ValidationError(
            where,
            "event_bus",
            event_bus,
            "contradicts schedule: scheduled rules run on the default event bus only",
        )
    checks.check_int(where, "retry_attempts", retry_attempts, 0, _MAX_RETRIES)
    checks.check_duration(
        where,
        "max_event_age",
        max_event_age,
        low=checks.minutes(1),
        high=checks.hours(24),
        unit="seconds",
    )
    if description is not None and len(description) > 512:
        raise ValidationError(where, "description", description, "must be 512 characters at most")
    resolved: lambda_.IFunction | sfn.IStateMachine
    if isinstance(target, StateMachineWithTimeout) and not isinstance(target, sfn.StateMachine):
        resolved = target.state_machine
    elif isinstance(target, ReleasedFunction | lambda_.FunctionBase):
        resolved, bypassed = serving_function(target)
        if bypassed is not None:
            raise ValidationError(
                where,
                "target",
                path_of(target),
                f"is the unversioned function of {path_of(bypassed)}: its invocations would "
                "skip the release's canary and rollback alarms; give the MonitoredFunction "
                "(its alias is invoked)",
            )
    else:
        resolved = target  # an sfn.IStateMachine (checked by type)
    _check_environment(where, resolved, scope)
    return _Settings(
        target=resolved,
        schedule=schedule,
        event_pattern=event_pattern,
        event_bus=event_bus,
        retry_attempts=retry_attempts,
        max_event_age=max_event_age,
        enabled=enabled,
        description=description,
    )


_EVENTBRIDGE_KEYS: weakref.WeakSet[kms.Key] = weakref.WeakSet()
"""The keys whose policy already lets EventBridge rules use them."""


def _let_eventbridge_use(key: kms.IKey) -> None:
    """EventBridge encrypts what it sends to the queue with the key: let rules of this account
    use it (once per key of this app; an imported key's policy is its owner's)."""
    if not isinstance(key, kms.Key) or key in _EVENTBRIDGE_KEYS:
        return
    _EVENTBRIDGE_KEYS.add(key)
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgeRulesOfThisAccount",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=["*"],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": stack.format_arn(service="events", resource="rule/*")},
            },
        )
    )


class Trigger(Construct):
    """An EventBridge rule that starts one target, on a schedule or on matching events.

    What a scheduled job or an event handler needs and aws-cdk-lib leaves to each team: the
    target retries (2 times by default, for up to 24 hours), then the event goes to a
    dead-letter queue of its own (encrypted with a rotating key that EventBridge may use, TLS
    only, messages kept 14 days, no queue may redrive into it). A ``MonitoredFunction`` is
    invoked through its alias, so each release's canary guards its share of the runs; a state
    machine is started by a role of its own that may start only it. With ``monitoring``, the
    rule's failed invocations and the dead-letter queue are watched (``monitor_rule``).

    ``MonitoredFunction.add_schedule``/``add_rule`` and ``SecureStateMachine.add_schedule``/
    ``add_rule`` make one.

    EventBridge rules rather than EventBridge Scheduler: rules have per-rule metrics (the
    alarms of one trigger are its own), event patterns on the same terms, and the emulator of
    ``org-cdk local deploy`` makes them; cron expressions are in UTC.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``Rule``, ``DeadLetterQueue``, ``DeadLetterKey``
        (and ``Role`` for a state machine) fix the logical ids.
    target:
        A ``MonitoredFunction`` (its alias), a ``lambda_.IFunction``, a ``SecureStateMachine``
        or an ``sfn.IStateMachine``.
    schedule:
        ``events.Schedule.rate(...)``/``cron(...)`` (UTC). One of ``schedule`` and
        ``event_pattern``.
    event_pattern:
        The events to match. One of ``schedule`` and ``event_pattern``.
    event_bus:
        The bus of an event-pattern rule. Default: - the account's default bus
    retry_attempts:
        0 to 185. Default: 2
    max_event_age:
        How long EventBridge retries: 1 minute to 24 hours. Default: 24 hours
    input:
        What the target receives. Default: - the event (for a schedule, EventBridge's
        ``Scheduled Event``)
    enabled:
        Default: True
    description:
        At most 512 characters. Default: - none
    encryption_key:
        The dead-letter queue's key, to share one between triggers (a key costs 1 USD a
        month); a key of this app gets a policy statement for EventBridge, an imported key's
        policy must let ``events.amazonaws.com`` use it. Default: - a new key with rotation
    monitoring:
        A ``ServiceMonitoring`` that watches the rule and its dead-letter queue.
        Default: - not watched

    Raises
    ------
    ValidationError
        Neither or both of ``schedule`` and ``event_pattern``, an ``event_bus`` with a
        schedule, values out of range, the unversioned function of a ``MonitoredFunction``,
        a value of the wrong type; nothing is created.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target: TriggerTarget,
        schedule: events.Schedule | None = None,
        event_pattern: events.EventPattern | None = None,
        event_bus: events.IEventBus | None = None,
        retry_attempts: int = 2,
        max_event_age: Duration | None = None,
        input: events.RuleTargetInput | None = None,
        enabled: bool = True,
        description: str | None = None,
        encryption_key: kms.IKey | None = None,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"Trigger({construct_id!r})"
        checks.check_arguments(where, Trigger.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        settings = _checked(
            where,
            target,
            scope,
            schedule=schedule,
            event_pattern=event_pattern,
            event_bus=event_bus,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age or Duration.hours(24),
            enabled=enabled,
            description=description,
        )
        if monitoring is not None:
            monitoring.check_region("monitoring", scope)
        if encryption_key is not None:
            check_same_region(
                where, "encryption_key", encryption_key, scope, "give a key of this region"
            )
        super().__init__(scope, construct_id)
        library_construct(self)
        self._settings = settings
        policy = removal_policy_for(self)
        key = encryption_key or rotating_key(
            self, "DeadLetterKey", f"the failed events of {path_of(self)}", policy
        )
        _let_eventbridge_use(key)
        self._dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=policy,
            redrive_allow_policy=sqs.RedriveAllowPolicy(
                redrive_permission=sqs.RedrivePermission.DENY_ALL
            ),
        )
        acknowledge(
            self._dead_letter_queue, _DLQ_REASON, "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"
        )
        acknowledge_library_check(
            self._dead_letter_queue, "cfn-guard", "CT.SQS.PR.1", _DLQ_GUARD_REASON
        )
        self._rule = events.Rule(
            self,
            "Rule",
            schedule=settings.schedule,
            event_pattern=settings.event_pattern,
            event_bus=settings.event_bus,
            enabled=settings.enabled,
            description=settings.description,
        )
        self._role: iam.Role | None = None
        self._rule.add_target(self._target(settings, input))
        if monitoring is not None:
            monitoring.monitor_rule(self)

    def _target(
        self, settings: _Settings, input: events.RuleTargetInput | None
    ) -> events.IRuleTarget:
        queue, retries, age = (
            self._dead_letter_queue,
            settings.retry_attempts,
            settings.max_event_age,
        )
        if isinstance(settings.target, lambda_.FunctionBase):
            return targets.LambdaFunction(
                settings.target,
                event=input,
                dead_letter_queue=queue,
                retry_attempts=retries,
                max_event_age=age,
            )
        from org_constructs.compute._role import ManagedPolicyRole  # compute imports this module

        machine = typing.cast("sfn.IStateMachine", settings.target)
        # aws-cdk-lib grants states:StartExecution on this state machine to the role; the
        # statement lands in the role's customer-managed policy, never inline.
        role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description=f"EventBridge starts the state machine of {path_of(self)}",
        )
        self._role = role
        return targets.SfnStateMachine(
            machine,
            input=input,
            role=role,
            dead_letter_queue=queue,
            retry_attempts=retries,
            max_event_age=age,
        )

    # ----------------------------------------------------------------------------- results

    @property
    def rule(self) -> events.Rule:
        """The EventBridge rule."""
        return self._rule

    @property
    def dead_letter_queue(self) -> sqs.Queue:
        """Where events go once the target's retries are spent."""
        return self._dead_letter_queue

    @property
    def target(self) -> lambda_.IFunction | sfn.IStateMachine:
        """What the rule starts (a ``MonitoredFunction``'s alias, a state machine)."""
        return self._settings.target

    @property
    def event_bus(self) -> events.IEventBus | None:
        """The bus of an event-pattern rule on a bus of its own; None for the default bus."""
        return self._settings.event_bus

    @property
    def role(self) -> iam.Role | None:
        """The role EventBridge starts a state machine with; None for a function."""
        return self._role
