"""What the library knows of a state machine construct without importing it (no import cycles)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from aws_cdk import Duration
from constructs import Node

from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.shapes import Shape

if TYPE_CHECKING:
    from aws_cdk import aws_stepfunctions as sfn
else:
    sfn = lazy_module("aws_cdk.aws_stepfunctions")


__all__ = ["StateMachineWithTimeout"]


@runtime_checkable
class StateMachineWithTimeout(Protocol, metaclass=Shape):
    """A construct that owns a state machine and knows its timeout (``SecureStateMachine``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def state_machine(self) -> sfn.IStateMachine:
        """The state machine its callers start."""
        ...

    @property
    def timeout(self) -> Duration:
        """How long an execution may run before Step Functions stops it (timed out)."""
        ...
