"""What the library knows of a ``Trigger`` without importing it (no import cycles)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Node

from org_constructs._internal.shapes import Shape

__all__ = ["RuleWithDeadLetter"]


@runtime_checkable
class RuleWithDeadLetter(Protocol, metaclass=Shape):
    """A construct that owns an EventBridge rule and its target's dead-letter queue."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def rule(self) -> events.IRule:
        """The rule."""
        ...

    @property
    def dead_letter_queue(self) -> sqs.IQueue:
        """Where events go once the target's retries are spent."""
        ...

    @property
    def event_bus(self) -> events.IEventBus | None:
        """The bus of an event-pattern rule on a bus of its own; None for the default bus."""
        ...
