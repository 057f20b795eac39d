"""``add_schedule`` and ``add_rule`` for the constructs a ``Trigger`` starts
(``MonitoredFunction``, ``SecureStateMachine``)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms

from org_constructs._internal import checks
from org_constructs.events._trigger import Trigger, TriggerTarget

__all__ = ["Triggered"]


class Triggered:
    """Adds ``add_schedule`` and ``add_rule``: a ``Trigger`` of the construct, watched by the
    construct's ``monitoring`` (its ``_monitoring``, when it has one)."""

    def add_schedule(
        self,
        construct_id: str,
        schedule: events.Schedule,
        *,
        retry_attempts: int = 2,
        max_event_age: Duration | None = None,
        input: events.RuleTargetInput | None = None,
        enabled: bool = True,
        description: str | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> Trigger:
        """Run this on ``schedule`` (``events.Schedule.cron(minute="0", hour="3")``, UTC):
        a ``Trigger`` child ``construct_id`` whose rule starts it with retries and a
        dead-letter queue, watched by this construct's ``monitoring``.

        Parameters
        ----------
        retry_attempts:
            0 to 185. Default: 2
        max_event_age:
            1 minute to 24 hours. Default: 24 hours
        input:
            What each run receives. Default: - EventBridge's ``Scheduled Event``
        enabled, description, encryption_key:
            As for ``Trigger`` (one key for the dead-letter queues of several triggers).

        Raises
        ------
        ValidationError
            Values out of range or of the wrong type, before anything is created.
        """
        checks.check_arguments(
            self._trigger_where("add_schedule"), Triggered.add_schedule, locals()
        )
        return Trigger(
            self,  # type: ignore[arg-type]  # a Construct (the class this is mixed into)
            construct_id,
            target=self._trigger_target(),
            schedule=schedule,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            input=input,
            enabled=enabled,
            description=description,
            encryption_key=encryption_key,
            monitoring=getattr(self, "_monitoring", None),
        )

    def add_rule(
        self,
        construct_id: str,
        event_pattern: events.EventPattern,
        *,
        event_bus: events.IEventBus | None = None,
        retry_attempts: int = 2,
        max_event_age: Duration | None = None,
        input: events.RuleTargetInput | None = None,
        enabled: bool = True,
        description: str | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> Trigger:
        """Run this for each event matching ``event_pattern`` (on ``event_bus``, default the
        account's): a ``Trigger`` child ``construct_id`` on the same terms as
        ``add_schedule``.

        Raises
        ------
        ValidationError
            Values out of range or of the wrong type, before anything is created.
        """
        checks.check_arguments(self._trigger_where("add_rule"), Triggered.add_rule, locals())
        return Trigger(
            self,  # type: ignore[arg-type]  # a Construct (the class this is mixed into)
            construct_id,
            target=self._trigger_target(),
            event_pattern=event_pattern,
            event_bus=event_bus,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            input=input,
            enabled=enabled,
            description=description,
            encryption_key=encryption_key,
            monitoring=getattr(self, "_monitoring", None),
        )

    def _trigger_target(self) -> TriggerTarget:
        return self  # type: ignore[return-value]  # a MonitoredFunction or SecureStateMachine

    def _trigger_where(self, method: str) -> str:
        node = getattr(self, "node", None)
        return f"{type(self).__name__}({getattr(node, 'id', '')!r}).{method}"
