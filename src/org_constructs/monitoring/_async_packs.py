"""``ServiceMonitoring``'s methods for asynchronous services: queues, dead-letter queues, state
machines and EventBridge rules (a mixin, so that the facade stays one readable module)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs

from org_constructs._internal.lazy import lazy_module
from org_constructs.core import QueueWithDeadLetter, StateMachineWithTimeout
from org_constructs.core._triggers import RuleWithDeadLetter
from org_constructs.monitoring._factory import MonitoredResource
from org_constructs.monitoring._packs import PackSpec
from org_constructs.monitoring._packs import queue as queue_pack
from org_constructs.monitoring._packs import rule as rule_pack
from org_constructs.monitoring._packs import state_machine as state_machine_pack
from org_constructs.monitoring._settings import AlarmLevels, AlarmSettings

if TYPE_CHECKING:
    from aws_cdk import aws_stepfunctions as sfn
else:
    sfn = lazy_module("aws_cdk.aws_stepfunctions")


__all__ = ["AsyncPacks"]


class AsyncPacks:
    """The ``monitor_*`` methods of asynchronous services; ``ServiceMonitoring`` runs them."""

    def _monitor(
        self, pack: PackSpec, arguments: Mapping[str, object]
    ) -> list[MonitoredResource]:  # pragma: no cover - ServiceMonitoring's
        raise NotImplementedError

    def monitor_queue(
        self,
        queue: sqs.IQueue | QueueWithDeadLetter,
        *,
        label: str | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for an SQS queue and its dead-letter queue.

        Parameters
        ----------
        queue:
            A ``SecureQueue`` (its dead-letter queue is watched too) or an ``sqs.IQueue``
            (an ``sqs.Queue``'s own dead-letter queue is found).
        label:
            The resource part of alarm names. Default: - the construct id
        dead_letter_queue:
            The dead-letter queue of a queue made elsewhere. Default: - the queue's own
        alarms:
            Overrides by key; ``empty_receives`` is only created when given here.

        Raises
        ------
        ValidationError
            A queue of another region, already monitored here, or a ``dead_letter_queue``
            that contradicts the queue's own.
        """
        return self._monitor(queue_pack.PACK, locals())[0]

    def monitor_dead_letter_queue(
        self,
        queue: sqs.IQueue,
        *,
        label: str | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """A Critical alarm and a widget for a dead-letter queue: any message in it is a
        failure. The library's own are watched already: an ``AlarmTopic``'s when it is the
        ``alarm_topic`` (or critical/warning topic) of a monitoring in its stack, a
        ``MonitoredFunction``'s and a ``DeploymentNotifications``' when given ``monitoring``.

        Raises
        ------
        ValidationError
            A queue of another region, or already monitored here.
        """
        return self._monitor(queue_pack.DEAD_LETTERS, locals())[0]

    def monitor_state_machine(
        self,
        state_machine: sfn.IStateMachine | StateMachineWithTimeout,
        *,
        label: str | None = None,
        timeout: Duration | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for a Step Functions state machine.

        Parameters
        ----------
        state_machine:
            A ``SecureStateMachine`` (its timeout is read) or an ``sfn.IStateMachine`` (the
            ``state_machine`` of a ``SecureStateMachine`` is recognised as its own).
        label:
            The resource part of alarm names. Default: - the construct id (the
            ``SecureStateMachine``'s for one)
        timeout:
            The state machine's timeout, for the execution time alarm (80% of it). Default: -
            a ``SecureStateMachine``'s own; for another state machine, none: the execution
            time alarm is left out
        alarms:
            Overrides by alarm key (see the alarm catalogue).

        Raises
        ------
        ValidationError
            For a target that is not a state machine, of another region or already monitored
            in this service; a ``timeout`` outside 1 second to 365 days, not whole seconds,
            or that contradicts a ``SecureStateMachine``'s own; an override of
            ``execution_time_p99`` without a timeout. Nothing is created.
        """
        return self._monitor(state_machine_pack.PACK, locals())[0]

    def monitor_rule(
        self,
        rule: events.IRule | RuleWithDeadLetter,
        *,
        label: str | None = None,
        event_bus_name: str | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and a widget for an EventBridge rule: a ``Trigger`` (its dead-letter queue
        too) or any ``events.IRule``.

        Parameters
        ----------
        label:
            The resource part of alarm names. Default: - the construct id
        event_bus_name:
            The bus of a rule on a bus of its own (its metrics carry it). Default: - a
            ``Trigger``'s, else the default bus

        Raises
        ------
        ValidationError
            A rule of another region or already monitored here; a dead-letter alarm for a
            rule without a dead-letter queue.
        """
        return self._monitor(rule_pack.PACK, locals())[0]
